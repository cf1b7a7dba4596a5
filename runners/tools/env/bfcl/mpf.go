package bfcl

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// mpmath's conversions between decimal digits and bits of precision (mpmath.libmp).
func dpsToPrec(dps int) uint {
	return uint(max(1, int(math.Round(float64(dps+1)*3.3219280948873626))))
}

func precToDps(prec uint) int {
	return max(1, int(math.Round(float64(prec)/3.3219280948873626))-1)
}

// reprDps is how many digits repr writes of a number of prec bits.
func reprDps(prec uint) int {
	dps := precToDps(prec)
	if dps == 15 {
		return 17
	}
	return dps + 3
}

// mpLog returns the natural logarithm of x (> 0) rounded to prec bits, computed with guard
// bits: ln(m·2^k) = ln m + k·ln 2, ln m = 2·atanh((m−1)/(m+1)).
func mpLog(x *big.Float, prec uint) *big.Float {
	work := prec + 64
	m := new(big.Float).SetPrec(work)
	k := x.MantExp(m) // x = m·2^k, m in [0.5, 1)
	res := atanhLog(m, work)
	if k != 0 {
		ln2 := atanhLog(new(big.Float).SetPrec(work).SetInt64(2), work)
		res.Add(res, ln2.Mul(ln2, new(big.Float).SetPrec(work).SetInt64(int64(k))))
	}
	return new(big.Float).SetPrec(prec).SetMode(big.ToNearestEven).Set(res)
}

// atanhLog is ln m = 2·Σ z^(2n+1)/(2n+1) with z = (m−1)/(m+1), at work bits.
func atanhLog(m *big.Float, work uint) *big.Float {
	one := new(big.Float).SetPrec(work).SetInt64(1)
	z := new(big.Float).SetPrec(work).Sub(m, one)
	z.Quo(z, new(big.Float).SetPrec(work).Add(m, one))
	z2 := new(big.Float).SetPrec(work).Mul(z, z)
	sum := new(big.Float).SetPrec(work)
	term := new(big.Float).SetPrec(work).Set(z)
	eps := new(big.Float).SetPrec(work).SetMantExp(one, -int(work)-8)
	for n := int64(1); ; n += 2 {
		t := new(big.Float).SetPrec(work).Quo(term, new(big.Float).SetPrec(work).SetInt64(n))
		sum.Add(sum, t)
		if t.Sign() == 0 || new(big.Float).Abs(t).Cmp(eps) < 0 {
			break
		}
		term.Mul(term, z2)
	}
	return sum.Mul(sum, new(big.Float).SetPrec(work).SetInt64(2))
}

// mpfLogRatio is MathAPI.logarithm: mpmath.log(value)/mpmath.log(base) at mp.dps = dps, as
// repr writes the mpf: its digits, ok false when mpmath would not give a real number.
func mpfLogRatio(value, base float64, dps int) (string, bool) {
	if value <= 0 || base <= 0 || math.IsInf(value, 0) || math.IsInf(base, 0) || math.IsNaN(value) || math.IsNaN(base) {
		return "", false
	}
	prec := dpsToPrec(dps)
	lv := mpLog(new(big.Float).SetFloat64(value), prec)
	lb := mpLog(new(big.Float).SetFloat64(base), prec)
	if lb.Sign() == 0 {
		if lv.Sign() == 0 {
			return "nan", true
		}
		if lv.Sign() > 0 {
			return "+inf", true
		}
		return "-inf", true
	}
	q := new(big.Float).SetPrec(prec).SetMode(big.ToNearestEven).Quo(lv, lb)
	return mpToStr(q, reprDps(prec)), true
}

// mpToStr is mpmath's to_str(x, n): n significant digits, trailing zeros stripped (".0"
// kept), positional when the decimal exponent is within (min(−n/3, −5), n), else d.ddde±x.
func mpToStr(x *big.Float, n int) string {
	if x.Sign() == 0 {
		return "0.0"
	}
	s := x.Text('e', n-1) // d.ddddde±xx
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	digits := strings.Replace(mant, ".", "", 1)
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		digits = "0"
	}
	minFixed := min(-(n / 3), -5)
	if minFixed < e && e < n {
		var out string
		switch {
		case e < 0:
			out = "0." + strings.Repeat("0", -e-1) + digits
		case len(digits) > e+1:
			out = digits[:e+1] + "." + digits[e+1:]
		default:
			out = digits + strings.Repeat("0", e+1-len(digits)) + ".0"
		}
		return sign + out
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	es := strconv.Itoa(e)
	if e > 0 {
		es = "+" + es
	}
	return sign + digits[:1] + "." + frac + "e" + es
}
