package bfcl

import (
	"bytes"
	"encoding/json"
	"fmt"

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

// FormatResult writes a method's result as BFCL's executor does: a string as it is, a dict
// as json.dumps writes it (str() when it holds what json.dumps cannot write), anything else
// as str() writes it.
func FormatResult(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Dict, map[string]any:
		if s, err := pycall.Dumps(x); err == nil {
			return s
		}
	}
	return pycall.Str(v)
}

// PyValue returns d as pycall's ordered dict, for Python's repr and json.dumps of it.
func (d Dict) PyValue() any {
	o := make(pycall.Ordered, len(d))
	for i, it := range d {
		o[i] = pycall.Arg{Name: it.Key, Value: it.Value}
	}
	return o
}

// PyRepr is Python's repr of m.
func (m Mpf) PyRepr() string { return "mpf('" + m.Digits + "')" }

// PyRepr is Python's repr of d.
func (d Decimal) PyRepr() string { return "Decimal('" + d.Digits + "')" }

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

// decodePlain reads JSON (a scenario) with Python's numbers.
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
