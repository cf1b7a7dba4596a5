package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners/runnertest"
)

// arithSuite is a suite graded by a cascade: the math rule, then an LLM judge (whose endpoint
// comes from the flags).
const arithSuite = `name: arith
data: {path: data.jsonl}
prompt:
  user: "{{.Question}}"
judge:
  steps:
    - kind: math
    - kind: llm
      template: equivalence
      model: judge-model
      retries: 1
`

// arithData: the model's reply to each question is in arithReplies.
const arithData = `{"id": "q1", "question": "What is 2+2?", "answer": "4"}
{"id": "q2", "question": "What is 3+3?", "answer": "6"}
{"id": "q3", "question": "Name the number after 4.", "answer": "5"}
{"id": "q4", "question": "Half of 10?", "answer": "5"}
{"id": "q5", "question": "What is 1+1?", "answer": "2"}
{"id": "q6", "question": "What is 9-9?", "answer": "0"}
`

var arithReplies = map[string]string{
	"What is 2+2?":             `\boxed{4}`,  // the rule passes it
	"What is 3+3?":             `\boxed{7}`,  // a clean wrong number: the rule fails it, confidently
	"Name the number after 4.": "five",       // the rule cannot read words: the LLM judge decides
	"Half of 10?":              "it is five", // likewise
	"What is 1+1?":             "two",        // likewise; the first judge's endpoint fails on it
	"What is 9-9?":             "zero",       // likewise
}

// fakeJudge answers judge prompts: Yes, except that judge-model-2 says No about "Half of
// 10?", and failing(prompt) makes an HTTP 500.
type fakeJudge struct {
	srv     *runnertest.Server
	mu      sync.Mutex
	failing func(prompt string) bool
}

func newFakeJudge(t *testing.T) *fakeJudge {
	j := &fakeJudge{srv: runnertest.NewServer(t), failing: func(string) bool { return false }}
	j.srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		prompt := r.Last().Text
		j.mu.Lock()
		fail := j.failing(prompt)
		j.mu.Unlock()
		switch {
		case fail:
			return runnertest.Reply{Status: 500}
		case r.Model == "judge-model-2" && strings.Contains(prompt, "Half of 10?"):
			return runnertest.Reply{Content: `Five is 5, but... no: the question asks for half. \boxed{No}`}
		}
		return runnertest.Reply{Content: `<think>Same value.</think> \boxed{Yes}`}
	})
	return j
}

func (j *fakeJudge) setFailing(f func(string) bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.failing = f
}

// byID maps each record of a run to its sample id.
func byID(t *testing.T, dir string) map[string]*reports.Result {
	t.Helper()
	out := map[string]*reports.Result{}
	for _, r := range readResults(t, dir) {
		out[r.ID] = r
	}
	return out
}

