package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks/source/hubtest"
)

// This file holds the rows of TestSuitesRunOnFixtures for the search suites: RealX-Bench,
// MMSearch, FVQA, InfoSeek, SimpleVQA and BrowseComp-VL, each on a fixture in the format of its
// real data.

func init() {
	suiteRows = append(suiteRows, realXBenchRow, mmsearchRow, fvqaRow, infoseekRow, simpleVQARow, browseCompVLRow)
}

// realXBenchQA are the fixture's questions of realXBenchRow as its scripted model answers them:
// the first two by exact match (the second with one of the accepted answers joined by " or "),
// the third by the judge only, the fourth wrong.
var realXBenchQA = []scriptedQA{
	{"What colour is the door", "door colour", "red"},
	{"Who designed the museum", "museum architect", "Gehry"},
	{"In what year was this flag made official", "flag official law year", "it was 1999, by law"},
	{"What is the capital of the country", "capital city", "Oslo"},
}

// realXBenchRow runs realx-bench as DeepEyesV2 (the preset deepeyesv2-7b): the rule, then the
// verify.md judge.
var realXBenchRow = suiteRow{
	suite:    "realx-bench",
	fixture:  realXBenchFixture,
	model:    "deepeyesv2-7b",
	reply:    deepEyesV2Searcher(realXBenchQA...),
	judge:    verifyJudge("it was 1999, by law"),
	accuracy: "75.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := report(t, run, "--format", "csv")
		assert.Contains(t, caps, "integration,")
		assert.Contains(t, caps, "perception,")
		assert.Contains(t, caps, "search+reason,")
		steps := report(t, run, "--by", "judge_step", "--format", "csv")
		assert.Contains(t, steps, "llm", "the judge decided the answers the rule did not")
	},
}

// realXBenchFixture is RealX-Bench as the hub's Parquet conversion of glowol/RealXBench holds
// it: query, answer (accepted answers joined by " or "), the 0/1 flags and the image.
func realXBenchFixture(t *testing.T) suiteFixture {
	flag := func() parquet.Node { return parquet.Leaf(parquet.Int64Type) }
	cols := parquet.Group{"query": parquet.String(), "answer": parquet.String(),
		"perception": flag(), "search": flag(), "reason": flag(), "image": hubtest.Image()}
	rows := []map[string]any{
		{"query": "What colour is the door in the photo?", "answer": "red", "perception": int64(1), "search": int64(0), "reason": int64(0)},
		{"query": "Who designed the museum in the photo?", "answer": "Frank Gehry or Gehry", "perception": int64(0), "search": int64(1), "reason": int64(0)},
		{"query": "In what year was this flag made official by law?", "answer": "1999", "perception": int64(1), "search": int64(1), "reason": int64(1)},
		{"query": "What is the capital of the country whose flag this is?", "answer": "Stockholm", "perception": int64(0), "search": int64(1), "reason": int64(1)},
	}
	for i, r := range rows {
		r["image"] = hubtest.ImageValue(pngOf(t, uint32(0x204060*(i+1))), "")
	}
	data, err := hubtest.Parquet(cols, rows, 0)
	require.NoError(t, err)
	return suiteFixture{
		Files:  map[string][]byte{"default/test/0000.parquet": data},
		Corpus: corpusFor(realXBenchQA...),
	}
}

// mmsearchQA are the fixture's questions of mmsearchRow: an alternative answer, an answer only
// the judge accepts (a question without an image), a wrong one, and the answer itself.
var mmsearchQA = []scriptedQA{
	{"Which product did xAI launch", "xAI product launch August 2024", "Grok 2"},
	{"What colour was the shirt", "Sundar Pichai shirt colour keynote", "He wore a grey shirt"},
	{"Which days does this conference run", "ECCV 2024 dates", "2024-10-01"},
	{"Which city hosts this prize", "Nobel Prize ceremony city", "Stockholm"},
}

// mmsearchRow runs mmsearch as DeepEyesV2: exact match with the answer or an alternative, then
// the verify.md judge; capabilities by area.
var mmsearchRow = suiteRow{
	suite:    "mmsearch",
	fixture:  mmsearchFixture,
	model:    "deepeyesv2-7b",
	reply:    deepEyesV2Searcher(mmsearchQA...),
	judge:    verifyJudge("He wore a grey shirt"),
	accuracy: "75.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := report(t, run, "--format", "csv")
		assert.Regexp(t, `\nnews,deepeyesv2-7b,2,.*,1,50\.0000,`, caps)
		assert.Regexp(t, `\nknowledge,deepeyesv2-7b,2,.*,2,100\.0000,`, caps)
		for _, res := range readResults(t, run) {
			if res.ID == "technology_1" {
				assert.Empty(t, res.Trajectory.Turns[0].Images, "a question without an image")
			}
		}
	},
}

