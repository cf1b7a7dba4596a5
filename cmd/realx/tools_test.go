package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
)

// withCalls gives record r a trajectory of one turn that made calls.
func withCalls(r *reports.Result, calls ...runners.Call) *reports.Result {
	r.Trajectory = &runners.Trajectory{WallMS: 900, Turns: []runners.Turn{{Role: runners.RoleAssistant, LatencyMS: 400, Calls: calls}}}
	r.LatencyMS = 400
	return r
}

// TestReportToolsSections prints one CSV table per --section of --table tools, all of them in
// text, the tool names a model made up made printable; an unknown section is a usage error.
func TestReportToolsSections(t *testing.T) {
	dir := t.TempDir()
	hostile := "\x1b]0;pwned\x07\x1b[2J"
	a := writeRunDir(t, filepath.Join(dir, "a"), "m",
		withCalls(record("q1", true, ""), runners.Call{Name: "code", Kind: "crop", DurationMS: 300}),
		withCalls(record("q2", false, ""), runners.Call{Name: "search"}, runners.Call{Name: hostile, Error: "unknown tool"}),
		withCalls(record("q3", true, "")))
	for section, header := range map[string]string{
		"":           "capability,run,n,tool use %",
		"usage":      "capability,run,n,tool use %",
		"categories": "capability,run,calls,crop %,mark %,numeric %,other %,image search %,text search %,web visit %",
		"per-tool":   "run,tool,calls,calls/sample,share %,samples %,errors %,s/call",
		"calls":      "run,calls,samples,share %,accuracy",
		"sequences":  "run,sequence,samples,share %,accuracy",
		"time":       "capability,run,n,wall s/sample,model s/sample,tools s/sample,model %,tools %,other %",
	} {
		args := []string{"report", "--table", "tools", "-f", "csv", a}
		if section != "" {
			args = append(args, "--section", section)
		}
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		require.NoError(t, err, "one well-formed CSV table")
		assert.True(t, strings.HasPrefix(strings.Join(rows[0], ","), header), "%s: %v", section, rows[0])
	}
	r := realxCLI(t, nil, "report", "--table", "tools", a)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 6, strings.Count(r.stdout, "┌"), "every section")
	assert.NotContains(t, r.stdout, "\x1b", "no escape sequence of the model's reaches the terminal")
	assert.Contains(t, r.stdout, `\x1b]0;pwned\x07\x1b[2J`)
	assert.Regexp(t, `search → \\x1b\]0;pwned`, r.stdout)
	r = realxCLI(t, nil, "report", "--table", "tools", "--section", "bogus", a)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown --section "bogus" of --table tools (want usage, categories, per-tool, calls, sequences or time)`)
}

// TestReportPlots draws the figures of the runs read, beside the table it prints, also of
// runs read from standard input; runs without tool calls get the accuracy figure alone.
func TestReportPlots(t *testing.T) {
	dir := t.TempDir()
	a := writeRunDir(t, filepath.Join(dir, "a"), "m",
		withCalls(record("q1", true, ""), runners.Call{Name: "code", Kind: "crop"}),
		withCalls(record("q2", false, ""), runners.Call{Name: "search"}))
	plain := writeRunDir(t, filepath.Join(dir, "plain"), "p", record("q1", true, ""))
	out := filepath.Join(dir, "figs")
	r := realxCLI(t, nil, "report", a, "--plots", out)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "overall", "the table is printed as ever")
	for _, name := range []string{"accuracy", "tool-categories", "calls-per-sample", "accuracy-by-calls"} {
		for _, ext := range []string{".svg", ".png"} {
			assert.FileExists(t, filepath.Join(out, name+ext))
		}
	}
	log, err := os.ReadFile(filepath.Join(plain, reports.ResultsFile))
	require.NoError(t, err)
	out = filepath.Join(dir, "plain-figs")
	r = realxCLI(t, strings.NewReader(string(log)), "report", "-", "--plots", out, "--table", "tools")
	require.Equal(t, 0, r.code, r.stderr)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the accuracy figure alone: no tool calls")
}
