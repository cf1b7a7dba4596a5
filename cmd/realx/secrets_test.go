package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks/source/hubtest"
)

// fakeSecrets are recognisable fake keys, each set in realx's environment by the secrets test:
// the model's and the judge's keys, the provider default, a search provider's key, and
// variables realx has no business reading. Every one is long and unique, so that finding a part of it is finding a leak.
var fakeSecrets = map[string]string{
	"REALX_SECRET_MODEL_KEY": "sk-model-fake-0c4e7a19d2b85f63",
	"REALX_SECRET_JUDGE_KEY": "sk-judge-fake-9b1d5e2c7f40a836",
	"OPENAI_API_KEY":         "sk-openai-fake-3f8a2c6e1d9b0574",
	"AWS_SECRET_ACCESS_KEY":  "aws-fake-5d2e8c1b7a4f9036e2b1",
	"HF_TOKEN":               "hf_fake_7e3a9c5b1d8f2604ab",
	"SERPER_API_KEY":         "serper-fake-4c7e1a9d3b2f8065",
}

// Secrets that live in the base URL instead of the environment: a query-string key and the
// password of the URL's userinfo.
const (
	urlQuerySecret    = "qs-fake-6a1f4d8e2c9b7350"
	urlPasswordSecret = "pw-fake-2b7e5a9d1c4f8063"
)

// leakyCode is the model's Python: everything in the sandbox where a key could hide — its
// environment, its pid 1's, its parent's, the files it can list — printed for the record.
const leakyCode = "<code>\n```python\nimport os, glob\nprint(dict(os.environ))\n" +
	"for p in ['/proc/1/environ', '/proc/self/environ', '/proc/%d/environ' % os.getppid()]:\n" +
	"    try:\n        print(p, open(p, 'rb').read())\n    except Exception as e:\n        print(p, e)\n" +
	"print(glob.glob('/*') + glob.glob('/tmp/*') + glob.glob('/realx/*'))\n```\n</code>"

