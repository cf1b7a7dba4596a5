package tasks

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// checker collects the problems of one suite file. Its walk checks a YAML node tree against the
// Go type it will be decoded into, by reflection over the yaml tags, so that every unknown key
// and every value of the wrong type is found in one pass, each at its own line and column.
type checker struct {
	file string
	pos  posTree
	errs Errors
	// done holds the paths (joined by "/") already reported, so that a value of the wrong
	// type, or a misspelt key, does not also draw "is required" or "must be ≥ 0".
	done map[string]bool
	// repeated holds the keys set a second time in their mapping, reported already; dropRepeated
	// takes them out, since yaml.v3 would otherwise refuse to decode the whole mapping.
	repeated []*yaml.Node
	// broken holds the top-level sections (data, prompt …) with a problem in them.
	broken map[string]bool
}

func newChecker(file string, pos posTree) *checker {
	return &checker{file: file, pos: pos, done: map[string]bool{}, broken: map[string]bool{}}
}

// section notes that the top-level section path is in has a problem.
func (c *checker) section(path []string) {
	if len(path) > 0 {
		c.broken[path[0]] = true
	}
}

// addAt records a problem at a known position.
func (c *checker) addAt(line, col int, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// errorf records a problem at path (positioned as Suite.At does), unless path or one of its
// ancestors has been reported already.
func (c *checker) errorf(path []string, format string, args ...any) {
	for i := len(path); i >= 0; i-- {
		if c.done[strings.Join(path[:i], "/")] {
			return
		}
	}
	c.done[strings.Join(path, "/")] = true
	c.section(path)
	line, col := 0, 0
	if node, key, _ := c.pos.find(path); node != nil {
		line, col = at(node, key)
	}
	c.addAt(line, col, format, args...)
}

var durationType = reflect.TypeFor[Duration]()

// walk checks node against type t; path names node for messages.
func (c *checker) walk(n *yaml.Node, t reflect.Type, path []string) {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null leaves the zero value, which every type has
	}
	if t == durationType {
		if n.Kind != yaml.ScalarNode {
			c.wrongType(n, t, path)
		} else if _, err := parseDuration(n); err != nil {
			c.mark(path)
			c.section(path)
			c.addAt(n.Line, n.Column, "%s: %v", pathString(path), err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		c.walk(n, t.Elem(), path)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.wrongType(n, t, path)
			return
		}
		c.fields(n, t, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.wrongType(n, t, path)
			return
		}
		for i, item := range n.Content {
			c.walk(item, t.Elem(), with(path, strconv.Itoa(i)))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.wrongType(n, t, path)
			return
		}
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if c.duplicate(k, seen, path) {
				c.repeated = append(c.repeated, k)
				continue
			}
			c.walk(v, t.Elem(), with(path, k.Value))
		}
	case reflect.Interface:
		// Anything goes (generation.extra values are sent as they are).
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.wrongType(n, t, path)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v := reflect.New(t)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			c.wrongType(n, t, path)
		} else if err := n.Decode(v.Interface()); err != nil {
			c.mark(path)
			c.section(path)
			c.addAt(n.Line, n.Column, "%s: %s does not fit in an integer", pathString(path), n.Value)
		}
	case reflect.Float32, reflect.Float64:
		if tag := n.ShortTag(); n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") {
			c.wrongType(n, t, path)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			c.wrongType(n, t, path)
		}
	}
}

// fields checks the keys of mapping n against the yaml fields of struct type t. The keys of a
// merged mapping ("<<: *defaults") are checked on their own: a key of n overrides them.
func (c *checker) fields(n *yaml.Node, t reflect.Type, path []string) {
	known, keys := yamlFields(t)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			c.merge(resolveAlias(v), t, path)
			continue
		}
		if c.duplicate(k, seen, path) {
			c.repeated = append(c.repeated, k)
			continue
		}
		if len(path) == 0 && strings.HasPrefix(k.Value, "x-") {
			continue // an extension key at the top level: a place for anchors, not read
		}
		f, ok := known[k.Value]
		if !ok {
			c.unknown(k, keys, path)
			continue
		}
		c.walk(v, f.Type, with(path, k.Value))
	}
}

// decode checks root, the node at path, against the type v points to (walk), takes out the
// keys set twice, and decodes root into v. Values of the wrong type were reported by walk,
// each at its position; decoding leaves them at their zero values and goes on with the rest.
// A decoding error walk did not foresee is reported too, at root, so that no value is dropped
// silently.
func (c *checker) decode(root *yaml.Node, v any, path []string) {
	c.walk(root, reflect.TypeOf(v).Elem(), path)
	c.dropRepeated(root)
	err := root.Decode(v)
	var te *yaml.TypeError
	if err == nil || (errors.As(err, &te) && len(c.errs) > 0) {
		return
	}
	c.section(path)
	c.addAt(root.Line, root.Column, "%s: %s", pathString(path), strings.TrimPrefix(err.Error(), "yaml: "))
}

