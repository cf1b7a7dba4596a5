package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenRun opens a new run directory, resumes the same run in it (its manifest kept, a torn
// last record cut off), and refuses another run, a log without a manifest, a damaged log, and
// a directory with no run to resume.
func TestOpenRun(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	_, err := OpenRun(dir, testManifest("r1", nil), true)
	assert.ErrorIs(t, err, ErrNoRun)
	assert.Empty(t, HoldsRun(dir))

	d, err := OpenRun(dir, testManifest("r1", nil), false)
	require.NoError(t, err)
	assert.False(t, d.Resumed)
	require.NoError(t, d.Log.Write(sampleResult("1", true)))
	require.NoError(t, d.Log.Close())
	assert.Equal(t, ManifestFile, HoldsRun(dir))

	// A torn last record, as a killed run leaves it.
	f, err := os.OpenFile(d.Path(), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"v":1,"run":"r2","suite":"s","id":"2","outp`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	d, err = OpenRun(dir, testManifest("r2", nil), false)
	require.NoError(t, err)
	assert.True(t, d.Resumed)
	assert.Equal(t, "r1", d.Manifest.Run, "the run's own manifest")
	assert.Equal(t, &TornTail{Line: 2, Bytes: 44}, d.Cut)
	assert.Equal(t, 1, d.Index.Len())
	require.NoError(t, d.Log.Close())

	other := testManifest("r3", &Shard{Index: 0, Count: 2})
	_, err = OpenRun(dir, other, false)
	var oe *OtherRunError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, []string{"shard: all samples ≠ 0/2"}, oe.Diff)
	assert.Equal(t, testManifest("r1", nil).Command, oe.Command)

	// A line in the middle that cannot be read.
	data, err := os.ReadFile(d.Path())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(d.Path(), append([]byte("{\"v\":1,\n"), data...), 0o644))
	_, err = OpenRun(dir, testManifest("r4", nil), false)
	var damaged *DamagedLogError
	require.ErrorAs(t, err, &damaged)
	assert.Equal(t, 1, damaged.First.Line)

	foreign := filepath.Join(t.TempDir(), "foreign")
	require.NoError(t, os.MkdirAll(foreign, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(foreign, ResultsFile), nil, 0o644))
	_, err = OpenRun(foreign, testManifest("r5", nil), false)
	assert.ErrorIs(t, err, ErrNoManifest)
	assert.Equal(t, ResultsFile, HoldsRun(foreign))
}
