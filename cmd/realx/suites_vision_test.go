package main

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
)

// This file holds the rows of TestSuitesRunOnFixtures for the perception suites (V*, HR-Bench,
// MME-RealWorld and its Lite and CN splits, TreeBench) and the visual-math suites (MathVerse,
// MATH-Vision, We-Math, DynaMath, LogicVista): each on a fixture written as VLMEvalKit writes
// its TSVs (base64 images, options as columns), or, for MME-RealWorld, as the JSON files
// VLMEvalKit builds its TSV from; each run in a seed model's protocol.

func init() {
	suiteRows = append(suiteRows,
		vstarRow, hrBenchRow("hrbench-4k", "deepeyesv2-7b"), hrBenchRow("hrbench-8k", "qwen3-vl-8b-hermes"),
		mmeRealWorldRow, mmeRealWorldLiteRow, mmeRealWorldCNRow, treeBenchRow,
		mathVerseRow, mathVisionRow, weMathRow, dynaMathRow, logicVistaRow)
}

// vlmTSV writes rows as VLMEvalKit's hosted TSVs are written (pandas' to_csv with a tab: a
// header, then a row a line, a cell quoted only when it holds a tab, a quote or a line break,
// an empty cell for a missing value). Each row gives its cells by column.
func vlmTSV(columns []string, rows []map[string]string) []byte {
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte('\t')
			}
			if strings.ContainsAny(c, "\t\"\n\r") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	line(columns)
	for _, r := range rows {
		cells := make([]string, len(columns))
		for i, c := range columns {
			cells[i] = r[c]
		}
		line(cells)
	}
	return []byte(b.String())
}

// b64PNG is a small PNG of one colour, base64-encoded as a VLMEvalKit TSV holds its images.
func b64PNG(t *testing.T, c uint32) string {
	return base64.StdEncoding.EncodeToString(pngOf(t, c))
}

// withImages gives each row its own base64 image in the column image.
func withImages(t *testing.T, rows []map[string]string) []map[string]string {
	for i, r := range rows {
		r["image"] = b64PNG(t, uint32(0x30507*(i+3)))
	}
	return rows
}

// seedAnswer is a scripted model that answers each sample in one turn, as a model of protocol
// writes a final answer: in <answer> tags (with its reasoning before it) for the seed
// protocols, as plain text for native and hermes. check, when set, sees each request first.
func seedAnswer(protocol string, qa []scriptedQA, check func(t *testing.T, r *runnertest.Request)) func(t *testing.T, r *runnertest.Request) runnertest.Reply {
	return func(t *testing.T, r *runnertest.Request) runnertest.Reply {
		if check != nil {
			check(t, r)
		}
		s := scriptedSample(t, qa, r)
		switch protocol {
		case "native", "hermes":
			return runnertest.Reply{Content: s.answer}
		}
		return runnertest.Reply{Content: "<think>Looking at the image closely.</think>\n<answer>" + s.answer + "</answer>"}
	}
}

// capabilityCounts returns, from the capability table of the run in dir, each capability's
// samples and correct answers ("2/1").
func capabilityCounts(t *testing.T, dir string) map[string]string {
	rows, err := csv.NewReader(strings.NewReader(report(t, dir, "--format", "csv"))).ReadAll()
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[2] + "/" + r[10]
	}
	return out
}

// userText returns the text of a request's first user message.
func userText(r *runnertest.Request) string {
	for _, m := range r.Messages {
		if m.Role == "user" {
			return m.Text
		}
	}
	return ""
}

// vstarQA: the first two right by DeepEyes' rule, the third settled by its LLM judge, the
// fourth a wrong option.
var vstarQA = []scriptedQA{
	{question: "What is the colour of the cup?", answer: "A"},
	{question: "What is the material of the bench?", answer: `\boxed{B}`},
	{question: "Is the dog on the left or right side of the car?", answer: "The dog is on the left of the car."},
	{question: "Is the lamp above or below the clock?", answer: "B"},
}

