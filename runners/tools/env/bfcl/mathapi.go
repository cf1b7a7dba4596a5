package bfcl

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("MathAPI", newMathAPI) }

// mathAPI is BFCL's MathAPI: stateless arithmetic and statistics whose results keep Python's
// numeric types (an int stays an int where Python's would).
type mathAPI struct{ methods methods }

func newMathAPI() Class { m := &mathAPI{}; m.methods = mathTable(); return m }

// Load does nothing: MathAPI is stateless and BFCL never loads a scenario into it.
func (m *mathAPI) Load(json.RawMessage, bool) error { return nil }

// State is empty: MathAPI has no public attributes.
func (m *mathAPI) State() map[string]any { return map[string]any{} }

func (m *mathAPI) Call(name string, a map[string]any) (any, error) {
	return m.methods.call("MathAPI", name, a)
}

// isNum reports whether v is a Python int or float (a bool is an int).
func isNum(v any) bool {
	_, ok := pyNum(v)
	return ok
}

// toF returns a number as a float64.
func toF(v any) float64 {
	f, _ := pyNum(v)
	return f
}

// arith applies a binary operator (+, -, *) to two numbers with Python's types (pyArith):
// int with int gives an int.
func arith(op string, a, b any) any {
	v, _ := pyArith(op, a, b)
	return v
}

// numList returns the numbers of a list, or false when one is not a number.
func numList(l []any) ([]any, bool) {
	for _, v := range l {
		if !isNum(v) {
			return nil, false
		}
	}
	return l, true
}

// pySum is Python's sum: an int while every term is an int.
func pySum(l []any) any {
	var acc any = 0
	for _, v := range l {
		acc = arith("+", acc, v)
	}
	return acc
}

// numLess is a < b for Python numbers.
func numLess(a, b any) bool {
	lt, _ := pyLess(a, b)
	return lt
}

