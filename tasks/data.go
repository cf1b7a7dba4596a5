package tasks

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// IndexID is the value of data.fields.id that numbers the records instead of reading an id
// field, for data files that have none: the first record's id is "0", the next "1", in file
// order.
const IndexID = "#"

// Dataset is the samples of a suite's data file, in file order.
type Dataset struct {
	Samples []Sample
	// Digest is the hex SHA-256 of the data file's bytes.
	Digest string
	// Path is the data file, as resolved from the suite (relative to the working directory,
	// or within the suite's fs.FS).
	Path string
	// Warnings are what is allowed but likely a mistake, each at its position: records with
	// no gold answer (data.fields.answer given empty), an image field that no record has.
	Warnings Errors
}

// Samples reads the suite's data file and maps each record onto a Sample (see FieldMap).
// Every bad record is reported, at its line in the data file, in an Errors value: a record
// that cannot be mapped (no question, no gold answer, an image field that holds none …),
// and, when the suite's templates loaded without a problem, a sample whose prompt cannot be
// rendered (it places an image the sample does not have …); of these, the first
// MaxRenderErrors are listed, then their count. What is likely a mistake but allowed is in
// Dataset.Warnings. The records that are good are still
// returned, so a caller may go on with them or stop. Samples returns a nil Dataset only when
// the file cannot be read. Images are not read here.
//
// A suite with a data.source reads its files from the data cache (DataCache) only, never from
// the network: a file not pulled there is a *NotPulledError, and a file whose SHA-256 is not
// the one the suite pins (or the lock file recorded when it was pulled) a *ChecksumError.
// Several files (a source's shards) are read in order, as one data set.
func (s *Suite) Samples() (*Dataset, error) {
	t, files, err := s.dataFiles()
	if err != nil {
		return nil, err
	}
	r := &recordReader{suite: s, fm: s.Data.Fields, seen: map[string]place{}}
	if _, _, err := s.templates(""); err == nil && !s.templatesBroken {
		r.render = true
	}
	format := s.Data.Format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(path.Ext(files[0].rel)), ".")
	}
	ds := &Dataset{}
	var sums strings.Builder
	for _, f := range files {
		name := t.name(f.rel)
		data, err := t.readAll(f.rel)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		ds.Digest = hex.EncodeToString(sum[:])
		if f.want != "" && f.want != ds.Digest {
			return nil, &ChecksumError{File: name, Got: ds.Digest, Want: f.want,
				From: f.from + "; the cached file changed since it was pulled: pull it again (realx data pull)"}
		}
		fmt.Fprintf(&sums, "%s  %s\n", ds.Digest, f.rel)
		ds.Path = name
		r.file, r.data, r.newline = name, data, nil
		r.images.tree, r.images.base = s.imageDir(t, f.rel)
		r.read(format, "set data.format")
	}
	if len(files) > 1 {
		// Several files: the digest of their digests, as sha256sum lists them.
		ds.Digest, ds.Path = digestHex([]byte(sums.String())), t.dir
	}
	if r.records == 0 && len(r.errs) == 0 {
		r.errorf(0, "no records")
	}
	if src := s.Data.Source; src != nil && src.Samples > 0 && r.records != src.Samples && len(r.errs) == 0 {
		r.errorf(0, "%d records, but data.source.samples says %d", r.records, src.Samples)
	}
	if r.renderFails > MaxRenderErrors {
		r.errorf(0, "the prompt cannot be rendered for %d of %d samples (the first %d are listed)",
			r.renderFails, r.renderFails+len(r.samples), MaxRenderErrors)
	}
	ds.Samples = r.samples
	ds.Warnings = r.warnings()
	return ds, r.errs.Err()
}

// place is a record's place: its file and line.
type place struct {
	file string
	line int
}

// dataFile is a file of a suite's data, a local path within its tree, with the SHA-256 it
// must have ("" when none is known) and where that comes from.
type dataFile struct {
	rel, want, from string
}