// vstarRow runs vstar as DeepEyes (deepeyes-7b): its own V* layout of the question, its rule,
// then its "Judgement: 1/0" judge.
var vstarRow = suiteRow{
	suite: "vstar",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "question": vstarQA[0].question, "A": "red", "B": "blue", "C": "green", "D": "white", "answer": "A", "category": "direct_attributes"},
			{"index": "1", "question": vstarQA[1].question, "A": "stone", "B": "wood", "C": "metal", "D": "plastic", "answer": "B", "category": "direct_attributes"},
			{"index": "2", "question": vstarQA[2].question, "A": "left", "B": "right", "answer": "A", "category": "relative_position"},
			{"index": "3", "question": vstarQA[3].question, "A": "above", "B": "below", "answer": "A", "category": "relative_position"},
		})
		return suiteFixture{Files: map[string][]byte{"VStarBench.tsv": vlmTSV([]string{"index", "image", "question", "A", "B", "C", "D", "answer", "category"}, rows)}}
	},
	model: "deepeyes-7b",
	reply: seedAnswer("deepeyes", vstarQA, func(t *testing.T, r *runnertest.Request) {
		if !strings.Contains(userText(r), "bench") {
			return
		}
		// DeepEyes' eval_vstar.py: "Question: …\nOptions: \nA. …\n…\n" and a blank line, then
		// its instruction, which starts with a line break.
		assert.True(t, strings.HasPrefix(userText(r), "Question: What is the material of the bench?\nOptions: \nA. stone\nB. wood\nC. metal\nD. plastic\n\n\nThink first, call **image_zoom_in_tool** if needed"),
			"DeepEyes' V* prompt: %q", userText(r))
	}),
	judge:    judgeAccepting("Judgement: 1", "Judgement: 0", "The dog is on the left of the car."),
	accuracy: "75.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := capabilityCounts(t, run)
		assert.Equal(t, "2/2", caps["attribute"])
		assert.Equal(t, "2/1", caps["spatial"])
		steps := report(t, run, "--by", "judge_step", "--format", "csv")
		assert.Contains(t, steps, "llm:vstar", "the judge decided the answer the rule did not")
		assert.Contains(t, report(t, run), "note: paper: vstar deepeyes-7b 85.6 (DeepEyesV2 (arXiv 2511.05271), Table 2); measured by deepeyes-7b: 75.0",
			"the paper's figure for the run's model, beside the run's")
	},
}

// hrBenchQA: the first right by its letter, the second by its option's text, the third
// names no option and the option matcher reads it as B (right), the fourth a wrong option.
var hrBenchQA = []scriptedQA{
	{question: "What is the number on the bus?", answer: "A"},
	{question: "What colour is the umbrella of the woman?", answer: "It is yellow"},
	{question: "Which sign is closer to the tower?", answer: "The second sign from the left, I believe."},
	{question: "How many windows does the red house have?", answer: "D"},
}

