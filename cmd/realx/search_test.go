package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// solidPNG returns a w×h PNG of one colour with a darker band, a picture of its own.
func solidPNG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			px := c
			if x < w/3 {
				px = color.RGBA{c.R / 2, c.G / 2, c.B / 2, 255}
			}
			img.Set(x, y, px)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// fakeSerper is a Serper that answers searches, Lens and scrapes with its real answers' shapes,
// its results' thumbnails and pages served by web; calls counts what it was asked.
type fakeSerper struct {
	srv, web *httptest.Server
	calls    atomic.Int32
}

// newFakeSerper starts a fake Serper and the web its results point at.
func newFakeSerper(t *testing.T) *fakeSerper {
	f := &fakeSerper{}
	thumb := solidPNG(t, 30, 20, color.RGBA{200, 120, 40, 255})
	f.web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(thumb)
	}))
	t.Cleanup(f.web.Close)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/search":
			q, _ := body["q"].(string)
			fmt.Fprintf(w, `{"searchParameters": {"q": %q}, "organic": [`+
				`{"title": "Eiffel Tower - Encyclopedia", "link": "https://encyclopedia.example/eiffel", "snippet": "The tower is 330 metres tall.", "position": 1},`+
				`{"title": "Paris landmarks", "link": "https://travel.example/paris", "snippet": "Landmarks of Paris.", "date": "Mar 3, 2024", "position": 2}], "credits": 1}`, q)
		case "/lens":
			fmt.Fprintf(w, `{"organic": [{"title": "Eiffel Tower at dusk", "source": "Encyclopedia", "link": "https://encyclopedia.example/eiffel", "thumbnailUrl": "%s/thumb.png"}], "credits": 3}`, f.web.URL)
		case "/scrape/":
			// A page longer than web_visit's budget, which the summarizer condenses.
			page := strings.Repeat("The Eiffel Tower is a wrought-iron lattice tower in Paris. It is 330 metres tall. ", 400)
			fmt.Fprintf(w, `{"text": %q, "metadata": {"title": "Eiffel Tower"}, "credits": 1}`, page)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// close switches the fake provider and its web off.
func (f *fakeSerper) close() {
	f.srv.Close()
	f.web.Close()
}

// searchAgentSuite writes a two-question suite whose R1V4 agent searches by image, by words
// and visits a page through Serper, and returns its path.
func searchAgentSuite(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tower.png"), solidPNG(t, 56, 84, color.RGBA{90, 110, 160, 255}), 0o644))
	writeFile(t, dir, "data.jsonl", `{"id": "t1", "question": "How tall is this tower?", "image": "tower.png", "answer": "330 metres", "gold_urls": ["https://encyclopedia.example/eiffel"]}`+"\n"+
		`{"id": "t2", "question": "In which city is this tower?", "image": "tower.png", "answer": "Paris", "gold_entities": ["Paris"]}`+"\n")
	return writeFile(t, dir, "suite.yaml", "name: towers\ndata: {path: data.jsonl, fields: {images: [image]}}\njudge: {kind: subem}\n"+
		"agent: {protocol: r1v4, tools: [image_search, text_search, web_visit]}\nsearch: {provider: serper}\n")
}

// towerAgent is the model of searchAgentSuite: it searches with the image, then by words,
// visits the page it found, and answers.
func towerAgent(r *runnertest.Request) runnertest.Reply {
	calls := []string{
		`{"name": "image_search", "arguments": {"image_paths": ["image_1"]}}`,
		`{"name": "text_search", "arguments": {"queries": ["Eiffel Tower height"]}}`,
		`{"name": "web_visit", "arguments": {"urls": ["https://encyclopedia.example/eiffel"]}}`,
	}
	turn := 0
	for _, m := range r.Messages {
		if m.Role == "assistant" {
			turn++
		}
	}
	if turn < len(calls) {
		return runnertest.Reply{Content: "<think>Let me look it up.</think>\n<tool_call>" + calls[turn] + "</tool_call>"}
	}
	answer := "330 metres"
	if strings.Contains(r.Messages[1].Text, "city") {
		answer = "Paris"
	}
	return runnertest.Reply{Content: "<think>Found it.</think>\n<answer>" + answer + "</answer>"}
}

