package provider

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// SearXNG is the client of a SearXNG instance (self-hosted metasearch). It implements
// TextSearcher and ImagesSearcher. Options.BaseURL is required; a key, when set, is sent as a
// bearer token for a reverse proxy in front of the instance.
//
// Requests are GETs of {base}/search?q=…&format=json&pageno=…&categories=general (images for
// image search)&language=…. Answers: {query, number_of_results, results[]{url, title, content,
// engine, engines, score, category, publishedDate, img_src, thumbnail_src}, answers,
// infoboxes, suggestions, unresponsive_engines}; a page holds about twenty results and there is
// no count parameter, so realx pages with pageno. Failures: 403 when the instance's
// settings.yml does not list json under search.formats, 429 from its bot limiter.
type SearXNG struct {
	*api
	locale Locale
}

// searxMaxPages bounds the pages one search reads.
const searxMaxPages = 5

// searxResult is a result of either category.
type searxResult struct {
	URL           string `json:"url"`
	Title         string `json:"title"`
	Content       string `json:"content"`
	Engine        string `json:"engine"`
	PublishedDate string `json:"publishedDate"`
	ImgSrc        string `json:"img_src"`
	ThumbnailSrc  string `json:"thumbnail_src"`
}

// SearchText searches the instance's general category.
func (s *SearXNG) SearchText(ctx context.Context, q TextQuery) ([]Hit, error) {
	return s.search(ctx, q, "general")
}

// SearchImages searches the instance's images category.
func (s *SearXNG) SearchImages(ctx context.Context, q TextQuery) ([]Hit, error) {
	return s.search(ctx, q, "images")
}

// search reads pages of results until it has q's count, a page adds nothing, or searxMaxPages.
func (s *SearXNG) search(ctx context.Context, q TextQuery, category string) ([]Hit, error) {
	n := q.count()
	l := pick(q.Locale, s.locale)
	seen := map[string]bool{}
	var out []Hit
	for page := 1; len(out) < n && page <= searxMaxPages; page++ {
		v := url.Values{"q": {q.Query}, "format": {"json"}, "categories": {category}}
		if page > 1 {
			v.Set("pageno", strconv.Itoa(page))
		}
		if l.Language != "" {
			v.Set("language", l.Language)
		}
		var a struct {
			Results []searxResult `json:"results"`
		}
		h := http.Header{}
		if s.key != "" {
			h.Set("Authorization", "Bearer "+s.key)
		}
		if err := s.do(ctx, call{method: http.MethodGet, url: s.base + "/search?" + v.Encode(), header: h, classify: s.classify}, &a); err != nil {
			return nil, err
		}
		added := 0
		for _, r := range a.Results {
			key := r.URL + "\x00" + r.ImgSrc
			if seen[key] || len(out) == n {
				continue
			}
			seen[key] = true
			added++
			out = append(out, Hit{Title: r.Title, URL: r.URL, Snippet: r.Content, Date: r.PublishedDate, Source: r.Engine,
				ImageURL: r.ImgSrc, ThumbnailURL: r.ThumbnailSrc})
		}
		if added == 0 {
			break
		}
	}
	return out, nil
}

// classify reads a SearXNG failure: a 403 is JSON output switched off.
func (s *SearXNG) classify(status int, body []byte, _ http.Header) *Error {
	e := &Error{Kind: byStatus(status), Status: status, Message: bodyText(body)}
	switch status {
	case http.StatusForbidden:
		e.Kind = KindConfig
		e.Hint = "the instance does not serve JSON: add json to search.formats in its settings.yml (formats: [html, json])"
	case http.StatusTooManyRequests:
		e.Hint = "the instance's bot limiter refused realx: turn server.limiter off for a private instance"
	}
	return e
}
