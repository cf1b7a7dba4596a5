package provider

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

// The error bodies below are the providers' own, as their documentation and their users'
// reports show them (see doc.go).

func TestSerper(t *testing.T) {
	t.Run("search", func(t *testing.T) {
		f := newFake(t, file(t, "serper-search.json"))
		c, _ := client(t, "serper", f, Options{Locale: Locale{Country: "us", Language: "en"}})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "eiffel tower height", Count: 5})
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/base/search", r.Path)
		assert.Equal(t, testKey, r.Header.Get("X-API-KEY"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, map[string]any{"q": "eiffel tower height", "num": 10.0, "gl": "us", "hl": "en"}, r.Body)
		require.Len(t, hits, 3)
		assert.Equal(t, Hit{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower",
			Snippet: "The tower is 330 metres (1,083 ft) tall, about the same height as an 81-storey building."}, hits[0])
		assert.Equal(t, "Mar 3, 2024", hits[1].Date)
		assert.Empty(t, hits[2].Snippet)
	})
	t.Run("count", func(t *testing.T) {
		f := newFake(t, file(t, "serper-search.json"))
		c, _ := client(t, "serper", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q", Count: 2})
		require.NoError(t, err)
		assert.Len(t, hits, 2)
		_, err = c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q", Count: 25})
		require.NoError(t, err)
		assert.Equal(t, 30.0, f.requests()[1].Body["num"], "num in tens")
	})
	t.Run("images", func(t *testing.T) {
		f := newFake(t, file(t, "serper-images.json"))
		c, _ := client(t, "serper", f, Options{})
		hits, err := c.(ImagesSearcher).SearchImages(ctx, TextQuery{Query: "eiffel tower"})
		require.NoError(t, err)
		assert.Equal(t, "/base/images", f.requests()[0].Path)
		require.Len(t, hits, 2)
		assert.Equal(t, Hit{Title: "Eiffel Tower at night", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Source: "Wikipedia",
			ImageURL: "https://upload.example/eiffel-night.jpg", ThumbnailURL: "https://encrypted-tbn0.gstatic.com/images?q=tbn:1"}, hits[0])
	})
	t.Run("lens", func(t *testing.T) {
		f := newFake(t, file(t, "serper-lens.json"))
		c, _ := client(t, "serper", f, Options{})
		assert.True(t, NeedsImageURL(c.(ImageSearcher)))
		hits, err := c.(ImageSearcher).SearchImage(ctx, ImageQuery{URL: "https://images.example/q.png"})
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "/base/lens", r.Path)
		assert.Equal(t, map[string]any{"url": "https://images.example/q.png"}, r.Body)
		require.Len(t, hits, 2)
		assert.Equal(t, "Travel blog", hits[1].Source)
		assert.Equal(t, "https://encrypted-tbn1.gstatic.com/images?q=tbn:4", hits[1].ThumbnailURL)
		_, err = c.(ImageSearcher).SearchImage(ctx, ImageQuery{Data: []byte("png")})
		require.ErrorIs(t, err, ErrNoUploader)
	})
	t.Run("scrape", func(t *testing.T) {
		f := newFake(t, file(t, "serper-scrape.json"))
		c, _ := client(t, "serper", f, Options{})
		p, err := c.(PageReader).ReadPage(ctx, "https://en.wikipedia.org/wiki/Eiffel_Tower")
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "/page/", r.Path, "the scraper has a host of its own")
		assert.Equal(t, testKey, r.Header.Get("X-API-KEY"))
		assert.Equal(t, map[string]any{"url": "https://en.wikipedia.org/wiki/Eiffel_Tower"}, r.Body)
		assert.Equal(t, "Eiffel Tower - Wikipedia", p.Title)
		assert.Contains(t, p.Text, "330 metres")
	})
	t.Run("bad key", func(t *testing.T) {
		f := newFake(t, status(403, `{"message":"Unauthorized.","statusCode":403}`))
		c, _ := client(t, "serper", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindAuth)
		assert.Equal(t, "serper: the API key was refused (HTTP 403: Unauthorized.): check the key in SERPER_API_KEY", e.Error())
		assert.Len(t, f.requests(), 1, "no retry")
	})
	t.Run("no credits", func(t *testing.T) {
		f := newFake(t, status(400, `{"message":"Not enough credits","statusCode":400}`))
		c, _ := client(t, "serper", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindQuota)
	})
	t.Run("rate limit then success", func(t *testing.T) {
		f := newFake(t, sequence(status(429, `{"message":"Too many requests","statusCode":429}`, "Retry-After", "3"), file(t, "serper-search.json")))
		c, waits := client(t, "serper", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		require.NoError(t, err)
		assert.Len(t, hits, 3)
		assert.Equal(t, []time.Duration{3 * time.Second}, waits.Sleeps())
	})
	t.Run("rate limit gives up", func(t *testing.T) {
		f := newFake(t, status(429, `{"message":"Too many requests","statusCode":429}`, "Retry-After", "3"))
		c, waits := client(t, "serper", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindRateLimit)
		assert.Equal(t, 3*time.Second, e.RetryAfter)
		assert.Len(t, f.requests(), 3, "two retries")
		assert.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second}, waits.Sleeps())
		assert.Contains(t, e.Error(), "gave up after 3 tries")
	})
	t.Run("too long a wait fails at once", func(t *testing.T) {
		f := newFake(t, status(429, `{"message":"Too many requests","statusCode":429}`, "Retry-After", "3600"))
		c, waits := client(t, "serper", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindRateLimit)
		assert.Empty(t, waits.Sleeps())
	})
	t.Run("server error retried with backoff", func(t *testing.T) {
		f := newFake(t, sequence(status(502, `bad gateway`), status(503, `{}`), file(t, "serper-search.json")))
		c, waits := client(t, "serper", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, waits.Sleeps())
	})
	t.Run("scrape of a page that cannot be read", func(t *testing.T) {
		f := newFake(t, status(400, `{"message":"Failed to scrape the page","statusCode":400}`))
		c, _ := client(t, "serper", f, Options{})
		_, err := c.(PageReader).ReadPage(ctx, "https://gone.example/")
		providerError(t, err, KindTarget)
	})
}

