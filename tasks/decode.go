package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// Doc is a YAML file read by DecodeFile. It keeps the file's node tree, so that problems found
// after decoding are reported at their line and column.
type Doc struct {
	file string
	pos  posTree
}

// DecodeFile decodes the YAML data of file (named in messages) into v, a pointer, as strictly
// as a suite: every unknown key (with the known key it was likely meant to be), value of the
// wrong type and repeated key is reported at its position, all at once, in an Errors value;
// what is right is decoded all the same. A YAML syntax error is the one problem returned, with
// a nil Doc. An empty file decodes to nothing, without a problem.
func DecodeFile(file string, data []byte, v any) (*Doc, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{syntaxError(file, data, err)}
	}
	root, aerr := documentRoot(file, &doc)
	if aerr != nil {
		return nil, Errors{aerr}
	}
	d := &Doc{file: file}
	if root == nil {
		return d, nil
	}
	d.pos.root = root
	c := newChecker(file, d.pos)
	c.decode(root, v, nil)
	c.errs.Sort()
	return d, c.errs.dedup().Err()
}

// Errorf returns a problem positioned at path (a path of YAML keys, list items by their index)
// in the file, as Suite.Errorf does.
func (d *Doc) Errorf(path []string, format string, args ...any) *Error {
	e := &Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if node, key, _ := d.pos.find(path); node != nil {
		e.Line, e.Col = at(node, key)
	}
	return e
}

// Check returns what is out of range in g, each problem with the key it is about
// ("temperature") and what is wrong ("must be ≥ 0, got -1"), in field order: the ranges a
// suite's generation section is held to, for generation settings from anywhere else. An
// extra value that JSON cannot hold (NaN, a mapping with keys that are not strings) is a
// problem of "extra".
func (g Generation) Check() []Problem {
	var out []Problem
	if g.Temperature != nil && !(*g.Temperature >= 0) {
		out = append(out, Problem{Key: "temperature", Msg: fmt.Sprintf("must be ≥ 0, got %v", *g.Temperature)})
	}
	if g.TopP != nil && !(*g.TopP > 0 && *g.TopP <= 1) {
		out = append(out, Problem{Key: "top_p", Msg: fmt.Sprintf("must be in (0, 1], got %v", *g.TopP)})
	}
	if g.MaxTokens != nil && *g.MaxTokens < 1 {
		out = append(out, Problem{Key: "max_tokens", Msg: fmt.Sprintf("must be ≥ 1, got %d", *g.MaxTokens)})
	}
	for _, k := range slices.Sorted(maps.Keys(g.Extra)) {
		if _, err := json.Marshal(g.Extra[k]); err != nil {
			out = append(out, Problem{Key: "extra", Item: k, Msg: fmt.Sprintf("%q cannot be sent in a JSON request body: %s", k, notJSON(err))})
		}
	}
	return out
}

// notJSON says why a value decoded from YAML cannot be written as JSON.
func notJSON(err error) string {
	var typ *json.UnsupportedTypeError
	var val *json.UnsupportedValueError
	switch {
	case errors.As(err, &typ):
		return "it holds a mapping whose keys are not all strings"
	case errors.As(err, &val):
		return fmt.Sprintf("it holds %s, which JSON has no number for", val.Str)
	}
	return err.Error()
}

// Problem is a value out of range: its key and what is wrong with it.
type Problem struct {
	Key, Msg string
	// Item is the key within Key's mapping the problem is about (the extra field); "" when
	// the problem is about Key's value as a whole.
	Item string
}