// comparable returns the records of a run as a replay must reproduce them: what the model
// said, the verdicts, every turn and tool observation (texts and image hashes) and the
// results the searches showed, with times, run ids and the searches' sources left out.
func comparable(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, r := range readResults(t, dir) {
		r.Run, r.LatencyMS = "", 0
		if tr := r.Trajectory; tr != nil {
			tr.WallMS, tr.ToolOpenMS = 0, 0
			for i := range tr.Turns {
				tr.Turns[i].LatencyMS = 0
				for j := range tr.Turns[i].Calls {
					tr.Turns[i].Calls[j].DurationMS = 0
				}
			}
			if tr.Search != nil {
				tr.Search.Requests = nil
			}
		}
		b, err := json.Marshal(r)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

// TestSearchRecordThenReplay runs a suite with --search record against a fake Serper (search,
// Lens with an uploaded image's URL, thumbnails, pages, and page summaries by a model), then
// with --search replay and the provider, its web and the summarizer switched off: the same
// answers, verdicts and tool observations, and byte-identical reports.
func TestSearchRecordThenReplay(t *testing.T) {
	dir := t.TempDir()
	suite := searchAgentSuite(t, dir)
	serper := newFakeSerper(t)
	t.Setenv("SERPER_API_KEY", "serper-key-for-the-fake")
	t.Setenv("REALX_SERPER_PAGE_URL", serper.srv.URL+"/scrape")
	model := runnertest.NewServer(t)
	model.Handle(towerAgent)
	summarizer := runnertest.NewServer(t)
	summarizer.Handle(func(*runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "The Eiffel Tower, in Paris, is 330 metres tall."}
	})
	store := filepath.Join(dir, "store")
	args := func(out string, more ...string) []string {
		return append([]string{"run", suite, "--model", "tower-agent", "--base-url", model.URL(), "--out", filepath.Join(dir, out),
			"--progress", "none", "--search-store", store, "--search-image-url-prefix", "https://img.example/q",
			"--search-summarizer", "qwen3-32b", "--search-summarizer-base-url", summarizer.URL()}, more...)
	}
	r := realxCLI(t, nil, args("record", "--search", "record", "--search-base-url", serper.srv.URL, "--allow-private-urls")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: searches (record): ")
	asked := serper.calls.Load()
	assert.Positive(t, asked)

	serper.close()
	summarizer.Close()
	t.Setenv("SERPER_API_KEY", "")
	r = realxCLI(t, nil, args("replay", "--search", "replay")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "0 missing from it, 0 asked live, 0 recorded")

	recorded, replayed := comparable(t, filepath.Join(dir, "record")), comparable(t, filepath.Join(dir, "replay"))
	require.Len(t, recorded, 2)
	assert.Equal(t, recorded, replayed)
	for _, want := range []string{`"pass":true`, `"name":"image_search"`, `"name":"web_visit"`, `The Eiffel Tower, in Paris, is 330 metres tall.`, `"urls":["https://encyclopedia.example/eiffel"`} {
		assert.Contains(t, recorded[0], want)
	}
	assert.Equal(t, report(t, filepath.Join(dir, "record")), report(t, filepath.Join(dir, "replay")), "accuracy")
	for _, section := range []string{"usage", "categories", "calls", "sequences"} { // not the times
		assert.Equal(t, report(t, filepath.Join(dir, "record"), "--table", "tools", "--section", section),
			report(t, filepath.Join(dir, "replay"), "--table", "tools", "--section", section), section)
	}
	// The search table differs only where the answers came from: asked (and, for a request
	// made twice at once, shared), then read from the store, which keeps thumbnails with
	// the image search that found them.
	searches := strings.Split(report(t, filepath.Join(dir, "record"), filepath.Join(dir, "replay"), "--table", "search", "--format", "csv", "--by", "suite"), "\n")
	require.Len(t, searches, 6)
	assert.Equal(t, "suite,run,n,searched %,text/sample,image/sample,visit/sample,requests,store hits,store misses,live,recall %,n gold,expected", searches[0])
	assert.Regexp(t, `^towers,tower-agent \[record\],2,100.0,1.00,1.00,1.00,\d+,\d+,0,\d+,100.0,2,2$`, searches[1])
	assert.Equal(t, "towers,tower-agent [replay],2,100.0,1.00,1.00,1.00,8,8,0,0,100.0,2,2", searches[2])

	m, err := reports.ReadManifest(filepath.Join(dir, "replay"))
	require.NoError(t, err)
	require.NotNil(t, m.Search)
	assert.Equal(t, "replay", m.Search.Mode)
	assert.Equal(t, store, m.Search.Store)
	assert.Regexp(t, `^qwen3-32b `, m.Search.Summarizer)
	rec, err := reports.ReadManifest(filepath.Join(dir, "record"))
	require.NoError(t, err)
	assert.Equal(t, rec.Search.StoreDigest, m.Search.StoreDigest, "the record's manifest has the digest of what it recorded")
	assert.Equal(t, map[string]string{"text": "serper", "image": "serper", "images": "serper", "pages": "serper"}, rec.Search.Providers)
}

// TestSearchReplayMissFailsTheSample replays a store that lacks one sample's search: that
// sample's record has a tool error naming the missing request, the other sample is graded,
// and the run goes on to its end.
func TestSearchReplayMissFailsTheSample(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "corpus.jsonl", `{"id": "eiffel", "title": "Eiffel Tower", "text": "The Eiffel Tower is 330 metres tall."}`+"\n")
	writeFile(t, dir, "data.jsonl", `{"id": "a", "question": "Look up: Eiffel Tower", "answer": "330"}`+"\n"+`{"id": "b", "question": "Look up: Louvre", "answer": "Paris"}`+"\n")
	suite := writeFile(t, dir, "suite.yaml", "name: lookups\ndata: {path: data.jsonl}\nprompt: {user: \"{{.Question}}\"}\njudge: {kind: subem}\n"+
		"agent: {protocol: hermes, tools: [search]}\nsearch: {corpus: corpus.jsonl}\n")
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		q := r.Last().Text
		if topic, ok := strings.CutPrefix(q, "Look up: "); ok {
			return runnertest.Reply{Content: `<tool_call>{"name": "search", "arguments": {"query": "` + topic + `"}}</tool_call>`}
		}
		return runnertest.Reply{Content: "<answer>330</answer>"}
	})
	store := filepath.Join(dir, "store")
	run := func(out string, more ...string) cliResult {
		return realxCLI(t, nil, append([]string{"run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, out), "--progress", "none"}, more...)...)
	}
	r := run("record", "--search", "record", "--search-store", store, "--limit", "1")
	require.Equal(t, 0, r.code, r.stderr)

	r = run("replay", "--search", "replay", "--search-store", store)
	assert.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "1 of 2 samples without a verdict (1 tool)")
	results := readResults(t, filepath.Join(dir, "replay"))
	require.Len(t, results, 2)
	byID := map[string]*reports.Result{}
	for _, res := range results {
		byID[res.ID] = res
	}
	assert.True(t, byID["a"].Graded())
	require.NotNil(t, byID["b"].Error)
	assert.Equal(t, reports.ErrTool, byID["b"].Error.Class)
	assert.Contains(t, byID["b"].Error.Message, `tool search: search replay: the search store has no answer for the text search "louvre" (key `)
	require.NotNil(t, byID["b"].Trajectory.Search)
	assert.Equal(t, runners.SearchCount{Requests: 1, StoreMisses: 1, Failed: 1}, byID["b"].Trajectory.Search.Total())
}

// TestSearchExportImport moves a store through an archive and merges it into another: the
// same digest; the archive is the same bytes each time.
func TestSearchExportImport(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "corpus.jsonl", `{"id": "eiffel", "title": "Eiffel Tower", "text": "The Eiffel Tower is 330 metres tall."}`+"\n")
	writeFile(t, dir, "data.jsonl", `{"id": "a", "question": "Look up: Eiffel Tower", "answer": "330"}`+"\n")
	suite := writeFile(t, dir, "suite.yaml", "name: lookups\ndata: {path: data.jsonl}\nprompt: {user: \"{{.Question}}\"}\njudge: {kind: subem}\n"+
		"agent: {protocol: hermes, tools: [search]}\nsearch: {corpus: corpus.jsonl}\n")
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		if len(r.Messages) <= 2 {
			return runnertest.Reply{Content: `<tool_call>{"name": "search", "arguments": {"query": "Eiffel Tower"}}</tool_call>`}
		}
		return runnertest.Reply{Content: "<answer>330</answer>"}
	})
	store := filepath.Join(dir, "store")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", model.URL(), "--out", filepath.Join(dir, "run"), "--progress", "none", "--search", "record", "--search-store", store)
	require.Equal(t, 0, r.code, r.stderr)

	archive := filepath.Join(dir, "store.tar.gz")
	r = realxCLI(t, nil, "search", "export", store, "-o", archive)
	require.Equal(t, 0, r.code, r.stderr)
	first, err := os.ReadFile(archive)
	require.NoError(t, err)
	r = realxCLI(t, nil, "search", "export", store, "-o", "-")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, first, []byte(r.stdout), "an export is the same bytes each time")

	r = realxCLI(t, nil, "search", "import", filepath.Join(dir, "copy"), archive)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^imported into .*copy: 1 records, 0 images written, 0 records there already; store sha256:[0-9a-f]{64}\n$`, r.stdout)
	digest := r.stdout[strings.LastIndex(r.stdout, "sha256:"):]
	r = realxCLI(t, nil, "search", "import", filepath.Join(dir, "merged"), store)
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasSuffix(r.stdout, digest), r.stdout)

	// DeepEyesV2's released cache: one image search per sample id, its images beside it.
	writeFile(t, dir, "cache.json", `{"fvqa_train_3": {"tool_returned_web_title": ["Tower", "Gone"], "cached_images_path": ["/data/cached_images/3_0.png", "/data/cached_images/3_1.png"]}}`)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "cached_images"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cached_images", "3_0.png"), solidPNG(t, 8, 8, color.RGBA{1, 2, 3, 255}), 0o644))
	r = realxCLI(t, nil, "search", "import", filepath.Join(dir, "dv2"), filepath.Join(dir, "cache.json"), "--from", "deepeyesv2", "--images", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, ": 1 records, ")
	assert.Contains(t, r.stdout, ", 1 results without their image left out")

	for _, bad := range [][]string{
		{"search", "import", filepath.Join(dir, "dv2"), filepath.Join(dir, "cache.json"), "--from", "deepeyesv2"},
		{"search", "import", filepath.Join(dir, "dv2"), filepath.Join(dir, "cache.json"), "--from", "mmsearch"},
		{"search", "export", store},
		{"search", "exprot", store},
	} {
		r = realxCLI(t, nil, bad...)
		assert.Equal(t, 2, r.code, "%v: %s", bad, r.stderr)
	}
	assert.False(t, slices.Contains([]int{0, 1}, realxCLI(t, nil, "search", "import", store).code))
}

// TestValidateChecksTheSearchBlock reads the suite's corpus and opens its store, and names an
// unknown provider, each at its key; a suite whose search tools nothing answers gets a warning.
func TestValidateChecksTheSearchBlock(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", `{"id": "a", "question": "q", "answer": "a"}`+"\n")
	writeFile(t, dir, "corpus.jsonl", `{"id": "x"}`+"\n")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "store"), 0o755))
	suite := writeFile(t, dir, "suite.yaml", "name: v\ndata: {path: data.jsonl}\njudge: {kind: em}\nagent: {protocol: hermes, tools: [search]}\n"+
		"search: {provider: bing, corpus: corpus.jsonl, store: store}\n")
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, suite+`:5:20: unknown search provider "bing"`)
	assert.Contains(t, r.stderr, suite+`:5:34: search.corpus: corpus: 1 problem(s):`+"\n"+`corpus.jsonl:1: document "x" has neither title nor text`)
	assert.Contains(t, r.stderr, suite+`:5:55: search.store: search store: the snapshot has no realx-search-store.json`)

	suite = writeFile(t, dir, "bare.yaml", "name: v\ndata: {path: data.jsonl}\njudge: {kind: em}\nagent: {protocol: hermes, tools: [search]}\n")
	r = realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, suite+":4:34: warning: the search tools have nothing to answer them in the suite")

	r = realxCLI(t, nil, "validate", "mmsearch-mini")
	assert.Equal(t, 0, r.code, r.stderr)
}
