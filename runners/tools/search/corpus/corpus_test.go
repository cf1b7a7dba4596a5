package corpus

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/search/provider"
)

var ctx = context.Background()

// picturePNG draws a w×h image of a pattern (one of "stripes", "checks", "ring") and encodes
// it as PNG.
func picturePNG(t testing.TB, pattern string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			var on bool
			switch pattern {
			case "stripes":
				on = int(fx*8)%2 == 0
			case "checks":
				on = (int(fx*4)+int(fy*4))%2 == 0
			case "ring":
				dx, dy := fx-0.5, fy-0.5
				r := dx*dx + dy*dy
				on = r > 0.05 && r < 0.15
			}
			c := color.RGBA{30, 40, 50, 255}
			if on {
				c = color.RGBA{220, 200, 180, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// testCorpus returns the corpus of docs with the images named in them.
func testCorpus(t testing.TB) *Corpus {
	t.Helper()
	fsys := fstest.MapFS{
		"c/corpus.jsonl": {Data: []byte(`{"id": "eiffel", "title": "Eiffel Tower", "url": "https://en.wikipedia.org/wiki/Eiffel_Tower", "text": "The Eiffel Tower is a wrought-iron lattice tower in Paris. The tower is 330 metres tall.", "images": ["img/stripes.png"]}
{"id": "tokyo", "title": "Tokyo Tower", "url": "https://en.wikipedia.org/wiki/Tokyo_Tower", "text": "Tokyo Tower is a communications and observation tower in Tokyo. It is 333 metres tall.", "images": ["img/checks.png"]}

{"id": "louvre", "title": "Louvre", "text": "The Louvre is a museum in Paris, France.", "images": ["img/ring.png", "img/stripes-copy.png"]}
{"id": "twin-b", "title": "Twin", "text": "identical twin document"}
{"id": "twin-a", "title": "Twin", "text": "identical twin document"}
`)},
		"c/img/stripes.png":      {Data: picturePNG(t, "stripes", 256, 192)},
		"c/img/stripes-copy.png": {Data: picturePNG(t, "stripes", 256, 192)},
		"c/img/checks.png":       {Data: picturePNG(t, "checks", 256, 256)},
		"c/img/ring.png":         {Data: picturePNG(t, "ring", 200, 200)},
	}
	c, err := Open(fsys, "c/corpus.jsonl")
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSearchTextRanksByBM25(t *testing.T) {
	c := testCorpus(t)
	assert.Equal(t, 5, c.Len())
	hits, err := c.SearchText(ctx, provider.TextQuery{Query: "How tall is the Eiffel tower?", Count: 2})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, "Eiffel Tower", hits[0].Title)
	assert.Equal(t, "https://en.wikipedia.org/wiki/Eiffel_Tower", hits[0].URL)
	assert.Contains(t, hits[0].Snippet, "330 metres tall")
	assert.Equal(t, "Tokyo Tower", hits[1].Title)

	hits, err = c.SearchText(ctx, provider.TextQuery{Query: "museum paris"})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, "corpus://louvre", hits[0].URL, "a document without a URL is read as corpus://ID")

	hits, err = c.SearchText(ctx, provider.TextQuery{Query: "identical twin"})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, []string{"corpus://twin-a", "corpus://twin-b"}, []string{hits[0].URL, hits[1].URL}, "ties by id")

	hits, err = c.SearchText(ctx, provider.TextQuery{Query: `"; DROP TABLE docs; -- *`})
	require.NoError(t, err)
	assert.Empty(t, hits)
	hits, err = c.SearchText(ctx, provider.TextQuery{Query: "NEAR NOT OR"})
	require.NoError(t, err, "FTS5 operators are words")
	assert.Empty(t, hits)
}

func TestSearchImageByPerceptualHash(t *testing.T) {
	c := testCorpus(t)
	// A smaller copy of the stripes matches both documents that have it, ties by id.
	hits, err := c.SearchImage(ctx, provider.ImageQuery{Data: picturePNG(t, "stripes", 128, 96)})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, []string{"Eiffel Tower", "Louvre"}, []string{hits[0].Title, hits[1].Title})
	require.NotNil(t, hits[0].Thumb)
	assert.Equal(t, "image/png", hits[0].Thumb.MIME)
	assert.NotEmpty(t, hits[0].Thumb.Data)

	hits, err = c.SearchImage(ctx, provider.ImageQuery{Data: picturePNG(t, "checks", 300, 300), Count: 1})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, "Tokyo Tower", hits[0].Title)

	_, err = c.SearchImage(ctx, provider.ImageQuery{Data: []byte("not an image")})
	assert.True(t, provider.IsKind(err, provider.KindTarget))
}

