// Package pycall owns function calls written in Python, as BFCL writes its gold answers and
// asks prompt-based models to write theirs ("[cd(folder='docs'), ls()]"): reading them (Parse,
// ParseList), and writing Python's repr of values and calls (Repr, FormatCall), so that the
// results of calls go back to such models as BFCL sends them. Its ReprString and ReprFloat are
// realx's one writer of Python's str and float reprs (the judges' Python-compatible
// normalisations and τ2's outputs use them too). It imports nothing of realx.
package pycall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Call is one call: a function's name, its positional arguments and its keyword arguments
// in the order written. Values are Python's as Go values: string, int, float64, bool, nil
// (None), []any (a list or a tuple), map[string]any (a dict).
type Call struct {
	Name       string
	Positional []any
	Keywords   []Arg
}

// Arg is one keyword argument.
type Arg struct {
	Name  string
	Value any
}

// Parse reads one call, "name(args)", whose arguments are literals.
func Parse(src string) (Call, error) {
	p := &parser{s: src}
	c, err := p.call()
	if err != nil {
		return Call{}, fmt.Errorf("call %q: %w", src, err)
	}
	p.space()
	if p.i != len(p.s) {
		return Call{}, fmt.Errorf("call %q: text after the call at offset %d", src, p.i)
	}
	return c, nil
}

// ParseList reads a reply of a prompt-based model as BFCL's prompting mode decodes it: the
// text trimmed of backquotes, line breaks and spaces, then of brackets and single quotes, is
// one call or calls separated by commas. As BFCL's decoder, it keeps keyword arguments only
// (positional ones are dropped) and reads a bare name as its text. An error is a reply that is
// not such a list (BFCL then ends the model's turn).
func ParseList(reply string) ([]Call, error) {
	s := strings.Trim(reply, "`\n ")
	s = strings.Trim(s, "[]'")
	p := &parser{s: s, model: true}
	var out []Call
	for {
		p.space()
		if p.i == len(p.s) {
			break
		}
		c, err := p.call()
		if err != nil {
			return nil, err
		}
		c.Positional = nil
		out = append(out, c)
		p.space()
		if !p.eat(',') {
			p.space()
			if p.i != len(p.s) {
				return nil, fmt.Errorf("expected ',' between calls at offset %d", p.i)
			}
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no call")
	}
	return out, nil
}

// ParseLiteral reads one Python literal (as Repr writes it), dicts kept in their order
// (Ordered) and tuples as Tuple.
func ParseLiteral(src string) (any, error) {
	p := &parser{s: src, model: true}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("text after the literal at offset %d", p.i)
	}
	return v, nil
}

type parser struct {
	s string
	i int
	// model marks a model's reply (ParseList): bare names are read as text, and dicts keep
	// their order (Ordered) and tuples their kind (Tuple), for FormatCall.
	model bool
}

