package realx

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/runners/tools/search/corpus"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
	"github.com/realx-bench/realx/tasks"
)

// SearchConfig is how a run answers its search tools (search, image_search, text_search,
// web_visit): the mode, the store, the provider and the offline corpus, each over the suite's
// search block. The zero SearchConfig answers as the suite says: live from its provider, or
// from its offline corpus, or, with neither, replayed from its shipped store.
type SearchConfig struct {
	// Mode is live, record, replay or replay-or-live (search.Mode). "" picks: replay-or-live
	// with a Store; else live when there is a provider or a corpus; else replay of the suite's
	// shipped store.
	Mode search.Mode
	// Store is a store directory, created when missing: record and replay-or-live write to
	// it, replay reads it. "" replays the suite's shipped store (read-only), if it has one.
	Store string
	// Provider names the search provider (serper, serpapi, brave, tavily, jina, searxng);
	// "" takes the suite's, else none; NoProvider ("none") is none whatever the suite names
	// (the offline corpus answers).
	Provider string
	// BaseURL replaces the provider's endpoint; "" reads REALX_<PROVIDER>_BASE_URL
	// (provider.Info.BaseURLVar), else the provider's own.
	BaseURL string
	// Corpus is an offline corpus file (JSON Lines); "" takes the suite's.
	Corpus string
	// Uploader gives local images the public URL that reverse image search by URL needs
	// (Serper's and SerpAPI's Lens); nil fails such searches, saying so.
	Uploader provider.Uploader
	// Summarizer, when set, summarises the pages web_visit reads that are longer than its
	// budget (else they are cut). A replay needs the same model name and generation to find
	// the recorded summaries, but never calls it.
	Summarizer *Model
	// AllowPrivateURLs lets the fetcher of pages and thumbnails reach loopback, link-local and
	// private addresses, which it refuses otherwise.
	AllowPrivateURLs bool
	// Getenv reads the provider's key (provider.Info.KeyVar) and endpoint variables; os.Getenv
	// when nil. Keys are read from the environment only, and never written anywhere.
	Getenv func(string) string
	// Tools configure the search tools: results shown, page budget (search.ToolOptions; the
	// style is the protocol's).
	Tools search.ToolOptions
}

// NoProvider is the SearchConfig.Provider that names no provider, over a suite that names one.
const NoProvider = "none"

// searchSetup is the run's one search Service and what the manifest records of it.
type searchSetup struct {
	key    string // what the setup is made of, to tell a suite that asks for another one
	suite  string // the suite that made it, for messages
	svc    *search.Service
	info   reports.SearchInfo
	corpus *corpus.Corpus
}

// usesSearch reports whether an agent block lists a search tool.
func usesSearch(spec tasks.AgentSpec) bool {
	for _, t := range spec.Tools {
		if slices.Contains(search.Names(), t) {
			return true
		}
	}
	return false
}

// SearchError is a problem with a run's search setup, found before any model call (the
// realx command exits 2 on it).
type SearchError struct{ Err error }

// Error says what is wrong.
func (e *SearchError) Error() string { return "search: " + e.Err.Error() }

// Unwrap returns the problem.
func (e *SearchError) Unwrap() error { return e.Err }