func TestRejudge(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(arithSuite), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(arithData), 0o644))
	judge2 := filepath.Join(dir, "judge2.yaml")
	require.NoError(t, os.WriteFile(judge2, []byte("steps:\n  - kind: math\n  - {kind: llm, template: equivalence, model: judge-model-2}\n"), 0o644))

	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: arithReplies[r.Last().Text]}
	})
	judge := newFakeJudge(t)
	judge.setFailing(func(p string) bool { return strings.Contains(p, "What is 1+1?") })
	judgeFlags := []string{"--judge-base-url", judge.srv.URL(), "--judge-retry-wait", "1ms"}

	// The run: the rules settle q1 and q2; the LLM judge is asked about the other four, and
	// its endpoint fails on q5 (twice: one retry).
	run1 := filepath.Join(dir, "run1")
	r := realxCLI(t, nil, append([]string{"run", filepath.Join(dir, "suite.yaml"), "--model", "fake-model",
		"--base-url", model.URL(), "--out", run1, "-c", "2", "--progress", "none", "--max-error-rate", "0.5"}, judgeFlags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, model.Requests(), 6)
	require.Len(t, judge.srv.Requests(), 5, "3 answers judged, 1 judged twice and failing; none of the rules' verdicts")
	for _, req := range judge.srv.Requests() {
		assert.Equal(t, "judge-model", req.Model)
		assert.Equal(t, 0.0, req.JSON["temperature"], "temperature 0 on the wire")
	}
	res := byID(t, run1)
	m1, err := reports.ReadManifest(run1)
	require.NoError(t, err)
	require.Len(t, m1.Judges, 1)
	id1 := m1.Judges[0].ID
	assert.Regexp(t, `^cascade:[0-9a-f]{8}$`, id1)
	assert.Equal(t, judge.srv.URL(), m1.Judges[0].Spec.Steps[1].BaseURL, "the manifest records the judge as it ran")
	for id, step := range map[string]string{"q1": "math", "q2": "math", "q3": "llm:equivalence", "q4": "llm:equivalence", "q6": "llm:equivalence"} {
		assert.Nil(t, res[id].Error, id)
		assert.Equal(t, step, res[id].Step, id)
		assert.Equal(t, id1, res[id].JudgeID, id)
		assert.Equal(t, id != "q2", res[id].Pass, id)
	}
	require.NotNil(t, res["q5"].Error)
	assert.Equal(t, reports.ErrJudge, res["q5"].Error.Class, "a failing judge is a judge failure, not a wrong answer")
	assert.Contains(t, res["q5"].Error.Message, "HTTP 500")
	assert.Equal(t, id1, res["q5"].JudgeID)
	assert.Equal(t, "two", res["q5"].Output)
	acc := reportJSON(t, run1)
	assert.Equal(t, 5, acc.Overall.Cells[0].Graded, "the judge failure is not counted in accuracy")
	assert.Equal(t, 1, acc.Overall.Cells[0].Errored)
	assert.InDelta(t, 4.0, acc.Overall.Cells[0].Correct, 1e-9)

	// Rejudged with another judge model: every sample's judge changed; the LLM judge is
	// asked about the four the rules leave, q5 included, and the model is not called.
	judge.setFailing(func(string) bool { return false })
	require.NoError(t, os.MkdirAll(filepath.Join(run1, reports.BlobsDir), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(run1, reports.BlobsDir, "ab12"), []byte("image"), 0o644))
	run2 := filepath.Join(dir, "run2")
	before := len(judge.srv.Requests())
	r = realxCLI(t, nil, append([]string{"rejudge", run1, "--judge", judge2, "--out", run2}, judgeFlags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "6 samples: 6 judged again (0 judge failures), 0 copied")
	assert.Len(t, model.Requests(), 6, "the model under test is not called")
	newReqs := judge.srv.Requests()[before:]
	require.Len(t, newReqs, 4)
	for _, req := range newReqs {
		assert.Equal(t, "judge-model-2", req.Model)
	}
	m2, err := reports.ReadManifest(run2)
	require.NoError(t, err)
	require.Len(t, m2.Judges, 1)
	id2 := m2.Judges[0].ID
	assert.NotEqual(t, id1, id2)
	assert.Equal(t, "judge-model-2", m2.Judges[0].Spec.Steps[1].Model)
	assert.Equal(t, &reports.RejudgeInfo{From: run1, Run: m1.Run, Rejudged: 6}, m2.Rejudged)
	assert.NotEqual(t, m1.Run, m2.Run)
	res2 := byID(t, run2)
	for id, r := range res2 {
		assert.Nil(t, r.Error, id)
		assert.Equal(t, id2, r.JudgeID, id)
		assert.Equal(t, m2.Run, r.Run, id)
		assert.Equal(t, res[id].Output, r.Output, id)
		assert.Equal(t, id != "q2" && id != "q4", r.Pass, id)
	}
	assert.Equal(t, "llm:equivalence", res2["q5"].Step)
	blob, err := os.ReadFile(filepath.Join(run2, reports.BlobsDir, "ab12"))
	require.NoError(t, err, "the new run has the old run's images")
	assert.Equal(t, "image", string(blob))
	assert.Equal(t, res["q1"].Tokens, res2["q1"].Tokens, "the run's other facts are kept")
	stillThere := byID(t, run1)
	assert.Equal(t, res, stillThere, "the old run is never rewritten")

	// The same rejudge again, into another directory: every verdict is in the judge cache.
	before = len(judge.srv.Requests())
	run3 := filepath.Join(dir, "run3")
	r = realxCLI(t, nil, append([]string{"rejudge", run1, "--judge", judge2, "--out", run3}, judgeFlags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, judge.srv.Requests(), before, "no judge request: the verdicts are cached")
	assert.Len(t, model.Requests(), 6)
	for id, r := range byID(t, run3) {
		assert.Equal(t, res2[id].Pass, r.Pass, id)
		assert.Equal(t, res2[id].Step, r.Step, id)
	}

	// Rejudging the rejudged run with its own judge copies every record.
	run4 := filepath.Join(dir, "run4")
	r = realxCLI(t, nil, append([]string{"rejudge", run2, "--judge", judge2, "--out", run4}, judgeFlags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "6 samples: 0 judged again (0 judge failures), 6 copied")
	assert.Len(t, judge.srv.Requests(), before)

	// The run's own judge again (the suite's): only the sample whose judge failed is judged.
	r = realxCLI(t, nil, append([]string{"rejudge", run1}, judgeFlags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "6 samples: 1 judged again (0 judge failures), 5 copied; results in "+run1+"-rejudged")
	assert.Len(t, judge.srv.Requests(), before+1)
	assert.True(t, byID(t, run1+"-rejudged")["q5"].Pass)
	assert.Len(t, model.Requests(), 6)

	// The judge report: who decided, and how far the two judges agree on the five samples
	// both graded (q4 differs): pₒ = 4/5, pₑ = 4/5·3/5 + 1/5·2/5 = 0.56, κ = 0.24/0.44.
	r = realxCLI(t, nil, "report", "--table", "judges", "--format", "json", run1, run2)
	require.Equal(t, 0, r.code, r.stderr)
	var jt reports.JudgeTable
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &jt))
	require.Len(t, jt.Runs, 2)
	assert.Equal(t, []reports.StepCount{{Step: "llm:equivalence", Samples: 3, Passes: 3}, {Step: "math", Samples: 2, Passes: 1}}, jt.Runs[0].Steps)
	assert.Equal(t, 1, jt.Runs[0].JudgeFailures)
	assert.Zero(t, jt.Runs[0].InvalidVerdicts, "the endpoint failed: no invalid verdict")
	assert.Equal(t, []reports.StepCount{{Step: "llm:equivalence", Samples: 4, Passes: 3}, {Step: "math", Samples: 2, Passes: 1}}, jt.Runs[1].Steps)
	require.Len(t, jt.Agreement, 1)
	ag := jt.Agreement[0]
	assert.Equal(t, 5, ag.Samples)
	assert.Equal(t, 1, ag.Disagree)
	require.Len(t, ag.Disagreements, 1)
	assert.Equal(t, "q4", ag.Disagreements[0].ID)
	assert.Equal(t, []bool{true, false}, []bool{ag.Disagreements[0].PassA, ag.Disagreements[0].PassB})
	require.NotNil(t, ag.Kappa)
	assert.InDelta(t, 0.24/0.44, *ag.Kappa, 1e-12)
	r = realxCLI(t, nil, "report", "--table", "judges", run1, run2)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "(judge failure)")
	assert.Contains(t, r.stdout, "κ")

	// A directory that holds a run is never written over.
	r = realxCLI(t, nil, append([]string{"rejudge", run1, "--judge", judge2, "--out", run2}, judgeFlags...)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "holds a run already")
}

// reportJSON returns the accuracy table of a run.
func reportJSON(t *testing.T, dir string) *reports.Table {
	t.Helper()
	r := realxCLI(t, nil, "report", "--format", "json", dir)
	require.Equal(t, 0, r.code, r.stderr)
	var tab reports.Table
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &tab))
	return &tab
}

