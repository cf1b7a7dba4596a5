package bfcl

import (
	"strings"
	"testing"

	"github.com/realx-bench/realx/runners/pycall"
)

// The expectations in this file are CPython 3.11's outputs for the same inputs.

func TestPyFloatRepr(t *testing.T) {
	for f, want := range map[float64]string{
		1e16: "1e+16", 1e-5: "1e-05", 0.0001: "0.0001", 123.0: "123.0", 2.675: "2.675",
		1e22: "1e+22", 123456789012345.6: "123456789012345.6", 0.30000000000000004: "0.30000000000000004", 1e-7: "1e-07",
	} {
		if got := pycall.ReprFloat(f); got != want {
			t.Errorf("pycall.ReprFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestPyRoundHalfEvenOnTheBinaryValue(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{2.675, 2.67}, {0.125, 0.12}, {0.375, 0.38}, {1234.5678, 1234.57}, {-1.005, -1.0}, {12345.0 / 110, 112.23},
	} {
		if got := pyRound(c.x, 2); got != c.want {
			t.Errorf("pyRound(%v, 2) = %v, want %v", c.x, got, c.want)
		}
	}
}

func TestPyStrptime(t *testing.T) {
	for _, c := range []struct{ in, format, want string }{
		{"2024-1-5", "%Y-%m-%d", "2024-01-05 00:00:00"},
		{"2024-01- 5", "%Y-%m-%d", "2024-01-05 00:00:00"},
		{"2024-01-05x", "%Y-%m-%d", "unconverted data remains: x"},
		{"24-01-05", "%Y-%m-%d", "time data '24-01-05' does not match format '%Y-%m-%d'"},
		{"2024-02-30", "%Y-%m-%d", "day is out of range for month"},
		{"2024-13-01", "%Y-%m-%d", "time data '2024-13-01' does not match format '%Y-%m-%d'"},
		{"2024-01-05 7:05:09", "%Y-%m-%d %H:%M:%S", "2024-01-05 07:05:09"},
		{"2024-01-05 10:30:00.123", "%Y-%m-%d %H:%M:%S", "unconverted data remains: .123"},
		{"2024-01-05 10:30:61", "%Y-%m-%d %H:%M:%S", "second must be in 0..59"},
		{"2024-01-05T10:30:00", "%Y-%m-%d %H:%M:%S", "time data '2024-01-05T10:30:00' does not match format '%Y-%m-%d %H:%M:%S'"},
	} {
		got, err := pyStrptime(c.in, c.format)
		s := got.Format("2006-01-02 15:04:05")
		if err != nil {
			s = err.Error()
		}
		if s != c.want {
			t.Errorf("pyStrptime(%q, %q) = %q, want %q", c.in, c.format, s, c.want)
		}
	}
}

func TestPyMethodBindsAsPython(t *testing.T) {
	ms := pyMethods{"f": {[]param{req("a"), req("b"), req("c"), opt("d", 1)}, func(a map[string]any) (any, error) { return a["d"], nil }}}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{}, "C.f() missing 3 required positional arguments: 'a', 'b', and 'c'"},
		{map[string]any{"a": 1}, "C.f() missing 2 required positional arguments: 'b' and 'c'"},
		{map[string]any{"a": 1, "b": 2}, "C.f() missing 1 required positional argument: 'c'"},
		{map[string]any{"a": 1, "b": 2, "c": 3, "e": 1}, "C.f() got an unexpected keyword argument 'e'"},
		{map[string]any{"z": 1}, "C.f() got an unexpected keyword argument 'z'"},
	} {
		_, err := ms.call("C", "f", c.args)
		if err == nil || err.Error() != c.want {
			t.Errorf("call(%v) error = %v, want %q", c.args, err, c.want)
		}
	}
	if got, err := ms.call("C", "f", map[string]any{"a": 1, "b": 2, "c": int64(3)}); err != nil || got != 1 {
		t.Errorf("the default of d = %v, %v; want 1", got, err)
	}
	if _, err := ms.call("C", "g", nil); err == nil || err.Error() != "name 'g' is not defined" {
		t.Errorf("unknown method error = %v", err)
	}
	if got := strings.Join(ms.paramNames("f"), ","); got != "a,b,c,d" {
		t.Errorf("paramNames = %q", got)
	}
}

func TestPyReprOfStrings(t *testing.T) {
	for in, want := range map[string]string{"it's": `"it's"`, `a"b`: `'a"b'`, "x\ny": `'x\ny'`, `both'"`: `'both\'"'`} {
		if got := pycall.Repr(in); got != want {
			t.Errorf("pycall.Repr(%q) = %s, want %s", in, got, want)
		}
	}
	d := dictOf("b", 1, "a", []any{2.0, nil, true, pyEllipsis{}})
	if got, want := pycall.Repr(d), "{'b': 1, 'a': [2.0, None, True, Ellipsis]}"; got != want {
		t.Errorf("pycall.Repr(dict) = %s, want %s", got, want)
	}
}

func TestPyDictKeysFollowPythonEquality(t *testing.T) {
	d := dictOf(12345, "x")
	if !d.has(12345.0) || !d.has(12345) || d.has("12345") {
		t.Error("12345 and 12345.0 must be one key, and the string '12345' another")
	}
	d.set(12345.0, "y")
	if v, _ := d.get(12345); v != "y" || len(d.keys) != 1 || d.keys[0] != 12345 {
		t.Errorf("setting an equal key must keep the first key and its place: %v %v", d.keys, v)
	}
}
