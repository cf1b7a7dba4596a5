package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
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

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

var ctx = context.Background()

// pngOf returns a w×h PNG of one colour.
func pngOf(t testing.TB, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// fakeProvider answers every kind of search from fixed hits and counts its calls.
type fakeProvider struct {
	text, lens []provider.Hit
	page       *provider.Page
	pageErr    error
	err        error
	needsURL   bool
	calls      atomic.Int32
	gotURL     string
	delay      time.Duration
	mu         sync.Mutex
}

func (f *fakeProvider) Name() string        { return "fake" }
func (f *fakeProvider) NeedsImageURL() bool { return f.needsURL }

func (f *fakeProvider) SearchText(_ context.Context, q provider.TextQuery) ([]provider.Hit, error) {
	f.calls.Add(1)
	time.Sleep(f.delay)
	if f.err != nil {
		return nil, f.err
	}
	return append([]provider.Hit(nil), f.text...), nil
}

func (f *fakeProvider) SearchImage(_ context.Context, q provider.ImageQuery) ([]provider.Hit, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.gotURL = q.URL
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := make([]provider.Hit, len(f.lens))
	for i, h := range f.lens {
		out[i] = h
		if h.Thumb != nil {
			b := *h.Thumb
			out[i].Thumb = &b
		}
	}
	return out, nil
}

func (f *fakeProvider) ReadPage(_ context.Context, u string) (*provider.Page, error) {
	f.calls.Add(1)
	if f.pageErr != nil {
		return nil, f.pageErr
	}
	p := *f.page
	p.URL = u
	return &p, nil
}

// eiffelHits are a text search's results, in the shapes providers give.
var eiffelHits = []provider.Hit{
	{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Snippet: "The tower is 330 metres (1,083 ft) tall."},
	{Title: "Key figures", URL: "https://www.toureiffel.paris/en/the-monument/key-figures", Snippet: "Height: 330 m. Your browser can't play this video.", Date: "Mar 3, 2024"},
	{Title: "How tall is it?", URL: "https://example.org/eiffel"},
}

// lensHits are an image search's results, two with thumbnails in memory.
func lensHits(t testing.TB) []provider.Hit {
	red, blue := pngOf(t, 40, 30, color.RGBA{200, 0, 0, 255}), pngOf(t, 30, 40, color.RGBA{0, 0, 200, 255})
	return []provider.Hit{
		{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Source: "Wikipedia", Thumb: &provider.Blob{SHA256: store.SHA256(red), MIME: "image/png", Data: red}},
		{Title: "No thumbnail", URL: "https://example.org/none"},
		{Title: "Paris landmarks", URL: "https://blog.example/paris", Source: "Travel blog", Thumb: &provider.Blob{SHA256: store.SHA256(blue), MIME: "image/png", Data: blue}},
	}
}

// service returns a Service on f in mode, with a store in dir ("" for none).
func service(t testing.TB, f *fakeProvider, mode Mode, dir string) *Service {
	t.Helper()
	cfg := Config{Mode: mode, Secrets: []string{"sk-secret-key-0042"}}
	if f != nil {
		cfg.Text, cfg.Image, cfg.Reader = f, f, f
	}
	if dir != "" {
		st, err := store.Open(dir)
		require.NoError(t, err)
		cfg.Store = st
	}
	s, err := New(cfg)
	require.NoError(t, err)
	return s
}

// call opens tool name (style r1v4 for image_search when r1v4) on svc for env and calls it
// with args.
func call(t testing.TB, svc *Service, name string, o ToolOptions, env *runners.ToolEnv, args string) (*runners.Observation, error) {
	t.Helper()
	tool, err := NewTool(name, svc, o)
	require.NoError(t, err)
	inst, err := tool.Open(ctx, env)
	require.NoError(t, err)
	defer inst.Close()
	return inst.Call(ctx, json.RawMessage(args))
}

func TestParseMode(t *testing.T) {
	m, err := ParseMode("replay-or-live")
	require.NoError(t, err)
	assert.Equal(t, ReplayOrLive, m)
	_, err = ParseMode("cache")
	require.EqualError(t, err, `unknown search mode "cache": the modes are live, record, replay, replay-or-live`)
}

func TestNewChecksModeAndStore(t *testing.T) {
	_, err := New(Config{Mode: Replay})
	require.EqualError(t, err, "search mode replay needs a search store (a directory)")
	dir := t.TempDir()
	_, err = store.Open(dir)
	require.NoError(t, err)
	snap, err := store.OpenFS(os.DirFS(dir))
	require.NoError(t, err)
	_, err = New(Config{Mode: Record, Store: snap})
	require.ErrorContains(t, err, "read-only snapshot")
	s, err := New(Config{Mode: Replay, Store: snap})
	require.NoError(t, err)
	assert.Equal(t, Replay, s.Mode())
}

func TestSearchIsDeepEyesV2sText(t *testing.T) {
	f := &fakeProvider{text: eiffelHits}
	obs, err := call(t, service(t, f, Live, ""), SearchTool, ToolOptions{}, nil, `{"query": "Eiffel Tower height"}`)
	require.NoError(t, err)
	// The expected text is DeepEyesV2's f-strings applied by hand.
	want := "A Google search for 'Eiffel Tower height' found 3 results:\n\n## Web Results\n" +
		"1. [Eiffel Tower - Wikipedia](https://en.wikipedia.org/wiki/Eiffel_Tower)\n\nThe tower is 330 metres (1,083 ft) tall." +
		"\n\n" +
		"2. [Key figures](https://www.toureiffel.paris/en/the-monument/key-figures)\nDate published: Mar 3, 2024\n\nHeight: 330 m. " +
		"\n\n" +
		"3. [How tall is it?](https://example.org/eiffel)\n"
	assert.Equal(t, want, obs.Text)
	assert.Equal(t, "text_search", obs.Kind)
	assert.Empty(t, obs.Error)

	obs, err = call(t, service(t, f, Live, ""), SearchTool, ToolOptions{TextResults: 1}, nil, `{"query": "q"}`)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(obs.Text, "A Google search for 'q' found 1 results:"))

	obs, err = call(t, service(t, f, Live, ""), SearchTool, ToolOptions{}, nil, `{"q": "x"}`)
	require.NoError(t, err)
	assert.Equal(t, `missing the argument "query": call search with {"query": "<search query>"}`, obs.Error)
}

