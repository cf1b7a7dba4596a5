package mathequiv

import (
	"hash/fnv"
	"math"
	"math/big"
	"math/cmplx"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// This file evaluates expression trees: in complex floating point at a point (for numeric and
// symbolic comparison), and exactly in rationals where an expression is a rational number.

// budget bounds the work of one comparison: a deadline checked every few hundred steps, and a
// step limit that stops runaway work the same way on every machine.
type budget struct {
	deadline time.Time
	steps    int
}

// maxSteps bounds the steps of one comparison.
const maxSteps = 20_000_000

// timeoutSignal is the panic value that unwinds a comparison past its deadline.
type timeoutSignal struct{}

// tick counts a step, checking the deadline every 512 steps.
func (b *budget) tick() {
	b.steps++
	if b.steps&511 == 0 {
		b.check()
	}
}

// check unwinds the comparison (by a timeoutSignal panic) past the deadline or the step limit.
func (b *budget) check() {
	if b.steps > maxSteps || time.Now().After(b.deadline) {
		panic(timeoutSignal{})
	}
}

// Limits of exact rational arithmetic; beyond them the comparison is done in floating point.
const (
	maxRatBits  = 20000
	maxRatExp   = 400 // decimal exponent of a literal such as 1e400
	maxFactRat  = 300
	maxRootDeg  = 12
	maxBinomK   = 300
	numPoints   = 7 // points at which expressions with variables are compared
	minValidPts = 3
)

// evaluator evaluates expression trees.
type evaluator struct {
	b    *budget
	vars map[string]complex128
	// opaque is set when a sum whose bounds are not integers was given a stand-in value
	// (sumValue): equal stand-ins mean equal sums, different ones prove nothing.
	opaque bool
}

// point returns the value of variable name at sample point k: deterministic, drawn from
// [0.35, 2.85] by a generator seeded with the name, so that both sides of a comparison see the
// same values whatever order they are evaluated in.
func point(name string, k int) complex128 {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(0x6d61746865717569, h.Sum64()))
	var v float64
	for range k + 1 {
		v = 0.35 + 2.5*r.Float64()
	}
	return complex(v, 0)
}

// isReal reports whether z has no imaginary part.
func isReal(z complex128) bool { return imag(z) == 0 }

// finite reports whether both parts of z are finite numbers.
func finite(z complex128) bool {
	return !math.IsNaN(real(z)) && !math.IsNaN(imag(z)) && !math.IsInf(real(z), 0) && !math.IsInf(imag(z), 0)
}

var nan = complex(math.NaN(), math.NaN())

// literal returns the value of a number literal.
func literal(lit string) float64 {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && f == 0 {
		return math.NaN()
	}
	return f
}

// eval evaluates n at e.vars in complex floating point; undefined values (division by zero, an
// unknown variable) are NaN.
func (e *evaluator) eval(n *node) complex128 {
	e.b.tick()
	if n == nil {
		return nan
	}
	switch n.kind {
	case nNum:
		return complex(literal(n.lit), 0)
	case nVar:
		if v, ok := e.vars[n.name]; ok {
			return v
		}
		return nan
	case nConst:
		switch n.name {
		case "pi":
			return complex(math.Pi, 0)
		case "e":
			return complex(math.E, 0)
		case "i":
			return complex(0, 1)
		case "inf":
			return complex(math.Inf(1), 0)
		}
	case nNeg:
		x := e.eval(n.args[0])
		return complex(-real(x), 0-imag(x)) // 0-0 is +0: no signed zero to cross a branch cut
	case nAdd, nSub, nMul, nDiv:
		x, y := e.eval(n.args[0]), e.eval(n.args[1])
		return arith(n.kind, x, y)
	case nPow:
		return pow(e.eval(n.args[0]), e.eval(n.args[1]))
	case nRoot:
		x := e.eval(n.args[1])
		if n.args[0] == nil {
			return sqrt(x)
		}
		return root(x, e.eval(n.args[0]))
	case nFunc:
		x := e.eval(n.args[0])
		if n.args[1] != nil {
			base := e.eval(n.args[1])
			return arith(nDiv, logC(x), logC(base))
		}
		return function(n.name, x)
	case nSum:
		return e.sumValue(n)
	case nFact:
		return factorial(e.eval(n.args[0]))
	case nAbs:
		return complex(cmplx.Abs(e.eval(n.args[0])), 0)
	case nFloor, nCeil:
		x := e.eval(n.args[0])
		if !isReal(x) {
			return nan
		}
		if n.kind == nFloor {
			return complex(math.Floor(real(x)), 0)
		}
		return complex(math.Ceil(real(x)), 0)
	case nBinom:
		return binom(e.eval(n.args[0]), e.eval(n.args[1]), e.b)
	}
	return nan
}