// hrBenchRow runs an HR-Bench suite with model: can_infer, then VLMEvalKit's option matcher
// (a scripted judge answering B).
func hrBenchRow(suite, model string) suiteRow {
	protocol := "deepeyesv2"
	if strings.HasSuffix(model, "-hermes") {
		protocol = "hermes"
	}
	file := "hr_bench_" + strings.TrimPrefix(suite, "hrbench-") + ".tsv"
	return suiteRow{
		suite: suite,
		fixture: func(t *testing.T) suiteFixture {
			rows := withImages(t, []map[string]string{
				{"index": "0", "question": hrBenchQA[0].question, "A": "27B", "B": "37B", "C": "27D", "D": "27E", "answer": "A", "category": "single", "cycle_category": "0"},
				{"index": "1", "question": hrBenchQA[1].question, "A": "red", "B": "yellow", "C": "black", "D": "blue", "answer": "B", "category": "single", "cycle_category": "0"},
				{"index": "2", "question": hrBenchQA[2].question, "A": "the square sign", "B": "the round sign", "C": "neither", "D": "both", "answer": "B", "category": "cross", "cycle_category": "0"},
				{"index": "3", "question": hrBenchQA[3].question, "A": "2", "B": "3", "C": "4", "D": "5", "answer": "C", "category": "cross", "cycle_category": "0"},
			})
			return suiteFixture{Files: map[string][]byte{file: vlmTSV([]string{"index", "image", "question", "answer", "category", "A", "B", "C", "D", "cycle_category"}, rows)}}
		},
		model: model,
		reply: seedAnswer(protocol, hrBenchQA, func(t *testing.T, r *runnertest.Request) {
			if strings.Contains(userText(r), "bus") {
				assert.Contains(t, userText(r), "Question: What is the number on the bus?\nOptions:\nA. 27B\nB. 37B\nC. 27D\nD. 27E\nPlease select the correct answer from the options above. ",
					"VLMEvalKit's multiple-choice prompt")
			}
		}),
		judge:    judgeAccepting("B", "Z", "The second sign from the left, I believe."),
		accuracy: "75.0", n: 4,
		check: func(t *testing.T, run string) {
			caps := capabilityCounts(t, run)
			assert.Equal(t, "2/2", caps["single-instance"])
			assert.Equal(t, "2/1", caps["cross-instance"])
			steps := report(t, run, "--by", "judge_step", "--format", "csv")
			assert.Contains(t, steps, "llm:vlmevalkit-option,", "the option matcher read the answer that names no option")
			assert.NotContains(t, steps, "llm:verify,", "no answer was left without an option")
		},
	}
}

// mmeOptions are the five options of an MME-RealWorld question as its data writes them.
func mmeOptions(texts ...string) []string {
	out := make([]string, len(texts))
	for i, s := range texts {
		out[i] = fmt.Sprintf("(%c) %s", 'A'+i, s)
	}
	return out
}

// mmeQA: three right letters (the second boxed, the third after "The best answer is"), the
// fourth wrong.
var mmeQA = []scriptedQA{
	{question: "How many cars are parked along the street?", answer: "B"},
	{question: "What is written on the shop sign?", answer: `\boxed{C}`},
	{question: "Should the car in front turn left?", answer: "The best answer is A"},
	{question: "Which building is the tallest in the image?", answer: "D"},
}

// mmeRecords are MME-RealWorld records as the JSON files VLMEvalKit builds its TSV from hold
// them: index, base64 image, question, the options (a list), the gold letter, category.
func mmeRecords(t *testing.T, qa []scriptedQA) []map[string]any {
	cats := []string{"Perception/Monitoring", "Perception/OCR with Complex Context", "Reasoning/Autonomous_Driving", "Reasoning/Remote Sensing"}
	gold := []string{"B", "C", "A", "E"}
	var out []map[string]any
	for i, s := range qa {
		out = append(out, map[string]any{
			"index": i, "image": b64PNG(t, uint32(0x112233*(i+1))), "question": s.question,
			"multi-choice options": mmeOptions("one", "two", "three", "four", "five"),
			"answer":               gold[i], "category": cats[i], "l2-category": "counting",
		})
	}
	return out
}

// jsonOf is v as JSON.
func jsonOf(t *testing.T, v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	return b
}

