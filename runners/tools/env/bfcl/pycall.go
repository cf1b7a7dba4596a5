package bfcl

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// PyCall is a call as BFCL's gold answers write it, "cd(folder='document')": a function's
// name, its positional arguments and its keyword arguments in order.
type PyCall struct {
	Name       string
	Positional []any
	Keywords   Dict
}

// ParsePyCall reads one call written in Python: literal arguments only (strings, numbers,
// True, False, None, lists, tuples, dicts), as BFCL's gold answers and prompting-mode replies
// have them.
func ParsePyCall(src string) (PyCall, error) {
	p := &pyParser{s: src}
	p.space()
	name := p.ident()
	if name == "" {
		return PyCall{}, fmt.Errorf("call %q: no function name", src)
	}
	p.space()
	if !p.eat('(') {
		return PyCall{}, fmt.Errorf("call %q: no '(' after %s", src, name)
	}
	c := PyCall{Name: name}
	for {
		p.space()
		if p.eat(')') {
			break
		}
		save := p.i
		if id := p.ident(); id != "" {
			p.space()
			if p.peek() == '=' && !strings.HasPrefix(p.s[p.i:], "==") {
				p.i++
				v, err := p.value()
				if err != nil {
					return PyCall{}, fmt.Errorf("call %q: argument %s: %w", src, id, err)
				}
				c.Keywords = append(c.Keywords, Item{Key: id, Value: v})
				goto next
			}
		}
		p.i = save
		if len(c.Keywords) > 0 {
			return PyCall{}, fmt.Errorf("call %q: a positional argument follows a keyword argument", src)
		}
		{
			v, err := p.value()
			if err != nil {
				return PyCall{}, fmt.Errorf("call %q: argument %d: %w", src, len(c.Positional)+1, err)
			}
			c.Positional = append(c.Positional, v)
		}
	next:
		p.space()
		if p.eat(',') {
			continue
		}
		if p.eat(')') {
			break
		}
		return PyCall{}, fmt.Errorf("call %q: expected ',' or ')' at offset %d", src, p.i)
	}
	p.space()
	if p.i != len(p.s) {
		return PyCall{}, fmt.Errorf("call %q: text after the call", src)
	}
	return c, nil
}

type pyParser struct {
	s string
	i int
}

func (p *pyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) space() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *pyParser) ident() string {
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || unicode.IsLetter(rune(p.s[j])) || (j > p.i && unicode.IsDigit(rune(p.s[j])))) {
		j++
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

// value reads one literal.
func (p *pyParser) value() (any, error) {
	p.space()
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '[' || c == '(':
		end := byte(']')
		if c == '(' {
			end = ')'
		}
		p.i++
		out := []any{}
		for {
			p.space()
			if p.eat(end) {
				return out, nil
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			p.space()
			if p.eat(',') {
				continue
			}
			if p.eat(end) {
				return out, nil
			}
			return nil, fmt.Errorf("expected ',' or %q at offset %d", end, p.i)
		}
	case c == '{':
		p.i++
		out := map[string]any{}
		for {
			p.space()
			if p.eat('}') {
				return out, nil
			}
			k, err := p.value()
			if err != nil {
				return nil, err
			}
			p.space()
			if !p.eat(':') {
				return nil, fmt.Errorf("expected ':' at offset %d", p.i)
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = v
			p.space()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				return out, nil
			}
			return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
		}
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		j := p.i + 1
		for j < len(p.s) && strings.ContainsRune("0123456789.eE+-_", rune(p.s[j])) {
			if (p.s[j] == '+' || p.s[j] == '-') && p.s[j-1] != 'e' && p.s[j-1] != 'E' {
				break
			}
			j++
		}
		lit := strings.ReplaceAll(p.s[p.i:j], "_", "")
		p.i = j
		if !strings.ContainsAny(lit, ".eE") {
			if n, err := strconv.Atoi(lit); err == nil {
				return n, nil
			}
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", lit)
		}
		return f, nil
	default:
		switch id := p.ident(); id {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		case "":
			return nil, fmt.Errorf("unexpected %q at offset %d", c, p.i)
		default:
			return nil, fmt.Errorf("%s is not a literal", id)
		}
	}
}

// str reads a string literal with Python's escapes.
func (p *pyParser) str() (string, error) {
	q := p.s[p.i]
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3)) {
		end := strings.Index(p.s[p.i+3:], strings.Repeat(string(q), 3))
		if end < 0 {
			return "", fmt.Errorf("unterminated string")
		}
		s := p.s[p.i+3 : p.i+3+end]
		p.i += end + 6
		return s, nil
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			e := p.s[p.i]
			p.i++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '\\', '\'', '"':
				b.WriteByte(e)
			case '\n':
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.i+n > len(p.s) {
					return "", fmt.Errorf("bad \\%c escape", e)
				}
				r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil {
					return "", fmt.Errorf("bad \\%c escape", e)
				}
				b.WriteRune(rune(r))
				p.i += n
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", fmt.Errorf("unterminated string")
}