// arith applies + − × ÷, in real arithmetic when both operands are real (so that 2·∞ is ∞, not
// ∞ + NaN·i).
func arith(k nodeKind, x, y complex128) complex128 {
	if isReal(x) && isReal(y) {
		a, b := real(x), real(y)
		switch k {
		case nAdd:
			return complex(a+b, 0)
		case nSub:
			return complex(a-b, 0)
		case nMul:
			return complex(a*b, 0)
		default:
			if b == 0 {
				return nan
			}
			return complex(a/b, 0)
		}
	}
	switch k {
	case nAdd:
		return x + y
	case nSub:
		return x - y
	case nMul:
		return x * y
	default:
		if y == 0 {
			return nan
		}
		return x / y
	}
}

// pow returns x^y: in real arithmetic when x ≥ 0 or y is an integer, else the principal complex
// power; huge complex exponents are undefined rather than slow.
func pow(x, y complex128) complex128 {
	if isReal(x) && isReal(y) {
		a, b := real(x), real(y)
		if a >= 0 || b == math.Trunc(b) {
			if a == 0 && b < 0 {
				return nan
			}
			return complex(math.Pow(a, b), 0)
		}
	}
	if x == 0 {
		if real(y) > 0 {
			return 0
		}
		return nan
	}
	if cmplx.Abs(y) > 1e6 || cmplx.IsInf(y) {
		return nan
	}
	return cmplx.Pow(unsigned(x), y)
}

// sqrt returns the principal square root of x.
func sqrt(x complex128) complex128 {
	if isReal(x) && real(x) >= 0 {
		return complex(math.Sqrt(real(x)), 0)
	}
	return cmplx.Sqrt(unsigned(x))
}

// unsigned replaces an imaginary part of −0 by +0, so that the principal branch of a root or a
// logarithm of a negative real number is taken (√−1 = i, not −i).
func unsigned(x complex128) complex128 {
	if imag(x) == 0 {
		return complex(real(x), 0)
	}
	return x
}

// root returns the k-th root of x; an odd root of a negative real number is the real root
// (\sqrt[3]{-8} = -2).
func root(x, k complex128) complex128 {
	if !isReal(k) || real(k) == 0 {
		return nan
	}
	n := real(k)
	if isReal(x) && real(x) < 0 && n == math.Trunc(n) && math.Mod(math.Abs(n), 2) == 1 {
		return complex(-math.Pow(-real(x), 1/n), 0)
	}
	return pow(x, complex(1/n, 0))
}

// logC returns the principal natural logarithm of x; log 0 is undefined.
func logC(x complex128) complex128 {
	if isReal(x) && real(x) > 0 {
		return complex(math.Log(real(x)), 0)
	}
	if x == 0 {
		return nan
	}
	return cmplx.Log(unsigned(x))
}

// elementary is a function with a real version, used on its real domain for accuracy, and a
// complex version used elsewhere.
type elementary struct {
	real   func(float64) float64
	domain func(float64) bool // nil: every real number
	cmplx  func(complex128) complex128
}

// within1 is the real domain of arcsin and arccos.
func within1(r float64) bool { return math.Abs(r) <= 1 }

var elementaries = map[string]elementary{
	"sin":    {math.Sin, nil, cmplx.Sin},
	"cos":    {math.Cos, nil, cmplx.Cos},
	"tan":    {math.Tan, nil, cmplx.Tan},
	"arcsin": {math.Asin, within1, cmplx.Asin},
	"arccos": {math.Acos, within1, cmplx.Acos},
	"arctan": {math.Atan, nil, cmplx.Atan},
	"sinh":   {math.Sinh, nil, cmplx.Sinh},
	"cosh":   {math.Cosh, nil, cmplx.Cosh},
	"tanh":   {math.Tanh, nil, cmplx.Tanh},
	"exp":    {math.Exp, nil, cmplx.Exp},
}