// mmeRealWorldRow runs mme-realworld as Skywork-R1V4 (skywork-r1v4): its records in two JSON
// files the suite's glob finds, VLMEvalKit's prompt, its letter rule.
var mmeRealWorldRow = suiteRow{
	suite: "mme-realworld",
	fixture: func(t *testing.T) suiteFixture {
		recs := mmeRecords(t, mmeQA)
		return suiteFixture{Files: map[string][]byte{
			"MME-RealWorld/Monitoring.json":    jsonOf(t, recs[:2]),
			"MME-RealWorld/AutoDriving.json":   jsonOf(t, recs[2:]),
			"MME-RealWorld-CN/Monitoring.json": jsonOf(t, recs[:1]),
		}}
	},
	model: "skywork-r1v4",
	reply: seedAnswer("r1v4", mmeQA, func(t *testing.T, r *runnertest.Request) {
		if strings.Contains(userText(r), "shop sign") {
			assert.Contains(t, userText(r), "What is written on the shop sign? The choices are listed below:\n(A) one\n(B) two\n(C) three\n(D) four\n(E) five\n"+
				"Select the best answer to the above multiple-choice question based on the image. Respond with only the letter (A, B, C, D, or E) of the correct option. \nThe best answer is:",
				"VLMEvalKit's MME-RealWorld prompt")
		}
	}),
	accuracy: "75.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := capabilityCounts(t, run)
		assert.Equal(t, "2/2", caps["perception"])
		assert.Equal(t, "2/1", caps["reasoning"])
		tab := report(t, run)
		assert.Contains(t, tab, "skywork-r1v4 71.4 (Skywork-R1V4 (arXiv 2512.02395), Table 2, MME-Real)")
		assert.Contains(t, tab, "skywork-r1v4 73.4 (Skywork-R1V4 (arXiv 2512.02395), Table 2, MME-Real Perc)", "a capability's figure")
	},
}

// mmeRealWorldCNRow runs mme-realworld-cn as DeepEyesV2 (deepeyesv2-7b), with VLMEvalKit's
// Chinese prompt.
var mmeRealWorldCNRow = suiteRow{
	suite: "mme-realworld-cn",
	fixture: func(t *testing.T) suiteFixture {
		recs := mmeRecords(t, mmeQA)
		return suiteFixture{Files: map[string][]byte{
			"MME-RealWorld-CN/Perception.json": jsonOf(t, recs[:2]),
			"MME-RealWorld-CN/Reasoning.json":  jsonOf(t, recs[2:]),
			"MME-RealWorld/Other.json":         jsonOf(t, recs[:1]),
		}}
	},
	model: "deepeyesv2-7b",
	reply: seedAnswer("deepeyesv2", mmeQA, func(t *testing.T, r *runnertest.Request) {
		if strings.Contains(userText(r), "shop sign") {
			assert.Contains(t, userText(r), "What is written on the shop sign? 选项如下所示:\n(A) one\n(B) two\n(C) three\n(D) four\n(E) five\n"+
				"根据图像选择上述多项选择题的最佳答案。只需回答正确选项的字母（A, B, C, D 或 E）。\n最佳答案为：", "VLMEvalKit's Chinese prompt")
		}
	}),
	accuracy: "75.0", n: 4,
}

// mmeRealWorldLiteRow runs mme-realworld-lite as Qwen2.5-VL-7B (native): its TSV's options
// are a Python list in one column, as VLMEvalKit's Lite file holds them.
var mmeRealWorldLiteRow = suiteRow{
	suite: "mme-realworld-lite",
	fixture: func(t *testing.T) suiteFixture {
		var rows []map[string]string
		for _, rec := range mmeRecords(t, mmeQA) {
			var opts []string
			for _, o := range rec["multi-choice options"].([]string) {
				opts = append(opts, "'"+o+"'")
			}
			rows = append(rows, map[string]string{
				"index": fmt.Sprint(rec["index"]), "image": rec["image"].(string), "question": rec["question"].(string),
				"multi-choice options": "[" + strings.Join(opts, ", ") + "]",
				"answer":               rec["answer"].(string), "category": rec["category"].(string), "l2-category": "counting",
			})
		}
		return suiteFixture{Files: map[string][]byte{"mme_realworld_lite.tsv": vlmTSV(
			[]string{"index", "image", "question", "multi-choice options", "answer", "category", "l2-category"}, rows)}}
	},
	model:    "qwen2.5-vl-7b-native",
	reply:    seedAnswer("native", mmeQA, nil),
	accuracy: "75.0", n: 4,
}

// treeBenchQA: two right letters, one wrong, one that names no letter.
var treeBenchQA = []scriptedQA{
	{question: "What is the colour of the cushion on the left chair?", answer: "C"},
	{question: "Which object is closest to the camera?", answer: "B. the vase"},
	{question: "What is the material of the table?", answer: "A"},
	{question: "Which is on top of the pile?", answer: "I cannot see the pile."},
}

