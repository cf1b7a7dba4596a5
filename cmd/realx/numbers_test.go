package main

// The tests of issue 10: every number realx prints is right, or says why not.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// writeSuite writes suite name of the synth questions q<from> … q<from+n-1> (what I plus 7
// is, in capabilities add, count and read) to dir, with the agent block agent, and returns
// its path.
func writeSuite(t *testing.T, dir, name string, from, n int, agent string) string {
	t.Helper()
	var data strings.Builder
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&data, `{"id":"q%d","question":"q%d: what is %d plus 7?","answer":"%d","capability":"%s"}`+"\n",
			i, i, i, i+7, []string{"add", "count", "read"}[i%3])
	}
	writeFile(t, dir, name+".jsonl", data.String())
	return writeFile(t, dir, name+".yaml", "name: "+name+"\ndata:\n  path: "+name+".jsonl\n  fields:\n    capability: capability\n"+
		"prompt:\n  user: \"{{.Question}}\"\njudge:\n  kind: exact\n"+agent)
}

// tableOf runs realx report with args and decodes its JSON table.
func tableOf(t *testing.T, args ...string) reports.Table {
	t.Helper()
	var table reports.Table
	require.NoError(t, json.Unmarshal([]byte(report(t, append(args, "--format", "json")...)), &table))
	return table
}

// TestContextOverflowIsTheModelsFailure drives an agent run in which the endpoint answers
// the second turn of some samples with a refusal for the conversation's size, in vLLM's and
// OpenAI's words and as a 413: each is graded wrong with its stop reason, counts in n, is not
// run again on resume, and the report's stopped column shows it; a 500 stays an
// infrastructure error, out of n, and runs again.
func TestContextOverflowIsTheModelsFailure(t *testing.T) {
	dir := t.TempDir()
	suite := writeSuite(t, dir, "agentic", 0, 6, "agent:\n  protocol: native\n  max_turns: 4\n")
	var asked [6]atomic.Int32
	down := atomic.Bool{}
	down.Store(true)
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		m := synthQuestion.FindStringSubmatch(r.Messages[0].Text)
		require.NotNil(t, m, r.Messages[0].Text)
		i, _ := strconv.Atoi(m[1])
		asked[i].Add(1)
		if len(r.Messages) == 1 { // the first turn: a call to a tool the run does not have
			return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: "c1", Name: "crop", Arguments: "{}"}}}
		}
		switch {
		case i == 0:
			return runnertest.Reply{Status: 400, Body: `{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 4200 tokens (3176 in the messages, 1024 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}`}
		case i == 1:
			return runnertest.Reply{Status: 400, Body: `{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130017 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`}
		case i == 2:
			return runnertest.Reply{Status: 413, Body: `{"error":{"type":"request_too_large","message":"Request exceeds the maximum size"}}`}
		case i == 3 && down.Load():
			return runnertest.Reply{Status: 500, Body: `{"error":{"message":"CUDA out of memory","type":"server_error"}}`}
		}
		return runnertest.Reply{Content: strconv.Itoa(i + 7)}
	})
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none", "--retries", "0", "--max-error-rate", "0.5"}
	r := realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	res := byID(t, out)
	for id, stop := range map[string]runners.StopReason{"q0": runners.StopContextLength, "q1": runners.StopContextLength, "q2": runners.StopRequestTooLarge} {
		rec := res[id]
		assert.Nil(t, rec.Error, "%s: the model's failure, not the infrastructure's", id)
		assert.Equal(t, stop, rec.Stop, id)
		assert.False(t, rec.Pass, id)
		assert.Equal(t, 0.0, rec.Score, id)
		assert.Contains(t, rec.Reason, "refused the conversation for its size", id)
		assert.NotEmpty(t, rec.Trajectory.StopDetail, id)
	}
	assert.Contains(t, res["q0"].Trajectory.StopDetail, "maximum context length is 4096 tokens")
	assert.Equal(t, reports.ErrModel, res["q3"].Error.Class, "a 500 stays an infrastructure error")
	assert.True(t, res["q4"].Pass)

	table := tableOf(t, out)
	overall := table.Overall.Cells[0]
	assert.Equal(t, 5, overall.Samples, "the three refused samples count in n; the 500 does not")
	assert.Equal(t, 6, overall.ExpectedSamples)
	assert.InDelta(t, 40.0, overall.Accuracy, 1e-9, "2 right of 5 graded")
	assert.Equal(t, 3, overall.Stopped)
	assert.InDelta(t, 60.0, overall.StoppedShare(), 1e-9)
	text := report(t, out)
	assert.Regexp(t, `overall\s+│\s+40\.0\s+│\s+5/6†\s+│[^│]+│\s+1\s+│\s+60\.0\s+│`, text, "the stopped column shows them")
	assert.Contains(t, text, "stopped %: the share of graded samples that a budget or the model's context ended")
	stops := report(t, out, "--by", "stop")
	assert.Regexp(t, `context_length\s+│\s+0\.0\s+│\s+2\s`, stops)

	// Resumed: only the sample with the infrastructure error runs again.
	down.Store(false)
	before := make([]int32, 6)
	for i := range asked {
		before[i] = asked[i].Load()
	}
	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	for i := range asked {
		if i == 3 {
			assert.Equal(t, before[i]+2, asked[i].Load(), "q3 runs again: two turns")
			continue
		}
		assert.Equal(t, before[i], asked[i].Load(), "q%d is not run again", i)
	}
	assert.True(t, byID(t, out)["q3"].Pass)
}