func TestSerpAPI(t *testing.T) {
	t.Run("google", func(t *testing.T) {
		f := newFake(t, file(t, "serpapi-google.json"))
		c, _ := client(t, "serpapi", f, Options{Locale: Locale{Country: "us", Language: "en"}})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "eiffel tower height", Count: 5})
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "/base/search.json", r.Path)
		assert.Equal(t, map[string][]string{"engine": {"google"}, "q": {"eiffel tower height"}, "api_key": {testKey}, "gl": {"us"}, "hl": {"en"}}, r.Query)
		require.Len(t, hits, 2, "a short page is the last")
		assert.Equal(t, Hit{Title: "Key figures", URL: "https://www.toureiffel.paris/en/the-monument/key-figures", Snippet: "Height: 330 m.", Date: "Mar 3, 2024", Source: "La tour Eiffel"}, hits[1])
	})
	t.Run("pages", func(t *testing.T) {
		full := `{"search_metadata":{"status":"Success"},"organic_results":[` + repeat(`{"title":"t","link":"https://x.example/"}`, 10) + `]}`
		f := newFake(t, sequence(status(200, full), file(t, "serpapi-google.json")))
		c, _ := client(t, "serpapi", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q", Count: 15})
		require.NoError(t, err)
		assert.Len(t, hits, 12)
		reqs := f.requests()
		require.Len(t, reqs, 2)
		assert.Nil(t, reqs[0].Query["start"])
		assert.Equal(t, []string{"10"}, reqs[1].Query["start"])
	})
	t.Run("no results is not an error", func(t *testing.T) {
		f := newFake(t, status(200, `{"search_metadata":{"status":"Success"},"search_information":{"organic_results_state":"Fully empty"},"error":"Google hasn't returned any results for this query."}`))
		c, _ := client(t, "serpapi", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		require.NoError(t, err)
		assert.Empty(t, hits)
	})
	t.Run("images", func(t *testing.T) {
		f := newFake(t, file(t, "serpapi-images.json"))
		c, _ := client(t, "serpapi", f, Options{})
		hits, err := c.(ImagesSearcher).SearchImages(ctx, TextQuery{Query: "eiffel tower"})
		require.NoError(t, err)
		assert.Equal(t, []string{"google_images"}, f.requests()[0].Query["engine"])
		assert.Equal(t, []Hit{{Title: "Eiffel Tower at night", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Source: "Wikipedia",
			ImageURL: "https://upload.example/eiffel-night.jpg", ThumbnailURL: "https://serpapi.com/searches/65a2/images/1.jpeg"}}, hits)
	})
	t.Run("lens", func(t *testing.T) {
		f := newFake(t, file(t, "serpapi-lens.json"))
		c, _ := client(t, "serpapi", f, Options{Locale: Locale{Country: "us", Language: "en"}})
		hits, err := c.(ImageSearcher).SearchImage(ctx, ImageQuery{URL: "https://images.example/q.png", Count: 1})
		require.NoError(t, err)
		assert.Equal(t, map[string][]string{"engine": {"google_lens"}, "url": {"https://images.example/q.png"}, "api_key": {testKey}, "country": {"us"}, "hl": {"en"}}, f.requests()[0].Query)
		assert.Equal(t, []Hit{{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Source: "Wikipedia",
			ImageURL: "https://upload.example/eiffel.jpg", ThumbnailURL: "https://serpapi.com/searches/65a3/lens/1.jpeg"}}, hits)
	})
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   Kind
	}{
		{"bad key", 401, `{"error":"Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"}`, KindAuth},
		{"deleted account", 403, `{"error":"The account associated with this API key doesn't have permission to perform the request."}`, KindAuth},
		{"plan ran out", 429, `{"error":"Your searches for the month have run out. You can upgrade your plan at https://serpapi.com/pricing"}`, KindQuota},
		{"missing parameter", 400, `{"error":"Missing query ` + "`q`" + ` parameter."}`, KindBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, status(tc.status, tc.body))
			c, _ := client(t, "serpapi", f, Options{})
			_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
			providerError(t, err, tc.kind)
			assert.Len(t, f.requests(), 1)
		})
	}
	t.Run("hourly limit", func(t *testing.T) {
		f := newFake(t, status(429, `{"error":"You have exceeded the hourly throughput limit of your plan."}`))
		c, waits := client(t, "serpapi", f, Options{Retries: 1})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindRateLimit)
		assert.Equal(t, []time.Duration{time.Second}, waits.Sleeps())
	})
	t.Run("failed search", func(t *testing.T) {
		f := newFake(t, status(200, `{"search_metadata":{"status":"Error"},"error":"Proxy timeout."}`))
		c, _ := client(t, "serpapi", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindServer)
	})
}

