package reports

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
