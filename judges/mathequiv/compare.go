package mathequiv

import (
	"math"
	"math/cmplx"
	"slices"
	"strings"
	"time"
)

// This file compares parsed answers.

// result is the outcome of comparing two parsed values.
type result struct {
	equal, confident bool
	reason           string
}

// comparer compares values within tolerance.
type comparer struct {
	b              *budget
	relTol, absTol float64
	points         map[string][]complex128
}

// close reports whether two numbers are equal within tolerance; infinities are equal when they
// are the same infinity.
func (c *comparer) close(x, y complex128) bool {
	if cmplx.IsInf(x) || cmplx.IsInf(y) {
		return imag(x) == 0 && imag(y) == 0 && real(x) == real(y)
	}
	d := cmplx.Abs(x - y)
	return d <= max(c.absTol, c.relTol*max(cmplx.Abs(x), cmplx.Abs(y)))
}

// env returns the values of vars at sample point k.
func (c *comparer) env(vars []string, k int) map[string]complex128 {
	m := make(map[string]complex128, len(vars))
	for _, v := range vars {
		p, ok := c.points[v]
		if !ok {
			p = make([]complex128, numPoints)
			for i := range p {
				p[i] = point(v, i)
			}
			c.points[v] = p
		}
		m[v] = p[k]
	}
	return m
}

