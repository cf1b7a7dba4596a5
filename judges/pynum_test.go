package judges

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/realx-bench/realx/runners/pycall"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonNumberCase is one line of testdata/python_numbers.jsonl, written by CPython
// (testdata/python_oracle.py): either a string In with float(In), str(int(float(In))) and
// str(round(float(In), n)), or a double given by its Bits with repr, str(int(x)) and
// str(round(x, n)). A null is a Python exception.
type pythonNumberCase struct {
	In    *string            `json:"in"`
	Float *string            `json:"float"`
	Bits  uint64             `json:"bits"`
	Repr  string             `json:"repr"`
	Int   *string            `json:"int"`
	Round map[string]*string `json:"round"`
}

// TestPythonNumbersMatchCPython compares float(), int(), round() and str() with CPython's
// own results on hand-picked strings and seeded random doubles of every magnitude.
func TestPythonNumbersMatchCPython(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "python_numbers.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var c pythonNumberCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		n++
		var x float64
		label := ""
		if c.In != nil {
			label = fmt.Sprintf("float(%q)", *c.In)
			v, err := pyFloat(*c.In)
			if c.Float == nil {
				assert.Error(t, err, label)
				continue
			}
			require.NoError(t, err, label)
			assert.Equal(t, *c.Float, pycall.ReprFloat(v), label)
			x = v
		} else {
			x = math.Float64frombits(c.Bits)
			label = fmt.Sprintf("float %s", c.Repr)
			assert.Equal(t, c.Repr, pycall.ReprFloat(x), "repr of %s", label)
		}
		got, err := pyIntOfFloat(x)
		assertPy(t, c.Int, got, err, "int(%s)", label)
		for nd, want := range c.Round {
			digits, _ := strconv.Atoi(nd)
			r, err := pyRound(x, digits)
			assertPy(t, want, pycall.ReprFloat(r), err, "round(%s, %d)", label, digits)
		}
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, n, 2000)
}

// assertPy checks a result against CPython's, where nil means Python raised.
func assertPy(t *testing.T, want *string, got string, err error, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if want == nil {
		assert.Error(t, err, msg)
		return
	}
	if assert.NoError(t, err, msg) {
		assert.Equal(t, *want, got, msg)
	}
}

func TestPyIntOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want int
		ok   bool
	}{
		{nil, 0, false},
		{2, 2, true},
		{int64(3), 3, true},
		{2.0, 2, true},
		{1.9, 1, true},
		{-1.9, -1, true},
		{math.NaN(), 0, false},
		{"2", 2, true},
		{" 2 ", 2, true},
		{"1_0", 10, true},
		{"2.0", 0, false},
		{"two", 0, false},
		{json.Number("3"), 3, true},
		{json.Number("3.0"), 3, true},
		{true, 1, true},
		{[]int{1}, 0, false},
	}
	for _, tt := range tests {
		got, ok := pyIntOf(tt.in)
		assert.Equal(t, tt.ok, ok, "%#v", tt.in)
		assert.Equal(t, tt.want, got, "%#v", tt.in)
	}
}

func TestPyFields(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"a", "b", "c"}, pyFields(" a\u00a0b\x1fc\u2003"))
	assert.Empty(t, pyFields(" \t\n"))
	assert.Equal(t, "x y", pyStrip("\x1c x y\u3000"))
}
