package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/realx-bench/realx/runners"
)

// Hit is one result of a search, whichever provider gave it. Fields a provider does not give
// are empty.
type Hit struct {
	// Title is the page's (or the image's) title.
	Title string `json:"title"`
	// URL is the page the result points at.
	URL string `json:"url,omitempty"`
	// Snippet is the provider's excerpt of the page, as plain text.
	Snippet string `json:"snippet,omitempty"`
	// Date is the page's date as the provider writes it ("Mar 3, 2024", "2 days ago").
	Date string `json:"date,omitempty"`
	// Source names the site ("Wikipedia", "nasa.gov").
	Source string `json:"source,omitempty"`
	// ID is the document's id in an offline corpus; providers leave it empty.
	ID string `json:"id,omitempty"`
	// ImageURL is the full-size image of an image result.
	ImageURL string `json:"image_url,omitempty"`
	// ThumbnailURL is a small version of the image, the one shown to the model.
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
	// Thumb is the thumbnail itself once fetched: its bytes (Data) when a provider has them at
	// hand (the offline corpus), its hash and type when it is kept in a store.
	Thumb *Blob `json:"thumb,omitempty"`
}

// Blob is an image or file by content: its SHA-256 (lower-case hex) and media type, and its
// bytes while they are in memory.
type Blob struct {
	SHA256 string `json:"sha256"`
	MIME   string `json:"mime,omitempty"`
	Data   []byte `json:"-"`
}

// Page is a web page as readable text.
type Page struct {
	// URL is the page's address (after redirects, when the reader says).
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	// ID is the document's id when the page is an offline corpus's.
	ID string `json:"id,omitempty"`
	// Text is the page's readable text: the main content, without navigation and markup.
	Text string `json:"text"`
}

// Locale asks for results of one country and language; empty fields leave the provider's
// default (most default to the United States and English).
type Locale struct {
	// Country is a two-letter country code ("us", "cn").
	Country string `json:"country,omitempty"`
	// Language is a language code ("en", "zh-cn").
	Language string `json:"language,omitempty"`
}

// String returns "country/language", "" for the zero Locale.
func (l Locale) String() string {
	if l == (Locale{}) {
		return ""
	}
	return l.Country + "/" + l.Language
}

// TextQuery is a search by words.
type TextQuery struct {
	Query string
	// Count is how many results are wanted; providers may return fewer. 0 means 10.
	Count  int
	Locale Locale
}

// count returns q.Count, or 10 when it is not positive.
func (q TextQuery) count() int {
	if q.Count <= 0 {
		return 10
	}
	return q.Count
}

// ImageQuery is a reverse image search: pages and images that show the image.
type ImageQuery struct {
	// URL is where the provider can download the image. Providers that search by URL
	// (Serper's and SerpAPI's Google Lens) need it; see NeedsImageURL.
	URL string
	// Data and MIME are the image itself, for searchers that look at its pixels (the offline
	// corpus).
	Data []byte
	MIME string
	// Count is how many results are wanted; 0 means 10.
	Count  int
	Locale Locale
}

// TextSearcher searches the web by words.
type TextSearcher interface {
	SearchText(ctx context.Context, q TextQuery) ([]Hit, error)
}

// ImageSearcher searches the web with an image (Google Lens): the pages and images that match
// it.
type ImageSearcher interface {
	SearchImage(ctx context.Context, q ImageQuery) ([]Hit, error)
}

// ImagesSearcher searches images by words (Google Images).
type ImagesSearcher interface {
	SearchImages(ctx context.Context, q TextQuery) ([]Hit, error)
}

// PageReader reads a web page as text. An error of KindTarget says the page itself could not
// be read (it is missing, refused, not text); other errors are failures of the reader.
type PageReader interface {
	ReadPage(ctx context.Context, url string) (*Page, error)
}

// URLSearcher is an ImageSearcher that needs ImageQuery.URL: the image at a public URL.
type URLSearcher interface {
	NeedsImageURL() bool
}

// NeedsImageURL reports whether s searches by an image's URL (so that a local image must be
// uploaded first).
func NeedsImageURL(s ImageSearcher) bool {
	u, ok := s.(URLSearcher)
	return ok && u.NeedsImageURL()
}

// Client is a provider's client. What it can do is told by the interfaces it implements:
// TextSearcher, ImageSearcher, ImagesSearcher, PageReader.
type Client interface {
	// Name is the provider's name ("serper").
	Name() string
}

// Options configure a provider's client.
type Options struct {
	// Key is the API key, as the caller read it from the environment (Info.KeyVar). It is sent
	// only to the provider and never appears in errors.
	Key string
	// BaseURL replaces the provider's endpoint (a proxy, a test's fake); Info.BaseURLVar is
	// the variable the command reads it from. Required for SearXNG, which has no public one.
	BaseURL string
	// PageURL replaces the endpoint of the provider's page reader when it has a host of its
	// own (Serper's scrape, Jina's reader); Info.PageURLVar is its variable.
	PageURL string
	// HTTPClient sends the requests; nil is a client with a two-minute timeout.
	HTTPClient *http.Client
	// Retries is how many times a request that was rate limited (429) or met a server error
	// (5xx) is sent again; 0 means 2, a negative value none.
	Retries int
	// MaxWait is the longest Retry-After that is waited out; a longer one fails at once.
	// 0 means a minute.
	MaxWait time.Duration
	// Locale is the default locale of queries that name none.
	Locale Locale
	// Clock waits out Retry-After; nil is runners.SystemClock (tests give a fake one).
	Clock runners.Clock
}

