package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

var claudePredictions = repoFile("benchmarks", "mathvista-testmini", "predictions", "claude.jsonl")

// publishedScores reads MathVista's official scores file of the Claude-2 run: for each
// grouping ("task", "question_type" …) the accuracy as printed ("36.08") and its counts.
func publishedScores(t *testing.T) map[string]map[string]struct {
	Accuracy string `json:"accuracy"`
	Correct  int    `json:"correct"`
	Total    int    `json:"total"`
} {
	t.Helper()
	data, err := os.ReadFile(repoFile("benchmarks", "mathvista-testmini", "predictions", "scores_claude.json"))
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &raw))
	out := map[string]map[string]struct {
		Accuracy string `json:"accuracy"`
		Correct  int    `json:"correct"`
		Total    int    `json:"total"`
	}{}
	for k, v := range raw {
		if k == "average" {
			continue
		}
		var m map[string]struct {
			Accuracy string `json:"accuracy"`
			Correct  int    `json:"correct"`
			Total    int    `json:"total"`
		}
		require.NoError(t, json.Unmarshal(v, &m), k)
		out[k] = m
	}
	return out
}

// roundTo formats v with the decimals of the published figure ("36.08" → 2), rounding as
// Python's "%.2f" does (to nearest, ties to even on the exact binary value): 28.125 → "28.12".
func roundTo(v float64, published string) string {
	decimals := 0
	if i := strings.IndexByte(published, '.'); i >= 0 {
		decimals = len(published) - i - 1
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// publishedGroup is the name MathVista's scores file gives a group: its scorer renames the grade
// "not applicable" to "daily life".
func publishedGroup(by, group string) string {
	if by == "grade" && group == "not applicable" {
		return "daily life"
	}
	return group
}

func scoreClaude(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "claude")
	r := realxCLI(t, nil, "score", "mathvista-testmini", "--predictions", claudePredictions,
		"--id-field", "pid", "--response-field", "extraction", "--label", "claude-2", "--out", dir)
	require.Equal(t, 0, r.code, r.stderr)
	return dir
}

// TestScoreReproducesPublishedMathVista regrades Claude-2's published extractions and checks every
// per-task (and per-type, per-source …) accuracy of MathVista's official scores file, to its
// decimals, and the overall 26.4. Skills are left out: the scores file counts 1431 skill labels,
// while testmini.json at the same commit carries 1477 (its skills were re-annotated after the
// scores were computed), so no scorer can reproduce that grouping from this data.
func TestScoreReproducesPublishedMathVista(t *testing.T) {
	assertPublishedMathVista(t, scoreClaude(t))
}

// assertPublishedMathVista checks the accuracies of the run in dir, Claude-2's on MathVista
// testmini, against MathVista's official scores file: overall, per task, per question type …
func assertPublishedMathVista(t *testing.T, dir string) {
	t.Helper()
	published := publishedScores(t)
	for _, by := range []string{"task", "question_type", "answer_type", "language", "source", "category", "context", "grade"} {
		t.Run(by, func(t *testing.T) {
			r := realxCLI(t, nil, "report", dir, "--by", "metadata."+by, "--format", "json")
			require.Equal(t, 0, r.code, r.stderr)
			var table reports.Table
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &table))
			require.Equal(t, []string{"claude-2"}, table.Runs)
			got := map[string]reports.Cell{}
			for _, row := range table.Rows {
				got[publishedGroup(by, row.Key)] = row.Cells[0]
			}
			want := published[by]
			require.NotEmpty(t, want)
			assert.Len(t, got, len(want))
			for group, w := range want {
				c, ok := got[group]
				if !assert.True(t, ok, "group %q missing", group) {
					continue
				}
				assert.Equal(t, w.Total, c.Graded, group)
				assert.Equal(t, float64(w.Correct), c.Correct, group)
				assert.Equal(t, w.Accuracy, roundTo(c.Accuracy, w.Accuracy), group)
			}
			assert.Equal(t, "26.4", roundTo(table.Overall.Cells[0].Accuracy, "26.4"))
		})
	}
}

