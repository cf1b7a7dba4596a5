// Package benchmarks holds the suites shipped with realx — YAML and small data files, embedded
// in the binary so that it can run them by name. It holds data, not logic.
package benchmarks

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// FS holds every shipped suite as NAME/suite.yaml with its data beside it.
//
// vstar-demo is not embedded: its photos are test data for the image tools. Nor are the
// recorded trajectories of mmsearch-mini: `make demo` replays one from the repository.
//
//go:embed SOURCE.md */suite.yaml math500/test.jsonl aime24/test.jsonl aime25/test.jsonl amc23/test.jsonl
//go:embed mathvista-testmini/testmini.json mathvista-testmini/images mathvista-testmini/predictions
//go:embed bfcl-v3-multi-turn/data.jsonl bfcl-v3-multi-turn/LICENSE
//go:embed mmsearch-mini/data.jsonl mmsearch-mini/images mmsearch-mini/corpus mmsearch-mini/store
//go:embed tau2-airline/tasks.json tau2-retail/tasks.json
var FS embed.FS

// SuiteFile is the name of a suite's YAML file within its directory.
const SuiteFile = "suite.yaml"

// List returns the names of the shipped suites, sorted.
func List() []string {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := fs.Stat(FS, path.Join(e.Name(), SuiteFile)); err == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Load reads a suite given by the name of a shipped suite or the path of a YAML file. A path
// that exists on disk wins over a shipped name. An argument that is neither says which it
// looked like: a file that does not exist (a .yaml or .yml name, or a path), or a name that
// is not shipped, with the shipped names.
func Load(nameOrPath string) (*tasks.Suite, error) {
	if st, err := os.Stat(nameOrPath); err == nil && !st.IsDir() {
		return tasks.LoadFile(nameOrPath)
	}
	if st, err := os.Stat(path.Join(nameOrPath, SuiteFile)); err == nil && !st.IsDir() {
		return tasks.LoadFile(path.Join(nameOrPath, SuiteFile))
	}
	name := path.Join(nameOrPath, SuiteFile)
	if _, err := fs.Stat(FS, name); err == nil && fs.ValidPath(name) {
		return tasks.LoadFS(FS, name)
	}
	if st, err := os.Stat(nameOrPath); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: a directory with no %s in it", nameOrPath, SuiteFile)
	}
	if looksLikeFile(nameOrPath) {
		return nil, fmt.Errorf("%s: no such file", nameOrPath)
	}
	return nil, fmt.Errorf("no suite %q: the shipped suites are %s (a suite file is named by its path, such as my-suite.yaml)",
		nameOrPath, strings.Join(List(), ", "))
}

// looksLikeFile reports whether a suite argument names a file rather than a shipped suite: it
// ends in .yaml or .yml, or holds a path separator.
func looksLikeFile(arg string) bool {
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".yaml", ".yml":
		return true
	}
	return strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator)
}
