package bfcl

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

// This file holds the Python value model the classes of TicketAPI, TradingBot, TravelAPI and
// VehicleControlAPI compute with: nil (None), bool, int, float64, string, []any (list), *pyDict
// (dict, insertion-ordered) and pyEllipsis. Keeping Python's int/float distinction and dict
// order is what makes results and error messages come out as the Python ones do.

// pyEllipsis is Python's Ellipsis (...), which one published long-context list contains.
type pyEllipsis struct{}

// String returns Python's str(...) of Ellipsis.
func (pyEllipsis) String() string { return "Ellipsis" }

// PyRepr returns Python's repr(...) of Ellipsis.
func (pyEllipsis) PyRepr() string { return "Ellipsis" }

// MarshalJSON writes Ellipsis as the string "Ellipsis" (JSON has no such value).
func (pyEllipsis) MarshalJSON() ([]byte, error) { return []byte(`"Ellipsis"`), nil }

// pyKey is a dict key's identity under Python's equality: 1, 1.0 and True are one key.
type pyKey struct {
	kind byte // 'n' integral number, 'f' other float, 's' string, '0' None
	s    string
}

// keyOf returns the identity of a Python dict key.
func keyOf(k any) pyKey {
	switch v := k.(type) {
	case string:
		return pyKey{'s', v}
	case bool:
		if v {
			return pyKey{'n', "1"}
		}
		return pyKey{'n', "0"}
	case int:
		return pyKey{'n', strconv.Itoa(v)}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e18 {
			return pyKey{'n', strconv.FormatInt(int64(v), 10)}
		}
		return pyKey{'f', pycall.Repr(v)}
	case nil:
		return pyKey{'0', ""}
	}
	return pyKey{'?', fmt.Sprint(k)}
}

// pyDict is a Python dict: its keys in insertion order and its values.
type pyDict struct {
	keys []any
	vals map[pyKey]any
}

// newPyDict returns an empty dict.
func newPyDict() *pyDict { return &pyDict{vals: map[pyKey]any{}} }

// dictOf builds a dict from alternating keys and values, in that order.
func dictOf(kv ...any) *pyDict {
	d := newPyDict()
	for i := 0; i+1 < len(kv); i += 2 {
		d.set(kv[i], kv[i+1])
	}
	return d
}

