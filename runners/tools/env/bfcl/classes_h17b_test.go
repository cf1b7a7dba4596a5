package bfcl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/realx-bench/realx/runners/pycall"
)

// pythonCalls are call sequences recorded from the published Python classes (CPython 3.11,
// ShishirPatil/gorilla bfcl_eval func_source_code at 6ea5797): per sequence the class, the
// scenario, the long-context flag, every call with its result as json.dumps(sort_keys=True)
// writes it (so ints and floats differ: 10 vs 10.0) or the message of what it raised, and the
// public state at the end.
type pythonCalls struct {
	Class       string          `json:"class"`
	Title       string          `json:"title"`
	Scenario    json.RawMessage `json:"scenario"`
	LongContext bool            `json:"long_context"`
	Calls       []struct {
		Method string          `json:"method"`
		Args   json.RawMessage `json:"args"`
		Result *string         `json:"result"`
		Error  *string         `json:"error"`
	} `json:"calls"`
	State string `json:"state"`
}

// TestClassesMatchPython replays every recorded sequence on the Go classes and requires each
// result, each error and the final public state to be the Python ones, types included.
func TestClassesMatchPython(t *testing.T) {
	travelToday = func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }
	defer func() { travelToday = time.Now }()
	data, err := os.ReadFile("testdata/python_calls_h17b.json")
	if err != nil {
		t.Fatal(err)
	}
	var seqs []pythonCalls
	if err := json.Unmarshal(data, &seqs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[string]bool{}
	for _, seq := range seqs {
		t.Run(seq.Class+"/"+seq.Title, func(t *testing.T) {
			c, err := newClass(seq.Class)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Load(seq.Scenario, seq.LongContext); err != nil {
				t.Fatal(err)
			}
			if seen[seq.Class] == nil {
				seen[seq.Class] = map[string]bool{}
			}
			for i, call := range seq.Calls {
				dec := json.NewDecoder(bytes.NewReader(call.Args))
				dec.UseNumber()
				var args map[string]any
				if err := dec.Decode(&args); err != nil {
					t.Fatal(err)
				}
				got, err := c.Call(call.Method, args)
				where := fmt.Sprintf("call %d %s(%s)", i, call.Method, call.Args)
				switch {
				case call.Error != nil && err == nil:
					t.Errorf("%s = %s, want the error %q", where, dumpsSorted(got), *call.Error)
				case call.Error != nil && err.Error() != *call.Error:
					t.Errorf("%s error = %q, want %q", where, err, *call.Error)
				case call.Error == nil && err != nil:
					t.Errorf("%s error = %q, want %s", where, err, *call.Result)
				case call.Error == nil && dumpsSorted(got) != *call.Result:
					t.Errorf("%s\n got %s\nwant %s", where, clip(dumpsSorted(got)), clip(*call.Result))
				}
				if err == nil {
					seen[seq.Class][call.Method] = true
				}
			}
			if got := dumpsSorted(c.State()); got != seq.State {
				t.Errorf("state\n got %s\nwant %s", clip(got), clip(seq.State))
			}
		})
	}
	// Every public method of the four classes is exercised by a call that succeeds.
	for _, name := range []string{"TicketAPI", "TradingBot", "TravelAPI", "VehicleControlAPI"} {
		c, _ := newClass(name)
		for _, m := range c.(interface{ Methods() []string }).Methods() {
			if !seen[name][m] {
				t.Errorf("%s.%s is never called successfully by the recorded sequences", name, m)
			}
		}
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// dumpsSorted writes a plain value as Python's json.dumps(v, sort_keys=True, default=str).
func dumpsSorted(v any) string {
	var b strings.Builder
	writeDumps(&b, v)
	return b.String()
}

func writeDumps(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
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
	case string:
		writeJSONString(b, x)
	case pyEllipsis:
		writeJSONString(b, "Ellipsis")
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeDumps(b, e)
		}
		b.WriteByte(']')
	case Dict: // results keep their order (pyOrdered); compared here with sorted keys
		m := make(map[string]any, len(x))
		for _, it := range x {
			m[it.Key] = it.Value
		}
		writeDumps(b, m)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, k)
			b.WriteString(": ")
			writeDumps(b, x[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "<%T>", v)
	}
}

// writeJSONString writes s as json.dumps does with ensure_ascii.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r >= 0x7f && r < 0x10000):
				fmt.Fprintf(b, `\u%04x`, r)
			case r >= 0x10000:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
