package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search/corpus"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

// Mode says where the answers of searches come from.
type Mode string

// The modes.
const (
	// Live asks the providers every time and keeps nothing.
	Live Mode = "live"
	// Record asks the providers and writes every answer to the store, replacing what was there;
	// a request asked again in the same run is answered from what this run recorded.
	Record Mode = "record"
	// Replay answers from the store only; a request it lacks fails the sample (MissError).
	Replay Mode = "replay"
	// ReplayOrLive answers from the store, and asks the providers (and records their answer)
	// for what it lacks.
	ReplayOrLive Mode = "replay-or-live"
)

// Modes lists the modes.
var Modes = []Mode{Live, Record, Replay, ReplayOrLive}

// ParseMode returns the mode called s.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown search mode %q: the modes are live, record, replay, replay-or-live", s)
}

// Config configures a Service. Every provider field is optional: with none, searches and page
// reads go to Corpus, realx's offline default.
type Config struct {
	// Mode is where answers come from; "" is Live without a Store, ReplayOrLive with one.
	Mode Mode
	// Store keeps the answers; required by every mode but Live, writable for Record and
	// ReplayOrLive.
	Store *store.Store
	// Text searches by words (search, text_search); nil is Corpus.
	Text provider.TextSearcher
	// Image searches by image (image_search); nil is Corpus.
	Image provider.ImageSearcher
	// Images searches images by words; nil is Corpus.
	Images provider.ImagesSearcher
	// Reader reads pages (web_visit); nil is Corpus when there is one, else Fetcher.
	Reader provider.PageReader
	// Corpus is the offline collection the searches fall back on.
	Corpus *corpus.Corpus
	// Fetcher fetches thumbnails (and pages, when it is the reader); nil is a Fetcher with the
	// defaults, which refuses private addresses.
	Fetcher *provider.Fetcher
	// Uploader gives local images the public URL that searching by URL needs (Serper's and
	// SerpAPI's Lens); nil fails such searches with provider.ErrNoUploader.
	Uploader provider.Uploader
	// Summarizer, when set, summarises pages longer than a web_visit's token budget.
	Summarizer *Summarizer
	// Locale is the country and language searches ask for; it is part of every search's key.
	Locale provider.Locale
	// Results is how many results a live search asks for; the tools show their own number of
	// the first ones. Recorded answers keep them all, so that a suite can show more later.
	// Default 10.
	Results int
	// Secrets are the providers' keys: they are taken out of every answer before it is shown
	// or stored, and a store refuses a record that holds one.
	Secrets []string
}

// Service answers searches, image searches and page reads, from providers, a store or both as
// its Mode says, and counts them. It is shared by all samples of a run and safe for concurrent
// use: concurrent identical requests are sent once.
type Service struct {
	cfg    Config
	mode   Mode
	flight singleflight.Group

	mu       sync.Mutex
	recorded map[string]bool // keys this Service wrote (Record)
	counts   Counts
}

// New checks cfg and returns its Service.
func New(cfg Config) (*Service, error) {
	mode := cfg.Mode
	if mode == "" {
		mode = Live
		if cfg.Store != nil {
			mode = ReplayOrLive
		}
	}
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	switch {
	case mode != Live && cfg.Store == nil:
		return nil, fmt.Errorf("search mode %s needs a search store (a directory)", mode)
	case (mode == Record || mode == ReplayOrLive) && !cfg.Store.Writable():
		return nil, fmt.Errorf("search mode %s writes to the store, and this one is a read-only snapshot: give a directory, or replay", mode)
	}
	if cfg.Results <= 0 {
		cfg.Results = 10
	}
	if cfg.Fetcher == nil {
		cfg.Fetcher = provider.NewFetcher(provider.FetchOptions{})
	}
	if c := cfg.Corpus; c != nil {
		if cfg.Text == nil {
			cfg.Text = c
		}
		if cfg.Image == nil {
			cfg.Image = c
		}
		if cfg.Images == nil {
			cfg.Images = c
		}
		if cfg.Reader == nil {
			cfg.Reader = c
		}
	}
	if cfg.Reader == nil {
		cfg.Reader = cfg.Fetcher
	}
	if cfg.Store != nil {
		cfg.Store.SetSecrets(cfg.Secrets...)
	}
	return &Service{cfg: cfg, mode: mode, recorded: map[string]bool{}, counts: Counts{ByKind: map[string]KindCounts{}}}, nil
}

// Mode returns the service's mode.
func (s *Service) Mode() Mode { return s.mode }

// Store returns the service's store, nil in live mode without one.
func (s *Service) Store() *store.Store { return s.cfg.Store }