// function applies the named function to x.
func function(name string, x complex128) complex128 {
	if f, ok := elementaries[name]; ok {
		if isReal(x) && (f.domain == nil || f.domain(real(x))) {
			return complex(f.real(real(x)), 0)
		}
		return f.cmplx(x)
	}
	switch name {
	case "cot":
		return arith(nDiv, 1, function("tan", x))
	case "sec":
		return arith(nDiv, 1, function("cos", x))
	case "csc":
		return arith(nDiv, 1, function("sin", x))
	case "log", "ln":
		return logC(x)
	case "lg":
		return arith(nDiv, logC(x), complex(math.Ln10, 0))
	case "abs":
		return complex(cmplx.Abs(x), 0)
	}
	return nan
}

// factorial returns x! for a real x ≥ 0 (by the gamma function for non-integers).
func factorial(x complex128) complex128 {
	if !isReal(x) || real(x) < 0 {
		return nan
	}
	n := real(x)
	if n == math.Trunc(n) && n <= 170 {
		f := 1.0
		for i := 2.0; i <= n; i++ {
			f *= i
		}
		return complex(f, 0)
	}
	return complex(math.Gamma(n+1), 0)
}

// binom returns the binomial coefficient n choose k for real n and k.
func binom(n, k complex128, b *budget) complex128 {
	if !isReal(n) || !isReal(k) {
		return nan
	}
	nn, kk := real(n), real(k)
	if kk == math.Trunc(kk) && kk >= 0 && kk <= 1000 {
		r := 1.0
		for i := 0.0; i < kk; i++ {
			b.tick()
			r = r * (nn - i) / (i + 1)
		}
		return complex(r, 0)
	}
	return complex(math.Gamma(nn+1)/(math.Gamma(kk+1)*math.Gamma(nn-kk+1)), 0)
}

// ratLiteral returns a number literal as an exact rational; false for an exponent too large.
func ratLiteral(lit string) (*big.Rat, bool) {
	mant, exp := lit, ""
	if k := strings.IndexAny(lit, "eE"); k >= 0 {
		mant, exp = lit[:k], lit[k+1:]
	}
	if exp != "" {
		e, err := strconv.Atoi(exp)
		if err != nil || e > maxRatExp || e < -maxRatExp {
			return nil, false
		}
	}
	mant = strings.TrimLeft(mant, "0")
	if mant == "" || mant[0] == '.' {
		mant = "0" + mant
	}
	if exp != "" {
		mant += "e" + exp
	}
	r, ok := new(big.Rat).SetString(mant)
	return r, ok
}

// ratTooBig reports whether r is past the size of exact arithmetic.
func ratTooBig(r *big.Rat) bool {
	return r.Num().BitLen()+r.Denom().BitLen() > maxRatBits
}

// smallInt returns r as an int when r is an integer of magnitude at most limit.
func smallInt(r *big.Rat, limit int64) (int64, bool) {
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	v := r.Num().Int64()
	if v > limit || v < -limit {
		return 0, false
	}
	return v, true
}

