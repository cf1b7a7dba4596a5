package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners/runnertest"
)

// math500Answers maps each MATH-500 problem to its gold answer, so that a fake model can answer
// from the prompt it gets.
func math500Answers(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(repoFile("benchmarks", "math500", "test.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct{ Problem, Answer string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		out[r.Problem] = r.Answer
	}
	return out
}

// answerFromPrompt finds the problem in the last user message and answers it: correctly, or,
// when wrong(problem) says so, plus one.
func answerFromPrompt(t *testing.T, gold map[string]string, wrong func(problem string) bool) func(r *runnertest.Request) runnertest.Reply {
	return func(r *runnertest.Request) runnertest.Reply {
		text := r.Last().Text
		for problem, answer := range gold {
			if strings.HasPrefix(text, problem) {
				if wrong(problem) {
					answer = "(" + answer + ")+1"
				}
				return runnertest.Reply{Content: "Let me think.\nThe final answer is $\\boxed{" + answer + "}$."}
			}
		}
		t.Errorf("fake model: no MATH-500 problem in prompt %q", text)
		return runnertest.Reply{Status: 400}
	}
}

func readResults(t *testing.T, dir string) []*reports.Result {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	defer f.Close()
	rd := reports.NewReader(f, "results.jsonl")
	var out []*reports.Result
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		out = append(out, rd.Result())
	}
	require.NoError(t, rd.Err())
	return out
}

// TestRunMath500 runs 20 MATH-500 samples against the fake endpoint: 20 records are written,
// the report shows them, and the suite's temperature 0 reaches the wire.
func TestRunMath500(t *testing.T) {
	for _, stream := range []bool{false, true} {
		name := "json"
		if stream {
			name = "stream"
		}
		t.Run(name, func(t *testing.T) {
			srv := runnertest.NewServer(t)
			gold := math500Answers(t)
			var mu sync.Mutex
			wrongs := map[string]bool{}
			srv.Handle(answerFromPrompt(t, gold, func(problem string) bool {
				mu.Lock()
				defer mu.Unlock()
				// Every fourth distinct problem is answered wrongly.
				if _, seen := wrongs[problem]; !seen {
					wrongs[problem] = len(wrongs)%4 == 3
				}
				return wrongs[problem]
			}))
			dir := filepath.Join(t.TempDir(), "run")
			args := []string{"run", "math500", "--model", "fake-model", "--base-url", srv.URL(), "--limit", "20", "-c", "4", "--out", dir}
			if stream {
				args = append(args, "--stream")
			}
			r := realxCLI(t, nil, args...)
			require.Equal(t, 0, r.code, r.stderr)

			results := readResults(t, dir)
			require.Len(t, results, 20)
			ids := map[string]bool{}
			pass := 0
			for _, res := range results {
				ids[res.ID] = true
				assert.Nil(t, res.Error)
				assert.Equal(t, "math500", res.Suite)
				assert.Equal(t, "fake-model", res.Model)
				assert.NotEmpty(t, res.Capability)
				assert.Positive(t, res.Tokens.Total)
				if res.Pass {
					pass++
					assert.NotEmpty(t, res.Extracted)
				}
			}
			assert.Len(t, ids, 20)
			assert.Equal(t, 15, pass)

			reqs := srv.Requests()
			require.Len(t, reqs, 20)
			for _, req := range reqs {
				assert.Contains(t, string(req.Body), `"temperature":0`, "temperature 0 must be sent")
				assert.Equal(t, stream, req.Stream)
				assert.Equal(t, "fake-model", req.Model)
			}

			assert.Regexp(t, `overall\s+│\s+75\.0\s+│\s+20/20\s`, r.stdout)
			rep := realxCLI(t, nil, "report", dir, "--format", "json")
			require.Equal(t, 0, rep.code, rep.stderr)
			var table reports.Table
			require.NoError(t, json.Unmarshal([]byte(rep.stdout), &table))
			assert.Equal(t, 20, table.Overall.Cells[0].Graded)
			assert.InDelta(t, 75.0, table.Overall.Cells[0].Accuracy, 1e-9)
		})
	}
}