// dropRepeated takes the repeated keys, and their values, out of the tree under n.
func (c *checker) dropRepeated(n *yaml.Node) {
	if len(c.repeated) == 0 || n == nil {
		return
	}
	if n.Kind == yaml.MappingNode {
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !slices.Contains(c.repeated, n.Content[i]) {
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
		}
		n.Content = kept
	}
	for _, child := range n.Content {
		c.dropRepeated(child)
	}
}

// merge checks the value of a merge key: a mapping, or a list of mappings, of the same type.
func (c *checker) merge(v *yaml.Node, t reflect.Type, path []string) {
	if v.Kind != yaml.MappingNode {
		c.section(path)
	}
	switch v.Kind {
	case yaml.MappingNode:
		c.fields(v, t, path)
	case yaml.SequenceNode:
		for _, m := range v.Content {
			if m = resolveAlias(m); m.Kind == yaml.MappingNode {
				c.fields(m, t, path)
			} else {
				c.addAt(m.Line, m.Column, "%s: a merge (<<) takes mappings, got %s", pathString(path), describe(m))
			}
		}
	default:
		c.addAt(v.Line, v.Column, "%s: a merge (<<) takes a mapping, got %s", pathString(path), describe(v))
	}
}

// duplicate reports whether key k was already seen in its mapping, reporting it if so.
func (c *checker) duplicate(k *yaml.Node, seen map[string]*yaml.Node, path []string) bool {
	if _, ok := seen[k.Value]; ok || k.Kind != yaml.ScalarNode {
		c.section(with(path, k.Value))
	}
	if k.Kind != yaml.ScalarNode {
		c.addAt(k.Line, k.Column, "%s: a key must be a string, got %s", pathString(path), describe(k))
		return true
	}
	if prev, ok := seen[k.Value]; ok {
		c.addAt(k.Line, k.Column, "field %q in %s is already set at line %d", k.Value, pathString(path), prev.Line)
		return true
	}
	seen[k.Value] = k
	return false
}

// unknown reports key k, which is none of keys, with the closest known key when
// it is close enough to be a likely misspelling.
func (c *checker) unknown(k *yaml.Node, keys []string, path []string) {
	c.section(with(path, k.Value))
	msg := fmt.Sprintf("unknown field %q in %s", k.Value, pathString(path))
	if near := closest(k.Value, keys); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
		c.mark(with(path, near))
	}
	c.addAt(k.Line, k.Column, "%s", msg)
}

// wrongType reports a value that cannot be decoded into t.
func (c *checker) wrongType(n *yaml.Node, t reflect.Type, path []string) {
	c.mark(path)
	c.section(path)
	c.addAt(n.Line, n.Column, "%s: expected %s, got %s", pathString(path), expected(t), describe(n))
}

// mark notes that path has been reported.
func (c *checker) mark(path []string) { c.done[strings.Join(path, "/")] = true }

// expected names what a value of type t is written as.
func expected(t reflect.Type) string {
	if t == durationType {
		return `a duration such as "90s"`
	}
	switch t.Kind() {
	case reflect.Pointer:
		return expected(t.Elem())
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean (true or false)"
	}
	return t.String()
}

// describe says what a YAML node is, for messages.
func describe(n *yaml.Node) string {
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		case "!!str":
			return "the string " + strconv.Quote(n.Value)
		}
		return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
	}
	return "nothing"
}

// pathString writes a YAML path for messages: "data.fields", "capabilities[2].name"; the
// top level is "suite".
func pathString(path []string) string {
	if len(path) == 0 {
		return "suite"
	}
	var b strings.Builder
	for i, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil && i > 0 {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// with returns path extended by seg, never sharing path's backing array.
func with(path []string, seg ...string) []string {
	return append(path[:len(path):len(path)], seg...)
}

// yamlFields maps the yaml key of every decoded field of struct type t to the field, and lists
// the keys in field order.
func yamlFields(t reflect.Type) (map[string]reflect.StructField, []string) {
	byKey := map[string]reflect.StructField{}
	var keys []string
	for f := range t.Fields() {
		if key := yamlKey(f); key != "" {
			byKey[key] = f
			keys = append(keys, key)
		}
	}
	return byKey, keys
}

// yamlKey returns the key field f is decoded from, or "" when it is not decoded.
func yamlKey(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch tag {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name) // yaml.v3's default
	}
	return tag
}

// closest returns the known name nearest to name when it is near enough to be a misspelling
// (the same but for case and separators, or at most a third of its letters apart), else "".
func closest(name string, known []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", -1
	for _, k := range known {
		if norm(k) == norm(name) {
			return k
		}
		if d := levenshtein(name, k); bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	if bestDist >= 0 && bestDist <= max(1, len(name)/3) {
		return best
	}
	return ""
}

// levenshtein returns the edit distance between a and b, counting runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