// dataFiles returns the tree the suite's data is read from and its data files: data.path
// beneath the suite's directory, or, with a data.source, data.path (or every file of the
// source) in the source's entry of the data cache, when every file of the source is pulled.
func (s *Suite) dataFiles() (tree, []dataFile, error) {
	src := s.Data.Source
	if src == nil {
		rel, ok := localPath(s.Data.Path)
		if !ok {
			return tree{}, nil, refuse("%q is not beneath %s", s.Data.Path, s.tree.where())
		}
		return s.tree, []dataFile{{rel: rel}}, nil
	}
	st, err := s.PullStatus()
	if err != nil {
		return tree{}, nil, err
	}
	if !st.Pulled() {
		return tree{}, nil, &NotPulledError{Source: src.Name(), Cache: st.Cache, Missing: st.Missing}
	}
	var files []dataFile
	expanded, _ := src.Expand(st.Lock)
	for _, f := range expanded {
		if s.Data.Path != "" && f.Path != s.Data.Path {
			continue
		}
		rel, ok := localPath(f.Path)
		if !ok {
			return tree{}, nil, refuse("%q is not beneath the data cache's entry", f.Path)
		}
		want, from := st.Lock.Want(f)
		files = append(files, dataFile{rel: rel, want: want, from: from})
	}
	if len(files) == 0 {
		return tree{}, nil, fmt.Errorf("data.path %q is not one of data.source.files", s.Data.Path)
	}
	return diskTree(st.Entry, dataCacheDir), files, nil
}

// warnings returns what the data read allows but is likely a mistake.
func (r *recordReader) warnings() Errors {
	s := r.suite
	var out Errors
	if s.noGold && s.Agent.Environment == nil { // an environment's judge grades what a sample did, not an answer
		out = append(out, s.Errorf(yamlPath("data", "fields", "answer"),
			"data.fields.answer is empty: the samples have no gold answer, so no judge can grade them (realx run records each as an input error, without asking the model)"))
	}
	for i, f := range s.Data.Fields.Images {
		if r.records > 0 && !r.imageFields[f] {
			out = append(out, s.Errorf(yamlPath("data", "fields", "images", strconv.Itoa(i)),
				"data.fields.images[%d]: no record has the field %q, so no image comes from it", i, f))
		}
	}
	return out
}

// MaxRenderErrors is how many samples whose prompt cannot be rendered Samples lists, each at
// its line; the rest are counted.
const MaxRenderErrors = 3

// CanReadData reports whether the suite's data section loaded without a problem, so that
// Samples reads the records as the suite means them. A caller that reports every problem of a
// suite reads its data only then: with a misspelt field mapping, every record would be wrong.
func (s *Suite) CanReadData() bool {
	return !s.dataBroken && (s.Data.Path != "" || s.Data.Source != nil) && slices.Contains(formats, s.Data.Format)
}

// read reads every record of r.data in format; fix says how to name the format.
func (r *recordReader) read(format, fix string) {
	switch format {
	case "jsonl":
		r.readJSONL()
	case "json":
		r.readJSON()
	case "csv":
		r.readCSV()
	case "tsv":
		r.readTSV()
	case "parquet":
		r.readParquet()
	default:
		r.errorf(0, "cannot tell the data format: %s to one of %s", fix, strings.Join(formats, ", "))
	}
}

// Record is one record of a data file as decoded, before any field mapping. Numbers are
// json.Number (CSV cells are strings).
type Record struct {
	Value map[string]any
	// Key is the record's key in a JSON object of records; empty otherwise.
	Key string
	// Line is the record's line in the file.
	Line int
}

// ReadRecords reads every record of a JSONL, JSON (an array, or an object of records by id),
// CSV, TSV or Parquet file on disk; format is taken from the extension when empty. Every bad record is
// reported at its line in an Errors value.
func ReadRecords(file, format string) ([]Record, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
	}
	var out []Record
	r := &recordReader{file: file, data: data}
	r.emit = func(v any, key string, line int) {
		rec, ok := v.(map[string]any)
		if !ok {
			r.errorf(line, "record is not an object: got %s", jsonKind(v))
			return
		}
		out = append(out, Record{Value: rec, Key: key, Line: line})
	}
	r.read(format, "name the file .jsonl, .json, .csv, .tsv or .parquet")
	if r.records == 0 && len(r.errs) == 0 {
		r.errorf(0, "no records")
	}
	return out, r.errs.Err()
}

