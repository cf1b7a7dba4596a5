package tools

import (
	"os/exec"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/runners/tools/search"
)

// TestToolCatalogMatchesTheTools checks that every tool name runners.Check accepts is one New
// builds, and the other way round; the search tools need the run's search service.
func TestToolCatalogMatchesTheTools(t *testing.T) {
	t.Parallel()
	buildable := append(append([]string{"python"}, imageops.Names()...), search.Names()...)
	slices.Sort(buildable)
	assert.Equal(t, buildable, Names())
	svc, err := search.New(search.Config{})
	require.NoError(t, err)
	for name, fn := range runners.ToolFunctions {
		assert.Contains(t, buildable, name)
		if name != "python" {
			assert.Equal(t, name, fn)
		}
		if slices.Contains(search.Names(), name) {
			_, err := New(name, Config{})
			assert.ErrorIs(t, err, ErrNoSearch, name)
			tool, err := New(name, Config{Search: svc})
			require.NoError(t, err)
			assert.Equal(t, name, tool.Def().Name)
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
	_, err = New("browser", Config{})
	assert.ErrorContains(t, err, `unknown tool "browser"`)
}

// TestImageSearchTakesTheProtocolsStyle builds DeepEyesV2's image search (no arguments) under
// its protocol and R1V4's (image_paths) under the others.
func TestImageSearchTakesTheProtocolsStyle(t *testing.T) {
	t.Parallel()
	svc, err := search.New(search.Config{})
	require.NoError(t, err)
	for _, c := range []struct{ protocol, required string }{
		{"deepeyesv2", ""}, {"r1v4", "image_paths"}, {"native", "image_paths"}, {"hermes", "image_paths"},
	} {
		p, _ := runners.ProtocolByName(c.protocol)
		tool, err := New("image_search", Config{Protocol: p, Search: svc})
		require.NoError(t, err)
		if c.required == "" {
			assert.NotContains(t, string(tool.Def().Parameters), "required", c.protocol)
		} else {
			assert.Contains(t, string(tool.Def().Parameters), `"required":["image_paths"]`, c.protocol)
		}
	}
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
