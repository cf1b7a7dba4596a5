package provider

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// testKey is the key the tests' clients send; no error may hold it.
const testKey = "sk-test-4f9c2e71b8d3"

// seen is a request a fake provider received.
type seen struct {
	Method, Path string
	Query        map[string][]string
	Header       http.Header
	Body         map[string]any
}

// fake is a provider's endpoint: it records each request and answers with reply(i, request).
type fake struct {
	mu    sync.Mutex
	reqs  []seen
	reply func(i int, s seen, w http.ResponseWriter)
	srv   *httptest.Server
}

// newFake starts a fake provider.
func newFake(t *testing.T, reply func(i int, s seen, w http.ResponseWriter)) *fake {
	t.Helper()
	f := &fake{reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
		if len(b) > 0 {
			require.NoError(t, json.Unmarshal(b, &s.Body), "the request body is JSON")
		}
		f.mu.Lock()
		i := len(f.reqs)
		f.reqs = append(f.reqs, s)
		f.mu.Unlock()
		f.reply(i, s, w)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// requests returns what the fake received.
func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// file answers with a testdata file.
func file(t *testing.T, name string) func(int, seen, http.ResponseWriter) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return func(_ int, _ seen, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
}

// status answers with a status, a body and headers.
func status(code int, body string, header ...string) func(int, seen, http.ResponseWriter) {
	return func(_ int, _ seen, w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// sequence answers the i-th request with the i-th reply, the last one from then on.
func sequence(replies ...func(int, seen, http.ResponseWriter)) func(int, seen, http.ResponseWriter) {
	return func(i int, s seen, w http.ResponseWriter) {
		replies[min(i, len(replies)-1)](i, s, w)
	}
}

// client returns the named provider's client against f, on a fake clock whose sleeps it
// returns.
func client(t *testing.T, name string, f *fake, o Options) (Client, *runnertest.Clock) {
	t.Helper()
	if o.Key == "" {
		o.Key = testKey
	}
	o.BaseURL = f.srv.URL + "/base"
	o.PageURL = f.srv.URL + "/page"
	clock := runnertest.NewClock()
	if o.Clock == nil {
		o.Clock = clock
	}
	c, err := New(name, o)
	require.NoError(t, err)
	return c, clock
}

// providerError asserts that err is an *Error of kind k without the key, and returns it.
func providerError(t *testing.T, err error, k Kind) *Error {
	t.Helper()
	require.Error(t, err)
	var e *Error
	require.ErrorAs(t, err, &e, "got %v", err)
	assert.Equal(t, k, e.Kind, "%v", err)
	assert.NotContains(t, err.Error(), testKey)
	return e
}

func TestNewRefusesMissingSettings(t *testing.T) {
	_, err := New("serper", Options{})
	require.EqualError(t, err, "search provider serper needs an API key: set SERPER_API_KEY")
	_, err = New("searxng", Options{})
	require.ErrorContains(t, err, "set REALX_SEARXNG_BASE_URL")
	_, err = New("bing", Options{Key: "k"})
	require.EqualError(t, err, `unknown search provider "bing": the providers are brave, jina, searxng, serpapi, serper, tavily`)
	_, err = New("brave", Options{Key: "k", BaseURL: "ftp://x"})
	require.ErrorContains(t, err, `REALX_BRAVE_BASE_URL="ftp://x" is not an http(s) URL`)
	c, err := New("jina", Options{})
	require.NoError(t, err, "Jina works without a key")
	assert.Equal(t, "jina", c.Name())
}

func TestCapabilitiesMatchInfo(t *testing.T) {
	for _, name := range Names() {
		info, _ := Lookup(name)
		c, err := New(name, Options{Key: "k", BaseURL: "https://x.example"})
		require.NoError(t, err)
		_, text := c.(TextSearcher)
		_, images := c.(ImagesSearcher)
		_, lens := c.(ImageSearcher)
		_, pages := c.(PageReader)
		assert.Equal(t, [4]bool{info.Text, info.Images, info.Lens, info.Pages}, [4]bool{text, images, lens, pages}, name)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := http.Header{}
	assert.Zero(t, retryAfter(h, now))
	h.Set("Retry-After", "7")
	assert.Equal(t, 7*time.Second, retryAfter(h, now))
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	assert.Equal(t, 90*time.Second, retryAfter(h, now))
	h.Set("Retry-After", "soon")
	assert.Zero(t, retryAfter(h, now))
}

func TestTransportErrorHoldsNoKey(t *testing.T) {
	// SerpApi's key travels in the URL, which net/http's errors quote.
	f := newFake(t, status(200, "{}"))
	c, _ := client(t, "serpapi", f, Options{})
	f.srv.Close()
	_, err := c.(TextSearcher).SearchText(context.Background(), TextQuery{Query: "x"})
	e := providerError(t, err, KindTransport)
	assert.Contains(t, e.Error(), "REALX_SERPAPI_BASE_URL")
}

func TestCanceledContextIsReturned(t *testing.T) {
	f := newFake(t, status(429, `{"message":"Too many requests"}`, "Retry-After", "1"))
	c, _ := client(t, "serper", f, Options{Clock: runners.SystemClock})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.(TextSearcher).SearchText(ctx, TextQuery{Query: "x"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestNotJSONIsABadResponse(t *testing.T) {
	f := newFake(t, func(_ int, _ seen, w http.ResponseWriter) { _, _ = io.WriteString(w, "<html>gateway</html>") })
	c, _ := client(t, "tavily", f, Options{})
	_, err := c.(TextSearcher).SearchText(context.Background(), TextQuery{Query: "x"})
	e := providerError(t, err, KindBadResponse)
	assert.Contains(t, e.Error(), `the answer begins "<html>gateway</html>"`)
}