func TestBrave(t *testing.T) {
	t.Run("web", func(t *testing.T) {
		f := newFake(t, file(t, "brave-web.json"))
		c, _ := client(t, "brave", f, Options{Locale: Locale{Country: "us", Language: "en"}})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "eiffel tower height", Count: 5})
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "/base/res/v1/web/search", r.Path)
		assert.Equal(t, testKey, r.Header.Get("X-Subscription-Token"))
		assert.Equal(t, map[string][]string{"q": {"eiffel tower height"}, "count": {"5"}, "country": {"US"}, "search_lang": {"en"}}, r.Query)
		require.Len(t, hits, 2)
		assert.Equal(t, Hit{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower",
			Snippet: "The tower is 330 metres (1,083 ft) tall & square.", Date: "March 1, 2024", Source: "Wikipedia"}, hits[0])
	})
	t.Run("pages", func(t *testing.T) {
		full := `{"web":{"results":[` + repeat(`{"title":"t","url":"https://x.example/","description":"d"}`, 20) + `]}}`
		f := newFake(t, sequence(status(200, full), file(t, "brave-web.json")))
		c, _ := client(t, "brave", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q", Count: 30})
		require.NoError(t, err)
		assert.Len(t, hits, 22)
		assert.Equal(t, []string{"1"}, f.requests()[1].Query["offset"])
	})
	t.Run("images", func(t *testing.T) {
		f := newFake(t, file(t, "brave-images.json"))
		c, _ := client(t, "brave", f, Options{})
		hits, err := c.(ImagesSearcher).SearchImages(ctx, TextQuery{Query: "eiffel tower"})
		require.NoError(t, err)
		assert.Equal(t, "/base/res/v1/images/search", f.requests()[0].Path)
		assert.Equal(t, []Hit{{Title: "Eiffel Tower at night", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Source: "en.wikipedia.org",
			ImageURL: "https://upload.example/eiffel-night.jpg", ThumbnailURL: "https://imgs.search.brave.com/t1"}}, hits)
	})
	t.Run("bad key is a 422", func(t *testing.T) {
		f := newFake(t, status(422, `{"type":"ErrorResponse","error":{"id":"5d832250-9396-4f6e-b84a-2a1fe524cd7d","status":422,"code":"SUBSCRIPTION_TOKEN_INVALID","detail":"The provided subscription token is invalid.","meta":{"component":"authentication"}},"time":1663072993}`))
		c, _ := client(t, "brave", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindAuth)
		assert.Contains(t, e.Error(), "SUBSCRIPTION_TOKEN_INVALID: The provided subscription token is invalid.")
		assert.Contains(t, e.Error(), "BRAVE_API_KEY")
	})
	t.Run("errors list of the reference", func(t *testing.T) {
		f := newFake(t, status(422, `{"type":"ErrorResponse","errors":[{"id":"x","code":"SUBSCRIPTION_TOKEN_INVALID","detail":"The provided subscription token is invalid.","status":422,"meta":{"component":"authentication"}}],"time":1663072993}`))
		c, _ := client(t, "brave", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindAuth)
	})
	t.Run("rate limited waits for the exhausted window", func(t *testing.T) {
		limited := status(429, `{"type":"ErrorResponse","error":{"id":"x","status":429,"code":"RATE_LIMITED","detail":"Request rate limit exceeded for plan.","meta":{"plan":"Free","rate_limit":1,"rate_current":2,"quota_limit":2000,"quota_current":10,"component":"rate_limiter"}},"time":1663072993}`,
			"X-RateLimit-Limit", "1, 2000", "X-RateLimit-Policy", "1;w=1, 2000;w=2592000", "X-RateLimit-Remaining", "0, 1990", "X-RateLimit-Reset", "1, 1419704")
		f := newFake(t, sequence(limited, file(t, "brave-web.json")))
		c, waits := client(t, "brave", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{time.Second}, waits.Sleeps())
	})
	t.Run("quota", func(t *testing.T) {
		f := newFake(t, status(429, `{"type":"ErrorResponse","error":{"id":"x","status":429,"code":"QUOTA_LIMITED","detail":"Request quota limit exceeded for plan.","meta":{"component":"rate_limiter"}},"time":1663072993}`,
			"X-RateLimit-Remaining", "1, 0", "X-RateLimit-Reset", "1, 1419704"))
		c, waits := client(t, "brave", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindQuota)
		assert.Empty(t, waits.Sleeps())
	})
}

