package search

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search/corpus"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

func TestOfflineCorpusIsTheDefault(t *testing.T) {
	tower := stripesPNG(t, 64, 48)
	c, err := corpus.Open(fstest.MapFS{
		"corpus.jsonl": {Data: []byte(`{"id": "eiffel", "title": "Eiffel Tower", "url": "https://en.wikipedia.org/wiki/Eiffel_Tower", "text": "The Eiffel Tower is 330 metres tall.", "images": ["eiffel.png"]}
{"id": "louvre", "title": "Louvre", "url": "https://en.wikipedia.org/wiki/Louvre", "text": "The Louvre is a museum in Paris."}
`)},
		"eiffel.png": {Data: tower},
	}, "corpus.jsonl")
	require.NoError(t, err)
	defer c.Close()
	svc, err := New(Config{Corpus: c})
	require.NoError(t, err)

	obs, err := call(t, svc, SearchTool, ToolOptions{}, nil, `{"query": "How tall is the Eiffel Tower?"}`)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(obs.Text, "A Google search for 'How tall is the Eiffel Tower?' found 1 results:\n\n## Web Results\n1. [Eiffel Tower](https://en.wikipedia.org/wiki/Eiffel_Tower)\n\nThe Eiffel Tower is 330 metres tall."), obs.Text)

	obs, err = call(t, svc, WebVisitTool, ToolOptions{}, nil, `{"urls": ["https://en.wikipedia.org/wiki/Louvre", "https://elsewhere.example/"]}`)
	require.NoError(t, err)
	assert.Equal(t, `[{"url": "https://en.wikipedia.org/wiki/Louvre", "title": "Louvre", "content": "The Louvre is a museum in Paris."}, `+
		`{"url": "https://elsewhere.example/", "error": "https://elsewhere.example/ is not in the offline corpus"}]`, obs.Text)

	env := &runners.ToolEnv{Images: []*runners.Image{{Data: tower, MIME: "image/png"}}}
	obs, err = call(t, svc, ImageSearchTool, ToolOptions{}, env, `{}`)
	require.NoError(t, err)
	assert.Equal(t, "A Google image search for the image found 1 results:\n\n## Web Results\n1. <image>\n[Eiffel Tower] \n", obs.Text)
	require.Len(t, obs.Images, 1)
}

// stripesPNG returns a w×h PNG of vertical stripes, a picture a perceptual hash tells apart.
func stripesPNG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{30, 40, 50, 255}
			if x*8/w%2 == 0 {
				c = color.RGBA{220, 200, 180, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestDeepEyesV2CacheAnswersBySample(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	require.NoError(t, err)
	thumb := pngOf(t, 20, 10, color.RGBA{10, 200, 10, 255})
	cache := `{"fvqa_train_7": {"tool_returned_web_title": ["Château de Chambord", "Loire castles"], "cached_images_path": ["/data/cached_images/train/7_0.png", null]}}`
	_, err = store.ImportDeepEyesV2(st, bytes.NewReader([]byte(cache)), fstest.MapFS{"cached_images/train/7_0.png": {Data: thumb}}, store.DeepEyesV2Options{})
	require.NoError(t, err)

	svc, err := New(Config{Mode: Replay, Store: st})
	require.NoError(t, err)
	env := &runners.ToolEnv{SampleID: "fvqa_train_7", Images: []*runners.Image{{Data: pngOf(t, 8, 8, color.RGBA{1, 1, 1, 255}), MIME: "image/png"}}}
	obs, err := call(t, svc, ImageSearchTool, ToolOptions{}, env, `{}`)
	require.NoError(t, err)
	assert.Equal(t, "A Google image search for the image found 1 results:\n\n## Web Results\n1. <image>\n[Château de Chambord] \n", obs.Text)
	require.Len(t, obs.Images, 1)
	assert.Equal(t, thumb, obs.Images[0].Data)

	obs, err = call(t, svc, ImageSearchTool, ToolOptions{Style: R1V4}, env, `{"image_paths": ["image_1"]}`)
	require.NoError(t, err)
	var out []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(obs.Text), &out))
	assert.JSONEq(t, `[{"title": "Château de Chambord", "image": 1}]`, string(out[0]["results"]))

	env.SampleID = "another"
	_, err = call(t, svc, ImageSearchTool, ToolOptions{}, env, `{}`)
	var miss *MissError
	require.ErrorAs(t, err, &miss)
}

// TestInstanceReportsWhatItShowed reports a sample's requests and the results it showed the
// model: the URLs and corpus ids of the hits shown (not of those past the tool's count) and of
// the pages read.
func TestInstanceReportsWhatItShowed(t *testing.T) {
	c, err := corpus.Open(fstest.MapFS{
		"corpus.jsonl": {Data: []byte(`{"id": "eiffel", "title": "Eiffel Tower", "url": "https://en.wikipedia.org/wiki/Eiffel_Tower", "text": "The Eiffel Tower is in Paris."}
{"id": "louvre", "title": "Louvre", "text": "The Louvre is a museum in Paris."}
{"id": "colosseum", "title": "Colosseum", "text": "The Colosseum is in Rome."}
`)},
	}, "corpus.jsonl")
	require.NoError(t, err)
	defer c.Close()
	svc, err := New(Config{Corpus: c})
	require.NoError(t, err)
	tool, err := NewTool(TextSearchTool, svc, ToolOptions{TextResults: 1})
	require.NoError(t, err)
	inst, err := tool.Open(ctx, nil)
	require.NoError(t, err)
	assert.Nil(t, inst.(runners.SearchReporter).SearchUse(), "nothing asked yet")
	_, err = inst.Call(ctx, json.RawMessage(`{"queries": ["Paris museum", "Rome"]}`))
	require.NoError(t, err)
	visit, err := NewTool(WebVisitTool, svc, ToolOptions{})
	require.NoError(t, err)
	vinst, err := visit.Open(ctx, nil)
	require.NoError(t, err)
	_, err = vinst.Call(ctx, json.RawMessage(`{"urls": ["HTTPS://en.wikipedia.org/wiki/Eiffel_Tower#History", "https://nowhere.example/"]}`))
	require.NoError(t, err)

	assert.Equal(t, &runners.SearchUse{
		Requests: map[string]runners.SearchCount{"text": {Requests: 2, Live: 2}},
		URLs:     []string{"corpus://colosseum/", "corpus://louvre/"},
		Docs:     []string{"colosseum", "louvre"},
	}, inst.(runners.SearchReporter).SearchUse())
	assert.Equal(t, &runners.SearchUse{
		Requests: map[string]runners.SearchCount{"page": {Requests: 2, Live: 2}},
		URLs:     []string{"https://en.wikipedia.org/wiki/Eiffel_Tower"},
		Docs:     []string{"eiffel"},
	}, vinst.(runners.SearchReporter).SearchUse())
}