// Text returns a record's scalar value as text: a string as is, a number as written, a bool as
// true or false, null as "". ok is false for lists and objects.
func Text(v any) (string, bool) {
	return scalarText(v)
}

// imageDir returns the tree images are read from and the directory relative image paths
// resolve against within it: data.image_root, else the directory of the data file (dataFile,
// a local path in t, the tree the data is read from: the suite's, or its entry in the data
// cache). (SetImageRoot's directory, when set, overrides it: ImageRef.location.) On disk the
// tree's directory is made absolute, so that a missing image's error names the whole path.
func (s *Suite) imageDir(t tree, dataFile string) (tree, string) {
	base := path.Dir(dataFile)
	if s.Data.ImageRoot != "" {
		base, _ = localPath(s.Data.ImageRoot) // validate refused a root that is not beneath the suite
	}
	if t.fsys == nil {
		if abs, err := filepath.Abs(t.dir); err == nil {
			t.dir = abs
		}
	}
	return t, base
}

// recordReader turns the records of a suite's data files into samples, collecting every
// problem.
type recordReader struct {
	suite *Suite
	// fm is the suite's field map, with the defaults of the format read (VLMEvalKit's columns
	// for tsv) filled in.
	fm      FieldMap
	file    string
	data    []byte
	newline []int // offsets of the '\n's of data, for lineOf
	errs    Errors
	samples []Sample
	seen    map[string]place // id → the place of its first record
	line    int              // the line of the record being read
	records int              // records met, good or bad
	// emit, when set, receives each record as decoded instead of mapping it onto a sample.
	emit func(v any, key string, line int)
	// render says whether each sample is tried in the suite's prompt; renderFails counts
	// those that fail.
	render      bool
	renderFails int
	// imageFields holds the image fields met in some record.
	imageFields map[string]bool
	// options are the option columns (A, B, …) of a TSV file, which give a sample's choices
	// when data.fields.choices is left out.
	options []string
	images  struct {
		tree tree
		base string
	}
}

func (r *recordReader) errorf(line int, format string, args ...any) {
	r.errs = append(r.errs, &Error{File: r.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// lineOf returns the 1-based line of byte offset off.
func (r *recordReader) lineOf(off int64) int {
	if r.newline == nil {
		r.newline = []int{}
		for i, c := range r.data {
			if c == '\n' {
				r.newline = append(r.newline, i)
			}
		}
	}
	n, _ := slices.BinarySearch(r.newline, int(off))
	return n + 1
}

var bom = []byte("\xef\xbb\xbf")

// readJSONL reads one JSON object a line; blank lines are skipped.
func (r *recordReader) readJSONL() {
	rest := bytes.TrimPrefix(r.data, bom)
	for n := 1; len(rest) > 0; n++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r.records++
		v, err := decodeJSON(line)
		if err != nil {
			r.errorf(n, "invalid JSON: %v", err)
			continue
		}
		r.record(v, "", false, n)
	}
}

// decodeJSON decodes one JSON value, keeping numbers as json.Number.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the value")
	}
	return v, nil
}

// readJSON reads an array of records, or an object of records by id (MathVista's
// testmini.json), in file order, streaming through the tokens.
func (r *recordReader) readJSON() {
	data := bytes.TrimPrefix(r.data, bom)
	skip := int64(len(r.data) - len(data))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// start returns the offset in r.data of the next value, past white space and a comma.
	start := func() int64 {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
			off++
		}
		return off + skip
	}
	fail := func(err error) {
		off := start()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset + skip
		}
		r.errorf(r.lineOf(off), "invalid JSON: %v", err)
	}

	tok, err := dec.Token()
	if err != nil {
		fail(err)
		return
	}
	keyed := tok == json.Delim('{')
	if !keyed && tok != json.Delim('[') {
		r.errorf(r.lineOf(start()), "expected an array of records or an object of records by id")
		return
	}
	for dec.More() {
		at := start()
		key := ""
		if keyed {
			tok, err := dec.Token()
			if err != nil {
				fail(err)
				return
			}
			key, _ = tok.(string)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			fail(err)
			return
		}
		r.records++
		r.record(v, key, keyed, r.lineOf(at))
	}
	if _, err := dec.Token(); err != nil { // the closing ] or }
		fail(err)
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		r.errorf(r.lineOf(start()), "invalid JSON: unexpected data after the records")
	}
}

