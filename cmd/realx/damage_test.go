package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
)

// TestResumeRefusesADamagedLog resumes a run whose log has a corrupt line in the middle: the
// command exits 2 before any model call, naming the file and the line and what to do, and
// leaves the log byte for byte as it was. `realx report` on it says how many lines it could
// not read, and where.
func TestResumeRefusesADamagedLog(t *testing.T) {
	srv, dir, suite := synthSetup(t, 4)
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "1", "--out", out, "--progress", "none"}
	r := realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)

	log := filepath.Join(out, reports.ResultsFile)
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	require.Len(t, lines, 5) // four records and the empty piece after the last newline
	lines[1] = append([]byte(`{"v":1,"run":"x","suite":"synth","id":"q1","outp`), '\n')
	damaged := bytes.Join(lines, nil)
	require.NoError(t, os.WriteFile(log, damaged, 0o644))

	sent := len(srv.Requests())
	r = realxCLI(t, nil, args...)
	require.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, log+":2: ")
	assert.Contains(t, r.stderr, "the results log is damaged; realx does not resume over it")
	assert.Contains(t, r.stderr, "mend or delete the lines it cannot read")
	assert.Len(t, srv.Requests(), sent, "no model call")
	after, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, damaged, after, "the damaged log is left as it was")

	rep := realxCLI(t, nil, "report", out)
	require.Equal(t, 0, rep.code, rep.stderr)
	assert.Contains(t, rep.stderr, "warning: "+log+": 1 line could not be read (at line 2); left out of the report")
}

// TestResumeDropsATornLastLine resumes a run killed while writing a record: the half record is
// dropped with a note naming its line, and its sample runs again.
func TestResumeDropsATornLastLine(t *testing.T) {
	srv, dir, suite := synthSetup(t, 4)
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "1", "--out", out, "--progress", "none"}
	r := realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	// The last two records go, and half of the third's write is left, as a kill leaves it.
	log := filepath.Join(out, reports.ResultsFile)
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	torn := append(bytes.Join(lines[:2], nil), lines[2][:len(lines[2])/2]...)
	require.NoError(t, os.WriteFile(log, torn, 0o644))

	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: note: "+log+":3: the last record was cut short when the run was stopped")
	assert.Contains(t, r.stderr, "2 samples finished, 2 to run")
	assert.Len(t, outcomes(t, out, true), 4)
}
