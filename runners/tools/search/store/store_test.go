package store

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/search/provider"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func TestKeysAreStable(t *testing.T) {
	// A key is the SHA-256 of the request's JSON, {"kind":"text","query":"eiffel tower height"}
	// here. A change of keys orphans every shipped store: bump Format instead.
	assert.Equal(t, "39b1efcc8b626f06c1c0652499e2fff28aaa26be0367c772a4f0302e86e727de", Text("eiffel tower height", "").Key())
	assert.Equal(t, Text("  Eiffel   TOWER\theight ", "").Key(), Text("eiffel tower height", "").Key())
	assert.Equal(t, Text("ｅｉｆｆｅｌ", "").Key(), Text("eiffel", "").Key(), "NFKC folds full-width letters")
	assert.NotEqual(t, Text("eiffel tower", "").Key(), Text("eiffel tower", "fr/fr").Key())
	assert.NotEqual(t, Text("eiffel", "").Key(), Images("eiffel", "").Key())
	assert.Equal(t, Image([]byte("png"), "").Image, SHA256([]byte("png")))
	assert.Equal(t, Page("HTTPS://En.Wikipedia.org:443/wiki/Eiffel_Tower#History").Key(), Page("https://en.wikipedia.org/wiki/Eiffel_Tower").Key())
	assert.Equal(t, "https://example.org/", NormalizeURL("https://EXAMPLE.org"))
	assert.Equal(t, "http://example.org:8080/a?b=1", NormalizeURL("http://example.org:8080/a?b=1#c"))
	assert.Equal(t, "not a url", NormalizeURL(" not a url "))
}

func TestRequestNames(t *testing.T) {
	assert.Equal(t, `text search "eiffel tower height"`, Text("Eiffel Tower height", "").String())
	assert.Equal(t, `text search "tour eiffel" (fr/fr)`, Text("tour eiffel", "fr/fr").String())
	assert.Equal(t, `image search with the image of sample "fvqa_1"`, ImageOfSample("fvqa_1").String())
	assert.Equal(t, "image search with the image sha256:"+SHA256([]byte("x")), Image([]byte("x"), "").String())
	assert.Equal(t, "page https://example.org/", Page("https://example.org").String())
	assert.Contains(t, Summary("text", "qwen3-32b", "prompt").String(), "summary by qwen3-32b of the text sha256:")
}

// sampleRecord is a record with a thumbnail blob in s.
func sampleRecord(t *testing.T, s *Store, q string) *Record {
	t.Helper()
	blob, err := s.PutBlob([]byte("\x89PNG thumb of "+q), "image/png")
	require.NoError(t, err)
	return &Record{Request: Text(q, ""), Provider: "serper", Hits: []provider.Hit{
		{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Snippet: "330 m <tall> & square", Thumb: blob},
		{Title: "Key figures", URL: "https://www.toureiffel.paris/"},
	}}
}

func TestPutLookup(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	_, err = s.Lookup(Text("eiffel tower height", ""))
	require.ErrorIs(t, err, ErrNotFound)

	rec := sampleRecord(t, s, "eiffel tower height")
	require.NoError(t, s.Put(rec))
	b, err := os.ReadFile(filepath.Join(dir, "records", rec.Request.Key()[:2], rec.Request.Key()+".json"))
	require.NoError(t, err)
	golden(t, "record.json", b)

	again, err := Open(dir)
	require.NoError(t, err)
	got, err := again.Lookup(Text("EIFFEL tower  height", ""))
	require.NoError(t, err)
	assert.Equal(t, rec, got)
	data, err := again.Blob(got.Hits[0].Thumb)
	require.NoError(t, err)
	assert.Equal(t, "\x89PNG thumb of eiffel tower height", string(data))

	got.Hits[0].Title = "changed by the caller"
	got2, _ := again.Lookup(rec.Request)
	assert.Equal(t, "Eiffel Tower - Wikipedia", got2.Hits[0].Title, "records are the caller's copies")
}

