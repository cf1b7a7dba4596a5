package pyjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file holds JSON read into a tree and written back as Python's json module writes it,
// for a domain that keeps its data as plain values rather than as Go types (τ2's retail
// database): objects keep their keys in the order of the text, as Python's dicts do, and
// values are written with ", " and ": " separators, floats as Python's repr, non-ASCII
// escaped. τ2 sends a tool's result to the model as json.dumps(model.model_dump()) and hashes
// a database as json.dumps(…, sort_keys=True), so writing the same bytes makes results
// identical and hashes comparable.

// Object is a JSON object read into a tree, its members in order.
type Object []Member

// Member is one key of an Object with its value.
type Member struct {
	Key string
	Val any
}

// Get returns the value of key and whether the object has it.
func (o Object) Get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Val, true
		}
	}
	return nil, false
}

// Parse reads one JSON value into a tree: objects as Object (a repeated key keeps its first
// place and its last value, as Python's json does), arrays as []any, numbers as json.Number,
// strings, bools and nil.
func Parse(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("offset %d: data after the JSON value", dec.InputOffset())
	}
	return v, nil
}

// parseValue reads the next value of dec into a tree (see Parse).
func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("offset %d: %w", dec.InputOffset(), err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := Object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("offset %d: %w", dec.InputOffset(), err)
				}
				key := kt.(string)
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				if i := slices.IndexFunc(o, func(m Member) bool { return m.Key == key }); i >= 0 {
					o[i].Val = v
				} else {
					o = append(o, Member{key, v})
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("offset %d: %w", dec.InputOffset(), err)
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("offset %d: %w", dec.InputOffset(), err)
			}
			return a, nil
		}
		return nil, fmt.Errorf("offset %d: unexpected %v", dec.InputOffset(), t)
	default:
		return tok, nil
	}
}

// Style is how Write lays a value out; the zero Style is json.dumps' default.
type Style struct {
	// SortKeys writes every object's keys sorted (json.dumps(sort_keys=True)).
	SortKeys bool
	// Compact uses "," and ":" as separators instead of Python's ", " and ": ".
	Compact bool
	// EscapeHTML writes <, > and & as \u003c, \u003e and \u0026, as Go's encoding does.
	EscapeHTML bool
}

// Format returns the tree v written as Write writes it.
func Format(v any, st Style) string {
	var b strings.Builder
	Write(&b, v, st)
	return b.String()
}

// Write writes a tree (Object, []any, []string, string, float64, Int, json.Number, bool,
// nil) to b as Python's json.dumps writes it, laid out as st says. It panics on any other
// type, which is a mistake of the caller's.
func Write(b *strings.Builder, v any, st Style) {
	comma, colon := ", ", ": "
	if st.Compact {
		comma, colon = ",", ":"
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeString(b, t, st.EscapeHTML)
	case float64:
		b.WriteString(dumpsFloat(t))
	case Int:
		b.WriteString(strconv.Itoa(int(t)))
	case json.Number:
		b.WriteString(string(t))
	case []string:
		b.WriteByte('[')
		for i, s := range t {
			if i > 0 {
				b.WriteString(comma)
			}
			writeString(b, s, st.EscapeHTML)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(comma)
			}
			Write(b, e, st)
		}
		b.WriteByte(']')
	case Object:
		members := t
		if st.SortKeys {
			members = slices.Clone(t)
			slices.SortStableFunc(members, func(x, y Member) int { return strings.Compare(x.Key, y.Key) })
		}
		b.WriteByte('{')
		for i, m := range members {
			if i > 0 {
				b.WriteString(comma)
			}
			writeString(b, m.Key, st.EscapeHTML)
			b.WriteString(colon)
			Write(b, m.Val, st)
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("pyjson: cannot write %T as JSON", v))
	}
}

// writeString writes s as a JSON string with Python's ensure_ascii escaping (and Go's of
// <, > and & when escapeHTML is set).
func writeString(b *strings.Builder, s string, escapeHTML bool) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	if plain(s, escapeHTML) {
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r == 0x7f || escapeHTML && (r == '<' || r == '>' || r == '&'):
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff: // a UTF-16 surrogate pair
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
}

// dumpsFloat writes f as Python's json.dumps does: as repr (FormatFloat), but infinities and
// NaN as Infinity, -Infinity and NaN.
func dumpsFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return FormatFloat(f)
}

// Round2 is Python's round(f, 2): the float nearest to f correctly rounded to two decimals
// (ties to even on f's exact value).
func Round2(f float64) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	if err != nil {
		panic(err) // FormatFloat's output always reads back
	}
	return r
}