func mathTable() methods {
	result := func(v any) Dict { return dict("result", v) }
	bothNumbers := dict("error", "Both inputs must be numbers")
	listOf := func(a args, empty string) ([]any, any) {
		l, ok := a["numbers"].([]any)
		if !ok || len(l) == 0 {
			if !ok && a["numbers"] != nil && pyTruth(a["numbers"]) {
				return nil, dict("error", "All elements in the list must be numbers")
			}
			return nil, dict("error", empty)
		}
		if _, ok := numList(l); !ok {
			return nil, dict("error", "All elements in the list must be numbers")
		}
		return l, nil
	}
	return methods{
		"logarithm": {params: []param{req("value"), req("base"), req("precision")}, run: func(a args) any {
			if !isNum(a["value"]) || !isNum(a["base"]) {
				return dict("error", "cannot create mpf from "+pycall.Repr(a["value"]))
			}
			if !isNum(a["precision"]) {
				return dict("error", "int() argument must be a string, a bytes-like object or a real number, not '"+pyTypeName(a["precision"])+"'")
			}
			digits, ok := mpfLogRatio(toF(a["value"]), toF(a["base"]), int(toF(a["precision"])))
			if !ok {
				return dict("error", "the logarithm of a number that is not positive is complex; realx's MathAPI does not compute it")
			}
			return result(Mpf{Digits: digits})
		}},
		"mean": {params: []param{req("numbers")}, run: func(a args) any {
			l, e := listOf(a, "Cannot calculate mean of an empty list")
			if e != nil {
				return e
			}
			return result(toF(pySum(l)) / float64(len(l)))
		}},
		"standard_deviation": {params: []param{req("numbers")}, run: func(a args) any {
			l, e := listOf(a, "Cannot calculate standard deviation of an empty list")
			if e != nil {
				return e
			}
			mean := toF(pySum(l)) / float64(len(l))
			v := 0.0
			for _, x := range l {
				v += (toF(x) - mean) * (toF(x) - mean)
			}
			return result(math.Sqrt(v / float64(len(l))))
		}},
		"si_unit_conversion": {params: []param{req("value"), req("unit_in"), req("unit_out")}, run: func(a args) any {
			toMeters := map[string]any{"km": 1000, "m": 1, "cm": 0.01, "mm": 0.001, "um": 1e-6, "nm": 1e-9}
			if !isNum(a["value"]) {
				return dict("error", "Value must be a number")
			}
			in, out := fmt.Sprint(a["unit_in"]), fmt.Sprint(a["unit_out"])
			fin, ok1 := toMeters[in]
			fout, ok2 := toMeters[out]
			if !ok1 || !ok2 {
				return dict("error", fmt.Sprintf("Conversion from '%s' to '%s' is not supported", in, out))
			}
			meters := arith("*", a["value"], fin)
			return result(toF(meters) * (1 / toF(fout)))
		}},
		"imperial_si_conversion": {params: []param{req("value"), req("unit_in"), req("unit_out")}, run: func(a args) any {
			conv := map[string]float64{"cm_to_in": 0.393701, "in_to_cm": 2.54, "m_to_ft": 3.28084, "ft_to_m": 0.3048,
				"m_to_yd": 1.09361, "yd_to_m": 0.9144, "km_to_miles": 0.621371, "miles_to_km": 1.60934,
				"kg_to_lb": 2.20462, "lb_to_kg": 0.453592, "celsius_to_fahrenheit": 1.8, "fahrenheit_to_celsius": 5.0 / 9}
			if !isNum(a["value"]) {
				return dict("error", "Value must be a number")
			}
			in, out := fmt.Sprint(a["unit_in"]), fmt.Sprint(a["unit_out"])
			if in == out {
				return result(a["value"])
			}
			f, ok := conv[in+"_to_"+out]
			if !ok {
				return dict("error", fmt.Sprintf("Conversion from '%s' to '%s' is not supported", in, out))
			}
			v := toF(a["value"])
			switch {
			case in == "celsius" && out == "fahrenheit":
				return result(v*f + 32)
			case in == "fahrenheit" && out == "celsius":
				return result((v - 32) * f)
			}
			return result(v * f)
		}},
		"add": {params: []param{req("a"), req("b")}, run: func(a args) any {
			if s1, ok := a["a"].(string); ok {
				if s2, ok := a["b"].(string); ok {
					return result(s1 + s2)
				}
			}
			if !isNum(a["a"]) || !isNum(a["b"]) {
				return bothNumbers
			}
			return result(arith("+", a["a"], a["b"]))
		}},
		"subtract": {params: []param{req("a"), req("b")}, run: func(a args) any {
			if !isNum(a["a"]) || !isNum(a["b"]) {
				return bothNumbers
			}
			return result(arith("-", a["a"], a["b"]))
		}},
		"multiply": {params: []param{req("a"), req("b")}, run: func(a args) any {
			if !isNum(a["a"]) || !isNum(a["b"]) {
				return bothNumbers
			}
			return result(arith("*", a["a"], a["b"]))
		}},
		"divide": {params: []param{req("a"), req("b")}, run: func(a args) any {
			if !isNum(a["a"]) || !isNum(a["b"]) {
				return bothNumbers
			}
			if toF(a["b"]) == 0 {
				return dict("error", "Cannot divide by zero")
			}
			return result(toF(a["a"]) / toF(a["b"]))
		}},
		"power": {params: []param{req("base"), req("exponent")}, run: func(a args) any {
			if !isNum(a["base"]) || !isNum(a["exponent"]) {
				return bothNumbers
			}
			b, bi := pyIsInt(a["base"])
			e, ei := pyIsInt(a["exponent"])
			if bi && ei && e >= 0 {
				r := new(big.Int).Exp(big.NewInt(int64(b)), big.NewInt(int64(e)), nil)
				if r.IsInt64() {
					return result(int(r.Int64()))
				}
				f, _ := new(big.Float).SetInt(r).Float64()
				return result(f)
			}
			return result(math.Pow(toF(a["base"]), toF(a["exponent"])))
		}},
		"square_root": {params: []param{req("number"), req("precision")}, run: func(a args) any {
			if !isNum(a["number"]) {
				return dict("error", "Input must be a number or computation resulted in an invalid operation")
			}
			if toF(a["number"]) < 0 {
				return dict("error", "Cannot calculate square root of a negative number")
			}
			return result(Decimal{Digits: decimalSqrt(a["number"], a.integer("precision"))})
		}},
		"absolute_value": {params: []param{req("number")}, run: func(a args) any {
			if !isNum(a["number"]) {
				return dict("error", "Input must be a number")
			}
			if i, ok := pyIsInt(a["number"]); ok {
				if i < 0 {
					i = -i
				}
				return result(i)
			}
			return result(math.Abs(toF(a["number"])))
		}},
		"round_number": {params: []param{req("number"), opt("decimal_places", 0)}, run: func(a args) any {
			places, ok := pyIsInt(a["decimal_places"])
			if !isNum(a["number"]) || !ok {
				return dict("error", "First input must be a number, second input must be an integer")
			}
			if i, ok := pyIsInt(a["number"]); ok {
				if places >= 0 {
					return result(i)
				}
				p := int(math.Pow10(-places))
				return result(int(math.RoundToEven(float64(i)/float64(p))) * p)
			}
			return result(pyRound(toF(a["number"]), places))
		}},
		"percentage": {params: []param{req("part"), req("whole")}, run: func(a args) any {
			if !isNum(a["part"]) || !isNum(a["whole"]) {
				return bothNumbers
			}
			if toF(a["whole"]) == 0 {
				return dict("error", "Whole value cannot be zero")
			}
			return result(toF(a["part"]) / toF(a["whole"]) * 100)
		}},
		"min_value": {params: []param{req("numbers")}, run: func(a args) any {
			l, e := listOf(a, "Cannot find minimum of an empty list")
			if e != nil {
				return e
			}
			m := l[0]
			for _, v := range l[1:] {
				if numLess(v, m) {
					m = v
				}
			}
			return result(m)
		}},
		"max_value": {params: []param{req("numbers")}, run: func(a args) any {
			l, e := listOf(a, "Cannot find maximum of an empty list")
			if e != nil {
				return e
			}
			m := l[0]
			for _, v := range l[1:] {
				if numLess(m, v) {
					m = v
				}
			}
			return result(m)
		}},
		"sum_values": {params: []param{req("numbers")}, run: func(a args) any {
			l, e := listOf(a, "Cannot calculate sum of an empty list")
			if e != nil {
				return e
			}
			return result(pySum(l))
		}},
	}
}

