// Package prompts owns the prompt templates realx ships for agentic models: the system prompts
// and question wrappers that DeepEyesV2, DeepEyes and Skywork-R1V4 were evaluated with, verbatim
// from their authors' code and paper (Apache-2.0 and MIT; each file names its source), and
// Qwen's hermes tool block. They are Go text/template files, embedded in the binary; package
// runners renders them. A suite names one (agent.system: deepeyesv2) or gives its own text.
//
// System templates see .System (the suite's own system prompt), .Tools (each with .Name,
// .Description, .JSON as Qwen's chat template writes a tool, and .Compact as DeepEyes' prompt
// does), .Search (a search tool is enabled) and .Has NAME. User templates see .Question (the
// first text of the user message) and the same tool fields.
package prompts

import (
	"embed"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed system/*.tmpl user/*.tmpl
var files embed.FS

// The kinds of template.
const (
	System = "system"
	User   = "user"
)

// Lookup returns the text of the template of kind (System or User) called name, and whether
// there is one. The text has no final newline.
func Lookup(kind, name string) (string, bool) {
	b, err := files.ReadFile(path.Join(kind, name+".tmpl"))
	if err != nil {
		return "", false
	}
	return strings.TrimSuffix(string(b), "\n"), true
}

// Names returns the names of the templates of kind, sorted.
func Names(kind string) []string {
	entries, err := fs.ReadDir(files, kind)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".tmpl"))
	}
	slices.Sort(names)
	return names
}