// TestScoreMathVistaWithLLMExtraction grades Claude-2's raw responses (the "response" field, not
// the published extractions) with MathVista's own pipeline, declared as a judge with the LLM
// extraction step (kind mathvista, extract: [llm]), against a fake judge endpoint that answers
// each extraction prompt the way the published "extraction" field does. It reproduces the
// official 26.4 and every per-task figure. The endpoint is asked for every response but the ten
// that MathVista's extract_answer settles without asking (a bare integer or a choice's text),
// and once for pids 21 and 289, and 295 and 484, which hold the same question, gold and
// response (the verdict cache answers the second); each prompt is the official one: the demo
// prompt, the query, the response.
func TestScoreMathVistaWithLLMExtraction(t *testing.T) {
	extractions := map[string]string{} // response → published extraction
	for _, p := range readJSONLRows(t, claudePredictions) {
		extractions[p["response"].(string)] = p["extraction"].(string)
	}
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		prompt := r.Last().Text
		if !strings.HasPrefix(prompt, "Please read the following example. Then extract the answer") ||
			!strings.HasSuffix(prompt, "\n\nExtracted answer: ") || !strings.Contains(prompt, "\nQuestion: ") {
			return runnertest.Reply{Status: 400, Body: "not MathVista's extraction prompt"}
		}
		body := strings.TrimSuffix(prompt, "\n\nExtracted answer: ")
		best := ""
		for response := range extractions {
			if len(response) > len(best) && strings.HasSuffix(body, "\n\n"+response) {
				best = response
			}
		}
		if best == "" {
			return runnertest.Reply{Status: 400, Body: "no known response in the prompt"}
		}
		return runnertest.Reply{Content: extractions[best]}
	})
	judgeFile := filepath.Join(t.TempDir(), "mathvista-gpt.yaml")
	require.NoError(t, os.WriteFile(judgeFile, []byte("kind: mathvista\nextract: [llm]\nmodel: gpt-4-0613\n"), 0o644))
	dir := filepath.Join(t.TempDir(), "claude")
	r := realxCLI(t, nil, "score", "mathvista-testmini", "--predictions", claudePredictions, "--id-field", "pid",
		"--response-field", "response", "--judge", judgeFile, "--judge-base-url", srv.URL(), "--label", "claude-2", "--out", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `overall\s+│\s+26\.4\s+│\s+1000`, r.stdout)
	assert.Len(t, srv.Requests(), 988)
	for _, req := range srv.Requests()[:3] {
		assert.Equal(t, "gpt-4-0613", req.Model)
		assert.EqualValues(t, 0, req.JSON["temperature"])
		assert.EqualValues(t, 1024, req.JSON["max_tokens"])
	}
	assertPublishedMathVista(t, dir)
}

// TestScoreDemoTable pins the table `make demo` prints.
func TestScoreDemoTable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "claude")
	r := realxCLI(t, nil, "score", "mathvista-testmini", "--predictions", claudePredictions,
		"--id-field", "pid", "--response-field", "extraction", "--label", "claude-2", "--out", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "overall")
	assert.Regexp(t, `overall\s+│\s+26\.4\s+│\s+1000`, r.stdout)
	golden(t, "demo.txt", r.stdout)
}

// TestScoreRunDirectory checks the run directory score writes: a manifest naming the
// predictions and the judge, and one record per sample with its verdict.
func TestScoreRunDirectory(t *testing.T) {
	dir := scoreClaude(t)
	m, err := reports.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, "claude-2", m.Model.Name)
	assert.Equal(t, claudePredictions, m.Model.Predictions)
	require.Len(t, m.Suites, 1)
	assert.Equal(t, "mathvista-testmini", m.Suites[0].Name)
	assert.Equal(t, 1000, m.Suites[0].Samples)
	require.Len(t, m.Judges, 1)
	assert.NotEmpty(t, m.Judges[0].ID)

	f, err := os.Open(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	defer f.Close()
	rd := reports.NewReader(f, "results.jsonl")
	n, pass := 0, 0
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		res := rd.Result()
		n++
		if res.Pass {
			pass++
		}
		assert.Nil(t, res.Error)
		assert.NotEmpty(t, res.JudgeID)
	}
	require.NoError(t, rd.Err())
	assert.Equal(t, 1000, n)
	assert.Equal(t, 264, pass)
}