// mmsearchFixture is MMSearch's end2end config as the hub's Parquet conversion holds it (the
// columns eval_end2end.py reads; query_image null for a question without an image).
func mmsearchFixture(t *testing.T) suiteFixture {
	cols := parquet.Group{"sample_id": parquet.String(), "query": parquet.String(), "query_image": parquet.Optional(hubtest.Image()),
		"area": parquet.String(), "subfield": parquet.String(), "timestamp": parquet.String(), "gt_requery": parquet.String(),
		"gt_answer": parquet.String(), "alternative_gt_answers": parquet.List(parquet.String())}
	rows := []map[string]any{
		{"sample_id": "technology_0", "query": "Which product did xAI launch in August 2024?", "area": "news", "subfield": "technology",
			"gt_answer": "Grok-2", "alternative_gt_answers": []any{"Grok 2"}},
		{"sample_id": "technology_1", "query": "What colour was the shirt Sundar Pichai wore at the keynote?", "area": "knowledge", "subfield": "technology",
			"gt_answer": "grey", "alternative_gt_answers": []any{"gray"}},
		{"sample_id": "event_0", "query": "Which days does this conference run from and to?", "area": "news", "subfield": "event",
			"gt_answer": "2024-09-29 to 2024-10-04", "alternative_gt_answers": []any{}},
		{"sample_id": "arts_0", "query": "Which city hosts this prize's ceremony?", "area": "knowledge", "subfield": "arts",
			"gt_answer": "Stockholm", "alternative_gt_answers": []any{}},
	}
	for i, r := range rows {
		r["timestamp"], r["gt_requery"] = "2024-09-29", "requery "+r["sample_id"].(string)
		if i != 1 {
			r["query_image"] = hubtest.ImageValue(pngOf(t, uint32(0x305070*(i+1))), "")
		}
	}
	data, err := hubtest.Parquet(cols, rows, 0)
	require.NoError(t, err)
	return suiteFixture{Files: map[string][]byte{"end2end/end2end/0000.parquet": data}, Corpus: corpusFor(mmsearchQA...)}
}

// veRLColumns are the columns of MMSearch-R1's data in veRL's format (FVQA, its InfoSeek
// subset): the question as a chat, a list of images, the answers.
func veRLColumns(withID bool) parquet.Group {
	cols := parquet.Group{
		"prompt":       parquet.List(parquet.Group{"content": parquet.String(), "role": parquet.String()}),
		"images":       parquet.List(hubtest.Image()),
		"reward_model": parquet.Group{"candidate_answers": parquet.String(), "ground_truth": parquet.String(), "style": parquet.String()},
		"data_source":  parquet.String(),
	}
	if withID {
		cols["data_id"] = parquet.String()
	}
	return cols
}

// veRLRow is a row of veRL's format: a question, its image, its answer and candidates.
func veRLRow(t *testing.T, question, answer string, candidates []string, colour uint32, source string) map[string]any {
	cand, err := json.Marshal(candidates)
	require.NoError(t, err)
	return map[string]any{
		"prompt":       []any{map[string]any{"content": question, "role": "user"}},
		"images":       []any{hubtest.ImageValue(pngOf(t, colour), "")},
		"reward_model": map[string]any{"candidate_answers": string(cand), "ground_truth": answer, "style": "rule"},
		"data_source":  source,
	}
}

// factualQA are the questions of the FVQA and InfoSeek fixtures: a candidate answer (EM), an
// answer holding the ground truth (SubEM), a wrong one.
var factualQA = []scriptedQA{
	{"country of origin of this food", "paella country of origin", "ESP"},
	{"historic county does this building", "Lovell Telescope historic county", "It is in Cheshire"},
	{"Who commissioned this building", "building commissioned by", "Napoleon"},
}

// factualRows are factualQA's rows in veRL's format.
func factualRows(t *testing.T, source string) []map[string]any {
	return []map[string]any{
		veRLRow(t, "What is the country of origin of this food?", "Spain", []string{"Kingdom of Spain", "ESP", "ES", "Spain"}, 0xaa2200, source),
		veRLRow(t, "Which historic county does this building belong to?", "Cheshire", nil, 0x22aa00, source),
		veRLRow(t, "Who commissioned this building?", "Order of Saint John", []string{"Knights Hospitaller"}, 0x0022aa, source),
	}
}

