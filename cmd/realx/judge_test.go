package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
)

// mathvistaRows builds realx judge input rows from MathVista's testmini gold fields and
// Claude-2's published extractions, with the official verdicts and normalised predictions kept
// apart for comparison.
func mathvistaRows(t *testing.T) (input []byte, official []map[string]any) {
	t.Helper()
	data, err := os.ReadFile(repoFile("benchmarks", "mathvista-testmini", "testmini.json"))
	require.NoError(t, err)
	var gold map[string]map[string]any
	require.NoError(t, json.Unmarshal(data, &gold))

	f, err := os.Open(claudePredictions)
	require.NoError(t, err)
	defer f.Close()
	var buf bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var p map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &p))
		g := gold[p["pid"].(string)]
		row := map[string]any{
			"pid": p["pid"], "prediction": p["extraction"], "answer": g["answer"], "choices": g["choices"],
			"question_type": g["question_type"], "answer_type": g["answer_type"], "precision": g["precision"],
		}
		line, err := json.Marshal(row)
		require.NoError(t, err)
		buf.Write(line)
		buf.WriteByte('\n')
		official = append(official, p)
	}
	require.NoError(t, sc.Err())
	return buf.Bytes(), official
}

// TestJudgeMathVistaAgreesWithOfficialScorer grades the 1000 MathVista rows and compares every
// verdict and normalised prediction with the official scorer's.
func TestJudgeMathVistaAgreesWithOfficialScorer(t *testing.T) {
	input, official := mathvistaRows(t)
	r := realxCLI(t, bytes.NewReader(input), "judge", "--judge", "mathvista")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, len(official))
	passes := 0
	for i, line := range lines {
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &got), line)
		want := official[i]
		require.Equal(t, want["pid"], got["pid"])
		assert.Equal(t, want["true_false"], got["pass"], "pid %v", want["pid"])
		wantPred := pythonStr(want["prediction"])
		if fix, ok := olderScorer[want["pid"].(string)]; ok {
			wantPred = fix
		}
		assert.Equal(t, wantPred, got["extracted"], "pid %v", want["pid"])
		if got["pass"] == true {
			passes++
		}
	}
	assert.Equal(t, 264, passes)
}

// olderScorer lists the rows whose published normalised prediction came from an earlier version
// of MathVista's scorer, which read integers with int(x): "5.75" gave None. The current scorer
// reads int(float(x)) and gives "5". The verdict is false either way.
var olderScorer = map[string]string{"175": "5", "874": "13", "894": "1"}

// pythonStr renders a decoded JSON value as Python's str() did in the published file, None as "".
func pythonStr(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// TestJudgeKeepsFieldOrder writes each row back with its own fields first, in order, and the
// verdict after them.
func TestJudgeKeepsFieldOrder(t *testing.T) {
	in := `{"zeta":1,"prediction":"The answer is \\boxed{\\frac{1}{2}}","answer":"0.5","alpha":"x"}` + "\n"
	r := realxCLI(t, strings.NewReader(in), "judge", "--judge", "math")
	require.Equal(t, 0, r.code, r.stderr)
	out := strings.TrimSpace(r.stdout)
	assert.True(t, strings.HasPrefix(out, `{"zeta":1,"prediction":"The answer is \\boxed{\\frac{1}{2}}","answer":"0.5","alpha":"x","pass":true,"score":1,"extracted":`), out)
}

// TestJudgeRowShapes takes a list of gold answers and choices keyed by letter, as datasets
// write them.
func TestJudgeRowShapes(t *testing.T) {
	in := `{"prediction":"It is Paris.","answer":["Lyon","Paris"]}
{"prediction":"The answer is (B).","answer":"B","choices":{"B":"dog","A":"cat"}}
{"prediction":"dog","answer":"B","choices":{"A":"cat","B":"dog"}}
`
	lines := strings.SplitAfter(in, "\n")
	r := realxCLI(t, strings.NewReader(lines[0]), "judge", "--judge", "subem")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"pass":true`, "Paris is one of the gold answers")
	r = realxCLI(t, strings.NewReader(lines[1]+lines[2]), "judge", "--judge", "choice")
	require.Equal(t, 0, r.code, r.stderr)
	out := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, out, 2)
	assert.Contains(t, out[0], `"pass":true`, "B is dog")
	assert.Contains(t, out[1], `"pass":true`, "dog is B")
}

// TestJudgeFiles reads --in and writes --out, and reports a bad row with its line number
// while writing the others.
func TestJudgeFiles(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "rows.jsonl", `{"prediction":"B","answer":"B"}
{"prediction":"A"}
{"prediction":"C","answer":"B"}
`)
	out := filepath.Join(dir, "out.jsonl")
	r := realxCLI(t, nil, "judge", "--judge", "exact", "--in", in, "--out", out)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, in+":2:")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], `"pass":true`)
	assert.Contains(t, lines[1], `"error":`)
	assert.Contains(t, lines[2], `"pass":false`)
}

// TestJudgeUnknownKind is a usage error.
func TestJudgeUnknownKind(t *testing.T) {
	r := realxCLI(t, strings.NewReader(""), "judge", "--judge", "nope")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "nope")
}

// TestJudgeInPlace writes --out under a temporary name and renames it when done: --out may be
// --in, and a judge that cannot start leaves the file as it was.
func TestJudgeInPlace(t *testing.T) {
	dir := t.TempDir()
	rows := `{"prediction":"B","answer":"B"}` + "\n" + `{"prediction":"C","answer":"B"}` + "\n"
	path := writeFile(t, dir, "rows.jsonl", rows)
	r := realxCLI(t, nil, "judge", "--judge", "exact", "--in", path, "--out", path)
	require.Equal(t, 0, r.code, r.stderr)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `{"prediction":"B","answer":"B","pass":true,"score":1,"extracted":"B"}`+"\n"+
		`{"prediction":"C","answer":"B","pass":false,"score":0,"extracted":"C","reason":"no gold matches"}`+"\n", string(data))

	r = realxCLI(t, nil, "judge", "--judge", "llm", "--in", path, "--out", path)
	assert.Equal(t, 2, r.code, r.stderr)
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, again)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")
}

// TestJudgeFileRefusesRuleFlags: the rule flags do not go with a judge file, which would
// otherwise ignore them.
func TestJudgeFileRefusesRuleFlags(t *testing.T) {
	dir := t.TempDir()
	judgeFile := writeFile(t, dir, "judge.yaml", "kind: numeric\n")
	in := `{"prediction":"3.1","answer":"3"}` + "\n"
	r := realxCLI(t, strings.NewReader(in), "judge", "--judge", judgeFile, "--abs-tol", "0.5", "--extract", "last_number")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--extract, --abs-tol do not go with a judge file")
	assert.Empty(t, r.stdout)

	r = realxCLI(t, strings.NewReader(in), "judge", "--judge", judgeFile)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"pass":false`)
}

