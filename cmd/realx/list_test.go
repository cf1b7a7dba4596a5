package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// TestListSummary: a suite whose data is pulled is listed with the size its source declares,
// its paper numbers, its tools and judge, and whether its data is in the cache.
func TestListSummary(t *testing.T) {
	dir := t.TempDir()
	suite, h := hubSuite(t, dir)
	b, err := os.ReadFile(suite)
	require.NoError(t, err)
	paper := "capabilities: [{name: colour}, {name: compare}, {name: count}]\n" +
		"agent: {protocol: deepeyes}\n" +
		"paper:\n  - {model: deepeyes-7b, value: 85.6, source: \"DeepEyesV2, Table 2\"}\n" +
		"  - {model: deepeyes-7b, value: 90.1, capability: colour, source: \"DeepEyes, Table 1\"}\n"
	require.NoError(t, os.WriteFile(suite, append(b, paper...), 0o644))
	cache := filepath.Join(dir, "cache")
	s, err := tasks.LoadFile(suite)
	require.NoError(t, err)
	s.SetDataCache(cache)

	sum, err := summarize("colours", s)
	require.NoError(t, err)
	assert.Equal(t, []string{"colours", "colour, compare, count", "image_zoom_in_tool", "choice", "deepeyes-7b 85.6, +1 more", "not pulled", "4"}, sum.row())
	assert.Equal(t, "lab/colours@0123456789ab", sum.Source)
	assert.Len(t, sum.Paper, 2)

	t.Setenv("HF_ENDPOINT", h.URL)
	t.Setenv("HF_TOKEN", h.Token)
	r := realxCLI(t, nil, "data", "pull", suite, "--allow-private-urls", "--data-cache", cache)
	require.Equal(t, 0, r.code, r.stderr)
	sum, err = summarize("colours", s)
	require.NoError(t, err)
	assert.Equal(t, "pulled", sum.Data)
}