// Backends names what answers each kind of live request: "text", "image" (reverse image
// search), "images" (images by words) and "pages" map to a provider's name ("serper",
// "corpus", "fetch"), and "summary" to the summarizing model's identity; a kind nothing
// answers is left out. A replay's service names only what its Config set.
func (s *Service) Backends() map[string]string {
	out := map[string]string{}
	for kind, b := range map[string]any{"text": s.cfg.Text, "image": s.cfg.Image, "images": s.cfg.Images, "pages": s.cfg.Reader} {
		if b != nil {
			out[kind] = nameOf(b)
		}
	}
	if s.cfg.Summarizer != nil {
		out["summary"] = s.cfg.Summarizer.Identity()
	}
	return out
}

// Answer is what a request came to: its record (Error holds the failure of a page or image
// that could not be had, shown to the model), the images' bytes in memory.
type Answer struct {
	store.Record
	// FromStore says the answer was read from the store rather than asked of a provider.
	FromStore bool
}

// MissError is a replay's error for a request the store lacks. It fails the sample, not the run.
type MissError struct {
	Request store.Request
}

// Error names the missing request and what to do.
func (e *MissError) Error() string {
	return fmt.Sprintf("search replay: the search store has no answer for the %s (key %s): record it first, with the search mode record or replay-or-live",
		e.Request, e.Request.Key())
}

// KindCounts counts the requests of one kind (a store.Kind): requests, store hits and misses,
// live calls, recordings and failures (a provider's failure or a replay miss; a page that
// could not be read is an answer, not a failure). It is the count a sample's record keeps.
type KindCounts = runners.SearchCount

// Counts are a Service's (or a sample's) counts of requests, by kind.
type Counts struct {
	ByKind map[string]KindCounts `json:"by_kind"`
}

// Total returns the counts of all kinds together.
func (c Counts) Total() KindCounts {
	var t KindCounts
	for _, k := range c.ByKind {
		t.Add(k)
	}
	return t
}

// add adds o to c, which must have its map.
func (c *Counts) add(kind string, o KindCounts) {
	k := c.ByKind[kind]
	k.Add(o)
	c.ByKind[kind] = k
}

// clone returns a copy of c.
func (c Counts) clone() Counts {
	out := Counts{ByKind: make(map[string]KindCounts, len(c.ByKind))}
	for k, v := range c.ByKind {
		out.ByKind[k] = v
	}
	return out
}

// Counts returns the service's counts so far.
func (s *Service) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts.clone()
}

// tally records one request's counts, in the service and in the sample's tally t (nil for
// none).
func (s *Service) tally(t *Counts, kind string, c KindCounts) {
	s.mu.Lock()
	s.counts.add(kind, c)
	s.mu.Unlock()
	if t != nil {
		t.add(kind, c)
	}
}

// liveFunc asks a provider and returns the record of its answer, with the bytes of its
// images in memory (Blob.Data).
type liveFunc func(ctx context.Context) (*store.Record, error)

// resolve answers req as the mode says: from the store (trying req, then each of alts), or
// live, recording the answer. t is the calling sample's tally.
func (s *Service) resolve(ctx context.Context, t *Counts, req store.Request, alts []store.Request, live liveFunc) (*Answer, error) {
	c := KindCounts{Requests: 1}
	defer func() { s.tally(t, req.Kind, c) }()
	key := req.Key()
	useStore := s.mode == Replay || s.mode == ReplayOrLive
	if s.mode == Record {
		s.mu.Lock()
		useStore = s.recorded[key]
		s.mu.Unlock()
	}
	if useStore {
		for _, r := range append([]store.Request{req}, alts...) {
			rec, err := s.cfg.Store.Lookup(r)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				c.Failed++
				return nil, err
			}
			c.StoreHits++
			if err := s.loadBlobs(rec); err != nil {
				c.Failed++
				return nil, err
			}
			return &Answer{Record: *rec, FromStore: true}, nil
		}
		c.StoreMisses++
		if s.mode == Replay {
			c.Failed++
			return nil, &MissError{Request: req}
		}
	}
	v, err, _ := s.flight.Do(key, func() (any, error) {
		rec, err := live(ctx)
		if err != nil {
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != provider.KindTarget {
				return nil, err
			}
			rec = &store.Record{Error: s.scrub(pe.Message)}
		}
		rec.Request = req
		s.scrubRecord(rec)
		wrote := false
		if s.mode == Record || s.mode == ReplayOrLive {
			if err := s.put(rec); err != nil {
				return nil, err
			}
			wrote = true
		}
		return &flightResult{rec: rec, wrote: wrote}, nil
	})
	if err != nil {
		c.Failed++
		return nil, s.scrubError(err)
	}
	fr := v.(*flightResult)
	c.Live++
	if fr.wrote {
		c.Recorded++
	}
	return &Answer{Record: *cloneWithData(fr.rec)}, nil
}

// flightResult is a live request's outcome, shared by the callers that asked at once.
type flightResult struct {
	rec   *store.Record
	wrote bool
}