// TestReportOfAnIncompleteRun: a run cut to 20 of its 50 records shows n of expected and
// marks itself incomplete in every format; --require-complete exits 4 on it and 0 on the whole
// run; a merge of one shard of two (--partial) is counted against every sample too.
func TestReportOfAnIncompleteRun(t *testing.T) {
	srv, dir, suite := synthSetup(t, 50)
	full := filepath.Join(dir, "full")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", full, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 0, realxCLI(t, nil, "report", full, "--require-complete").code)

	cut := filepath.Join(dir, "cut")
	require.NoError(t, os.MkdirAll(cut, 0o755))
	manifest, err := os.ReadFile(filepath.Join(full, reports.ManifestFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(cut, reports.ManifestFile), manifest, 0o644))
	log, err := os.ReadFile(filepath.Join(full, reports.ResultsFile))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(log), "\n")
	require.NoError(t, os.WriteFile(filepath.Join(cut, reports.ResultsFile), []byte(strings.Join(lines[:20], "")), 0o644))

	text := report(t, cut)
	assert.Regexp(t, `overall\s+│\s+\S+\s+│\s+20/50†\s+│`, text)
	assert.Contains(t, text, "note: † incomplete: m: 20 of 50 expected records have a verdict (30 missing)")
	md := report(t, cut, "--format", "md")
	assert.Regexp(t, `\| overall +\| +\S+ \| +20/50† \|`, md)
	assert.Contains(t, md, "- † incomplete: m: 20 of 50 expected records have a verdict (30 missing)")
	csv := report(t, cut, "--format", "csv")
	assert.Contains(t, csv, "capability,run,samples,expected_samples,repeats,graded,errored,missing,expected,complete,")
	assert.Regexp(t, `\noverall,m,20,50,1,20,0,30,50,false,`, csv)
	table := tableOf(t, cut)
	assert.Equal(t, []reports.Coverage{{Run: "m", Samples: 20, ExpectedSamples: 50, Expected: 50, Graded: 20, Missing: 30}}, table.Coverage)
	assert.False(t, table.Overall.Cells[0].Complete())
	for _, row := range table.Rows {
		assert.Equal(t, []int{17, 17, 16}[slices.Index([]string{"add", "count", "read"}, row.Key)], row.Cells[0].ExpectedSamples, row.Key)
	}
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(report(t, cut, "--format", "json")), &raw))
	cov := raw["coverage"].([]any)[0].(map[string]any)
	for _, k := range []string{"expected", "graded", "errored", "missing"} {
		assert.Contains(t, cov, k, "the machine-readable report carries %s", k)
	}
	for _, table := range []string{"tools", "repeats", "judges"} {
		out := report(t, cut, "--table", table)
		assert.Contains(t, out, "20/50†", table)
		assert.Contains(t, out, "note: † incomplete: m: 20 of 50 expected records have a verdict (30 missing)", table)
	}

	r = realxCLI(t, nil, "report", cut, "--require-complete")
	assert.Equal(t, exitIncomplete, r.code)
	assert.Contains(t, r.stdout, "20/50†", "the report is printed all the same")
	assert.Contains(t, r.stderr, "realx: report: --require-complete: m: 20 of 50 expected records have a verdict (30 missing)")
	r = realxCLI(t, nil, "report", filepath.Join(cut, reports.ResultsFile), "--require-complete")
	assert.Equal(t, exitIncomplete, r.code, "a run directory's log is read with its manifest")
	r = realxCLI(t, strings.NewReader(strings.Join(lines[:20], "")), "report", "-", "--require-complete")
	assert.Equal(t, exitIncomplete, r.code)
	assert.Contains(t, r.stderr, "how many samples it should have is unknown")

	// One shard of two, merged with --partial: counted against all 50 samples.
	shard := filepath.Join(dir, "shard0")
	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", shard, "--progress", "none", "--shard", "0/2")
	require.Equal(t, 0, r.code, r.stderr)
	half := len(readResults(t, shard))
	m, err := reports.ReadManifest(shard)
	require.NoError(t, err)
	assert.Equal(t, half, m.Suites[0].ShardSamples["add"]+m.Suites[0].ShardSamples["count"]+m.Suites[0].ShardSamples["read"])
	assert.Regexp(t, fmt.Sprintf(`overall\s+│\s+\S+\s+│\s+%d/%d\s+│`, half, half), report(t, shard), "a shard is complete against its own samples")
	merged := filepath.Join(dir, "merged")
	r = realxCLI(t, nil, "merge", shard, "--out", merged, "--partial")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, fmt.Sprintf(`overall\s+│\s+\S+\s+│\s+%d/50†\s+│`, half), r.stdout)
	assert.Equal(t, exitIncomplete, realxCLI(t, nil, "report", merged, "--require-complete").code)
}

