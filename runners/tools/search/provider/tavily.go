package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// Tavily is the client of Tavily (api.tavily.com): web search, the images of a search, and
// page extraction. It implements TextSearcher, ImagesSearcher and PageReader.
//
// Requests are POSTs of JSON with "Authorization: Bearer tvly-…": {base}/search takes {query,
// max_results (at most 20), search_depth, topic, include_answer, include_images, country};
// {base}/extract takes {urls, extract_depth}. A Locale's country is sent only when it is a
// full country name, the form Tavily takes. Answers: {results[]{title, url, content, score,
// published_date}, images[] (URLs, or {url, description} with include_image_descriptions)};
// extract → {results[]{url, raw_content}, failed_results[]{url, error}}. Failures are
// {"detail": {"error": "…"}}: 401 for a bad key ("Unauthorized: missing or invalid API key."),
// 429 for the per-minute limit, 432 for the plan's credits, 433 for the pay-as-you-go limit,
// 400 for bad parameters, 5xx.
type Tavily struct {
	*api
	locale Locale
}

// tavilyMax is the most results a search returns.
const tavilyMax = 20

// tavilyAnswer is a search's answer.
type tavilyAnswer struct {
	Results []struct {
		Title         string `json:"title"`
		URL           string `json:"url"`
		Content       string `json:"content"`
		PublishedDate string `json:"published_date"`
	} `json:"results"`
	Images []json.RawMessage `json:"images"`
}

// SearchText searches the web.
func (t *Tavily) SearchText(ctx context.Context, q TextQuery) ([]Hit, error) {
	a, err := t.search(ctx, q, false)
	if err != nil {
		return nil, err
	}
	n := q.count()
	out := make([]Hit, 0, min(n, len(a.Results)))
	for _, r := range a.Results {
		if len(out) < n {
			out = append(out, Hit{Title: r.Title, URL: r.URL, Snippet: r.Content, Date: r.PublishedDate})
		}
	}
	return out, nil
}

// SearchImages returns the images of a search for q, with their descriptions as titles.
func (t *Tavily) SearchImages(ctx context.Context, q TextQuery) ([]Hit, error) {
	a, err := t.search(ctx, q, true)
	if err != nil {
		return nil, err
	}
	n := q.count()
	var out []Hit
	for _, raw := range a.Images {
		var img struct {
			URL         string `json:"url"`
			Description string `json:"description"`
		}
		if json.Unmarshal(raw, &img.URL) != nil && json.Unmarshal(raw, &img) != nil {
			continue
		}
		if img.URL != "" && len(out) < n {
			out = append(out, Hit{Title: img.Description, ImageURL: img.URL, ThumbnailURL: img.URL})
		}
	}
	return out, nil
}

// search sends a search request.
func (t *Tavily) search(ctx context.Context, q TextQuery, images bool) (*tavilyAnswer, error) {
	body := map[string]any{
		"query": q.Query, "max_results": min(q.count(), tavilyMax), "search_depth": "basic",
		"topic": "general", "include_answer": false, "include_images": images,
	}
	if images {
		body["include_image_descriptions"] = true
	}
	// Tavily's country is a full name ("united states"); a two-letter code would be refused.
	if c := pick(q.Locale, t.locale).Country; len(c) > 2 {
		body["country"] = strings.ToLower(c)
	}
	var a tavilyAnswer
	if err := t.post(ctx, "/search", body, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// ReadPage extracts a page's text through /extract.
func (t *Tavily) ReadPage(ctx context.Context, u string) (*Page, error) {
	var a struct {
		Results []struct {
			URL        string `json:"url"`
			RawContent string `json:"raw_content"`
		} `json:"results"`
		FailedResults []struct {
			URL   string `json:"url"`
			Error string `json:"error"`
		} `json:"failed_results"`
	}
	if err := t.post(ctx, "/extract", map[string]any{"urls": []string{u}, "extract_depth": "basic"}, &a); err != nil {
		return nil, err
	}
	for _, r := range a.Results {
		if strings.TrimSpace(r.RawContent) != "" {
			return &Page{URL: u, Text: r.RawContent}, nil
		}
	}
	msg := "no text extracted from " + shorten(u, 200)
	if len(a.FailedResults) > 0 && a.FailedResults[0].Error != "" {
		msg = a.FailedResults[0].Error
	}
	return nil, t.finish(&Error{Kind: KindTarget, Message: msg})
}

// post sends a request with the key.
func (t *Tavily) post(ctx context.Context, path string, body, out any) error {
	return t.do(ctx, call{method: http.MethodPost, url: t.base + path, body: body,
		header: http.Header{"Authorization": {"Bearer " + t.key}}, classify: t.classify}, out)
}

// classify reads Tavily's failures: {"detail": {"error": "…"}}, 432 and 433 for quotas.
func (t *Tavily) classify(status int, body []byte, _ http.Header) *Error {
	k := byStatus(status)
	if status == 432 || status == 433 {
		k = KindQuota
	}
	return &Error{Kind: k, Status: status, Message: bodyText(body, "detail.error", "detail", "error")}
}