// decimalSqrt is str(Decimal(number).sqrt()) under a context of prec significant digits:
// correctly rounded (half to even); an exact root carries the operand's ideal exponent.
func decimalSqrt(number any, prec int) string {
	if prec < 1 {
		prec = 1
	}
	var x *big.Rat
	if i, ok := pyIsInt(number); ok {
		x = new(big.Rat).SetInt64(int64(i))
	} else {
		x = new(big.Rat)
		x.SetFloat64(toF(number))
	}
	if x.Sign() == 0 {
		return "0"
	}
	bf := new(big.Float).SetPrec(uint(prec*4 + 64)).SetRat(x)
	r := new(big.Float).SetPrec(uint(prec*4 + 64)).Sqrt(bf)
	s := r.Text('e', prec-1)
	// An exact root: strip the zeros the ideal exponent allows.
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	digits := strings.Replace(mant, ".", "", 1)
	check, _ := new(big.Rat).SetString(digits + "e" + strconv.Itoa(e-(len(digits)-1)))
	if new(big.Rat).Mul(check, check).Cmp(x) == 0 {
		// The operand's exponent: Decimal(float) is exact, its exponent that of its digits.
		opExp := 0
		if f, ok := number.(float64); ok {
			ds := new(big.Rat).SetFloat64(f).FloatString(1100)
			ds = strings.TrimRight(ds, "0")
			if i := strings.Index(ds, "."); i >= 0 {
				opExp = -(len(ds) - i - 1)
			}
		}
		ideal := int(math.Floor(float64(opExp) / 2))
		for len(digits) > 1 && strings.HasSuffix(digits, "0") && e-(len(digits)-1) < ideal {
			digits = digits[:len(digits)-1]
		}
	}
	exponent := e - (len(digits) - 1)
	adjusted := e
	if exponent <= 0 && adjusted >= -6 {
		if exponent == 0 {
			return digits
		}
		pointAt := len(digits) + exponent
		if pointAt > 0 {
			return digits[:pointAt] + "." + digits[pointAt:]
		}
		return "0." + strings.Repeat("0", -pointAt) + digits
	}
	out := digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	sign := "+"
	if adjusted < 0 {
		sign = "-"
		adjusted = -adjusted
	}
	return out + "E" + sign + strconv.Itoa(adjusted)
}

// Methods lists the public methods, sorted.
func (m *mathAPI) Methods() []string { return m.methods.names() }

// Params lists a method's parameters in signature order (positional arguments bind to them).
func (m *mathAPI) Params(method string) []string { return m.methods.paramNames(method) }