// mathVerifyRun is one command line of TestJudgeMathVerifySuite: the flags that Math-Verify
// settings map to, and the cases that have them.
type mathVerifyRun struct {
	flags []string
	rows  []map[string]any
}

// TestJudgeMathVerifySuite feeds the gold and prediction strings of Math-Verify's test suite
// through `realx judge --judge math`, as given, extraction included, and measures the agreement
// with Math-Verify's expectations: at least 97% (judges.TestMathVerifySuite lists every
// disagreement and its reason). A test that turns Math-Verify's number extraction off
// (match_types latex) is run with --extract and the math chain without last_number; one that
// rounds to p decimals with --abs-tol 5e-(p+1). The MATH benchmark's is_equiv test cases agree
// 16 of 16 through the same command.
func TestJudgeMathVerifySuite(t *testing.T) {
	runs := map[string]*mathVerifyRun{}
	for _, row := range readJSONLRows(t, repoFile("judges", "testdata", "mathverify", "cases.jsonl")) {
		config := row["config"].(map[string]any)
		var flags []string
		if mt, _ := json.Marshal(config["match_types"]); string(mt) == `["latex"]` {
			flags = append(flags, "--extract", "strip_think,answer_tag,answer_is,boxed,latex,expression")
		}
		if p, ok := config["precision"].(float64); ok && p != 6 {
			flags = append(flags, "--abs-tol", fmt.Sprintf("5e-%d", int(p)+1))
		}
		key := strings.Join(flags, " ")
		if runs[key] == nil {
			runs[key] = &mathVerifyRun{flags: flags}
		}
		runs[key].rows = append(runs[key].rows, row)
	}
	total, agree := 0, 0
	for _, run := range runs {
		for _, got := range judgeRowsWith(t, run.rows, append([]string{"--judge", "math"}, run.flags...)...) {
			total++
			if got["pass"] == (got["expected"] == float64(1)) {
				agree++
			}
		}
	}
	assert.Equal(t, 270, total)
	assert.GreaterOrEqual(t, float64(agree)/float64(total), 0.97, "%d of %d agree", agree, total)
	t.Logf("Math-Verify's test suite: %d of %d cases agree (%.1f%%)", agree, total, 100*float64(agree)/float64(total))

	isEquiv := readJSONLRows(t, repoFile("judges", "testdata", "isequiv", "cases.jsonl"))
	require.Len(t, isEquiv, 16)
	for _, got := range judgeRowsWith(t, isEquiv, "--judge", "math") {
		assert.Equal(t, got["expected"] == float64(1), got["pass"], "%v: extracted %v", got["id"], got["extracted"])
	}
}

