package mathequiv

import (
	"slices"
	"strings"
)

// This file holds the lexer and the recursive-descent parser of scalar expressions: numbers,
// + − × ÷ ^ ±, unary signs, implicit multiplication, \frac, \sqrt, \binom, functions, |x|,
// floor and ceiling, factorials, constants, variables and matrices.

// Limits that keep a hostile answer from costing much.
const (
	maxInputLen  = 10000 // longer answers are not parsed
	maxDepth     = 400   // parser frames deep: about 60 levels of nested groups
	maxTokens    = 10000 // tokens of one answer
	maxCells     = 400   // matrix cells
	maxNumDigits = 400   // digits of one number literal
)

type tokKind uint8

const (
	tkEOF    tokKind = iota
	tkNum            // a number literal: digits, a decimal point, an exponent
	tkIdent          // a variable: a letter, a Greek letter
	tkCmd            // a command or function name, without the backslash
	tkOp             // + - * / ^ _ ! | ± '
	tkRel            // = < > <= >= !=
	tkOpen           // ( [ { \{
	tkClose          // ) ] } \}
	tkComma          // ,
	tkAmp            // &
	tkRowSep         // \\
)

type token struct {
	kind tokKind
	text string
	env  string // the environment name of \begin{…} and \end{…}
}

// parseError is the panic value of a failed parse; parseValue recovers it.
type parseError struct{ msg string }

// failf fails the parse.
func failf(msg string) { panic(parseError{msg}) }

var greek = map[string]bool{
	"alpha": true, "beta": true, "gamma": true, "delta": true, "epsilon": true,
	"varepsilon": true, "zeta": true, "eta": true, "theta": true, "vartheta": true, "iota": true,
	"kappa": true, "lambda": true, "mu": true, "nu": true, "xi": true, "rho": true, "sigma": true,
	"tau": true, "upsilon": true, "phi": true, "varphi": true, "chi": true, "psi": true,
	"omega": true, "Gamma": true, "Delta": true, "Theta": true, "Lambda": true, "Xi": true,
	"Sigma": true, "Phi": true, "Psi": true, "Omega": true, "ell": true, "varrho": true,
}

// functions are the named functions of one argument.
var functions = map[string]bool{
	"sin": true, "cos": true, "tan": true, "cot": true, "sec": true, "csc": true,
	"arcsin": true, "arccos": true, "arctan": true, "sinh": true, "cosh": true, "tanh": true,
	"log": true, "ln": true, "exp": true, "lg": true, "abs": true,
}

var trigFunctions = map[string]bool{
	"sin": true, "cos": true, "tan": true, "cot": true, "sec": true, "csc": true,
}

// plainWords are the letter runs read as one token in plain text, longest first.
var plainWords = []string{
	"arcsin", "arccos", "arctan", "infinity", "infty", "sqrt", "sinh", "cosh", "tanh", "sin",
	"cos", "tan", "cot", "sec", "csc", "log", "exp", "abs", "ln", "pi",
}

var relations = map[string]string{
	"le": "<=", "ge": ">=", "ne": "!=", "approx": "≈", "leqq": "<=", "geqq": ">=", "equiv": "=",
	"sim": "=", "simeq": "=", "cong": "=",
}

