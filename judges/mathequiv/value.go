package mathequiv

import (
	"strings"
)

// This file holds the structure of an answer above its expressions: lists, sets, tuples,
// intervals, unions, matrices, relations and words.

type valueKind uint8

const (
	vExpr     valueKind = iota // one expression
	vList                      // "1, 3": an unordered list of solutions
	vSet                       // \{1, 3\}
	vTuple                     // (1, 3): ordered
	vInterval                  // [0, 1)
	vUnion                     // parts joined by \cup
	vMatrix                    // a matrix or vector
	vRel                       // a relation or a chain of relations: x = 3, 1 < x \le 2
	vText                      // words: \text{Evelyn}, (C)
)

// value is a parsed answer.
type value struct {
	kind   valueKind
	expr   *node    // vExpr
	elems  []*value // vList, vSet, vTuple, vUnion; the parts of a vRel
	ops    []string // vRel: the relations between the parts
	lo, hi *node    // vInterval
	loOpen bool
	hiOpen bool
	matrix *node // vMatrix
	text   string
	choice bool // vText: a multiple-choice letter
}

// maxPM bounds the number of ± signs expanded (2^maxPM variants).
const maxPM = 6

// maxElems bounds the elements of a list, set or tuple.
const maxElems = 256

// parseAnswer parses a cleaned answer. It fails (by a parseError panic) when the answer does not
// parse cleanly.
func parseAnswer(c cleaned, b *budget) *value {
	s := c.s
	if s == "" {
		failf("empty answer")
	}
	if v := textValue(c); v != nil {
		return v
	}
	if hasWordRun(s) {
		failf("words")
	}
	toks := lex(s, b)
	latex := strings.ContainsAny(s, `\{`)
	v := parseUnion(toks, latex, b)
	return expandPM(v)
}

// textValue reads answers that are words: a whole \text{…} group that is not mathematics, or a
// run of letters that is a word ("Evelyn", "even"); and multiple-choice letters "(C)".
func textValue(c cleaned) *value {
	s := strings.TrimSpace(c.s)
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if ch := choiceLetter(t); ch != "" && (c.text || strings.HasPrefix(t, "(")) {
		return &value{kind: vText, text: ch, choice: true}
	}
	// "(B) 12": a choice letter followed by the option's text
	if len(s) > 3 && s[0] == '(' && s[2] == ')' && s[1] >= 'A' && s[1] <= 'E' {
		return &value{kind: vText, text: strings.ToLower(s[1:2]), choice: true}
	}
	if c.text {
		letters := 0
		for _, r := range t {
			if r >= 'a' && r <= 'z' {
				letters++
			}
		}
		if letters >= 2 && !strings.ContainsAny(t, `\^_{}=+`) {
			return &value{kind: vText, text: t}
		}
		return nil
	}
	if len(t) >= 3 && isWords(t) {
		for _, w := range plainWords {
			if strings.Contains(t, w) {
				return nil
			}
		}
		return &value{kind: vText, text: t}
	}
	return nil
}

// maxLetterRun is the longest run of one-letter variables read as a product (abc); a longer run
// is words ("Thefinalansweris5"), which do not parse.
const maxLetterRun = 3

