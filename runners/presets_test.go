package runners

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// TestPresetsLoad: the shipped presets load as strictly as a models file, and each seed model
// speaks the protocol it was trained on; the Qwen models come in both tool protocols.
func TestPresetsLoad(t *testing.T) {
	t.Parallel()
	p, err := ParseModels("presets.yaml", presetsYAML)
	require.NoError(t, err)
	for name, want := range map[string]string{
		"deepeyesv2-7b": "deepeyesv2", "deepeyes-7b": "deepeyes", "skywork-r1v4": "r1v4",
		"qwen2.5-vl-7b-native": "native", "qwen2.5-vl-7b-hermes": "hermes",
		"qwen3-vl-8b-native": "native", "qwen3-vl-8b-hermes": "hermes",
		"gpt-4o": "native", "gemini-2.5-pro": "native",
	} {
		require.Contains(t, p, name)
		assert.Equal(t, want, p[name].Protocol, name)
	}
	for name, e := range p {
		assert.NotEmpty(t, e.Description, name)
		assert.Contains(t, Protocols, e.Protocol, name)
		if Providers[e.Provider].KeyNeeded {
			assert.NotNil(t, e.Prices, "%s: a hosted model has its prices", name)
		}
	}
	assert.Equal(t, "honglyhly/DeepEyesV2_7B_1031", p["deepeyesv2-7b"].Model)
	assert.Equal(t, tasks.Generation{}, p["deepeyesv2-7b"].Generation, "the protocol's defaults decide")
	assert.Equal(t, tasks.ImagePolicy{Factor: 28, MinPixels: 3136, MaxPixels: 12845056}, p["qwen2.5-vl-72b-hermes"].Images)
	assert.Equal(t, "Qwen/Qwen2.5-VL-72B-Instruct", p["qwen2.5-vl-72b-hermes"].Model)
	assert.Equal(t, tasks.ImagePolicy{Factor: 32, MinPixels: 65536, MaxPixels: 16777216}, p["qwen3-vl-30b-a3b-native"].Images)
	assert.Equal(t, p, Presets())
}

// TestModelsFileProtocolAndImages: a models file's protocol and image policy are checked like
// the rest of it, every problem at its place.
func TestModelsFileProtocolAndImages(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "models.yaml")
	require.NoError(t, os.WriteFile(name, []byte("a:\n  provider: vllm\n  protocol: deepeyes3\n  images: {factor: -1, detail: ultra, quality: 101}\n  colour: red\n"), 0o644))
	_, err := ReadModels(name)
	require.Error(t, err)
	for _, want := range []string{
		name + `:3:13: model a: unknown protocol "deepeyes3" (want one of`,
		name + `:4:20: model a: images.factor must be in [0, 256], got -1`,
		name + `:4:32: model a: images.detail "ultra" is not one of low, high, auto`,
		name + `:4:48: model a: images.quality must be in [0, 100], got 101`,
		name + `:5:3: unknown field "colour" in a`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestModelsDocNamesEveryPreset keeps docs/models.md listing every shipped preset (a name
// written with braces, qwen2.5-vl-{7b,32b}-native, names each of its expansions).
func TestModelsDocNamesEveryPreset(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/models.md")
	require.NoError(t, err)
	names := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z0-9.{},-]+)`").FindAllStringSubmatch(string(doc), -1) {
		for _, n := range expandBraces(m[1]) {
			names[n] = true
		}
	}
	for name := range Presets() {
		assert.True(t, names[name], "docs/models.md does not name the preset %s", name)
	}
}

// expandBraces expands one {a,b} group of s.
func expandBraces(s string) []string {
	i, j := strings.Index(s, "{"), strings.Index(s, "}")
	if i < 0 || j < i {
		return []string{s}
	}
	var out []string
	for _, alt := range strings.Split(s[i+1:j], ",") {
		out = append(out, s[:i]+alt+s[j+1:])
	}
	return out
}