func TestImageSearchIsDeepEyesV2s(t *testing.T) {
	f := &fakeProvider{lens: lensHits(t)}
	env := &runners.ToolEnv{SampleID: "s1", Images: []*runners.Image{{Data: pngOf(t, 8, 8, color.RGBA{1, 2, 3, 255}), MIME: "image/png"}}}
	obs, err := call(t, service(t, f, Live, ""), ImageSearchTool, ToolOptions{}, env, `{}`)
	require.NoError(t, err)
	assert.Equal(t, "A Google image search for the image found 2 results:\n\n## Web Results\n"+
		"1. <image>\n[Eiffel Tower - Wikipedia] \n"+
		"\n\n"+
		"2. <image>\n[Paris landmarks] \n", obs.Text, "the result without an image is dropped, as DeepEyesV2's cache drops it")
	require.Len(t, obs.Images, 2)
	assert.Equal(t, 40, obs.Images[0].Width)
	assert.Equal(t, "image_search", obs.Kind)

	obs, err = call(t, service(t, f, Live, ""), ImageSearchTool, ToolOptions{}, env, `{"image_paths": ["image_1"]}`)
	require.NoError(t, err)
	assert.Equal(t, "image_search takes no arguments: it searches with the original image", obs.Error)
	obs, err = call(t, service(t, f, Live, ""), ImageSearchTool, ToolOptions{}, &runners.ToolEnv{}, `{}`)
	require.NoError(t, err)
	assert.Equal(t, "the question has no image to search with", obs.Error)
}

