package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Writer appends Results to a results log, one JSON line each. Each record reaches the file in a
// single write, so a process killed at any moment leaves whole lines and at most one torn last
// line, which OpenLog cuts off. Writer is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	f   *os.File
	buf bytes.Buffer
	n   int
	// cut is the torn last line OpenLog cut off, nil when there was none.
	cut *TornTail
}

// TornTail is the last line of a results log that had no newline when OpenLog opened it: a
// record whose write was cut short when a run was killed. OpenLog cuts it off.
type TornTail struct {
	// Line is its line number, from 1; Bytes its length.
	Line  int
	Bytes int64
}

// OpenLog opens the results log at path for appending, creating it if needed. A torn last line
// left by a killed run is cut off first (Cut says so), so that resuming never reads half a
// record. Every write goes to the end of the file (O_APPEND), whatever else appends to it. A
// path that is a symbolic link is refused: the log is written only where it is.
func OpenLog(path string) (*Writer, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link: realx writes a results log only as a file of its own", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, FilePerm)
	if err != nil {
		return nil, err
	}
	cut, err := cutTornTail(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, err
	}
	return &Writer{f: f, cut: cut}, nil
}

// Cut returns the torn last line OpenLog cut off the log, or nil.
func (w *Writer) Cut() *TornTail { return w.cut }

// CreateLog creates the results log at path, which must not exist (a symbolic link there, even
// one to nothing, counts): a log is never written through a path someone else could plant.
func CreateLog(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FilePerm)
	if err != nil {
		return nil, err
	}
	return &Writer{f: f}, nil
}

// cutTornTail truncates f after its last newline, and returns what it cut, or nil.
func cutTornTail(f *os.File) (*TornTail, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, nil
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	end := size
	keep := int64(0)
	for end > 0 {
		start := max(end-chunk, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			keep = start + int64(i) + 1
			break
		}
		end = start
	}
	if keep == size {
		return nil, nil
	}
	lines, err := countLines(io.NewSectionReader(f, 0, keep))
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(keep); err != nil {
		return nil, err
	}
	return &TornTail{Line: lines + 1, Bytes: size - keep}, nil
}

// countLines returns the number of newlines r holds.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 64<<10)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Write appends r as one line.
func (w *Writer) Write(r *Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	if _, err := w.f.Write(w.buf.Bytes()); err != nil {
		return err
	}
	w.n++
	return nil
}

// Sync flushes the log to stable storage.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Sync()
}

// Close syncs and closes the log.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	serr := w.f.Sync()
	cerr := w.f.Close()
	return errors.Join(serr, cerr)
}

// SyntaxError is a malformed line of a results log. It is not fatal: a Reader goes on with the
// next line.
type SyntaxError struct {
	File string
	Line int
	Err  error
	// Torn marks the last line of a log that has no newline and is not a record: a write cut
	// short when the process writing it was killed. Any other malformed line means the log
	// was damaged.
	Torn bool
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *SyntaxError) Unwrap() error { return e.Err }

// Reader reads a results log record by record, in the manner of bufio.Scanner: Scan advances to
// the next line; then either Result or LineErr is set. A malformed line is a positioned,
// non-fatal LineErr; Err reports a failure of the underlying reader after Scan returns false.
type Reader struct {
	r      *bufio.Reader
	name   string
	line   int
	res    *Result
	lerr   *SyntaxError
	err    error
	closed bool
	// off is the number of bytes read so far; start and end delimit the last line read.
	off, start, end int64
	// mode says what Scan decodes: every field, or those of a lean read (decodeLean) into
	// scratch, repeated strings through intern.
	mode    leanMode
	scratch Result
	intern  interner
	// long holds a line longer than the buffer while it is read.
	long []byte
}

// NewReader returns a Reader of r; name is used in error positions.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 256<<10), name: name}
}