// TestRunEndpointErrorsAreNotWrongAnswers records samples whose request failed as model errors:
// the run goes on, accuracy counts only graded samples, and the run exits 4 (incomplete)
// unless --max-error-rate allows that many samples without a verdict.
func TestRunEndpointErrorsAreNotWrongAnswers(t *testing.T) {
	srv := runnertest.NewServer(t)
	gold := math500Answers(t)
	ok := answerFromPrompt(t, gold, func(string) bool { return false })
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if strings.Contains(r.Last().Text, "polar coordinates") {
			return runnertest.Reply{Status: 400, Body: `{"error":{"message":"bad request","type":"invalid_request_error"}}`}
		}
		return ok(r)
	})
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "run", "math500", "--model", "m", "--base-url", srv.URL(), "--limit", "5", "-c", "1", "--out", dir, "--format", "json",
		"--max-error-rate", "0.2")
	require.Equal(t, 0, r.code, r.stderr)
	results := readResults(t, dir)
	require.Len(t, results, 5)
	errs := 0
	for _, res := range results {
		if res.Error != nil {
			errs++
			assert.Equal(t, reports.ErrModel, res.Error.Class)
			assert.False(t, res.Pass)
		}
	}
	assert.Equal(t, 1, errs)
	var table reports.Table
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &table))
	assert.Equal(t, 4, table.Overall.Cells[0].Graded)
	assert.Equal(t, 1, table.Overall.Cells[0].Errored)
	assert.InDelta(t, 100.0, table.Overall.Cells[0].Accuracy, 1e-9)

	// Without --max-error-rate, the same run exits 4 (the model error runs again, and fails).
	r = realxCLI(t, nil, "run", "math500", "--model", "m", "--base-url", srv.URL(), "--limit", "5", "-c", "1", "--out", dir)
	assert.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: incomplete: 1 of 5 samples without a verdict (1 model)")
}

// TestRunImagesAndMissingImages sends MathVista's shipped images as data URLs and records the
// samples whose image is not shipped as input errors, without a model call, with the hint to
// give --image-root.
func TestRunImagesAndMissingImages(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: "The answer is 0."} })
	dir := filepath.Join(t.TempDir(), "run")
	// pid 106 is the 106th record; its image ships with realx, the others before it do not.
	r := realxCLI(t, nil, "run", "mathvista-testmini", "--model", "m", "--base-url", srv.URL(), "--limit", "106", "--out", dir)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "incomplete: 105 of 106 samples without a verdict (105 input)")
	results := readResults(t, dir)
	require.Len(t, results, 106)
	var graded *reports.Result
	for _, res := range results {
		if res.ID == "106" {
			graded = res
			continue
		}
		require.NotNil(t, res.Error, res.ID)
		assert.Equal(t, reports.ErrInput, res.Error.Class)
		assert.Contains(t, res.Error.Message, "images/"+res.ID+".jpg")
		assert.Contains(t, res.Error.Message, "give --image-root DIR")
	}
	require.NotNil(t, graded)
	assert.Nil(t, graded.Error)
	assert.True(t, graded.Pass, "gold is 0")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	msg := reqs[0].Last()
	require.Equal(t, 1, msg.Images)
	assert.True(t, strings.HasPrefix(msg.ImageURLs[0], "data:image/png;base64,"), "the .jpg is really a PNG")
	assert.Contains(t, msg.Text, "Question: How many bars have values smaller than 1?")
}

// TestRunKeepsTheKeySecret sends the key from the named environment variable and writes it
// nowhere.
func TestRunKeepsTheKeySecret(t *testing.T) {
	const secret = "sk-realx-test-0123456789abcdef"
	t.Setenv("REALX_TEST_KEY", secret)
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: `\boxed{1}`} })
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "run", "aime24", "--model", "m", "--base-url", srv.URL(), "--api-key-env", "REALX_TEST_KEY", "--limit", "2", "--out", dir)
	require.Equal(t, 0, r.code, r.stderr)
	for _, req := range srv.Requests() {
		assert.Equal(t, "Bearer "+secret, req.Header.Get("Authorization"))
	}
	require.NoError(t, filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		require.NoError(t, err)
		if info.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(data, []byte(secret)), "%s holds the key", path)
		return nil
	}))
	m, err := reports.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, "REALX_TEST_KEY", m.Model.APIKeyEnv)
	assert.NotContains(t, r.stdout+r.stderr, secret)
}

