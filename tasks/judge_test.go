package tasks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCascadeDecodes(t *testing.T) {
	t.Parallel()
	s, err := LoadFile("testdata/cascade.good.yaml")
	require.NoError(t, err)
	j := s.Judge
	assert.True(t, j.IsCascade())
	assert.Equal(t, "", j.Kind)
	assert.Equal(t, []string{"strip_think", "answer_tag", "boxed"}, j.Extract)
	require.Len(t, j.Steps, 2)
	assert.Equal(t, "math", j.Steps[0].Kind)
	llm := j.Steps[1]
	assert.Equal(t, "llm", llm.Kind)
	assert.Equal(t, "grader", llm.Name)
	assert.Equal(t, "equivalence", llm.Verdict)
	assert.Equal(t, "Qwen2.5-72B-Instruct", llm.Model)
	assert.Equal(t, "http://localhost:8000/v1", llm.BaseURL)
	assert.Equal(t, "JUDGE_API_KEY", llm.APIKeyEnv)
	assert.Equal(t, 512, *llm.MaxTokens)
	assert.Equal(t, 2, *llm.Retries)
	want, err := os.ReadFile("testdata/prompts/grade.tmpl")
	require.NoError(t, err)
	assert.Equal(t, string(want), llm.TemplateText, "the template file is read when the suite loads")
}

func TestLoadJudgeFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.tmpl"), []byte("{{.Answer}}"), 0o644))
	good := filepath.Join(dir, "judge.yaml")
	require.NoError(t, os.WriteFile(good, []byte("steps:\n  - kind: math\n  - kind: llm\n    template_file: p.tmpl\n"), 0o644))
	jf, err := LoadJudgeFile(good)
	require.NoError(t, err)
	assert.Equal(t, good, jf.Source)
	assert.Len(t, jf.Digest, 64)
	require.Len(t, jf.Spec.Steps, 2)
	assert.Equal(t, "{{.Answer}}", jf.Spec.Steps[1].TemplateText, "relative to the judge file")

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("kind: llm\nmodle: x\nretries: -2\nsteps: [{rel_tol: -1}]\n"), 0o644))
	_, err = LoadJudgeFile(bad)
	require.Error(t, err)
	assert.Equal(t, bad+`:1:7: judge.kind "llm" does not go with judge.steps: a cascade's judges are its steps (leave kind out, or write cascade)`+"\n"+
		bad+`:2:1: unknown field "modle" in judge`+"\n"+
		bad+`:3:10: judge.retries must be in [0, 20], got -2`+"\n"+
		bad+`:4:9: judge.steps[0].kind is required`+"\n"+
		bad+`:4:19: judge.steps[0].rel_tol must be a number ≥ 0, got -1`, err.Error())

	for src, want := range map[string]string{
		"- kind: em\n":   ":1:1: a judge file is a mapping of keys",
		"kind: [em\n":    "invalid YAML",
		"":               "a judge file is a mapping of keys",
		"kind: {a: b}\n": ":1:7: judge.kind: expected a string, got a mapping",
	} {
		path := filepath.Join(dir, "x.yaml")
		require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
		_, err := LoadJudgeFile(path)
		assert.ErrorContains(t, err, want, src)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.tmpl"), []byte(" \n"), 0o644))
	require.NoError(t, os.WriteFile(bad, []byte("kind: llm\ntemplate_file: empty.tmpl\n"), 0o644))
	_, err = LoadJudgeFile(bad)
	assert.EqualError(t, err, bad+":2:16: judge.template_file: empty.tmpl is empty")

	_, err = LoadJudgeFile(filepath.Join(dir, "none.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