func TestTavily(t *testing.T) {
	t.Run("search", func(t *testing.T) {
		f := newFake(t, file(t, "tavily-search.json"))
		c, _ := client(t, "tavily", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "eiffel tower height", Count: 5})
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "/base/search", r.Path)
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		assert.Equal(t, map[string]any{"query": "eiffel tower height", "max_results": 5.0, "search_depth": "basic", "topic": "general",
			"include_answer": false, "include_images": false}, r.Body)
		assert.NotContains(t, r.Body, "api_key", "the key goes in the header, not the body")
		require.Len(t, hits, 2)
		assert.Equal(t, Hit{Title: "Key figures", URL: "https://www.toureiffel.paris/en/the-monument/key-figures", Snippet: "Height: 330 m.", Date: "Sun, 03 Mar 2024 10:00:00 GMT"}, hits[1])
	})
	t.Run("images", func(t *testing.T) {
		f := newFake(t, file(t, "tavily-images.json"))
		c, _ := client(t, "tavily", f, Options{})
		hits, err := c.(ImagesSearcher).SearchImages(ctx, TextQuery{Query: "eiffel tower"})
		require.NoError(t, err)
		assert.Equal(t, true, f.requests()[0].Body["include_images"])
		assert.Equal(t, []Hit{
			{Title: "The Eiffel Tower lit up at night.", ImageURL: "https://upload.example/eiffel-night.jpg", ThumbnailURL: "https://upload.example/eiffel-night.jpg"},
			{ImageURL: "https://upload.example/eiffel-day.jpg", ThumbnailURL: "https://upload.example/eiffel-day.jpg"},
		}, hits)
	})
	t.Run("extract", func(t *testing.T) {
		f := newFake(t, file(t, "tavily-extract.json"))
		c, _ := client(t, "tavily", f, Options{})
		p, err := c.(PageReader).ReadPage(ctx, "https://en.wikipedia.org/wiki/Eiffel_Tower")
		require.NoError(t, err)
		assert.Equal(t, "/base/extract", f.requests()[0].Path)
		assert.Equal(t, []any{"https://en.wikipedia.org/wiki/Eiffel_Tower"}, f.requests()[0].Body["urls"])
		assert.Contains(t, p.Text, "330 metres")
	})
	t.Run("extract failed", func(t *testing.T) {
		f := newFake(t, file(t, "tavily-extract-failed.json"))
		c, _ := client(t, "tavily", f, Options{})
		_, err := c.(PageReader).ReadPage(ctx, "https://gone.example/page")
		e := providerError(t, err, KindTarget)
		assert.Contains(t, e.Error(), "Failed to fetch url")
	})
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   Kind
	}{
		{"bad key", 401, `{"detail":{"error":"Unauthorized: missing or invalid API key."}}`, KindAuth},
		{"plan limit", 432, `{"detail":{"error":"This request exceeds your plan's set usage limit. Please upgrade your plan or contact support@tavily.com"}}`, KindQuota},
		{"pay-as-you-go limit", 433, `{"detail":{"error":"This request exceeds the pay-as-you-go limit. You can increase your limit on the Tavily dashboard."}}`, KindQuota},
		{"bad parameter", 400, `{"detail":{"error":"Invalid topic. Must be 'general', 'news' or 'finance'."}}`, KindBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, status(tc.status, tc.body))
			c, _ := client(t, "tavily", f, Options{})
			_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
			e := providerError(t, err, tc.kind)
			assert.NotContains(t, e.Message, "{", "the message is the detail's text")
		})
	}
	t.Run("rate limit", func(t *testing.T) {
		f := newFake(t, sequence(status(429, `{"detail":{"error":"Your request has been blocked due to excessive requests. Please reduce rate of requests."}}`, "Retry-After", "2"), file(t, "tavily-search.json")))
		c, waits := client(t, "tavily", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{2 * time.Second}, waits.Sleeps())
	})
}

