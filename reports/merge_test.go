package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	s, err := ParseShard("1/4")
	require.NoError(t, err)
	assert.Equal(t, &Shard{Index: 1, Count: 4}, s)
	assert.Equal(t, "1/4", s.String())
	for _, bad := range []string{"4/4", "-1/2", "1", "a/b", "0/0", ""} {
		_, err := ParseShard(bad)
		assert.Error(t, err, bad)
	}
}

// TestShardOfIsStable assigns samples by hash: every sample to exactly one shard, roughly evenly,
// and a sample keeps its shard when others are added.
func TestShardOfIsStable(t *testing.T) {
	t.Parallel()
	counts := make([]int, 4)
	for i := range 4000 {
		id := fmt.Sprint(i)
		n := 0
		for s := range 4 {
			if (&Shard{Index: s, Count: 4}).Has("suite", id) {
				n++
				counts[s]++
			}
		}
		require.Equal(t, 1, n)
	}
	for _, c := range counts {
		assert.InDelta(t, 1000, c, 120)
	}
	// Pinned values: the assignment is part of the file format (shards made by one realx
	// version merge with shards made by another).
	assert.Equal(t, []int{ShardOf("math500", "1", 4), ShardOf("math500", "2", 4), ShardOf("aime24", "1", 4)}, []int{1, 0, 0})
	assert.True(t, (*Shard)(nil).Has("x", "y"))
}

func testManifest(run string, shard *Shard) *Manifest {
	return &Manifest{V: SchemaVersion, Run: run, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Command: []string{"run", "s.yaml", "--shard", "0/2", "--model", "m"},
		Suites:  []SuiteInfo{{Name: "s", Digest: "d1", DataDigest: "dd", Samples: 4}},
		Model:   ModelInfo{Name: "m", BaseURL: "http://x/v1"},
		Judges:  []JudgeInfo{{Suite: "s", ID: "j1"}},
		Shard:   shard}
}

func writeRun(t *testing.T, m *Manifest, records ...*Result) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), m.Run)
	require.NoError(t, WriteManifest(dir, m))
	writeLog(t, dir, records...)
	return dir
}

func TestRunDiff(t *testing.T) {
	t.Parallel()
	a := testManifest("r1", &Shard{0, 2})
	b := testManifest("r2", &Shard{1, 2})
	assert.Empty(t, RunDiff(a, b, false))
	assert.Equal(t, []string{"shard: 0/2 ≠ 1/2"}, RunDiff(a, b, true))
	b.Suites[0].Digest = "d2"
	b.Model.Name = "other"
	b.Repeats = 3
	assert.Equal(t, []string{"suite s: digest: d1 ≠ d2", "model: m ≠ other", "repeats: 1 ≠ 3"}, RunDiff(a, b, false))
	b = testManifest("r2", nil)
	b.Suites = append(b.Suites, SuiteInfo{Name: "t"})
	assert.Equal(t, []string{"suites: [s] ≠ [s t]"}, RunDiff(a, b, false))
}

