package pyjson_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

// TestDumps writes as Python's json.dumps: ", " and ": " outside strings only, non-ASCII
// escaped (astral characters as surrogate pairs), HTML left as it is.
func TestDumps(t *testing.T) {
	t.Parallel()
	s, err := pyjson.Dumps(map[string]any{"a": []any{1, "x, y: z"}, "é": "<b>😀</b>", "q": `say "hi"\`})
	require.NoError(t, err)
	assert.Equal(t, `{"a": [1, "x, y: z"], "q": "say \"hi\"\\", "\u00e9": "<b>\ud83d\ude00</b>"}`, s)
	s, err = pyjson.Dumps([]any{pyjson.Float(2), 1e21, "tab\t del\x7f"})
	require.NoError(t, err)
	assert.Equal(t, `[2.0, 1e+21, "tab\t del\u007f"]`, s, "numbers as Go encodes them; DEL escaped as Python escapes it")
}

// TestMap keeps the keys in the order they were read and set, through JSON and Clone.
func TestMap(t *testing.T) {
	t.Parallel()
	var m pyjson.Map[pyjson.Int]
	require.NoError(t, json.Unmarshal([]byte(`{"z": 1, "a": 2, "m": 3}`), &m))
	m.Set("b", 4)
	m.Delete("a")
	m.Set("z", 5)
	assert.Equal(t, []string{"z", "m", "b"}, m.Keys())
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.Equal(t, `{"z":5,"m":3,"b":4}`, string(b))
	c := m.Clone(func(v pyjson.Int) pyjson.Int { return v })
	c.Set("new", 1)
	assert.Equal(t, 3, m.Len(), "a clone is a copy")
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &m))
}

// TestNumbers reads ints as pydantic does and writes floats as Python does.
func TestNumbers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]pyjson.Int{`3`: 3, `3.0`: 3, `"7"`: 7, `-2`: -2} {
		var n pyjson.Int
		require.NoError(t, json.Unmarshal([]byte(in), &n), in)
		assert.Equal(t, want, n, in)
	}
	var n pyjson.Int
	assert.Error(t, json.Unmarshal([]byte(`3.5`), &n))
	assert.Error(t, json.Unmarshal([]byte(`"three"`), &n))
	for f, want := range map[float64]string{100: "100.0", 0.1: "0.1", 1e16: "1e+16", 1.5e-05: "1.5e-05", -3.25: "-3.25", 0: "0.0"} {
		assert.Equal(t, want, pyjson.FormatFloat(f), "%v", f)
	}
	b, err := json.Marshal([]pyjson.Float{2, 2.5})
	require.NoError(t, err)
	assert.Equal(t, `[2.0,2.5]`, string(b))
}

// TestKwargs refuses arguments as Python binds keyword arguments.
func TestKwargs(t *testing.T) {
	t.Parallel()
	var dst struct {
		A string `json:"a"`
		B struct {
			X int `json:"x"`
		} `json:"b"`
	}
	require.NoError(t, pyjson.Kwargs("f", json.RawMessage(`{"a": "1", "b": {"x": 2, "extra": 3}}`), &dst, []string{"a"}, "b"))
	assert.Equal(t, 2, dst.B.X, "a nested object's unknown keys are ignored")
	assert.EqualError(t, pyjson.Kwargs("f", json.RawMessage(`{"a": "1", "c": 2}`), &dst, []string{"a"}, "b"), "f() got an unexpected keyword argument 'c'")
	assert.EqualError(t, pyjson.Kwargs("f", json.RawMessage(`{}`), &dst, []string{"a"}), "f() missing 1 required positional argument: 'a'")
	assert.EqualError(t, pyjson.Kwargs("f", json.RawMessage(`{}`), &dst, []string{"a", "b", "c"}), "f() missing 3 required positional arguments: 'a', 'b' and 'c'")
	assert.ErrorContains(t, pyjson.Kwargs("f", json.RawMessage(`[1]`), &dst, nil), "not a JSON object")
}

// TestFormatFloat writes floats as Python's repr writes them, and json.dumps' spelling of
// infinity in a tree; Round2 rounds as Python's round(f, 2) does.
func TestFormatFloat(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{
		1e16: "1e+16", 1e15: "1000000000000000.0", 0.0001: "0.0001", 1e-05: "1e-05", math.Copysign(0, -1): "-0.0",
		1.5e300: "1.5e+300", 123: "123.0", 0.1: "0.1", 1e22: "1e+22", 5e-324: "5e-324", 2.5e-05: "2.5e-05",
		12345678901234567890.0: "1.2345678901234567e+19", -459.0600000000004: "-459.0600000000004",
	} {
		assert.Equal(t, want, pyjson.FormatFloat(f), "%v", f)
	}
	assert.Equal(t, "inf", pyjson.FormatFloat(math.Inf(1)))
	assert.Equal(t, "[Infinity, -Infinity, NaN]", pyjson.Format([]any{math.Inf(1), math.Inf(-1), math.NaN()}, pyjson.Style{}))
	assert.Equal(t, 2.67, pyjson.Round2(2.675)) // 2.675 is 2.67499999…
	assert.Equal(t, 0.12, pyjson.Round2(0.125)) // a true tie goes to even
}

// TestTree reads objects in the order of the text (a repeated key keeps its first place and
// its last value) and writes the tree as json.dumps does, sorted and compact on request.
func TestTree(t *testing.T) {
	t.Parallel()
	v, err := pyjson.Parse([]byte(`{"b": [1, 2.50, "é<😀>"], "a": null, "b2": {"x": true}, "a": 3}`))
	require.NoError(t, err)
	o := v.(pyjson.Object)
	a, ok := o.Get("a")
	assert.True(t, ok)
	assert.Equal(t, json.Number("3"), a)
	o = append(o, pyjson.Member{Key: "n", Val: pyjson.Int(0)}, pyjson.Member{Key: "f", Val: 2.0},
		pyjson.Member{Key: "s", Val: []string{"q\"\n\x7f"}})
	assert.Equal(t, `{"b": [1, 2.50, "\u00e9<\ud83d\ude00>"], "a": 3, "b2": {"x": true}, "n": 0, "f": 2.0, "s": ["q\"\n\u007f"]}`,
		pyjson.Format(o, pyjson.Style{}))
	assert.Equal(t, `{"a":3,"b":[1,2.50,"\u00e9\u003c\ud83d\ude00\u003e"],"b2":{"x":true},"f":2.0,"n":0,"s":["q\"\n\u007f"]}`,
		pyjson.Format(o, pyjson.Style{SortKeys: true, Compact: true, EscapeHTML: true}))
	for _, bad := range []string{`{"a": 1} 2`, `{"a": `, `[1,]`} {
		_, err := pyjson.Parse([]byte(bad))
		assert.Error(t, err, bad)
	}
}