// TestSecretsNeverWritten runs every command of realx as its own process with fake keys in its
// environment and in its base URLs, against endpoints that echo what they receive (the request
// URL and its Authorization header) in their answers and error bodies, and a model whose code
// prints the sandbox's environment. Nothing realx prints and no file it writes may hold any
// of the keys.
func TestSecretsNeverWritten(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	echo := func(r *runnertest.Request) string {
		return " [heard " + r.URL + " with " + r.Header.Get("Authorization") + "]"
	}
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		q := r.Last().Text
		switch {
		case strings.HasPrefix(q, "Look up "):
			return runnertest.Reply{Content: "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"" + strings.TrimPrefix(q, "Look up ") + "\"}}\n</tool_call>"}
		case strings.Contains(q, "<tool_response>"):
			return runnertest.Reply{Content: "<answer>330 m</answer>" + echo(r)}
		case strings.Contains(q, "1+1"):
			return runnertest.Reply{Status: 500, Body: `{"error":{"message":"boom` + echo(r) + `"}}`}
		case strings.Contains(q, "9-9"):
			return runnertest.Reply{Status: 400, Body: "bad request" + echo(r)}
		case r.Messages[0].Role == "system" && strings.Contains(r.Messages[0].Text, "<code>") && len(r.Messages) == 2:
			return runnertest.Reply{Content: leakyCode}
		case strings.Contains(r.Messages[0].Text, "<code>"):
			return runnertest.Reply{Content: "<answer>8</answer>" + echo(r)}
		}
		return runnertest.Reply{Content: arithReplies[q] + echo(r)}
	})
	judge := runnertest.NewServer(t)
	judge.Handle(func(r *runnertest.Request) runnertest.Reply {
		if strings.Contains(r.Last().Text, "Half of 10") {
			return runnertest.Reply{Status: 503, Body: "overloaded" + echo(r)}
		}
		return runnertest.Reply{Content: "The answers agree" + echo(r) + "\nYes"}
	})
	// The search provider echoes its key in its results, and in its refusal of the query "fail".
	serper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Q string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		heard := "heard " + r.URL.String() + " with " + r.Header.Get("X-API-KEY")
		w.Header().Set("Content-Type", "application/json")
		if body.Q == "fail" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"message": "Unauthorized: %s", "statusCode": 403}`, heard)
			return
		}
		fmt.Fprintf(w, `{"organic": [{"title": "Eiffel Tower (%s)", "link": "https://encyclopedia.example/eiffel?k=%s", "snippet": "330 m; %s", "position": 1}]}`,
			heard, r.Header.Get("X-API-KEY"), heard)
	}))
	t.Cleanup(serper.Close)
	withSecrets := func(srv interface{ URL() string }) string {
		u, err := url.Parse(srv.URL())
		require.NoError(t, err)
		u.User = url.UserPassword("realx", urlPasswordSecret)
		u.RawQuery = "api_key=" + urlQuerySecret
		return u.String()
	}
	modelURL, judgeURL := withSecrets(model), withSecrets(judge)
	serperURL := withSecrets(urlOf(serper.URL))

	writeFile(t, dir, "data.jsonl", arithData)
	suite := writeFile(t, dir, "suite.yaml", "name: arith\ndata: {path: data.jsonl}\nprompt:\n  user: \"{{.Question}}\"\n"+
		"judge:\n  steps:\n    - kind: math\n    - kind: llm\n      template: equivalence\n      model: judge-model\n      retries: 0\n")
	preds := writeFile(t, dir, "preds.jsonl", `{"id": "q3", "response": "five"}`+"\n"+`{"id": "q4", "response": "it is five"}`+"\n")
	rows := writeFile(t, dir, "rows.jsonl", `{"question": "Name the number after 4.", "prediction": "five", "answer": "5"}`+"\n")
	writeFile(t, dir, "search.jsonl", `{"id": "s1", "question": "Look up eiffel tower", "answer": "330 m"}`+"\n"+`{"id": "s2", "question": "Look up fail", "answer": "330 m"}`+"\n")
	searchSuite := writeFile(t, dir, "search.yaml", "name: looked\ndata: {path: search.jsonl}\nprompt:\n  user: \"{{.Question}}\"\n"+
		"judge: {kind: subem}\nagent: {protocol: hermes, tools: [search]}\nsearch: {provider: serper}\n")
	cachePath := filepath.Join(dir, "cache", "responses.sqlite")
	// A suite whose data is in a private repository of a hub that quotes the token back in
	// its refusals; and one that names a file the repository does not have.
	hub := hubtest.New(t)
	hub.Token, hub.EchoAuth = fakeSecrets["HF_TOKEN"], true
	hubSuite := hubSuiteOn(t, hub, dir, "hub.yaml")
	missing := writeFile(t, dir, "missing.yaml", "name: missing\ndata:\n  source: {repo: lab/colours, revision: "+hubRevision+
		", files: [{path: nope.tsv}]}\njudge: {kind: choice}\n")
	judgeFlags := []string{"--judge-base-url", judgeURL, "--judge-api-key-env", "REALX_SECRET_JUDGE_KEY"}

	var printed bytes.Buffer
	realxRun := func(args ...string) int {
		t.Helper()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), beMainEnv+"=1", "HF_ENDPOINT="+hub.URL, "REALX_DATA_CACHE="+filepath.Join(dir, "data-cache"))
		for k, v := range fakeSecrets {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout, cmd.Stderr = &printed, &printed
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return code
	}
	modelFlags := []string{"--model", "fake-model", "--base-url", modelURL, "--api-key-env", "REALX_SECRET_MODEL_KEY", "--retries", "0"}
	for _, args := range [][]string{
		{"list"},
		{"validate", suite, agentSuite},
		append(append([]string{"run", suite, "--out", "run", "--progress", "json", "--cache", "readwrite", "--cache-path", cachePath}, modelFlags...), judgeFlags...),
		append(append([]string{"run", suite, "--out", "run", "--progress", "lines"}, modelFlags...), judgeFlags...), // resumed
		append([]string{"run", filepath.Join(wd(t), agentSuite), "--out", "agent", "--progress", "none"}, modelFlags...),
		{"report", "run", "agent", "--format", "json"},
		{"report", "run", "--format", "md", "-o", "report.md"},
		{"report", "agent", "--table", "tools", "--format", "csv"},
		append([]string{"rejudge", "run", "--judge", "llm", "--out", "rejudged"}, judgeFlags...),
		append([]string{"score", suite, "--predictions", preds, "--out", "scored"}, judgeFlags...),
		append([]string{"judge", "--judge", "llm", "--in", rows, "--out", "judged.jsonl"}, judgeFlags...),
		{"merge", "run", "--out", "merged"},
		append([]string{"run", searchSuite, "--out", "searched", "--progress", "none", "--search", "record", "--search-store", "store",
			"--search-base-url", serperURL, "--record-model", "turns.jsonl", "--max-error-rate", "1"}, modelFlags...),
		{"run", searchSuite, "--out", "replayed", "--progress", "none", "--search", "replay", "--search-store", "store",
			"--replay-model", "turns.jsonl", "--max-error-rate", "1"},
		{"report", "searched", "replayed", "--table", "search"},
		{"search", "export", "store", "-o", "store.tar.gz"},
		{"search", "import", "store2", "store.tar.gz"},
		{"data", "pull", hubSuite, "--allow-private-urls"},
		append([]string{"run", hubSuite, "--out", "hub", "--progress", "none"}, modelFlags...),
	} {
		code := realxRun(args...)
		printed.WriteString("\n[exit " + args[0] + "] ")
		assert.NotEqual(t, 1, code, "realx %s failed:\n%s", strings.Join(args, " "), printed.String())
	}

	// A pull the hub refuses, quoting the token: realx says why, without it.
	assert.Equal(t, 1, realxRun("data", "pull", missing, "--allow-private-urls"))
	assert.Contains(t, printed.String(), "lab/colours has no file nope.tsv at revision "+hubRevision)

	// The runs did happen: the endpoints were called with the keys, and the sandbox ran the code.
	require.NotEmpty(t, model.Requests())
	assert.Equal(t, "Bearer "+fakeSecrets["REALX_SECRET_MODEL_KEY"], model.Requests()[0].Header.Get("Authorization"))
	require.NotEmpty(t, judge.Requests())
	assert.Equal(t, "Bearer "+fakeSecrets["REALX_SECRET_JUDGE_KEY"], judge.Requests()[0].Header.Get("Authorization"))
	require.NotEmpty(t, hub.Requests())
	for _, r := range hub.Requests() {
		if r.Server == "hub" {
			assert.Equal(t, "Bearer "+fakeSecrets["HF_TOKEN"], r.Authorization, "the hub gets its token")
		} else {
			assert.Empty(t, r.Authorization, "the CDN never gets the hub's token")
		}
	}
	assert.FileExists(t, filepath.Join(dir, "data-cache", "hf", "datasets", "lab", "colours", hubRevision, "colours.tsv"))
	agentLog, err := os.ReadFile(filepath.Join(dir, "agent", "results.jsonl"))
	require.NoError(t, err)
	require.Contains(t, string(agentLog), "/proc/1/environ", "the model's code did not run in the sandbox")
	searched, err := os.ReadFile(filepath.Join(dir, "searched", "results.jsonl"))
	require.NoError(t, err)
	require.Contains(t, string(searched), "Eiffel Tower (heard", "the search provider was not asked")
	require.FileExists(t, filepath.Join(dir, "store2", "realx-search-store.json"))

	secrets := []string{urlQuerySecret, urlPasswordSecret}
	for _, v := range fakeSecrets {
		secrets = append(secrets, v)
	}
	found := func(where string, data []byte) {
		for _, s := range secrets {
			// A third of a key is enough to call it leaked (a base64 or hex form would not
			// contain it, but realx writes keys in no such form either).
			for _, part := range []string{s, s[len(s)/3 : 2*len(s)/3]} {
				assert.False(t, bytes.Contains(data, []byte(part)), "%s holds (part of) the secret %s", where, s)
			}
		}
	}
	found("what realx printed", printed.Bytes())
	files := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		found(path, data)
		return nil
	}))
	assert.Greater(t, files, 15, "the commands wrote fewer files than expected")
}

// urlOf is a fixed URL, for withSecrets.
type urlOf string

// URL returns u.
func (u urlOf) URL() string { return string(u) }

// wd returns the test's working directory (the package's).
func wd(t *testing.T) string {
	d, err := os.Getwd()
	require.NoError(t, err)
	return d
}
