package tools

import (
	"errors"
	"os/exec"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
)

// TestToolCatalogMatchesTheTools checks that every tool name runners.Check accepts is one New
// builds (or a search tool, whose backends come later, which New says so of), and the other
// way round.
func TestToolCatalogMatchesTheTools(t *testing.T) {
	t.Parallel()
	buildable := append([]string{"python"}, imageops.Names()...)
	slices.Sort(buildable)
	assert.Equal(t, buildable, Names())
	for name, fn := range runners.ToolFunctions {
		if slices.Contains([]string{"search", "image_search", "text_search", "web_visit"}, name) {
			_, err := New(name, Config{})
			assert.True(t, errors.Is(err, ErrNotAvailable), "%s: %v", name, err)
			continue
		}
		assert.Contains(t, buildable, name)
		if name != "python" {
			assert.Equal(t, name, fn)
		}
	}
	for _, name := range buildable {
		assert.Contains(t, runners.ToolFunctions, name)
	}
	if _, err := exec.LookPath("bwrap"); err == nil {
		tool, err := New("python", Config{})
		if err == nil {
			assert.Equal(t, runners.ToolFunctions["python"], tool.Def().Name)
		}
	}
	_, err := New("browser", Config{})
	assert.ErrorContains(t, err, `unknown tool "browser"`)
}

// TestNewTakesTheProtocol builds the image tools as DeepEyes does under its protocol, and the
// remote python tool when a sandbox URL is given.
func TestNewTakesTheProtocol(t *testing.T) {
	t.Parallel()
	deepeyes, _ := runners.ProtocolByName("deepeyes")
	zoom, err := New("image_zoom_in_tool", Config{Protocol: deepeyes})
	require.NoError(t, err)
	assert.Equal(t, "image_zoom_in_tool", zoom.Def().Name)
	remote, err := New("python", Config{SandboxURL: "http://127.0.0.1:1/jupyter_sandbox"})
	require.NoError(t, err)
	assert.IsType(t, &python.Remote{}, remote)
}
