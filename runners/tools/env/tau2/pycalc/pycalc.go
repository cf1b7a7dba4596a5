// Package pycalc owns τ2's calculate tool, which the airline and retail domains share: τ2
// checks that the expression holds only digits, + - * / ( ) . and spaces, then evaluates it
// as Python (eval) and returns str(round(float(result), 2)). With those characters Python's
// grammar is numbers, the operators + - * / // ** (unary + and - too), parentheses, the empty
// tuple and calls (which fail); the evaluator follows Python's arithmetic (exact integers,
// floats as IEEE doubles, the same errors) and Python's syntax errors for the common cases.
package pycalc

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

const calcChars = "0123456789+-*/(). "

// Calculate evaluates expression as τ2's calculate tool does, and writes the value rounded to
// two decimals as Python writes a float.
func Calculate(expression string) (string, error) {
	for _, r := range expression {
		if !strings.ContainsRune(calcChars, r) {
			return "", errors.New("Invalid characters in expression")
		}
	}
	v, err := evalPython(expression)
	if err != nil {
		return "", err
	}
	f, err := v.toFloat()
	if err != nil {
		return "", err
	}
	return pyjson.FormatFloat(pyjson.Round2(f)), nil
}

// pyValue is a Python value an expression can make: an int, a float or a tuple (only the
// empty one can be written).
type pyValue struct {
	kind  byte // 'i', 'f' or 't'
	i     *big.Int
	f     float64
	tuple int // a tuple's length
}

func (v pyValue) typeName() string {
	switch v.kind {
	case 'i':
		return "int"
	case 'f':
		return "float"
	}
	return "tuple"
}

// maxIntBits bounds the integers an expression may make; Python has no bound but would take
// minutes beyond it.
const maxIntBits = 1 << 20

// toFloat is Python's float(v).
func (v pyValue) toFloat() (float64, error) {
	switch v.kind {
	case 'f':
		return v.f, nil
	case 'i':
		f, _ := new(big.Float).SetInt(v.i).Float64()
		if math.IsInf(f, 0) {
			return 0, errors.New("int too large to convert to float")
		}
		return f, nil
	}
	return 0, fmt.Errorf("float() argument must be a string or a real number, not '%s'", v.typeName())
}

// ---- tokens ----

type calcToken struct {
	kind string // "num", "op", "(", ")", "end"
	text string
}

// syntaxError is Python's SyntaxError message for eval's input.
func syntaxError(msg string, line int) error {
	return fmt.Errorf("%s (<string>, line %d)", msg, line)
}

// tokenize splits an expression as Python's tokenizer does, with its errors: leading zeros,
// an unmatched ')' and a '(' never closed.
func tokenize(s string) ([]calcToken, error) {
	var toks []calcToken
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			isFloat := false
			if j < len(s) && s[j] == '.' {
				isFloat = true
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			text := s[i:j]
			if !isFloat && len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
				return nil, syntaxError("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1)
			}
			toks = append(toks, calcToken{"num", text})
			i = j
		case c == '(':
			depth++
			toks = append(toks, calcToken{"(", "("})
			i++
		case c == ')':
			if depth == 0 {
				return nil, syntaxError("unmatched ')'", 1)
			}
			depth--
			toks = append(toks, calcToken{")", ")"})
			i++
		case c == '*' || c == '/':
			if i+1 < len(s) && s[i+1] == c {
				toks = append(toks, calcToken{"op", s[i : i+2]})
				i += 2
			} else {
				toks = append(toks, calcToken{"op", s[i : i+1]})
				i++
			}
		default: // + - .
			toks = append(toks, calcToken{"op", s[i : i+1]})
			i++
		}
	}
	if depth > 0 {
		return nil, syntaxError("'(' was never closed", 1)
	}
	return append(toks, calcToken{"end", ""}), nil
}

// ---- parsing and evaluating ----

type calcParser struct {
	toks  []calcToken
	pos   int
	depth int
}

// errSyntax marks a parse failure, reported as Python's generic message.
var errSyntax = errors.New("invalid syntax")

// evalPython evaluates s as eval(s) would.
func evalPython(s string) (pyValue, error) {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return pyValue{}, syntaxError("invalid syntax", 0)
	}
	toks, err := tokenize(s)
	if err != nil {
		return pyValue{}, err
	}
	// Parse first: Python reports a syntax error before evaluating anything.
	p := &calcParser{toks: toks}
	tree, err := p.expr()
	if err == nil && p.peek().kind != "end" {
		err = errSyntax
		if p.depth > 0 && p.peek().kind == "num" {
			err = errComma
		}
	}
	if err == errComma {
		return pyValue{}, syntaxError("invalid syntax. Perhaps you forgot a comma?", 1)
	}
	if err != nil {
		return pyValue{}, syntaxError("invalid syntax", 1)
	}
	return tree.eval()
}

// errComma is a parse failure where Python suggests a missing comma: two expressions side
// by side inside parentheses.
var errComma = errors.New("comma")