// PyRepr is Python's repr of d: its items in insertion order.
func (d *pyDict) PyRepr() string {
	parts := make([]string, len(d.keys))
	for i, k := range d.keys {
		parts[i] = pycall.Repr(k) + ": " + pycall.Repr(d.vals[keyOf(k)])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// get returns the value under k and whether it is there.
func (d *pyDict) get(k any) (any, bool) {
	v, ok := d.vals[keyOf(k)]
	return v, ok
}

// has reports whether k is a key (Python's `k in d`).
func (d *pyDict) has(k any) bool {
	_, ok := d.vals[keyOf(k)]
	return ok
}

// set stores v under k, keeping the first key's position as Python does.
func (d *pyDict) set(k, v any) {
	id := keyOf(k)
	if _, ok := d.vals[id]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[id] = v
}

// del removes k (Python's `del d[k]`).
func (d *pyDict) del(k any) {
	id := keyOf(k)
	if _, ok := d.vals[id]; !ok {
		return
	}
	delete(d.vals, id)
	d.keys = slices.DeleteFunc(d.keys, func(x any) bool { return keyOf(x) == id })
}

// item returns d[k], or Python's KeyError when k is absent.
func (d *pyDict) item(k any) (any, error) {
	v, ok := d.get(k)
	if !ok {
		return nil, pyKeyError(k)
	}
	return v, nil
}

// dictItem returns d[k] as a dict to subscript with a str key: Python's KeyError when k is
// absent, its TypeError when d[k] is not a dict.
func (d *pyDict) dictItem(k any) (*pyDict, error) {
	v, err := d.item(k)
	if err != nil {
		return nil, err
	}
	e, ok := v.(*pyDict)
	if !ok {
		return nil, pyStrSubscriptError(v)
	}
	return e, nil
}

// pyKeyError is the error Python's KeyError gives: str(KeyError(k)) is repr(k).
func pyKeyError(k any) error { return errors.New(pycall.Repr(k)) }

// decodePy decodes JSON as Python's json.loads does: objects keep their key order (as
// dicts), numbers with a fraction or exponent are floats and the others ints.
func decodePy(data []byte) (any, error) {
	return pycall.DecodeJSONObjects(data, func(keys []string, values []any) any {
		d := newPyDict()
		for i, k := range keys {
			d.set(k, values[i])
		}
		return d
	})
}

// pyArg converts an argument as a caller may give it (JSON-decoded, or ints of any width,
// maps) to the Python value model. Plain maps keep their keys sorted.
func pyArg(v any) any {
	switch x := v.(type) {
	case int8, int16, int32, int64:
		return int(reflect.ValueOf(x).Int())
	case uint8, uint16, uint32, uint64, uint:
		return int(reflect.ValueOf(x).Uint())
	case float32:
		return float64(x)
	case json.Number:
		return pycall.Number(x)
	case []any:
		return mapList(x, pyArg)
	case []string:
		return strs(x)
	case map[string]any:
		d := newPyDict()
		for _, k := range slices.Sorted(maps.Keys(x)) {
			d.set(k, pyArg(x[k]))
		}
		return d
	case *pyDict:
		return pyCopy(x)
	}
	return v
}

// mapList returns a new list of f of each item of l.
func mapList(l []any, f func(any) any) []any {
	out := make([]any, len(l))
	for i, e := range l {
		out[i] = f(e)
	}
	return out
}

// pyCopy deep-copies a Python value of either model (copy.deepcopy).
func pyCopy(v any) any {
	switch x := v.(type) {
	case []any:
		return mapList(x, pyCopy)
	case *pyDict:
		d := &pyDict{keys: slices.Clone(x.keys), vals: make(map[pyKey]any, len(x.vals))}
		for k, e := range x.vals {
			d.vals[k] = pyCopy(e)
		}
		return d
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = pyCopy(e)
		}
		return m
	case Dict:
		d := make(Dict, len(x))
		for i, it := range x {
			d[i] = Item{Key: it.Key, Value: pyCopy(it.Value)}
		}
		return d
	}
	return v
}

// pyPlain converts a Python value to plain JSON-like Go values (map[string]any for dicts, keys
// as Python's json.dumps writes them), deep-copied: results and states are given out this way.
func pyPlain(v any) any {
	switch x := v.(type) {
	case []any:
		return mapList(x, pyPlain)
	case *pyDict:
		m := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			m[pyJSONKey(k)] = pyPlain(x.vals[keyOf(k)])
		}
		return m
	}
	return v
}

// pyJSONKey is how json.dumps writes a dict key.
func pyJSONKey(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return pycall.Repr(k)
}

// pyTypeName is Python's type(v).__name__.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *pyDict, map[string]any, Dict:
		return "dict"
	case pyEllipsis:
		return "ellipsis"
	}
	return fmt.Sprintf("%T", v)
}