func TestJina(t *testing.T) {
	t.Run("search", func(t *testing.T) {
		f := newFake(t, file(t, "jina-search.json"))
		c, _ := client(t, "jina", f, Options{})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "eiffel tower height", Count: 5})
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "/base/", r.Path)
		assert.Equal(t, map[string][]string{"q": {"eiffel tower height"}, "num": {"5"}}, r.Query)
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "no-content", r.Header.Get("X-Respond-With"))
		assert.Equal(t, []Hit{
			{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Snippet: "The tower is 330 metres (1,083 ft) tall.", Date: "Mar 3, 2024"},
			{Title: "Key figures", URL: "https://www.toureiffel.paris/en/the-monument/key-figures", Snippet: "Height: 330 m."},
		}, hits)
	})
	t.Run("without a key", func(t *testing.T) {
		f := newFake(t, file(t, "jina-search.json"))
		c, err := New("jina", Options{BaseURL: f.srv.URL})
		require.NoError(t, err)
		_, err = c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		require.NoError(t, err)
		assert.Empty(t, f.requests()[0].Header.Get("Authorization"))
	})
	t.Run("read", func(t *testing.T) {
		f := newFake(t, file(t, "jina-read.json"))
		c, _ := client(t, "jina", f, Options{})
		p, err := c.(PageReader).ReadPage(ctx, "https://en.wikipedia.org/wiki/Eiffel_Tower")
		require.NoError(t, err)
		r := f.requests()[0]
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/page/", r.Path)
		assert.Equal(t, map[string]any{"url": "https://en.wikipedia.org/wiki/Eiffel_Tower"}, r.Body)
		assert.Equal(t, &Page{URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Title: "Eiffel Tower - Wikipedia",
			Text: "The Eiffel Tower is a wrought-iron lattice tower in Paris.\n\nIt is 330 metres tall."}, p)
	})
	t.Run("bad key", func(t *testing.T) {
		f := newFake(t, status(401, `{"data":null,"code":401,"name":"AuthenticationFailedError","status":40103,"message":"Invalid API key, please get a new one from https://jina.ai","readableMessage":"AuthenticationFailedError: Invalid API key, please get a new one from https://jina.ai"}`))
		c, _ := client(t, "jina", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindAuth)
		assert.Contains(t, e.Error(), "AuthenticationFailedError: Invalid API key")
	})
	t.Run("balance", func(t *testing.T) {
		f := newFake(t, status(402, `{"data":null,"code":402,"name":"InsufficientBalanceError","status":40203,"message":"Account balance not enough to run this query, please recharge.","readableMessage":"InsufficientBalanceError: Account balance not enough to run this query, please recharge."}`))
		c, _ := client(t, "jina", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		providerError(t, err, KindQuota)
	})
	t.Run("rate limit", func(t *testing.T) {
		f := newFake(t, status(429, `{"data":null,"code":429,"name":"RateLimitTriggeredError","status":42903,"message":"Per IP rate limit exceeded","readableMessage":"RateLimitTriggeredError: Per IP rate limit exceeded","retryAfter":30}`, "Retry-After", "30"))
		c, waits := client(t, "jina", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindRateLimit)
		assert.Equal(t, 30*time.Second, e.RetryAfter)
		assert.Equal(t, []time.Duration{30 * time.Second, 30 * time.Second}, waits.Sleeps())
	})
	t.Run("page that cannot be read", func(t *testing.T) {
		f := newFake(t, status(422, `{"data":null,"code":422,"name":"AssertionFailureError","status":42206,"message":"Failed to goto https://gone.example/: Error: net::ERR_NAME_NOT_RESOLVED","readableMessage":"AssertionFailureError: Failed to goto https://gone.example/: Error: net::ERR_NAME_NOT_RESOLVED"}`))
		c, _ := client(t, "jina", f, Options{})
		_, err := c.(PageReader).ReadPage(ctx, "https://gone.example/")
		providerError(t, err, KindTarget)
	})
}