// treeBenchRow runs treebench as DeepEyesV2 (deepeyesv2-7b): VLMEvalKit's TreeBench prompt,
// its letter rule (no LLM).
var treeBenchRow = suiteRow{
	suite: "treebench",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "question": treeBenchQA[0].question, "A": "red", "B": "blue", "C": "grey", "D": "green", "answer": "C", "category": "Perception/Attributes", "target_instances": "[[1, 2, 3, 4]]"},
			{"index": "1", "question": treeBenchQA[1].question, "A": "the lamp", "B": "the vase", "C": "the book", "D": "the cup", "answer": "B", "category": "Reasoning/Perspective Transform", "target_instances": "[]"},
			{"index": "2", "question": treeBenchQA[2].question, "A": "glass", "B": "wood", "C": "stone", "D": "metal", "answer": "B", "category": "Perception/Material", "target_instances": "[]"},
			{"index": "3", "question": treeBenchQA[3].question, "A": "a book", "B": "a plate", "C": "a cup", "D": "a box", "answer": "D", "category": "Reasoning/Ordering", "target_instances": "[]"},
		})
		return suiteFixture{Files: map[string][]byte{"TreeBench.tsv": vlmTSV([]string{"index", "image", "question", "A", "B", "C", "D", "answer", "category", "target_instances"}, rows)}}
	},
	model: "deepeyesv2-7b",
	reply: seedAnswer("deepeyesv2", treeBenchQA, func(t *testing.T, r *runnertest.Request) {
		if strings.Contains(userText(r), "cushion") {
			assert.Contains(t, userText(r), "Question: What is the colour of the cushion on the left chair?\nOptions:\nA. red\nB. blue\nC. grey\nD. green\nAnswer with the correct option's letter directly. ")
		}
	}),
	accuracy: "50.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := capabilityCounts(t, run)
		assert.Equal(t, "2/1", caps["perception"])
		assert.Equal(t, "2/1", caps["reasoning"])
	},
}

// mathVerseQA: an option letter and a number the rule settles, an equivalent the rule cannot
// read and the judge accepts, a wrong number.
var mathVerseQA = []scriptedQA{
	{question: "As shown in the figure, find the angle ABC. Choices: A:30 B:45 C:60 D:90", answer: "B"},
	{question: "Find the length of AC in the right triangle.", answer: "5"},
	{question: "What is the area of the shaded sector?", answer: "one quarter of pi"},
	{question: "Find the perimeter of the rectangle.", answer: "18"},
}

// mathVerseRow runs mathverse as DeepEyesV2 (deepeyesv2-7b), its TSV served in place of
// VLMEvalKit's URL: the math rule, then the verify.md judge.
var mathVerseRow = suiteRow{
	suite: "mathverse",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "question": mathVerseQA[0].question, "answer": "B", "question_type": "multi-choice", "problem_version": "Text Dominant", "metadata": "{'subject': 'plane geometry', 'subfield': 'angle'}"},
			{"index": "1", "question": mathVerseQA[1].question, "answer": "5", "question_type": "free-form", "problem_version": "Vision Only", "metadata": "{'subject': 'plane geometry', 'subfield': 'length'}"},
			{"index": "2", "question": mathVerseQA[2].question, "answer": `\frac{\pi}{4}`, "question_type": "free-form", "problem_version": "Vision Intensive", "metadata": "{'subject': 'plane geometry', 'subfield': 'area'}"},
			{"index": "3", "question": mathVerseQA[3].question, "answer": "16", "question_type": "free-form", "problem_version": "Text Lite", "metadata": "{'subject': 'plane geometry', 'subfield': 'length'}"},
		})
		return suiteFixture{Files: map[string][]byte{"MathVerse_MINIV.tsv": vlmTSV([]string{"index", "image", "question", "answer", "question_type", "problem_version", "metadata"}, rows)}}
	},
	model:    "deepeyesv2-7b",
	reply:    seedAnswer("deepeyesv2", mathVerseQA, nil),
	judge:    verifyJudge("one quarter of pi"),
	accuracy: "75.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := capabilityCounts(t, run)
		assert.Equal(t, "1/1", caps["Vision Only"])
		assert.Equal(t, "1/1", caps["Vision Intensive"], "the judge's pass")
		assert.Equal(t, "1/0", caps["Text Lite"])
		assert.Contains(t, report(t, run, "--by", "judge_step", "--format", "csv"), "llm:verify,")
	},
}