func TestRejudgeProblems(t *testing.T) {
	dir := t.TempDir()
	r := realxCLI(t, nil, "rejudge", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "is not a run directory")

	// A run whose suite is gone.
	require.NoError(t, reports.WriteManifest(dir, &reports.Manifest{V: 1, Run: "r", Suites: []reports.SuiteInfo{{Name: "gone", Source: filepath.Join(dir, "gone.yaml")}}}))
	r = realxCLI(t, nil, "rejudge", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "suite gone: cannot load it from")
	assert.Contains(t, r.stderr, "--suite")

	r = realxCLI(t, nil, "rejudge", dir, "--judge-template", "equivalence")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--judge-template needs --judge llm")
}

// TestRunNeedsAJudgeModel: an LLM step with no model anywhere is a configuration error,
// found before any model call.
func TestRunNeedsAJudgeModel(t *testing.T) {
	dir := t.TempDir()
	suite := strings.Replace(arithSuite, "      model: judge-model\n", "", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(suite), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(arithData), 0o644))
	model := runnertest.NewServer(t)
	r := realxCLI(t, nil, "run", filepath.Join(dir, "suite.yaml"), "--model", "fake-model", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "judge.steps.1: the llm judge needs a model")
	assert.Empty(t, model.Requests())

	r = realxCLI(t, nil, "run", filepath.Join(dir, "suite.yaml"), "--model", "fake-model", "--base-url", model.URL(),
		"--out", filepath.Join(dir, "run"), "--judge-model", "m")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "needs an endpoint")
}