func TestPutRefusesSecretsAndMissingBlobs(t *testing.T) {
	s, err := Open(t.TempDir())
	require.NoError(t, err)
	s.SetSecrets("sk-live-0123456789")
	rec := &Record{Request: Text("q", ""), Hits: []provider.Hit{{Title: "echoed sk-live-0123456789"}}}
	err = s.Put(rec)
	require.ErrorContains(t, err, "holds a secret (a provider's API key")
	assert.NotContains(t, err.Error(), "sk-live-0123456789")
	_, err = s.Lookup(rec.Request)
	require.ErrorIs(t, err, ErrNotFound)

	err = s.Put(&Record{Request: Text("q", ""), Hits: []provider.Hit{{Title: "t", Thumb: &provider.Blob{SHA256: SHA256([]byte("absent"))}}}})
	require.ErrorContains(t, err, "which the store lacks")

	// An MCP server's variables join the secrets; a call's result holding one is refused too.
	s.AddSecrets("server-token-value")
	call, err := Call("srv", "echo", []byte(`{"b": 1, "a": [2]}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a":[2],"b":1}`, call.Arguments)
	for _, secret := range []string{"sk-live-0123456789", "server-token-value"} {
		err = s.Put(&Record{Request: call, Result: &ToolResult{Text: "echo: " + secret}})
		require.ErrorContains(t, err, "holds a secret (a provider's API key", secret)
	}
}

func TestOpenRefusesOtherDirectories(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644))
	_, err := Open(dir)
	require.ErrorContains(t, err, "is not a search store")

	_, err = OpenFS(fstest.MapFS{})
	require.ErrorContains(t, err, "has no realx-search-store.json")
	_, err = OpenFS(fstest.MapFS{MarkerFile: {Data: []byte(`{"format": 9}`)}})
	require.EqualError(t, err, "search store: the snapshot is of format 9; this realx reads format 1")
}

func TestReadOnlySnapshot(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	rec := sampleRecord(t, s, "q")
	require.NoError(t, s.Put(rec))

	snap, err := OpenFS(os.DirFS(dir))
	require.NoError(t, err)
	assert.False(t, snap.Writable())
	got, err := snap.Lookup(rec.Request)
	require.NoError(t, err)
	assert.Equal(t, rec, got)
	require.ErrorContains(t, snap.Put(rec), "read-only")
}

func TestTamperedFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	rec := sampleRecord(t, s, "q")
	require.NoError(t, s.Put(rec))
	other := Text("other", "")
	// Move q's record under other's key.
	from := filepath.Join(dir, "records", rec.Request.Key()[:2], rec.Request.Key()+".json")
	to := filepath.Join(dir, "records", other.Key()[:2], other.Key()+".json")
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.Rename(from, to))
	fresh, _ := Open(dir)
	_, err = fresh.Lookup(other)
	require.ErrorContains(t, err, "holds the record of another request")

	sum := rec.Hits[0].Thumb.SHA256
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blobs", sum[:2], sum), []byte("changed"), 0o644))
	_, err = fresh.Blob(rec.Hits[0].Thumb)
	require.ErrorContains(t, err, "does not hash to its name")
}

// filled returns a new store holding the records of queries, put in that order.
func filled(t *testing.T, queries ...string) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	require.NoError(t, err)
	for _, q := range queries {
		require.NoError(t, s.Put(sampleRecord(t, s, q)))
	}
	return s
}

func TestDigestAndExportAreDeterministic(t *testing.T) {
	a := filled(t, "alpha", "beta", "gamma")
	b := filled(t, "gamma", "alpha", "beta")
	da, err := a.Digest()
	require.NoError(t, err)
	db, err := b.Digest()
	require.NoError(t, err)
	assert.Equal(t, da, db)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, da)

	var ea, eb bytes.Buffer
	require.NoError(t, Export(a, &ea))
	require.NoError(t, Export(b, &eb))
	assert.Equal(t, ea.Bytes(), eb.Bytes(), "the same store exports to the same bytes")

	rec, _ := a.Lookup(Text("beta", ""))
	rec.Hits = rec.Hits[:1]
	require.NoError(t, a.Put(rec))
	changed, _ := a.Digest()
	assert.NotEqual(t, da, changed)
}