// lex splits a normalised answer into tokens.
func lex(s string, b *budget) []token {
	plain := !strings.ContainsAny(s, `\{`)
	var toks []token
	emit := func(k tokKind, text string) {
		if len(toks) >= maxTokens {
			failf("too many tokens")
		}
		toks = append(toks, token{kind: k, text: text})
	}
	for i := 0; i < len(s); {
		b.tick()
		c := s[i]
		switch {
		case c == ' ':
			i++
		case isDigit(c) || c == '.' && i+1 < len(s) && isDigit(s[i+1]):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			// scientific notation: 1.5e3, 2E-4
			if j+1 < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if (s[k] == '-' || s[k] == '+') && (plain || strings.Contains(s[i:j], ".")) {
					k++
				}
				if k < len(s) && isDigit(s[k]) {
					for k < len(s) && isDigit(s[k]) {
						k++
					}
					j = k
				}
			}
			if j-i > maxNumDigits {
				failf("number too long")
			}
			emit(tkNum, strings.TrimSuffix(s[i:j], "."))
			i = j
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			lexLetters(s[i:j], emit)
			i = j
		case c == '\\':
			i = lexCommand(s, i, emit, &toks)
		case c == '(' || c == '[' || c == '{':
			emit(tkOpen, s[i:i+1])
			i++
		case c == ')' || c == ']' || c == '}':
			emit(tkClose, s[i:i+1])
			i++
		case c == ',' || c == ';':
			emit(tkComma, s[i:i+1])
			i++
		case c == ':':
			// a ratio 7:32 is a quotient
			emit(tkOp, "/")
			i++
		case c == '&':
			emit(tkAmp, "&")
			i++
		case c == '<' || c == '>':
			if i+1 < len(s) && s[i+1] == '=' {
				emit(tkRel, s[i:i+2])
				i += 2
			} else {
				emit(tkRel, s[i:i+1])
				i++
			}
		case c == '=':
			emit(tkRel, "=")
			i++
			for i < len(s) && s[i] == '=' {
				i++
			}
		case c == '!' && i+1 < len(s) && s[i+1] == '=':
			emit(tkRel, "!=")
			i += 2
		case c == '*' && i+1 < len(s) && s[i+1] == '*':
			emit(tkOp, "^")
			i += 2
		case strings.IndexByte("+-*/^_!|'", c) >= 0:
			emit(tkOp, s[i:i+1])
			i++
		default:
			failf("unexpected character")
		}
	}
	return toks
}

// lexLetters splits a run of letters: known words in plain text (sin, sqrt, pi) are one token,
// other letters are one variable each.
func lexLetters(run string, emit func(tokKind, string)) {
	for run != "" {
		matched := false
		for _, w := range plainWords {
			if strings.HasPrefix(run, w) {
				switch w {
				case "pi":
					emit(tkCmd, "pi")
				case "infinity", "infty":
					emit(tkCmd, "infty")
				default:
					emit(tkCmd, w)
				}
				run = run[len(w):]
				matched = true
				break
			}
		}
		if !matched {
			emit(tkIdent, run[:1])
			run = run[1:]
		}
	}
}