// TestMerge merges two shards, one with a retried sample and a duplicate of the other's: one
// record per sample, in canonical order, the better record winning whatever the argument
// order, blobs copied, and a manifest without the shard.
func TestMerge(t *testing.T) {
	t.Parallel()
	failed := sampleResult("3", false)
	failed.Run = "r2"
	failed.Error = &Failure{Class: ErrModel, Message: "HTTP 500"}
	dup := sampleResult("3", true)
	dup.Run = "r1"
	s0 := writeRun(t, testManifest("r1", &Shard{0, 2}), sampleResult("10", true), sampleResult("2", false), dup)
	r2 := func(id string, pass bool) *Result { r := sampleResult(id, pass); r.Run = "r2"; return r }
	s1 := writeRun(t, testManifest("r2", &Shard{1, 2}), r2("1", false), failed, r2("1", true))
	require.NoError(t, os.MkdirAll(filepath.Join(s1, BlobsDir), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(s1, BlobsDir, "abc"), []byte("blob"), 0o644))

	var outs [2][]byte
	for i, dirs := range [][]string{{s0, s1}, {s1, s0}} {
		out := filepath.Join(t.TempDir(), "merged")
		noShard := func(args []string) []string { return slices.Delete(slices.Clone(args), 2, 4) }
		sum, err := Merge(out, dirs, MergeOptions{Command: noShard})
		require.NoError(t, err)
		assert.Equal(t, 4, sum.Records)
		assert.Equal(t, 1, sum.Duplicates)
		assert.Equal(t, 4, sum.Expected)
		data, err := os.ReadFile(filepath.Join(out, ResultsFile))
		require.NoError(t, err)
		outs[i] = data
		m, err := ReadManifest(out)
		require.NoError(t, err)
		assert.Nil(t, m.Shard)
		assert.Equal(t, []string{"run", "s.yaml", "--model", "m"}, m.Command, "the base input's command, as Command makes it")
		require.Len(t, m.Shards, 2)
		assert.Equal(t, ShardRun{Run: "r1", Shard: &Shard{0, 2}, BaseURL: "http://x/v1", Records: 3}, m.Shards[0])
		assert.Equal(t, ShardRun{Run: "r2", Shard: &Shard{1, 2}, BaseURL: "http://x/v1", Records: 1}, m.Shards[1])
		assert.Equal(t, ModelInfo{Name: "m", BaseURL: "http://x/v1"}, m.Model, "one base URL: no list")
		assert.Regexp(t, `^merge-[0-9a-f]{16}$`, m.Run)
		blob, err := os.ReadFile(filepath.Join(out, BlobsDir, "abc"))
		require.NoError(t, err)
		assert.Equal(t, "blob", string(blob))

		var got []string
		f, err := os.Open(filepath.Join(out, ResultsFile))
		require.NoError(t, err)
		rd := NewReader(f, "merged")
		for rd.Scan() {
			require.NoError(t, rd.LineErr())
			r := rd.Result()
			got = append(got, fmt.Sprintf("%s:%v:%s", r.ID, r.Pass, r.Run))
		}
		f.Close()
		assert.Equal(t, []string{"1:true:r2", "2:false:r1", "3:true:r1", "10:true:r1"}, got)
	}
	assert.Equal(t, string(outs[0]), string(outs[1]))
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	s0 := writeRun(t, testManifest("r1", &Shard{0, 3}), sampleResult("1", true))
	other := testManifest("r2", &Shard{1, 3})
	other.Model.Name = "m2"
	s1 := writeRun(t, other, sampleResult("2", true))
	_, err := Merge(filepath.Join(t.TempDir(), "out"), []string{s0, s1}, MergeOptions{})
	var me *MergeError
	require.True(t, errors.As(err, &me), "%v", err)
	assert.Contains(t, err.Error(), "model: m ≠ m2")
	assert.Contains(t, err.Error(), "shards 2/3 are missing")

	// Shard 0 alone merges with --partial; the result cannot be merged into again.
	out := filepath.Join(t.TempDir(), "out")
	sum, err := Merge(out, []string{s0}, MergeOptions{Partial: true})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, sum.MissingShards)
	_, err = Merge(out, []string{s0}, MergeOptions{Partial: true})
	assert.ErrorContains(t, err, "already holds a run")
}

// TestMergeAcrossEndpoints merges the shards of a model served by different endpoints (the
// base URL is where, not what), recording every base URL; resuming still compares it.
func TestMergeAcrossEndpoints(t *testing.T) {
	t.Parallel()
	var dirs []string
	for i, url := range []string{"http://gpu-b:8000/v1", "http://gpu-a:8000/v1", "http://gpu-b:8000/v1"} {
		m := testManifest(fmt.Sprint("r", i), &Shard{i, 3})
		m.Model.BaseURL = url
		dirs = append(dirs, writeRun(t, m, sampleResult(fmt.Sprint(i), true)))
	}
	out := filepath.Join(t.TempDir(), "out")
	sum, err := Merge(out, dirs, MergeOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Records)
	m, err := ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, ModelInfo{Name: "m", BaseURL: "http://gpu-b:8000/v1", BaseURLs: []string{"http://gpu-a:8000/v1", "http://gpu-b:8000/v1"}}, m.Model)
	require.Len(t, m.Shards, 3)
	assert.Equal(t, "http://gpu-a:8000/v1", m.Shards[1].BaseURL)

	a, b := testManifest("r1", nil), testManifest("r2", nil)
	b.Model.BaseURL = "http://elsewhere/v1"
	assert.Equal(t, []string{"base URL: http://x/v1 ≠ http://elsewhere/v1"}, RunDiff(a, b, true), "a resumed run keeps its endpoint")
}
