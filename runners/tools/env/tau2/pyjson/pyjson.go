// Package pyjson owns what realx's τ2 domains need to behave as τ2's Python tools do: dicts
// that keep their keys in insertion order (Map), floats written and rounded as Python writes
// and rounds them (Float, FormatFloat, Round2), results written as Python's json.dumps writes
// them (Dumps for Go values, Write for a tree read by Parse), and keyword arguments checked as
// a Python function checks them (Kwargs).
package pyjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/pycall"
)

// Map is a dict whose keys keep the order they were inserted in, as a Python dict does: it
// reads and writes JSON objects in that order.
type Map[V any] struct {
	keys []string
	m    map[string]V
}

// Get returns the value of key.
func (o *Map[V]) Get(key string) (V, bool) {
	v, ok := o.m[key]
	return v, ok
}

// Set sets the value of key, appending key when it is new.
func (o *Map[V]) Set(key string, v V) {
	if o.m == nil {
		o.m = map[string]V{}
	}
	if _, ok := o.m[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.m[key] = v
}

// Delete removes key.
func (o *Map[V]) Delete(key string) {
	if _, ok := o.m[key]; !ok {
		return
	}
	delete(o.m, key)
	o.keys = slices.DeleteFunc(o.keys, func(k string) bool { return k == key })
}

// Clone returns a copy of o, each value copied by clone.
func (o *Map[V]) Clone(clone func(V) V) Map[V] {
	out := Map[V]{keys: slices.Clone(o.keys), m: make(map[string]V, len(o.m))}
	for k, v := range o.m {
		out.m[k] = clone(v)
	}
	return out
}

// Keys returns the keys in order.
func (o *Map[V]) Keys() []string { return slices.Clone(o.keys) }

// Len returns the number of keys.
func (o *Map[V]) Len() int { return len(o.keys) }

// MarshalJSON writes the object with its keys in order.
func (o Map[V]) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeValue(&b, k); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := writeValue(&b, o.m[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeValue writes v as JSON to b, plain strings and numbers directly (a database holds
// many), anything else as runners.MarshalPlain writes it.
func writeValue(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case Int:
		b.WriteString(strconv.Itoa(int(x)))
		return nil
	case Float:
		b.WriteString(FormatFloat(float64(x)))
		return nil
	case string:
		if plain(x, false) {
			b.WriteByte('"')
			b.WriteString(x)
			b.WriteByte('"')
			return nil
		}
	}
	out, err := runners.MarshalPlain(v)
	b.Write(out)
	return err
}

// plain reports whether s is printable ASCII without '"' or '\\' (nor <, > and & when
// escapeHTML is set), which JSON writes as it is.
func plain(s string, escapeHTML bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || escapeHTML && (c == '<' || c == '>' || c == '&') {
			return false
		}
	}
	return true
}

// UnmarshalJSON reads an object, keeping its keys' order.
func (o *Map[V]) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("want an object, got %s", data[:min(len(data), 20)])
	}
	*o = Map[V]{m: map[string]V{}}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key := t.(string)
		var v V
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		o.Set(key, v)
	}
	_, err = dec.Token()
	return err
}

// Float is a Python float: written with a decimal point even when it is whole (100.0), as
// Python writes it.
type Float float64

// MarshalJSON writes f as Python's repr does.
func (f Float) MarshalJSON() ([]byte, error) { return []byte(FormatFloat(float64(f))), nil }

// FormatFloat writes f as Python's repr(float) does: the shortest text that reads back as f,
// with ".0" when it is whole, in exponent form below 1e-4 and from 1e16.
func FormatFloat(f float64) string { return pycall.ReprFloat(f) }

// Int is a Python int argument: a whole number, which pydantic also accepts written as a
// whole float (2.0) or a numeric string ("2").
type Int int

// UnmarshalJSON reads a whole number.
func (n *Int) UnmarshalJSON(data []byte) error {
	s := string(data)
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("Input should be a valid integer, got %s", data)
	}
	*n = Int(f)
	return nil
}

// Dumps writes v as Python's json.dumps does with its defaults: ", " and ": " between items,
// and every character outside printable ASCII escaped as \uXXXX. v is encoded as Go encodes
// it (Map and Float write themselves as Python would), then read back as a tree and written
// by Write.
func Dumps(v any) (string, error) {
	b, err := runners.MarshalPlain(v)
	if err != nil {
		return "", err
	}
	tree, err := Parse(b)
	if err != nil {
		return "", err
	}
	return Format(tree, Style{}), nil
}

// Kwargs decodes a call's arguments (a JSON object) into dst as Python binds keyword
// arguments to function fn: an argument it does not take, or a required one missing, is
// the TypeError Python raises; the values themselves are decoded leniently, as pydantic
// ignores unknown keys of a nested object.
func Kwargs(fn string, args json.RawMessage, dst any, required []string, optional ...string) error {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(args)) == 0 {
		args = []byte("{}")
	}
	if err := json.Unmarshal(args, &m); err != nil {
		return fmt.Errorf("the arguments are not a JSON object: %v", err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(required, k) && !slices.Contains(optional, k) {
			return fmt.Errorf("%s() got an unexpected keyword argument '%s'", fn, k)
		}
	}
	var missing []string
	for _, k := range required {
		if _, ok := m[k]; !ok {
			missing = append(missing, "'"+k+"'")
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return fmt.Errorf("%s() missing 1 required positional argument: %s", fn, missing[0])
	default:
		return fmt.Errorf("%s() missing %d required positional arguments: %s and %s", fn, len(missing),
			strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
	if err := json.Unmarshal(args, dst); err != nil {
		return fmt.Errorf("%s: bad arguments: %v", fn, err)
	}
	return nil
}