// TestJudgeCommandLLM grades JSONL rows with an LLM judge.
func TestJudgeCommandLLM(t *testing.T) {
	judge := newFakeJudge(t)
	in := `{"id": "a", "question": "Half of 10?", "prediction": "five", "answer": "5"}` + "\n"
	cache := t.TempDir()
	args := []string{"judge", "--judge", "llm", "--judge-template", "equivalence", "--judge-model", "judge-model",
		"--judge-base-url", judge.srv.URL(), "--judge-cache", cache}
	r := realxCLI(t, strings.NewReader(in), args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, `{"id":"a","question":"Half of 10?","prediction":"five","answer":"5","pass":true,"score":1,"extracted":"five","reason":"judged consistent with the reference"}`+"\n", r.stdout)
	require.Len(t, judge.srv.Requests(), 1)
	assert.Contains(t, judge.srv.Requests()[0].Last().Text, "Half of 10?")
	r = realxCLI(t, strings.NewReader(in), args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, judge.srv.Requests(), 1, "answered from --judge-cache")
	_, err := os.Stat(filepath.Join(cache, judges.CacheFile))
	assert.NoError(t, err)

	r = realxCLI(t, strings.NewReader(in), "judge", "--judge", "llm", "--judge-template", "equivalance")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "not a shipped template")
}

// TestScoreWithLLMJudge grades a predictions file with the cascade; scoring it again, into
// another directory with the first one's verdict cache, asks the judge nothing.
func TestScoreWithLLMJudge(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(arithSuite), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(arithData), 0o644))
	var preds strings.Builder
	for i, q := range []string{"What is 2+2?", "What is 3+3?", "Name the number after 4.", "Half of 10?", "What is 1+1?", "What is 9-9?"} {
		line, err := json.Marshal(map[string]string{"id": "q" + string(rune('1'+i)), "response": arithReplies[q]})
		require.NoError(t, err)
		preds.Write(append(line, '\n'))
	}
	predFile := filepath.Join(dir, "preds.jsonl")
	require.NoError(t, os.WriteFile(predFile, []byte(preds.String()), 0o644))
	judge := newFakeJudge(t)
	out := filepath.Join(dir, "scored")
	args := []string{"score", filepath.Join(dir, "suite.yaml"), "--predictions", predFile, "--out", out,
		"--judge-base-url", judge.srv.URL(), "--judge-model", "judge-model-2", "--format", "json"}
	r := realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, judge.srv.Requests(), 4, "the rules settle q1 and q2")
	assert.Equal(t, "judge-model-2", judge.srv.Requests()[0].Model, "--judge-model overrides the suite's")
	res := byID(t, out)
	assert.False(t, res["q4"].Pass)
	assert.True(t, res["q5"].Pass)
	_, err := os.Stat(filepath.Join(out, judges.CacheFile))
	require.NoError(t, err)

	args[5] = filepath.Join(dir, "scored-again")
	r = realxCLI(t, nil, append(args, "--judge-cache", out)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, judge.srv.Requests(), 4, "scored again from the cache")
}