func TestTextSearchIsR1V4sJSON(t *testing.T) {
	f := &fakeProvider{text: eiffelHits[:2]}
	obs, err := call(t, service(t, f, Live, ""), TextSearchTool, ToolOptions{}, nil, `{"queries": ["eiffel tower height", "tour eiffel hauteur"]}`)
	require.NoError(t, err)
	one := `{"query": "%s", "results": [{"title": "Eiffel Tower - Wikipedia", "url": "https://en.wikipedia.org/wiki/Eiffel_Tower", "snippet": "The tower is 330 metres (1,083 ft) tall."}, ` +
		`{"title": "Key figures", "url": "https://www.toureiffel.paris/en/the-monument/key-figures", "snippet": "Height: 330 m. Your browser can't play this video.", "date": "Mar 3, 2024"}]}`
	assert.Equal(t, "["+strings.Replace(one, "%s", "eiffel tower height", 1)+", "+strings.Replace(one, "%s", "tour eiffel hauteur", 1)+"]", obs.Text)
	assert.True(t, json.Valid([]byte(obs.Text)))
	assert.EqualValues(t, 2, f.calls.Load())

	obs, err = call(t, service(t, f, Live, ""), TextSearchTool, ToolOptions{MaxItems: 2}, nil, `{"queries": ["a", "b", "c"]}`)
	require.NoError(t, err)
	assert.Contains(t, obs.Error, `"queries" has 3 items; a call takes at most 2`)
}

func TestWebVisitCutsOrSummarises(t *testing.T) {
	long := strings.Repeat("The Eiffel Tower is 330 metres tall. ", 200)
	f := &fakeProvider{page: &provider.Page{Title: "Eiffel Tower", Text: long}}
	obs, err := call(t, service(t, f, Live, ""), WebVisitTool, ToolOptions{PageTokens: 50}, nil, `{"urls": ["https://en.wikipedia.org/wiki/Eiffel_Tower"]}`)
	require.NoError(t, err)
	var pages []map[string]string
	require.NoError(t, json.Unmarshal([]byte(obs.Text), &pages))
	require.Len(t, pages, 1)
	assert.Equal(t, "Eiffel Tower", pages[0]["title"])
	assert.LessOrEqual(t, Tokens(strings.SplitN(pages[0]["content"], "\n[…", 2)[0]), 50)
	assert.Contains(t, pages[0]["content"], "[… the page goes on; cut at about 50 tokens of")

	model := &fakeModel{reply: "<think>long thoughts</think>The tower is 330 m tall."}
	svc := service(t, f, Live, "")
	svc.cfg.Summarizer = &Summarizer{Model: model, Name: "qwen3-32b"}
	obs, err = call(t, svc, WebVisitTool, ToolOptions{PageTokens: 50}, nil, `{"urls": ["https://en.wikipedia.org/wiki/Eiffel_Tower"]}`)
	require.NoError(t, err)
	pages = nil
	require.NoError(t, json.Unmarshal([]byte(obs.Text), &pages))
	assert.Equal(t, "The tower is 330 m tall.", pages[0]["summary"])
	assert.Empty(t, pages[0]["content"])
	require.Len(t, model.prompts, 1)
	assert.Contains(t, model.prompts[0], "URL: https://en.wikipedia.org/wiki/Eiffel_Tower\nTitle: Eiffel Tower")

	short := &fakeProvider{page: &provider.Page{Title: "Short", Text: "Short page."}}
	svc = service(t, short, Live, "")
	svc.cfg.Summarizer = &Summarizer{Model: model, Name: "qwen3-32b"}
	obs, err = call(t, svc, WebVisitTool, ToolOptions{}, nil, `{"urls": ["https://example.org/"]}`)
	require.NoError(t, err)
	assert.Equal(t, `[{"url": "https://example.org/", "title": "Short", "content": "Short page."}]`, obs.Text, "a short page is not summarised")
}

