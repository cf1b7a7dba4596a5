package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/realx-bench/realx/runners"
)

// A lean read decodes only the fields of a record that aggregations read — its key, run,
// capability, model, verdict (pass, score, judge step and ID), tokens, stop and error, and its
// metadata when asked — and skips the rest (the output, the gold answer, the trajectory) after
// checking that it is valid JSON, without building it: the accuracy table and `realx compare`
// read a log of 100,000 agentic records this way in a fraction of the time and memory a full
// decode takes (docs/performance.md). A line that is not valid JSON, or whose decoded fields
// have the wrong type, is refused as a full decode refuses it; a skipped field of the wrong
// type (an output that is a number) is not looked at, so such a record counts in the reports
// that do not read it.

// leanMode says what a read of a log decodes.
type leanMode int

const (
	// fullRecords decodes every field.
	fullRecords leanMode = iota
	// leanRecords decodes the fields of a lean read, without the metadata.
	leanRecords
	// leanWithMetadata decodes the fields of a lean read and the metadata.
	leanWithMetadata
)

// interner keeps one copy of the strings that repeat from record to record (suite, run,
// model, capability, judge step …), so that records held for a report share them.
type interner map[string]string

// get returns b as a string, the kept copy when there is one.
func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < 1<<16 {
		in[s] = s
	}
	return s
}

// decodeLean decodes into r (zeroed first) the fields of a lean read of the record line (one
// JSON object, trimmed), the metadata when mode is leanWithMetadata; the other fields are
// checked and skipped. Keys match as encoding/json matches them (the last of duplicates,
// ASCII case ignored).
func decodeLean(line []byte, r *Result, mode leanMode, in interner) error {
	*r = Result{}
	d := leanDecoder{data: line}
	d.space()
	if !d.consume('{') {
		return d.syntax("looking for beginning of object")
	}
	d.space()
	if d.consume('}') {
		return d.end()
	}
	for {
		d.space()
		kstart := d.i
		if err := d.skipString(); err != nil {
			return err
		}
		key := unescapedKey(line[kstart:d.i])
		d.space()
		if !d.consume(':') {
			return d.syntax("after object key")
		}
		d.space()
		vstart := d.i
		if err := d.skipValue(0); err != nil {
			return err
		}
		if err := setLeanField(r, key, line[vstart:d.i], mode, in); err != nil {
			return err
		}
		d.space()
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return d.end()
		}
		return d.syntax("after object key:value pair")
	}
}

// setLeanField sets the field of r named key (as JSON names it) to raw, when a lean read
// keeps it.
func setLeanField(r *Result, key, raw []byte, mode leanMode, in interner) error {
	var err error
	switch {
	case keyIs(key, "v"):
		r.V, err = leanInt(raw, r.V)
	case keyIs(key, "run"):
		r.Run, err = leanString(raw, r.Run, in)
	case keyIs(key, "suite"):
		r.Suite, err = leanString(raw, r.Suite, in)
	case keyIs(key, "id"):
		r.ID, err = leanString(raw, r.ID, nil)
	case keyIs(key, "repeat"):
		r.Repeat, err = leanInt(raw, r.Repeat)
	case keyIs(key, "capability"):
		r.Capability, err = leanString(raw, r.Capability, in)
	case keyIs(key, "model"):
		r.Model, err = leanString(raw, r.Model, in)
	case keyIs(key, "pass"):
		r.Pass, err = leanBool(raw, r.Pass)
	case keyIs(key, "score"):
		r.Score, err = leanFloat(raw, r.Score)
	case keyIs(key, "judge_id"):
		r.JudgeID, err = leanString(raw, r.JudgeID, in)
	case keyIs(key, "judge_step"):
		r.Step, err = leanString(raw, r.Step, in)
	case keyIs(key, "stop"):
		var s string
		s, err = leanString(raw, string(r.Stop), in)
		r.Stop = runners.StopReason(s)
	case keyIs(key, "tokens"), keyIs(key, "error"), mode == leanWithMetadata && keyIs(key, "metadata"):
		return leanObject(r, key, raw, in)
	}
	if err != nil {
		return fmt.Errorf("json: cannot unmarshal %.20s into the record's field %q", raw, key)
	}
	return nil
}

