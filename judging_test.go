package realx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/tasks"
)

// TestProviderJudgeEndpoints: a judge model named PROVIDER:MODEL is served at the provider's
// endpoint, which realx chose; it gets the provider's own key variable, or one the user names,
// but a suite cannot send another variable's key there without Trust.
func TestProviderJudgeEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		judge, flag string
		trust       bool
		refused     string
	}{
		{name: "own key", judge: "model: openrouter:qwen", flag: ""},
		{name: "another variable", judge: "model: openrouter:qwen\n  api_key_env: OPENAI_API_KEY", refused: "the endpoint of provider openrouter (https://openrouter.ai/api/v1), which this file's judge model openrouter:qwen names, would be sent the key in $OPENAI_API_KEY"},
		{name: "another variable, trusted", judge: "model: openrouter:qwen\n  api_key_env: OPENAI_API_KEY", trust: true},
		{name: "the user's variable", judge: "model: openrouter:qwen", flag: "MY_ROUTER_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(`{"id": "q1", "question": "What is 2+2?", "answer": "4"}`+"\n"), 0o644))
			path := filepath.Join(dir, "suite.yaml")
			require.NoError(t, os.WriteFile(path, []byte("name: arith\ndata: {path: data.jsonl}\nprompt:\n  user: \"{{.Question}}\"\njudge:\n  kind: llm\n  template: equivalence\n  "+tc.judge+"\n"), 0o644))
			s, _, err := LoadSuite(path)
			require.NoError(t, err)
			jc := &JudgeConfig{Override: judges.Override{APIKeyEnv: tc.flag}, Trust: tc.trust}
			resolved := jc.Resolve(s.Judge)
			eps, problems := jc.endpoints(s.Name, judgeSource{suite: s, spec: &s.Judge}, s.Judge, resolved)
			if tc.refused != "" {
				require.Len(t, problems, 1)
				assert.Contains(t, problems[0].Error(), path+":8:", "at the judge's model")
				assert.Contains(t, problems[0].Error(), tc.refused)
				return
			}
			require.Empty(t, problems)
			require.Len(t, eps, 1)
			assert.Equal(t, "https://openrouter.ai/api/v1", eps[0].URL)
			assert.Contains(t, eps[0].URLFrom, "provider openrouter's default, for the model named by "+path+":8")
			assert.NotEmpty(t, eps[0].KeyEnv)
		})
	}
}

// TestManifestJudgeWithoutCredentials records a judge's endpoints in the manifest without the
// credentials their URLs hold, while the judge's id is that of the judge that ran.
func TestManifestJudgeWithoutCredentials(t *testing.T) {
	t.Parallel()
	spec := tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: "math"},
		{Kind: "llm", Template: "equivalence", Model: "j", BaseURL: "https://u:pw-secret@judge.example/v1?api_key=q-secret&x=1"}}}
	s := &tasks.Suite{Name: "s", Judge: spec}
	info := JudgeInfo(s, "id")
	assert.Equal(t, "https://judge.example/v1?x=1", info.Spec.Steps[1].BaseURL)
	assert.Equal(t, "id", info.ID)
	assert.Equal(t, spec.Steps[1].BaseURL, s.Judge.Steps[1].BaseURL, "the judge that runs keeps its URL")
}