// fvqaRow runs fvqa as Skywork-R1V4 (its preset's protocol, which takes the suite's search
// tools as its own text_search and web_visit): EM, then SubEM.
var fvqaRow = suiteRow{
	suite: "fvqa",
	fixture: func(t *testing.T) suiteFixture {
		rows := factualRows(t, "mmsearch_r1/fvqa_test")
		for i, r := range rows {
			r["data_id"] = fmt.Sprintf("fvqa_test_%d", i)
		}
		data, err := hubtest.Parquet(veRLColumns(true), rows, 2)
		require.NoError(t, err)
		return suiteFixture{Files: map[string][]byte{"fvqa_test.parquet": data}, Corpus: corpusFor(factualQA...)}
	},
	model:    "skywork-r1v4",
	reply:    r1v4Searcher(factualQA...),
	stderr:   "protocol r1v4 cannot carry the suite's tools (python, search, image_search); it gets python, text_search, web_visit, image_search",
	accuracy: "66.7", n: 3,
	check: func(t *testing.T, run string) {
		steps := report(t, run, "--by", "judge_step", "--format", "csv")
		assert.Contains(t, steps, "em,", "the candidate answer matched exactly")
		assert.Contains(t, steps, "subem,", "the answer holding the ground truth")
		ids := []string{}
		for _, res := range readResults(t, run) {
			ids = append(ids, res.ID)
		}
		assert.ElementsMatch(t, []string{"fvqa_test_0", "fvqa_test_1", "fvqa_test_2"}, ids)
	},
}

// infoseekRow runs infoseek, MMSearch-R1's InfoSeek subset fetched from its URL, as DeepEyesV2.
var infoseekRow = suiteRow{
	suite: "infoseek",
	fixture: func(t *testing.T) suiteFixture {
		data, err := hubtest.Parquet(veRLColumns(false), factualRows(t, "mmsearch_r1/infoseek_sub_2k"), 0)
		require.NoError(t, err)
		return suiteFixture{Files: map[string][]byte{"mmsearch_r1_infoseek_sub_2k.parquet": data}, Corpus: corpusFor(factualQA...)}
	},
	model:    "deepeyesv2-7b",
	reply:    deepEyesV2Searcher(factualQA...),
	accuracy: "66.7", n: 3,
}

// simpleVQAQA are the questions of simpleVQARow: two the judge grades correct, one wrong.
var simpleVQAQA = []scriptedQA{
	{"Who painted this", "painter of the Starry Night", "Vincent van Gogh"},
	{"这座建筑位于哪个城市", "天坛 城市", "北京"},
	{"In which year was this bridge opened", "Golden Gate Bridge opened year", "1950"},
}

// simpleVQARow runs simplevqa, VLMEvalKit's TSV, as DeepEyesV2, graded by SimpleQA's grader.
var simpleVQARow = suiteRow{
	suite: "simplevqa",
	fixture: func(t *testing.T) suiteFixture {
		var b strings.Builder
		b.WriteString("index\timage\tquestion\tanswer\n")
		for i, q := range []struct{ question, answer string }{
			{"Who painted this picture?", "Vincent van Gogh"},
			{"这座建筑位于哪个城市？", "北京"},
			{"In which year was this bridge opened to traffic?", "1937"},
		} {
			fmt.Fprintf(&b, "%d\t%s\t%s\t%s\n", i, base64.StdEncoding.EncodeToString(pngOf(t, uint32(0x404000+i))), q.question, q.answer)
		}
		return suiteFixture{Files: map[string][]byte{"SimpleVQA.tsv": []byte(b.String())}, Corpus: corpusFor(simpleVQAQA...)}
	},
	model:    "deepeyesv2-7b",
	reply:    deepEyesV2Searcher(simpleVQAQA...),
	judge:    judgeAccepting("A", "B", "Predicted answer: Vincent van Gogh", "Predicted answer: 北京"),
	accuracy: "66.7", n: 3,
}

// browseCompVLQA are the questions of browseCompVLRow.
var browseCompVLQA = []scriptedQA{
	{"Which country produced the movie", "most Oscars film country", "the United States"},
	{"What year marked the end of the initial era", "company initial era end year", "2014"},
	{"Within the standard contract terms", "battle of forms contract clause", "a force majeure clause"},
}

