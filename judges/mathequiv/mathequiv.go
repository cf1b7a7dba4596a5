package mathequiv

import (
	"strings"
	"time"
)

// Options tunes Compare. The zero value is usable: 1e-6 relative tolerance (1e-9 absolute near
// 0), 2 s time bound.
type Options struct {
	// RelTol is the relative tolerance of numeric comparisons; 0 means 1e-6.
	RelTol float64
	// AbsTol is the absolute tolerance used near 0; 0 means 1e-9.
	AbsTol float64
	// Timeout bounds the time of one comparison; 0 means 2 s.
	Timeout time.Duration
	// ResultSide makes an answer that is a chain of equalities stand for its last side when
	// the gold is not a relation, as Math-Verify reads a prediction: "\frac12 = \frac{10}{9}"
	// is then \frac{10}{9}, whatever its first side. Without it (and always for the gold) the
	// last side stands only when a side before it names the unknown ("x = 3"). With it,
	// Compare is no longer symmetric.
	ResultSide bool
}

// Default values of Options.
const (
	DefaultRelTol  = 1e-6
	DefaultAbsTol  = 1e-9
	DefaultTimeout = 2 * time.Second
)

// Outcome is the result of comparing an answer with a gold answer.
type Outcome struct {
	Equal bool
	// Confident is true when both sides were parsed cleanly, so that Equal=false means "really
	// different" (a cleanly parsed wrong number); false when the comparison fell back to
	// strings or hit the time bound (an LLM judge may then decide).
	Confident bool
	// Answer and Gold are the normalised forms compared.
	Answer, Gold string
	// Reason says how it was decided: "string" (normalised strings), "numeric", "symbolic"
	// (expressions with variables), "set", "tuple", "interval", "matrix", "relation", "text",
	// "base" (numbers in a base), "kind" (different kinds of answer), "too long" or "timeout".
	Reason string
}

// recoverPanics is false in tests that want an internal panic to surface.
var recoverPanics = true

// Compare reports whether answer and gold denote the same mathematical object. It is symmetric:
// Compare(a, b) and Compare(b, a) have the same Equal, Confident and Reason. It never panics,
// and returns within about opt.Timeout whatever its input.
func Compare(answer, gold string, opt Options) (out Outcome) {
	if opt.RelTol <= 0 {
		opt.RelTol = DefaultRelTol
	}
	if opt.AbsTol <= 0 {
		opt.AbsTol = DefaultAbsTol
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	b := &budget{deadline: time.Now().Add(opt.Timeout)}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(timeoutSignal); ok {
				out.Equal, out.Confident, out.Reason = false, false, "timeout"
				return
			}
			if !recoverPanics {
				panic(r)
			}
			out.Equal = strings.TrimSpace(answer) == strings.TrimSpace(gold)
			out.Confident, out.Reason = false, "string"
		}
	}()
	if len(answer) > maxInputLen || len(gold) > maxInputLen {
		a, g := strings.TrimSpace(answer), strings.TrimSpace(gold)
		return Outcome{Equal: a == g, Reason: "too long"}
	}
	b.check()
	ca, cg := clean(answer), clean(gold)
	out.Answer, out.Gold = display(ca), display(cg)
	b.check()
	if ca.s == cg.s && ca.s != "" {
		out.Equal, out.Confident, out.Reason = true, true, "string"
		return out
	}
	pa, errX := tryParse(ca, b)
	pg, errY := tryParse(cg, b)
	b.check()
	if opt.ResultSide && !errX && !errY {
		pa = resultSide(pa, pg)
	}
	// Compare in a canonical order, so that the result is symmetric by construction.
	x, y := pa, pg
	if ca.s > cg.s {
		x, y = y, x
	}
	if errX || errY {
		out.Equal = out.Answer != "" && strings.EqualFold(out.Answer, out.Gold)
		out.Confident, out.Reason = false, "string"
		return out
	}
	c := &comparer{b: b, relTol: opt.RelTol, absTol: opt.AbsTol, points: map[string][]complex128{}}
	r := c.values(x, y)
	out.Equal, out.Confident, out.Reason = r.equal, r.confident, r.reason
	return out
}

// display is the normalised form of a cleaned answer reported in an Outcome.
func display(c cleaned) string {
	s := dropShortLHS(c.s)
	if s == "0.5" {
		return `\frac{1}{2}`
	}
	return s
}

// resultSide returns the last side of answer when it is a chain of equalities and gold is not
// a relation (Options.ResultSide); answer otherwise.
func resultSide(answer, gold *value) *value {
	if answer.kind != vRel || gold.kind == vRel {
		return answer
	}
	for _, op := range answer.ops {
		if op != "=" {
			return answer
		}
	}
	return answer.elems[len(answer.elems)-1]
}

// tryParse parses a cleaned answer; failed is true when it does not parse. A chain of three
// or more equal sides that does not parse (a command it does not know on a side) is read as
// its last side, as Math-Verify does, unless a comma or semicolon makes it a list.
func tryParse(c cleaned, b *budget) (v *value, failed bool) {
	v, failed = parseOnce(c, b)
	if !failed || strings.ContainsAny(c.s, ",;") {
		return v, failed
	}
	if parts := strings.Split(c.s, "="); len(parts) > 2 && !strings.ContainsAny(c.s, "<>!") {
		return parseOnce(cleaned{s: parts[len(parts)-1]}, b)
	}
	return v, failed
}

// parseOnce parses a cleaned answer; failed is true when it does not parse.
func parseOnce(c cleaned, b *budget) (v *value, failed bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(parseError); ok {
				v, failed = nil, true
				return
			}
			panic(r)
		}
	}()
	return parseAnswer(c, b), false
}

// parseTimeout bounds Parses and Number: they are asked about every candidate answer of an
// output, so each gets a tenth of a comparison's time.
const parseTimeout = DefaultTimeout / 10

// Parses reports whether s, after normalisation, reads as mathematics (a number, an expression,
// a list, set, tuple, interval, matrix or relation) rather than words. Answer extraction asks it
// whether a LaTeX span, or a whole answer, is a mathematical answer. Like Compare, it never
// panics and answers within a bounded time.
func Parses(s string) (ok bool) {
	v, failed := parseBounded(s)
	return !failed && v.kind != vText
}

// Number returns the value of s when it denotes one real number without variables: "0.5",
// "\frac{1}{2}", "2\sqrt{3}", "1,000", "50\%" (50, as Compare drops percent signs). Anything
// else (an expression with variables, a list, a complex number, words) reports false.
func Number(s string) (f float64, ok bool) {
	v, failed := parseBounded(s)
	if failed || v.kind != vExpr {
		return 0, false
	}
	var val complex128
	func() {
		defer func() {
			if r := recover(); r != nil {
				val = nan
			}
		}()
		b := &budget{deadline: time.Now().Add(parseTimeout)}
		if len(varsOf(v.expr)) > 0 {
			val = nan
			return
		}
		val = (&evaluator{b: b}).eval(v.expr)
	}()
	if !finite(val) || imag(val) != 0 {
		return 0, false
	}
	return real(val), true
}

// parseBounded cleans and parses s within parseTimeout; failed is true when it does not parse
// (or is too long, or takes too long).
func parseBounded(s string) (v *value, failed bool) {
	if len(s) > maxInputLen || strings.TrimSpace(s) == "" {
		return nil, true
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(timeoutSignal); !ok && !recoverPanics {
				panic(r)
			}
			v, failed = nil, true
		}
	}()
	b := &budget{deadline: time.Now().Add(parseTimeout)}
	c := clean(s)
	return tryParse(c, b)
}
