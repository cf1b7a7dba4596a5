package tasks

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// SearchSpec is a suite's search setup, for an agent that calls the search tools (search,
// image_search, text_search, web_visit). Its paths are relative to the suite file and read
// only beneath its directory, as its data is: an absolute path, a "../" above it or a
// symlink out of it is refused. The run's flags override each field.
type SearchSpec struct {
	// Provider names the search provider live searches go to (serper, serpapi, brave, tavily,
	// jina, searxng); empty, they go to the offline Corpus. Package realx checks the name.
	Provider string `yaml:"provider" json:"provider,omitempty"`
	// Corpus is the suite's offline corpus: a JSON Lines file of documents {"id", "title",
	// "url", "text", "images"}, the images relative to it.
	Corpus string `yaml:"corpus" json:"corpus,omitempty"`
	// Store is a search store shipped with the suite (a directory of recorded answers, see
	// package runners/tools/search/store), replayed read-only.
	Store string `yaml:"store" json:"store,omitempty"`
}

// search checks the search section: its provider's name is a name, and its corpus and store
// are paths beneath the suite's directory. The files are read (through SearchFile) when a run
// or `realx validate` opens them.
func (c *checker) search(s *Suite) {
	sp := s.Search
	if sp.Provider != "" && (strings.TrimSpace(sp.Provider) != sp.Provider || strings.ContainsAny(sp.Provider, "/:")) {
		c.errorf(yamlPath("search", "provider"), "search.provider %q is not a provider's name (serper, serpapi, brave, tavily, jina, searxng)", sp.Provider)
	}
	for _, f := range []struct{ key, value string }{{"corpus", sp.Corpus}, {"store", sp.Store}} {
		if _, ok := localPath(f.value); f.value != "" && !ok {
			c.errorf(yamlPath("search", f.key), "search.%s %q is not beneath %s: name a path there, relative to the suite file (an absolute path or a \"../\" above it is not read)",
				f.key, f.value, s.tree.where())
		}
	}
}

// SearchFile returns the file system of the suite's directory and the path in it of the
// search section's file key ("corpus" or "store"; "" when the section names none). On disk
// the file system is an os.Root, so that nothing read through it leads out of the directory,
// a symlink no more than a "../".
func (s *Suite) SearchFile(key string) (fsys fs.FS, name string, err error) {
	var p string
	switch key {
	case "corpus":
		p = s.Search.Corpus
	case "store":
		p = s.Search.Store
	default:
		return nil, "", fmt.Errorf("search.%s: no such key", key)
	}
	if p == "" {
		return nil, "", nil
	}
	rel, ok := localPath(p)
	if !ok {
		return nil, "", refuse("search.%s %q is not beneath %s", key, p, s.tree.where())
	}
	fsys, err = s.tree.fs()
	if err != nil {
		return nil, "", err
	}
	return fsys, rel, nil
}

// fs returns the tree as a file system: its directory in its fs.FS, or an os.Root on disk
// (left open: it lives as long as what reads through it).
func (t tree) fs() (fs.FS, error) {
	if t.fsys != nil {
		return fs.Sub(t.fsys, t.dir)
	}
	root, err := os.OpenRoot(t.dir)
	if err != nil {
		return nil, err
	}
	return root.FS(), nil
}