// hasWordRun reports whether s has a run of more than maxLetterRun letters that are not a
// command name, a known function word or a subscript.
func hasWordRun(s string) bool {
	for i := 0; i < len(s); {
		if s[i] == '_' && i+1 < len(s) && s[i+1] == '{' {
			// a subscript names, it does not spell: S_{MBCN}
			if j := matchBrace(s, i+1); j > 0 {
				i = j + 1
				continue
			}
		}
		if s[i] == '\\' {
			j := commandEnd(s, i)
			if name := s[i+1 : j]; (name == "begin" || name == "end") && j < len(s) && s[j] == '{' {
				if k := strings.IndexByte(s[j:], '}'); k > 0 {
					j += k + 1 // the environment name
				}
			}
			i = j
			continue
		}
		if !isLetter(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		run, single := s[i:j], 0
		for run != "" {
			w := ""
			for _, pw := range plainWords {
				if strings.HasPrefix(run, pw) {
					w = pw
					break
				}
			}
			if w == "" {
				single++
				if single > maxLetterRun {
					return true
				}
				run = run[1:]
			} else {
				single = 0
				run = run[len(w):]
			}
		}
		i = j
	}
	return false
}

// choiceLetter returns "c" for "(C)", "c" and "(c)" (choices A to E), or "".
func choiceLetter(t string) string {
	t = strings.TrimSuffix(strings.TrimPrefix(t, "("), ")")
	if len(t) == 1 && t[0] >= 'a' && t[0] <= 'e' {
		return t
	}
	return ""
}

// isWords reports whether t is made of letters, spaces, hyphens and apostrophes, with a run of
// at least three letters (so that "p-q" and "ab" stay expressions).
func isWords(t string) bool {
	run, longest := 0, 0
	for i := 0; i < len(t); i++ {
		switch {
		case isLetter(t[i]):
			run++
			longest = max(longest, run)
		case t[i] == ' ' || t[i] == '\'' || t[i] == '-':
			run = 0
		default:
			return false
		}
	}
	return longest >= 3
}

// nesting returns +1 for a token that opens a group (a bracket, \begin), −1 for one that closes
// it, and 0 otherwise.
func nesting(t token) int {
	switch {
	case t.kind == tkOpen || t.kind == tkCmd && t.text == "begin":
		return 1
	case t.kind == tkClose || t.kind == tkCmd && t.text == "end":
		return -1
	}
	return 0
}

// splitTop splits toks at depth-0 tokens for which sep is true.
func splitTop(toks []token, sep func(token) bool) [][]token {
	var parts [][]token
	depth, start := 0, 0
	for i, t := range toks {
		depth += nesting(t)
		if depth == 0 && sep(t) {
			parts = append(parts, toks[start:i])
			start = i + 1
		}
	}
	return append(parts, toks[start:])
}

// splitElems splits toks at depth-0 separators, failing past maxElems parts.
func splitElems(toks []token, sep func(token) bool) [][]token {
	parts := splitTop(toks, sep)
	if len(parts) > maxElems {
		failf("too many elements")
	}
	return parts
}

// isComma, isCup and isRel are separators for splitTop.
func isComma(t token) bool { return t.kind == tkComma }
func isCup(t token) bool   { return t.kind == tkCmd && t.text == "cup" }
func isRel(t token) bool   { return t.kind == tkRel }

// parseUnion parses parts joined by \cup, or else a list.
func parseUnion(toks []token, latex bool, b *budget) *value {
	parts := splitElems(toks, isCup)
	if len(parts) == 1 {
		return parseList(toks, latex, b)
	}
	u := &value{kind: vUnion}
	for _, part := range parts {
		e := parseElement(part, latex, b)
		switch e.kind {
		case vInterval, vSet, vTuple:
		default:
			failf("union of a non-set")
		}
		u.elems = append(u.elems, e)
	}
	return u
}

// isSemicolon separates groups of a list at its top level: "p=5, q=2; p=7, q=2".
func isSemicolon(t token) bool { return t.kind == tkComma && t.text == ";" }

// parseList parses elements joined by commas, or else one element. Semicolons at the top
// level separate groups, each a list of its own ("p=5, q=2; p=7, q=2"); inside brackets they
// are commas ("(0;0;0)").
func parseList(toks []token, latex bool, b *budget) *value {
	if groups := splitElems(toks, isSemicolon); len(groups) > 1 {
		l := &value{kind: vList}
		for _, g := range groups {
			l.elems = append(l.elems, parseList(g, latex, b))
		}
		return l
	}
	parts := splitElems(toks, isComma)
	if len(parts) == 1 {
		return parseElement(toks, latex, b)
	}
	// "x = -2, 1" is one relation whose right side is a list; "x = 1, y = 2" is a list.
	withRel := 0
	for _, part := range parts {
		if len(splitTop(part, isRel)) > 1 {
			withRel++
		}
	}
	if withRel == 1 && len(splitTop(parts[0], isRel)) > 1 {
		return parseRelation(toks, splitElems(toks, isRel), latex, b)
	}
	l := &value{kind: vList}
	for _, part := range parts {
		l.elems = append(l.elems, parseElement(part, latex, b))
	}
	return l
}

// closingIndex returns the index of the token closing the bracket at toks[0], or -1.
func closingIndex(toks []token) int {
	depth := 0
	for i, t := range toks {
		depth += nesting(t)
		if depth == 0 && t.kind == tkClose {
			return i
		}
	}
	return -1
}

// parseElement parses one element: a set, a tuple or interval, a relation or an expression.
func parseElement(toks []token, latex bool, b *budget) *value {
	b.tick()
	if len(toks) == 0 {
		failf("empty element")
	}
	first, last := toks[0], toks[len(toks)-1]
	if len(toks) == 1 && first.kind == tkCmd && first.text == "emptyset" {
		return &value{kind: vSet}
	}
	if parts := splitElems(toks, isRel); len(parts) > 1 {
		return parseRelation(toks, parts, latex, b)
	}
	if first.kind == tkOpen && last.kind == tkClose && closingIndex(toks) == len(toks)-1 {
		inner := toks[1 : len(toks)-1]
		switch {
		case first.text == `\{` && last.text == `\}`:
			s := &value{kind: vSet}
			if len(inner) == 0 {
				return s
			}
			for _, part := range splitElems(inner, isComma) {
				s.elems = append(s.elems, parseElement(part, latex, b))
			}
			return s
		case first.text == "(" || first.text == "[":
			parts := splitElems(inner, isComma)
			if len(parts) == 1 {
				break
			}
			if len(parts) == 2 && (first.text == "[" || last.text == "]") && (last.text == ")" || last.text == "]") {
				return &value{
					kind: vInterval, lo: parseExpr(parts[0], latex, b), hi: parseExpr(parts[1], latex, b),
					loOpen: first.text == "(", hiOpen: last.text == ")",
				}
			}
			if last.text != ")" && last.text != "]" {
				failf("bad tuple")
			}
			t := &value{kind: vTuple}
			for _, part := range parts {
				t.elems = append(t.elems, parseElement(part, latex, b))
			}
			return t
		}
	}
	n := parseExpr(toks, latex, b)
	if m := liftMatrix(n, b); m != nil {
		return &value{kind: vMatrix, matrix: m}
	}
	if containsMatrix(n) {
		failf("matrix inside an expression")
	}
	return &value{kind: vExpr, expr: n}
}

// parseRelation parses a relation or a chain of relations, split into parts.
func parseRelation(toks []token, parts [][]token, latex bool, b *budget) *value {
	r := &value{kind: vRel}
	depth := 0
	for _, t := range toks {
		depth += nesting(t)
		if t.kind == tkRel && depth == 0 {
			r.ops = append(r.ops, t.text)
		}
	}
	// x = 1/3 \approx 0.33: what follows the first ≈ after an equation is an approximation
	for i, op := range r.ops {
		if op == "≈" {
			if i > 0 && r.ops[0] == "=" {
				r.ops, parts = r.ops[:i], parts[:i+1]
			}
			break
		}
	}
	for i, op := range r.ops {
		if op == "≈" {
			r.ops[i] = "="
		}
	}
	for _, part := range parts {
		e := parseList(part, latex, b)
		if e.kind == vRel {
			failf("nested relation")
		}
		r.elems = append(r.elems, e)
	}
	return r
}

// liftMatrix returns the matrix that n denotes when n is a matrix, or scalars and matrices
// joined by +, −, ×, negation and division by a scalar; nil when n is not a matrix.
func liftMatrix(n *node, b *budget) *node {
	if !containsMatrix(n) {
		return nil
	}
	b.tick()
	switch n.kind {
	case nMatrix:
		return n
	case nNeg:
		m := liftMatrix(n.args[0], b)
		if m == nil {
			return nil
		}
		return mapCells(m, func(c *node) *node { return &node{kind: nNeg, args: []*node{c}} })
	case nAdd, nSub:
		x, y := liftMatrix(n.args[0], b), liftMatrix(n.args[1], b)
		if x == nil || y == nil || x.rows != y.rows || x.cols != y.cols {
			failf("bad matrix sum")
		}
		out := &node{kind: nMatrix, rows: x.rows, cols: x.cols}
		for i := range x.args {
			out.args = append(out.args, &node{kind: n.kind, args: []*node{x.args[i], y.args[i]}})
		}
		return out
	case nMul:
		x, y := liftMatrix(n.args[0], b), liftMatrix(n.args[1], b)
		switch {
		case x == nil && y != nil:
			return mapCells(y, func(c *node) *node { return &node{kind: nMul, args: []*node{n.args[0], c}} })
		case x != nil && y == nil:
			return mapCells(x, func(c *node) *node { return &node{kind: nMul, args: []*node{c, n.args[1]}} })
		case x != nil && y != nil:
			if x.cols != y.rows || x.rows*y.cols > maxCells {
				failf("bad matrix product")
			}
			out := &node{kind: nMatrix, rows: x.rows, cols: y.cols}
			for i := range x.rows {
				for j := range y.cols {
					var sum *node
					for k := range x.cols {
						b.tick()
						t := &node{kind: nMul, args: []*node{x.args[i*x.cols+k], y.args[k*y.cols+j]}}
						if sum == nil {
							sum = t
						} else {
							sum = &node{kind: nAdd, args: []*node{sum, t}}
						}
					}
					out.args = append(out.args, sum)
				}
			}
			return out
		}
	case nDiv:
		if containsMatrix(n.args[1]) {
			failf("division by a matrix")
		}
		x := liftMatrix(n.args[0], b)
		return mapCells(x, func(c *node) *node { return &node{kind: nDiv, args: []*node{c, n.args[1]}} })
	}
	failf("matrix inside an expression")
	return nil
}

// mapCells returns the matrix of f applied to each cell of m.
func mapCells(m *node, f func(*node) *node) *node {
	out := &node{kind: nMatrix, rows: m.rows, cols: m.cols, args: make([]*node, len(m.args))}
	for i, c := range m.args {
		out.args[i] = f(c)
	}
	return out
}

// containsMatrix reports whether n has a matrix.
func containsMatrix(n *node) bool { return hasKind(n, nMatrix) }

// countPM counts the ± signs in n.
func countPM(n *node) int {
	if n == nil {
		return 0
	}
	c := 0
	if n.kind == nPM {
		c = 1
	}
	for _, a := range n.args {
		c += countPM(a)
	}
	return c
}

// choosePM returns a copy of n with the ± signs replaced, in order, by + (bit 0) or − (bit 1)
// of mask.
func choosePM(n *node, mask int, idx *int) *node {
	if n == nil {
		return nil
	}
	if countPM(n) == 0 {
		return n
	}
	c := *n
	c.args = make([]*node, len(n.args))
	for i, a := range n.args {
		c.args[i] = choosePM(a, mask, idx)
	}
	if n.kind == nPM {
		minus := mask>>*idx&1 == 1
		*idx++
		switch {
		case c.args[0] == nil && minus:
			return &node{kind: nNeg, args: []*node{c.args[1]}, paren: n.paren}
		case c.args[0] == nil:
			return c.args[1]
		case minus:
			c.kind = nSub
		default:
			c.kind = nAdd
		}
	}
	return &c
}

// expandPM turns an answer with ± signs into the set of its variants: 1 \pm \sqrt{19} is the set
// {1 + √19, 1 − √19}; inside a list or set each element is expanded in place.
func expandPM(v *value) *value {
	switch v.kind {
	case vList, vSet:
		out := &value{kind: v.kind}
		for _, e := range v.elems {
			x := expandPM(e)
			if x.kind == vSet && e.kind != vSet {
				out.elems = append(out.elems, x.elems...)
			} else {
				out.elems = append(out.elems, x)
			}
		}
		return out
	case vRel:
		out := *v
		out.elems = make([]*value, len(v.elems))
		for i, e := range v.elems {
			out.elems[i] = expandPM(e)
		}
		return &out
	case vExpr:
		k := countPM(v.expr)
		if k == 0 {
			return v
		}
		if k > maxPM {
			failf("too many ± signs")
		}
		out := &value{kind: vSet}
		for mask := range 1 << k {
			idx := 0
			out.elems = append(out.elems, &value{kind: vExpr, expr: choosePM(v.expr, mask, &idx)})
		}
		return out
	}
	if valueHasPM(v) {
		failf("± outside an expression")
	}
	return v
}

// valueHasPM reports whether v has a ± sign anywhere.
func valueHasPM(v *value) bool {
	if v == nil {
		return false
	}
	if countPM(v.expr)+countPM(v.lo)+countPM(v.hi)+countPM(v.matrix) > 0 {
		return true
	}
	for _, e := range v.elems {
		if valueHasPM(e) {
			return true
		}
	}
	return false
}