// searchFor returns the run's search Service for suite s under cfg, making it the first time:
// one Service serves every sample and search tool of the Engine's runs. A suite whose setup
// (mode, store, provider, corpus, summarizer) differs from the one made is refused.
func (e *Engine) searchFor(s *tasks.Suite, cfg SearchConfig) (*searchSetup, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	prov := cmp.Or(cfg.Provider, s.Search.Provider)
	if prov == NoProvider {
		prov = ""
	}
	corpusName, storeName := cfg.Corpus, cfg.Store
	if corpusName == "" && s.Search.Corpus != "" {
		corpusName = s.Name + ":" + s.Search.Corpus
	}
	if storeName == "" && s.Search.Store != "" {
		storeName = s.Name + ":" + s.Search.Store
	}
	summarizer := ""
	if cfg.Summarizer != nil {
		summarizer = (&search.Summarizer{Name: cfg.Summarizer.Label, Generation: cfg.Summarizer.Generation}).Identity()
	}
	mode := cfg.Mode
	if mode == "" {
		switch {
		case cfg.Store != "":
			mode = search.ReplayOrLive
		case prov != "" || corpusName != "":
			mode = search.Live
		case storeName != "":
			mode = search.Replay
		default:
			return nil, &SearchError{fmt.Errorf("suite %s calls search tools, and nothing can answer them: name a provider (--search-provider, or search.provider in the suite), an offline corpus (--search-corpus, or search.corpus), or a store to replay (--search replay --search-store DIR, or search.store)", s.Name)}
		}
	}
	if _, err := search.ParseMode(string(mode)); err != nil {
		return nil, &SearchError{err}
	}
	// The suite's files are told apart by the suite file's path: two suites of one name may
	// ship different ones.
	key := strings.Join([]string{string(mode), prov, cfg.BaseURL, cfg.Corpus, cfg.Store, summarizer}, "\x00")
	if (cfg.Corpus == "" && s.Search.Corpus != "") || (cfg.Store == "" && s.Search.Store != "") {
		key += "\x00" + s.Source + "\x00" + s.Search.Corpus + "\x00" + s.Search.Store
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.search != nil {
		if e.search.key != key {
			return nil, &SearchError{fmt.Errorf("suite %s names another search setup than suite %s (provider, corpus or store): run them separately, or give the same one with the --search flags", s.Name, e.search.suite)}
		}
		return e.search, nil
	}
	st, err := newSearchSetup(e, s, cfg, mode, prov, getenv)
	if err != nil {
		return nil, &SearchError{err}
	}
	st.key, st.suite = key, s.Name
	st.info.Summarizer = summarizer
	if mode != search.Replay {
		st.info.Corpus = corpusName
	}
	if mode != search.Live {
		st.info.Store = storeName
	}
	e.search = st
	return st, nil
}

// newSearchSetup makes the Service of a setup: its store, corpus, provider clients, fetcher
// and summarizer. A replay makes no provider client: it needs no key and calls nothing.
func newSearchSetup(e *Engine, s *tasks.Suite, cfg SearchConfig, mode search.Mode, prov string, getenv func(string) string) (*searchSetup, error) {
	st := &searchSetup{info: reports.SearchInfo{Mode: string(mode)}}
	sc := search.Config{Mode: mode, Uploader: cfg.Uploader, Fetcher: provider.NewFetcher(provider.FetchOptions{AllowPrivate: cfg.AllowPrivateURLs})}

	// The store: a directory, or the suite's snapshot (read-only).
	switch {
	case mode == search.Live && cfg.Store != "":
		return nil, fmt.Errorf("a search store (%s) goes with the modes record, replay and replay-or-live; live searches keep nothing", cfg.Store)
	case mode == search.Live:
	case cfg.Store != "":
		var err error
		if mode == search.Replay {
			sc.Store, err = openSnapshot(cfg.Store)
		} else {
			sc.Store, err = store.Open(cfg.Store)
		}
		if err != nil {
			return nil, err
		}
	case mode != search.Replay:
		return nil, fmt.Errorf("search mode %s writes the answers to a store: give its directory (--search-store DIR); a suite's shipped store is read-only", mode)
	case s.Search.Store == "":
		return nil, fmt.Errorf("search mode replay needs a store: give its directory (--search-store DIR), or a suite with one (search.store)")
	default:
		fsys, name, err := s.SearchFile("store")
		if err != nil {
			return nil, err
		}
		sub, err := fs.Sub(fsys, name)
		if err != nil {
			return nil, err
		}
		if sc.Store, err = store.OpenFS(sub); err != nil {
			return nil, fmt.Errorf("%s: search.store %s: %w", s.Source, s.Search.Store, err)
		}
	}

	if mode != search.Replay {
		var err error
		if st.corpus, err = openCorpus(s, cfg.Corpus); err != nil {
			return nil, err
		}
		sc.Corpus = st.corpus
		if prov != "" {
			info, ok := provider.Lookup(prov)
			if !ok {
				return nil, fmt.Errorf("unknown search provider %q: the providers are %s", prov, strings.Join(provider.Names(), ", "))
			}
			key := getenv(info.KeyVar)
			base := cmp.Or(cfg.BaseURL, getenv(info.BaseURLVar))
			c, err := provider.New(prov, provider.Options{Key: key, BaseURL: base, PageURL: getenv(info.PageURLVar)})
			if err != nil && info.KeyRequired && strings.TrimSpace(key) == "" {
				return nil, missingKey(s, prov, info.KeyVar)
			}
			if err != nil {
				return nil, err
			}
			if t, ok := c.(provider.TextSearcher); ok && info.Text {
				sc.Text = t
			}
			if t, ok := c.(provider.ImageSearcher); ok && info.Lens {
				sc.Image = t
			}
			if t, ok := c.(provider.ImagesSearcher); ok && info.Images {
				sc.Images = t
			}
			if t, ok := c.(provider.PageReader); ok && info.Pages {
				sc.Reader = t
			}
			if key != "" {
				sc.Secrets = append(sc.Secrets, key)
			}
			if base != "" {
				st.info.BaseURL = runners.RedactURL(base)
				sc.Secrets = append(sc.Secrets, urlSecrets(base)...)
			}
		}
		if sc.Text == nil && sc.Corpus == nil {
			return nil, errors.New("nothing answers text searches: name a provider or an offline corpus")
		}
	}

	if m := cfg.Summarizer; m != nil {
		sum := &search.Summarizer{Name: m.Label, Generation: m.Generation}
		if mode != search.Replay {
			client, err := e.judgeModel(m.Endpoint, e.cfg.Retry)
			if err != nil {
				return nil, fmt.Errorf("page summarizer %s: %w", m.Label, err)
			}
			sum.Model = client
			if m.Endpoint.APIKey != "" {
				sc.Secrets = append(sc.Secrets, m.Endpoint.APIKey)
			}
		}
		sc.Summarizer = sum
	}

	svc, err := search.New(sc)
	if err != nil {
		if st.corpus != nil {
			st.corpus.Close()
		}
		return nil, err
	}
	st.svc = svc
	if mode != search.Replay {
		st.info.Providers = svc.Backends()
		delete(st.info.Providers, "summary")
		if st.corpus != nil {
			st.info.CorpusDigest = st.corpus.Digest()
		}
	}
	return st, nil
}

// urlSecrets returns what may be a credential in a base URL: the password of its userinfo and
// the values of its query, which a provider might echo.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok {
		out = append(out, p)
	}
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	slices.Sort(out)
	return out
}

