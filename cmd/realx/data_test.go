package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks/source/hubtest"
)

const hubRevision = "0123456789abcdef0123456789abcdef01234567"

// hubSuite writes a suite, suite.yaml in dir, whose data is a VLMEvalKit TSV (base64 images)
// in a private repository of a fake hub, and returns its path and the hub.
func hubSuite(t *testing.T, dir string) (string, *hubtest.Hub) {
	t.Helper()
	h := hubtest.New(t)
	return hubSuiteOn(t, h, dir, "suite.yaml"), h
}

// hubSuiteOn puts the repository of hubSuite on h and writes its suite as name in dir.
func hubSuiteOn(t *testing.T, h *hubtest.Hub, dir, name string) string {
	t.Helper()
	tsv, err := os.ReadFile(repoFile("tasks", "testdata", "vlmevalkit", "quote_all.tsv"))
	require.NoError(t, err)
	h.Add("lab/colours", hubRevision, true, map[string][]byte{"colours.tsv": tsv}, "colours.tsv")
	return writeFile(t, dir, name, fmt.Sprintf(`name: colours
data:
  source:
    repo: lab/colours
    revision: %s
    samples: 4
    files: [{path: colours.tsv}]
judge: {kind: choice}
`, hubRevision))
}

// TestDataPull pulls a suite's data from a fake hub (a private repository, through the hub's
// redirect to its CDN) into the data cache: a run of the suite before the pull fails before
// any model call, naming the command that pulls it; after it, the run reads the data from the
// cache.
func TestDataPull(t *testing.T) {
	dir := t.TempDir()
	suite, h := hubSuite(t, dir)
	cache := filepath.Join(dir, "cache")
	t.Setenv("HF_ENDPOINT", h.URL)
	t.Setenv("HF_TOKEN", h.Token)
	t.Setenv("REALX_DATA_CACHE", cache)
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: "A"} })

	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, suite+":3:3: the data of lab/colours@0123456789ab is not in the data cache "+cache+
		" (not pulled: colours.tsv): pull it first with `realx data pull "+suite+" --data-cache "+cache+"` (a run never downloads)")
	assert.Empty(t, model.Requests(), "no model call")

	r = realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: the data of lab/colours@0123456789ab is not in the data cache")

	r = realxCLI(t, nil, "data", "pull", suite, "--allow-private-urls")
	require.Equal(t, 0, r.code, r.stderr)
	entry := filepath.Join(cache, "hf", "datasets", "lab", "colours", hubRevision)
	assert.Equal(t, "colours: 4 samples, data verified in "+entry+"\n", r.stdout)
	assert.Contains(t, r.stderr, "realx: data: colours: pulling lab/colours@0123456789ab into "+entry+"\n")
	assert.Contains(t, r.stderr, "realx: data: colours: colours.tsv 100% 830 B of 830 B\n")
	assert.Contains(t, r.stderr, "realx: data: colours: colours.tsv 830 B (downloaded, its SHA-256 recorded in the lock file; sha256 ")
	assert.FileExists(t, filepath.Join(entry, "colours.tsv"))
	assert.FileExists(t, entry+".lock.json")

	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"), "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, model.Requests(), 4)
	images := 0
	for _, req := range model.Requests() {
		images += req.Last().Images
	}
	assert.Equal(t, 5, images, "the TSV's base64 images, one shared by two rows, and a row of two")

	r = realxCLI(t, nil, "data", "pull", suite, "--allow-private-urls")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "colours.tsv 830 B (present; sha256 ", "pulled again: verified, not fetched")

	r = realxCLI(t, nil, "data", "pull", "math500")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "realx: data: math500: its data ships with it (test.jsonl): nothing to pull\n", r.stderr)
}

// TestDataPullFailures: a pull that the hub refuses, a checksum that does not match and a
// suite with a problem each exit with a message that says what went wrong.
func TestDataPullFailures(t *testing.T) {
	dir := t.TempDir()
	suite, h := hubSuite(t, dir)
	t.Setenv("HF_ENDPOINT", h.URL)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("REALX_DATA_CACHE", filepath.Join(dir, "cache"))

	r := realxCLI(t, nil, "data", "pull", suite, "--allow-private-urls")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "realx: data pull: colours: the hub does not let lab/colours be read without a token")

	r = realxCLI(t, nil, "data", "pull", suite)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "is loopback: data is not pulled from local or private addresses unless allowed (realx data pull --allow-private-urls)")

	t.Setenv("HF_TOKEN", h.Token)
	wrong := writeFile(t, dir, "wrong.yaml", fmt.Sprintf("name: wrong\ndata:\n  source: {repo: lab/colours, revision: %s, files: [{path: colours.tsv, sha256: %064d}]}\njudge: {kind: choice}\n", hubRevision, 0))
	r = realxCLI(t, nil, "data", "pull", wrong, "--allow-private-urls")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "realx: data pull: wrong: lab/colours@0123456789ab:colours.tsv: checksum mismatch: its SHA-256 is ")
	assert.Contains(t, r.stderr, fmt.Sprintf(", but %064d was pinned in the suite; the download was not kept", 0))

	bad := writeFile(t, dir, "bad.yaml", "name: bad\ndata:\n  source: {repo: lab/colours, revision: main..x, files: [{path: colours.tsv}]}\njudge: {kind: choice}\n")
	r = realxCLI(t, nil, "data", "pull", bad)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `bad.yaml:3:41: data.source.revision "main..x" is neither a commit hash`)
}

// TestDataPullBranch pulls a suite whose source names a branch: validate warns that it is not
// pinned, the pull records and prints the commit the hub resolved the branch to, and validate
// then names that commit as the one to pin.
func TestDataPullBranch(t *testing.T) {
	dir := t.TempDir()
	h := hubtest.New(t)
	tsv, err := os.ReadFile(repoFile("tasks", "testdata", "vlmevalkit", "quote_all.tsv"))
	require.NoError(t, err)
	h.Add("lab/colours", hubRevision, false, map[string][]byte{"colours.tsv": tsv})
	suite := writeFile(t, dir, "suite.yaml", "name: colours\ndata:\n  source:\n    repo: lab/colours\n    revision: main\n    files: [{path: colours.tsv}]\njudge: {kind: choice}\n")
	t.Setenv("HF_ENDPOINT", h.URL)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("REALX_DATA_CACHE", filepath.Join(dir, "cache"))

	r := realxCLI(t, nil, "validate", suite)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, suite+":5:15: warning: data.source.revision main is a branch, not a commit: the data is not pinned. "+
		"The first pull records the commit it resolves to, and later pulls refuse another\n")

	r = realxCLI(t, nil, "data", "pull", suite, "--allow-private-urls")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: data: colours: branch main of lab/colours is at commit "+hubRevision+
		", recorded in the lock file: later pulls refuse another (pin it in the suite with revision: "+hubRevision+")\n")

	r = realxCLI(t, nil, "validate", suite)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "; it was pulled at commit "+hubRevision+": pin it with revision: "+hubRevision+"\n")
}
