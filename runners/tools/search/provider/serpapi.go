package provider

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SerpAPI is the client of SerpApi (serpapi.com): the google, google_images and google_lens
// engines. It implements TextSearcher, ImagesSearcher and ImageSearcher (by URL).
//
// Requests are GETs of {base}/search.json with engine, the key as api_key, and q (google,
// google_images) or url (google_lens), gl/hl (country/hl for Lens); google pages with start
// (10 results a page). Answers: organic_results[]{position, title, link, snippet, date,
// source}; images_results[]{title, link, source, thumbnail, original}; visual_matches[]{title,
// link, source, thumbnail, image}. Failures are {"error": "…"}: 401 for a bad key ("Invalid API
// key. Your API key should be here: …"), 403 for a deleted account, 429 for the hourly limit or
// an exhausted plan ("Your searches for the month have run out…"), 400 for a missing
// parameter, 5xx (with search_metadata.status "Error") for failed searches. A search without
// results is a 200 whose error says "Google hasn't returned any results for this query.".
type SerpAPI struct {
	*api
	locale Locale
}

// serpHit is a result of any of SerpApi's engines.
type serpHit struct {
	Title     string `json:"title"`
	Link      string `json:"link"`
	Snippet   string `json:"snippet"`
	Date      string `json:"date"`
	Source    string `json:"source"`
	Thumbnail string `json:"thumbnail"`
	Original  string `json:"original"`
	Image     string `json:"image"`
}

// serpAnswer is the part of an answer realx reads.
type serpAnswer struct {
	Error          string `json:"error"`
	SearchMetadata struct {
		Status string `json:"status"`
	} `json:"search_metadata"`
	OrganicResults []serpHit `json:"organic_results"`
	ImagesResults  []serpHit `json:"images_results"`
	VisualMatches  []serpHit `json:"visual_matches"`
}

// serpPage is how many results a page of the google engine has.
const serpPage = 10

// SearchText searches Google through the google engine, a page of ten at a time.
func (s *SerpAPI) SearchText(ctx context.Context, q TextQuery) ([]Hit, error) {
	n := q.count()
	var out []Hit
	for start := 0; len(out) < n && start < 100; start += serpPage {
		v := s.params("google", q.Locale)
		v.Set("q", q.Query)
		if start > 0 {
			v.Set("start", strconv.Itoa(start))
		}
		a, err := s.get(ctx, v)
		if err != nil {
			return nil, err
		}
		for _, h := range a.OrganicResults {
			if len(out) < n {
				out = append(out, Hit{Title: h.Title, URL: h.Link, Snippet: h.Snippet, Date: h.Date, Source: h.Source})
			}
		}
		if len(a.OrganicResults) < serpPage {
			break // the last page
		}
	}
	return out, nil
}

// SearchImages searches Google Images through the google_images engine (a page holds 100).
func (s *SerpAPI) SearchImages(ctx context.Context, q TextQuery) ([]Hit, error) {
	v := s.params("google_images", q.Locale)
	v.Set("q", q.Query)
	a, err := s.get(ctx, v)
	if err != nil {
		return nil, err
	}
	return serpImages(a.ImagesResults, q.count()), nil
}

// NeedsImageURL reports that SerpApi's Lens searches by URL.
func (s *SerpAPI) NeedsImageURL() bool { return true }

// SearchImage searches Google Lens with the image at q.URL through the google_lens engine.
func (s *SerpAPI) SearchImage(ctx context.Context, q ImageQuery) ([]Hit, error) {
	if q.URL == "" {
		return nil, ErrNoUploader
	}
	l := pick(q.Locale, s.locale)
	v := url.Values{"engine": {"google_lens"}, "url": {q.URL}, "api_key": {s.key}}
	if l.Country != "" {
		v.Set("country", l.Country)
	}
	if l.Language != "" {
		v.Set("hl", l.Language)
	}
	a, err := s.get(ctx, v)
	if err != nil {
		return nil, err
	}
	n := q.Count
	if n <= 0 {
		n = 10
	}
	return serpImages(a.VisualMatches, n), nil
}

// params returns the parameters every google and google_images request has.
func (s *SerpAPI) params(engine string, q Locale) url.Values {
	l := pick(q, s.locale)
	v := url.Values{"engine": {engine}, "api_key": {s.key}}
	if l.Country != "" {
		v.Set("gl", l.Country)
	}
	if l.Language != "" {
		v.Set("hl", l.Language)
	}
	return v
}

// get sends one request and reads SerpApi's answer, turning a 200 that failed into an error.
func (s *SerpAPI) get(ctx context.Context, v url.Values) (*serpAnswer, error) {
	var a serpAnswer
	if err := s.do(ctx, call{method: http.MethodGet, url: s.base + "/search.json?" + v.Encode(), classify: s.classify}, &a); err != nil {
		return nil, err
	}
	switch {
	case a.Error == "":
	case noResults(a.Error):
		// A search without results succeeded.
	case a.SearchMetadata.Status == "Error":
		return nil, s.finish(&Error{Kind: KindServer, Status: http.StatusOK, Message: a.Error})
	default:
		return nil, s.finish(&Error{Kind: KindBadRequest, Status: http.StatusOK, Message: a.Error})
	}
	return &a, nil
}

// noResults reports whether a SerpApi error message says only that the search found nothing.
func noResults(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "hasn't returned any") || strings.Contains(m, "no results")
}

// classify reads SerpApi's failures, {"error": "…"}; a 429 that says the plan ran out is a quota,
// not a rate limit.
func (s *SerpAPI) classify(status int, body []byte, _ http.Header) *Error {
	msg := bodyText(body, "error")
	k := byStatus(status)
	if status == http.StatusTooManyRequests && strings.Contains(strings.ToLower(msg), "run out") {
		k = KindQuota
	}
	return &Error{Kind: k, Status: status, Message: msg}
}

// serpImages converts up to n image results.
func serpImages(in []serpHit, n int) []Hit {
	out := make([]Hit, 0, min(len(in), n))
	for _, h := range in {
		if len(out) == n {
			break
		}
		img := h.Original
		if img == "" {
			img = h.Image
		}
		out = append(out, Hit{Title: h.Title, URL: h.Link, Source: h.Source, ImageURL: img, ThumbnailURL: h.Thumbnail})
	}
	return out
}