// openSnapshot opens the store in dir read-only, for a replay: a replay never writes.
func openSnapshot(dir string) (*store.Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("search store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("search store: %s is not a directory", dir)
	}
	return store.OpenFS(os.DirFS(dir))
}

// openCorpus loads the corpus file given (flag), else the suite's, else none.
func openCorpus(s *tasks.Suite, file string) (*corpus.Corpus, error) {
	if file != "" {
		return corpus.OpenFile(file)
	}
	fsys, name, err := s.SearchFile("corpus")
	if err != nil || fsys == nil {
		return nil, err
	}
	c, err := corpus.Open(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: search.corpus %s: %w", s.Source, path.Clean(s.Search.Corpus), err)
	}
	return c, nil
}

// CheckSearch checks a suite's search block as far as it can before a run: the provider is
// one realx knows, the corpus reads (every document and image), and the store is a store this
// realx reads. Each problem is positioned at its key. `realx validate` runs it; `realx run`
// finds the same problems when it builds the search service.
func CheckSearch(s *tasks.Suite) tasks.Errors {
	var out tasks.Errors
	sp := s.Search
	if sp.Provider != "" {
		if _, ok := provider.Lookup(sp.Provider); !ok {
			out = append(out, s.Errorf([]string{"search", "provider"}, "unknown search provider %q: the providers are %s", sp.Provider, strings.Join(provider.Names(), ", ")))
		}
	}
	if sp.Corpus != "" {
		fsys, name, err := s.SearchFile("corpus")
		var c *corpus.Corpus
		if err == nil {
			c, err = corpus.Open(fsys, name)
		}
		if err != nil {
			out = append(out, s.Errorf([]string{"search", "corpus"}, "search.corpus: %v", err))
		} else {
			c.Close()
		}
	}
	if sp.Store != "" {
		fsys, name, err := s.SearchFile("store")
		if err == nil {
			var sub fs.FS
			if sub, err = fs.Sub(fsys, name); err == nil {
				_, err = store.OpenFS(sub)
			}
		}
		if err != nil {
			out = append(out, s.Errorf([]string{"search", "store"}, "search.store: %v", err))
		}
	}
	return out
}

