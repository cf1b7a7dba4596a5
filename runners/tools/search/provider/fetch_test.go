package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const article = `<!DOCTYPE html>
<html><head><title>Eiffel Tower - Wikipedia</title><script>var tracker = 1;</script></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/login">Log in</a></nav>
<div id="content"><article>
<h1>Eiffel Tower</h1>
<p>The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. It is named after the engineer Gustave Eiffel, whose company designed and built the tower from 1887 to 1889.</p>
<p>The tower is 330 metres (1,083 ft) tall, about the same height as an 81-storey building, and the tallest structure in Paris. Its base is square, measuring 125 metres (410 ft) on each side.</p>
<p>During its construction, the Eiffel Tower surpassed the Washington Monument to become the tallest human-made structure in the world, a title it held for 41 years until the Chrysler Building in New York City was finished in 1930.</p>
</article></div>
<footer>Cookie settings · Privacy policy</footer>
</body></html>`

// page serves handler on a fresh server and returns its URL.
func page(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestFetcherReadsTheArticle(t *testing.T) {
	u := page(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(article))
	})
	f := NewFetcher(FetchOptions{AllowPrivate: true})
	p, err := f.ReadPage(context.Background(), u+"/wiki/Eiffel_Tower")
	require.NoError(t, err)
	assert.Equal(t, "Eiffel Tower - Wikipedia", p.Title)
	assert.Contains(t, p.Text, "The tower is 330 metres (1,083 ft) tall")
	assert.NotContains(t, p.Text, "tracker")
	assert.NotContains(t, p.Text, "Log in", "navigation is not content")
	assert.Equal(t, u+"/wiki/Eiffel_Tower", p.URL)
}

func TestFetcherConvertsCharsets(t *testing.T) {
	u := page(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		_, _ = w.Write([]byte("Caf\xe9 de Flore"))
	})
	p, err := NewFetcher(FetchOptions{AllowPrivate: true}).ReadPage(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "Café de Flore", p.Text)
}

func TestFetcherFailuresAreThePagesFailures(t *testing.T) {
	u := page(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/big":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(strings.Repeat("x", 2000)))
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write([]byte("%PDF-1.7"))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	f := NewFetcher(FetchOptions{AllowPrivate: true, MaxBytes: 1000})
	impatient := NewFetcher(FetchOptions{AllowPrivate: true, Timeout: 100 * time.Millisecond})
	for path, want := range map[string]string{
		"/missing": "404 Not Found",
		"/big":     "over the 1000-byte cap",
		"/pdf":     "is a application/pdf document",
		"/slow":    "no answer within 100ms",
		"/loop":    "stopped after 5 redirects",
	} {
		f := f
		if path == "/slow" {
			f = impatient
		}
		_, err := f.ReadPage(context.Background(), u+path)
		require.Error(t, err, path)
		assert.True(t, IsKind(err, KindTarget), "%s: %v", path, err)
		assert.Contains(t, err.Error(), want, path)
	}
	_, err := f.ReadPage(context.Background(), "file:///etc/passwd")
	assert.True(t, IsKind(err, KindTarget))
}

func TestFetcherRefusesPrivateAddresses(t *testing.T) {
	u := page(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secret")) })
	_, err := NewFetcher(FetchOptions{}).ReadPage(context.Background(), u)
	require.Error(t, err)
	assert.True(t, IsKind(err, KindTarget))
	assert.Contains(t, err.Error(), "is loopback, and pages are fetched only from the internet")
	_, err = NewFetcher(FetchOptions{}).ReadPage(context.Background(), "http://169.254.169.254/latest/meta-data/")
	assert.Contains(t, err.Error(), "is link-local")
}

func TestFetcherCallerCancelIsNotThePages(t *testing.T) {
	u := page(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := NewFetcher(FetchOptions{AllowPrivate: true}).ReadPage(ctx, u)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, IsKind(err, KindTarget))
}

func TestFetcherBoundsFetchesPerHost(t *testing.T) {
	var inFlight, most atomic.Int32
	u := page(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		_, _ = w.Write([]byte("ok"))
	})
	f := NewFetcher(FetchOptions{AllowPrivate: true, PerHost: 2})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.Fetch(context.Background(), u)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, most.Load(), int32(2))
}

func TestCommandUploader(t *testing.T) {
	dir := t.TempDir()
	u := &CommandUploader{Command: `cat > "` + dir + `/$REALX_IMAGE_NAME" && echo "https://img.example/$REALX_IMAGE_NAME" && echo "$REALX_IMAGE_MIME" > "` + dir + `/mime"`}
	got, err := u.Upload(context.Background(), []byte("png bytes"), "image/png")
	require.NoError(t, err)
	name := ImageName([]byte("png bytes"), "image/png")
	assert.Equal(t, "https://img.example/"+name, got)
	assert.True(t, strings.HasSuffix(name, ".png"))
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	assert.Equal(t, "png bytes", string(b))
	require.NoError(t, os.Remove(filepath.Join(dir, name)))
	again, err := u.Upload(context.Background(), []byte("png bytes"), "image/png")
	require.NoError(t, err)
	assert.Equal(t, got, again)
	assert.NoFileExists(t, filepath.Join(dir, name), "each image is uploaded once")

	_, err = (&CommandUploader{Command: "echo not-a-url"}).Upload(context.Background(), []byte("x"), "image/png")
	require.ErrorContains(t, err, `printed "not-a-url", not the image's http(s) URL`)
	_, err = (&CommandUploader{Command: "echo denied >&2; exit 3"}).Upload(context.Background(), []byte("x"), "image/png")
	require.ErrorContains(t, err, "REALX_SEARCH_UPLOAD_CMD")
	require.ErrorContains(t, err, "denied")
}

func TestPrefixUploader(t *testing.T) {
	dir := t.TempDir()
	u := &PrefixUploader{Prefix: "https://img.example/realx", Dir: dir}
	got, err := u.Upload(context.Background(), []byte("jpeg bytes"), "image/jpeg")
	require.NoError(t, err)
	name := ImageName([]byte("jpeg bytes"), "image/jpeg")
	assert.Equal(t, "https://img.example/realx/"+name, got)
	assert.FileExists(t, filepath.Join(dir, name))
	_, err = (&PrefixUploader{Prefix: "img.example"}).Upload(context.Background(), []byte("x"), "image/png")
	require.ErrorContains(t, err, "REALX_SEARCH_IMAGE_URL_PREFIX")
}