// browseCompVLRow runs browsecomp-vl as Skywork-R1V4, its images under --image-root, graded
// by WebWatcher's judge.
var browseCompVLRow = suiteRow{
	suite: "browsecomp-vl",
	fixture: func(t *testing.T) suiteFixture {
		line := func(question, image, answer, domain string) string {
			b, err := json.Marshal(map[string]any{"question": question, "image_path": image, "answers": []string{answer}, "domain": domain})
			require.NoError(t, err)
			return string(b) + "\n"
		}
		return suiteFixture{
			Files: map[string][]byte{
				"bc_vl_level1.jsonl": []byte(line("Which country produced the movie that won the most Oscars according to this website?", "browsecomp-vl/images/level1/level1_1.jpg", "United States", "TV") +
					line("What year marked the end of the initial era of this company?", "browsecomp-vl/images/level1/level1_2.jpg", "2014", "Other")),
				"bc_vl_level2.jsonl": []byte(line("Within the standard contract terms of the company in the image, what clause allowed price adjustments?", "browsecomp-vl/images/level2/level2_1.jpg", "A price variation clause.", "Social Science")),
			},
			Images: map[string][]byte{
				"browsecomp-vl/images/level1/level1_1.jpg": pngOf(t, 0x102030),
				"browsecomp-vl/images/level1/level1_2.jpg": pngOf(t, 0x203040),
				"browsecomp-vl/images/level2/level2_1.jpg": pngOf(t, 0x304050),
			},
			Corpus: corpusFor(browseCompVLQA...),
		}
	},
	model: "skywork-r1v4",
	reply: r1v4Searcher(browseCompVLQA...),
	judge: judgeAccepting(`{"extracted_final_answer": "yes", "reasoning": "same", "correct": "yes", "confidence": 100, "strict": true}`,
		`{"extracted_final_answer": "no", "reasoning": "differs", "correct": "no", "confidence": 100, "strict": true}`,
		"[response]: the United States", "[response]: 2014"),
	accuracy: "66.7", n: 3,
	check: func(t *testing.T, run string) {
		caps := report(t, run, "--format", "csv")
		assert.Regexp(t, `\nTV,skywork-r1v4,1,.*,100\.0000,`, caps)
		assert.Regexp(t, `\nSocial Science,skywork-r1v4,1,.*,0\.0000,`, caps)
	},
}

// realXBenchFull is RealX-Bench's public part as the fake hub serves it: 194 rows, as many as
// the suite says, the flags going through their combinations; the answer of row i is
// "answer i", two accepted answers joined by " or " on every fifth.
func realXBenchFull(t *testing.T) []byte {
	flag := func() parquet.Node { return parquet.Leaf(parquet.Int64Type) }
	cols := parquet.Group{"query": parquet.String(), "answer": parquet.String(),
		"perception": flag(), "search": flag(), "reason": flag(), "image": hubtest.Image()}
	img := pngOf(t, 0x336699)
	rows := make([]map[string]any, 194)
	for i := range rows {
		combo := i%7 + 1 // 1…7: the three flags as bits
		answer := fmt.Sprintf("answer %d", i)
		if i%5 == 0 {
			answer += fmt.Sprintf(" or reply %d", i)
		}
		rows[i] = map[string]any{"query": fmt.Sprintf("Question number %d: what is it?", i), "answer": answer,
			"perception": int64(combo & 1), "search": int64(combo >> 1 & 1), "reason": int64(combo >> 2 & 1),
			"image": hubtest.ImageValue(img, "")}
	}
	data, err := hubtest.Parquet(cols, rows, 64)
	require.NoError(t, err)
	return data
}

