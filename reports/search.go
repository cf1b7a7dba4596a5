package reports

import (
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

// SearchInfo is what a run's manifest records of how its search tools were answered: the
// mode, the store (and its digest), the offline corpus (and its digest), what answered each
// kind of live request, and the page summarizer.
type SearchInfo struct {
	// Mode is live, record, replay or replay-or-live.
	Mode string `json:"mode"`
	// Store names the search store: a directory, or a suite's shipped snapshot
	// ("SUITE:PATH"); StoreDigest is its digest (sha256:…) when the run started, and, for the
	// modes that write to it, when the run's last session ended.
	Store       string `json:"store,omitempty"`
	StoreDigest string `json:"store_digest,omitempty"`
	// Corpus names the offline corpus, a file or a suite's ("SUITE:PATH"); CorpusDigest is
	// its digest.
	Corpus       string `json:"corpus,omitempty"`
	CorpusDigest string `json:"corpus_digest,omitempty"`
	// Providers names what answered each kind of live request (text, image, images, pages):
	// a provider, the corpus, the direct fetcher. A replay asks none.
	Providers map[string]string `json:"providers,omitempty"`
	// BaseURL is the provider's endpoint when it was replaced (a proxy, a fake), without
	// credentials.
	BaseURL string `json:"base_url,omitempty"`
	// Summarizer identifies the model that summarises long pages, and its settings.
	Summarizer string `json:"summarizer,omitempty"`
}

// searchKinds maps the search tools to the kind of search each makes, in the search table's
// order: by words, by image, page visits.
var searchKinds = map[string]string{"search": "text", "text_search": "text", "image_search": "image", "web_visit": "visit"}

// SearchKinds are the kinds of search the search table counts per sample: text (search,
// text_search), image (image_search) and visit (web_visit).
var SearchKinds = []string{"text", "image", "visit"}

// The metadata fields a sample names its gold evidence in, for search recall: each a string
// or a list of strings.
const (
	// GoldURLs are pages that hold the answer.
	GoldURLs = "gold_urls"
	// GoldDocs are the ids of offline corpus documents that hold it.
	GoldDocs = "gold_docs"
	// GoldEntities are names the searches should bring up.
	GoldEntities = "gold_entities"
)

// SearchUsage aggregates how samples searched, per group and run: the share of samples that
// searched, searches per sample by kind, where the searches' answers came from (the store or
// live), and search recall over the samples that name their gold evidence (SearchRecall).
// Only samples that reached the model count.
type SearchUsage struct {
	by    string
	runs  []string
	seen  map[string]bool
	stats map[cellKey]*SearchStats
	total map[string]*SearchStats
	suite map[string]bool
	group map[groupKey]bool
	coverage
}

// NewSearchUsage returns an empty aggregation grouped by field (see NewAccuracy).
func NewSearchUsage(by string) (*SearchUsage, error) {
	if by == "" {
		by = "capability"
	}
	if _, err := groupValues(&Result{}, by); err != nil {
		return nil, err
	}
	return &SearchUsage{by: by, seen: map[string]bool{}, stats: map[cellKey]*SearchStats{}, total: map[string]*SearchStats{},
		suite: map[string]bool{}, group: map[groupKey]bool{}, coverage: newCoverage()}, nil
}

// AddRun adds run's column, if it is not there yet.
func (u *SearchUsage) AddRun(run string) {
	if !u.seen[run] {
		u.seen[run] = true
		u.runs = append(u.runs, run)
		u.total[run] = newSearchStats()
		u.coverage.addRun(run)
	}
}

// Add counts r in run's column.
func (u *SearchUsage) Add(run string, r *Result) {
	u.AddRun(run)
	u.coverage.add(run, r)
	if r.Trajectory == nil {
		return
	}
	u.suite[r.Suite] = true
	for _, st := range cellsOf(r, u.by, run, u.stats, u.group, newSearchStats) {
		st.add(r)
	}
	u.total[run].add(r)
}

// SearchStats sums up the searches of a set of samples.
type SearchStats struct {
	// Samples is the number of samples that reached the model; Searched those that made at
	// least one search call.
	Samples  int `json:"samples"`
	Searched int `json:"searched"`
	// Calls counts search calls by kind (SearchKinds).
	Calls map[string]int `json:"calls"`
	// Requests counts the requests the searches made (a call may make several: queries,
	// thumbnails, pages, summaries), StoreHits and StoreMisses those looked up in the store,
	// Live those asked of a provider or the corpus.
	Requests    int64 `json:"requests"`
	StoreHits   int64 `json:"store_hits"`
	StoreMisses int64 `json:"store_misses"`
	Live        int64 `json:"live"`
	// Recall sums the search recall of the samples that name gold evidence (WithGold).
	Recall   float64 `json:"recall"`
	WithGold int     `json:"with_gold"`
}

func newSearchStats() *SearchStats { return &SearchStats{Calls: map[string]int{}} }

func (st *SearchStats) add(r *Result) {
	st.Samples++
	calls := 0
	for _, turn := range r.Trajectory.Turns {
		for _, c := range turn.Calls {
			if kind, ok := searchKinds[c.Name]; ok {
				st.Calls[kind]++
				calls++
			}
		}
	}
	if calls > 0 {
		st.Searched++
	}
	t := r.Trajectory.Search.Total()
	st.Requests += t.Requests
	st.StoreHits += t.StoreHits
	st.StoreMisses += t.StoreMisses
	st.Live += t.Live
	if recall, ok := SearchRecall(r); ok {
		st.Recall += recall
		st.WithGold++
	}
}

// SearchRecall returns the search recall of r, and whether r names gold evidence in its
// metadata (GoldURLs, GoldDocs, GoldEntities). As BrowseComp-Plus's retrieval recall, it is
// the share of the sample's gold items that its searches retrieved at any point of its
// trajectory, whether or not it then answered:
//
//   - a gold URL is retrieved when its normalised form (store.NormalizeURL: lower-case scheme
//     and host, no default port, no fragment) is the URL of a result a search tool showed the
//     model (a search hit within the tool's count, an image search's match) or of a page
//     web_visit read (Trajectory.Search.URLs);
//   - a gold document is retrieved when it is such a result of the offline corpus
//     (Trajectory.Search.Docs);
//   - a gold entity is retrieved when its name, normalised (NFKC, lower case, spaces squeezed),
//     appears in the text of a search tool's observation as the record keeps it (each cut to
//     8 KiB by default), JSON's escapes of line breaks and quotes read as what they stand for.
//
// A sample counts once however many gold items it names; a table's recall is the mean over
// its samples that name any.
func SearchRecall(r *Result) (float64, bool) {
	urls, docs, entities := goldList(r.Metadata[GoldURLs]), goldList(r.Metadata[GoldDocs]), goldList(r.Metadata[GoldEntities])
	total := len(urls) + len(docs) + len(entities)
	if total == 0 || r.Trajectory == nil {
		return 0, false
	}
	use := r.Trajectory.Search
	if use == nil {
		use = &runners.SearchUse{}
	}
	found := 0
	for _, u := range urls {
		if slices.Contains(use.URLs, store.NormalizeURL(u)) {
			found++
		}
	}
	for _, d := range docs {
		if slices.Contains(use.Docs, d) {
			found++
		}
	}
	if len(entities) > 0 {
		var texts []string
		for _, turn := range r.Trajectory.Turns {
			for _, c := range turn.Calls {
				if _, ok := searchKinds[c.Name]; ok {
					texts = append(texts, store.NormalizeQuery(jsonEscapes.Replace(c.Output)))
				}
			}
		}
		for _, e := range entities {
			name := store.NormalizeQuery(e)
			if name != "" && slices.ContainsFunc(texts, func(t string) bool { return strings.Contains(t, name) }) {
				found++
			}
		}
	}
	return float64(found) / float64(total), true
}

// jsonEscapes undoes the escapes of the JSON observations (R1V4's) that would split a name.
var jsonEscapes = strings.NewReplacer(`\n`, " ", `\t`, " ", `\r`, " ", `\"`, `"`, `\/`, "/")

// goldList reads a gold field: a string, or a list of strings; other values are none.
func goldList(v any) []string {
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	return nil
}

// SearchTable is search usage per group and run, with an overall row per run.
type SearchTable struct {
	By   string      `json:"by"`
	Runs []string    `json:"runs"`
	Rows []SearchRow `json:"rows"`
	// Coverage says, for each run, how much of its expected sample set it has; Notes what a
	// reader must know (an incomplete run).
	Coverage []Coverage `json:"coverage"`
	Notes    []string   `json:"notes"`
}

// SearchRow is one group's search usage in one run.
type SearchRow struct {
	Key string `json:"key"`
	Run string `json:"run"`
	// Expected is how many records (samples × repeats) the group should have; nil when
	// unknown.
	Expected *int `json:"expected"`
	SearchStats

	incomplete bool // the row's run is incomplete (an overall row), or it has fewer than expected
}

// Table returns the aggregated table: for each group (sorted) every run, then the overall
// rows.
func (u *SearchUsage) Table() *SearchTable {
	t := &SearchTable{By: u.by, Runs: slices.Clone(u.runs)}
	eachCell(&u.coverage, u.by, u.group, len(u.suite) > 1, u.runs, u.stats, u.total, func(st *SearchStats) int { return st.Samples },
		func(key, run string, st *SearchStats, expected *int, incomplete bool) {
			t.Rows = append(t.Rows, SearchRow{Key: key, Run: run, SearchStats: *st, Expected: expected, incomplete: incomplete})
		})
	t.Coverage, t.Notes = u.coverage.all(), u.coverage.lines()
	return t
}

// Layout returns the search table aggregated so far.
func (u *SearchUsage) Layout() Layout { return u.Table() }

// Grids returns t's grid (Grid).
func (t *SearchTable) Grids(decimals int) []*Grid { return []*Grid{t.Grid(decimals)} }

// Grid lays t out for printing: n of expected (marked † when it falls short), shares and
// recall as percentages with decimals digits, searches per sample with two, requests as
// counts; "–" where there is nothing to divide by.
func (t *SearchTable) Grid(decimals int) *Grid { return t.grid(decimals, false) }

// CSV lays t out for machines: the cells with nothing to divide by are empty, and the expected
// count in a column of its own.
func (t *SearchTable) CSV(decimals int) *Grid { return t.grid(decimals, true) }

// grid is Grid, or for CSV (csv) empty cells where there is nothing to divide by and the
// expected count in a column of its own.
func (t *SearchTable) grid(decimals int, csv bool) *Grid {
	none := "–"
	if csv {
		none = ""
	}
	g := &Grid{Header: []string{t.By, "run", "n", "searched %"}, Left: 2, Notes: t.Notes}
	for _, k := range SearchKinds {
		g.Header = append(g.Header, k+"/sample")
	}
	g.Header = append(g.Header, "requests", "store hits", "store misses", "live", "recall %", "n gold")
	if csv {
		g.Header = append(g.Header, "expected")
	}
	for _, r := range t.Rows {
		exp := -1
		if r.Expected != nil {
			exp = *r.Expected
		}
		n := nOf(r.Samples, exp, !r.incomplete)
		if csv {
			n = strconv.Itoa(r.Samples)
		}
		row := []string{r.Key, r.Run, n, ratio(100*float64(r.Searched), r.Samples, decimals, none)}
		for _, k := range SearchKinds {
			row = append(row, ratio(float64(r.Calls[k]), r.Samples, 2, none))
		}
		row = append(row, strconv.FormatInt(r.Requests, 10), strconv.FormatInt(r.StoreHits, 10), strconv.FormatInt(r.StoreMisses, 10),
			strconv.FormatInt(r.Live, 10), ratio(100*r.Recall, r.WithGold, decimals, none), strconv.Itoa(r.WithGold))
		if csv {
			cell := ""
			if r.Expected != nil {
				cell = strconv.Itoa(*r.Expected)
			}
			row = append(row, cell)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// ratio returns num/den with decimals digits, none when den is 0.
func ratio(num float64, den, decimals int, none string) string {
	if den == 0 {
		return none
	}
	return strconv.FormatFloat(num/float64(den), 'f', decimals, 64)
}