// put writes rec and its images' bytes to the store, and marks its key recorded.
func (s *Service) put(rec *store.Record) error {
	st := s.cfg.Store
	stored := cloneWithData(rec)
	for _, b := range blobRefs(stored) {
		if b.Data == nil {
			continue
		}
		ref, err := st.PutBlob(b.Data, b.MIME)
		if err != nil {
			return err
		}
		b.SHA256 = ref.SHA256
	}
	if err := st.Put(stored); err != nil {
		return err
	}
	s.mu.Lock()
	s.recorded[rec.Request.Key()] = true
	s.mu.Unlock()
	return nil
}

// loadBlobs reads the bytes of a stored record's images.
func (s *Service) loadBlobs(rec *store.Record) error {
	for _, b := range blobRefs(rec) {
		data, err := s.cfg.Store.Blob(b)
		if err != nil {
			return err
		}
		b.Data = data
	}
	return nil
}

// blobRefs returns pointers to the blobs of rec, to fill in place.
func blobRefs(rec *store.Record) []*provider.Blob {
	var out []*provider.Blob
	if rec.Blob != nil {
		out = append(out, rec.Blob)
	}
	for i := range rec.Hits {
		if rec.Hits[i].Thumb != nil {
			out = append(out, rec.Hits[i].Thumb)
		}
	}
	return out
}

// cloneWithData returns a copy of rec whose hits and blobs are its own (the bytes shared).
func cloneWithData(rec *store.Record) *store.Record {
	c := *rec
	c.Hits = append([]provider.Hit(nil), rec.Hits...)
	for i, h := range c.Hits {
		if h.Thumb != nil {
			b := *h.Thumb
			c.Hits[i].Thumb = &b
		}
	}
	if rec.Blob != nil {
		b := *rec.Blob
		c.Blob = &b
	}
	if rec.Page != nil {
		p := *rec.Page
		c.Page = &p
	}
	return &c
}

// scrub takes the providers' keys out of text.
func (s *Service) scrub(text string) string {
	for _, k := range s.cfg.Secrets {
		if len(k) >= 4 {
			text = strings.ReplaceAll(text, k, "[redacted]")
		}
	}
	return text
}

// scrubError returns err with the providers' keys taken out of its text; it is still err to
// errors.Is and errors.As.
func (s *Service) scrubError(err error) error {
	if msg := err.Error(); s.scrub(msg) != msg {
		return &scrubbedError{msg: s.scrub(msg), err: err}
	}
	return err
}

// scrubbedError is an error whose text had a key taken out.
type scrubbedError struct {
	msg string
	err error
}

// Error returns the error's text without the keys.
func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the error as it was.
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubRecord takes the providers' keys out of every text of rec.
func (s *Service) scrubRecord(rec *store.Record) {
	for i := range rec.Hits {
		h := &rec.Hits[i]
		for _, f := range []*string{&h.Title, &h.URL, &h.Snippet, &h.Date, &h.Source, &h.ImageURL, &h.ThumbnailURL} {
			*f = s.scrub(*f)
		}
	}
	if rec.Page != nil {
		rec.Page.URL, rec.Page.Title, rec.Page.Text = s.scrub(rec.Page.URL), s.scrub(rec.Page.Title), s.scrub(rec.Page.Text)
	}
	rec.Text, rec.Error = s.scrub(rec.Text), s.scrub(rec.Error)
}

// locale is the service's locale as keys hold it.
func (s *Service) locale() string { return s.cfg.Locale.String() }

// noBackend is the error of a live request of a kind nothing can answer.
func noBackend(what string) error {
	return fmt.Errorf("no %s is configured: name a search provider that has one, give an offline corpus, or replay the searches from a store", what)
}

// SearchText answers a search by words; t is the calling sample's tally (nil for none).
func (s *Service) SearchText(ctx context.Context, t *Counts, query string) (*Answer, error) {
	req := store.Text(query, s.locale())
	return s.resolve(ctx, t, req, nil, func(ctx context.Context) (*store.Record, error) {
		if s.cfg.Text == nil {
			return nil, noBackend("text search")
		}
		hits, err := s.cfg.Text.SearchText(ctx, provider.TextQuery{Query: query, Count: s.cfg.Results, Locale: s.cfg.Locale})
		if err != nil {
			return nil, err
		}
		return &store.Record{Provider: nameOf(s.cfg.Text), Hits: hits}, nil
	})
}

