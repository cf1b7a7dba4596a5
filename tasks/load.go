package tasks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadFile reads a suite from a YAML file on disk; data, image and template paths resolve
// relative to the file's directory and are read only beneath it (see ImageRef): an absolute
// path, a "../" above it or a symlink out of it is refused.
//
// Whenever the YAML itself parses, LoadFile returns the suite, even when it has problems, along
// with an Errors value holding every problem at its position; callers may add their own
// problems (Suite.Errorf) and report them all at once. A YAML syntax error returns a nil suite
// and an Errors of that one problem. A file that cannot be read returns its *fs.PathError.
func LoadFile(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return load(data, path, diskTree(filepath.Dir(path), suiteDir))
}

// LoadFS reads a suite from fsys (the embedded benchmarks). The name is slash-separated, such
// as "math500/suite.yaml", and becomes the suite's Source; data, image and template paths
// resolve within fsys, relative to the suite file's directory and beneath it. Its results are
// those of LoadFile.
func LoadFS(fsys fs.FS, name string) (*Suite, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return load(data, name, tree{fsys: fsys, dir: path.Dir(name), what: suiteDir})
}

// load decodes and checks a suite file's bytes; t is the suite file's directory.
func load(data []byte, source string, t tree) (*Suite, error) {
	sum := sha256.Sum256(data)
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{syntaxError(source, data, err)}
	}
	s := &Suite{Source: source, Digest: hex.EncodeToString(sum[:]), tree: t}
	c := newChecker(source, posTree{})

	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == nil:
		c.addAt(more.Line, more.Column, "a suite file holds one YAML document; found another")
	case !errors.Is(err, io.EOF):
		return nil, Errors{syntaxError(source, data, err)}
	}

	root, err := documentRoot(source, &doc)
	if err != nil {
		return nil, Errors{err}
	}
	switch {
	case root == nil || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null"):
		c.addAt(0, 0, "the suite file is empty")
		return s, c.errs
	case root.Kind != yaml.MappingNode:
		c.addAt(root.Line, root.Column, "a suite is a mapping of keys (name, data, judge …), got %s", describe(root))
		return s, c.errs
	}
	s.pos.root = root
	c.pos = s.pos

	c.decode(root, s, nil)
	c.validate(s)
	s.parseTemplates(c)
	s.dataBroken = c.broken["data"]
	c.errs.Sort()
	return s, c.errs.dedup().Err()
}

// documentRoot returns the top node of a parsed YAML document, with its aliases expanded
// (expandAliases), or nil when the document is empty.
func documentRoot(file string, doc *yaml.Node) (*yaml.Node, *Error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return expandAliases(file, doc.Content[0])
}

var (
	yamlLine    = regexp.MustCompile(`^line (\d+): `)
	yamlAnchor  = regexp.MustCompile(`^unknown anchor '([^']*)' referenced`)
	yamlParsing = "did not find expected"
)

// syntaxError positions a YAML syntax error. yaml.v3 gives the line in its message, except on
// the first line; for parser (not scanner) errors the line it gives is 0-based.
func syntaxError(source string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if strings.HasPrefix(msg, yamlParsing) {
			line++
		}
	}
	if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = len(yamlBreak.FindAllIndex(data[:i], -1)) + 1
		}
	}
	lines := yamlBreak.Split(string(data), -1)
	line = min(max(line, 1), len(lines)) // yaml.v3 puts the end of the file on a line after it
	if strings.Contains(msg, "cannot start any token") && strings.HasPrefix(lines[line-1], "\t") {
		msg += " (a tab: indent with spaces)"
	}
	return &Error{File: source, Line: line, Msg: "invalid YAML: " + msg}
}

// yamlBreak is a line break as YAML counts lines: CR LF, CR, LF, and the Unicode NEL, LS and
// PS.
var yamlBreak = regexp.MustCompile(`\r\n|[\r\n\x{85}\x{2028}\x{2029}]`)

// SetImageRoot makes relative image paths resolve against dir, a directory on disk, instead of
// the suite's data.image_root (the `--image-root` flag), and lets images be read beneath it
// (an absolute path too). It applies to every sample of the suite, those read before the call
// included; it must not be called while samples run.
func (s *Suite) SetImageRoot(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	s.imageRoot = diskTree(dir, imageRoot)
}

// AllowPrivateURLs lets the suite's image URLs reach loopback, link-local, private and other
// local addresses (the `--allow-private-urls` flag), which are refused otherwise. It applies
// to every sample of the suite; it must not be called while samples run.
func (s *Suite) AllowPrivateURLs() { s.privateURLs = true }