// leanObject decodes the object fields a lean read keeps: tokens and error member by member,
// the metadata with encoding/json.
func leanObject(r *Result, key, raw []byte, in interner) error {
	switch {
	case keyIs(key, "tokens"):
		return leanMembers(raw, func(k, v []byte) (err error) {
			switch {
			case keyIs(k, "prompt"):
				r.Tokens.Prompt, err = leanInt(v, r.Tokens.Prompt)
			case keyIs(k, "completion"):
				r.Tokens.Completion, err = leanInt(v, r.Tokens.Completion)
			case keyIs(k, "total"):
				r.Tokens.Total, err = leanInt(v, r.Tokens.Total)
			}
			return err
		})
	case keyIs(key, "error"):
		if raw[0] == 'n' {
			r.Error = nil
			return nil
		}
		f := r.Error
		if f == nil {
			f = &Failure{}
		}
		err := leanMembers(raw, func(k, v []byte) (err error) {
			switch {
			case keyIs(k, "class"):
				var c string
				c, err = leanString(v, string(f.Class), in)
				f.Class = ErrorClass(c)
			case keyIs(k, "message"):
				f.Message, err = leanString(v, f.Message, nil)
			}
			return err
		})
		r.Error = f
		return err
	}
	return json.Unmarshal(raw, &r.Metadata)
}

// leanMembers calls fn with the raw key and value of each member of raw, a checked JSON
// object, or does nothing when raw is null; anything else is a type error.
func leanMembers(raw []byte, fn func(key, value []byte) error) error {
	switch raw[0] {
	case 'n':
		return nil
	case '{':
	default:
		return errLeanType
	}
	d := leanDecoder{data: raw, i: 1}
	for {
		d.space()
		if d.consume('}') {
			return nil
		}
		kstart := d.i
		if err := d.skipString(); err != nil {
			return err
		}
		key := unescapedKey(raw[kstart:d.i])
		d.space()
		d.consume(':')
		d.space()
		vstart := d.i
		if err := d.skipValue(0); err != nil {
			return err
		}
		if err := fn(key, raw[vstart:d.i]); err != nil {
			return err
		}
		d.space()
		d.consume(',')
	}
}

// unescapedKey returns the key that quoted, a checked JSON string, spells.
func unescapedKey(quoted []byte) []byte {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1]
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return nil
	}
	return []byte(s)
}

// keyIs reports whether key names field as encoding/json matches names: case ignored, as
// Unicode folds it (so that "ſcore", with a long s, is "score").
func keyIs(key []byte, field string) bool {
	return len(key) >= len(field) && bytes.EqualFold(key, []byte(field))
}