// TestRunConfigErrorsBeforeAnyCall checks that a bad suite stops the run with exit 2 before the
// endpoint hears anything.
func TestRunConfigErrorsBeforeAnyCall(t *testing.T) {
	srv := runnertest.NewServer(t)
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"1"}`+"\n")
	bad := writeFile(t, dir, "bad.yaml", "name: bad\ndata:\n  path: data.jsonl\njudge:\n  kind: nope\n")
	r := realxCLI(t, nil, "run", "math500", bad, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "run"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, bad+":5:9:")
	assert.Empty(t, srv.Requests())

	r = realxCLI(t, nil, "run", "math500", "--model", "openai:gpt-4o", "--api-key-env", "REALX_SURELY_UNSET_KEY", "--out", filepath.Join(dir, "run2"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "REALX_SURELY_UNSET_KEY")
}

// TestRunWithoutAnyVerdictExits4 exits 4 when no sample of a run has a verdict — the endpoint
// refuses every request — whatever --max-error-rate says; nothing listening at the base URL is
// a run-fatal error before the first sample (exit 1); a base URL that is not one is a
// configuration error before any call.
func TestRunWithoutAnyVerdictExits4(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Status: 400, Body: `{"error":{"message":"bad request: context length","type":"invalid_request_error"}}`}
	})
	dir := t.TempDir()
	suite := synthSuite(t, dir, 3)
	for name, url := range map[string]string{"refused": "http://127.0.0.1:1/v1", "400": srv.URL()} {
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", url, "--out", filepath.Join(dir, name), "--progress", "none",
			"--retries", "0", "--max-error-rate", "1")
		if name == "refused" {
			assert.Equal(t, 1, r.code, "%s: %s", name, r.stderr)
			assert.Contains(t, r.stderr, "cannot be reached", name)
			continue
		}
		assert.Equal(t, exitIncomplete, r.code, "%s: %s", name, r.stderr)
		assert.Contains(t, r.stderr, "realx: incomplete: none of the 3 samples has a verdict (3 model)", name)
	}
	n := len(srv.Requests())
	for _, bad := range []string{"notaurl", "localhost:8000/v1", "ftp://x/v1", "http:///v1"} {
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", bad, "--out", filepath.Join(dir, "bad"), "--progress", "none")
		assert.Equal(t, 2, r.code, "%s: %s", bad, r.stderr)
		assert.Contains(t, r.stderr, "want an http:// or https:// URL", bad)
	}
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "bad"), "--max-error-rate", "1.5")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--max-error-rate must be between 0 and 1")
	assert.Len(t, srv.Requests(), n, "no call from a refused command")
	_, err := os.Stat(filepath.Join(dir, "bad"))
	assert.True(t, os.IsNotExist(err), "no run directory for a refused command")
}

// TestRunFlagErrorsBeforeAnyCall refuses, with exit 2 and before any model call, flag values
// the suite schema would refuse, a parameter set both by flag and in --extra, and an unknown
// --format.
func TestRunFlagErrorsBeforeAnyCall(t *testing.T) {
	srv, dir, suite := synthSetup(t, 2)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--temperature", "-1", "--top-p", "5", "--max-tokens", "-5"},
			"--temperature must be ≥ 0, got -1; --top-p must be in (0, 1], got 5; --max-tokens must be ≥ 1, got -5"},
		{[]string{"--top-p", "0"}, "--top-p must be in (0, 1], got 0"},
		{[]string{"--temperature", "0.7", "--extra", `{"temperature":1.5}`}, "suite synth: temperature is set both as a generation parameter"},
		{[]string{"--extra", `{"top_p":0.5,"model":"x"}`}, `generation extra cannot set "model"`},
		{[]string{"--format", "xml"}, `unknown --format "xml"`},
	} {
		args := append([]string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "run"), "--progress", "none"}, tc.flags...)
		r := realxCLI(t, nil, args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.flags, r.stderr)
		assert.Contains(t, r.stderr, tc.want, tc.flags)
	}
	assert.Empty(t, srv.Requests())
	// The suite's temperature (0) in extra too is refused as well.
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "run"), "--extra", `{"temperature":1}`)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Empty(t, srv.Requests())
}

// TestRunAPIKeyEnv refuses --api-key-env naming an unset variable; a local provider's default
// variable may be unset.
func TestRunAPIKeyEnv(t *testing.T) {
	srv, dir, suite := synthSetup(t, 1)
	t.Setenv("REALX_TEST_UNSET_KEY", "")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--api-key-env", "REALX_TEST_UNSET_KEY", "--out", filepath.Join(dir, "a"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--api-key-env REALX_TEST_UNSET_KEY: REALX_TEST_UNSET_KEY is not set")
	assert.Empty(t, srv.Requests())
	t.Setenv("VLLM_API_KEY", "")
	r = realxCLI(t, nil, "run", suite, "--model", "vllm:m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "b"), "--progress", "none")
	assert.Equal(t, 0, r.code, r.stderr)
	r = realxCLI(t, nil, "run", suite, "--model", "vllm:m", "--base-url", srv.URL(), "--api-key-env", "VLLM_API_KEY", "--out", filepath.Join(dir, "c"))
	assert.Equal(t, 2, r.code, "named on purpose, it must be set: %s", r.stderr)
}

// TestRunRecordsNoCredentialsOfTheURL writes the base URL into the manifest (its base_url and
// its command) without the user and password it carries.
func TestRunRecordsNoCredentialsOfTheURL(t *testing.T) {
	srv, dir, suite := synthSetup(t, 1)
	withUser := strings.Replace(srv.URL(), "http://", "http://user:hunter2@", 1)
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url="+withUser, "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, srv.Requests(), 1)
	data, err := os.ReadFile(filepath.Join(out, reports.ManifestFile))
	require.NoError(t, err)
	assert.NotContains(t, string(data), "hunter2")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, srv.URL(), m.Model.BaseURL)
	assert.Contains(t, m.Command, "--base-url="+srv.URL())
	assert.NotContains(t, r.stdout+r.stderr, "hunter2")
	// The same command resumes the same run.
	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", withUser, "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
}

// TestRunImageURLFetchFailure records an image URL that cannot be fetched as an input error
// that says so, and fetches it again when the sample runs again.
func TestRunImageURLFetchFailure(t *testing.T) {
	srv, dir, _ := synthSetup(t, 0)
	writeFile(t, dir, "url.jsonl", `{"id":"q0","question":"q0: what is 0 plus 7?","answer":"7","image":"http://127.0.0.1:1/cat.png"}`+"\n")
	suite := writeFile(t, dir, "url.yaml", "name: url\ndata: {path: url.jsonl, fields: {images: [image]}}\nprompt: {user: \"{{.Question}}\"}\njudge: {kind: exact}\n")
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none"}
	r := realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	res := readResults(t, out)
	require.Len(t, res, 1)
	assert.Equal(t, reports.ErrInput, res[0].Error.Class)
	assert.Contains(t, res[0].Error.Message, `fetching image "http://127.0.0.1:1/cat.png" failed`)
	r = realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "0 samples finished, 1 to run")
	assert.Empty(t, srv.Requests())
}

// TestRunProgressJSON checks the events of a whole run: a start, one per sample, an end.
func TestRunProgressJSON(t *testing.T) {
	srv, dir, suite := synthSetup(t, 5)
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "1", "--out", filepath.Join(dir, "run"), "--progress", "json")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	require.GreaterOrEqual(t, len(lines), 8)
	assert.Equal(t, `{"endpoint":{"role":"model","model":"m","url":"`+srv.URL()+`","url_from":"--base-url"},"event":"endpoint"}`, lines[0])
	lines = lines[1:]
	assert.Equal(t, `{"done":0,"event":"start","todo":5,"total":5}`, lines[0])
	for i := 1; i <= 5; i++ {
		assert.Contains(t, lines[i], `"event":"sample"`)
	}
	assert.Contains(t, lines[6], `"event":"end"`)
	assert.Contains(t, lines[6], `"accuracy":80`)
	assert.Contains(t, lines[6], `"done":5`)
}