// Info describes a provider: its name, what it does, and the environment variables the
// command reads its settings from.
type Info struct {
	Name string
	// KeyVar holds the API key ("" for providers without one).
	KeyVar string
	// KeyRequired says whether the provider refuses requests without a key.
	KeyRequired bool
	// BaseURLVar holds a replacement for DefaultBaseURL ("REALX_SERPER_BASE_URL").
	BaseURLVar     string
	DefaultBaseURL string
	// PageURLVar holds a replacement for DefaultPageURL, for providers whose page reader has a
	// host of its own.
	PageURLVar     string
	DefaultPageURL string
	// Text, Images, Lens and Pages say which searches the provider has: by words, images by
	// words, by image (reverse), and page reading.
	Text, Images, Lens, Pages bool
}

// infos are the providers, by name.
var infos = map[string]Info{
	"serper": {Name: "serper", KeyVar: "SERPER_API_KEY", KeyRequired: true,
		BaseURLVar: "REALX_SERPER_BASE_URL", DefaultBaseURL: "https://google.serper.dev",
		PageURLVar: "REALX_SERPER_PAGE_URL", DefaultPageURL: "https://scrape.serper.dev",
		Text: true, Images: true, Lens: true, Pages: true},
	"serpapi": {Name: "serpapi", KeyVar: "SERPAPI_API_KEY", KeyRequired: true,
		BaseURLVar: "REALX_SERPAPI_BASE_URL", DefaultBaseURL: "https://serpapi.com",
		Text: true, Images: true, Lens: true},
	"brave": {Name: "brave", KeyVar: "BRAVE_API_KEY", KeyRequired: true,
		BaseURLVar: "REALX_BRAVE_BASE_URL", DefaultBaseURL: "https://api.search.brave.com",
		Text: true, Images: true},
	"tavily": {Name: "tavily", KeyVar: "TAVILY_API_KEY", KeyRequired: true,
		BaseURLVar: "REALX_TAVILY_BASE_URL", DefaultBaseURL: "https://api.tavily.com",
		Text: true, Images: true, Pages: true},
	"jina": {Name: "jina", KeyVar: "JINA_API_KEY",
		BaseURLVar: "REALX_JINA_BASE_URL", DefaultBaseURL: "https://s.jina.ai",
		PageURLVar: "REALX_JINA_PAGE_URL", DefaultPageURL: "https://r.jina.ai",
		Text: true, Pages: true},
	"searxng": {Name: "searxng", KeyVar: "SEARXNG_API_KEY", BaseURLVar: "REALX_SEARXNG_BASE_URL",
		Text: true, Images: true},
}

// Names lists the providers, sorted.
func Names() []string {
	names := make([]string, 0, len(infos))
	for n := range infos {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup returns the provider called name, and whether there is one.
func Lookup(name string) (Info, bool) {
	i, ok := infos[name]
	return i, ok
}

// New returns the client of the provider called name. It fails when the provider needs a key
// and o has none, and when SearXNG has no BaseURL, saying which variable to set.
func New(name string, o Options) (Client, error) {
	info, ok := infos[name]
	if !ok {
		return nil, fmt.Errorf("unknown search provider %q: the providers are %s", name, strings.Join(Names(), ", "))
	}
	if info.KeyRequired && strings.TrimSpace(o.Key) == "" {
		return nil, fmt.Errorf("search provider %s needs an API key: set %s", name, info.KeyVar)
	}
	if o.BaseURL == "" {
		o.BaseURL = info.DefaultBaseURL
	}
	if o.BaseURL == "" {
		return nil, fmt.Errorf("search provider %s needs the URL of an instance: set %s (the instance must allow format=json)", name, info.BaseURLVar)
	}
	if o.PageURL == "" {
		o.PageURL = info.DefaultPageURL
	}
	a, err := newAPI(info, o)
	if err != nil {
		return nil, err
	}
	switch name {
	case "serper":
		return &Serper{api: a, locale: o.Locale}, nil
	case "serpapi":
		return &SerpAPI{api: a, locale: o.Locale}, nil
	case "brave":
		return &Brave{api: a, locale: o.Locale}, nil
	case "tavily":
		return &Tavily{api: a, locale: o.Locale}, nil
	case "jina":
		return &Jina{api: a, locale: o.Locale}, nil
	default:
		return &SearXNG{api: a, locale: o.Locale}, nil
	}
}

// pick returns q's locale, or def where q sets none.
func pick(q, def Locale) Locale {
	if q.Country == "" {
		q.Country = def.Country
	}
	if q.Language == "" {
		q.Language = def.Language
	}
	return q
}
