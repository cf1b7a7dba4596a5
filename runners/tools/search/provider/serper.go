package provider

import (
	"context"
	"net/http"
	"strings"
)

// Serper is the client of Serper (serper.dev): Google search, Google Images, Google Lens and a
// page scraper. It implements TextSearcher, ImagesSearcher, ImageSearcher (by URL) and
// PageReader.
//
// Requests are POSTs of JSON with the key in X-API-KEY: {base}/search and {base}/images take
// {"q", "num", "page", "gl", "hl"}, {base}/lens takes {"url", "gl", "hl"}, and {page}/ (the
// scrape host) takes {"url"}. Answers: search → organic[]{title, link, snippet, date,
// position}; images → images[]{title, imageUrl, thumbnailUrl, source, domain, link}; lens →
// organic[]{title, source, link, imageUrl, thumbnailUrl}; scrape → {text, metadata{title}}.
// Failures: a refused key is 403 {"message": "Unauthorized.", "statusCode": 403}, an empty
// account 400 {"message": "Not enough credits", "statusCode": 400}, rate limits 429.
type Serper struct {
	*api
	locale Locale
}

// serperHit is a result of any of Serper's endpoints.
type serperHit struct {
	Title        string `json:"title"`
	Link         string `json:"link"`
	Snippet      string `json:"snippet"`
	Date         string `json:"date"`
	Source       string `json:"source"`
	Domain       string `json:"domain"`
	ImageURL     string `json:"imageUrl"`
	ThumbnailURL string `json:"thumbnailUrl"`
}

// hit converts a Serper result.
func (h serperHit) hit() Hit {
	src := h.Source
	if src == "" {
		src = h.Domain
	}
	return Hit{Title: h.Title, URL: h.Link, Snippet: h.Snippet, Date: h.Date, Source: src, ImageURL: h.ImageURL, ThumbnailURL: h.ThumbnailURL}
}

// serperQuery is the body of a search or images request.
type serperQuery struct {
	Q    string `json:"q"`
	Num  int    `json:"num,omitempty"`
	Page int    `json:"page,omitempty"`
	GL   string `json:"gl,omitempty"`
	HL   string `json:"hl,omitempty"`
}

// SearchText searches Google through Serper's /search, a page of up to 100 results.
func (s *Serper) SearchText(ctx context.Context, q TextQuery) ([]Hit, error) {
	var out struct {
		Organic []serperHit `json:"organic"`
	}
	if err := s.post(ctx, s.base+"/search", s.query(q), &out); err != nil {
		return nil, err
	}
	return serperHits(out.Organic, q.count()), nil
}

// SearchImages searches Google Images through Serper's /images.
func (s *Serper) SearchImages(ctx context.Context, q TextQuery) ([]Hit, error) {
	var out struct {
		Images []serperHit `json:"images"`
	}
	if err := s.post(ctx, s.base+"/images", s.query(q), &out); err != nil {
		return nil, err
	}
	return serperHits(out.Images, q.count()), nil
}

// NeedsImageURL reports that Serper's Lens searches by URL.
func (s *Serper) NeedsImageURL() bool { return true }

// SearchImage searches Google Lens with the image at q.URL through Serper's /lens.
func (s *Serper) SearchImage(ctx context.Context, q ImageQuery) ([]Hit, error) {
	if q.URL == "" {
		return nil, ErrNoUploader
	}
	l := pick(q.Locale, s.locale)
	body := map[string]string{"url": q.URL}
	if l.Country != "" {
		body["gl"] = l.Country
	}
	if l.Language != "" {
		body["hl"] = l.Language
	}
	var out struct {
		Organic       []serperHit `json:"organic"`
		VisualMatches []serperHit `json:"visualMatches"`
	}
	if err := s.post(ctx, s.base+"/lens", body, &out); err != nil {
		return nil, err
	}
	n := q.Count
	if n <= 0 {
		n = 10
	}
	return serperHits(append(out.Organic, out.VisualMatches...), n), nil
}

// ReadPage reads a page through Serper's scraper.
func (s *Serper) ReadPage(ctx context.Context, u string) (*Page, error) {
	var out struct {
		Text     string `json:"text"`
		Title    string `json:"title"`
		Metadata struct {
			Title string `json:"title"`
		} `json:"metadata"`
	}
	err := s.do(ctx, call{method: http.MethodPost, url: s.page + "/", body: map[string]any{"url": u},
		header: http.Header{"X-Api-Key": {s.key}}, classify: s.classifyScrape}, &out)
	if err != nil {
		return nil, err
	}
	title := out.Metadata.Title
	if title == "" {
		title = out.Title
	}
	if strings.TrimSpace(out.Text) == "" {
		return nil, &Error{Provider: s.info.Name, Kind: KindTarget, Message: "the scraper found no text on " + shorten(u, 200)}
	}
	return &Page{URL: u, Title: title, Text: out.Text}, nil
}

// query makes the body of a search or images request.
func (s *Serper) query(q TextQuery) serperQuery {
	l := pick(q.Locale, s.locale)
	n := q.count()
	// Serper takes num in tens, up to 100.
	num := min((n+9)/10*10, 100)
	return serperQuery{Q: q.Query, Num: num, GL: l.Country, HL: l.Language}
}

// post sends a JSON request with the key.
func (s *Serper) post(ctx context.Context, u string, body, out any) error {
	return s.do(ctx, call{method: http.MethodPost, url: u, body: body, header: http.Header{"X-Api-Key": {s.key}}, classify: s.classify}, out)
}

// classify reads Serper's failures: {"message": …, "statusCode": …}.
func (s *Serper) classify(status int, body []byte, _ http.Header) *Error {
	msg := bodyText(body, "message")
	k := byStatus(status)
	if strings.Contains(strings.ToLower(msg), "credits") {
		k = KindQuota
	}
	return &Error{Kind: k, Status: status, Message: msg}
}

// classifyScrape reads the scraper's failures: a request it refuses (but for credits) is a page
// it could not scrape, the page's failure rather than the provider's.
func (s *Serper) classifyScrape(status int, body []byte, h http.Header) *Error {
	e := s.classify(status, body, h)
	if e.Kind == KindBadRequest {
		e.Kind = KindTarget
	}
	return e
}

// serperHits converts up to n results.
func serperHits(in []serperHit, n int) []Hit {
	out := make([]Hit, 0, min(len(in), n))
	for _, h := range in {
		if len(out) == n {
			break
		}
		out = append(out, h.hit())
	}
	return out
}