// TestScoreMissingPredictions records samples with no prediction as input errors, not as wrong
// answers, so accuracy counts only what was graded; the command exits 4 unless
// --max-error-rate allows them.
func TestScoreMissingPredictions(t *testing.T) {
	in, err := os.Open(claudePredictions)
	require.NoError(t, err)
	defer in.Close()
	path := filepath.Join(t.TempDir(), "half.jsonl")
	out, err := os.Create(path)
	require.NoError(t, err)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; sc.Scan(); i++ {
		if i%2 == 0 {
			fmt.Fprintln(out, sc.Text())
		}
	}
	require.NoError(t, out.Close())

	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "score", "mathvista-testmini", "--predictions", path, "--id-field", "pid",
		"--response-field", "extraction", "--out", dir+"-strict")
	assert.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "incomplete: 500 of 1000 samples without a verdict (500 input)")
	r = realxCLI(t, nil, "score", "mathvista-testmini", "--predictions", path, "--id-field", "pid",
		"--response-field", "extraction", "--out", dir, "--format", "json", "--max-error-rate", "0.5")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "500 of 1000 samples have no prediction")
	var table reports.Table
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &table))
	assert.Equal(t, 500, table.Overall.Cells[0].Graded)
	assert.Equal(t, 500, table.Overall.Cells[0].Errored)
}

// TestScoreBadPredictions names the file and line of a record with no response field.
func TestScoreBadPredictions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"pid":"1","extraction":"A"}`+"\n"+`{"pid":"2"}`+"\n"), 0o644))
	r := realxCLI(t, nil, "score", "mathvista-testmini", "--predictions", path, "--id-field", "pid",
		"--response-field", "extraction", "--out", filepath.Join(t.TempDir(), "run"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, path+":2:")
	assert.Contains(t, r.stderr, `"extraction"`)
}

// TestScoreRefusesARun refuses to score into a directory that holds a run, leaving it as it
// was, and records the predictions file's SHA-256.
func TestScoreRefusesARun(t *testing.T) {
	dir := scoreClaude(t)
	m, err := reports.ReadManifest(dir)
	require.NoError(t, err)
	data, err := os.ReadFile(claudePredictions)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256(data)), m.Model.PredictionsDigest)
	before, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)

	other := filepath.Join(t.TempDir(), "other.jsonl")
	require.NoError(t, os.WriteFile(other, []byte(`{"pid":"1","extraction":"A"}`+"\n"), 0o644))
	r := realxCLI(t, nil, "score", "mathvista-testmini", "-p", other, "--id-field", "pid", "--response-field", "extraction", "--out", dir)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, dir+" holds a run already")
	after, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)

	r = realxCLI(t, nil, "score", "mathvista-testmini", "-p", other, "--out", filepath.Join(t.TempDir(), "x"), "--format", "xml")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, `unknown --format "xml"`)
}

// TestScoreNonStringResponses grades a list or an object as Python's str() writes it, as the
// official scorers do, never as an empty answer that gets the nearest option.
func TestScoreNonStringResponses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "preds.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"pid":"9","extraction":[1,2]}`+"\n"+
		`{"pid":"10","extraction":{"b":null,"a":"it's"}}`+"\n"+`{"pid":"11","extraction":[true,"x\ny",1.50]}`+"\n"), 0o644))
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "score", "mathvista-testmini", "-p", path, "--id-field", "pid", "--response-field", "extraction",
		"--out", dir, "--max-error-rate", "1")
	require.Equal(t, 0, r.code, r.stderr)
	res := byID(t, dir)
	assert.Equal(t, "[1, 2]", res["9"].Output)
	assert.False(t, res["9"].Pass, "pid 9 is multiple choice: [1, 2] is no option")
	assert.Equal(t, `{'a': "it's", 'b': None}`, res["10"].Output)
	assert.Equal(t, `[True, 'x\ny', 1.5]`, res["11"].Output)

	for in, want := range map[string]string{
		`1.50`: "1.5", `1e2`: "100.0", `100`: "100", `1e-5`: "1e-05", `1.5e16`: "1.5e+16", `-0.0001`: "-0.0001",
		`true`: "True", `null`: "", `"s"`: "s", `["it's", "a\"b'"]`: `["it's", 'a"b\'']`,
	} {
		var v any
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&v))
		assert.Equal(t, want, judges.PyStr(v), in)
	}
}

