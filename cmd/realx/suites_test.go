package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
	"github.com/realx-bench/realx/tasks/source/hubtest"
)

// This file runs every shipped suite that pulls its data (data.source) end to end, offline: a
// row of TestSuitesRunOnFixtures gives a suite's fixture (a few records in the format of its
// real data, made by the test), a scripted model that answers them in a seed model's protocol,
// and, for an LLM judge, a scripted judge; the harness serves the fixture as the suite's
// source (the fake hub, or a local server in place of its URLs), pulls it with `realx data
// pull`, and runs the suite against the fake endpoint. A search suite's searches are recorded
// from the row's offline corpus into a store, then the suite runs again with them replayed.

// suiteFixture is what a row's fixture builder makes of a suite's data.
type suiteFixture struct {
	// Files are the source's files, by their path in the repository (for a glob, a path that
	// matches it) or, for a source of URLs, the path the suite gives the file.
	Files map[string][]byte
	// Corpus, for a suite that calls search tools, is the offline corpus the run's searches are
	// recorded from before they are replayed; CorpusImages are its images, by the path its
	// documents give them.
	Corpus       []corpusDoc
	CorpusImages map[string][]byte
}

// corpusDoc is a document of an offline search corpus (a line of its JSON Lines file).
type corpusDoc struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	URL    string   `json:"url"`
	Text   string   `json:"text"`
	Images []string `json:"images,omitempty"`
}

// suiteRow is one shipped suite run end to end on its fixture.
type suiteRow struct {
	// suite is the shipped suite's name.
	suite string
	// fixture makes the suite's data in the format of its real data.
	fixture func(t *testing.T) suiteFixture
	// model is the run's --model (a preset such as deepeyesv2-7b, or a label); args are more
	// run flags (--protocol, --tools).
	model string
	args  []string
	// reply is the scripted model, answering each request of the run.
	reply func(t *testing.T, r *runnertest.Request) runnertest.Reply
	// judge, for a suite with an LLM judge, is the scripted judge; the run points the judge at
	// it with REALX_JUDGE_BASE_URL and REALX_JUDGE_MODEL, as a user points it at a server.
	judge func(t *testing.T, r *runnertest.Request) runnertest.Reply
	// accuracy is the overall accuracy the run must print ("75.0"), over n samples, every one
	// of them graded.
	accuracy string
	n        int
	// check, when set, asserts more of the finished run (its output directory).
	check func(t *testing.T, run string)
}

// suiteRows are the rows of TestSuitesRunOnFixtures. Each file of rows adds its own in an init
// function (suites_search_test.go, …), so that files of rows do not touch one another.
var suiteRows []suiteRow

// TestSuitesRunOnFixtures runs each row's suite as shipped but for its data source: validated
// by name, its fixture pulled from a fake hub (or a local server standing for its URLs) into a
// fresh data cache, then run against the fake endpoint with its scripted model (and judge),
// searches recorded from the row's corpus and replayed; both runs must print the row's
// accuracy.
func TestSuitesRunOnFixtures(t *testing.T) {
	require.NotEmpty(t, suiteRows)
	for _, row := range suiteRows {
		t.Run(row.suite, func(t *testing.T) { runSuiteRow(t, row) })
	}
}