// SearchImages answers a search of images by words, with the thumbnails' bytes.
func (s *Service) SearchImages(ctx context.Context, t *Counts, query string) (*Answer, error) {
	req := store.Images(query, s.locale())
	return s.resolve(ctx, t, req, nil, func(ctx context.Context) (*store.Record, error) {
		if s.cfg.Images == nil {
			return nil, noBackend("image search by words")
		}
		hits, err := s.cfg.Images.SearchImages(ctx, provider.TextQuery{Query: query, Count: s.cfg.Results, Locale: s.cfg.Locale})
		if err != nil {
			return nil, err
		}
		return &store.Record{Provider: nameOf(s.cfg.Images), Hits: s.withThumbs(ctx, t, hits)}, nil
	})
}

// SearchImage answers a reverse image search with data (of type mime). sampleID, when set,
// also finds a record keyed by the sample (a DeepEyesV2 cache); publicURL, when set, is where
// providers can download the image, so that it need not be uploaded.
func (s *Service) SearchImage(ctx context.Context, t *Counts, data []byte, mime, sampleID, publicURL string) (*Answer, error) {
	req := store.Image(data, s.locale())
	var alts []store.Request
	if sampleID != "" {
		alts = append(alts, store.ImageOfSample(sampleID))
	}
	return s.resolve(ctx, t, req, alts, func(ctx context.Context) (*store.Record, error) {
		if s.cfg.Image == nil {
			return nil, noBackend("reverse image search")
		}
		q := provider.ImageQuery{URL: publicURL, Data: data, MIME: mime, Count: s.cfg.Results, Locale: s.cfg.Locale}
		if q.URL == "" && provider.NeedsImageURL(s.cfg.Image) {
			if s.cfg.Uploader == nil {
				return nil, fmt.Errorf("%s: %w", nameOf(s.cfg.Image), provider.ErrNoUploader)
			}
			u, err := s.cfg.Uploader.Upload(ctx, data, mime)
			if err != nil {
				return nil, err
			}
			q.URL = u
		}
		hits, err := s.cfg.Image.SearchImage(ctx, q)
		if err != nil {
			return nil, err
		}
		return &store.Record{Provider: nameOf(s.cfg.Image), Hits: s.withThumbs(ctx, t, hits)}, nil
	})
}

// withThumbs fetches the thumbnail of each hit that has none in memory (through the store, as
// the mode says); a thumbnail that cannot be had leaves its hit without one.
func (s *Service) withThumbs(ctx context.Context, t *Counts, hits []provider.Hit) []provider.Hit {
	for i := range hits {
		h := &hits[i]
		if h.Thumb != nil && h.Thumb.Data != nil {
			continue
		}
		h.Thumb = nil
		u := h.ThumbnailURL
		if u == "" {
			u = h.ImageURL
		}
		if u == "" {
			continue
		}
		a, err := s.Fetch(ctx, t, u)
		if err != nil || a.Blob == nil {
			continue
		}
		b := *a.Blob
		h.Thumb = &b
	}
	return hits
}

// Fetch answers the fetch of an image by URL: the answer's Blob holds it, or its Error says
// why it could not be had.
func (s *Service) Fetch(ctx context.Context, t *Counts, u string) (*Answer, error) {
	return s.resolve(ctx, t, store.Thumb(u), nil, func(ctx context.Context) (*store.Record, error) {
		got, err := s.cfg.Fetcher.Fetch(ctx, u)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(got.MIME, "image/") {
			return nil, &provider.Error{Provider: "fetch", Kind: provider.KindTarget, Message: fmt.Sprintf("%s is a %s, not an image", u, got.MIME)}
		}
		return &store.Record{Provider: "fetch", Blob: &provider.Blob{SHA256: store.SHA256(got.Body), MIME: got.MIME, Data: got.Body}}, nil
	})
}

// ReadPage answers the reading of a page: the answer's Page, or its Error saying why the page
// could not be read.
func (s *Service) ReadPage(ctx context.Context, t *Counts, u string) (*Answer, error) {
	return s.resolve(ctx, t, store.Page(u), nil, func(ctx context.Context) (*store.Record, error) {
		p, err := s.cfg.Reader.ReadPage(ctx, u)
		if err != nil {
			return nil, err
		}
		return &store.Record{Provider: nameOf(s.cfg.Reader), Page: p}, nil
	})
}

// Summarize answers the summary of a page by the Summarizer: the answer's Text.
func (s *Service) Summarize(ctx context.Context, t *Counts, p *provider.Page) (*Answer, error) {
	sum := s.cfg.Summarizer
	if sum == nil {
		return nil, errors.New("no page summarizer is configured")
	}
	req := store.Summary(p.Text, sum.Identity(), sum.prompt())
	return s.resolve(ctx, t, req, nil, func(ctx context.Context) (*store.Record, error) {
		text, err := sum.Summarize(ctx, p)
		if err != nil {
			return nil, err
		}
		return &store.Record{Provider: sum.Name, Text: text}, nil
	})
}

// nameOf returns a backend's name.
func nameOf(b any) string {
	if n, ok := b.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", b)
}