// leanString decodes raw, a JSON string or null (which leaves prev), into a string; repeated
// values through in when it is not nil.
func leanString(raw []byte, prev string, in interner) (string, error) {
	if raw[0] == 'n' {
		return prev, nil
	}
	if raw[0] != '"' {
		return "", errLeanType
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		if in != nil {
			return in.get(body), nil
		}
		return string(body), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// leanInt decodes raw, a JSON integer or null (which leaves prev).
func leanInt(raw []byte, prev int) (int, error) {
	if raw[0] == 'n' {
		return prev, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 0)
	return int(n), err
}

// leanFloat decodes raw, a JSON number or null (which leaves prev).
func leanFloat(raw []byte, prev float64) (float64, error) {
	if raw[0] == 'n' {
		return prev, nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, errLeanType
	}
	return strconv.ParseFloat(string(raw), 64)
}

// leanBool decodes raw, a JSON boolean or null (which leaves prev).
func leanBool(raw []byte, prev bool) (bool, error) {
	switch raw[0] {
	case 'n':
		return prev, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	}
	return false, errLeanType
}

var errLeanType = errors.New("wrong type")

// leanDecoder walks one JSON text, checking it as encoding/json's scanner does.
type leanDecoder struct {
	data []byte
	i    int
}

// maxLeanDepth is how deep values may nest, as in encoding/json.
const maxLeanDepth = 10000

func (d *leanDecoder) syntax(what string) error {
	if d.i >= len(d.data) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %q %s", d.data[d.i], what)
}

// end checks that only white space follows the value.
func (d *leanDecoder) end() error {
	d.space()
	if d.i != len(d.data) {
		return d.syntax("after top-level value")
	}
	return nil
}

func (d *leanDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *leanDecoder) consume(c byte) bool {
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// skipValue checks the value at d.i and moves past it.
func (d *leanDecoder) skipValue(depth int) error {
	if d.i >= len(d.data) {
		return d.syntax("looking for beginning of value")
	}
	switch c := d.data[d.i]; {
	case c == '"':
		return d.skipString()
	case c == '{' || c == '[':
		if depth >= maxLeanDepth {
			return errors.New("exceeded max depth")
		}
		return d.skipComposite(c, depth+1)
	case c == '-' || c >= '0' && c <= '9':
		return d.skipNumber()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	return d.syntax("looking for beginning of value")
}

// skipComposite checks the object or array that open begins.
func (d *leanDecoder) skipComposite(open byte, depth int) error {
	d.i++
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	d.space()
	if d.consume(closing) {
		return nil
	}
	for {
		d.space()
		if open == '{' {
			if d.i >= len(d.data) || d.data[d.i] != '"' {
				return d.syntax("looking for beginning of object key string")
			}
			if err := d.skipString(); err != nil {
				return err
			}
			d.space()
			if !d.consume(':') {
				return d.syntax("after object key")
			}
			d.space()
		}
		if err := d.skipValue(depth); err != nil {
			return err
		}
		d.space()
		if d.consume(',') {
			continue
		}
		if d.consume(closing) {
			return nil
		}
		return d.syntax("after " + map[byte]string{'{': "object key:value pair", '[': "array element"}[open])
	}
}

// plainByte marks the bytes that a JSON string holds as they are: not a quote, a backslash or
// a control character.
var plainByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// skipString checks the string at d.i and moves past it.
func (d *leanDecoder) skipString() error {
	if !d.consume('"') {
		return d.syntax("looking for beginning of string")
	}
	data := d.data
	for i := d.i; i < len(data); {
		c := data[i]
		if plainByte[c] {
			i++
			continue
		}
		switch c {
		case '"':
			d.i = i + 1
			return nil
		case '\\':
			if i+1 >= len(data) {
				d.i = len(data)
				return d.syntax("in string escape code")
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(data) || !isHex(data[k]) {
						d.i = min(k, len(data))
						return d.syntax("in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				d.i = i + 1
				return d.syntax("in string escape code")
			}
		default:
			d.i = i
			return d.syntax("in string literal")
		}
	}
	d.i = len(data)
	return d.syntax("in string literal")
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// skipNumber checks the number at d.i (JSON's grammar) and moves past it.
func (d *leanDecoder) skipNumber() error {
	data := d.data
	i := d.i
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		d.i = i
		return d.syntax("in numeric literal")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			d.i = i
			return d.syntax("after decimal point in numeric literal")
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			d.i = i
			return d.syntax("in exponent of numeric literal")
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	d.i = i
	return nil
}

// literal checks the literal word at d.i and moves past it.
func (d *leanDecoder) literal(word string) error {
	if !bytes.HasPrefix(d.data[d.i:], []byte(word)) {
		for k := 0; k < len(word) && d.i < len(d.data) && d.data[d.i] == word[k]; k++ {
			d.i++
		}
		return d.syntax("in literal " + word)
	}
	d.i += len(word)
	return nil
}