// rat evaluates n exactly; false when n is not a rational number built from literals (or is too
// large to compute).
func (e *evaluator) rat(n *node) (*big.Rat, bool) {
	e.b.tick()
	if n == nil {
		return nil, false
	}
	switch n.kind {
	case nNum:
		return ratLiteral(n.lit)
	case nNeg:
		x, ok := e.rat(n.args[0])
		if !ok {
			return nil, false
		}
		return new(big.Rat).Neg(x), true
	case nAdd, nSub, nMul, nDiv:
		x, y, ok := e.rat2(n)
		if !ok {
			return nil, false
		}
		r := new(big.Rat)
		switch n.kind {
		case nAdd:
			r.Add(x, y)
		case nSub:
			r.Sub(x, y)
		case nMul:
			r.Mul(x, y)
		default:
			if y.Sign() == 0 {
				return nil, false
			}
			r.Quo(x, y)
		}
		return r, !ratTooBig(r)
	case nPow:
		x, y, ok := e.rat2(n)
		if !ok {
			return nil, false
		}
		return ratPow(x, y, e.b)
	case nRoot:
		x, ok := e.rat(n.args[1])
		if !ok {
			return nil, false
		}
		deg := int64(2)
		if n.args[0] != nil {
			k, ok := e.rat(n.args[0])
			if !ok {
				return nil, false
			}
			if deg, ok = smallInt(k, maxRootDeg); !ok || deg < 1 {
				return nil, false
			}
		}
		return ratRoot(x, int(deg), e.b)
	case nFact:
		x, ok := e.rat(n.args[0])
		if !ok {
			return nil, false
		}
		k, ok := smallInt(x, maxFactRat)
		if !ok || k < 0 {
			return nil, false
		}
		f := new(big.Int).MulRange(1, k)
		if k == 0 {
			f.SetInt64(1)
		}
		return new(big.Rat).SetInt(f), true
	case nBinom:
		x, y, ok := e.rat2(n)
		if !ok {
			return nil, false
		}
		nn, ok1 := smallInt(x, 1_000_000)
		kk, ok2 := smallInt(y, maxBinomK)
		if !ok1 || !ok2 || nn < 0 || kk < 0 {
			return nil, false
		}
		if kk > nn {
			return new(big.Rat), true
		}
		return new(big.Rat).SetInt(new(big.Int).Binomial(nn, kk)), true
	case nAbs:
		x, ok := e.rat(n.args[0])
		if !ok {
			return nil, false
		}
		return new(big.Rat).Abs(x), true
	case nFloor, nCeil:
		x, ok := e.rat(n.args[0])
		if !ok {
			return nil, false
		}
		q := new(big.Int).Div(x.Num(), x.Denom()) // Euclidean: the floor, as Denom > 0
		if n.kind == nCeil && !x.IsInt() {
			q.Add(q, big.NewInt(1))
		}
		return new(big.Rat).SetInt(q), true
	}
	return nil, false
}

// rat2 evaluates the two arguments of n exactly.
func (e *evaluator) rat2(n *node) (x, y *big.Rat, ok bool) {
	if x, ok = e.rat(n.args[0]); !ok {
		return nil, nil, false
	}
	if y, ok = e.rat(n.args[1]); !ok {
		return nil, nil, false
	}
	return x, y, true
}

// ratPow computes x^y exactly for an integer y, or a rational y = p/q whose root is exact.
func ratPow(x, y *big.Rat, b *budget) (*big.Rat, bool) {
	if !y.IsInt() {
		q, ok := smallInt(new(big.Rat).SetInt(y.Denom()), maxRootDeg)
		if !ok {
			return nil, false
		}
		r, ok := ratRoot(x, int(q), b)
		if !ok {
			return nil, false
		}
		return ratPow(r, new(big.Rat).SetInt(y.Num()), b)
	}
	k, ok := smallInt(y, 100_000)
	if !ok {
		return nil, false
	}
	if x.Sign() == 0 {
		if k < 0 {
			return nil, false
		}
		if k == 0 {
			return big.NewRat(1, 1), true
		}
		return new(big.Rat), true
	}
	neg := k < 0
	if neg {
		k = -k
	}
	if int64(x.Num().BitLen()+x.Denom().BitLen())*k > maxRatBits {
		return nil, false
	}
	e := big.NewInt(k)
	num := new(big.Int).Exp(x.Num(), e, nil)
	den := new(big.Int).Exp(x.Denom(), e, nil)
	if neg {
		num, den = den, num
	}
	if den.Sign() < 0 {
		num.Neg(num)
		den.Neg(den)
	}
	b.tick()
	return new(big.Rat).SetFrac(num, den), true
}

// ratRoot computes the k-th root of x when it is rational; an odd root of a negative number is
// negative.
func ratRoot(x *big.Rat, k int, b *budget) (*big.Rat, bool) {
	if k == 1 {
		return x, true
	}
	neg := x.Sign() < 0
	if neg && k%2 == 0 {
		return nil, false
	}
	ax := new(big.Rat).Abs(x)
	num, ok := intRoot(ax.Num(), k, b)
	if !ok {
		return nil, false
	}
	den, ok := intRoot(ax.Denom(), k, b)
	if !ok {
		return nil, false
	}
	r := new(big.Rat).SetFrac(num, den)
	if neg {
		r.Neg(r)
	}
	return r, true
}

