package judges

import (
	"errors"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/tasks"
)

// This file reproduces the few pieces of Python's number semantics that official scorers lean
// on: float(str), int(float), round(float, n) and str(float). MathVista's scorer, for one,
// normalises an answer with str(round(float(x), precision)), so a score matches the paper
// only if every step behaves as CPython's does.

// errPyValue stands for the Python exceptions (ValueError, OverflowError) that a scorer's
// try/except turns into "no answer".
var errPyValue = errors.New("python: invalid value")

// pySpace reports whether r is whitespace for Python's str.strip() and str.split(): Go's
// unicode.IsSpace plus the information separators U+001C to U+001F, which Python counts too.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// pyFields splits s on runs of Python whitespace, as Python's s.split() does.
func pyFields(s string) []string {
	return strings.FieldsFunc(s, pySpace)
}

// pyStrip trims Python whitespace from both ends of s, as Python's s.strip() does.
func pyStrip(s string) string {
	return strings.TrimFunc(s, pySpace)
}

// digitValue returns the value of a Unicode decimal digit (category Nd). Decimal digits come
// in runs that start at a zero, so the value is the distance from the start of the run,
// modulo 10 (the mathematical alphanumeric digits are five such runs back to back).
func digitValue(r rune) int {
	start := r
	for start > 0 && unicode.IsDigit(start-1) {
		start--
	}
	return int(r-start) % 10
}

// pyFloat parses s as Python's float(str) does: surrounding whitespace is ignored; a sign,
// digits with an optional fraction and exponent follow, where single underscores may stand
// between digits; "inf", "infinity" and "nan" (any case, optionally signed) are accepted; any
// Unicode decimal digit counts as a digit. Values too large for a float64 become ±Inf and
// values too small become ±0, as in Python; anything else is errPyValue.
func pyFloat(s string) (float64, error) {
	s = pyStrip(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case unicode.IsDigit(r):
			b.WriteByte(byte('0' + digitValue(r)))
		case pySpace(r):
			b.WriteByte(' ') // inner whitespace: invalid below, as in Python
		default:
			return 0, errPyValue
		}
	}
	t := b.String()

	body := t
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if neg {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}

	if strings.Contains(body, "_") {
		var ok bool
		if body, ok = dropDigitUnderscores(body); !ok {
			return 0, errPyValue
		}
	}
	if !isDecimalLiteral(body) {
		return 0, errPyValue
	}
	f, err := strconv.ParseFloat(body, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errPyValue
	}
	if neg {
		f = -f
	}
	return f, nil
}

// dropDigitUnderscores removes the underscores of s, each of which must stand between two
// ASCII digits; it reports false when one does not.
func dropDigitUnderscores(s string) (string, bool) {
	isDigit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			if !isDigit(i-1) || !isDigit(i+1) {
				return "", false
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), true
}

// isDecimalLiteral reports whether s is digits with an optional fraction and an optional
// exponent ("12", "1.", ".5", "1e-3"), with at least one digit in the mantissa and no sign.
func isDecimalLiteral(s string) bool {
	i, mant := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		mant++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			mant++
		}
	}
	if mant == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// pyIntOfFloat returns str(int(f)): f truncated toward zero, written in full. int() of an
// infinity (OverflowError) or a NaN (ValueError) is errPyValue.
func pyIntOfFloat(f float64) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", errPyValue
	}
	if math.Abs(f) < 1<<62 {
		return strconv.FormatInt(int64(f), 10), nil
	}
	i, _ := new(big.Float).SetFloat64(f).Int(nil)
	return i.String(), nil
}

// Bounds of CPython's float.__round__: beyond them the result is x itself or a signed zero.
const (
	pyRoundMaxDigits = 323
	pyRoundMinDigits = -308
)

// pyRound returns round(x, n) as CPython computes it for a float: x's exact binary value is
// rounded to n decimal places (half to even, n may be negative), then converted back to the
// nearest float64. NaN and infinities round to themselves; a finite result too large for a
// float64 is errPyValue (Python's OverflowError).
func pyRound(x float64, n int) (float64, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x, nil
	}
	if n > pyRoundMaxDigits {
		return x, nil
	}
	if n < pyRoundMinDigits {
		return math.Copysign(0, x), nil
	}
	exact := new(big.Rat).SetFloat64(x)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(n))), nil))
	scaled := new(big.Rat)
	if n >= 0 {
		scaled.Mul(exact, scale)
	} else {
		scaled.Quo(exact, scale)
	}
	m := roundHalfEven(scaled)
	if m.Sign() == 0 {
		return math.Copysign(0, x), nil
	}
	result := new(big.Rat).SetInt(m)
	if n >= 0 {
		result.Quo(result, scale)
	} else {
		result.Mul(result, scale)
	}
	f, _ := result.Float64()
	if math.IsInf(f, 0) {
		return 0, errPyValue
	}
	return f, nil
}

// roundHalfEven rounds r to the nearest integer, ties to the even one.
func roundHalfEven(r *big.Rat) *big.Int {
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int)) // truncated toward zero
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch c := twice.Cmp(den); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// pyIntOf converts a scorer parameter as Python's int(v) would: integers as they are, floats
// truncated toward zero, strings holding an integer literal (surrounding whitespace and
// single underscores between digits allowed); nil, booleans aside, and anything else fail.
// It takes the types a decoded JSON or YAML record holds (json.Number among them, through
// its String method).
func pyIntOf(v any) (int, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return x, true
	case int64:
		return int(x), true
	case int32:
		return int(x), true
	case uint64:
		return int(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		return int(x), true
	case float32:
		return pyIntOf(float64(x))
	case string:
		return pyIntLiteral(x)
	case interface{ String() string }: // json.Number
		s := x.String()
		if n, ok := pyIntLiteral(s); ok {
			return n, true
		}
		// A json.Number such as 1.0 was a float in the JSON text: int(1.0) is 1.
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return pyIntOf(f)
		}
	}
	return 0, false
}

// pyIntLiteral parses s as Python's int(str) does in base 10.
func pyIntLiteral(s string) (int, bool) {
	s = pyStrip(s)
	if strings.Contains(s, "_") {
		sign := ""
		if s != "" && (s[0] == '+' || s[0] == '-') {
			sign, s = s[:1], s[1:]
		}
		var ok bool
		if s, ok = dropDigitUnderscores(s); !ok {
			return 0, false
		}
		s = sign + s
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// PyStr writes a decoded JSON value as Python's str() writes what json.load makes of it, as the
// official scorers grade it: [1, 2], ['a', 'b'], {'k': None} (an object's keys sorted, since
// their order is not kept), True, 1.5 (for 1.50), 100.0 (for 1e2); null as "".
func PyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return pyValueRepr(v)
}

// pyValueRepr writes a decoded JSON value as Python's repr() does.
func pyValueRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return pycall.ReprString(v)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyValueRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, pycall.ReprString(k)+": "+pyValueRepr(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	s, _ := tasks.Text(v)
	if strings.ContainsAny(s, ".eE") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return pycall.ReprFloat(f)
		}
	}
	return s
}
