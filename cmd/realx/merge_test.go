package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
)

// writeShard writes a run directory of model m on suite s: shard i of n (the whole run when n
// is 0), served at url, holding a passing record of each id.
func writeShard(t *testing.T, dir string, i, n int, url string, ids ...string) {
	t.Helper()
	m := &reports.Manifest{V: reports.SchemaVersion, Run: fmt.Sprintf("run-%d-%s", i, filepath.Base(dir)),
		Suites: []reports.SuiteInfo{{Name: "s", Digest: "d", DataDigest: "dd", Samples: 4}},
		Model:  reports.ModelInfo{Name: "m", BaseURL: url}}
	if n > 0 {
		m.Shard = &reports.Shard{Index: i, Count: n}
	}
	require.NoError(t, reports.WriteManifest(dir, m))
	w, err := reports.OpenLog(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	for _, id := range ids {
		r := record(id, true, "")
		r.Run = m.Run
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
}

// TestMergeRunHoldingShards: the default directory of a whole run holds the shards' directories;
// merging it is refused, naming both ways out, rather than merging the whole run alone.
func TestMergeRunHoldingShards(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "runs", "m", "s")
	writeShard(t, big, 0, 0, "http://a/v1", "q0") // a smoke run: --limit 1
	var shards []string
	for i, ids := range [][]string{{"q0", "q1"}, {"q2", "q3"}} {
		sh := filepath.Join(big, fmt.Sprintf("shard-%d-of-2", i))
		writeShard(t, sh, i, 2, "http://a/v1", ids...)
		shards = append(shards, sh)
	}

	out := filepath.Join(dir, "merged")
	r := realxCLI(t, nil, "merge", big, "--out", out)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, big+" is a run, and holds other runs too (shard-0-of-2, shard-1-of-2); name what to merge: "+
		filepath.Join(big, "shard-*")+" (the runs inside it), or "+big+" "+filepath.Join(big, "shard-*")+" (it with them)")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "nothing merged")

	r = realxCLI(t, nil, "merge", shards[0], shards[1], "--out", out)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "merged 2 runs")
	assert.Len(t, readResults(t, out), 4)

	r = realxCLI(t, nil, "merge", big, shards[0], shards[1], "--out", filepath.Join(dir, "all"))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "merged 3 runs into")
	assert.Contains(t, r.stderr, "1 samples found in more than one")
}

// TestMergeShardsOnSeveralEndpoints merges shards of one model served at different base URLs,
// listing them all in the merged manifest; a hidden directory beside them is not a run.
func TestMergeShardsOnSeveralEndpoints(t *testing.T) {
	dir := t.TempDir()
	writeShard(t, filepath.Join(dir, "shards", "a"), 0, 2, "http://gpu-a:8000/v1", "q0", "q1")
	writeShard(t, filepath.Join(dir, "shards", "b"), 1, 2, "http://gpu-b:8000/v1", "q2", "q3")
	writeShard(t, filepath.Join(dir, "shards", ".partial"), 0, 0, "http://gpu-a:8000/v1", "q9")
	out := filepath.Join(dir, "merged")
	r := realxCLI(t, nil, "merge", filepath.Join(dir, "shards"), "--out", out)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "merged 2 runs")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, []string{"http://gpu-a:8000/v1", "http://gpu-b:8000/v1"}, m.Model.BaseURLs)
}

// TestDropShardFlags makes a merged run's command that of the whole run.
func TestDropShardFlags(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"run", "s", "--model", "m"}, dropShardFlags([]string{"run", "s", "--shard", "0/2", "--model", "m", "--shards=4"}))
	assert.Equal(t, []string{"run", "s", "-c", "2"}, dropShardFlags([]string{"run", "s", "--shard=auto", "-c", "2", "-shards", "3"}))
}