func TestWebVisitShowsAPagesFailure(t *testing.T) {
	f := &fakeProvider{pageErr: &provider.Error{Provider: "fetch", Kind: provider.KindTarget, Message: "GET https://gone.example/: 404 Not Found"}}
	obs, err := call(t, service(t, f, Live, ""), WebVisitTool, ToolOptions{}, nil, `{"urls": ["https://gone.example/"]}`)
	require.NoError(t, err, "a missing page is the model's to see")
	assert.Equal(t, `[{"url": "https://gone.example/", "error": "GET https://gone.example/: 404 Not Found"}]`, obs.Text)
	assert.Equal(t, "no page could be read: https://gone.example/: GET https://gone.example/: 404 Not Found", obs.Error)

	f.pageErr = &provider.Error{Provider: "jina", Kind: provider.KindAuth, Message: "bad key"}
	_, err = call(t, service(t, f, Live, ""), WebVisitTool, ToolOptions{}, nil, `{"urls": ["https://gone.example/"]}`)
	require.Error(t, err, "a reader's failure ends the sample")
}

// fakeModel answers every chat with reply and keeps the prompts.
type fakeModel struct {
	mu      sync.Mutex
	reply   string
	prompts []string
}

func (m *fakeModel) Chat(_ context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prompts = append(m.prompts, req.Messages[0].Text())
	return &runners.ChatResponse{Content: m.reply}, nil
}

func TestR1V4ImageSearch(t *testing.T) {
	f := &fakeProvider{lens: lensHits(t)}
	img1 := pngOf(t, 8, 8, color.RGBA{1, 2, 3, 255})
	img2 := pngOf(t, 9, 9, color.RGBA{4, 5, 6, 255})
	env := &runners.ToolEnv{SampleID: "s1", Images: []*runners.Image{{Data: img1, MIME: "image/png"}, {Data: img2, MIME: "image/png"}}}
	obs, err := call(t, service(t, f, Live, ""), ImageSearchTool, ToolOptions{Style: R1V4}, env, `{"image_paths": ["image_1", "/realx/images/image_2.png", "crop.png", "image_3"]}`)
	require.NoError(t, err)
	var out []struct {
		Image   string            `json:"image"`
		Results []json.RawMessage `json:"results"`
		Error   string            `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(obs.Text), &out))
	require.Len(t, out, 4)
	assert.Len(t, out[0].Results, 3)
	assert.Equal(t, `{"title": "Eiffel Tower - Wikipedia", "url": "https://en.wikipedia.org/wiki/Eiffel_Tower", "source": "Wikipedia", "image": 1}`, pyJSON(json.RawMessage(out[0].Results[0])))
	assert.Len(t, out[1].Results, 3)
	assert.Contains(t, out[2].Error, `"crop.png" is none of the question's images (image_1 … image_2)`)
	assert.Contains(t, out[3].Error, `"image_3" names image 3, and the question has 2 images`)
	assert.Len(t, obs.Images, 4, "two results with images for each of two searches")
	assert.Empty(t, obs.Error, "some searches succeeded")
	assert.EqualValues(t, 2, f.calls.Load())

	obs, err = call(t, service(t, f, Live, ""), ImageSearchTool, ToolOptions{Style: R1V4}, env, `{}`)
	require.NoError(t, err)
	assert.Contains(t, obs.Text, `"image": "image_1"`, "no arguments search with the question's image")

	resolved := ToolOptions{Style: R1V4, ResolveImage: func(_ context.Context, _ *runners.ToolEnv, name string) (*runners.Image, error) {
		if name == "/tmp/crop.png" {
			return &runners.Image{Data: img2, MIME: "image/png"}, nil
		}
		return nil, errors.New("no such file")
	}}
	obs, err = call(t, service(t, f, Live, ""), ImageSearchTool, resolved, env, `{"image_paths": ["/tmp/crop.png"]}`)
	require.NoError(t, err)
	assert.Empty(t, obs.Error)
}

func TestImageSearchByURLAndUploads(t *testing.T) {
	img := pngOf(t, 16, 16, color.RGBA{9, 9, 9, 255})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(img)
	}))
	defer srv.Close()
	f := &fakeProvider{lens: lensHits(t), needsURL: true}
	svc := service(t, f, Live, "")
	svc.cfg.Fetcher = provider.NewFetcher(provider.FetchOptions{AllowPrivate: true})
	env := &runners.ToolEnv{Images: []*runners.Image{{Data: img, MIME: "image/png"}}}

	obs, err := call(t, svc, ImageSearchTool, ToolOptions{Style: R1V4}, env, `{"image_paths": ["`+srv.URL+`/q.png"]}`)
	require.NoError(t, err)
	assert.Empty(t, obs.Error)
	assert.Equal(t, srv.URL+"/q.png", f.gotURL, "a public URL needs no upload")

	_, err = call(t, svc, ImageSearchTool, ToolOptions{}, env, `{}`)
	require.ErrorIs(t, err, provider.ErrNoUploader)
	assert.Contains(t, err.Error(), "REALX_SEARCH_UPLOAD_CMD")

	svc.cfg.Uploader = &provider.PrefixUploader{Prefix: "https://img.example/realx"}
	_, err = call(t, svc, ImageSearchTool, ToolOptions{}, env, `{}`)
	require.NoError(t, err)
	assert.Equal(t, "https://img.example/realx/"+provider.ImageName(img, "image/png"), f.gotURL)
}