// TestReportSideBySide: runs over different samples say so; with --common every column
// covers the samples both graded, and its accuracy is theirs.
func TestReportSideBySide(t *testing.T) {
	srv, dir, suite := synthSetup(t, 20)
	all, some := filepath.Join(dir, "all"), filepath.Join(dir, "some")
	for _, run := range []struct {
		out   string
		limit string
	}{{all, "20"}, {some, "8"}} {
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", run.out, "--progress", "none", "--limit", run.limit)
		require.Equal(t, 0, r.code, r.stderr)
	}
	text := report(t, all, some)
	assert.Contains(t, text, "note: the runs graded different samples (m [all] 20, m [some] 8; 8 in common): their columns are not comparable as they stand; --common restricts every column to the samples all runs graded")
	table := tableOf(t, all, some)
	assert.Equal(t, 20, table.Overall.Cells[0].Samples)
	assert.Equal(t, 8, table.Overall.Cells[1].Samples)
	assert.InDelta(t, 75.0, table.Overall.Cells[0].Accuracy, 1e-9, "q3, q7, q11, q15, q19 wrong")
	assert.InDelta(t, 75.0, table.Overall.Cells[1].Accuracy, 1e-9, "q3 and q7 wrong")

	common := tableOf(t, all, some, "--common")
	for i, c := range common.Overall.Cells {
		assert.Equal(t, 8, c.Samples, i)
		assert.Equal(t, 8, c.ExpectedSamples, i)
		assert.True(t, c.Complete(), i)
		assert.InDelta(t, 75.0, c.Accuracy, 1e-9, i)
	}
	assert.Contains(t, common.Notes, "--common: every column counts only the 8 samples that every run graded (of m [all] 20, m [some] 8)")
	assert.NotContains(t, report(t, all, some, "--common"), "not comparable")

	// A sample one run could not grade is left out of every column.
	require.NoError(t, os.WriteFile(filepath.Join(some, reports.ResultsFile), []byte(strings.Replace(readFile(t, filepath.Join(some, reports.ResultsFile)),
		`"id":"q0","repeat":0,`, `"id":"q0","repeat":0,"error":{"class":"model","message":"HTTP 500"},`, 1)), 0o644))
	common = tableOf(t, all, some, "--common")
	assert.Equal(t, 7, common.Overall.Cells[0].Samples)
	assert.Equal(t, 7, common.Overall.Cells[1].Samples)
}

// readFile returns the file at path as a string.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// TestTwoSuitesReportPerSuiteAndMacro: a run of two suites reports a row per suite, an
// overall row that is the macro average of the two (said so), and the micro average.
func TestTwoSuitesReportPerSuiteAndMacro(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Handle(synthAnswer(t))
	dir := t.TempDir()
	big := writeSuite(t, dir, "big", 0, 12, "")      // q3, q7, q11 wrong: 75%
	small := writeSuite(t, dir, "small", 100, 4, "") // q103 wrong: 75%
	small2 := writeSuite(t, dir, "tiny", 201, 2, "") // both right: 100%
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", big, small, small2, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	text := r.stdout
	for _, row := range []string{`big/add\s`, `small/count\s`, `│ big\s+│\s+75\.0\s+│\s+12/12\s`, `│ small\s+│\s+75\.0\s+│\s+4/4\s`,
		`│ tiny\s+│\s+100\.0\s+│\s+2/2\s`, `overall \(macro\)\s+│\s+83\.3\s+│\s+18/18\s`, `overall \(micro\)\s+│\s+77\.8\s+│\s+18/18\s`} {
		assert.Regexp(t, row, text)
	}
	assert.Contains(t, text, "note: overall (macro) is the mean of the 3 suites' accuracies, each suite weighing the same; overall (micro) weighs every sample the same")
	table := tableOf(t, out)
	assert.Equal(t, "macro", table.Average)
	assert.InDelta(t, (75.0+75.0+100.0)/3, table.Overall.Cells[0].Accuracy, 1e-9)
	assert.InDelta(t, 100.0*14/18, table.Micro.Cells[0].Accuracy, 1e-9)
	require.Len(t, table.Suites, 3)
	bySuite := report(t, out, "--by", "suite")
	assert.Regexp(t, `overall \(macro\)\s+│\s+83\.3\s`, bySuite)
}