// pyTruth is Python's bool(v).
func pyTruth(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case *pyDict:
		return len(x.keys) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// pyNum returns a number's value as a float and whether v is a number (bool counts, as in Python).
func pyNum(v any) (float64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// pyIsInt reports whether v is a Python int (or bool).
func pyIsInt(v any) (int, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return x, true
	}
	return 0, false
}

// pyEq is Python's ==.
func pyEq(a, b any) bool {
	if ai, ok := pyIsInt(a); ok {
		if bi, ok := pyIsInt(b); ok {
			return ai == bi
		}
	}
	if af, ok := pyNum(a); ok {
		bf, ok := pyNum(b)
		return ok && af == bf
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case pyEllipsis:
		_, ok := b.(pyEllipsis)
		return ok
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEq(x[i], y[i]) {
				return false
			}
		}
		return true
	case *pyDict:
		y, ok := b.(*pyDict)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for id, v := range x.vals {
			w, ok := y.vals[id]
			if !ok || !pyEq(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// pyCompare orders a and b as Python's <, <=, >, >= do for numbers and strings (-1, 0, 1), or
// returns Python's TypeError for the operator op when they cannot be ordered.
func pyCompare(a, b any, op string) (int, error) {
	if ai, ok := pyIsInt(a); ok {
		if bi, ok := pyIsInt(b); ok {
			return cmpOrdered(ai, bi), nil
		}
	}
	if af, ok := pyNum(a); ok {
		if bf, ok := pyNum(b); ok {
			return cmpOrdered(af, bf), nil
		}
	}
	if as, ok := a.(string); ok {
		if bs, ok := b.(string); ok {
			return strings.Compare(as, bs), nil
		}
	}
	return 0, fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", op, pyTypeName(a), pyTypeName(b))
}

func cmpOrdered[T int | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pyLess is Python's a < b.
func pyLess(a, b any) (bool, error) {
	c, err := pyCompare(a, b, "<")
	return c < 0, err
}

// pyLessEq is Python's a <= b.
func pyLessEq(a, b any) (bool, error) {
	c, err := pyCompare(a, b, "<=")
	return c <= 0, err
}

// pyGreater is Python's a > b.
func pyGreater(a, b any) (bool, error) {
	c, err := pyCompare(a, b, ">")
	return c > 0, err
}

// pyGreaterEq is Python's a >= b.
func pyGreaterEq(a, b any) (bool, error) {
	c, err := pyCompare(a, b, ">=")
	return c >= 0, err
}

// pyArith applies a binary arithmetic operator (+, -, *, /) with Python's number rules: int op
// int stays int (except /), a float makes a float, other operands are Python's TypeError.
func pyArith(op string, a, b any) (any, error) {
	ai, aInt := pyIsInt(a)
	bi, bInt := pyIsInt(b)
	af, aNum := pyNum(a)
	bf, bNum := pyNum(b)
	if !aNum || !bNum {
		if op == "+" {
			if as, ok := a.(string); ok {
				if bs, ok := b.(string); ok {
					return as + bs, nil
				}
				return nil, fmt.Errorf(`can only concatenate str (not "%s") to str`, pyTypeName(b))
			}
		}
		return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, pyTypeName(a), pyTypeName(b))
	}
	if aInt && bInt && op != "/" {
		switch op {
		case "+":
			return ai + bi, nil
		case "-":
			return ai - bi, nil
		case "*":
			return ai * bi, nil
		}
	}
	switch op {
	case "+":
		return af + bf, nil
	case "-":
		return af - bf, nil
	case "*":
		return af * bf, nil
	case "/":
		if bf == 0 {
			if aInt && bInt {
				return nil, errors.New("division by zero")
			}
			return nil, errors.New("float division by zero")
		}
		return af / bf, nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

// pyFloat is Python's float(v) for numbers and numeric strings.
func pyFloat(v any) (float64, error) {
	if f, ok := pyNum(v); ok {
		return f, nil
	}
	if s, ok := v.(string); ok {
		t := strings.TrimSpace(s)
		f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
		if err == nil && t != "" {
			return f, nil
		}
		return 0, fmt.Errorf("could not convert string to float: %s", pycall.Repr(s))
	}
	return 0, fmt.Errorf("float() argument must be a string or a real number, not '%s'", pyTypeName(v))
}

// pyIntOf is Python's int(v) for numbers and integer strings.
func pyIntOf(v any) (int, error) {
	if i, ok := pyIsInt(v); ok {
		return i, nil
	}
	if f, ok := v.(float64); ok {
		if math.IsInf(f, 0) {
			return 0, errors.New("cannot convert float infinity to integer")
		}
		if math.IsNaN(f) {
			return 0, errors.New("cannot convert float NaN to integer")
		}
		return int(math.Trunc(f)), nil
	}
	if s, ok := v.(string); ok {
		i, err := strconv.Atoi(strings.TrimSpace(s))
		if err == nil {
			return i, nil
		}
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pycall.Repr(s))
	}
	return 0, fmt.Errorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyTypeName(v))
}

// pyRound is Python's round(x, n) for a float: the nearest n-decimal value of x's exact binary
// value, ties to even (for a negative n, the nearest multiple of 10^-n).
func pyRound(x float64, n int) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	if n < 0 {
		p := math.Pow10(-n)
		return math.RoundToEven(x/p) * p
	}
	f, err := strconv.ParseFloat(strconv.FormatFloat(x, 'f', n, 64), 64)
	if err != nil {
		return x
	}
	return f
}

// pyStrSubscriptError is the TypeError Python raises for v["key"] when v is not a dict.
func pyStrSubscriptError(v any) error {
	switch v.(type) {
	case string:
		return errors.New("string indices must be integers, not 'str'")
	case []any:
		return errors.New("list indices must be integers or slices, not str")
	}
	return fmt.Errorf("'%s' object is not subscriptable", pyTypeName(v))
}
