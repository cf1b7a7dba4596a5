package retail

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

// This file holds the JSON the retail domain reads and writes. The database is read into an
// ordered tree (objects keep their keys in the order of the text, as Python's dicts do), and
// values are written the way Python's json.dumps writes them: ", " and ": " separators, floats
// as Python's repr, non-ASCII escaped. τ2 sends a tool's result to the model as
// json.dumps(model.model_dump()) and hashes a database as json.dumps(…, sort_keys=True), so
// writing the same bytes makes results identical and hashes comparable.

// object is a JSON object with its keys in order.
type object []member

// member is one key of an object with its value.
type member struct {
	key string
	val any
}

// pyInt is a Python int where τ2 leaves one in a float field (the price difference of an
// exchange of no items is round(0, 2), the int 0); json.dumps writes it without ".0".
type pyInt int64

// get returns the value of key and whether the object has it.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// parseJSON reads one JSON value into a tree: objects as object (a repeated key keeps its
// first place and its last value, as Python's json does), arrays as []any, numbers as
// json.Number, strings, bools and nil.
func parseJSON(data []byte) (any, error) {
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
			o := object{}
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
				if i := slices.IndexFunc(o, func(m member) bool { return m.key == key }); i >= 0 {
					o[i].val = v
				} else {
					o = append(o, member{key, v})
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

// jsonStyle is how writeJSON lays a value out.
type jsonStyle struct {
	// sortKeys writes every object's keys sorted (json.dumps(sort_keys=True)).
	sortKeys bool
	// compact uses "," and ":" as separators instead of Python's ", " and ": ".
	compact bool
	// escapeHTML writes <, > and & as \u003c, \u003e and \u0026, as Go's encoding does.
	escapeHTML bool
}

// pyDumps writes v as Python's json.dumps(v) does.
func pyDumps(v any) string {
	var b strings.Builder
	writeJSON(&b, v, jsonStyle{})
	return b.String()
}

// writeJSON writes a tree (object, []any, []string, string, float64, pyInt, bool, nil).
func writeJSON(b *strings.Builder, v any, st jsonStyle) {
	comma, colon := ", ", ": "
	if st.compact {
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
		writeString(b, t, st.escapeHTML)
	case float64:
		b.WriteString(pyFloat(t))
	case pyInt:
		b.WriteString(strconv.FormatInt(int64(t), 10))
	case json.Number:
		b.WriteString(string(t))
	case []string:
		b.WriteByte('[')
		for i, s := range t {
			if i > 0 {
				b.WriteString(comma)
			}
			writeString(b, s, st.escapeHTML)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(comma)
			}
			writeJSON(b, e, st)
		}
		b.WriteByte(']')
	case object:
		members := t
		if st.sortKeys {
			members = slices.Clone(t)
			slices.SortStableFunc(members, func(x, y member) int { return strings.Compare(x.key, y.key) })
		}
		b.WriteByte('{')
		for i, m := range members {
			if i > 0 {
				b.WriteString(comma)
			}
			writeString(b, m.key, st.escapeHTML)
			b.WriteString(colon)
			writeJSON(b, m.val, st)
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("retail: cannot write %T as JSON", v))
	}
}

// writeString writes s as a JSON string with Python's ensure_ascii escaping (and Go's of
// <, > and & when escapeHTML is set).
func writeString(b *strings.Builder, s string, escapeHTML bool) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	if plainASCII(s, escapeHTML) {
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
		default:
			units := []rune{r}
			if r > 0xffff {
				r -= 0x10000
				units = []rune{0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff}
			}
			for _, u := range units {
				fmt.Fprintf(b, `\u%04x`, u)
			}
		}
	}
	b.WriteByte('"')
}

// plainASCII reports whether s is printable ASCII without '"' or '\\' (nor <, > and & when
// escapeHTML is set), written as it is.
func plainASCII(s string, escapeHTML bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || escapeHTML && (c == '<' || c == '>' || c == '&') {
			return false
		}
	}
	return true
}

// pyFloat writes f as Python's repr(float) does: the shortest digits that read back as f,
// in fixed notation with at least one decimal when the exponent is from -5 to 15, else as
// d.ddde±XX; json.dumps writes infinities and NaN as Infinity and NaN.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return pyRepr(f)
}

// pyRepr is Python's repr(float) (and str(float)): inf and nan as Python spells them.
func pyRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // [-]d[.ddd]e±XX
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // digits[0:decpt] are the integer part
	if -4 < decpt && decpt <= 16 {
		switch {
		case decpt <= 0:
			return sign + "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			return sign + digits[:decpt] + "." + digits[decpt:]
		}
	}
	out := digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	expSign := "+"
	if exp < 0 {
		expSign, exp = "-", -exp
	}
	return fmt.Sprintf("%s%se%s%02d", sign, out, expSign, exp)
}

// pyRound2 is Python's round(f, 2): the float nearest to f correctly rounded to two decimals
// (ties to even on f's exact value).
func pyRound2(f float64) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	if err != nil {
		panic(err) // FormatFloat's output always reads back
	}
	return r
}