// readCSV reads a header row and one record a row. A cell that starts with "[" and parses
// as a JSON array is a list.
func (r *recordReader) readCSV() {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.data, bom)))
	header, _, ok := r.header(cr)
	if !ok {
		return
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		r.records++
		if err != nil {
			r.csvError(err)
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			return
		}
		line, _ := cr.FieldPos(0)
		rec := make(map[string]any, len(header))
		for i, cell := range row {
			rec[header[i]] = csvCell(cell)
		}
		r.record(rec, "", false, line)
	}
}

// header reads the header row of a CSV or TSV file: the columns' names, and each name's
// column (the first, when a name repeats, which is reported). ok is false when there is none.
func (r *recordReader) header(cr *csv.Reader) (names []string, first map[string]int, ok bool) {
	names, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		r.errorf(0, "no header row")
		return nil, nil, false
	case err != nil:
		r.csvError(err)
		return nil, nil, false
	}
	first = map[string]int{}
	for i, h := range names {
		if j, dup := first[h]; dup {
			r.errorf(1, "column %d repeats the name %q of column %d", i+1, h, j+1)
			continue
		}
		first[h] = i
	}
	return names, first, true
}

func (r *recordReader) csvError(err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		r.errorf(pe.StartLine, "invalid CSV: %v", pe.Err)
		return
	}
	r.errorf(0, "invalid CSV: %v", err)
}

// csvCell returns a CSV cell as a JSON array when it is one, else as the string it is.
func csvCell(cell string) any {
	if strings.HasPrefix(strings.TrimSpace(cell), "[") {
		if v, err := decodeJSON([]byte(cell)); err == nil {
			if list, ok := v.([]any); ok {
				return list
			}
		}
	}
	return cell
}

// record maps one decoded record onto a sample, or reports why it cannot. key is the record's
// key in a JSON object of records (keyed).
func (r *recordReader) record(v any, key string, keyed bool, line int) {
	if r.emit != nil {
		r.emit(v, key, line)
		return
	}
	rec, ok := v.(map[string]any)
	if !ok {
		r.errorf(line, "record is not an object: got %s", jsonKind(v))
		return
	}
	// The id comes first: the record's other problems are reported under it.
	id, err := r.id(rec, key, keyed)
	if err != nil {
		r.errorf(line, "%v", err)
		return
	}
	if first, dup := r.seen[id]; dup {
		if first.file != r.file {
			r.errorf(line, "duplicate id %q (first at %s:%d)", id, first.file, first.line)
		} else {
			r.errorf(line, "duplicate id %q (first at line %d)", id, first.line)
		}
		return
	}
	r.seen[id] = place{r.file, line}
	r.line = line

	sm, errs := r.sample(rec, keyed)
	sm.ID, sm.Source = id, fmt.Sprintf("%s:%d", r.file, line)
	for _, err := range errs {
		r.errorf(line, "sample %q: %v", id, err)
	}
	if len(errs) > 0 {
		return
	}
	if r.render {
		// Every prompt the suite has, the default's and each protocol's.
		for _, protocol := range r.suite.promptProtocols() {
			if _, err := r.suite.RenderFor(&sm, protocol); err != nil {
				if r.renderFails++; r.renderFails <= MaxRenderErrors {
					r.errorf(line, "%v", err)
				}
				return
			}
		}
	}
	r.samples = append(r.samples, sm)
}

