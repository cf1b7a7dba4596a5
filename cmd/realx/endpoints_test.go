package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners/runnertest"
)

// The key a published suite tries to take, and its environment variable.
const (
	stolenEnv = "REALX_TEST_MY_TOKEN"
	stolenKey = "sk-test-must-stay-home-5be1"
)

// judgeSuite writes the arith suite with its LLM judge step given extra (YAML lines of that
// step, such as "base_url: URL"), its data, and the same judge as a judge file; it returns the
// suite's and the judge file's paths.
func judgeSuite(t *testing.T, dir string, extra ...string) (suite, judgeFile string) {
	t.Helper()
	step := "    - kind: llm\n      template: equivalence\n      model: judge-model\n      retries: 0\n"
	for _, e := range extra {
		step += "      " + e + "\n"
	}
	writeFile(t, dir, "data.jsonl", arithData)
	suite = writeFile(t, dir, "suite.yaml", "name: arith\ndata: {path: data.jsonl}\nprompt:\n  user: \"{{.Question}}\"\njudge:\n  steps:\n    - kind: math\n"+step)
	judgeFile = writeFile(t, dir, "judge.yaml", "steps:\n    - kind: math\n"+step)
	return suite, judgeFile
}

// lineOf returns the line (from 1) of the first line of the file at path holding s.
func lineOf(t *testing.T, path, s string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, s) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", path, s)
	return 0
}

// arithModel starts a fake model that answers the arith questions.
func arithModel(t *testing.T) *runnertest.Server {
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: arithReplies[r.Last().Text]}
	})
	return model
}

// authorizations returns the Authorization headers srv received, one per request.
func authorizations(srv *runnertest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Header.Get("Authorization"))
	}
	return out
}

// TestSuiteCannotTakeAKey runs, scores, rejudges and judges with a suite (and a judge file)
// whose LLM judge names its own endpoint and a key variable: every command exits 2 before any
// call, at the suite's line, saying what to do, and the suite's server receives nothing — no
// Authorization header, no request. With --trust-suite-endpoints the suite's server gets the
// key, and the endpoint is listed as chosen by the suite and trusted.
func TestSuiteCannotTakeAKey(t *testing.T) {
	t.Setenv(stolenEnv, stolenKey)
	thief := newFakeJudge(t)
	dir := t.TempDir()
	suite, judgeFile := judgeSuite(t, dir, "base_url: "+thief.srv.URL(), "api_key_env: "+stolenEnv)
	model := arithModel(t)
	preds := writeFile(t, dir, "preds.jsonl", `{"id":"q3","response":"five"}`+"\n")
	rows := writeFile(t, dir, "rows.jsonl", `{"question":"Name the number after 4.","prediction":"five","answer":"5"}`+"\n")

	// A run of the same suite graded by rules only, for rejudge to grade again.
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.Mkdir(plain, 0o755))
	writeFile(t, plain, "data.jsonl", arithData)
	plainSuite := writeFile(t, plain, "suite.yaml", "name: arith\ndata: {path: data.jsonl}\nprompt:\n  user: \"{{.Question}}\"\njudge: {kind: math}\n")
	ruled := filepath.Join(dir, "ruled")
	r := realxCLI(t, nil, "run", plainSuite, "--model", "m", "--base-url", model.URL(), "--out", ruled, "--progress", "none", "--max-error-rate", "1")
	require.NotEqual(t, 2, r.code, r.stderr)
	calls := len(model.Requests())

	suiteLine := fmt.Sprintf("%s:%d:", suite, lineOf(t, suite, "base_url:"))
	fileLine := fmt.Sprintf("%s:%d:", judgeFile, lineOf(t, judgeFile, "base_url:"))
	// An LLM extraction step (mathvista's extract: [llm]) is held to the same rule.
	extractFile := writeFile(t, dir, "extract.yaml", "kind: mathvista\nextract: [llm]\nmodel: gpt-4\nbase_url: "+thief.srv.URL()+"\napi_key_env: "+stolenEnv+"\n")
	extractLine := fmt.Sprintf("%s:%d:", extractFile, lineOf(t, extractFile, "base_url:"))
	for _, tc := range []struct {
		name, at string
		args     []string
	}{
		{"run", suiteLine, []string{"run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"), "--progress", "none"}},
		{"score", suiteLine, []string{"score", suite, "--predictions", preds, "--out", filepath.Join(dir, "scored")}},
		{"rejudge", fileLine, []string{"rejudge", ruled, "--judge", judgeFile, "--out", filepath.Join(dir, "rejudged")}},
		{"rejudge --suite", suiteLine, []string{"rejudge", ruled, "--suite", suite, "--allow-changed-data", "--out", filepath.Join(dir, "rejudged")}},
		{"judge", fileLine, []string{"judge", "--judge", judgeFile, "--in", rows}},
		{"judge, an extraction step", extractLine, []string{"judge", "--judge", extractFile, "--in", rows}},
		{"score, an extraction step", extractLine, []string{"score", suite, "--judge", extractFile, "--predictions", preds, "--out", filepath.Join(dir, "scored2")}},
	} {
		r := realxCLI(t, nil, tc.args...)
		assert.Equal(t, 2, r.code, "%s: %s", tc.name, r.stderr)
		assert.Contains(t, r.stderr, tc.at, tc.name)
		assert.Contains(t, r.stderr, "would be sent the key in $"+stolenEnv, tc.name)
		assert.Contains(t, r.stderr, "realx sends a key only to an endpoint you chose", tc.name)
		assert.Contains(t, r.stderr, "--judge-base-url URL", tc.name)
		assert.Contains(t, r.stderr, "--trust-suite-endpoints", tc.name)
		assert.NotContains(t, r.stderr, stolenKey, tc.name)
		assert.Empty(t, authorizations(thief.srv), "%s: the suite's server is never called", tc.name)
		assert.Len(t, model.Requests(), calls, "%s: nor is the model", tc.name)
	}

	// Trusted, the suite's endpoint gets the key, and the listing and the manifest say who
	// chose what.
	out := filepath.Join(dir, "trusted")
	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", out, "--progress", "none", "--trust-suite-endpoints")
	require.Equal(t, 0, r.code, r.stderr)
	require.NotEmpty(t, authorizations(thief.srv))
	for _, h := range authorizations(thief.srv) {
		assert.Equal(t, "Bearer "+stolenKey, h)
	}
	keyLine := fmt.Sprintf("%s:%d", suite, lineOf(t, suite, "api_key_env:"))
	judgeEP := reports.Endpoint{Role: "judge", Suite: "arith", Step: "llm:equivalence", Model: "judge-model", URL: thief.srv.URL(),
		URLFrom: strings.TrimSuffix(suiteLine, ":") + ", trusted by --trust-suite-endpoints", KeyEnv: stolenEnv, KeyFrom: keyLine}
	modelEP := reports.Endpoint{Role: "model", Model: "m", URL: model.URL(), URLFrom: "--base-url"}
	assert.Contains(t, r.stderr, "realx: endpoint: model: m at "+model.URL()+" (chosen by --base-url), sent no key\n")
	assert.Contains(t, r.stderr, "realx: endpoint: judge of arith (llm:equivalence): judge-model at "+thief.srv.URL()+
		" (chosen by "+judgeEP.URLFrom+"), sent the key in $"+stolenEnv+" (chosen by "+keyLine+")\n")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, []reports.Endpoint{modelEP, judgeEP}, m.Endpoints)
	assertNoKeyIn(t, dir)
}

