package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// Key identifies one run of one sample: its suite, its id and its repeat index. A results log
// may hold several records of a key (a resumed run, --retry-errors): the last one counts.
type Key struct {
	Suite  string
	ID     string
	Repeat int
}

// Key returns the key of r.
func (r *Result) Key() Key { return Key{Suite: r.Suite, ID: r.ID, Repeat: r.Repeat} }

// String returns the key as suite/id, with #repeat when the repeat is not 0.
func (k Key) String() string {
	if k.Repeat != 0 {
		return fmt.Sprintf("%s/%s#%d", k.Suite, k.ID, k.Repeat)
	}
	return k.Suite + "/" + k.ID
}

// CompareKeys orders keys canonically: by suite, then by id in natural order (digit runs
// compared by value, so "9" comes before "10"), then by repeat. It is the order of merged
// logs and the order in which reports read records.
func CompareKeys(a, b Key) int {
	if c := strings.Compare(a.Suite, b.Suite); c != 0 {
		return c
	}
	if c := NaturalCompare(a.ID, b.ID); c != 0 {
		return c
	}
	return cmp.Compare(a.Repeat, b.Repeat)
}

// NaturalCompare compares a and b chunk by chunk: runs of digits by numeric value, other runs
// byte by byte; strings equal that way (such as "01" and "1") fall back to byte order, so the
// order is total.
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		da, db := isDigit(a[i]), isDigit(b[j])
		if da && db {
			ei, ej := i, j
			for ei < len(a) && isDigit(a[ei]) {
				ei++
			}
			for ej < len(b) && isDigit(b[ej]) {
				ej++
			}
			na := strings.TrimLeft(a[i:ei], "0")
			nb := strings.TrimLeft(b[j:ej], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			i, j = ei, ej
			continue
		}
		if a[i] != b[j] {
			return cmp.Compare(a[i], b[j])
		}
		i++
		j++
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Infrastructure reports whether a failure of class c came from the infrastructure (the model
// endpoint, a tool's machinery, the judge's endpoint) rather than from the sample: such a
// sample may succeed when run again.
func (c ErrorClass) Infrastructure() bool {
	return c == ErrModel || c == ErrTool || c == ErrJudge
}

// Entry is what an Index keeps of one record: its key, its outcome and where it is in the log.
type Entry struct {
	Key
	Run string
	// Class is the record's error class, "" for a graded record.
	Class  ErrorClass
	Pass   bool
	Score  float64
	Tokens runners.Usage
	// Line is the record's line number in the log, from 1.
	Line       int
	start, end int64
	// lean holds the rest of the record's lean read (decodeLean), kept by an index made for
	// a report that needs no more; zero otherwise.
	lean leanFields
}

// leanFields are the fields of a lean read of a record that an Entry does not otherwise keep.
type leanFields struct {
	capability, model, step, judgeID string
	stop                             runners.StopReason
	metadata                         map[string]any
	message                          string
}

// record returns the lean read of the record e indexes, as kept (leanFields) into r.
func (e *Entry) record(r *Result) {
	*r = Result{V: SchemaVersion, Run: e.Run, Suite: e.Suite, ID: e.ID, Repeat: e.Repeat, Capability: e.lean.capability,
		Model: e.lean.model, Metadata: e.lean.metadata, Tokens: e.Tokens, Stop: e.lean.stop}
	r.Verdict.Pass, r.Verdict.Score, r.Verdict.Step, r.Verdict.JudgeID = e.Pass, e.Score, e.lean.step, e.lean.judgeID
	if e.Class != "" {
		r.Error = &Failure{Class: e.Class, Message: e.lean.message}
	}
}

// Finished reports whether the record settles its sample for a resumed run (and for
// --retry-errors): it has a verdict, or an internal error. A sample whose record is an input
// error (a missing image, no gold answer: found before any model call, so running the sample
// again costs nothing, and mends it once the input is there), an infrastructure error, or
// canceled, runs again — a judge error by grading its recorded output again.
func (e *Entry) Finished() bool {
	return e.Class == "" || e.Class == ErrInternal
}

// Index is a results log read once, briefly: the last record of each key, and totals over
// every record (superseded ones included, since they were paid for; but a record that grades
// a judge failure's output again repeats that record's tokens, which are counted once).
type Index struct {
	// Name is the log's name in messages.
	Name string
	// Records counts the log's valid records; Tokens sums their token counts.
	Records int
	Tokens  runners.Usage
	// latest holds the last record of each key, in canonical order; lookup finds a key's
	// (nil in an index made for a report, which looks up no key).
	latest []Entry
	lookup map[Key]int
}

// IndexLog reads the results log r, decoding only the fields an Entry keeps. A malformed line
// is passed to warn (when not nil) and skipped, as Reader does.
func IndexLog(r io.Reader, name string, warn func(error)) (*Index, error) {
	ix, err := indexLog(r, name, warn, leanRecords, false)
	if err != nil {
		return nil, err
	}
	ix.lookup = make(map[Key]int, len(ix.latest))
	for i := range ix.latest {
		ix.lookup[ix.latest[i].Key] = i
	}
	return ix, nil
}

// indexLog is IndexLog, reading records as mode says (a lean read, with or without the
// metadata), keeping the rest of each lean read in its entry (Entry.record) when keep is set,
// and without the map Lookup uses. Every record is kept until the log is read; then they are
// sorted by key and line, and the last of each key kept.
func indexLog(r io.Reader, name string, warn func(error), mode leanMode, keep bool) (*Index, error) {
	ix := &Index{Name: name}
	rd := NewReader(r, name)
	rd.mode, rd.intern = mode, interner{}
	var all []Entry
	for rd.Scan() {
		if lerr := rd.LineErr(); lerr != nil {
			if warn != nil {
				warn(lerr)
			}
			continue
		}
		res := rd.Result()
		start, end := rd.Span()
		e := Entry{Key: res.Key(), Run: res.Run, Pass: res.Pass, Score: res.Score, Tokens: res.Tokens,
			Line: rd.Line(), start: start, end: end}
		if res.Error != nil {
			e.Class = res.Error.Class
		}
		if keep {
			e.lean = leanFields{capability: res.Capability, model: res.Model, step: res.Step, judgeID: res.JudgeID,
				stop: res.Stop, metadata: res.Metadata}
			if res.Error != nil {
				e.lean.message = res.Error.Message
			}
		}
		all = append(all, e)
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	slices.SortFunc(all, func(a, b Entry) int {
		return cmp.Or(CompareKeys(a.Key, b.Key), cmp.Compare(a.Line, b.Line))
	})
	ix.Records = len(all)
	n := 0
	for i := range all {
		e := &all[i]
		if i == 0 || all[i-1].Key != e.Key {
			ix.Tokens = ix.Tokens.Add(e.Tokens)
			all[n] = *e
			n++
			continue
		}
		if !regraded(&all[i-1], e) {
			ix.Tokens = ix.Tokens.Add(e.Tokens)
		}
		all[n-1] = *e
	}
	ix.latest = slices.Clip(all[:n])
	return ix, nil
}

// regraded reports whether e, the record after prev of the same sample, grades prev's output
// again: prev is a judge failure (which a resumed run grades again, without a model call, never
// runs again) and e carries its tokens.
func regraded(prev, e *Entry) bool {
	return prev.Class == ErrJudge && e.Tokens == prev.Tokens
}

// Latest returns the last record of every key, in canonical order (CompareKeys).
func (ix *Index) Latest() []Entry { return slices.Clone(ix.latest) }

// entries returns the last record of every key in canonical order: the caller must not
// change it.
func (ix *Index) entries() []Entry { return ix.latest }

// Lookup returns the last record of key k.
func (ix *Index) Lookup(k Key) (Entry, bool) {
	i, ok := ix.lookup[k]
	if !ok {
		return Entry{}, false
	}
	return ix.latest[i], true
}

// Len returns the number of distinct keys.
func (ix *Index) Len() int { return len(ix.latest) }

// RawRecords calls fn with the bytes of each entry's line (its newline included) read from
// log at the entry's offsets, in the order of entries.
func RawRecords(log io.ReaderAt, entries []Entry, fn func(e *Entry, line []byte) error) error {
	var buf []byte
	for i := range entries {
		e := &entries[i]
		n := int(e.end - e.start)
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := log.ReadAt(buf, e.start); err != nil {
			return fmt.Errorf("reading the record at line %d: %w", e.Line, err)
		}
		if err := fn(e, buf); err != nil {
			return err
		}
	}
	return nil
}

// ReadRecords calls fn with each entry's full record, read from log at the entry's offsets,
// in the order of entries. name is the log's name in errors.
func ReadRecords(log io.ReaderAt, name string, entries []Entry, fn func(r *Result) error) error {
	return RawRecords(log, entries, func(e *Entry, line []byte) error {
		r, err := decodeRecord(name, e, line)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// decodeRecord decodes the full record of entry e from its line; an error is a SyntaxError at
// the entry's line.
func decodeRecord(name string, e *Entry, line []byte) (*Result, error) {
	var res Result
	if err := json.Unmarshal(bytes.TrimSpace(line), &res); err != nil {
		return nil, &SyntaxError{File: name, Line: e.Line, Err: err}
	}
	return &res, nil
}
