package runners

import (
	"maps"
	"slices"
)

// SearchUse is what a sample's searches did, as its record keeps it (Trajectory.Search): the
// requests of each kind and where their answers came from, and what the results were. The
// search tools (package runners/tools/search) report it; reports count searches, store hits
// and misses, and retrieval recall from it.
type SearchUse struct {
	// Requests counts the requests by kind: text, image, images, page, thumb, summary.
	Requests map[string]SearchCount `json:"requests,omitempty"`
	// URLs are the normalised URLs of the results the search tools showed the model and of
	// the pages it read, sorted, each once.
	URLs []string `json:"urls,omitempty"`
	// Docs are the offline corpus's ids of those results, sorted, each once.
	Docs []string `json:"docs,omitempty"`
}

// SearchCount counts the requests of one kind.
type SearchCount struct {
	// Requests counts every request.
	Requests int64 `json:"requests"`
	// StoreHits and StoreMisses count the requests looked up in the search store, by outcome.
	StoreHits   int64 `json:"store_hits,omitempty"`
	StoreMisses int64 `json:"store_misses,omitempty"`
	// Live counts the requests sent to a provider (or the offline corpus).
	Live int64 `json:"live,omitempty"`
	// Recorded counts the answers written to the store.
	Recorded int64 `json:"recorded,omitempty"`
	// Failed counts the requests that failed (a provider's failure or a replay miss).
	Failed int64 `json:"failed,omitempty"`
}

// Add adds o to c.
func (c *SearchCount) Add(o SearchCount) {
	c.Requests += o.Requests
	c.StoreHits += o.StoreHits
	c.StoreMisses += o.StoreMisses
	c.Live += o.Live
	c.Recorded += o.Recorded
	c.Failed += o.Failed
}

// Total returns the counts of every kind together.
func (u *SearchUse) Total() SearchCount {
	var t SearchCount
	if u == nil {
		return t
	}
	for _, k := range slices.Sorted(maps.Keys(u.Requests)) {
		t.Add(u.Requests[k])
	}
	return t
}

// Merge adds o's requests and results to u.
func (u *SearchUse) Merge(o *SearchUse) {
	if o == nil {
		return
	}
	if u.Requests == nil {
		u.Requests = map[string]SearchCount{}
	}
	for k, c := range o.Requests {
		sum := u.Requests[k]
		sum.Add(c)
		u.Requests[k] = sum
	}
	u.URLs = union(u.URLs, o.URLs)
	u.Docs = union(u.Docs, o.Docs)
}

// union returns the sorted union of a and b, each value once.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// SearchReporter is a ToolInstance that tells what its sample searched. When a sample ends,
// the Agent merges the reports of its instances into Trajectory.Search.
type SearchReporter interface {
	SearchUse() *SearchUse
}
