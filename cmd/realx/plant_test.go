package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
)

// victimDir makes a directory holding one file, planted paths are pointed at, and returns it
// with a check that it is as it was.
func victimDir(t *testing.T) (string, func()) {
	t.Helper()
	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.Mkdir(victim, 0o755))
	writeFile(t, victim, "precious.txt", "keep me")
	return victim, func() {
		t.Helper()
		entries, err := os.ReadDir(victim)
		require.NoError(t, err)
		require.Len(t, entries, 1, "nothing was added to or removed from %s", victim)
		data, err := os.ReadFile(filepath.Join(victim, "precious.txt"))
		require.NoError(t, err)
		assert.Equal(t, "keep me", string(data))
	}
}

// planted records paths planted beside a command's output, and checks they were left alone.
type planted map[string]string // path → symlink target, or "file:" and the file's content

func (p planted) link(t *testing.T, path, target string) {
	require.NoError(t, os.Symlink(target, path))
	p[path] = target
}

func (p planted) file(t *testing.T, path, content string) {
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	p[path] = "file:" + content
}

func (p planted) check(t *testing.T) {
	t.Helper()
	for path, want := range p {
		if content, ok := strings.CutPrefix(want, "file:"); ok {
			data, err := os.ReadFile(path)
			require.NoError(t, err, path)
			assert.Equal(t, content, string(data), path)
			continue
		}
		got, err := os.Readlink(path)
		require.NoError(t, err, "%s is still a symbolic link", path)
		assert.Equal(t, want, got, path)
	}
}

// TestRejudgeNeverWritesThroughAPlantedPath plants, beside the rejudge's --out, a symbolic link
// to another directory under the name the work directory had (.OUT.rejudging), links and a
// file under names of the kind it has now (.OUT.rejudging-…), and, when the test can make one,
// another user's directory with a verdict cache. The rejudge works and leaves every one of them
// as it was, none taken for an interrupted rejudge; a --out that is a link is refused.
func TestRejudgeNeverWritesThroughAPlantedPath(t *testing.T) {
	dir, run1, _, flags := rejudgeSetup(t)
	judge2 := writeFile(t, dir, "judge2.yaml", "steps:\n  - kind: math\n  - {kind: llm, template: equivalence, model: judge-model-2}\n")
	victim, intact := victimDir(t)
	out := filepath.Join(dir, "run2")
	p := planted{}
	p.link(t, filepath.Join(dir, ".run2.rejudging"), victim)
	p.link(t, filepath.Join(dir, ".run2.rejudging-0123"), victim)
	p.link(t, filepath.Join(dir, ".run2.rejudging-dangling"), filepath.Join(victim, "new"))
	p.file(t, filepath.Join(dir, ".run2.rejudging-file"), "not a directory")
	foreign := filepath.Join(dir, ".run2.rejudging-foreign")
	if os.Getuid() == 0 {
		require.NoError(t, os.Mkdir(foreign, 0o755))
		writeFile(t, foreign, judges.CacheFile, "")
		require.NoError(t, os.Chown(foreign, 4242, 4242))
	}

	args := append([]string{"rejudge", run1, "--judge", judge2, "--out", out, "-c", "1"}, flags...)
	r := realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "going on from", "nothing planted passes for an interrupted rejudge")
	assert.Len(t, byID(t, out), 6)
	intact()
	p.check(t)
	if os.Getuid() == 0 {
		st, err := os.Stat(filepath.Join(foreign, judges.CacheFile))
		require.NoError(t, err, "another user's directory is left alone")
		assert.Zero(t, st.Size())
	}
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm())

	link := filepath.Join(dir, "run3")
	p.link(t, link, victim)
	args[5] = link
	r = realxCLI(t, nil, args...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--out "+link+" is a symbolic link")
	intact()
	p.check(t)
}

// TestOutputsNeverWriteThroughAPlantedPath plants symbolic links where score, merge and run
// write their logs, and where run takes its lock: each refuses, and nothing is written
// through them. judge --out and report -o, which write a file of their own and rename it into
// place, replace a link there instead of writing through it.
func TestOutputsNeverWriteThroughAPlantedPath(t *testing.T) {
	srv, dir, suite := synthSetup(t, 3)
	victim, intact := victimDir(t)
	dangling := filepath.Join(victim, "created.txt")
	p := planted{}

	scored := filepath.Join(dir, "scored")
	require.NoError(t, os.Mkdir(scored, 0o755))
	p.link(t, filepath.Join(scored, reports.ResultsFile), dangling)
	preds := writeFile(t, dir, "preds.jsonl", `{"id":"q0","response":"7"}`+"\n")
	r := realxCLI(t, nil, "score", suite, "--predictions", preds, "--out", scored)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "holds a run already")

	run := filepath.Join(dir, "run")
	require.NoError(t, os.Mkdir(run, 0o755))
	p.link(t, filepath.Join(run, reports.ResultsFile), dangling)
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", run, "--progress", "none"}
	r = realxCLI(t, nil, args...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "has a results log but no manifest.json")

	locked := filepath.Join(dir, "locked")
	require.NoError(t, os.Mkdir(locked, 0o755))
	p.link(t, filepath.Join(locked, reports.LockFile), dangling)
	args[7] = locked
	r = realxCLI(t, nil, args...)
	assert.NotEqual(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "locking "+locked)

	whole := filepath.Join(dir, "whole")
	args[7] = whole
	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	merged := filepath.Join(dir, "merged")
	require.NoError(t, os.Mkdir(merged, 0o755))
	p.link(t, filepath.Join(merged, reports.ResultsFile), dangling)
	r = realxCLI(t, nil, "merge", whole, "--out", merged)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "already holds a run")
	assert.Empty(t, srv.Requests()[3:], "only the whole run called the model")
	assert.NoFileExists(t, dangling)
	intact()
	p.check(t)

	// A link at -o is replaced by the file, its target left alone.
	target := filepath.Join(victim, "precious.txt")
	for _, cmd := range [][]string{
		{"report", whole, "-o"},
		{"judge", "--judge", "exact", "--in", writeFile(t, dir, "rows.jsonl", `{"prediction":"7","answer":"7"}`+"\n"), "--out"},
	} {
		path := filepath.Join(dir, cmd[0]+".out")
		require.NoError(t, os.Symlink(target, path))
		r = realxCLI(t, strings.NewReader(""), append(cmd, path)...)
		require.Equal(t, 0, r.code, "%v: %s", cmd, r.stderr)
		st, err := os.Lstat(path)
		require.NoError(t, err)
		assert.True(t, st.Mode().IsRegular(), "%v: the link is replaced by a file", cmd)
		assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	}
	intact()
}