// rejudgeSetup runs the arith suite once (every LLM verdict a pass) in a
// temporary directory, and returns the directory, the run and the judge flags.
func rejudgeSetup(t *testing.T) (dir, run string, judge *fakeJudge, flags []string) {
	t.Helper()
	dir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(arithSuite), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(arithData), 0o644))
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: arithReplies[r.Last().Text]}
	})
	judge = newFakeJudge(t)
	flags = []string{"--judge-base-url", judge.srv.URL(), "--judge-retry-wait", "1ms"}
	run = filepath.Join(dir, "run1")
	r := realxCLI(t, nil, append([]string{"run", filepath.Join(dir, "suite.yaml"), "--model", "fake-model",
		"--base-url", model.URL(), "--out", run, "--progress", "none"}, flags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	return dir, run, judge, flags
}

// TestRejudgeInterrupted: an interrupted rejudge writes nothing at --out (no run mixing two
// judges), keeps the verdicts it had, and the same command goes on from them.
func TestRejudgeInterrupted(t *testing.T) {
	dir, run1, judge, flags := rejudgeSetup(t)
	judge2 := writeFile(t, dir, "judge2.yaml", "steps:\n  - kind: math\n  - {kind: llm, template: equivalence, model: judge-model-2}\n")
	before := byID(t, run1)
	ctx, in := interruptible(t)
	var asked atomic.Int32
	judge.srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if asked.Add(1) == 2 {
			in.signal() // while the second answer is being judged
			return runnertest.Reply{Content: `\boxed{Yes}`, Delay: 200 * time.Millisecond}
		}
		return runnertest.Reply{Content: `\boxed{Yes}`}
	})
	out := filepath.Join(dir, "run2")
	args := append([]string{"rejudge", run1, "--judge", judge2, "--out", out, "-c", "1"}, flags...)
	r := realxCtx(t, ctx, in, args...)
	require.Equal(t, exitInterrupted, r.code, r.stderr)
	assert.Contains(t, r.stderr, "nothing was written to "+out)
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "no run at --out: %v", err)
	assert.Equal(t, before, byID(t, run1), "the old run is untouched")
	r = realxCLI(t, nil, "report", dir)
	assert.NotEqual(t, 0, r.code, "the unfinished rejudge is not a run")

	// Again: the first verdict is not asked for again.
	asked.Store(0)
	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "going on from the interrupted rejudge")
	assert.Equal(t, int32(3), asked.Load(), "q3's verdict was kept; q4, q5 and q6 are asked")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	res := byID(t, out)
	require.Len(t, res, 6)
	for id, r := range res {
		assert.Equal(t, m.Judges[0].ID, r.JudgeID, id)
		assert.Equal(t, m.Run, r.Run, id)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), "."), "nothing is left beside --out: %s", e.Name())
	}
}

// TestRejudgeChangedData refuses to grade against a suite or data that changed since the run,
// unless --allow-changed-data, and then records the digests it graded against.
func TestRejudgeChangedData(t *testing.T) {
	dir, run1, _, flags := rejudgeSetup(t)
	m1, err := reports.ReadManifest(run1)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(strings.Replace(arithData, `"answer": "6"`, `"answer": "7"`, 1)), 0o644))

	out := filepath.Join(dir, "run2")
	r := realxCLI(t, nil, append([]string{"rejudge", run1, "--judge", "math", "--out", out}, flags...)...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "suite arith ("+filepath.Join(dir, "suite.yaml")+"): the data changed since the run")
	assert.Contains(t, r.stderr, "--allow-changed-data")
	_, err = os.Stat(out)
	assert.True(t, os.IsNotExist(err))

	require.NoError(t, os.Mkdir(out, 0o755)) // an empty --out is taken
	r = realxCLI(t, nil, append([]string{"rejudge", run1, "--judge", "math", "--out", out, "--allow-changed-data"}, flags...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: suite arith")
	assert.True(t, byID(t, out)["q2"].Pass, "graded against the new gold answer")
	m2, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, m1.Suites[0].Digest, m2.Suites[0].Digest)
	assert.NotEqual(t, m1.Suites[0].DataDigest, m2.Suites[0].DataDigest, "the manifest records the data graded against")
	assert.Equal(t, m1.Suites[0].Samples, m2.Suites[0].Samples)
}