// varsOf returns the variables of the nodes, sorted.
func varsOf(ns ...*node) []string {
	set := map[string]bool{}
	for _, n := range ns {
		freeVars(n, set)
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// exprs compares two expressions: exactly when both are rational numbers written without
// decimals, numerically when they have no variables, and at sample points when they have.
func (c *comparer) exprs(x, y *node) result {
	c.b.tick()
	if hasKind(x, nBase) || hasKind(y, nBase) {
		return baseNumbers(x, y)
	}
	vars := varsOf(x, y)
	e := &evaluator{b: c.b}
	if len(vars) == 0 {
		if !hasDecimal(x) && !hasDecimal(y) {
			rx, okx := e.rat(x)
			ry, oky := e.rat(y)
			if okx && oky {
				return result{equal: rx.Cmp(ry) == 0, confident: true, reason: "numeric"}
			}
		}
		vx, vy := e.eval(x), e.eval(y)
		if !definite(vx, x) || !definite(vy, y) {
			return result{equal: false, confident: false, reason: "numeric"}
		}
		return result{equal: c.close(vx, vy), confident: true, reason: "numeric"}
	}
	valid := 0
	for k := range numPoints {
		e.vars = c.env(vars, k)
		vx, vy := e.eval(x), e.eval(y)
		if !finite(vx) || !finite(vy) {
			continue
		}
		valid++
		if !c.close(vx, vy) {
			return result{equal: false, confident: !e.opaque, reason: "symbolic"}
		}
	}
	if valid < minValidPts {
		return result{equal: false, confident: false, reason: "symbolic"}
	}
	return result{equal: true, confident: true, reason: "symbolic"}
}

// definite reports whether z, the value of n, is a number, or a real infinity that n writes
// with \infty (rather than a float overflow, as of 1000!).
func definite(z complex128, n *node) bool {
	return finite(z) || imag(z) == 0 && math.IsInf(real(z), 0) &&
		anyNode(n, func(m *node) bool { return m.kind == nConst && m.name == "inf" })
}

// baseNumbers compares numbers written in a base ("204_5"): equal when the digits and the base
// agree, or when one side is the same digits without the base.
func baseNumbers(x, y *node) result {
	if x.kind == nBase && y.kind == nBase {
		return result{equal: trimZeros(x.lit) == trimZeros(y.lit) && x.name == y.name, confident: true, reason: "base"}
	}
	if x.kind == nBase && y.kind == nNum || x.kind == nNum && y.kind == nBase {
		if trimZeros(x.lit) == trimZeros(y.lit) {
			return result{equal: true, confident: true, reason: "base"}
		}
	}
	return result{equal: false, confident: false, reason: "base"}
}

// trimZeros removes the leading zeros of a digit string.
func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

// values compares two parsed answers.
func (c *comparer) values(x, y *value) result {
	c.b.tick()
	// Order the pair by kind so that each mixed case is handled once.
	if x.kind > y.kind {
		x, y = y, x
	}
	switch {
	case x.kind == vExpr && y.kind == vExpr:
		return c.exprs(x.expr, y.expr)
	case x.kind == vList && y.kind == vList && scalars(x) && scalars(y):
		// "10, 4, -2" against "4, 10, -2": in order, as the MATH benchmark's is_equiv compares;
		// the same numbers in another order are a fail that is not confident.
		if r := c.ordered(x.elems, y.elems, "list"); r.equal || r.confident && len(x.elems) != len(y.elems) {
			return r
		}
		if c.unordered(x.elems, y.elems, "list").equal {
			return result{reason: "list order"}
		}
		return c.ordered(x.elems, y.elems, "list")
	case isSetLike(x) && isSetLike(y):
		return c.unordered(x.elems, y.elems, "set")
	case x.kind == vTuple && y.kind == vTuple:
		return c.ordered(x.elems, y.elems, "tuple")
	case x.kind == vList && y.kind == vTuple:
		r := c.ordered(x.elems, y.elems, "tuple")
		if !r.equal {
			r.confident = false
		}
		return r
	case isSetLike(y) && len(y.elems) == 1 && x.kind != vText:
		return c.values(x, y.elems[0])
	case isSetLike(x) && len(x.elems) == 1 && y.kind != vText:
		return c.values(x.elems[0], y)
	case x.kind == vExpr && isSetLike(y):
		// one value against several
		return result{confident: true, reason: "set"}
	case x.kind == vInterval && y.kind == vInterval:
		return c.intervals(x, y)
	case x.kind == vTuple && y.kind == vInterval:
		if len(x.elems) != 2 || x.elems[0].kind != vExpr || x.elems[1].kind != vExpr {
			return result{reason: "interval", confident: true}
		}
		return c.intervals(&value{kind: vInterval, lo: x.elems[0].expr, hi: x.elems[1].expr, loOpen: true, hiOpen: true}, y)
	case x.kind == vUnion && y.kind == vUnion:
		return c.unordered(x.elems, y.elems, "interval")
	case x.kind == vMatrix && y.kind == vMatrix:
		return c.matrices(x.matrix, y.matrix)
	case x.kind == vTuple && y.kind == vMatrix:
		m := y.matrix
		if m.rows != 1 && m.cols != 1 {
			return result{reason: "matrix", confident: true}
		}
		vec := make([]*value, len(m.args))
		for i, cell := range m.args {
			vec[i] = &value{kind: vExpr, expr: cell}
		}
		return c.ordered(x.elems, vec, "matrix")
	case x.kind == vRel && y.kind == vRel:
		return c.relations(x, y)
	case y.kind == vRel && (x.kind == vInterval || x.kind == vUnion || x.kind == vTuple && len(x.elems) == 2):
		if iv := relInterval(y); iv != nil {
			return c.values(x, iv)
		}
		return c.relationValue(y, x)
	case y.kind == vRel && x.kind != vText:
		return c.relationValue(y, x)
	case x.kind == vText && y.kind == vText:
		if x.text == y.text {
			return result{equal: true, confident: true, reason: "text"}
		}
		return result{equal: false, confident: x.choice && y.choice, reason: "text"}
	case x.kind == vExpr && y.kind == vText && y.choice:
		if x.expr.kind == nVar && len(x.expr.name) == 1 {
			return result{equal: strings.EqualFold(x.expr.name, y.text), confident: true, reason: "text"}
		}
		return result{reason: "text"}
	}
	return result{reason: "kind"}
}

// scalars reports whether every element of a list is one expression.
func scalars(v *value) bool {
	return !slices.ContainsFunc(v.elems, func(e *value) bool { return e.kind != vExpr })
}

// isSetLike reports whether v is compared as a set.
func isSetLike(v *value) bool { return v.kind == vSet || v.kind == vList }

// ordered compares two sequences element by element.
func (c *comparer) ordered(xs, ys []*value, reason string) result {
	if len(xs) != len(ys) {
		return result{confident: true, reason: reason}
	}
	for i := range xs {
		r := c.values(xs[i], ys[i])
		if !r.equal {
			return result{confident: r.confident, reason: reason}
		}
	}
	return result{equal: true, confident: true, reason: reason}
}

// unordered compares two collections as sets: every element of each has an equal element in
// the other.
func (c *comparer) unordered(xs, ys []*value, reason string) result {
	if len(xs) == 0 || len(ys) == 0 {
		return result{equal: len(xs) == len(ys), confident: true, reason: reason}
	}
	eq := make([]bool, len(xs)*len(ys))
	confident := true
	for i, x := range xs {
		for j, y := range ys {
			r := c.values(x, y)
			eq[i*len(ys)+j] = r.equal
			if !r.confident && !r.equal {
				confident = false
			}
		}
	}
	for i := range xs {
		if !slices.Contains(eq[i*len(ys):(i+1)*len(ys)], true) {
			return result{confident: confident, reason: reason}
		}
	}
	for j := range ys {
		found := false
		for i := range xs {
			if eq[i*len(ys)+j] {
				found = true
				break
			}
		}
		if !found {
			return result{confident: confident, reason: reason}
		}
	}
	return result{equal: true, confident: true, reason: reason}
}

// intervals compares intervals: the same ends, open or closed alike.
func (c *comparer) intervals(x, y *value) result {
	if x.loOpen != y.loOpen || x.hiOpen != y.hiOpen {
		return result{confident: true, reason: "interval"}
	}
	for _, pair := range [][2]*node{{x.lo, y.lo}, {x.hi, y.hi}} {
		r := c.exprs(pair[0], pair[1])
		if !r.equal {
			return result{confident: r.confident, reason: "interval"}
		}
	}
	return result{equal: true, confident: true, reason: "interval"}
}

// matrices compares matrices cell by cell; a row vector equals the column vector of the same
// entries.
func (c *comparer) matrices(x, y *node) result {
	sameShape := x.rows == y.rows && x.cols == y.cols
	vectors := (x.rows == 1 || x.cols == 1) && (y.rows == 1 || y.cols == 1) && len(x.args) == len(y.args)
	if !sameShape && !vectors {
		return result{confident: true, reason: "matrix"}
	}
	for i := range x.args {
		r := c.exprs(x.args[i], y.args[i])
		if !r.equal {
			return result{confident: r.confident, reason: "matrix"}
		}
	}
	return result{equal: true, confident: true, reason: "matrix"}
}

// orient writes a relation with < and <= rather than > and >=, reversing the chain, and shortens
// a chain of equations a = b = c to its ends.
func orient(r *value) (parts []*value, ops []string) {
	parts, ops = r.elems, r.ops
	allEq := true
	for _, op := range ops {
		if op != "=" {
			allEq = false
		}
	}
	if allEq && len(parts) > 2 {
		return []*value{parts[0], parts[len(parts)-1]}, []string{"="}
	}
	greater := true
	for _, op := range ops {
		if op != ">" && op != ">=" {
			greater = false
		}
	}
	if !greater {
		return parts, ops
	}
	p := slices.Clone(parts)
	slices.Reverse(p)
	o := make([]string, len(ops))
	for i, op := range ops {
		o[len(ops)-1-i] = map[string]string{">": "<", ">=": "<="}[op]
	}
	return p, o
}

// relations compares relations: two equations are equal when the differences of their sides are
// proportional (2x + 4y = 3 and y = −x/2 + 3/4), two inequalities when they are positively
// proportional; longer chains are compared part by part.
func (c *comparer) relations(x, y *value) result {
	xp, xo := orient(x)
	yp, yo := orient(y)
	if len(xp) != len(yp) {
		return result{reason: "relation"}
	}
	if !slices.Equal(xo, yo) {
		return result{confident: true, reason: "relation"}
	}
	allExpr := true
	for _, p := range append(slices.Clone(xp), yp...) {
		if p.kind != vExpr {
			allExpr = false
		}
	}
	if len(xp) == 2 && allExpr {
		dx := &node{kind: nSub, args: []*node{xp[0].expr, xp[1].expr}}
		dy := &node{kind: nSub, args: []*node{yp[0].expr, yp[1].expr}}
		positive := xo[0] != "=" && xo[0] != "!="
		return c.proportional(dx, dy, positive)
	}
	r := c.ordered(xp, yp, "relation")
	if !r.equal && len(xp) == 2 && xo[0] == "=" {
		// a = b is also b = a
		yp[0], yp[1] = yp[1], yp[0]
		if s := c.ordered(xp, yp, "relation"); s.equal {
			return s
		}
	}
	return r
}

// proportional reports whether dx = k·dy for a constant k ≠ 0 (k > 0 when positive). A "no"
// that rests on a sum's stand-in value (evaluator.opaque) is not confident.
func (c *comparer) proportional(dx, dy *node, positive bool) result {
	vars := varsOf(dx, dy)
	e := &evaluator{b: c.b}
	n := numPoints
	if len(vars) == 0 {
		n = 1
	}
	var ratio complex128
	haveRatio, valid := false, 0
	for k := range n {
		if len(vars) > 0 {
			e.vars = c.env(vars, k)
		}
		vx, vy := e.eval(dx), e.eval(dy)
		if !finite(vx) || !finite(vy) {
			continue
		}
		valid++
		zx, zy := cmplx.Abs(vx) <= c.absTol, cmplx.Abs(vy) <= c.absTol
		switch {
		case zx && zy:
			continue
		case zx || zy:
			return result{confident: !e.opaque, reason: "relation"}
		}
		r := vx / vy
		if !haveRatio {
			ratio, haveRatio = r, true
			if positive && (real(r) <= 0 || math.Abs(imag(r)) > c.absTol) {
				return result{confident: !e.opaque, reason: "relation"}
			}
			continue
		}
		if !c.close(r, ratio) {
			return result{confident: !e.opaque, reason: "relation"}
		}
	}
	if valid < min(n, minValidPts) {
		return result{reason: "relation"}
	}
	return result{equal: true, confident: true, reason: "relation"}
}

// isName reports whether v names the unknown of an answer: x, f(x), x_1, (p, q), or an
// expression of names alone, without a number, as Math-Verify's assignments are (AB, |AB|,
// \frac{NO}{BO}, V_1 : V_2).
func isName(v *value) bool {
	switch v.kind {
	case vExpr:
		return nameExpr(v.expr)
	case vTuple:
		for _, e := range v.elems {
			if !isName(e) {
				return false
			}
		}
		return true
	}
	return false
}

// nameExpr reports whether n is a name: a variable, a function of names f(x), or names
// combined by products, quotients, absolute values and powers of variables (no numbers).
func nameExpr(n *node) bool {
	switch n.kind {
	case nVar:
		return true
	case nMul, nDiv:
		f := n.args
		if n.kind == nMul && f[1].paren && !f[0].paren && (f[0].kind == nVar || f[0].kind == nPow && f[0].args[0].kind == nVar) {
			return true // f(x), f^{-1}(x)
		}
		return nameExpr(f[0]) && nameExpr(f[1])
	case nAbs:
		return nameExpr(n.args[0])
	case nPow:
		return n.args[0].kind == nVar && nameExpr(n.args[1])
	}
	return false
}

// relationValue compares an equation x = … with an answer that is not a relation: "x = 3"
// equals "3", "y = 2x + 1" equals "2x + 1", when a side before the last names the unknown. A
// list on the last side is the values of the unknown, a set: "x = 4, -8" equals "-8, 4".
func (c *comparer) relationValue(rel, other *value) result {
	for _, op := range rel.ops {
		if op != "=" {
			return result{reason: "relation"}
		}
	}
	named := false
	for _, p := range rel.elems[:len(rel.elems)-1] {
		if isName(p) {
			named = true
		}
	}
	if !named {
		return result{reason: "relation"}
	}
	last := rel.elems[len(rel.elems)-1]
	if last.kind == vList {
		last = &value{kind: vSet, elems: last.elems}
	}
	return c.values(last, other)
}

// isNonNegative reports whether a constant expression is a number ≥ 0.
func isNonNegative(n *node) bool {
	v := (&evaluator{b: &budget{deadline: time.Now().Add(DefaultTimeout)}}).eval(n)
	return finite(v) && imag(v) == 0 && real(v) >= 0
}

// relInterval returns the interval that an inequality in one variable denotes (x \le 3,
// -1 < x \le 2, f(x) > 0), or nil; a ≤ |x| ≤ b denotes a union of two intervals.
func relInterval(r *value) *value {
	parts, ops := orient(r)
	for _, p := range parts {
		if p.kind != vExpr {
			return nil
		}
	}
	isVar := func(v *value) bool { return isName(v) && v.expr.kind != nAbs && len(varsOf(v.expr)) > 0 }
	isConst := func(v *value) bool { return len(varsOf(v.expr)) == 0 }
	inf := &node{kind: nConst, name: "inf"}
	negInf := &node{kind: nNeg, args: []*node{inf}}
	switch {
	case len(parts) == 2 && (ops[0] == "<" || ops[0] == "<="):
		if isVar(parts[0]) && isConst(parts[1]) {
			return &value{kind: vInterval, lo: negInf, hi: parts[1].expr, loOpen: true, hiOpen: ops[0] == "<"}
		}
		if isConst(parts[0]) && isVar(parts[1]) {
			return &value{kind: vInterval, lo: parts[0].expr, hi: inf, loOpen: ops[0] == "<", hiOpen: true}
		}
	case len(parts) == 3 && (ops[0] == "<" || ops[0] == "<=") && (ops[1] == "<" || ops[1] == "<="):
		if isConst(parts[0]) && isVar(parts[1]) && isConst(parts[2]) {
			return &value{kind: vInterval, lo: parts[0].expr, hi: parts[2].expr, loOpen: ops[0] == "<", hiOpen: ops[1] == "<"}
		}
		if m := parts[1].expr; isConst(parts[0]) && m.kind == nAbs && m.args[0].kind == nVar && isConst(parts[2]) && isNonNegative(parts[0].expr) {
			// a ≤ |x| ≤ b, a ≥ 0: [−b, −a] ∪ [a, b]
			lo, hi := parts[0].expr, parts[2].expr
			neg := func(n *node) *node { return &node{kind: nNeg, args: []*node{n}} }
			return &value{kind: vUnion, elems: []*value{
				{kind: vInterval, lo: neg(hi), hi: neg(lo), loOpen: ops[1] == "<", hiOpen: ops[0] == "<"},
				{kind: vInterval, lo: lo, hi: hi, loOpen: ops[0] == "<", hiOpen: ops[1] == "<"},
			}}
		}
	}
	return nil
}
