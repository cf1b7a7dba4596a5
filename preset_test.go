package realx

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

// TestResolvePresets: a shipped preset is found by name, with its protocol and image policy;
// --base-url points a local server's preset elsewhere; a hosted model's preset needs its key,
// and does not apply with --base-url (the name is then sent as it is, with no key); a models
// file's entry of the same name wins.
func TestResolvePresets(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OPENAI_API_KEY": "sk-test-key-123456"}
	getenv := func(k string) string { return env[k] }

	m, err := ResolveModel(ModelRef{Name: "deepeyesv2-7b", BaseURL: "http://gpu:8000/v1"}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "deepeyesv2-7b", m.Label)
	assert.Equal(t, "honglyhly/DeepEyesV2_7B_1031", m.Endpoint.Model)
	assert.Equal(t, "http://gpu:8000/v1", m.Endpoint.BaseURL)
	assert.Equal(t, "deepeyesv2", m.Protocol)
	assert.Equal(t, "--base-url", m.URLFrom)

	m, err = ResolveModel(ModelRef{Name: "qwen2.5-vl-7b-hermes"}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:8000/v1", m.Endpoint.BaseURL, "vLLM's default")
	assert.Equal(t, "hermes", m.Protocol)
	assert.Equal(t, 28, m.Images.Factor)

	m, err = ResolveModel(ModelRef{Name: "gpt-4o"}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "https://api.openai.com/v1", m.Endpoint.BaseURL)
	assert.Equal(t, "sk-test-key-123456", m.Endpoint.APIKey)
	assert.Equal(t, "native", m.Protocol)
	require.NotNil(t, m.Prices)
	_, err = ResolveModel(ModelRef{Name: "gemini-2.5-pro"}, getenv)
	assert.ErrorContains(t, err, "needs an API key in the environment variable OPENROUTER_API_KEY")

	m, err = ResolveModel(ModelRef{Name: "gpt-4o", BaseURL: "http://litellm:4000/v1"}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "gpt-4o", m.Endpoint.Model)
	assert.Empty(t, m.Endpoint.APIKey, "a hosted provider's key never goes to a URL of one's own")
	assert.Empty(t, m.Protocol)

	m, err = ResolveModel(ModelRef{Name: "deepeyesv2-7b", ModelsFile: "mine.yaml", ModelsNamed: true,
		Models: map[string]runners.ModelEntry{"deepeyesv2-7b": {Provider: "vllm", Model: "de2", Protocol: "hermes"}}}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "de2", m.Endpoint.Model)
	assert.Equal(t, "hermes", m.Protocol)

	m, err = ResolveModel(ModelRef{Name: "skywork-r1v4", ModelsFile: "mine.yaml", ModelsNamed: true,
		Models: map[string]runners.ModelEntry{"other": {Provider: "vllm"}}}, getenv)
	require.NoError(t, err, "a preset is found when the models file does not have the name")
	assert.Equal(t, "r1v4", m.Protocol)
	assert.Equal(t, "provider vllm's default", m.URLFrom)
}