// mathVisionQA: a right option letter, a right value, a wrong value, a wrong letter.
var mathVisionQA = []scriptedQA{
	{question: "Which of the five shapes has the largest area?", answer: "C"},
	{question: "How many triangles are in the figure?", answer: "12"},
	{question: "What is the sum of the marked angles?", answer: "270"},
	{question: "Which net folds into the cube shown?", answer: "A"},
}

// mathVisionRow runs mathvision as Skywork-R1V4 (skywork-r1v4).
var mathVisionRow = suiteRow{
	suite: "mathvision",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "question": mathVisionQA[0].question, "answer": "C", "choices": "['A', 'B', 'C', 'D', 'E']", "category": "metric geometry - area", "level": "2"},
			{"index": "1", "question": mathVisionQA[1].question, "answer": "12", "choices": "[]", "category": "counting", "level": "3"},
			{"index": "2", "question": mathVisionQA[2].question, "answer": "360", "choices": "[]", "category": "metric geometry - angle", "level": "4"},
			{"index": "3", "question": mathVisionQA[3].question, "answer": "E", "choices": "['A', 'B', 'C', 'D', 'E']", "category": "solid geometry", "level": "5"},
		})
		return suiteFixture{Files: map[string][]byte{"MathVision.tsv": vlmTSV([]string{"index", "image", "question", "answer", "choices", "category", "level"}, rows)}}
	},
	model:    "skywork-r1v4",
	reply:    seedAnswer("r1v4", mathVisionQA, nil),
	judge:    verifyJudge(),
	accuracy: "50.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := capabilityCounts(t, run)
		assert.Equal(t, "1/1", caps["counting"], "the subjects are the capabilities")
		assert.Equal(t, "1/0", caps["solid geometry"])
	},
}

// weMathQA: right by letter, right by the option's text, a wrong letter.
var weMathQA = []scriptedQA{
	{question: "In the figure, what is the length of segment AB?", answer: "A"},
	{question: "Which angle is a right angle?", answer: "angle ACB"},
	{question: "How many faces does the solid have?", answer: "B"},
}

// weMathRow runs wemath as DeepEyes (deepeyes-7b): VLMEvalKit's WeMath prompt (no instruction
// after the options), can_infer.
var weMathRow = suiteRow{
	suite: "wemath",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "ID": "1-1", "question": weMathQA[0].question, "A": "3 cm", "B": "4 cm", "C": "5 cm", "D": "6 cm", "E": "No correct answer", "answer": "A", "key": "2steps_1"},
			{"index": "1", "ID": "1-2", "question": weMathQA[1].question, "A": "angle ABC", "B": "angle ACB", "C": "angle BAC", "answer": "B", "key": "2steps_2"},
			{"index": "2", "ID": "2-1", "question": weMathQA[2].question, "A": "4", "B": "5", "C": "6", "answer": "C", "key": "1step"},
		})
		return suiteFixture{Files: map[string][]byte{"WeMath.tsv": vlmTSV([]string{"index", "ID", "image", "question", "A", "B", "C", "D", "E", "answer", "key"}, rows)}}
	},
	model: "deepeyes-7b",
	reply: seedAnswer("deepeyes", weMathQA, func(t *testing.T, r *runnertest.Request) {
		if strings.Contains(userText(r), "right angle") {
			assert.True(t, strings.HasPrefix(userText(r), "Question: Which angle is a right angle?\nOptions:\nA. angle ABC\nB. angle ACB\nC. angle BAC\n\nThink first"),
				"WeMath's prompt, under DeepEyes' instruction: %q", userText(r))
		}
	}),
	judge:    verifyJudge(),
	accuracy: "66.7", n: 3,
}