// TestRealXBenchNeedsNoOtherFlag runs `realx run realx-bench --model deepeyesv2-7b --base-url
// URL` and nothing more, its data pulled from a fake hub: the suite's search provider (Serper,
// its key and endpoint from the environment, Lens given the image's URL by the upload command
// of REALX_SEARCH_UPLOAD_CMD) and its judge (REALX_JUDGE_BASE_URL and REALX_JUDGE_MODEL) come
// from the environment, as a user sets them once. Without the provider's key, or with neither
// a judge server nor OpenRouter's key, the run is refused before any model call, naming the
// variable. It takes minutes (each of the 194 samples
// warms a sandboxed Python for the suite's python tool): -short skips it.
func TestRealXBenchNeedsNoOtherFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("194 samples, each warming a sandboxed Python: run without -short")
	}
	needSandbox(t)
	dir := t.TempDir()
	t.Chdir(dir)
	hub := hubtest.New(t)
	hub.Add("glowol/RealXBench", "c0ffee"+strings.Repeat("0", 34), false, map[string][]byte{"default/test/0000.parquet": realXBenchFull(t)})
	hub.Branch("glowol/RealXBench", "refs/convert/parquet")
	t.Setenv("HF_ENDPOINT", hub.URL)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("REALX_DATA_CACHE", filepath.Join(dir, "cache"))
	r := realxCLI(t, nil, "data", "pull", "realx-bench", "--allow-private-urls")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "realx-bench: 194 samples, data verified in ")

	model := runnertest.NewServer(t)
	model.Handle(func(req *runnertest.Request) runnertest.Reply {
		var i int
		_, err := fmt.Sscanf(req.Messages[1].Text[strings.Index(req.Messages[1].Text, "Question number "):], "Question number %d:", &i)
		require.NoError(t, err)
		switch assistantTurns(req) {
		case 0:
			return runnertest.Reply{Content: "<think>What does the image show?</think>\n<tool_call>\n{\"name\": \"image_search\"}\n</tool_call>"}
		case 1:
			return runnertest.Reply{Content: "<think>Now the fact.</think>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"question " + strconv.Itoa(i) + "\"}}\n</tool_call>"}
		}
		answer := fmt.Sprintf("answer %d", i)
		switch {
		case i%5 == 0:
			answer = fmt.Sprintf("reply %d", i) // the second accepted answer
		case i%4 == 3:
			answer = "I could not find it" // the judge says no
		case i%4 == 1:
			answer = fmt.Sprintf("It is answer %d.", i) // the judge says yes
		}
		return runnertest.Reply{Content: "<think>Found.</think>\n<answer>" + answer + "</answer>"}
	})
	judge := runnertest.NewServer(t)
	judge.Handle(func(req *runnertest.Request) runnertest.Reply {
		if strings.Contains(req.Last().Text, "【模型回答】：It is answer") {
			return runnertest.Reply{Content: "\\boxed{Yes}"}
		}
		return runnertest.Reply{Content: "\\boxed{No}"}
	})
	serper := newFakeSerper(t)
	t.Setenv("REALX_SERPER_BASE_URL", serper.srv.URL)
	t.Setenv("REALX_SEARCH_UPLOAD_CMD", "cat >/dev/null; echo https://img.example/q.png")
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("REALX_JUDGE_BASE_URL", judge.URL())
	t.Setenv("REALX_JUDGE_MODEL", "qwen2.5-72b-instruct")

	t.Setenv("SERPER_API_KEY", "")
	r = realxCLI(t, nil, "run", "realx-bench", "--model", "deepeyesv2-7b", "--base-url", model.URL())
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "SERPER_API_KEY")
	assert.Empty(t, model.Requests(), "refused before any model call")

	t.Setenv("SERPER_API_KEY", "serper-key-for-the-fake")
	t.Setenv("REALX_JUDGE_BASE_URL", "")
	t.Setenv("REALX_JUDGE_MODEL", "")
	r = realxCLI(t, nil, "run", "realx-bench", "--model", "deepeyesv2-7b", "--base-url", model.URL())
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "OPENROUTER_API_KEY", "the judge's key, when no judge server is named")
	assert.Empty(t, model.Requests(), "refused before any model call")

	t.Setenv("REALX_JUDGE_BASE_URL", judge.URL())
	t.Setenv("REALX_JUDGE_MODEL", "qwen2.5-72b-instruct")
	r = realxCLI(t, nil, "run", "realx-bench", "--model", "deepeyesv2-7b", "--base-url", model.URL())
	require.Equal(t, 0, r.code, r.stderr)
	// Of 194: the wrong answers (i%4 == 3 and i%5 != 0) fail, 39 of them; every other passes,
	// by the rule or (i%4 == 1) by the judge.
	assert.Regexp(t, `│ overall +│ +79\.9 │ 194/194 │`, r.stdout)
	assert.Regexp(t, `│ integration +│`, r.stdout)
	results := readResults(t, filepath.Join(dir, "runs", "deepeyesv2-7b", "realx-bench"))
	require.Len(t, results, 194)
	for _, res := range results {
		require.True(t, res.Graded(), "%s: %+v", res.ID, res.Error)
	}
	assert.Positive(t, serper.calls.Load(), "the searches went to the provider")
	assert.NotEmpty(t, judge.Requests(), "the judge was asked")
}