// session runs a fixed set of calls, one sample after another, and returns their observations
// as text (with the images' hashes).
func session(t *testing.T, svc *Service) []string {
	t.Helper()
	img := pngOf(t, 8, 8, color.RGBA{1, 2, 3, 255})
	env := &runners.ToolEnv{SampleID: "s1", Images: []*runners.Image{{Data: img, MIME: "image/png"}}}
	calls := []struct {
		tool string
		opt  ToolOptions
		args string
	}{
		{SearchTool, ToolOptions{}, `{"query": "Eiffel tower height"}`},
		{TextSearchTool, ToolOptions{}, `{"queries": ["eiffel tower  HEIGHT", "louvre"]}`},
		{ImageSearchTool, ToolOptions{}, `{}`},
		{ImageSearchTool, ToolOptions{Style: R1V4}, `{"image_paths": ["image_1"]}`},
		{WebVisitTool, ToolOptions{PageTokens: 20}, `{"urls": ["https://en.wikipedia.org/wiki/Eiffel_Tower"]}`},
	}
	var out []string
	for _, c := range calls {
		obs, err := call(t, svc, c.tool, c.opt, env, c.args)
		require.NoError(t, err, c.tool)
		s := obs.Kind + "|" + obs.Error + "|" + obs.Text
		for _, im := range obs.Images {
			s += "|" + store.SHA256(im.Data)
		}
		out = append(out, s)
	}
	return out
}