// id returns a record's id: its number in file order (IndexID), its key in a JSON object of
// records, or the text of its id field.
func (r *recordReader) id(rec map[string]any, key string, keyed bool) (string, error) {
	fm := r.fm
	switch {
	case fm.ID == IndexID:
		return strconv.Itoa(r.records - 1), nil
	case fm.ID == "" && keyed:
		return key, nil
	}
	field := cmp.Or(fm.ID, "id")
	v, ok := lookup(rec, field)
	id, isText := scalarText(v)
	switch {
	case !ok || v == nil:
		return "", fmt.Errorf("missing id field %q", field)
	case !isText:
		return "", fmt.Errorf("id field %q: expected a string or number, got %s", field, jsonKind(v))
	case id == "":
		return "", fmt.Errorf("id field %q is empty", field)
	}
	return id, nil
}

// sample maps a record's fields, but its id, onto a Sample, with every problem found.
func (r *recordReader) sample(rec map[string]any, keyed bool) (Sample, []error) {
	fm := r.fm
	var sm Sample
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	qField := cmp.Or(fm.Question, "question")
	q, ok := lookup(rec, qField)
	var isText bool
	switch sm.Question, isText = scalarText(q); {
	case !ok || q == nil:
		check(fmt.Errorf("missing question field %q", qField))
	case !isText:
		check(fmt.Errorf("question field %q: expected a string, got %s", qField, jsonKind(q)))
	}

	answerErrs := len(errs)
	var answers []string
	var err error
	if !r.suite.noGold {
		answers, err = textList(field(rec, cmp.Or(fm.Answer, "answer")))
		check(err)
	}
	alt := field(rec, fm.Alternatives)
	if str, ok := alt.v.(string); ok {
		alt.v = csvCell(str) // a list written as a JSON string (MMSearch-R1's candidate_answers)
	}
	alternatives, err := textList(alt)
	check(err)
	answers = splitAnswers(append(answers, alternatives...), fm.AnswerSeparator)
	if len(answers) > 0 {
		sm.Answer = answers[0]
	}
	if len(answers) > 1 {
		sm.Alternatives = answers[1:]
	}
	if len(errs) == answerErrs && !r.suite.noGold && len(sm.Answers()) == 0 {
		check(fmt.Errorf("no gold answer: %s (a record without one cannot be graded; a suite whose records carry none maps data.fields.answer to \"\")",
			describeField(rec, cmp.Or(fm.Answer, "answer"))))
	}

	if fm.Choices == "" && r.options != nil {
		sm.Choices, err = optionColumns(rec, r.options)
	} else {
		sm.Choices, err = choiceList(field(rec, fm.Choices))
	}
	check(err)

	imageErrs, present := len(errs), false
	for _, f := range fm.Images {
		if _, ok := lookup(rec, f); ok {
			present = true
			if r.imageFields == nil {
				r.imageFields = map[string]bool{}
			}
			r.imageFields[f] = true
		}
		refs, err := imageList(field(rec, f))
		check(err)
		for i, ref := range refs {
			img := ImageRef{Ref: ref.ref, tree: r.images.tree, base: r.images.base, suite: r.suite}
			if ref.inline != nil {
				img.Ref = fmt.Sprintf("%s[%d] of the record at %s:%d (%d bytes)", f, i, filepath.Base(r.file), r.line, len(ref.inline))
				img.inline = ref.inline
			}
			if err := img.confined(); err != nil {
				check(fmt.Errorf("image field %q: %q: %w", f, shorten(ref.ref, 80), err))
				continue
			}
			sm.Images = append(sm.Images, img)
		}
	}
	// A record without its image fields has no image on purpose; one whose field is there
	// but empty ("", null, []) has likely lost it.
	if present && len(sm.Images) == 0 && len(errs) == imageErrs && !r.suite.Data.ImagesOptional {
		what := describeField(rec, fm.Images[0])
		if len(fm.Images) > 1 {
			what = fmt.Sprintf("none of the image fields %s holds one", quoteList(fm.Images))
		}
		check(fmt.Errorf("no image: %s (set data.images_optional: true when some samples have none)", what))
	}

	sm.Capability = r.suite.Data.Capability
	parts, err := textList(field(rec, fm.Capability))
	check(err)
	if len(parts) > 0 {
		sm.Capability = strings.Join(parts, "+")
	} else if len(fm.CapabilityFlags) > 0 {
		flags, err := capabilityFlags(rec, fm.CapabilityFlags)
		check(err)
		if flags != "" {
			sm.Capability = flags
		}
	}
	if name, ok := r.suite.Data.CapabilityNames[sm.Capability]; ok {
		sm.Capability = name
	}
	if s := r.suite; sm.Capability != "" && len(s.Capabilities) > 0 && !s.knowsCapability(sm.Capability) {
		check(fmt.Errorf("capability %q is not one of the suite's capabilities (%s)", sm.Capability, s.capabilityList()))
	}

	sm.Metadata = r.metadata(rec, keyed)
	return sm, errs
}