// intRoot returns the exact k-th root of x ≥ 0, if x is a perfect k-th power.
func intRoot(x *big.Int, k int, b *budget) (*big.Int, bool) {
	if x.Sign() == 0 {
		return new(big.Int), true
	}
	if k == 2 {
		r := new(big.Int).Sqrt(x)
		return r, new(big.Int).Mul(r, r).Cmp(x) == 0
	}
	if x.BitLen() > 4000 {
		return nil, false
	}
	// Newton's method from above: r ← ((k−1)r + x / r^(k−1)) / k.
	kk := big.NewInt(int64(k))
	km1 := big.NewInt(int64(k - 1))
	r := new(big.Int).Lsh(big.NewInt(1), uint(x.BitLen()/k+1))
	for {
		b.tick()
		t := new(big.Int).Exp(r, km1, nil)
		t.Quo(x, t)
		t.Add(t, new(big.Int).Mul(km1, r))
		t.Quo(t, kk)
		if t.Cmp(r) >= 0 {
			break
		}
		r = t
	}
	return r, new(big.Int).Exp(r, kk, nil).Cmp(x) == 0
}

// anyNode reports whether f is true of n or of a node below it.
func anyNode(n *node, f func(*node) bool) bool {
	if n == nil {
		return false
	}
	if f(n) {
		return true
	}
	for _, a := range n.args {
		if anyNode(a, f) {
			return true
		}
	}
	return false
}

// hasDecimal reports whether n has a decimal or scientific literal, whose value is compared
// within tolerance rather than exactly.
func hasDecimal(n *node) bool {
	return anyNode(n, func(m *node) bool { return m.kind == nNum && strings.ContainsAny(m.lit, ".eE") })
}

// freeVars adds the variables of n to set.
func freeVars(n *node, set map[string]bool) {
	if n == nil {
		return
	}
	if n.kind == nVar {
		set[n.name] = true
	}
	for _, a := range n.args {
		freeVars(a, set)
	}
}

// hasKind reports whether n has a node of kind k.
func hasKind(n *node, k nodeKind) bool {
	return anyNode(n, func(m *node) bool { return m.kind == k })
}

// Limits and constants of sums.
const maxSumTerms = 10000

var (
	// sumPoints and sumWeights make the stand-in value of a sum with bounds that are not
	// integers: fixed points at which its summand is evaluated, and their weights.
	sumPoints  = []float64{0.5772156649, 1.2020569032, 2.6854520010}
	sumWeights = []float64{1, 1.6180339887, 2.7182818285}
)

// sumValue evaluates a sum: term by term when its bounds are integers at most maxSumTerms
// apart; else a stand-in, the same for sums with the same bounds and summand (a weighted
// mix of the bounds and of the summand at fixed points), which marks the evaluator opaque.
func (e *evaluator) sumValue(n *node) complex128 {
	lo, hi := e.eval(n.args[0]), e.eval(n.args[1])
	if !finite(lo) || !finite(hi) {
		return nan
	}
	saved, had := e.vars[n.name]
	if e.vars == nil {
		e.vars = map[string]complex128{}
	}
	defer func() {
		if had {
			e.vars[n.name] = saved
		} else {
			delete(e.vars, n.name)
		}
	}()
	a, b := real(lo), real(hi)
	if imag(lo) == 0 && imag(hi) == 0 && a == math.Round(a) && b == math.Round(b) && b-a < maxSumTerms {
		var total complex128
		for k := a; k <= b; k++ {
			e.vars[n.name] = complex(k, 0)
			total += e.eval(n.args[2])
		}
		return total
	}
	e.opaque = true
	v := 0.6180339887*lo + 1.4142135624*hi
	for i, t := range sumPoints {
		e.vars[n.name] = complex(t, 0)
		v += complex(sumWeights[i], 0) * e.eval(n.args[2])
	}
	return v
}