// assertNoKeyIn fails when any file under dir holds the stolen key.
func assertNoKeyIn(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil {
			assert.NotContains(t, string(data), stolenKey, path)
		}
		return err
	}))
}

// TestJudgeEndpointChoices covers who may choose the judge's endpoint and its key: a suite may
// name its endpoint with no key (it is called, sent no key), or a key variable for the user's
// endpoint (--judge-base-url, which gets that key); a suite's endpoint with the user's key
// variable is refused like one with its own.
func TestJudgeEndpointChoices(t *testing.T) {
	t.Setenv(stolenEnv, stolenKey)
	model := arithModel(t)

	t.Run("suite endpoint without a key", func(t *testing.T) {
		judge := newFakeJudge(t)
		dir := t.TempDir()
		suite, _ := judgeSuite(t, dir, "base_url: "+judge.srv.URL())
		out := filepath.Join(dir, "run")
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", out, "--progress", "none")
		require.Equal(t, 0, r.code, r.stderr)
		require.NotEmpty(t, judge.srv.Requests())
		for _, h := range authorizations(judge.srv) {
			assert.Empty(t, h, "no key is sent to the suite's endpoint")
		}
		assert.Contains(t, r.stderr, fmt.Sprintf("judge-model at %s (chosen by %s:%d), sent no key", judge.srv.URL(), suite, lineOf(t, suite, "base_url:")))
	})

	t.Run("suite key variable for the user's endpoint", func(t *testing.T) {
		judge := newFakeJudge(t)
		dir := t.TempDir()
		suite, _ := judgeSuite(t, dir, "api_key_env: "+stolenEnv)
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"), "--progress", "none",
			"--judge-base-url", judge.srv.URL())
		require.Equal(t, 0, r.code, r.stderr)
		require.NotEmpty(t, judge.srv.Requests())
		for _, h := range authorizations(judge.srv) {
			assert.Equal(t, "Bearer "+stolenKey, h)
		}
		assert.Contains(t, r.stderr, fmt.Sprintf("(chosen by --judge-base-url), sent the key in $%s (chosen by %s:%d)", stolenEnv, suite, lineOf(t, suite, "api_key_env:")))
	})

	t.Run("suite endpoint with the user's key variable", func(t *testing.T) {
		judge := newFakeJudge(t)
		dir := t.TempDir()
		suite, _ := judgeSuite(t, dir, "base_url: "+judge.srv.URL())
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"), "--progress", "none",
			"--judge-api-key-env", stolenEnv)
		assert.Equal(t, 2, r.code, r.stderr)
		assert.Contains(t, r.stderr, "would be sent the key in $"+stolenEnv+" (chosen by --judge-api-key-env)")
		assert.Empty(t, judge.srv.Requests())
	})
}
