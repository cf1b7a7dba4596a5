package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Input is one source of results: a run directory, a results log, or "-" for standard input.
type Input struct {
	Path string
	// Label names the input's column in reports: the model's name, made unique across inputs.
	Label string
	// Manifest is the run's manifest when the input is a run directory, or the results log of
	// one (beside its manifest).
	Manifest *Manifest
	// suites are the suites the input graded samples of, when a report compares runs suite by
	// suite (compareBySuite); nil otherwise.
	suites map[string]bool
}

// ScanInputs streams the results of every path in order, calling fn for each. Within an input
// only the last record of each sample (suite, id, repeat) counts, as a resumed or retried run
// appends a new record for a sample it runs again; records come in canonical order
// (CompareKeys), so that nothing computed from them depends on the order samples finished in.
// A line that cannot be read is skipped, and reported to warn (BadLines.Warn): the first few
// with their position and problem, then how many there are; an input that cannot be opened is
// an error. Labels are the model's name (from the manifest, or else the first
// record); when inputs share one, each of them has its base name added ("m [run1]", "m [run2]"),
// so that no column is told apart from the others by the absence of a suffix.
func ScanInputs(paths []string, stdin io.Reader, warn io.Writer, fn func(in *Input, r *Result) error) error {
	return ScanRuns(paths, stdin, warn, nil, fn)
}

// ScanRuns is ScanInputs, calling begin (when not nil) with each input, its label settled,
// before its records: an input without any still gets its column.
func ScanRuns(paths []string, stdin io.Reader, warn io.Writer, begin func(in *Input) error, fn func(in *Input, r *Result) error) error {
	return scanRuns(paths, stdin, warn, fullRecords, nil, begin, fn)
}

// scanRuns is ScanRuns, reading records as mode says (every field, or a lean read: see
// decodeLean), and calling indexed (when not nil) once every input is opened and indexed,
// before begin and any record: with the inputs, their labels settled, and their indexes. A
// lean read reads each log once, keeping the lean record of each key as it indexes it; a full
// one indexes the log, then reads the latest record of each key at its offset.
func scanRuns(paths []string, stdin io.Reader, warn io.Writer, mode leanMode, indexed func([]*Input, []*Index) error, begin func(in *Input) error, fn func(in *Input, r *Result) error) error {
	type opened struct {
		in   *Input
		f    *os.File
		name string
		ix   *Index
		bad  BadLines
	}
	var all []*opened
	defer func() {
		for _, o := range all {
			o.f.Close()
		}
	}()
	for _, path := range paths {
		o := &opened{in: &Input{Path: path}}
		f, name, err := openInput(o.in, stdin)
		if err != nil {
			return err
		}
		o.f, o.name = f, name
		all = append(all, o)
		if mode == fullRecords {
			o.ix, err = IndexLog(f, name, o.bad.Add)
		} else {
			o.ix, err = indexLog(f, name, o.bad.Add, mode, true)
		}
		if err != nil {
			return err
		}
		if o.in.Manifest != nil {
			o.in.Label = o.in.Manifest.Model.Name
		}
		if latest := o.ix.entries(); o.in.Label == "" && len(latest) > 0 && mode != fullRecords {
			o.in.Label = latest[0].lean.model
		} else if o.in.Label == "" && len(latest) > 0 {
			// A first record that does not decode leaves the input named by its path; it is
			// counted among the lines that could not be read when the records are.
			err := RawRecords(f, latest[:1], func(e *Entry, line []byte) error {
				if r, err := decodeRecord(name, e, line); err == nil {
					o.in.Label = r.Model
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	inputs := make([]*Input, len(all))
	for i, o := range all {
		inputs[i] = o.in
	}
	labelInputs(inputs)
	if indexed != nil {
		ixs := make([]*Index, len(all))
		for i, o := range all {
			ixs[i] = o.ix
		}
		if err := indexed(inputs, ixs); err != nil {
			return err
		}
	}
	for _, o := range all {
		if begin != nil {
			if err := begin(o.in); err != nil {
				return err
			}
		}
		var err error
		if mode == fullRecords {
			err = readLatest(o.f, o.name, o.ix, &o.bad, func(r *Result) error { return fn(o.in, r) })
		} else {
			var r Result
			for i := range o.ix.entries() {
				o.ix.entries()[i].record(&r)
				if err = fn(o.in, &r); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
		o.bad.Warn(warn, "left out of the report")
	}
	return nil
}

// readLatest calls fn with the full record of each of ix's entries, read from log (named name),
// in canonical order. A line the index took whose full record does not decode (a field of the
// wrong type, which the index does not read) is added to bad and skipped, as the index skips a
// line it cannot read.
func readLatest(log io.ReaderAt, name string, ix *Index, bad *BadLines, fn func(r *Result) error) error {
	return RawRecords(log, ix.entries(), func(e *Entry, line []byte) error {
		r, err := decodeRecord(name, e, line)
		if err != nil {
			bad.Add(err)
			return nil
		}
		return fn(r)
	})
}

// labelInputs makes the labels of inputs unique: an input without a label is named by its
// path; inputs that share a label all get their base name added, and a number when that is
// not enough.
func labelInputs(inputs []*Input) {
	count := map[string]int{}
	for _, in := range inputs {
		if in.Label == "" {
			in.Label = baseName(in.Path)
		}
		count[in.Label]++
	}
	used := map[string]bool{}
	for _, in := range inputs {
		if count[in.Label] > 1 {
			in.Label += " [" + baseName(in.Path) + "]"
		}
		label := in.Label
		for i := 2; used[label]; i++ {
			label = fmt.Sprintf("%s #%d", in.Label, i)
		}
		in.Label = label
		used[label] = true
	}
}

// baseName names an input by its path: a run directory's name, also for its results log.
func baseName(path string) string {
	path = filepath.Clean(path)
	if filepath.Base(path) == ResultsFile {
		path = filepath.Dir(path)
	}
	return filepath.Base(path)
}

func openInput(in *Input, stdin io.Reader) (*os.File, string, error) {
	if in.Path == "-" {
		f, err := spool(stdin)
		return f, "<stdin>", err
	}
	st, err := os.Stat(in.Path)
	if err != nil {
		return nil, "", err
	}
	file, dir := in.Path, ""
	switch {
	case st.IsDir():
		dir, file = in.Path, filepath.Join(in.Path, ResultsFile)
	case filepath.Base(in.Path) == ResultsFile:
		dir = filepath.Dir(in.Path) // a run directory's log: its manifest says what it should hold
	}
	if dir != "" {
		m, err := ReadManifest(dir)
		if err != nil && !os.IsNotExist(err) {
			return nil, "", err
		}
		in.Manifest = m
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, "", err
	}
	return f, file, nil
}

// spool copies r into an unlinked temporary file, so that a log read from a pipe can be
// indexed and then read at its offsets like any other.
func spool(r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "realx-stdin-*.jsonl")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