func TestImportRoundTrip(t *testing.T) {
	src := filled(t, "alpha", "beta")
	var archive bytes.Buffer
	require.NoError(t, Export(src, &archive))

	dst, err := Open(t.TempDir())
	require.NoError(t, err)
	st, err := Import(dst, bytes.NewReader(archive.Bytes()), ImportOptions{})
	require.NoError(t, err)
	assert.Equal(t, ImportStats{Records: 2, Blobs: 2}, st)
	ds, _ := src.Digest()
	dd, _ := dst.Digest()
	assert.Equal(t, ds, dd)

	st, err = Import(dst, bytes.NewReader(archive.Bytes()), ImportOptions{})
	require.NoError(t, err)
	assert.Equal(t, ImportStats{Same: 2}, st, "importing twice changes nothing")

	rec, _ := dst.Lookup(Text("alpha", ""))
	rec.Hits = rec.Hits[1:]
	require.NoError(t, dst.Put(rec))
	st, err = Import(dst, bytes.NewReader(archive.Bytes()), ImportOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{Text("alpha", "").Key()}, st.Conflicts)
	kept, _ := dst.Lookup(Text("alpha", ""))
	assert.Len(t, kept.Hits, 1, "the store's record is kept")
	st, err = Import(dst, bytes.NewReader(archive.Bytes()), ImportOptions{Overwrite: true})
	require.NoError(t, err)
	assert.Equal(t, 1, st.Records)
	replaced, _ := dst.Lookup(Text("alpha", ""))
	assert.Len(t, replaced.Hits, 2)
}

func TestMerge(t *testing.T) {
	src := filled(t, "alpha")
	dst := filled(t, "beta")
	st, err := Merge(dst, src, ImportOptions{})
	require.NoError(t, err)
	assert.Equal(t, ImportStats{Records: 1, Blobs: 1}, st)
	got, err := dst.Lookup(Text("alpha", ""))
	require.NoError(t, err)
	_, err = dst.Blob(got.Hits[0].Thumb)
	require.NoError(t, err)
}

func TestImportRefusesBadArchives(t *testing.T) {
	good := filled(t, "alpha")
	key := Text("alpha", "").Key()
	rec, _ := good.Lookup(Text("alpha", ""))
	recBytes, _ := EncodeRecord(rec)
	sum := rec.Hits[0].Thumb.SHA256
	for name, files := range map[string]map[string][]byte{
		"outside the layout":      {"../etc/passwd": []byte("x")},
		"blob of another hash":    {"blobs/" + sum[:2] + "/" + sum: []byte("not the blob")},
		"record of another key":   {"records/" + Text("beta", "").Key()[:2] + "/" + Text("beta", "").Key() + ".json": recBytes},
		"record without its blob": {"records/" + key[:2] + "/" + key + ".json": recBytes},
		"unknown field":           {"records/" + key[:2] + "/" + key + ".json": bytes.Replace(recBytes, []byte(`"provider"`), []byte(`"vendor"`), 1)},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			writeTarGz(t, &buf, files)
			dst, err := Open(t.TempDir())
			require.NoError(t, err)
			_, err = Import(dst, &buf, ImportOptions{})
			require.Error(t, err)
			keys, _ := dst.Keys()
			assert.Empty(t, keys, "nothing was written")
		})
	}
}