// Tuple is a Python tuple: a list that repr writes in parentheses.
type Tuple []any

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) space() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *parser) ident() string {
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || unicode.IsLetter(rune(p.s[j])) || (j > p.i && unicode.IsDigit(rune(p.s[j])))) {
		j++
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

// name reads a function's name, dotted parts joined.
func (p *parser) name() string {
	n := p.ident()
	for n != "" && p.peek() == '.' {
		p.i++
		part := p.ident()
		if part == "" {
			return ""
		}
		n += "." + part
	}
	return n
}

func (p *parser) call() (Call, error) {
	p.space()
	c := Call{Name: p.name()}
	if c.Name == "" {
		return Call{}, fmt.Errorf("no function name at offset %d", p.i)
	}
	p.space()
	if !p.eat('(') {
		return Call{}, fmt.Errorf("no '(' after %s", c.Name)
	}
	for {
		p.space()
		if p.eat(')') {
			return c, nil
		}
		save := p.i
		if id := p.ident(); id != "" {
			p.space()
			if p.peek() == '=' && !strings.HasPrefix(p.s[p.i:], "==") {
				p.i++
				v, err := p.value()
				if err != nil {
					return Call{}, fmt.Errorf("argument %s: %w", id, err)
				}
				c.Keywords = append(c.Keywords, Arg{Name: id, Value: v})
				goto next
			}
		}
		p.i = save
		if len(c.Keywords) > 0 {
			return Call{}, fmt.Errorf("a positional argument follows a keyword argument")
		}
		{
			v, err := p.value()
			if err != nil {
				return Call{}, fmt.Errorf("argument %d: %w", len(c.Positional)+1, err)
			}
			c.Positional = append(c.Positional, v)
		}
	next:
		p.space()
		if p.eat(',') {
			continue
		}
		if p.eat(')') {
			return c, nil
		}
		return Call{}, fmt.Errorf("expected ',' or ')' at offset %d", p.i)
	}
}

// value reads one literal (or, for a model's reply, a bare name or a nested call, as text).
func (p *parser) value() (any, error) {
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
		done := func() (any, error) {
			if end == ')' && p.model {
				return Tuple(out), nil
			}
			return out, nil
		}
		for {
			p.space()
			if p.eat(end) {
				return done()
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
				return done()
			}
			return nil, fmt.Errorf("expected ',' or %q at offset %d", end, p.i)
		}
	case c == '{':
		p.i++
		out := Ordered{}
		done := func() (any, error) {
			if p.model {
				return out, nil
			}
			m := make(map[string]any, len(out))
			for _, a := range out {
				m[a.Name] = a.Value
			}
			return m, nil
		}
		for {
			p.space()
			if p.eat('}') {
				return done()
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
			ks, ok := k.(string)
			if !ok {
				ks = Repr(k)
			}
			if i := slices.IndexFunc(out, func(a Arg) bool { return a.Name == ks }); i >= 0 {
				out[i].Value = v
			} else {
				out = append(out, Arg{Name: ks, Value: v})
			}
			p.space()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				return done()
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
		start := p.i
		switch id := p.name(); id {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		case "":
			return nil, fmt.Errorf("unexpected %q at offset %d", c, p.i)
		default:
			if !p.model {
				return nil, fmt.Errorf("%s is not a literal", id)
			}
			p.space()
			if p.peek() == '(' { // a nested call, kept as its text
				p.i = start
				if _, err := p.call(); err != nil {
					return nil, err
				}
				return p.s[start:p.i], nil
			}
			return id, nil
		}
	}
}

// str reads a string literal with Python's escapes (a prefix r, b, u or f is not read).
func (p *parser) str() (string, error) {
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

// Repr is Python's repr of a value (dicts in key order; an Ordered in its order). Besides
// Python's values as Parse gives them, it writes a Valuer's value, a Reprer as it says, any
// other slice or array as a list, any other map as a dict in the order of its keys' text, and
// any integer kind as an int.
func Repr(v any) string {
	var b strings.Builder
	writeValue(&b, v, &reprNotation)
	return b.String()
}

// Str is Python's str of a value: a string as it is, anything else as Repr writes it.
func Str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return Repr(v)
}

// Dumps is Python's json.dumps of a value with its defaults: ", " and ": " between items,
// non-ASCII escaped, floats as repr writes them (NaN, Infinity), tuples as lists, the values
// Repr takes but a Reprer or another type json.dumps cannot write, which is an error.
func Dumps(v any) (string, error) {
	var b strings.Builder
	if err := writeValue(&b, v, &dumpsNotation); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Reprer is a value of a caller's own Python value model (a Decimal, a dict with keys that
// are not strings) that writes its own repr; json.dumps cannot write it.
type Reprer interface {
	PyRepr() string
}

// Valuer is a value of a caller's own Python value model that stands for a value Repr and
// Dumps know (an ordered dict for an Ordered).
type Valuer interface {
	PyValue() any
}

// Ordered is a dict in a given order.
type Ordered []Arg

// notation is how a writer spells Python's values: as repr does or as json.dumps does.
type notation struct {
	none, yes, no string
	str           func(string) string
	float         func(float64) string
	// dumps marks json.dumps: tuples are lists, and a value it cannot write is an error.
	dumps bool
}

var (
	reprNotation  = notation{none: "None", yes: "True", no: "False", str: ReprString, float: ReprFloat}
	dumpsNotation = notation{none: "null", yes: "true", no: "false", str: jsonString, float: jsonFloat, dumps: true}
)

func writeValue(b *strings.Builder, v any, n *notation) error {
	switch x := v.(type) {
	case nil:
		b.WriteString(n.none)
	case bool:
		if x {
			b.WriteString(n.yes)
		} else {
			b.WriteString(n.no)
		}
	case string:
		b.WriteString(n.str(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(n.float(x))
	case json.Number:
		return writeValue(b, Number(x), n)
	case Valuer:
		return writeValue(b, x.PyValue(), n)
	case Reprer:
		if n.dumps {
			return notSerializable(v)
		}
		b.WriteString(x.PyRepr())
	case []any:
		return writeItems(b, "[", x, "]", n)
	case Tuple:
		switch {
		case n.dumps:
			return writeItems(b, "[", x, "]", n)
		case len(x) == 1:
			return writeItems(b, "(", x, ",)", n)
		}
		return writeItems(b, "(", x, ")", n)
	case Ordered:
		b.WriteByte('{')
		for i, a := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n.str(a.Name))
			b.WriteString(": ")
			if err := writeValue(b, a.Value, n); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]any:
		return writeValue(b, sortedOrdered(x), n)
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			return writeValue(b, ListOf(rv), n)
		case reflect.Map:
			return writeValue(b, DictOf(rv), n)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			b.WriteString(strconv.FormatInt(rv.Int(), 10))
		case reflect.Float32:
			b.WriteString(n.float(rv.Float()))
		default:
			if n.dumps {
				return notSerializable(v)
			}
			fmt.Fprint(b, v)
		}
	}
	return nil
}

// notSerializable is json.dumps's TypeError for v.
func notSerializable(v any) error {
	return fmt.Errorf("Object of type %T is not JSON serializable", v)
}

// writeItems writes a list's or a tuple's items between open and end.
func writeItems(b *strings.Builder, open string, items []any, end string, n *notation) error {
	b.WriteString(open)
	for i, e := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeValue(b, e, n); err != nil {
			return err
		}
	}
	b.WriteString(end)
	return nil
}

// jsonFloat is json.dumps's float: as repr writes it, NaN and Infinity as JavaScript's.
func jsonFloat(f float64) string {
	s := ReprFloat(f)
	if js, ok := map[string]string{"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[s]; ok {
		return js
	}
	return s
}

// jsonString is json.dumps's string with ensure_ascii: non-ASCII as \uXXXX (surrogate pairs
// past the BMP).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r > 0x7e && r < 0x10000):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ListOf returns the items of a slice or an array as a list.
func ListOf(rv reflect.Value) []any {
	l := make([]any, rv.Len())
	for i := range l {
		l[i] = rv.Index(i).Interface()
	}
	return l
}

// DictOf returns a map as a dict whose keys are the map's keys' text, in their order.
func DictOf(rv reflect.Value) Ordered {
	o := make(Ordered, 0, rv.Len())
	for _, k := range rv.MapKeys() {
		o = append(o, Arg{Name: fmt.Sprint(k.Interface()), Value: rv.MapIndex(k).Interface()})
	}
	slices.SortFunc(o, func(a, b Arg) int { return strings.Compare(a.Name, b.Name) })
	return o
}

// sortedOrdered returns m as a dict in key order.
func sortedOrdered(m map[string]any) Ordered {
	o := make(Ordered, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		o = append(o, Arg{Name: k, Value: m[k]})
	}
	return o
}

// ReprString is Python's repr of a string: single quotes unless it holds one and no double
// quote; the quote, backslash and control characters escaped.
func ReprString(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0x7f && !unicode.IsPrint(r):
			switch {
			case r < 0x100:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r < 0x10000:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// ReprFloat is Python's repr of a float: the shortest digits that read back, positional for
// decimal exponents from −4 to 15, else scientific (1e-05, 1.5e+16).
func ReprFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if x < -4 || x >= 16 {
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, x)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Number reads a JSON number as Python's json.loads does: an int unless it has a fraction or
// an exponent (or is too large for an int).
func Number(n json.Number) any {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.Atoi(s); err == nil {
			return i
		}
	}
	f, _ := n.Float64()
	return f
}

// FormatCall writes a call as BFCL's prompting decoder writes a model's ("name(k=v, …)":
// each value's repr, a dict's keys quoted as strings), from its JSON arguments, in their
// order.
func FormatCall(name string, arguments string) string {
	args, err := decodeOrdered(arguments)
	if err != nil {
		return name + "(" + arguments + ")"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name + "=" + nested(a.Value)
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// nested is BFCL's parse_nested_value: a dict written with its keys single-quoted.
func nested(v any) string {
	if o, ok := v.(Ordered); ok {
		parts := make([]string, len(o))
		for i, a := range o {
			parts[i] = "'" + a.Name + "': " + nested(a.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return Repr(v)
}

// DecodeJSON reads a JSON value keeping objects' key order (as Ordered) and Python's numbers
// (an int unless written with a fraction or an exponent); nil for empty text.
func DecodeJSON(s string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return DecodeJSONObjects([]byte(s), orderedObject)
}

// orderedObject builds an Ordered from an object's keys and values.
func orderedObject(keys []string, values []any) any {
	o := make(Ordered, len(keys))
	for i, k := range keys {
		o[i] = Arg{Name: k, Value: values[i]}
	}
	return o
}

// DecodeJSONObjects reads one JSON value with Python's numbers (Number), each object built by
// object from its keys and values in their order (a repeated key repeated), so that a caller
// keeps objects in its own dict type.
func DecodeJSONObjects(data []byte, object func(keys []string, values []any) any) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, object)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return v, nil
}

// decodeOrdered reads a JSON object keeping its keys' order (nested objects as Ordered).
func decodeOrdered(s string) (Ordered, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := DecodeJSONObjects([]byte(s), orderedObject)
	if err != nil {
		return nil, err
	}
	o, ok := v.(Ordered)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	return o, nil
}

func decodeValue(dec *json.Decoder, object func([]string, []any) any) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			var keys []string
			var values []any
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec, object)
				if err != nil {
					return nil, err
				}
				keys, values = append(keys, k.(string)), append(values, v)
			}
			_, err := dec.Token()
			return object(keys, values), err
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeValue(dec, object)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, err
		}
	case json.Number:
		return Number(x), nil
	}
	return t, nil
}

// JSON writes keyword arguments as a JSON object in their order, floats keeping a fraction
// (1.0, not 1) so that they read back as floats.
func JSON(args []Arg) string {
	var b bytes.Buffer
	writeJSON(&b, Ordered(args))
	return b.String()
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b.WriteString("null")
			return
		}
		b.WriteString(ReprFloat(x))
	case Ordered:
		b.WriteByte('{')
		for i, a := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(a.Name)
			b.Write(k)
			b.WriteByte(':')
			writeJSON(b, a.Value)
		}
		b.WriteByte('}')
	case map[string]any:
		writeJSON(b, sortedOrdered(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case Tuple:
		writeJSON(b, []any(x))
	default:
		enc, err := json.Marshal(x)
		if err != nil {
			enc = []byte("null")
		}
		b.Write(enc)
	}
}