// searchWarning warns when the suite's agent calls search tools and the suite names nothing to
// answer them: a run then needs the search flags.
func searchWarning(s *tasks.Suite) tasks.Errors {
	sp := s.Search
	if !usesSearch(s.Agent) || s.Agent.Protocol == "" || sp.Provider != "" || sp.Corpus != "" || sp.Store != "" {
		return nil
	}
	return tasks.Errors{s.Errorf([]string{"agent", "tools"}, "the search tools have nothing to answer them in the suite (search.provider, search.corpus or search.store): realx run needs --search-provider, --search-corpus or --search replay --search-store DIR")}
}

// searchInfo returns what the manifest records of the run's search setup now, its store's
// digest computed afresh; nil when the run has none.
func (e *Engine) searchInfo() (*reports.SearchInfo, error) {
	e.mu.Lock()
	st := e.search
	e.mu.Unlock()
	if st == nil {
		return nil, nil
	}
	info := st.info
	if store := st.svc.Store(); store != nil {
		d, err := store.Digest()
		if err != nil {
			return nil, err
		}
		info.StoreDigest = d
	}
	return &info, nil
}

// SearchCounts returns the mode of the run's search service and the counts of its requests
// so far, by kind (nil when the run has no search tools): what `realx run` prints at its end.
func (e *Engine) SearchCounts() (search.Mode, *search.Counts) {
	e.mu.Lock()
	st := e.search
	e.mu.Unlock()
	if st == nil {
		return "", nil
	}
	c := st.svc.Counts()
	return st.svc.Mode(), &c
}

// closeSearch frees the search setup's corpus.
func (e *Engine) closeSearch() error {
	e.mu.Lock()
	st := e.search
	e.search = nil
	e.mu.Unlock()
	if st != nil && st.corpus != nil {
		return st.corpus.Close()
	}
	return nil
}

// missingKey says that search provider prov has no key in keyVar, and what else the run can
// do: another provider (--search-provider, each with its key variable), or a replayed store.
func missingKey(s *tasks.Suite, prov, keyVar string) error {
	from := "--search-provider"
	if s != nil && s.Search.Provider == prov {
		from = "the suite's search.provider"
	}
	var others []string
	for _, name := range provider.Names() {
		if name == prov {
			continue
		}
		if info, ok := provider.Lookup(name); ok && info.KeyVar != "" {
			others = append(others, name+" ("+info.KeyVar+")")
		} else {
			others = append(others, name)
		}
	}
	return fmt.Errorf("search provider %s (%s) needs an API key: set %s, or choose another provider with --search-provider NAME and its key variable (%s), "+
		"or replay a search store with --search replay --search-store DIR", prov, from, keyVar, strings.Join(others, ", "))
}