func TestSearchImagesByWords(t *testing.T) {
	c := testCorpus(t)
	hits, err := c.SearchImages(ctx, provider.TextQuery{Query: "tower", Count: 5})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, "Eiffel Tower", hits[0].Title)
	assert.NotNil(t, hits[0].Thumb)
}

func TestReadPage(t *testing.T) {
	c := testCorpus(t)
	p, err := c.ReadPage(ctx, "HTTPS://en.wikipedia.org/wiki/Eiffel_Tower#History")
	require.NoError(t, err)
	assert.Equal(t, "Eiffel Tower", p.Title)
	assert.Contains(t, p.Text, "330 metres")
	p, err = c.ReadPage(ctx, "corpus://louvre")
	require.NoError(t, err)
	assert.Equal(t, "Louvre", p.Title)
	_, err = c.ReadPage(ctx, "https://example.org/")
	assert.True(t, provider.IsKind(err, provider.KindTarget))
	assert.Contains(t, err.Error(), "is not in the offline corpus")
}

func TestOpenReportsEveryProblem(t *testing.T) {
	fsys := fstest.MapFS{"corpus.jsonl": {Data: []byte(`{"id": "a", "title": "A"}
{"title": "no id"}
{"id": "a", "title": "again"}
{"id": "b", "title": "B", "images": ["missing.png"]}
{"id": "c", "tittle": "typo"}
not json
{"id": "d"}
`)}}
	_, err := Open(fsys, "corpus.jsonl")
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		"6 problem(s)",
		"corpus.jsonl:2: the document has no id",
		`corpus.jsonl:3: id "a" is used twice`,
		`corpus.jsonl:4: image "missing.png"`,
		`corpus.jsonl:5: json: unknown field "tittle"`,
		"corpus.jsonl:6: invalid character",
		`corpus.jsonl:7: document "d" has neither title nor text`,
	} {
		assert.Contains(t, msg, want)
	}
}

func TestConcurrentSearches(t *testing.T) {
	c := testCorpus(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := []string{"eiffel", "tokyo", "paris", "tower"}[i%4]
			hits, err := c.SearchText(ctx, provider.TextQuery{Query: q})
			assert.NoError(t, err)
			assert.NotEmpty(t, hits)
			assert.True(t, strings.Contains(strings.ToLower(hits[0].Title+hits[0].Snippet), q))
		}()
	}
	wg.Wait()
}

func BenchmarkSearchText(b *testing.B) {
	c := testCorpus(b)
	for b.Loop() {
		if _, err := c.SearchText(ctx, provider.TextQuery{Query: "how tall is the eiffel tower in paris"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDigestCoversTheImages gives two corpora the same digest only when their file and their
// images are the same.
func TestDigestCoversTheImages(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"id": "a", "title": "A", "images": ["a.png"]}` + "\n")
	open := func(img []byte) *Corpus {
		c, err := Open(fstest.MapFS{"c.jsonl": {Data: doc}, "a.png": {Data: img}}, "c.jsonl")
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	one, two := open(picturePNG(t, "stripes", 16, 16)), open(picturePNG(t, "stripes", 16, 16))
	assert.Equal(t, one.Digest(), two.Digest())
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, one.Digest())
	assert.NotEqual(t, one.Digest(), open(picturePNG(t, "checks", 16, 16)).Digest())
}
