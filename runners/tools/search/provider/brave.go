package provider

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Brave is the client of the Brave Search API (api.search.brave.com): web and image search
// over Brave's own index. It implements TextSearcher and ImagesSearcher; Brave has no reverse
// image search.
//
// Requests are GETs with the key in X-Subscription-Token: {base}/res/v1/web/search with q,
// count (at most 20) and offset (a page number, at most 9), country and search_lang;
// {base}/res/v1/images/search with q and count. Answers: web.results[]{title, url, description
// (with <strong> marks), age, page_age, profile{name}}; results[]{title, url, source,
// thumbnail{src}, properties{url}}. Failures are {"type": "ErrorResponse", "error": {"code",
// "detail", "status"}} (the reference also shows "errors": […]): a bad key is 422
// SUBSCRIPTION_TOKEN_INVALID (not 401), rate limits are 429 RATE_LIMITED, an exhausted plan 429
// QUOTA_LIMITED. Every answer carries X-RateLimit-Limit/-Policy/-Remaining/-Reset, lists of
// one value per window ("1, 15000"; reset in seconds).
type Brave struct {
	*api
	locale Locale
}

// bravePage is the most results a web search request returns.
const bravePage = 20

// SearchText searches the web, paging by twenty.
func (b *Brave) SearchText(ctx context.Context, q TextQuery) ([]Hit, error) {
	n := q.count()
	count := min(n, bravePage)
	var out []Hit
	for page := 0; len(out) < n && page <= 9; page++ {
		v := b.params(q)
		v.Set("count", strconv.Itoa(count))
		if page > 0 {
			v.Set("offset", strconv.Itoa(page))
		}
		var a struct {
			Web struct {
				Results []struct {
					Title       string `json:"title"`
					URL         string `json:"url"`
					Description string `json:"description"`
					Age         string `json:"age"`
					PageAge     string `json:"page_age"`
					Profile     struct {
						Name string `json:"name"`
					} `json:"profile"`
				} `json:"results"`
			} `json:"web"`
		}
		if err := b.get(ctx, "/res/v1/web/search", v, &a); err != nil {
			return nil, err
		}
		for _, r := range a.Web.Results {
			if len(out) < n {
				date := r.Age
				if date == "" {
					date = r.PageAge
				}
				out = append(out, Hit{Title: plainText(r.Title), URL: r.URL, Snippet: plainText(r.Description), Date: date, Source: r.Profile.Name})
			}
		}
		if len(a.Web.Results) < count {
			break
		}
	}
	return out, nil
}

// SearchImages searches images by words.
func (b *Brave) SearchImages(ctx context.Context, q TextQuery) ([]Hit, error) {
	v := b.params(q)
	v.Set("count", strconv.Itoa(min(q.count(), 200)))
	var a struct {
		Results []struct {
			Title     string `json:"title"`
			URL       string `json:"url"`
			Source    string `json:"source"`
			Thumbnail struct {
				Src string `json:"src"`
			} `json:"thumbnail"`
			Properties struct {
				URL string `json:"url"`
			} `json:"properties"`
		} `json:"results"`
	}
	if err := b.get(ctx, "/res/v1/images/search", v, &a); err != nil {
		return nil, err
	}
	n := q.count()
	out := make([]Hit, 0, min(n, len(a.Results)))
	for _, r := range a.Results {
		if len(out) < n {
			out = append(out, Hit{Title: plainText(r.Title), URL: r.URL, Source: r.Source, ImageURL: r.Properties.URL, ThumbnailURL: r.Thumbnail.Src})
		}
	}
	return out, nil
}

// params returns q's query and locale parameters.
func (b *Brave) params(q TextQuery) url.Values {
	l := pick(q.Locale, b.locale)
	v := url.Values{"q": {q.Query}}
	if l.Country != "" {
		v.Set("country", strings.ToUpper(l.Country))
	}
	if l.Language != "" {
		v.Set("search_lang", l.Language)
	}
	return v
}

// get sends one request with the key.
func (b *Brave) get(ctx context.Context, path string, v url.Values, out any) error {
	return b.do(ctx, call{method: http.MethodGet, url: b.base + path + "?" + v.Encode(),
		header: http.Header{"X-Subscription-Token": {b.key}}, classify: b.classify}, out)
}

// classify reads Brave's failures by their code: the status alone cannot tell a wrong key
// (422) from a wrong request (422 VALIDATION).
func (b *Brave) classify(status int, body []byte, h http.Header) *Error {
	code := jsonField(body, "error.code", "errors.0.code")
	msg := jsonField(body, "error.detail", "errors.0.detail")
	if msg == "" {
		msg = bodyText(body)
	}
	if code != "" {
		msg = code + ": " + msg
	}
	k := byStatus(status)
	switch code {
	case "SUBSCRIPTION_TOKEN_INVALID", "SUBSCRIPTION_TOKEN_MISSING", "SUBSCRIPTION_NOT_FOUND":
		k = KindAuth
	case "RATE_LIMITED":
		k = KindRateLimit
	case "QUOTA_LIMITED":
		k = KindQuota
	}
	return &Error{Kind: k, Status: status, Message: msg, RetryAfter: braveReset(h)}
}

// braveReset reads when the exhausted window of X-RateLimit-Reset ("1, 1419704") resets: the
// first window whose X-RateLimit-Remaining is 0, else the first window.
func braveReset(h http.Header) time.Duration {
	resets := numbers(h.Get("X-RateLimit-Reset"))
	if len(resets) == 0 {
		return 0
	}
	i := 0
	for j, r := range numbers(h.Get("X-RateLimit-Remaining")) {
		if r == 0 && j < len(resets) {
			i = j
			break
		}
	}
	return time.Duration(resets[i]) * time.Second
}

// numbers parses "1, 15000".
func numbers(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

var tagRe = regexp.MustCompile(`<[^<>]*>`)

// plainText returns a provider's marked-up snippet ("a <strong>b</strong> &amp; c") as text.
func plainText(s string) string {
	return html.UnescapeString(tagRe.ReplaceAllString(s, ""))
}
