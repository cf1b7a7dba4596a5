package bfcl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

// The classes speak in Python's values, as Go values: an int is a Python int, a float64 a
// float, a string, bool and nil (None) themselves, []any (or any slice) a list, Dict an
// ordered dict (a Python dict keeps its insertion order, and json.dumps writes it so), and a
// map with string keys a dict written in key order. Mpf and Decimal are the two results of
// MathAPI that json.dumps cannot write.

// Dict is a Python dict in its insertion order.
type Dict []Item

// Item is one key and value of a Dict.
type Item struct {
	Key   string
	Value any
}

// dict builds a Dict from alternating keys and values.
func dict(kv ...any) Dict {
	d := make(Dict, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, Item{Key: kv[i].(string), Value: kv[i+1]})
	}
	return d
}

// MarshalJSON writes d as a JSON object in its order.
func (d Dict) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, it := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(it.Key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(it.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Mpf is an mpmath number, written as Python writes it (mpf('…')).
type Mpf struct{ Digits string }

// Decimal is a decimal.Decimal, written as Python writes it (Decimal('…')).
type Decimal struct{ Digits string }

// errNotJSON says json.dumps cannot write a value.
type errNotJSON struct{ typ string }

func (e errNotJSON) Error() string { return "Object of type " + e.typ + " is not JSON serializable" }

// FormatResult writes a method's result as BFCL's executor does: a string as it is, a dict
// as json.dumps writes it (str() when it holds what json.dumps cannot write), anything else
// as str() writes it.
func FormatResult(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Dict, map[string]any:
		var b strings.Builder
		if err := pyJSON(&b, x); err == nil {
			return b.String()
		}
	}
	return pycall.Str(v)
}

// PyRepr is Python's repr of d.
func (d Dict) PyRepr() string {
	o := make(pycall.Ordered, len(d))
	for i, it := range d {
		o[i] = pycall.Arg{Name: it.Key, Value: it.Value}
	}
	return pycall.Repr(o)
}

// PyRepr is Python's repr of m.
func (m Mpf) PyRepr() string { return "mpf('" + m.Digits + "')" }

// PyRepr is Python's repr of d.
func (d Decimal) PyRepr() string { return "Decimal('" + d.Digits + "')" }

// sortedDict returns m as a Dict in key order.
func sortedDict(m map[string]any) Dict {
	d := make(Dict, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		d = append(d, Item{Key: k, Value: m[k]})
	}
	return d
}

// pyJSON writes v as Python's json.dumps does by default: ", " and ": " between items,
// non-ASCII escaped, floats as repr writes them (NaN, Infinity), dicts in their order.
func pyJSON(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		b.WriteString(jsonString(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pycall.ReprFloat(x))
		}
	case Mpf:
		return errNotJSON{"mpf"}
	case Decimal:
		return errNotJSON{"Decimal"}
	case Dict:
		b.WriteByte('{')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(jsonString(it.Key))
			b.WriteString(": ")
			if err := pyJSON(b, it.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]any:
		return pyJSON(b, sortedDict(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := pyJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			return pyJSON(b, pycall.ListOf(rv))
		case reflect.Map:
			d := Dict{}
			for _, a := range pycall.DictOf(rv) {
				d = append(d, Item{Key: a.Name, Value: a.Value})
			}
			return pyJSON(b, d)
		case reflect.Int, reflect.Int32, reflect.Int64:
			b.WriteString(strconv.FormatInt(rv.Int(), 10))
		case reflect.Float32:
			return pyJSON(b, rv.Float())
		default:
			return errNotJSON{fmt.Sprintf("%T", v)}
		}
	}
	return nil
}

// jsonString writes s as json.dumps does with ensure_ascii: non-ASCII as \uXXXX (surrogate
// pairs past the BMP).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
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
		case r < 0x20 || (r > 0x7e && r < 0x10000):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			r1, r2 := utf16Surrogates(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// decodeArgs reads a call's JSON arguments as Python receives them from json.loads: a
// number with a fraction or exponent is a float, any other an int.
func decodeArgs(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the arguments are not JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the arguments are not a JSON object")
	}
	return pyNumbers(m).(map[string]any), nil
}

// pyNumbers replaces the json.Numbers in v by ints and floats.
func pyNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return pycall.Number(x)
	case map[string]any:
		for k, e := range x {
			x[k] = pyNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = pyNumbers(e)
		}
		return x
	}
	return v
}

// decodePy reads JSON (a scenario) with Python's numbers.
func decodePlain(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return pyNumbers(v), nil
}

// pyOrdered converts the classes' Python values for FormatResult keeping the dicts' order:
// a *pyDict becomes a Dict (its keys as json.dumps writes them), recursively.
func pyOrdered(v any) any {
	switch x := v.(type) {
	case []any:
		return mapList(x, pyOrdered)
	case *pyDict:
		d := make(Dict, 0, len(x.keys))
		for _, k := range x.keys {
			d = append(d, Item{Key: pyJSONKey(k), Value: pyOrdered(x.vals[keyOf(k)])})
		}
		return d
	}
	return v
}
