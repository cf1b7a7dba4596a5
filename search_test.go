package realx_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/search"
)

// searchSuite writes a one-question suite whose hermes agent calls search, with its search
// block, and a two-document corpus, and returns its path.
func searchSuite(t *testing.T, dir, block string) string {
	t.Helper()
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("data.jsonl", `{"id": "q1", "question": "How tall is the Eiffel Tower?", "answer": "330 m"}`+"\n")
	write("corpus.jsonl", `{"id": "eiffel", "title": "Eiffel Tower", "url": "https://encyclopedia.example/eiffel", "text": "The Eiffel Tower is 330 m tall."}`+"\n"+
		`{"id": "louvre", "title": "Louvre", "text": "The Louvre is a museum."}`+"\n")
	path := filepath.Join(dir, "suite.yaml")
	write("suite.yaml", "name: s\ndata: {path: data.jsonl}\njudge: {kind: subem}\nagent: {protocol: hermes, tools: [search]}\n"+block)
	return path
}

// searcher is a model that searches once, then answers from what it read.
func searcher(r *runnertest.Request) runnertest.Reply {
	if len(r.Messages) <= 2 {
		return runnertest.Reply{Content: "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"Eiffel Tower height\"}}\n</tool_call>"}
	}
	return runnertest.Reply{Content: "<answer>330 m</answer>"}
}

// TestSearchSetup answers a suite's searches as its search block and the run's SearchConfig
// say, records the setup in the manifest, and refuses setups that cannot answer, before any
// model call.
func TestSearchSetup(t *testing.T) {
	dir := t.TempDir()
	srv := runnertest.NewServer(t)
	srv.Handle(searcher)
	run := func(path string, cfg realx.SearchConfig, out string) (*realx.Outcome, *reports.Manifest, error) {
		eng, err := realx.New(realx.Config{})
		require.NoError(t, err)
		defer eng.Close()
		m := &realx.Model{Label: "m", Endpoint: runners.Endpoint{BaseURL: srv.URL(), Model: "m"}}
		client, err := eng.Connect(m)
		require.NoError(t, err)
		s, ds, err := realx.LoadSuite(path)
		require.NoError(t, err)
		p, err := eng.NewPlan(s, ds, realx.PlanOptions{Model: client, Search: &cfg})
		if err != nil {
			return nil, nil, err
		}
		o, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, out), Model: m})
		require.NoError(t, err)
		man, err := reports.ReadManifest(filepath.Join(dir, out))
		require.NoError(t, err)
		return o, man, nil
	}

	path := searchSuite(t, dir, "search: {corpus: corpus.jsonl}\n")
	o, man, err := run(path, realx.SearchConfig{}, "live")
	require.NoError(t, err)
	assert.Zero(t, o.Unfinished())
	require.NotNil(t, man.Search)
	assert.Equal(t, "live", man.Search.Mode)
	assert.Equal(t, "s:corpus.jsonl", man.Search.Corpus)
	assert.Regexp(t, `^sha256:`, man.Search.CorpusDigest)
	assert.Equal(t, map[string]string{"text": "corpus", "image": "corpus", "images": "corpus", "pages": "corpus"}, man.Search.Providers)
	assert.Empty(t, man.Search.Store)

	store := filepath.Join(dir, "store")
	_, man, err = run(path, realx.SearchConfig{Mode: search.Record, Store: store}, "record")
	require.NoError(t, err)
	assert.Equal(t, store, man.Search.Store)
	recorded := man.Search.StoreDigest
	assert.Regexp(t, `^sha256:`, recorded)

	// The replay needs neither the corpus nor a provider's key: its suite names a provider it
	// never asks.
	replaySuite := searchSuite(t, t.TempDir(), "search: {provider: serper}\n")
	t.Setenv("SERPER_API_KEY", "")
	o, man, err = run(replaySuite, realx.SearchConfig{Mode: search.Replay, Store: store}, "replay")
	require.NoError(t, err)
	assert.Zero(t, o.Unfinished())
	assert.Equal(t, recorded, man.Search.StoreDigest)
	assert.Empty(t, man.Search.Providers)

	// "none" answers from the corpus a suite that names a provider, with no key.
	o, man, err = run(searchSuite(t, t.TempDir(), "search: {provider: serper, corpus: corpus.jsonl}\n"), realx.SearchConfig{Provider: realx.NoProvider}, "none")
	require.NoError(t, err)
	assert.Zero(t, o.Unfinished())
	assert.Equal(t, "corpus", man.Search.Providers["text"])

	for _, c := range []struct {
		block string
		cfg   realx.SearchConfig
		want  string
	}{
		{"", realx.SearchConfig{}, "search: suite s calls search tools, and nothing can answer them"},
		{"search: {corpus: corpus.jsonl}\n", realx.SearchConfig{Mode: search.Record}, "search mode record writes the answers to a store: give its directory"},
		{"search: {corpus: corpus.jsonl}\n", realx.SearchConfig{Mode: search.Replay}, "search mode replay needs a store"},
		{"search: {corpus: corpus.jsonl}\n", realx.SearchConfig{Mode: search.Live, Store: store}, "goes with the modes record, replay and replay-or-live"},
		{"", realx.SearchConfig{Provider: "bing"}, `unknown search provider "bing"`},
		{"search: {provider: serper}\n", realx.SearchConfig{}, "search provider serper (the suite's search.provider) needs an API key: set SERPER_API_KEY, " +
			"or choose another provider with --search-provider NAME and its key variable (brave (BRAVE_API_KEY), jina (JINA_API_KEY), searxng (SEARXNG_API_KEY), " +
			"serpapi (SERPAPI_API_KEY), tavily (TAVILY_API_KEY)), or replay a search store with --search replay --search-store DIR"},
		{"", realx.SearchConfig{Provider: "tavily"}, "search provider tavily (--search-provider) needs an API key: set TAVILY_API_KEY"},
		{"", realx.SearchConfig{Mode: "offline"}, `unknown search mode "offline"`},
	} {
		_, _, err := run(searchSuite(t, t.TempDir(), c.block), c.cfg, "refused")
		assert.ErrorContains(t, err, c.want)
		var se *realx.SearchError
		assert.ErrorAs(t, err, &se)
	}
}

// TestOneSearchSetupPerRun refuses a second suite that asks for another search setup.
func TestOneSearchSetupPerRun(t *testing.T) {
	eng, err := realx.New(realx.Config{})
	require.NoError(t, err)
	defer eng.Close()
	srv := runnertest.NewServer(t)
	client, err := eng.Connect(&realx.Model{Label: "m", Endpoint: runners.Endpoint{BaseURL: srv.URL(), Model: "m"}})
	require.NoError(t, err)
	plan := func(block string) error {
		s, ds, err := realx.LoadSuite(searchSuite(t, t.TempDir(), block))
		require.NoError(t, err)
		_, err = eng.NewPlan(s, ds, realx.PlanOptions{Model: client})
		return err
	}
	require.NoError(t, plan("search: {corpus: corpus.jsonl}\n"))
	assert.ErrorContains(t, plan("search: {corpus: corpus.jsonl, provider: brave}\n"), "suite s names another search setup than suite s")
}
