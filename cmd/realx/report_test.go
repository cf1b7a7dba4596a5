package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// writeRunDir writes a run directory of model holding records.
func writeRunDir(t *testing.T, dir, model string, records ...*reports.Result) string {
	t.Helper()
	require.NoError(t, reports.WriteManifest(dir, &reports.Manifest{V: reports.SchemaVersion, Run: filepath.Base(dir), Model: reports.ModelInfo{Name: model}}))
	w, err := reports.OpenLog(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	for _, r := range records {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
	return dir
}

// record is a graded record of sample id, or one with an error of class when given.
func record(id string, pass bool, class reports.ErrorClass) *reports.Result {
	r := &reports.Result{V: reports.SchemaVersion, Run: "r", Suite: "s", ID: id, Model: "m", Verdict: judges.Verdict{Pass: pass}}
	if pass {
		r.Score = 1
	}
	if class != "" {
		r.Error = &reports.Failure{Class: class, Message: "x"}
	}
	return r
}

// TestReportColumns labels runs of one model alike, keeps the column of an empty run, and names
// an empty group "(none)".
func TestReportColumns(t *testing.T) {
	dir := t.TempDir()
	a := writeRunDir(t, filepath.Join(dir, "a"), "m", record("q1", true, ""), record("q2", false, reports.ErrModel))
	b := writeRunDir(t, filepath.Join(dir, "b"), "m", record("q1", false, ""))
	empty := writeRunDir(t, filepath.Join(dir, "empty"), "m")

	r := realxCLI(t, nil, "report", a, b, empty, "--format", "csv", "--by", "error")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "error,run,samples,expected_samples,repeats,graded,errored,missing,expected,complete,correct,accuracy,ci_low,ci_high,stopped,stopped_share\n"+
		"(none),m [a],1,,1,1,0,,,true,1,100.0000,20.6549,100.0000,0,0.0000\n"+
		"(none),m [b],1,,1,1,0,,,true,0,0.0000,0.0000,79.3451,0,0.0000\n"+
		"(none),m [empty],0,,0,0,0,,,true,0,,,,0,\n"+
		"model,m [a],0,,0,0,1,,,false,0,,,,0,\n"+
		"model,m [b],0,,0,0,0,,,true,0,,,,0,\n"+
		"model,m [empty],0,,0,0,0,,,true,0,,,,0,\n"+
		"overall,m [a],1,,1,1,1,,,false,1,100.0000,20.6549,100.0000,0,0.0000\n"+
		"overall,m [b],1,,1,1,0,,,true,0,0.0000,0.0000,79.3451,0,0.0000\n"+
		"overall,m [empty],0,,0,0,0,,,true,0,,,,0,\n", r.stdout)

	r = realxCLI(t, nil, "report", empty)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `overall\s+│\s+–\s+│\s+0\s+│`, r.stdout, "an empty run is reported with n = 0")
}

// TestReportJudgesSections prints one CSV table per --section, and refuses --section with
// another table.
func TestReportJudgesSections(t *testing.T) {
	dir := t.TempDir()
	a := writeRunDir(t, filepath.Join(dir, "a"), "m", record("q1", true, ""), record("q2", false, ""))
	b := writeRunDir(t, filepath.Join(dir, "b"), "m", record("q1", true, ""), record("q2", true, ""))
	for section, header := range map[string][]string{"": {"run", "step", "samples", "percent"}, "steps": {"run", "step", "samples", "percent"},
		"agreement":     {"a", "b", "samples", "agree", "disagree", "pass_a", "pass_b", "agree_percent", "kappa", "different_outputs"},
		"summary":       {"run", "judged", "verdicts", "coverage_percent", "excluded", "invalid_verdicts", "refusals"},
		"disagreements": {"a", "b", "suite", "id", "repeat", "pass_a", "pass_b", "step_a", "step_b"}} {
		args := []string{"report", "--table", "judges", "-f", "csv", a, b}
		if section != "" {
			args = append(args, "--section", section)
		}
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		require.NoError(t, err, "one well-formed CSV table")
		assert.Equal(t, header, rows[0], section)
	}
	r := realxCLI(t, nil, "report", "--section", "steps", a)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--section goes with --table judges")
	r = realxCLI(t, nil, "report", "--table", "judges", "--section", "kappa", a)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown --section "kappa" (want summary, steps, agreement or disagreements)`)
}

// TestReportOutputFile writes -o when the report is done, and never over an input.
func TestReportOutputFile(t *testing.T) {
	dir := t.TempDir()
	a := writeRunDir(t, filepath.Join(dir, "a"), "m", record("q1", true, ""))
	log := filepath.Join(a, reports.ResultsFile)
	before, err := os.ReadFile(log)
	require.NoError(t, err)
	r := realxCLI(t, nil, "report", log, "-o", log)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "would write over the input")
	after, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	out := filepath.Join(dir, "report.csv")
	r = realxCLI(t, nil, "report", a, "-o", out, "-f", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(data), "overall,m,1,,1,1,0,,,true,1,100.0000")
	r = realxCLI(t, nil, "report", a, "-o", out, "--table", "nope")
	assert.Equal(t, 2, r.code)
	again, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, data, again, "a report that fails leaves the file as it was")
}

// TestReportReadsALibraryRun reports a run written through the library, as a Go program writes
// one (the package realx Example), the same as the library prints it.
func TestReportReadsALibraryRun(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Handle(answerFromPrompt(t, math500Answers(t), func(string) bool { return false }))
	eng, err := realx.New(realx.Config{})
	require.NoError(t, err)
	defer eng.Close()
	model := &realx.Model{Label: "lib", Endpoint: runners.Endpoint{BaseURL: srv.URL(), Model: "lib"}}
	client, err := eng.Connect(model)
	require.NoError(t, err)
	s, ds, err := realx.LoadSuite("math500")
	require.NoError(t, err)
	p, err := eng.NewPlan(s, ds, realx.PlanOptions{Limit: 6, Model: client})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "run")
	_, err = eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: dir, Model: model, Repeats: 2})
	require.NoError(t, err)

	var want bytes.Buffer
	require.NoError(t, reports.PrintAccuracy(&want, []string{dir}, io.Discard, "text"))
	r := realxCLI(t, nil, "report", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want.String(), r.stdout)
	assert.Regexp(t, `overall\s+│\s+100\.0\s+│\s+6/6\s`, r.stdout, "6 samples of 6, each run twice: n counts samples")
	r = realxCLI(t, nil, "report", dir, "--table", "repeats", "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "overall,lib,6,2,")
}