func (p *calcParser) peek() calcToken { return p.toks[p.pos] }

func (p *calcParser) next() calcToken { t := p.toks[p.pos]; p.pos++; return t }

// node is a parsed expression.
type node struct {
	op          string // "num", "()", "call", binary or unary ("u+", "u-") operator
	text        string
	left, right *node
}

func (p *calcParser) expr() (*node, error) {
	left, err := p.term()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == "op" && (t.text == "+" || t.text == "-"); t = p.peek() {
		p.next()
		right, err := p.term()
		if err != nil {
			return nil, err
		}
		left = &node{op: t.text, left: left, right: right}
	}
	return left, nil
}

func (p *calcParser) term() (*node, error) {
	left, err := p.factor()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == "op" && (t.text == "*" || t.text == "/" || t.text == "//"); t = p.peek() {
		p.next()
		right, err := p.factor()
		if err != nil {
			return nil, err
		}
		left = &node{op: t.text, left: left, right: right}
	}
	return left, nil
}

func (p *calcParser) factor() (*node, error) {
	if t := p.peek(); t.kind == "op" && (t.text == "+" || t.text == "-") {
		p.next()
		operand, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &node{op: "u" + t.text, left: operand}, nil
	}
	return p.power()
}

func (p *calcParser) power() (*node, error) {
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == "op" && t.text == "**" {
		p.next()
		exp, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &node{op: "**", left: base, right: exp}, nil
	}
	return base, nil
}

func (p *calcParser) primary() (*node, error) {
	atom, err := p.atom()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == "(" { // a call: f(), f(x)
		p.next()
		p.depth++
		call := &node{op: "call", left: atom}
		if p.peek().kind != ")" {
			if call.right, err = p.expr(); err != nil {
				return nil, err
			}
		}
		if err := p.close(); err != nil {
			return nil, err
		}
		atom = call
	}
	return atom, nil
}

// close consumes the ')' that ends a parenthesised group.
func (p *calcParser) close() error {
	if p.peek().kind != ")" {
		if p.peek().kind == "num" {
			return errComma
		}
		return errSyntax
	}
	p.next()
	p.depth--
	return nil
}

func (p *calcParser) atom() (*node, error) {
	t := p.next()
	switch t.kind {
	case "num":
		return &node{op: "num", text: t.text}, nil
	case "(":
		p.depth++
		if p.peek().kind == ")" {
			p.next()
			p.depth--
			return &node{op: "()"}, nil
		}
		inner, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.close(); err != nil {
			return nil, err
		}
		return inner, nil
	}
	return nil, errSyntax
}

func (n *node) eval() (pyValue, error) {
	switch n.op {
	case "num":
		if strings.Contains(n.text, ".") {
			f, err := parseFloatLiteral(n.text)
			return pyValue{kind: 'f', f: f}, err
		}
		i, _ := new(big.Int).SetString(n.text, 10)
		return pyValue{kind: 'i', i: i}, nil
	case "()":
		return pyValue{kind: 't'}, nil
	case "call":
		f, err := n.left.eval()
		if err != nil {
			return pyValue{}, err
		}
		if n.right != nil {
			if _, err := n.right.eval(); err != nil {
				return pyValue{}, err
			}
		}
		return pyValue{}, fmt.Errorf("'%s' object is not callable", f.typeName())
	case "u+", "u-":
		v, err := n.left.eval()
		if err != nil {
			return pyValue{}, err
		}
		return unary(n.op[1:], v)
	}
	a, err := n.left.eval()
	if err != nil {
		return pyValue{}, err
	}
	b, err := n.right.eval()
	if err != nil {
		return pyValue{}, err
	}
	return binary(n.op, a, b)
}

func parseFloatLiteral(text string) (float64, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, syntaxError("invalid syntax", 1)
	}
	return f, nil // a literal too large is inf, as in Python
}

func unary(op string, v pyValue) (pyValue, error) {
	switch v.kind {
	case 'i':
		if op == "-" {
			return pyValue{kind: 'i', i: new(big.Int).Neg(v.i)}, nil
		}
		return v, nil
	case 'f':
		if op == "-" {
			return pyValue{kind: 'f', f: -v.f}, nil
		}
		return v, nil
	}
	return pyValue{}, fmt.Errorf("bad operand type for unary %s: 'tuple'", op)
}

func binary(op string, a, b pyValue) (pyValue, error) {
	if a.kind == 't' || b.kind == 't' {
		return tupleOp(op, a, b)
	}
	if a.kind == 'i' && b.kind == 'i' {
		return intOp(op, a.i, b.i)
	}
	x, err := a.toFloat()
	if err != nil {
		return pyValue{}, err
	}
	y, err := b.toFloat()
	if err != nil {
		return pyValue{}, err
	}
	f, err := floatOp(op, x, y)
	return pyValue{kind: 'f', f: f}, err
}