func TestRecordThenReplayGivesTheSameObservations(t *testing.T) {
	dir := t.TempDir()
	f := &fakeProvider{text: eiffelHits, lens: lensHits(t), page: &provider.Page{Title: "Eiffel", Text: strings.Repeat("word ", 100)}}
	rec := service(t, f, Record, dir)
	recorded := session(t, rec)
	calls := f.calls.Load()
	assert.EqualValues(t, 4, calls, "the repeated query and the repeated image search were answered from the store")
	c := rec.Counts()
	assert.EqualValues(t, 1, c.ByKind[store.KindText].StoreHits)
	assert.EqualValues(t, 1, c.ByKind[store.KindImage].StoreHits)
	assert.EqualValues(t, 4, c.Total().Recorded)

	snap, err := store.OpenFS(os.DirFS(dir))
	require.NoError(t, err)
	replay, err := New(Config{Mode: Replay, Store: snap})
	require.NoError(t, err)
	assert.Equal(t, recorded, session(t, replay))
	assert.EqualValues(t, calls, f.calls.Load(), "no provider was asked")
	rc := replay.Counts().Total()
	assert.EqualValues(t, 6, rc.StoreHits)
	assert.Zero(t, rc.StoreMisses)
	assert.Zero(t, rc.Live)

	// Replay on another machine: a copy of the store made by export and import.
	var archive bytes.Buffer
	require.NoError(t, store.Export(snap, &archive))
	other, err := store.Open(t.TempDir())
	require.NoError(t, err)
	_, err = store.Import(other, &archive, store.ImportOptions{})
	require.NoError(t, err)
	moved, err := New(Config{Mode: Replay, Store: other})
	require.NoError(t, err)
	assert.Equal(t, recorded, session(t, moved))
}

func TestReplayMissNamesTheRequest(t *testing.T) {
	svc := service(t, nil, Replay, t.TempDir())
	tool, err := NewTool(SearchTool, svc, ToolOptions{})
	require.NoError(t, err)
	var got Counts
	tool.opt.OnClose = func(_ *runners.ToolEnv, c Counts) { got = c }
	inst, err := tool.Open(ctx, &runners.ToolEnv{SampleID: "s1"})
	require.NoError(t, err)
	_, err = inst.Call(ctx, json.RawMessage(`{"query": "Eiffel Tower height"}`))
	var miss *MissError
	require.ErrorAs(t, err, &miss)
	assert.Equal(t, `search replay: the search store has no answer for the text search "eiffel tower height" (key `+
		store.Text("eiffel tower height", "").Key()+`): record it first, with the search mode record or replay-or-live`, err.Error())
	require.NoError(t, inst.Close())
	assert.Equal(t, KindCounts{Requests: 1, StoreMisses: 1, Failed: 1}, got.ByKind[store.KindText])
}

func TestReplayOrLiveAsksOnlyForWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	f := &fakeProvider{text: eiffelHits}
	svc := service(t, f, ReplayOrLive, dir)
	for range 3 {
		_, err := call(t, svc, SearchTool, ToolOptions{}, nil, `{"query": "eiffel"}`)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, f.calls.Load())
	assert.Equal(t, KindCounts{Requests: 3, StoreHits: 2, StoreMisses: 1, Live: 1, Recorded: 1}, svc.Counts().ByKind[store.KindText])

	// A later record run refreshes the answer once, then reads it back.
	f.text = eiffelHits[:1]
	rec := service(t, f, Record, dir)
	for range 2 {
		obs, err := call(t, rec, SearchTool, ToolOptions{}, nil, `{"query": "eiffel"}`)
		require.NoError(t, err)
		assert.Contains(t, obs.Text, "found 1 results")
	}
	assert.EqualValues(t, 2, f.calls.Load())
}

func TestConcurrentIdenticalRequestsAreSentOnce(t *testing.T) {
	f := &fakeProvider{text: eiffelHits, delay: 300 * time.Millisecond}
	svc := service(t, f, Live, "")
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs, err := call(t, svc, SearchTool, ToolOptions{}, nil, `{"query": "eiffel"}`)
			assert.NoError(t, err)
			assert.Contains(t, obs.Text, "found 3 results")
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, f.calls.Load())
}

func TestProviderFailureEndsTheSample(t *testing.T) {
	f := &fakeProvider{err: &provider.Error{Provider: "serper", Kind: provider.KindQuota, Message: "Not enough credits"}}
	svc := service(t, f, ReplayOrLive, t.TempDir())
	_, err := call(t, svc, SearchTool, ToolOptions{}, nil, `{"query": "eiffel"}`)
	require.True(t, provider.IsKind(err, provider.KindQuota))
	keys, _ := svc.Store().Keys()
	assert.Empty(t, keys, "a failure is not recorded")
}

