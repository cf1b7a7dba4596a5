package mcp

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCappedBody reads an answer of the cap whole and fails one a byte longer.
func TestCappedBody(t *testing.T) {
	t.Parallel()
	whole := &cappedBody{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", maxResponse))), left: maxResponse}
	b, err := io.ReadAll(whole)
	require.NoError(t, err)
	assert.Len(t, b, maxResponse)
	over := &cappedBody{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", maxResponse+1))), left: maxResponse}
	_, err = io.ReadAll(over)
	assert.ErrorContains(t, err, "longer than 16777216 bytes")
}