// splitAnswers splits each answer at sep (none when sep is empty), trimmed, without empty
// parts.
func splitAnswers(answers []string, sep string) []string {
	if sep == "" {
		return answers
	}
	var out []string
	for _, a := range answers {
		for _, part := range strings.Split(a, sep) {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// capabilityFlags returns the "+" join of the flag fields set in rec (1, true; 0, false, null
// and a missing field are unset).
func capabilityFlags(rec map[string]any, fields []string) (string, error) {
	var set []string
	for _, f := range fields {
		v, _ := lookup(rec, f)
		text, ok := scalarText(v)
		switch {
		case !ok:
			return "", fmt.Errorf("capability flag %q: expected 0 or 1, got %s", f, jsonKind(v))
		case text == "1" || text == "true" || text == "1.0":
			set = append(set, f[strings.LastIndexByte(f, '.')+1:])
		case text == "0" || text == "false" || text == "0.0" || text == "":
		default:
			return "", fmt.Errorf("capability flag %q: expected 0 or 1, got %s", f, jsonKind(v))
		}
	}
	return strings.Join(set, "+"), nil
}

// fieldValue is a record's value at a field path, and the path, for messages; a path that is
// not mapped ("") or not in the record gives nil.
type fieldValue struct {
	v    any
	name string
}

// field looks up the field path name in a record.
func field(rec map[string]any, name string) fieldValue {
	if name == "" {
		return fieldValue{}
	}
	v, _ := lookup(rec, name)
	return fieldValue{v, name}
}

// metadata gathers a record's metadata: the listed fields, or every top-level field that no
// other Sample field is read from.
func (r *recordReader) metadata(rec map[string]any, keyed bool) map[string]any {
	fm := r.fm
	md := map[string]any{}
	if len(fm.Metadata) > 0 {
		for _, p := range fm.Metadata {
			v, ok := lookup(rec, p)
			if !ok {
				continue
			}
			if m, isMap := v.(map[string]any); isMap {
				for k, x := range m {
					md[k] = x
				}
				continue
			}
			md[p[strings.LastIndexByte(p, '.')+1:]] = v
		}
		return md
	}
	mapped := []string{cmp.Or(fm.Question, "question"), cmp.Or(fm.Answer, "answer"), fm.Alternatives, fm.Choices, fm.Capability}
	if fm.ID != IndexID && !(fm.ID == "" && keyed) {
		mapped = append(mapped, cmp.Or(fm.ID, "id"))
	}
	mapped = append(mapped, fm.Images...)
	if fm.Choices == "" {
		mapped = append(mapped, r.options...)
	}
	for k, v := range rec {
		if !slices.Contains(mapped, k) && !isBinary(v) {
			md[k] = v
		}
	}
	return md
}

// lookup finds the value at a dotted path in a record: "metadata.task", "images.0". A key
// that itself holds dots ("img.path") is found as it is.
func lookup(v any, path string) (any, bool) {
	for {
		switch x := v.(type) {
		case map[string]any:
			if val, ok := x[path]; ok {
				return val, true
			}
			head, rest, more := strings.Cut(path, ".")
			val, ok := x[head]
			if !ok || !more {
				return nil, false
			}
			v, path = val, rest
		case []any:
			head, rest, more := strings.Cut(path, ".")
			i, err := strconv.Atoi(head)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			if !more {
				return x[i], true
			}
			v, path = x[i], rest
		default:
			return nil, false
		}
	}
}

// scalarText returns a scalar as text: a string as it is, a number as its literal text ("27.0"
// stays "27.0"), a boolean as "true" or "false", null as "". It reports false for a list or
// an object.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// textList returns a scalar or a list of scalars as texts (null as none).
func textList(f fieldValue) ([]string, error) {
	if f.v == nil {
		return nil, nil
	}
	if s, ok := scalarText(f.v); ok {
		return []string{s}, nil
	}
	list, ok := f.v.([]any)
	if !ok {
		return nil, fmt.Errorf("field %q: expected a string, a number or a list of them, got %s", f.name, jsonKind(f.v))
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := scalarText(item)
		if !ok || item == nil {
			return nil, fmt.Errorf("field %q: item %d: expected a string or a number, got %s", f.name, i, jsonKind(item))
		}
		out = append(out, s)
	}
	return out, nil
}

// choiceList returns the options of a multiple-choice question: a list of strings or numbers,
// or such a list written as a JSON string (as in a CSV cell); null and "" are none.
func choiceList(f fieldValue) ([]string, error) {
	if str, ok := f.v.(string); ok {
		if strings.TrimSpace(str) == "" {
			return nil, nil
		}
		f.v = csvCell(str)
	}
	switch f.v.(type) {
	case nil, []any:
		return textList(f)
	}
	return nil, fmt.Errorf("choices field %q: expected a list of strings or numbers, got %s", f.name, jsonKind(f.v))
}

// imageItem is one image of an image field: a reference, or the bytes of an image embedded in
// the data (a Parquet file's binary column, or a Hugging Face Image struct).
type imageItem struct {
	ref    string
	inline []byte
}

// imageList returns an image field's images: a string, embedded bytes, or a list of them;
// null and "" are none.
func imageList(f fieldValue) ([]imageItem, error) {
	one := func(v any) (imageItem, bool) {
		switch x := v.(type) {
		case string:
			return imageItem{ref: strings.TrimSpace(x)}, true
		case binaryValue:
			return imageItem{inline: []byte(x)}, true
		case embeddedImage:
			if x.data == nil {
				return imageItem{ref: strings.TrimSpace(x.path)}, true
			}
			return imageItem{inline: x.data}, true
		}
		return imageItem{}, false
	}
	switch x := f.v.(type) {
	case nil:
		return nil, nil
	case []any:
		var out []imageItem
		for i, item := range x {
			img, ok := one(item)
			if !ok {
				return nil, fmt.Errorf("image field %q: item %d: expected a string, got %s", f.name, i, jsonKind(item))
			}
			if img.ref == "" && img.inline == nil {
				return nil, fmt.Errorf("image field %q: item %d is empty", f.name, i)
			}
			out = append(out, img)
		}
		return out, nil
	}
	img, ok := one(f.v)
	if !ok {
		return nil, fmt.Errorf("image field %q: expected a string or a list of strings, got %s", f.name, jsonKind(f.v))
	}
	if img.ref == "" && img.inline == nil {
		return nil, nil
	}
	return []imageItem{img}, nil
}

// describeField says why a record's field gives no value: it is missing, null or empty.
func describeField(rec map[string]any, name string) string {
	v, ok := lookup(rec, name)
	switch {
	case !ok:
		return fmt.Sprintf("field %q is missing", name)
	case v == nil:
		return fmt.Sprintf("field %q is null", name)
	}
	return fmt.Sprintf("field %q is empty", name)
}

// quoteList writes names quoted, separated by commas.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// jsonKind names the kind of a decoded JSON value, for messages.
func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + strconv.Quote(shorten(x, 40))
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case binaryValue:
		return fmt.Sprintf("binary data (%d bytes)", len(x))
	case embeddedImage:
		return "an embedded image"
	}
	return fmt.Sprintf("%T", v)
}