func TestKeysNeverReachTheStoreNorTheModel(t *testing.T) {
	const key = "sk-serper-secret-4242"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// A provider that echoes the key it was sent (an error page, a debug field).
		_, _ = w.Write([]byte(`{"organic": [{"title": "echo ` + r.Header.Get("X-API-KEY") + `", "link": "https://x.example/?k=` + r.Header.Get("X-API-KEY") + `", "snippet": "s"}]}`))
	}))
	defer echo.Close()
	c, err := provider.New("serper", provider.Options{Key: key, BaseURL: echo.URL})
	require.NoError(t, err)
	dir := t.TempDir()
	st, err := store.Open(dir)
	require.NoError(t, err)
	svc, err := New(Config{Mode: Record, Store: st, Text: c.(provider.TextSearcher), Secrets: []string{key}})
	require.NoError(t, err)
	obs, err := call(t, svc, SearchTool, ToolOptions{}, nil, `{"query": "anything"}`)
	require.NoError(t, err)
	assert.NotContains(t, obs.Text, key)
	assert.Contains(t, obs.Text, "echo [redacted]")

	// A provider's failure that echoes a secret (the query value of its base URL, say) ends the
	// sample with an error that does not hold it, and is still the provider's error.
	failing, err := New(Config{Text: &fakeProvider{err: &provider.Error{Provider: "fake", Kind: provider.KindAuth, Message: "refused " + key}}, Secrets: []string{key}})
	require.NoError(t, err)
	_, err = call(t, failing, SearchTool, ToolOptions{}, nil, `{"query": "anything"}`)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)
	assert.Contains(t, err.Error(), "refused [redacted]")
	assert.True(t, provider.IsKind(err, provider.KindAuth))
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.NotContains(t, string(b), key, p)
		}
		return nil
	}))
}

func TestTokens(t *testing.T) {
	assert.Equal(t, 0, Tokens(""))
	assert.Equal(t, 3, Tokens("tower height"))
	assert.Equal(t, 3, Tokens("architecture"), "twelve bytes")
	assert.Equal(t, 5, Tokens("埃菲尔铁塔"))
	assert.Equal(t, 3, Tokens("330 m."))
	text := strings.Repeat("alpha beta 埃菲尔 gamma, ", 50)
	for _, n := range []int{0, 1, 7, 100, 10000} {
		cut, did := CutTokens(text, n)
		assert.LessOrEqual(t, Tokens(cut), n)
		assert.Equal(t, Tokens(text) > n, did)
		assert.True(t, strings.HasPrefix(text, cut))
	}
}

func TestPyJSON(t *testing.T) {
	assert.Equal(t, `[{"a": "x, y: \"z\"", "b": [1, 2]}, "<&>"]`, pyJSON([]any{map[string]any{"a": `x, y: "z"`, "b": []int{1, 2}}, "<&>"}))
}

// BenchmarkReplaySearch measures a replayed search tool call end to end: arguments, the
// store's lookup, DeepEyesV2's text.
func BenchmarkReplaySearch(b *testing.B) {
	dir := b.TempDir()
	f := &fakeProvider{text: eiffelHits}
	rec := service(b, f, Record, dir)
	_, err := call(b, rec, SearchTool, ToolOptions{}, nil, `{"query": "eiffel tower height"}`)
	require.NoError(b, err)
	svc := service(b, nil, Replay, dir)
	tool, _ := NewTool(SearchTool, svc, ToolOptions{})
	inst, _ := tool.Open(ctx, &runners.ToolEnv{})
	args := json.RawMessage(`{"query": "eiffel tower height"}`)
	for b.Loop() {
		if _, err := inst.Call(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}