// TestRejudgeCorrectedGold: after a gold answer is corrected in the data, a rejudge with the
// same judge grades that sample again (its verdict changes), copies the others, and says how
// many it graded again for their changed inputs.
func TestRejudgeCorrectedGold(t *testing.T) {
	srv, dir, suite := synthSetup(t, 8)
	run := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", run, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	before := byID(t, run)
	require.False(t, before["q3"].Pass, "the model says 11 to q3, whose gold is 10")
	require.False(t, before["q7"].Pass)

	// The data had it wrong: q3's gold answer is corrected to the model's.
	data, err := os.ReadFile(filepath.Join(dir, "synth.jsonl"))
	require.NoError(t, err)
	fixed := strings.Replace(string(data), `"answer":"10"`, `"answer":"11"`, 1)
	require.NotEqual(t, string(data), fixed)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "synth.jsonl"), []byte(fixed), 0o644))

	out := filepath.Join(dir, "fixed")
	r = realxCLI(t, nil, "rejudge", run, "--out", out, "--allow-changed-data", "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: 8 samples: 1 judged again (0 judge failures), 7 copied")
	assert.Contains(t, r.stderr, "realx: 1 judged again because their gold answers, choices, question or metadata changed with the data")
	after := byID(t, out)
	assert.True(t, after["q3"].Pass, "graded against the corrected gold")
	assert.Equal(t, "11", after["q3"].Answer)
	assert.False(t, after["q7"].Pass, "unchanged, copied")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, 1, m.Rejudged.Changed)

	// Records from before realx recorded the judge's inputs cannot tell: all are graded again.
	old := filepath.Join(dir, "old")
	require.NoError(t, os.MkdirAll(old, 0o755))
	for _, f := range []string{reports.ManifestFile, reports.ResultsFile} {
		data, err := os.ReadFile(filepath.Join(run, f))
		require.NoError(t, err)
		if f == reports.ResultsFile {
			data = regexp.MustCompile(`"judge_input":"[0-9a-f]+",`).ReplaceAll(data, nil)
		}
		require.NoError(t, os.WriteFile(filepath.Join(old, f), data, 0o644))
	}
	r = realxCLI(t, nil, "rejudge", old, "--out", filepath.Join(dir, "old-fixed"), "--allow-changed-data", "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: 8 judged again because")
	assert.True(t, byID(t, filepath.Join(dir, "old-fixed"))["q3"].Pass)
}

// TestRejudgeFromAnotherDirectory finds a suite recorded by a relative path when rejudging
// from another working directory.
func TestRejudgeFromAnotherDirectory(t *testing.T) {
	dir, _, _, flags := rejudgeSetup(t)
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: arithReplies[r.Last().Text]}
	})
	t.Chdir(dir)
	r := realxCLI(t, nil, append([]string{"run", "suite.yaml", "--model", "fake-model", "--base-url", model.URL(),
		"--out", filepath.Join("runs", "rel"), "--progress", "none"}, flags...)...)
	require.Equal(t, 0, r.code, r.stderr)

	t.Chdir(t.TempDir())
	out := filepath.Join(dir, "rel-rejudged")
	r = realxCLI(t, nil, "rejudge", filepath.Join(dir, "runs", "rel"), "--out", out, "--judge", "math")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "6 judged again")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "suite.yaml"), m.Suites[0].Source, "the suite as it was loaded")

	// The run recorded where it was started, so the suite is found there; once it has been
	// edited, it is not taken for the suite the run was graded against.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(arithSuite+"# edited\n"), 0o644))
	r = realxCLI(t, nil, "rejudge", filepath.Join(dir, "runs", "rel"), "--out", out+"2", "--judge", "math")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the suite file changed since the run")
	assert.Contains(t, r.stderr, "--suite")
}