// readJSONLRows reads the rows of a JSON Lines file.
func readJSONLRows(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return readJSONLString(t, string(data))
}

// judgeRowsWith runs `realx judge` with args over rows and returns the rows it writes.
func judgeRowsWith(t *testing.T, rows []map[string]any, args ...string) []map[string]any {
	t.Helper()
	var in bytes.Buffer
	for _, row := range rows {
		line, err := json.Marshal(row)
		require.NoError(t, err)
		in.Write(line)
		in.WriteByte('\n')
	}
	r := realxCLI(t, &in, append([]string{"judge"}, args...)...)
	require.Equal(t, 0, r.code, r.stderr)
	out := readJSONLString(t, r.stdout)
	require.Len(t, out, len(rows))
	return out
}

// readJSONLString reads the rows of JSON Lines text.
func readJSONLString(t *testing.T, text string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var row map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &row), line)
		rows = append(rows, row)
	}
	return rows
}

// TestJudgeVLMEvalKitCascade declares VLMEvalKit's multiple-choice evaluation with DeepEyesV2's
// patch as a cascade in a judge file (can_infer, VLMEvalKit's option matcher, verify.md for a
// Z) and runs it through `realx judge` against a fake judge endpoint, with DeepEyes' V*
// judging (its rule, then its LLM judge) beside it.
func TestJudgeVLMEvalKitCascade(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		prompt := r.Last().Text
		switch {
		case strings.HasPrefix(prompt, "You are an AI assistant who will help me to match"):
			if strings.HasSuffix(prompt, "Answer: woof\nYour output: ") {
				return runnertest.Reply{Content: "Z"}
			}
			return runnertest.Reply{Content: "B"}
		case strings.HasPrefix(prompt, "# 角色"):
			return runnertest.Reply{Content: "<think>汪汪是狗叫</think>\n<最终结果>\n\\boxed{Yes}\n<\\最终结果>"}
		case strings.Contains(prompt, "[Model_answer] : The cup is red\nJudgement:"):
			return runnertest.Reply{Content: "Judgement: 1"}
		}
		return runnertest.Reply{Status: 400, Body: "unexpected prompt"}
	})
	dir := t.TempDir()
	mc := filepath.Join(dir, "vlmevalkit-mc.yaml")
	require.NoError(t, os.WriteFile(mc, []byte(`steps:
  - kind: choice
  - {kind: llm, template: vlmevalkit-option, model: qwen2.5-72b}
  - {kind: llm, template: verify, model: qwen2.5-72b}
`), 0o644))
	rows := []map[string]any{
		{"id": "1", "prediction": "<answer>B</answer>", "answer": "B", "question": "Which animal barks", "choices": []string{"cat", "dog"}},
		{"id": "2", "prediction": "a barking pet", "answer": "B", "question": "Which animal barks", "choices": []string{"cat", "dog"}},
		{"id": "3", "prediction": "woof", "answer": "B", "question": "Which animal barks", "choices": []string{"cat", "dog"}},
		{"id": "4", "prediction": "The answer is A.", "answer": "B", "question": "Which animal barks", "choices": []string{"cat", "dog"}},
	}
	got := judgeRowsWith(t, rows, "--judge", mc, "--judge-base-url", srv.URL())
	for i, want := range []struct {
		pass      bool
		extracted string
	}{{true, "B"}, {true, "B"}, {true, "woof"}, {false, "A"}} {
		assert.Equal(t, want.pass, got[i]["pass"], "row %d", i+1)
		assert.Equal(t, want.extracted, got[i]["extracted"], "row %d", i+1)
	}
	assert.Len(t, srv.Requests(), 3, "the matcher for rows 2 and 3, verify.md for row 3's Z")

	vstar := filepath.Join(dir, "vstar.yaml")
	require.NoError(t, os.WriteFile(vstar, []byte("steps:\n  - kind: vstar\n  - {kind: llm, template: vstar, model: qwen2.5-72b}\n"), 0o644))
	rows = []map[string]any{
		{"id": "v1", "prediction": "<answer>\\boxed{A}</answer>", "answer": "A", "question": "What is the color of the cup?", "choices": []string{"red", "blue"}},
		{"id": "v2", "prediction": "<answer>B.</answer>", "answer": "A", "question": "What is the color of the cup?", "choices": []string{"red", "blue"}},
		{"id": "v3", "prediction": "<answer>The cup is red</answer>", "answer": "A", "question": "What is the color of the cup?", "choices": []string{"red", "blue"}},
	}
	got = judgeRowsWith(t, rows, "--judge", vstar, "--judge-base-url", srv.URL())
	for i, pass := range []bool{true, false, true} {
		assert.Equal(t, pass, got[i]["pass"], "row v%d", i+1)
	}
	assert.Len(t, srv.Requests(), 4, "the V* LLM judge for v3 only")
}