// runSuiteRow runs one row of TestSuitesRunOnFixtures.
func runSuiteRow(t *testing.T, row suiteRow) {
	dir := t.TempDir()
	t.Setenv("REALX_DATA_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("HF_TOKEN", "")
	for _, v := range []string{"REALX_JUDGE_MODEL", "REALX_JUDGE_BASE_URL", "REALX_JUDGE_API_KEY_ENV"} {
		t.Setenv(v, "")
	}

	r := realxCLI(t, nil, "validate", row.suite)
	require.Equal(t, 0, r.code, "the shipped suite validates:\n%s", r.stderr)
	s, err := benchmarks.Load(row.suite)
	require.NoError(t, err)
	require.NotNil(t, s.Data.Source, "the suite pulls its data")

	fx := row.fixture(t)
	suite := fixtureSuite(t, dir, s, fx)
	r = realxCLI(t, nil, "data", "pull", suite, "--allow-private-urls")
	require.Equal(t, 0, r.code, "pull:\n%s", r.stderr)

	model := runnertest.NewServer(t)
	model.Handle(func(req *runnertest.Request) runnertest.Reply { return row.reply(t, req) })
	if row.judge != nil {
		judge := runnertest.NewServer(t)
		judge.Handle(func(req *runnertest.Request) runnertest.Reply { return row.judge(t, req) })
		t.Setenv("REALX_JUDGE_BASE_URL", judge.URL())
		t.Setenv("REALX_JUDGE_MODEL", "scripted-judge")
	}

	base := append([]string{"run", suite, "--model", row.model, "--base-url", model.URL(), "--progress", "none", "-c", "1"}, row.args...)
	overall := regexp.MustCompile(fmt.Sprintf(`│ overall +│ +%s │ %d/%d │`, regexp.QuoteMeta(row.accuracy), row.n, row.n))
	out := filepath.Join(dir, "run")
	if len(fx.Corpus) > 0 {
		corpus := writeCorpus(t, filepath.Join(dir, "corpus"), fx)
		store := filepath.Join(dir, "store")
		r = realxCLI(t, nil, append(base, "--out", filepath.Join(dir, "recorded"),
			"--search", "record", "--search-store", store, "--search-provider", "none", "--search-corpus", corpus)...)
		require.Equal(t, 0, r.code, "the recording run:\n%s", r.stderr)
		assert.Regexp(t, overall, r.stdout, "the recording run")
		base = append(base, "--search", "replay", "--search-store", store)
	}
	r = realxCLI(t, nil, append(base, "--out", out)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, overall, r.stdout)
	if len(fx.Corpus) > 0 {
		assert.Contains(t, r.stderr, "realx: searches (replay): ")
	}
	results := readResults(t, out)
	require.Len(t, results, row.n)
	for _, res := range results {
		assert.True(t, res.Graded(), "%s: %+v", res.ID, res.Error)
	}
	if row.check != nil {
		row.check(t, out)
	}
}

// fixtureSuite serves fx as the data source of s and writes, in dir, the suite file the test
// runs: the shipped suite's YAML with its source's sample count dropped (a fixture is small),
// and, for a source of URLs, each URL replaced by a local server's and its pins dropped (the
// fixture is not the real file). A repository goes on the fake hub ($HF_ENDPOINT) at the
// suite's commit, or, for a branch, at a commit of the hub's that the branch resolves to.
func fixtureSuite(t *testing.T, dir string, s *tasks.Suite, fx suiteFixture) string {
	t.Helper()
	src := s.Data.Source
	raw, err := benchmarks.FS.ReadFile(path.Join(s.Name, benchmarks.SuiteFile))
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	source := yamlKey(yamlKey(doc.Content[0], "data"), "source")
	require.NotNil(t, source)
	yamlDelete(source, "samples")

	if src.Repo != "" {
		hub := hubtest.New(t)
		commit := src.Revision
		if src.IsBranch() {
			commit = "feedface" + strings.Repeat("0", 32)
		}
		hub.Add(src.Repo, commit, false, fx.Files)
		if src.IsBranch() && src.Revision != "main" {
			hub.Branch(src.Repo, src.Revision)
		}
		t.Setenv("HF_ENDPOINT", hub.URL)
		for _, f := range yamlKey(source, "files").Content {
			yamlDelete(f, "sha256")
			yamlDelete(f, "md5")
			yamlDelete(f, "size")
		}
	} else {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			data, ok := fx.Files[strings.TrimPrefix(r.URL.Path, "/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write(data)
		}))
		t.Cleanup(srv.Close)
		for _, f := range yamlKey(source, "files").Content {
			p := yamlKey(f, "path")
			require.NotNil(t, p, "a file of a source of URLs names its path")
			require.Contains(t, fx.Files, p.Value, "the fixture has the suite's file")
			yamlKey(f, "url").Value = srv.URL + "/" + p.Value
			yamlDelete(f, "sha256")
			yamlDelete(f, "md5")
			yamlDelete(f, "size")
		}
	}
	b, err := yaml.Marshal(&doc)
	require.NoError(t, err)
	return writeFile(t, dir, "suite.yaml", string(b))
}