// dynaMathQA: a float within DynaMath's 0.001, a right option letter in the JSON answer the
// prompt asks for, a wrong float.
var dynaMathQA = []scriptedQA{
	{question: "What is the slope of the line through the two marked points?", answer: "3.1416"},
	{question: "Which graph shows an even function?", answer: `{"solution": "It is symmetric about the y axis.", "short answer": "B"}`},
	{question: "What is the y-intercept of the parabola?", answer: "2.5"},
}

// dynaMathRow runs dynamath as DeepEyesV2 (deepeyesv2-7b).
var dynaMathRow = suiteRow{
	suite: "dynamath",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "question": dynaMathQA[0].question, "answer": "3.142", "answer_type": "float", "qid": "1", "subject": "algebra", "knowledge_level": "high school"},
			{"index": "1", "question": dynaMathQA[1].question + "\nChoices:\n(A) f1\n(B) f2\n(C) f3\n(D) f4", "answer": "B", "answer_type": "multiple choice", "qid": "2", "subject": "algebra", "knowledge_level": "high school"},
			{"index": "2", "question": dynaMathQA[2].question, "answer": "-2.0", "answer_type": "float", "qid": "3", "subject": "analytic geometry", "knowledge_level": "high school"},
		})
		return suiteFixture{Files: map[string][]byte{"DynaMath.tsv": vlmTSV([]string{"index", "image", "question", "answer", "answer_type", "qid", "subject", "knowledge_level"}, rows)}}
	},
	model: "deepeyesv2-7b",
	reply: seedAnswer("deepeyesv2", dynaMathQA, func(t *testing.T, r *runnertest.Request) {
		if strings.Contains(userText(r), "slope") {
			assert.Contains(t, userText(r), "## Question\n What is the slope of the line through the two marked points?\n## Answer Instruction Please provide an answer")
			assert.Contains(t, userText(r), "Format the answer as a three-digit floating-point number and provide it in the 'short answer' key.\n\nExample of expected JSON response format:\n\n{\n    \"solution\": \"[Detailed step-by-step explanation]\",\n    \"short answer\": \"[Concise Answer]\"\n}")
		}
	}),
	judge:    verifyJudge(dynaMathQA[1].answer),
	accuracy: "66.7", n: 3,
}

// logicVistaQA: one letter right, several letters right, a wrong letter.
var logicVistaQA = []scriptedQA{
	{question: "Which shape comes next in the sequence?", answer: "B"},
	{question: "Which two of the gears turn clockwise?", answer: "A, C"},
	{question: "Which cube is the odd one out?", answer: "D"},
}

// logicVistaRow runs logicvista as Qwen2.5-VL-7B in the hermes protocol.
var logicVistaRow = suiteRow{
	suite: "logicvista",
	fixture: func(t *testing.T) suiteFixture {
		rows := withImages(t, []map[string]string{
			{"index": "0", "question": logicVistaQA[0].question + "\nA. circle\nB. square\nC. star\nD. none", "answer": "B", "skill": "inductive"},
			{"index": "1", "question": logicVistaQA[1].question + "\nA. gear 1\nB. gear 2\nC. gear 3\nD. gear 4", "answer": "A, C", "skill": "mechanical"},
			{"index": "2", "question": logicVistaQA[2].question + "\nA. 1\nB. 2\nC. 3\nD. 4", "answer": "A", "skill": "spatial"},
		})
		return suiteFixture{Files: map[string][]byte{"LogicVista.tsv": vlmTSV([]string{"index", "image", "question", "answer", "skill"}, rows)}}
	},
	model:    "qwen2.5-vl-7b-hermes",
	reply:    seedAnswer("hermes", logicVistaQA, nil),
	judge:    verifyJudge(),
	accuracy: "66.7", n: 3,
}