// TestScoreWrongIDField says once that every record lacks the --id-field, not once a record.
func TestScoreWrongIDField(t *testing.T) {
	r := realxCLI(t, nil, "score", "mathvista-testmini", "-p", claudePredictions, "--id-field", "x", "--response-field", "extraction",
		"--out", filepath.Join(t.TempDir(), "run"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
	assert.Contains(t, r.stderr, claudePredictions+`:1: 1000 records have no "x" field to name the sample (--id-field), at lines 1, 2, 3 …`)
}

// llmScoreSetup writes a suite of n samples graded by the rule-first cascade (math, then an LLM
// judge) and predictions the rule cannot read, so that every sample goes to the LLM judge; it
// returns the suite's and the predictions' paths.
func llmScoreSetup(t *testing.T, dir string, n int) (suite, preds string) {
	t.Helper()
	var data, predictions strings.Builder
	for i := range n {
		fmt.Fprintf(&data, `{"id": "q%d", "question": "Name the number %d.", "answer": "%d"}`+"\n", i, i, i)
		fmt.Fprintf(&predictions, `{"id": "q%d", "response": "that one, for sure"}`+"\n", i)
	}
	writeFile(t, dir, "data.jsonl", data.String())
	return writeFile(t, dir, "suite.yaml", arithSuite), writeFile(t, dir, "preds.jsonl", predictions.String())
}

// TestScoreJudgesConcurrently scores predictions with an LLM-judge cascade and -c 8: eight
// judge requests are in flight at once at the judge's endpoint, and never more; a 429 from
// the judge is retried after its Retry-After; a score interrupted midway resumes, the same
// command asking the judge only about the samples it has no verdict for.
func TestScoreJudgesConcurrently(t *testing.T) {
	dir := t.TempDir()
	suite, preds := llmScoreSetup(t, dir, 32)
	judge := runnertest.NewServer(t)
	var inFlight, peak atomic.Int32
	judge.Handle(func(*runnertest.Request) runnertest.Reply {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		return runnertest.Reply{Content: `\boxed{Yes}`}
	})
	r := realxCLI(t, nil, "score", suite, "--predictions", preds, "--out", filepath.Join(dir, "c8"), "-c", "8",
		"--judge-base-url", judge.URL(), "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, judge.Requests(), 32, "the rule settles none: one judge request a sample")
	assert.Equal(t, int32(8), peak.Load(), "eight judge requests in flight at once, never more")
	for id, res := range byID(t, filepath.Join(dir, "c8")) {
		require.Nil(t, res.Error, id)
		assert.True(t, res.Pass, id)
		assert.Equal(t, "llm:equivalence", res.Step, id)
	}

	// A 429 with Retry-After: the request is sent again once the wait is over.
	limited := runnertest.NewServer(t)
	var mu sync.Mutex
	var arrived []time.Time
	limited.Handle(func(r *runnertest.Request) runnertest.Reply {
		mu.Lock()
		arrived = append(arrived, time.Now())
		mu.Unlock()
		if r.Seq == 1 {
			return runnertest.Reply{Status: 429, Header: map[string]string{"Retry-After": "0.3"}}
		}
		return runnertest.Reply{Content: `\boxed{Yes}`}
	})
	r = realxCLI(t, nil, "score", suite, "--predictions", preds, "--out", filepath.Join(dir, "limited"), "-c", "1",
		"--judge-base-url", limited.URL(), "--judge-retry-wait", "1ms", "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, limited.Requests(), 33, "one request again, after the 429")
	assert.Equal(t, limited.Requests()[0].Last().Text, limited.Requests()[1].Last().Text, "the same question again")
	mu.Lock()
	assert.GreaterOrEqual(t, arrived[1].Sub(arrived[0]), 300*time.Millisecond, "the retry waits for Retry-After")
	mu.Unlock()
	assert.Nil(t, byID(t, filepath.Join(dir, "limited"))["q0"].Error, "the 429 is not a judge failure")

	// Interrupted after ten answers, then resumed: every sample is asked about once in all.
	stopped := runnertest.NewServer(t)
	ctx, in := interruptible(t)
	var asked atomic.Int32
	stopped.Handle(func(*runnertest.Request) runnertest.Reply {
		if asked.Add(1) == 10 {
			in.signal()
		}
		return runnertest.Reply{Content: `\boxed{Yes}`, Delay: 10 * time.Millisecond}
	})
	resume := []string{"score", suite, "--predictions", preds, "--out", filepath.Join(dir, "resumed"), "-c", "4",
		"--judge-base-url", stopped.URL(), "--progress", "none"}
	r = realxCtx(t, ctx, in, resume...)
	require.Equal(t, exitInterrupted, r.code, r.stderr)
	assert.Contains(t, r.stderr, "stopping: no new samples start")
	recorded := len(readResults(t, filepath.Join(dir, "resumed")))
	assert.Less(t, recorded, 32)
	r = realxCLI(t, nil, resume...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, fmt.Sprintf("resuming %s: %d samples finished, %d to run", filepath.Join(dir, "resumed"), recorded, 32-recorded))
	assert.Equal(t, int32(32), asked.Load(), "no verdict is asked for twice")
	assert.Len(t, byID(t, filepath.Join(dir, "resumed")), 32)
}