// lexCommand reads the command at s[i] (a backslash) and returns the index after it.
func lexCommand(s string, i int, emit func(tokKind, string), toks *[]token) int {
	if i+1 >= len(s) {
		return i + 1
	}
	switch s[i+1] {
	case '\\':
		emit(tkRowSep, `\\`)
		return i + 2
	case '{':
		emit(tkOpen, `\{`)
		return i + 2
	case '}':
		emit(tkClose, `\}`)
		return i + 2
	}
	if !isLetter(s[i+1]) {
		return i + 2 // spacing and other one-character commands
	}
	j := commandEnd(s, i)
	name := s[i+1 : j]
	switch {
	case greek[name]:
		emit(tkIdent, `\`+name)
	case relations[name] != "":
		emit(tkRel, relations[name])
	case name == "cdot" || name == "times" || name == "ast":
		emit(tkOp, "*")
	case name == "div":
		emit(tkOp, "/")
	case name == "pm" || name == "mp":
		emit(tkOp, "±")
	case name == "deg":
		emit(tkOp, "°")
	case name == "begin" || name == "end":
		k := j
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k >= len(s) || s[k] != '{' {
			failf("environment without a name")
		}
		e := strings.IndexByte(s[k:], '}')
		if e < 0 {
			failf("unterminated environment name")
		}
		env := strings.TrimSuffix(s[k+1:k+e], "*")
		j = k + e + 1
		if name == "begin" && env == "array" {
			// skip the column specification {cc}
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j < len(s) && s[j] == '{' {
				if m := matchBrace(s, j); m > 0 {
					j = m + 1
				}
			}
		}
		emit(tkCmd, name)
		(*toks)[len(*toks)-1].env = env
	default:
		emit(tkCmd, name)
	}
	return j
}

type nodeKind uint8

const (
	nNum    nodeKind = iota // lit: the literal text
	nVar                    // name
	nConst                  // name: "pi", "e", "i", "inf"
	nAdd                    // args[0] + args[1]
	nSub                    // args[0] - args[1]
	nMul                    // args[0] * args[1]
	nDiv                    // args[0] / args[1]
	nPow                    // args[0] ^ args[1]
	nNeg                    // -args[0]
	nPM                     // args[0] ± args[1]; args[0] is nil for a unary ±
	nFunc                   // name(args[0]); args[1] is the base of a logarithm, if any
	nRoot                   // args[1] to the power 1/args[0]; args[0] is nil for a square root
	nFact                   // args[0]!
	nAbs                    // |args[0]|
	nFloor                  // ⌊args[0]⌋
	nCeil                   // ⌈args[0]⌉
	nBinom                  // binomial coefficient args[0] choose args[1]
	nMatrix                 // rows × cols cells in args, row by row
	nBase                   // lit: digits written in base name ("204_5")
	nSum                    // the sum of args[2] over name from args[0] to args[1]
)

// node is a node of an expression tree.
type node struct {
	kind       nodeKind
	lit, name  string
	args       []*node
	rows, cols int
	paren      bool // written in parentheses
	frac       bool // written as \frac
}

// parser parses a token slice into an expression tree.
type parser struct {
	toks     []token
	pos      int
	depth    int
	absDepth int
	trig     int  // inside the argument of a trigonometric function
	latex    bool // LaTeX rules: x^23 is x^2·3
	b        *budget
}

// peek returns the next token without consuming it.
func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: tkEOF}
}

// next consumes and returns the next token.
func (p *parser) next() token {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

// isOp reports whether the next token is the operator text.
func (p *parser) isOp(text string) bool {
	t := p.peek()
	return t.kind == tkOp && t.text == text
}

// expectClose consumes the closing bracket text, or fails.
func (p *parser) expectClose(text string) {
	t := p.next()
	if t.kind != tkClose || t.text != text {
		failf("expected " + text)
	}
}

// enter counts one more level of nesting, failing past maxDepth; it returns the function that
// leaves the level, for defer.
func (p *parser) enter() func() {
	p.depth++
	if p.depth > maxDepth {
		failf("nesting too deep")
	}
	p.b.tick()
	return p.leave
}

// leave leaves a level of nesting.
func (p *parser) leave() { p.depth-- }

// parseExpr parses the whole token slice as one expression.
func parseExpr(toks []token, latex bool, b *budget) *node {
	// the parser may split a token (x^23 is x^2·3), so it works on a copy
	p := &parser{toks: slices.Clone(toks), latex: latex, b: b}
	n := p.sum()
	if p.pos != len(p.toks) {
		failf("unexpected token " + p.peek().text)
	}
	return n
}

// sum parses terms joined by +, − and ±.
func (p *parser) sum() *node {
	defer p.enter()()
	left := p.term()
	for {
		t := p.peek()
		if t.kind != tkOp || (t.text != "+" && t.text != "-" && t.text != "±") {
			return left
		}
		p.next()
		right := p.term()
		switch t.text {
		case "+":
			left = &node{kind: nAdd, args: []*node{left, right}}
		case "-":
			left = &node{kind: nSub, args: []*node{left, right}}
		default:
			left = &node{kind: nPM, args: []*node{left, right}}
		}
	}
}

// term parses factors joined by ×, ÷ or juxtaposition (2x, 2\pi, 3\sqrt{2}); an integer before
// a proper fraction is a mixed number.
func (p *parser) term() *node {
	defer p.enter()()
	left := p.unary()
	for {
		p.b.tick()
		t := p.peek()
		switch {
		case t.kind == tkOp && t.text == "*":
			p.next()
			left = &node{kind: nMul, args: []*node{left, p.unary()}}
		case t.kind == tkOp && t.text == "/":
			p.next()
			left = &node{kind: nDiv, args: []*node{left, p.unary()}}
		case p.startsImplicit(t):
			right := p.power()
			if m := mixedNumber(left, right); m != nil {
				left = m
				continue
			}
			left = &node{kind: nMul, args: []*node{left, right}}
		default:
			return left
		}
	}
}

// mixedNumber returns the mixed number that an integer written just before a proper fraction of
// integers denotes ("137 \frac{1}{2}" = 137.5, as the MATH data writes them), or nil.
func mixedNumber(left, right *node) *node {
	neg := false
	whole := left
	if whole.kind == nNeg && !whole.paren {
		neg, whole = true, whole.args[0]
	}
	if whole.kind != nNum || whole.paren || !allDigits(whole.lit) || !right.frac || right.paren {
		return nil
	}
	num, den := right.args[0], right.args[1]
	if num.kind != nNum || den.kind != nNum || !allDigits(num.lit) || !allDigits(den.lit) {
		return nil
	}
	if !lessDigits(num.lit, den.lit) {
		return nil
	}
	m := &node{kind: nAdd, args: []*node{whole, right}}
	if neg {
		return &node{kind: nNeg, args: []*node{m}}
	}
	return m
}

// lessDigits reports whether the decimal integer a is less than b.
func lessDigits(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// implicitCommands are the commands that may start a factor of an implicit product.
var implicitCommands = map[string]bool{
	"pi": true, "infty": true, "frac": true, "sqrt": true, "binom": true, "lfloor": true,
	"lceil": true, "begin": true, "sum": true,
}

// startsImplicit reports whether t starts a factor of an implicit product.
func (p *parser) startsImplicit(t token) bool {
	switch t.kind {
	case tkNum, tkIdent:
		return true
	case tkCmd:
		return implicitCommands[t.text] || functions[t.text]
	case tkOpen:
		return t.text != `\{`
	case tkOp:
		return t.text == "|" && p.absDepth == 0
	}
	return false
}

// unary parses a signed factor: −x, +x, ±x.
func (p *parser) unary() *node {
	defer p.enter()()
	t := p.peek()
	if t.kind == tkOp {
		switch t.text {
		case "-":
			p.next()
			return &node{kind: nNeg, args: []*node{p.unary()}}
		case "+":
			p.next()
			return p.unary()
		case "±":
			p.next()
			return &node{kind: nPM, args: []*node{nil, p.unary()}}
		}
	}
	return p.power()
}

// power parses a factor and its exponent.
func (p *parser) power() *node {
	defer p.enter()()
	base := p.postfix()
	if p.isOp("^") {
		p.next()
		exp := p.exponent()
		base = &node{kind: nPow, args: []*node{base, exp}}
		for p.isOp("!") {
			p.next()
			base = &node{kind: nFact, args: []*node{base}}
		}
	}
	return base
}

// exponent parses what follows ^: a group, a signed exponent, one digit in LaTeX (x^23 is
// x^2·3) or a whole number in plain text, or a factor with its own power (right associative).
func (p *parser) exponent() *node {
	defer p.enter()()
	t := p.peek()
	switch {
	case t.kind == tkOp && (t.text == "-" || t.text == "+"):
		p.next()
		e := p.exponent()
		if t.text == "-" {
			return &node{kind: nNeg, args: []*node{e}}
		}
		return e
	case t.kind == tkNum && p.latex && len(t.text) > 1 && allDigits(t.text):
		p.toks[p.pos].text = t.text[1:]
		return &node{kind: nNum, lit: t.text[:1]}
	case t.kind == tkNum:
		p.next()
		return &node{kind: nNum, lit: t.text}
	}
	return p.power()
}

// postfix parses a primary and its factorials and degree signs.
func (p *parser) postfix() *node {
	n := p.primary()
	for {
		switch {
		case p.isOp("!"):
			p.next()
			n = &node{kind: nFact, args: []*node{n}}
		case p.isOp("°"):
			// degrees: π/180 in the argument of a trigonometric function, nothing elsewhere
			p.next()
			if p.trig > 0 {
				deg := &node{kind: nDiv, args: []*node{{kind: nConst, name: "pi"}, {kind: nNum, lit: "180"}}}
				n = &node{kind: nMul, args: []*node{n, deg}}
			}
		default:
			return n
		}
	}
}

// primary parses a number, a variable, a constant, a bracketed group, an absolute value or a
// command.
func (p *parser) primary() *node {
	defer p.enter()()
	t := p.next()
	switch t.kind {
	case tkNum:
		if p.isOp("_") {
			p.next()
			base := p.subscript()
			if !allDigits(t.text) || !allDigits(base) {
				failf("bad base subscript")
			}
			return &node{kind: nBase, lit: t.text, name: strings.TrimLeft(base, "0")}
		}
		return &node{kind: nNum, lit: t.text}
	case tkIdent:
		name := t.text
		if p.isOp("_") {
			p.next()
			return &node{kind: nVar, name: name + "_" + p.subscript()}
		}
		switch name {
		case "e", "i":
			return &node{kind: nConst, name: name}
		}
		return &node{kind: nVar, name: name}
	case tkCmd:
		return p.command(t)
	case tkOpen:
		switch t.text {
		case "(", "[":
			inner := p.group(map[string]string{"(": ")", "[": "]"}[t.text])
			c := *inner
			c.paren = true
			return &c
		case "{":
			return p.group("}")
		}
		failf("set inside an expression")
	case tkOp:
		if t.text == "|" {
			p.absDepth++
			inner := p.sum()
			p.absDepth--
			if !p.isOp("|") {
				failf("unclosed |")
			}
			p.next()
			return &node{kind: nAbs, args: []*node{inner}}
		}
	}
	failf("unexpected " + t.text)
	return nil
}

// subscript reads the text of a subscript: a number, a letter or a {…} group.
func (p *parser) subscript() string {
	t := p.peek()
	if t.kind == tkNum && p.latex && len(t.text) > 1 && allDigits(t.text) {
		// in LaTeX a subscript without braces is one character: \log_2 8 is log₂ 8
		p.toks[p.pos].text = t.text[1:]
		return t.text[:1]
	}
	p.next()
	switch t.kind {
	case tkNum, tkIdent:
		return t.text
	case tkOpen:
		if t.text != "{" {
			break
		}
		var sb strings.Builder
		for p.peek().kind != tkClose && p.peek().kind != tkEOF {
			sb.WriteString(p.next().text)
		}
		p.expectClose("}")
		return sb.String()
	}
	failf("bad subscript")
	return ""
}

// arg parses a command argument: a {…} group or a single factor.
func (p *parser) arg() *node {
	t := p.peek()
	if t.kind == tkOpen && t.text == "{" {
		p.next()
		return p.group("}")
	}
	return p.primary()
}

// inner parses an expression inside brackets, where a | opens an absolute value again.
func (p *parser) inner() *node {
	save := p.absDepth
	p.absDepth = 0
	n := p.sum()
	p.absDepth = save
	return n
}

// group parses an expression inside brackets and the closing bracket.
func (p *parser) group(closing string) *node {
	n := p.inner()
	p.expectClose(closing)
	return n
}

// command parses a command: \frac, \sqrt, \binom, floor and ceiling, \begin, functions,
// constants.
func (p *parser) command(t token) *node {
	switch name := t.text; {
	case name == "pi":
		return &node{kind: nConst, name: "pi"}
	case name == "infty":
		return &node{kind: nConst, name: "inf"}
	case name == "frac":
		num := p.arg()
		den := p.arg()
		return &node{kind: nDiv, args: []*node{num, den}, frac: true}
	case name == "sqrt":
		var index *node
		if t := p.peek(); t.kind == tkOpen && t.text == "[" {
			p.next()
			index = p.sum()
			p.expectClose("]")
		}
		return &node{kind: nRoot, args: []*node{index, p.arg()}}
	case name == "binom":
		n := p.arg()
		k := p.arg()
		return &node{kind: nBinom, args: []*node{n, k}}
	case name == "lfloor" || name == "lceil":
		inner := p.sum()
		closing := p.next()
		if name == "lfloor" && (closing.kind != tkCmd || closing.text != "rfloor") ||
			name == "lceil" && (closing.kind != tkCmd || closing.text != "rceil") {
			failf("unclosed floor or ceiling")
		}
		if name == "lfloor" {
			return &node{kind: nFloor, args: []*node{inner}}
		}
		return &node{kind: nCeil, args: []*node{inner}}
	case name == "begin":
		return p.matrix(t.env)
	case name == "sum":
		return p.sumOver()
	case name == "sqrt" || functions[name]:
		return p.function(name)
	}
	failf("unknown command " + t.text)
	return nil
}

// function parses a named function: \sin x, \sin(x), \sin^2 x, \sin^{-1} x, \log_2 8, \sin 2x.
func (p *parser) function(name string) *node {
	var pow, base *node
	for range 2 {
		switch {
		case p.isOp("^") && pow == nil:
			p.next()
			pow = p.exponent()
		case p.isOp("_") && base == nil && (name == "log" || name == "lg"):
			p.next()
			t := p.peek()
			switch {
			case t.kind == tkOpen && t.text == "{":
				base = p.arg()
			case t.kind == tkNum && p.latex && len(t.text) > 1 && allDigits(t.text):
				// \log_2 8: a subscript without braces is one character
				p.toks[p.pos].text = t.text[1:]
				base = &node{kind: nNum, lit: t.text[:1]}
			default:
				base = p.primary()
			}
		}
	}
	if trigFunctions[name] {
		p.trig++
		defer func() { p.trig-- }()
	}
	var arg *node
	if t := p.peek(); t.kind == tkOpen && t.text == "(" {
		arg = p.primary()
	} else {
		// an unparenthesised argument runs over a product of factors, up to the next sign,
		// operator or function: \sin 2x \cos x is sin(2x)·cos(x)
		arg = p.unary()
		for {
			t := p.peek()
			if !p.startsImplicit(t) || t.kind == tkCmd && functions[t.text] {
				break
			}
			arg = &node{kind: nMul, args: []*node{arg, p.power()}}
		}
	}
	f := &node{kind: nFunc, name: name, args: []*node{arg, base}}
	if pow != nil {
		if pow.kind == nNeg && pow.args[0].kind == nNum && pow.args[0].lit == "1" {
			switch name {
			case "sin", "cos", "tan":
				f.name = "arc" + name
				return f
			}
		}
		return &node{kind: nPow, args: []*node{f, pow}}
	}
	return f
}

// sumOver parses a sum after \sum: its bounds _{k=a}^{b} (in either order) and its summand,
// a product of factors up to the next sign: \sum_{k=0}^{n-1} F_k F_{n-k-1}.
func (p *parser) sumOver() *node {
	var index string
	var lo, hi *node
	for range 2 {
		switch {
		case p.isOp("_") && lo == nil:
			p.next()
			if t := p.next(); t.kind != tkOpen || t.text != "{" {
				failf("sum without its index")
			}
			t := p.next()
			if t.kind != tkIdent {
				failf("sum without its index")
			}
			index = t.text
			if r := p.next(); r.kind != tkRel || r.text != "=" {
				failf("sum without its lower bound")
			}
			lo = p.group("}")
		case p.isOp("^") && hi == nil:
			p.next()
			hi = p.arg()
		}
	}
	if lo == nil || hi == nil {
		failf("sum without its bounds")
	}
	body := p.unary()
	for p.startsImplicit(p.peek()) {
		body = &node{kind: nMul, args: []*node{body, p.power()}}
	}
	return &node{kind: nSum, name: index, args: []*node{lo, hi, body}}
}

// matrixEnvs are the environments read as matrices.
var matrixEnvs = map[string]bool{
	"pmatrix": true, "bmatrix": true, "Bmatrix": true, "matrix": true, "smallmatrix": true,
	"array": true, "vmatrix": false,
}

// matrix parses the rows of a matrix environment, up to its \end.
func (p *parser) matrix(env string) *node {
	if !matrixEnvs[env] {
		failf("unsupported environment " + env)
	}
	var rows [][]*node
	var row []*node
	for {
		p.b.tick()
		t := p.peek()
		if t.kind == tkCmd && t.text == "end" {
			p.next()
			if t.env != env {
				failf("mismatched environment")
			}
			if len(row) > 0 {
				rows = append(rows, row)
			}
			break
		}
		if t.kind == tkRowSep {
			// an empty row (a trailing \\) is skipped
			p.next()
			if len(row) > 0 {
				rows = append(rows, row)
			}
			row = nil
			continue
		}
		if t.kind == tkEOF {
			failf("unterminated matrix")
		}
		row = append(row, p.inner())
		if len(rows)*len(row) > maxCells || len(row) > maxCells {
			failf("matrix too large")
		}
		if p.peek().kind == tkAmp {
			p.next()
		}
	}
	if len(rows) == 0 {
		failf("empty matrix")
	}
	cols := len(rows[0])
	cells := make([]*node, 0, len(rows)*cols)
	for _, r := range rows {
		if len(r) != cols {
			failf("ragged matrix")
		}
		cells = append(cells, r...)
	}
	return &node{kind: nMatrix, rows: len(rows), cols: cols, args: cells}
}
