package tasks

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readTSV reads a tab-separated file as VLMEvalKit writes its benchmarks (pandas' to_csv with
// sep="\t", every cell quoted or only those that need it): a header row, then one record a
// row. An empty cell is null, as pandas reads it (NaN). A cell holding a list — a JSON array,
// or a Python list literal as VLMEvalKit writes a row's several images ("['iVBOR…', '/9j/…']")
// — is that list, but in the option columns. An image cell of at most 64 characters that is
// the index of another row stands for that row's image, as VLMEvalKit stores a shared image
// once.
//
// For a suite, the defaults of the field map follow VLMEvalKit's columns: id is "index";
// images is "image" when the file has that column (else "image_path" when it has that); and
// with data.fields.choices left out, a sample's choices are its option columns A, B, C … that
// hold a value, in order.
func (r *recordReader) readTSV() {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.data, bom)))
	cr.Comma = '\t'
	cr.LazyQuotes = true
	header, first, ok := r.header(cr)
	if !ok {
		return
	}
	r.tsvDefaults(first)

	// The rows are read whole first (an image may be given by the index of a later row), and
	// then recorded in order, with their parse errors.
	type row struct {
		rec  map[string]any
		line int
		err  error
	}
	var rows []row
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		r.records++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				r.csvError(err)
				return
			}
			rows = append(rows, row{err: err})
			continue
		}
		line, _ := cr.FieldPos(0)
		rec := make(map[string]any, len(header))
		for i, cell := range cells {
			rec[header[i]] = tsvCell(cell, isOptionColumn(header[i]))
		}
		rows = append(rows, row{rec: rec, line: line})
	}

	// An image cell that names another row's index stands for that row's image.
	idField := cmpOr(r.fm.ID, "index")
	for _, f := range r.fm.Images {
		full := map[string]any{}
		for _, rw := range rows {
			id, _ := scalarText(rw.rec[idField])
			if s, ok := rw.rec[f].(string); ok && len(s) > 64 {
				full[id] = s
			}
		}
		for _, rw := range rows {
			if s, ok := rw.rec[f].(string); ok && len(s) <= 64 && len(s) > 0 {
				if img, ok := full[s]; ok {
					rw.rec[f] = img
				}
			}
		}
	}
	for _, rw := range rows {
		if rw.err != nil {
			r.csvError(rw.err)
			continue
		}
		r.record(rw.rec, "", false, rw.line)
	}
}

// tsvDefaults fills in the field map's defaults for a TSV file of VLMEvalKit's, whose columns
// (by name, to their index) are cols.
func (r *recordReader) tsvDefaults(cols map[string]int) {
	if r.suite == nil {
		return
	}
	if r.fm.ID == "" {
		r.fm.ID = "index"
	}
	if len(r.fm.Images) == 0 {
		for _, c := range []string{"image", "image_path"} {
			if _, ok := cols[c]; ok {
				r.fm.Images = []string{c}
				break
			}
		}
	}
	if r.fm.Choices == "" {
		r.options = []string{}
		for i := 0; i < 26; i++ {
			if _, ok := cols[Letter(i)]; ok {
				r.options = append(r.options, Letter(i))
			}
		}
	}
}

// cmpOr returns a, or b when a is empty.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// isOptionColumn reports whether a column is one of VLMEvalKit's option columns: a single
// capital letter.
func isOptionColumn(name string) bool {
	return len(name) == 1 && name[0] >= 'A' && name[0] <= 'Z'
}

// tsvCell returns a TSV cell as a record's value: null when empty, a list when it holds one
// (JSON, or a Python list literal) and is not an option, else the text as written.
func tsvCell(cell string, option bool) any {
	if cell == "" {
		return nil
	}
	if option {
		return cell
	}
	if v := csvCell(cell); v != any(cell) {
		return v
	}
	if list, ok := parsePyList(cell); ok {
		return list
	}
	return cell
}

// optionColumns returns a record's choices from its option columns (cols: A, B, … as the file
// has them): the text of each, in order, up to the last one that holds a value. An empty
// option before a filled one is an error: its letter would name another option.
func optionColumns(rec map[string]any, cols []string) ([]string, error) {
	var out []string
	gap := ""
	for i, c := range cols {
		if c != Letter(i) {
			break // A, B, D: the letters stop at the first missing column
		}
		v := rec[c]
		if v == nil {
			if gap == "" {
				gap = c
			}
			continue
		}
		text, ok := scalarText(v)
		if !ok {
			return nil, fmt.Errorf("option column %q: expected text, got %s", c, jsonKind(v))
		}
		if gap != "" {
			return nil, fmt.Errorf("option column %s is empty but %s is not: the options' letters would not be the file's", gap, c)
		}
		out = append(out, text)
	}
	return out, nil
}

// parsePyList parses a Python list literal of strings, numbers, booleans and None, as
// VLMEvalKit writes a list into a TSV cell (str() of a list: "['a', \"b's\", 3]"). ok is false
// for anything else.
func parsePyList(s string) (list []any, ok bool) {
	p := pyParser{s: strings.TrimSpace(s)}
	if !p.eat('[') {
		return nil, false
	}
	list = []any{}
	p.space()
	if p.eat(']') {
		return list, p.end()
	}
	for {
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		list = append(list, v)
		p.space()
		if p.eat(']') {
			return list, p.end()
		}
		if !p.eat(',') {
			return nil, false
		}
		p.space()
		if p.eat(']') { // a trailing comma
			return list, p.end()
		}
	}
}

// pyParser reads a Python literal from s at i.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) end() bool { return p.i == len(p.s) }

// value reads a string, a number, True, False or None.
func (p *pyParser) value() (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	if c := p.s[p.i]; c == 'u' || c == 'U' { // u'…' of Python 2
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"') {
			p.i++
		}
	}
	switch c := p.s[p.i]; {
	case c == '\'' || c == '"':
		return p.str(c)
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		j := p.i
		for j < len(p.s) && strings.IndexByte("0123456789+-.eE_", p.s[j]) >= 0 {
			j++
		}
		lit := strings.ReplaceAll(p.s[p.i:j], "_", "")
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, false
		}
		p.i = j
		return numberOf(lit, f), true
	}
	for _, w := range []struct {
		word string
		v    any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.s[p.i:], w.word) {
			p.i += len(w.word)
			return w.v, true
		}
	}
	return nil, false
}

// str reads a string literal quoted by q, with Python's escapes.
func (p *pyParser) str(q byte) (any, bool) {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), true
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
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.i+n > len(p.s) {
					return nil, false
				}
				v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil || v > utf8.MaxRune {
					return nil, false
				}
				b.WriteRune(rune(v))
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
	return nil, false
}
