package view

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
)

// TestShow prints a sample's trajectory: question, turns, calls with their code, query, output
// and images (the crop beside the original, as paths under blobs/), answer, gold and verdict;
// pinned by a golden file. The model's escape sequences and markup print as inert text.
func TestShow(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, "m", 10, false)
	var b bytes.Buffer
	require.NoError(t, Show(&b, dir, nil, io.Discard, "q0", ShowOptions{Repeat: -1}))
	require.NoError(t, Show(&b, dir, nil, io.Discard, "q7", ShowOptions{Suite: "synth", Repeat: 0}))
	out := strings.ReplaceAll(b.String(), dir, "$RUN")
	runnertest.Golden(t, filepath.Join("testdata", "show.txt"), []byte(out))
	assert.NotContains(t, out, "\x1b", "no escape sequence reaches the terminal")
	assert.NotContains(t, out, "\u2028")
	assert.Contains(t, out, `\x1b[2J`)
	assert.Contains(t, out, "original 1: $RUN/blobs/")
	assert.Contains(t, out, "returned 1: ../../../etc/passwd", "a hash that is not one is shown, never read")

	err := Show(io.Discard, dir, nil, io.Discard, "q99", ShowOptions{Repeat: -1})
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, dir+` has no record of sample "q99"`, err.Error())
	require.ErrorAs(t, Show(io.Discard, dir, nil, io.Discard, "q0", ShowOptions{Repeat: 1}), &nf, "no repeat 1")
	require.ErrorAs(t, Show(io.Discard, dir, nil, io.Discard, "q0", ShowOptions{Suite: "other", Repeat: -1}), &nf)
}