// yamlKey returns the value of key in the mapping node m, or nil.
func yamlKey(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// yamlDelete removes key from the mapping node m.
func yamlDelete(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// writeCorpus writes fx's offline corpus in dir, its documents and images, and returns the
// corpus file.
func writeCorpus(t *testing.T, dir string, fx suiteFixture) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	var b strings.Builder
	for _, d := range fx.Corpus {
		line, err := json.Marshal(d)
		require.NoError(t, err)
		b.Write(append(line, '\n'))
	}
	for p, data := range fx.CorpusImages {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), data, 0o644))
	}
	return writeFile(t, dir, "corpus.jsonl", b.String())
}

// scriptedQA is what a scripted model knows of one sample: a text its question holds, the
// query it searches for, and its answer.
type scriptedQA struct {
	question, query, answer string
}

// scriptedSample returns the sample of qa whose question the request's first user message
// holds.
func scriptedSample(t *testing.T, qa []scriptedQA, r *runnertest.Request) scriptedQA {
	t.Helper()
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		for _, s := range qa {
			if strings.Contains(m.Text, s.question) {
				return s
			}
		}
		break
	}
	t.Errorf("the scripted model got a question it does not know: %+v", r.Messages)
	return scriptedQA{}
}

// deepEyesV2Searcher is a scripted model in DeepEyesV2's format: it searches for the sample's
// query, then answers, in <answer> tags.
func deepEyesV2Searcher(qa ...scriptedQA) func(t *testing.T, r *runnertest.Request) runnertest.Reply {
	return func(t *testing.T, r *runnertest.Request) runnertest.Reply {
		s := scriptedSample(t, qa, r)
		if assistantTurns(r) == 0 {
			return runnertest.Reply{Content: "<think>I need to look this up.</think>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"" + s.query + "\"}}\n</tool_call>",
				Usage: &runners.Usage{Prompt: 800, Completion: 40}}
		}
		return runnertest.Reply{Content: "<think>The search result says it.</think>\n<answer>" + s.answer + "</answer>", Usage: &runners.Usage{Prompt: 1200, Completion: 30}}
	}
}

// r1v4Searcher is a scripted model in Skywork-R1V4's format: a text search for the sample's
// query, then its answer.
func r1v4Searcher(qa ...scriptedQA) func(t *testing.T, r *runnertest.Request) runnertest.Reply {
	return func(t *testing.T, r *runnertest.Request) runnertest.Reply {
		s := scriptedSample(t, qa, r)
		if assistantTurns(r) == 0 {
			return runnertest.Reply{Content: "<think>I need to look this up.</think>\n<tool_call>{\"name\": \"text_search\", \"arguments\": {\"queries\": [\"" + s.query + "\"]}}</tool_call>"}
		}
		return runnertest.Reply{Content: "<think>The search result says it.</think>\n<answer>" + s.answer + "</answer>"}
	}
}

// judgeAccepting is a scripted LLM judge for a template whose reply ends in a verdict: it
// passes an answer when the prompt holds one of accepted (the answers it deems right) and
// fails any other, replying as the template asks (pass and fail are its two replies).
func judgeAccepting(pass, fail string, accepted ...string) func(t *testing.T, r *runnertest.Request) runnertest.Reply {
	return func(t *testing.T, r *runnertest.Request) runnertest.Reply {
		prompt := r.Last().Text
		for _, a := range accepted {
			if strings.Contains(prompt, a) {
				return runnertest.Reply{Content: pass}
			}
		}
		return runnertest.Reply{Content: fail}
	}
}

// verifyJudge is judgeAccepting for DeepEyesV2's verify.md judge.
func verifyJudge(accepted ...string) func(t *testing.T, r *runnertest.Request) runnertest.Reply {
	return judgeAccepting("<think>一致</think>\n\\boxed{Yes}", "<think>不一致</think>\n\\boxed{No}", accepted...)
}

// pngOf returns a small PNG of one colour, so that each fixture image is its own.
func pngOf(t *testing.T, c uint32) []byte {
	t.Helper()
	return drawFlag(t, flagDesign{draw: func(_, _ float64) color.RGBA { return hex(c) }}, 32, 24)
}
