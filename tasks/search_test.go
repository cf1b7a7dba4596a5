package tasks

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchPathsConfined reads a suite's search corpus and store only beneath its directory,
// as its data: a "../" or an absolute path is refused at its key, and a symlink out of the
// directory is not followed when the file is read.
func TestSearchPathsConfined(t *testing.T) {
	t.Parallel()
	dir, outside := confinedSetup(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "d.jsonl"), []byte(`{"id": "1", "question": "q", "answer": "a"}`+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "corpus.jsonl"), []byte(`{"id": "x", "text": "secret"}`+"\n"), 0o644))
	require.NoError(t, os.Symlink("../outside/corpus.jsonl", filepath.Join(dir, "link.jsonl")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "store"), 0o755))
	load := func(search string) (*Suite, error) {
		file := filepath.Join(dir, "suite.yaml")
		require.NoError(t, os.WriteFile(file, []byte("name: c\ndata: {path: data/d.jsonl}\njudge: {kind: em}\nsearch:\n"+search), 0o644))
		return LoadFile(file)
	}

	_, err := load("  corpus: ../outside/corpus.jsonl\n  store: " + outside + "\n  provider: \"serper \"\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `suite.yaml:5:11: search.corpus "../outside/corpus.jsonl" is not beneath the suite's directory`)
	assert.Contains(t, err.Error(), `suite.yaml:6:10: search.store "`+outside+`" is not beneath the suite's directory`)
	assert.Contains(t, err.Error(), `suite.yaml:7:13: search.provider "serper " is not a provider's name`)

	// The symlink out is refused when the corpus is read, through the file system SearchFile
	// gives.
	s, err := load("  corpus: link.jsonl\n  store: store\n")
	require.NoError(t, err)
	fsys, name, err := s.SearchFile("corpus")
	require.NoError(t, err)
	assert.Equal(t, "link.jsonl", name)
	_, err = fs.ReadFile(fsys, name)
	assert.Error(t, err, "the file system is confined to the suite's directory")
	fsys, name, err = s.SearchFile("store")
	require.NoError(t, err)
	st, err := fs.Stat(fsys, name)
	require.NoError(t, err)
	assert.True(t, st.IsDir())
}

// TestSearchFileOfAnEmbeddedSuite finds the search files of a suite in an fs.FS beneath its
// directory.
func TestSearchFileOfAnEmbeddedSuite(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"mini/suite.yaml":          {Data: []byte("name: mini\ndata: {path: d.jsonl}\njudge: {kind: em}\nsearch: {corpus: corpus/c.jsonl, store: store}\n")},
		"mini/d.jsonl":             {Data: []byte(`{"id": "1", "question": "q", "answer": "a"}` + "\n")},
		"mini/corpus/c.jsonl":      {Data: []byte(`{"id": "x", "text": "t"}` + "\n")},
		"mini/store/marker.json":   {Data: []byte("{}")},
		"other/corpus/c.jsonl":     {Data: []byte("not this one")},
		"mini/store/records/.keep": {Data: nil},
	}
	s, err := LoadFS(fsys, "mini/suite.yaml")
	require.NoError(t, err)
	sub, name, err := s.SearchFile("corpus")
	require.NoError(t, err)
	b, err := fs.ReadFile(sub, name)
	require.NoError(t, err)
	assert.Equal(t, `{"id": "x", "text": "t"}`+"\n", string(b))
	_, name, err = s.SearchFile("store")
	require.NoError(t, err)
	assert.Equal(t, "store", name)
	s.Search.Corpus = ""
	sub, name, err = s.SearchFile("corpus")
	assert.NoError(t, err)
	assert.Nil(t, sub)
	assert.Empty(t, name)
}