// Scan advances to the next non-blank line. It returns false at the end of input or on a read
// error.
func (rd *Reader) Scan() bool {
	rd.res, rd.lerr = nil, nil
	for !rd.closed {
		data, err := rd.readLine()
		if err != nil {
			rd.closed = true
			if !errors.Is(err, io.EOF) {
				rd.err = err
				return false
			}
		}
		if len(data) == 0 {
			continue
		}
		rd.line++
		rd.start, rd.off = rd.off, rd.off+int64(len(data))
		rd.end = rd.off
		data = bytes.TrimSpace(data)
		if len(data) == 0 {
			continue
		}
		// A last line without its newline that is not a record is a torn write.
		torn := err != nil
		if torn && data[len(data)-1] != '}' {
			rd.lerr = &SyntaxError{File: rd.name, Line: rd.line, Err: errTorn, Torn: true}
			return true
		}
		res := &rd.scratch
		var jerr error
		if rd.mode != fullRecords {
			jerr = decodeLean(data, res, rd.mode, rd.intern)
		} else {
			res = &Result{}
			jerr = json.Unmarshal(data, res)
		}
		if jerr != nil {
			if torn {
				jerr = errTorn
			}
			rd.lerr = &SyntaxError{File: rd.name, Line: rd.line, Err: jerr, Torn: torn}
			return true
		}
		if res.V == 0 || res.ID == "" {
			rd.lerr = &SyntaxError{File: rd.name, Line: rd.line, Err: errors.New("not a realx result record (no \"v\" or \"id\")")}
			return true
		}
		if res.V > SchemaVersion {
			rd.lerr = &SyntaxError{File: rd.name, Line: rd.line, Err: fmt.Errorf("record schema v%d is newer than this realx reads (v%d)", res.V, SchemaVersion)}
			return true
		}
		rd.res = res
		return true
	}
	return false
}

// readLine returns the next line, its newline included, valid until the next call; an error
// (io.EOF at the end) with the last line when it has no newline.
func (rd *Reader) readLine() ([]byte, error) {
	line, err := rd.r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	rd.long = append(rd.long[:0], line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = rd.r.ReadSlice('\n')
		rd.long = append(rd.long, line...)
	}
	if cap(rd.long) > 4<<20 {
		defer func() { rd.long = nil }() // a long line's buffer is not kept
	}
	return rd.long, err
}

// errTorn is the problem of a torn last line.
var errTorn = errors.New("incomplete record (torn write)")

// Result returns the record read by the last Scan, or nil when the line was malformed.
func (rd *Reader) Result() *Result { return rd.res }

// LineErr returns the problem with the line read by the last Scan, or nil.
func (rd *Reader) LineErr() error {
	if rd.lerr == nil {
		return nil
	}
	return rd.lerr
}

// Line returns the line number of the line read by the last Scan, from 1.
func (rd *Reader) Line() int { return rd.line }

// Span returns the byte offsets of the line read by the last Scan: from start up to end, its
// newline included.
func (rd *Reader) Span() (start, end int64) { return rd.start, rd.end }

// Err returns the read error that stopped Scan, if any.
func (rd *Reader) Err() error { return rd.err }

// BadLines collects the lines of results logs that could not be read, as IndexLog passes them
// to its warn function, so that a command can say how many there are and where, rather than
// read on as if they were not there. It is not safe for concurrent use.
type BadLines struct {
	lines []*SyntaxError
}

// Add takes one line that could not be read; it has the signature of IndexLog's warn.
func (b *BadLines) Add(err error) {
	var se *SyntaxError
	if !errors.As(err, &se) {
		se = &SyntaxError{Err: err}
	}
	b.lines = append(b.lines, se)
}

// Len returns how many lines could not be read.
func (b *BadLines) Len() int { return len(b.lines) }

// Damaged returns the first line that is not a torn last line (SyntaxError.Torn): a sign that
// the log was damaged rather than cut short. It returns nil when there is none.
func (b *BadLines) Damaged() *SyntaxError {
	for _, se := range b.lines {
		if !se.Torn {
			return se
		}
	}
	return nil
}

// shownBadLines is how many unreadable lines Warn gives with their problem, per log.
const shownBadLines = 3

// Warn writes to w, for each log in the order they were met, its first few unreadable lines
// with their problem, then how many lines of it could not be read, at which lines, and what
// became of them (fate: "they are left out of the report").
func (b *BadLines) Warn(w io.Writer, fate string) {
	var files []string
	byFile := map[string][]*SyntaxError{}
	for _, se := range b.lines {
		if _, ok := byFile[se.File]; !ok {
			files = append(files, se.File)
		}
		byFile[se.File] = append(byFile[se.File], se)
	}
	for _, file := range files {
		lines := byFile[file]
		for _, se := range lines[:min(len(lines), shownBadLines)] {
			fmt.Fprintln(w, "warning:", se)
		}
		nums := make([]string, 0, 10)
		for _, se := range lines[:min(len(lines), 10)] {
			nums = append(nums, strconv.Itoa(se.Line))
		}
		more := ""
		if len(lines) > len(nums) {
			more = " …"
		}
		what := "1 line"
		if len(lines) > 1 {
			what = fmt.Sprintf("%d lines", len(lines))
		}
		fmt.Fprintf(w, "warning: %s: %s could not be read (at line %s%s); %s\n", file, what, strings.Join(nums, ", "), more, fate)
	}
}