func TestSearXNG(t *testing.T) {
	t.Run("pages until enough", func(t *testing.T) {
		f := newFake(t, sequence(file(t, "searxng-page1.json"), file(t, "searxng-page2.json"), status(200, `{"results":[]}`)))
		c, _ := client(t, "searxng", f, Options{Key: "proxy-token-1234", Locale: Locale{Language: "en"}})
		hits, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "eiffel tower height", Count: 5})
		require.NoError(t, err)
		reqs := f.requests()
		require.Len(t, reqs, 3, "page 3 added nothing")
		assert.Equal(t, "/base/search", reqs[0].Path)
		assert.Equal(t, map[string][]string{"q": {"eiffel tower height"}, "format": {"json"}, "categories": {"general"}, "language": {"en"}}, reqs[0].Query)
		assert.Equal(t, []string{"2"}, reqs[1].Query["pageno"])
		assert.Equal(t, "Bearer proxy-token-1234", reqs[0].Header.Get("Authorization"))
		require.Len(t, hits, 3, "the repeated result is dropped")
		assert.Equal(t, Hit{Title: "Key figures", URL: "https://www.toureiffel.paris/en/the-monument/key-figures", Snippet: "Height: 330 m.", Date: "2024-03-03T00:00:00", Source: "google"}, hits[1])
		assert.Equal(t, "https://example.org/eiffel", hits[2].URL)
	})
	t.Run("images", func(t *testing.T) {
		f := newFake(t, file(t, "searxng-images.json"))
		c, _ := client(t, "searxng", f, Options{})
		hits, err := c.(ImagesSearcher).SearchImages(ctx, TextQuery{Query: "eiffel tower", Count: 1})
		require.NoError(t, err)
		assert.Equal(t, []string{"images"}, f.requests()[0].Query["categories"])
		assert.Equal(t, []Hit{{Title: "Eiffel Tower at night", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Source: "bing images",
			ImageURL: "https://upload.example/eiffel-night.jpg", ThumbnailURL: "https://tbn.example/1.jpg"}}, hits)
	})
	t.Run("json switched off", func(t *testing.T) {
		f := newFake(t, func(_ int, _ seen, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			_, _ = w.Write([]byte("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>403 Forbidden</title>\n<h1>Forbidden</h1>"))
		})
		c, _ := client(t, "searxng", f, Options{})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindConfig)
		assert.Contains(t, e.Error(), "formats: [html, json]")
	})
	t.Run("limiter", func(t *testing.T) {
		f := newFake(t, status(429, `Too Many Requests`))
		c, _ := client(t, "searxng", f, Options{Retries: -1})
		_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "q"})
		e := providerError(t, err, KindRateLimit)
		assert.Contains(t, e.Error(), "server.limiter")
	})
}

// repeat returns n copies of s joined by commas.
func repeat(s string, n int) string {
	out := s
	for i := 1; i < n; i++ {
		out += "," + s
	}
	return out
}