func TestImportDeepEyesV2(t *testing.T) {
	images := fstest.MapFS{
		"cached_images/train/a.jpg": {Data: []byte("\xff\xd8\xff\xe0 jpeg a")},
		"cached_images/train/b.png": {Data: []byte("\x89PNG\r\n\x1a\n png b")},
	}
	cache := `{
	  "fvqa_train_1": {"tool_returned_web_title": ["Eiffel Tower - Wikipedia", "Missing one", "Paris landmarks", "No image"],
	                   "cached_images_path": ["/mnt/data/search_cache/cached_images/train/a.jpg", "/mnt/data/cached_images/train/gone.jpg", "cached_images/train/b.png", null]},
	  "fvqa_train_2": {"tool_returned_web_title": [], "cached_images_path": []}
	}`
	s, err := Open(t.TempDir())
	require.NoError(t, err)
	st, err := ImportDeepEyesV2(s, bytes.NewReader([]byte(cache)), images, DeepEyesV2Options{
		SampleID: func(k string) string { return "fvqa-" + k },
		QueryImage: func(k string) ([]byte, error) {
			if k == "fvqa_train_1" {
				return []byte("question image 1"), nil
			}
			return nil, errors.New("not in the dataset")
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 3, st.Records, "two samples, one also by its image's hash")
	assert.Equal(t, 2, st.Missing)

	rec, err := s.Lookup(ImageOfSample("fvqa-fvqa_train_1"))
	require.NoError(t, err)
	assert.Equal(t, DeepEyesV2Provider, rec.Provider)
	require.Len(t, rec.Hits, 2)
	assert.Equal(t, "Eiffel Tower - Wikipedia", rec.Hits[0].Title)
	assert.Equal(t, "image/jpeg", rec.Hits[0].Thumb.MIME)
	assert.Equal(t, "Paris landmarks", rec.Hits[1].Title)
	data, err := s.Blob(rec.Hits[1].Thumb)
	require.NoError(t, err)
	assert.Equal(t, "\x89PNG\r\n\x1a\n png b", string(data))

	byHash, err := s.Lookup(Image([]byte("question image 1"), ""))
	require.NoError(t, err)
	assert.Equal(t, rec.Hits, byHash.Hits)
	empty, err := s.Lookup(ImageOfSample("fvqa-fvqa_train_2"))
	require.NoError(t, err)
	assert.Empty(t, empty.Hits, "a sample without results is recorded as such")

	_, err = ImportDeepEyesV2(s, bytes.NewReader([]byte(`[1,2]`)), images, DeepEyesV2Options{})
	require.ErrorContains(t, err, "not a JSON object keyed by sample id")
	_, err = ImportDeepEyesV2(s, bytes.NewReader([]byte(`{"x": {"tool_returned_web_title": ["a"], "cached_images_path": []}}`)), images, DeepEyesV2Options{})
	require.ErrorContains(t, err, `sample "x" has 1 titles and 0 image paths`)
}

// BenchmarkLookup measures a replayed request: its key, and the record from memory (warm) or
// from its file (cold), in a store of 2,000 records.
func BenchmarkLookup(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir)
	require.NoError(b, err)
	reqs := make([]Request, 2000)
	for i := range reqs {
		reqs[i] = Text(fmt.Sprintf("query number %d about the eiffel tower", i), "")
		require.NoError(b, s.Put(&Record{Request: reqs[i], Provider: "serper", Hits: []provider.Hit{
			{Title: "Eiffel Tower - Wikipedia", URL: "https://en.wikipedia.org/wiki/Eiffel_Tower", Snippet: "The tower is 330 metres tall."},
			{Title: "Key figures", URL: "https://www.toureiffel.paris/", Snippet: "Height: 330 m."},
		}}))
	}
	b.Run("warm", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := s.Lookup(Text(fmt.Sprintf("query number %d about the eiffel tower", i%len(reqs)), "")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		fresh, err := Open(dir)
		require.NoError(b, err)
		for i := 0; b.Loop(); i++ {
			if i%len(reqs) == 0 {
				fresh, _ = Open(dir)
			}
			if _, err := fresh.Lookup(reqs[i%len(reqs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeTarGz writes files as a gzipped tar archive, in order of name.
func writeTarGz(t *testing.T, w io.Writer, files map[string][]byte) {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n]))}))
		_, err := tw.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
}
