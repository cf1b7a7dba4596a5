package search

import (
	"encoding/json"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

// TestRecordReplayThroughRealClients records a run's searches through the Serper client, its
// Lens by an uploaded URL, thumbnails and pages fetched from the web, and summaries by a model,
// then replays them with every provider, the web and the model gone.
func TestRecordReplayThroughRealClients(t *testing.T) {
	const key = "serper-key-7f3a9c"
	thumb := pngOf(t, 24, 16, color.RGBA{250, 120, 0, 255})
	var webCalls atomic.Int32
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		webCalls.Add(1)
		switch r.URL.Path {
		case "/thumb.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(thumb)
		case "/gone":
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><head><title>Eiffel</title></head><body><article><p>"+strings.Repeat("The Eiffel Tower is 330 metres tall and stands in Paris. ", 80)+"</p></article></body></html>")
		}
	}))
	defer web.Close()
	var serperCalls atomic.Int32
	serper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serperCalls.Add(1)
		require.Equal(t, key, r.Header.Get("X-API-KEY"))
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/search":
			_, _ = io.WriteString(w, `{"organic": [{"title": "Eiffel Tower - Wikipedia", "link": "`+web.URL+`/wiki", "snippet": "330 m", "position": 1}], "credits": 1}`)
		case "/lens":
			var body map[string]string
			require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
			require.True(t, strings.HasPrefix(body["url"], "https://img.example/q/"))
			_, _ = io.WriteString(w, `{"organic": [{"title": "Eiffel Tower", "source": "Wikipedia", "link": "`+web.URL+`/wiki", "thumbnailUrl": "`+web.URL+`/thumb.png"}], "credits": 3}`)
		}
	}))
	defer serper.Close()
	c, err := provider.New("serper", provider.Options{Key: key, BaseURL: serper.URL, Clock: runnertest.NewClock()})
	require.NoError(t, err)
	model := &fakeModel{reply: "A summary: the tower is 330 m tall."}
	summarizer := func(m runners.Model) *Summarizer { return &Summarizer{Model: m, Name: "qwen3-32b"} }

	dir := t.TempDir()
	st, err := store.Open(dir)
	require.NoError(t, err)
	rec, err := New(Config{Mode: Record, Store: st, Text: c.(provider.TextSearcher), Image: c.(provider.ImageSearcher),
		Fetcher: provider.NewFetcher(provider.FetchOptions{AllowPrivate: true}), Uploader: &provider.PrefixUploader{Prefix: "https://img.example/q"},
		Summarizer: summarizer(model), Secrets: []string{key}})
	require.NoError(t, err)
	// The reader is the fetcher, which New chose; the pages are on the test's server.
	run := func(svc *Service) []string {
		env := &runners.ToolEnv{SampleID: "s1", Images: []*runners.Image{{Data: pngOf(t, 8, 8, color.RGBA{7, 7, 7, 255}), MIME: "image/png"}}}
		var out []string
		for _, c := range []struct {
			name, args string
			opt        ToolOptions
		}{
			{SearchTool, `{"query": "eiffel tower"}`, ToolOptions{}},
			{ImageSearchTool, `{}`, ToolOptions{}},
			{WebVisitTool, `{"urls": ["` + web.URL + `/wiki", "` + web.URL + `/gone"]}`, ToolOptions{PageTokens: 100}},
		} {
			obs, err := call(t, svc, c.name, c.opt, env, c.args)
			require.NoError(t, err, c.name)
			s := obs.Text + "|" + obs.Error
			for _, im := range obs.Images {
				s += "|" + store.SHA256(im.Data)
			}
			out = append(out, s)
		}
		return out
	}
	recorded := run(rec)
	assert.Contains(t, recorded[0], "1. [Eiffel Tower - Wikipedia]("+web.URL+"/wiki)\n\n330 m")
	assert.Contains(t, recorded[1], "|"+store.SHA256(thumb))
	assert.Contains(t, recorded[2], `"summary": "A summary: the tower is 330 m tall."`)
	assert.Contains(t, recorded[2], `"error": "GET `+web.URL+`/gone: 404 Not Found"`)
	assert.EqualValues(t, 2, serperCalls.Load())

	web.Close()
	serper.Close()
	snap, err := store.OpenFS(os.DirFS(dir))
	require.NoError(t, err)
	replay, err := New(Config{Mode: Replay, Store: snap, Summarizer: summarizer(nil)})
	require.NoError(t, err)
	assert.Equal(t, recorded, run(replay))
	assert.Len(t, model.prompts, 1, "the model summarised once, when recording")
	total := replay.Counts().Total()
	assert.Zero(t, total.Live)
	assert.Zero(t, total.StoreMisses)
}
