package reports

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTee reads runs once into several reports: each the same as when read alone.
func TestTee(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := OpenLog(path)
	require.NoError(t, err)
	a, _ := twoRuns()
	for _, r := range a {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
	alone := func(rep Report) string {
		var b bytes.Buffer
		require.NoError(t, Print(&b, []string{path}, nil, io.Discard, rep, "json", 1))
		return b.String()
	}
	acc, err := NewAccuracy("capability")
	require.NoError(t, err)
	tools, err := NewToolUsage("capability")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, Print(&b, []string{path}, nil, io.Discard, Tee(acc, tools), "json", 1))
	acc2, _ := NewAccuracy("capability")
	tools2, _ := NewToolUsage("capability")
	assert.Equal(t, alone(acc2), b.String(), "laid out as the first")
	var tb bytes.Buffer
	require.NoError(t, WriteJSON(&tb, tools.Layout()))
	assert.Equal(t, alone(tools2), tb.String(), "the others counted all the same")
	assert.Equal(t, "capability", Tee(acc, tools).(interface{ By() string }).By())
}
