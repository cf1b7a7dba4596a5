package provider

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Jina is the client of Jina AI's search (s.jina.ai) and reader (r.jina.ai). It implements
// TextSearcher and PageReader. The key is optional (without one the free tier's low rate
// limits apply).
//
// Requests carry "Authorization: Bearer jina_…" and "Accept: application/json": search is a GET
// of {base}/?q=…&num=…&gl=…&hl=… with "X-Respond-With: no-content" (snippets, not whole
// pages); reading is a POST of {"url": …} to {page}/. Answers are {code, status, data}: data is
// a list of {title, url, description, date} for a search, one {title, url, content} for a
// read. Failures are {"data": null, "code": 401, "name": "AuthenticationFailedError", "status":
// 40103, "message", "readableMessage"}: 401 for the key, 402 InsufficientBalanceError, 429
// RateLimitTriggeredError (with Retry-After), 422 AssertionFailureError and 451
// SecurityCompromiseError when a page cannot be read, 400 ParamValidationError.
type Jina struct {
	*api
	locale Locale
}

// SearchText searches the web.
func (j *Jina) SearchText(ctx context.Context, q TextQuery) ([]Hit, error) {
	l := pick(q.Locale, j.locale)
	v := url.Values{"q": {q.Query}, "num": {strconv.Itoa(q.count())}}
	if l.Country != "" {
		v.Set("gl", l.Country)
	}
	if l.Language != "" {
		v.Set("hl", l.Language)
	}
	h := j.header()
	h.Set("X-Respond-With", "no-content")
	var a struct {
		Data []struct {
			Title       string `json:"title"`
			URL         string `json:"url"`
			Description string `json:"description"`
			Date        string `json:"date"`
		} `json:"data"`
	}
	if err := j.do(ctx, call{method: http.MethodGet, url: j.base + "/?" + v.Encode(), header: h, classify: j.classify(false)}, &a); err != nil {
		return nil, err
	}
	n := q.count()
	out := make([]Hit, 0, min(n, len(a.Data)))
	for _, d := range a.Data {
		if len(out) < n {
			out = append(out, Hit{Title: d.Title, URL: d.URL, Snippet: d.Description, Date: d.Date})
		}
	}
	return out, nil
}

// ReadPage reads a page through the reader.
func (j *Jina) ReadPage(ctx context.Context, u string) (*Page, error) {
	var a struct {
		Data struct {
			Title   string `json:"title"`
			URL     string `json:"url"`
			Content string `json:"content"`
		} `json:"data"`
	}
	if err := j.do(ctx, call{method: http.MethodPost, url: j.page + "/", body: map[string]string{"url": u}, header: j.header(), classify: j.classify(true)}, &a); err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.Data.Content) == "" {
		return nil, j.finish(&Error{Kind: KindTarget, Message: "the reader found no text on " + shorten(u, 200)})
	}
	final := a.Data.URL
	if final == "" {
		final = u
	}
	return &Page{URL: final, Title: a.Data.Title, Text: a.Data.Content}, nil
}

// header returns the headers of every request: the key, when there is one.
func (j *Jina) header() http.Header {
	h := http.Header{}
	if j.key != "" {
		h.Set("Authorization", "Bearer "+j.key)
	}
	return h
}

// classify reads Jina's failures by their name; for the reader, a page it cannot read (422,
// 451, a target's 4xx) is the page's failure.
func (j *Jina) classify(reader bool) func(int, []byte, http.Header) *Error {
	return func(status int, body []byte, _ http.Header) *Error {
		name := jsonField(body, "name")
		msg := bodyText(body, "readableMessage", "message")
		k := byStatus(status)
		switch {
		case name == "InsufficientBalanceError" || name == "InsufficientCreditsError":
			k = KindQuota
		case name == "RateLimitTriggeredError":
			k = KindRateLimit
		case reader && (status == http.StatusUnprocessableEntity || status == http.StatusUnavailableForLegalReasons ||
			name == "AssertionFailureError" || name == "SecurityCompromiseError"):
			k = KindTarget
		}
		return &Error{Kind: k, Status: status, Message: msg}
	}
}