// TestRepeatsIntervalIsClusteredBySample runs 30 problems 4 times each: n is 30, and the 95%
// interval of the accuracy is as wide as 30 problems warrant — the percentile interval of a
// bootstrap over the problems (their repeats kept together) — not that of 120 independent
// draws, which is far narrower when a problem's repeats agree.
func TestRepeatsIntervalIsClusteredBySample(t *testing.T) {
	// Problem i is answered right in the first rights[i%6] of its 4 repeats: mostly all or
	// nothing, as with a model that knows a problem or does not.
	rights := []int{4, 0, 4, 3, 0, 1}
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		m := synthQuestion.FindStringSubmatch(r.Last().Text)
		require.NotNil(t, m)
		i, _ := strconv.Atoi(m[1])
		repeat := int(r.JSON["seed"].(float64)) - 100
		answer := i + 7
		if repeat >= rights[i%6] {
			answer++
		}
		return runnertest.Reply{Content: strconv.Itoa(answer)}
	})
	dir := t.TempDir()
	suite := writeSuite(t, dir, "thirty", 0, 30, "")
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none", "--repeats", "4", "--seed", "100")
	require.Equal(t, 0, r.code, r.stderr)
	cell := tableOf(t, out).Overall.Cells[0]
	assert.Equal(t, 30, cell.Samples, "n counts problems")
	assert.Equal(t, 120, cell.Graded)
	assert.Equal(t, 4, cell.Repeats)

	// The bootstrap over problems, from the records, with a fixed seed.
	scores := map[string][]float64{}
	for _, res := range readResults(t, out) {
		scores[res.ID] = append(scores[res.ID], res.Score)
	}
	var means []float64
	for _, id := range keysOf(scores) {
		s := 0.0
		for _, x := range scores[id] {
			s += x
		}
		means = append(means, s/float64(len(scores[id])))
	}
	require.Len(t, means, 30)
	mean := 0.0
	for _, m := range means {
		mean += m / 30
	}
	assert.InDelta(t, 100*mean, cell.Accuracy, 1e-9, "the mean over problems of their mean over repeats")
	rng := rand.New(rand.NewPCG(10, 2026))
	const draws = 20000
	boot := make([]float64, draws)
	for b := range boot {
		s := 0.0
		for range 30 {
			s += means[rng.IntN(30)]
		}
		boot[b] = 100 * s / 30
	}
	slices.Sort(boot)
	lo, hi := boot[draws*25/1000], boot[draws*975/1000]
	t.Logf("clustered [%.1f, %.1f], bootstrap over problems [%.1f, %.1f]", cell.CILow, cell.CIHigh, lo, hi)
	assert.InDelta(t, hi-lo, cell.CIHigh-cell.CILow, 0.1*(hi-lo), "as wide as the bootstrap over problems")
	assert.InDelta(t, lo, cell.CILow, 3)
	assert.InDelta(t, hi, cell.CIHigh, 3)

	// 120 independent draws would claim a much narrower interval.
	p, n := mean, 120.0
	naive := 2 * 1.959963984540054 * math.Sqrt(p*(1-p)/n) * 100
	assert.Less(t, naive, 0.7*(hi-lo), "the interval of 120 draws is far too narrow for 30 problems")
	assert.Contains(t, report(t, out), "n counts samples, and the 95% interval is clustered by sample")
}

// keysOf returns the keys of m, sorted.
func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestReportByAFieldNoRecordHas refuses --by a metadata field that no record has: every
// sample in "(none)" would read like an answer.
func TestReportByAFieldNoRecordHas(t *testing.T) {
	srv, dir, suite := synthSetup(t, 3)
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	r = realxCLI(t, nil, "report", out, "--by", "metadata.difficulty")
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "realx: report: --by metadata.difficulty: no record has this field (the records have no metadata)")
	for _, table := range []string{"tools", "repeats"} {
		r = realxCLI(t, nil, "report", out, "--by", "metadata.difficulty", "--table", table)
		assert.Equal(t, 2, r.code, table)
	}
	var buf bytes.Buffer
	require.Equal(t, 0, realxCLI(t, nil, "report", out, "--by", "stop").code, buf.String())
	assert.Regexp(t, regexp.MustCompile(`answer\s+│`), report(t, out, "--by", "stop"))
}