// tupleOp is the arithmetic Python allows on tuples: concatenation and repetition.
func tupleOp(op string, a, b pyValue) (pyValue, error) {
	switch {
	case op == "+" && a.kind == 't' && b.kind == 't':
		return pyValue{kind: 't', tuple: a.tuple + b.tuple}, nil
	case op == "+" && a.kind == 't':
		return pyValue{}, fmt.Errorf("can only concatenate tuple (not \"%s\") to tuple", b.typeName())
	case op == "*" && a.kind == 't' && b.kind == 'i', op == "*" && a.kind == 'i' && b.kind == 't':
		return pyValue{kind: 't'}, nil // only the empty tuple can be written, and it stays empty
	case op == "*" && a.kind == 't' && b.kind == 'f', op == "*" && a.kind == 'f' && b.kind == 't':
		return pyValue{}, errors.New("can't multiply sequence by non-int of type 'float'")
	case op == "*" && a.kind == 't' && b.kind == 't':
		return pyValue{}, errors.New("can't multiply sequence by non-int of type 'tuple'")
	}
	sym := op
	if op == "**" {
		sym = "** or pow()"
	}
	return pyValue{}, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", sym, a.typeName(), b.typeName())
}

func intOp(op string, a, b *big.Int) (pyValue, error) {
	switch op {
	case "+":
		return pyValue{kind: 'i', i: new(big.Int).Add(a, b)}, nil
	case "-":
		return pyValue{kind: 'i', i: new(big.Int).Sub(a, b)}, nil
	case "*":
		if a.BitLen()+b.BitLen() > maxIntBits {
			return pyValue{}, errors.New("integer too large")
		}
		return pyValue{kind: 'i', i: new(big.Int).Mul(a, b)}, nil
	case "/":
		if b.Sign() == 0 {
			return pyValue{}, errors.New("division by zero")
		}
		f, _ := new(big.Rat).SetFrac(a, b).Float64()
		if math.IsInf(f, 0) {
			return pyValue{}, errors.New("integer division result too large for a float")
		}
		return pyValue{kind: 'f', f: f}, nil
	case "//":
		if b.Sign() == 0 {
			return pyValue{}, errors.New("integer division or modulo by zero")
		}
		q, r := new(big.Int).QuoRem(a, b, new(big.Int))
		if r.Sign() != 0 && (r.Sign() < 0) != (b.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		}
		return pyValue{kind: 'i', i: q}, nil
	case "**":
		if b.Sign() < 0 {
			x, err := pyValue{kind: 'i', i: a}.toFloat()
			if err != nil {
				return pyValue{}, err
			}
			y, err := pyValue{kind: 'i', i: b}.toFloat()
			if err != nil {
				return pyValue{}, err
			}
			f, err := floatOp("**", x, y)
			return pyValue{kind: 'f', f: f}, err
		}
		if a.BitLen() > 1 && (!b.IsInt64() || int64(a.BitLen()-1)*b.Int64() > maxIntBits) {
			return pyValue{}, errors.New("integer too large")
		}
		return pyValue{kind: 'i', i: new(big.Int).Exp(a, b, nil)}, nil
	}
	return pyValue{}, fmt.Errorf("unknown operator %s", op)
}

func floatOp(op string, x, y float64) (float64, error) {
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/":
		if y == 0 {
			return 0, errors.New("float division by zero")
		}
		return x / y, nil
	case "//":
		if y == 0 {
			return 0, errors.New("float floor division by zero")
		}
		return floorDiv(x, y), nil
	case "**":
		return floatPow(x, y)
	}
	return 0, fmt.Errorf("unknown operator %s", op)
}

// floorDiv is CPython's float floor division (float_floor_div).
func floorDiv(vx, wx float64) float64 {
	mod := math.Mod(vx, wx)
	div := (vx - mod) / wx
	if mod != 0 {
		if (wx < 0) != (mod < 0) {
			div -= 1.0
		}
	}
	if div != 0 {
		floordiv := math.Floor(div)
		if div-floordiv > 0.5 {
			floordiv += 1.0
		}
		return floordiv
	}
	return math.Copysign(0, vx/wx)
}

// floatPow is CPython's float ** float, with its errors; a negative base to a fractional
// power makes a complex number, which float() then refuses.
func floatPow(x, y float64) (float64, error) {
	switch {
	case y == 0:
		return 1, nil
	case math.IsNaN(x):
		return x, nil
	case math.IsNaN(y):
		if x == 1 {
			return 1, nil
		}
		return y, nil
	case x == 0 && y < 0 && !math.IsInf(y, 0):
		return 0, errors.New("0.0 cannot be raised to a negative power")
	case x < 0 && !math.IsInf(x, 0) && !math.IsInf(y, 0) && y != math.Floor(y):
		return 0, errors.New("float() argument must be a string or a real number, not 'complex'")
	}
	r := math.Pow(x, y)
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return 0, errors.New("(34, 'Numerical result out of range')")
	}
	return r, nil
}
