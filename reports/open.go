package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// LockFile is the lock file of a run directory (LockRun).
const LockFile = ".realx.lock"

// RunDir is a run directory opened to write a run into: its manifest, its log open for
// appending, and an index of the records it holds.
type RunDir struct {
	Dir string
	// Manifest is the run's: the one found in the directory when the run is resumed.
	Manifest *Manifest
	Log      *Writer
	Index    *Index
	// Resumed is set when the directory held the run already.
	Resumed bool
	// Cut is the torn last line OpenRun cut off the log, nil when there was none.
	Cut *TornTail
}

// Path returns the path of the run's results log.
func (d *RunDir) Path() string { return filepath.Join(d.Dir, ResultsFile) }

// OtherRunError is OpenRun's refusal of a directory that holds another run.
type OtherRunError struct {
	Dir string
	// Diff lists how the runs differ (RunDiff); Command is the other run's command line,
	// without credentials in its URLs.
	Diff, Command []string
}

// Error says which directory holds which other run.
func (e *OtherRunError) Error() string {
	return fmt.Sprintf("%s holds another run (%s)", e.Dir, strings.Join(e.Diff, "; "))
}

// DamagedLogError is OpenRun's refusal of a log with a line that cannot be read, other than a
// torn last line: resuming over it would run its sample again and bury what the line held.
type DamagedLogError struct {
	// First is the first such line; Lines counts the lines of the log that cannot be read.
	First *SyntaxError
	Lines int
}

// Error names the log and its first line that cannot be read.
func (e *DamagedLogError) Error() string {
	more := ""
	if e.Lines > 1 {
		more = fmt.Sprintf(" (%d lines of it cannot be read)", e.Lines)
	}
	return fmt.Sprintf("%v: the results log is damaged%s", e.First, more)
}

// ManifestError is OpenRun's error for a manifest that cannot be read.
type ManifestError struct{ Err error }

// Error returns the manifest's problem.
func (e *ManifestError) Error() string { return e.Err.Error() }

// Unwrap returns the manifest's problem.
func (e *ManifestError) Unwrap() error { return e.Err }

// The other refusals of OpenRun.
var (
	// ErrNoManifest: the directory has a results log but no manifest.
	ErrNoManifest = errors.New("has a results log but no " + ManifestFile)
	// ErrNoRun: the directory holds no run, and OpenRun was told to resume one.
	ErrNoRun = errors.New("holds no run")
)

// OpenRun opens the run directory dir for the run m describes. A directory with no run gets
// m and a new log (unless resumeOnly, which refuses it: ErrNoRun); a directory holding the
// same run (RunDiff; a manifest written before base URLs were recorded without credentials
// compares as if it had been) is resumed, keeping its manifest; any other is refused
// (*OtherRunError), so that two runs never share one log, as is a log without a manifest
// (ErrNoManifest). A log with a line that cannot be read, but for a torn last line, is
// refused (*DamagedLogError) and left as it is; a torn last line, the record a killed run was
// writing, is cut off (RunDir.Cut says so).
func OpenRun(dir string, m *Manifest, resumeOnly bool) (*RunDir, error) {
	d := &RunDir{Dir: dir, Manifest: m}
	prev, err := ReadManifest(dir)
	switch {
	case err == nil:
		cmp := *prev
		cmp.Model.BaseURL = runners.RedactURL(prev.Model.BaseURL)
		if diff := RunDiff(&cmp, m, true); len(diff) > 0 {
			return nil, &OtherRunError{Dir: dir, Diff: diff, Command: runners.RedactArgs(prev.Command)}
		}
		d.Manifest, d.Resumed = prev, true
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Lstat(filepath.Join(dir, ResultsFile)); serr == nil {
			return nil, ErrNoManifest
		}
		if resumeOnly {
			return nil, ErrNoRun
		}
		if err := WriteManifest(dir, m); err != nil {
			return nil, err
		}
	default:
		return nil, &ManifestError{Err: err}
	}
	path := d.Path()
	// The log is read before it is opened for writing, so that a damaged one is left as it is.
	if d.Resumed {
		if _, err := os.Stat(path); err == nil {
			if d.Index, err = indexRun(path); err != nil {
				return nil, err
			}
		}
	}
	if d.Log, err = OpenLog(path); err != nil {
		return nil, err
	}
	if d.Cut = d.Log.Cut(); d.Cut != nil || d.Index == nil {
		if d.Index, err = indexRun(path); err != nil {
			d.Log.Close()
			return nil, err
		}
	}
	return d, nil
}

// indexRun indexes the results log at path for a resumed run: a line that cannot be read,
// other than a torn last line (which OpenLog drops), is a *DamagedLogError.
func indexRun(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var bad BadLines
	ix, err := IndexLog(f, path, bad.Add)
	if err != nil {
		return nil, err
	}
	if se := bad.Damaged(); se != nil {
		return nil, &DamagedLogError{First: se, Lines: bad.Len()}
	}
	return ix, nil
}

// HoldsRun returns the file that makes dir hold a run already (its manifest or its results
// log, a symbolic link by either name included), or "" when it holds none.
func HoldsRun(dir string) string {
	for _, f := range []string{ManifestFile, ResultsFile} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return f
		}
	}
	return ""
}

// IsRun reports whether dir is a run directory: it has a manifest.
func IsRun(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ManifestFile))
	return err == nil
}

// ExpandRuns replaces each argument that is not a run directory (it has no manifest) by the run
// directories directly inside it, in name order: `realx merge runs/qwen/math500` takes the
// shard-I-of-N directories a sharded run writes there, or the artifacts a CI job downloaded,
// with no shell to expand a pattern. Hidden directories (an unfinished rejudge's) are not runs.
// A run directory that also holds runs — the default directory of a run of the whole suite
// holds its shards' — is refused unless one of those runs is named too: merging it alone, or
// with its shards, is for the user to say.
func ExpandRuns(args []string) ([]string, error) {
	named := map[string]bool{}
	for _, arg := range args {
		named[filepath.Clean(arg)] = true
	}
	var dirs []string
	for _, arg := range args {
		subs, err := runsIn(arg)
		if IsRun(arg) {
			if len(subs) > 0 && !slices.ContainsFunc(subs, func(s string) bool { return named[filepath.Clean(s)] }) {
				names := make([]string, len(subs))
				for i, s := range subs {
					names[i] = filepath.Base(s)
				}
				pattern := filepath.Join(arg, "*")
				if strings.HasPrefix(names[0], "shard-") {
					pattern = filepath.Join(arg, "shard-*")
				}
				return nil, fmt.Errorf("%s is a run, and holds other runs too (%s); name what to merge: %s (the runs inside it), or %s %s (it with them)",
					arg, strings.Join(names, ", "), pattern, arg, pattern)
			}
			dirs = append(dirs, arg)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s is not a run directory: %w", arg, err)
		}
		if len(subs) == 0 {
			return nil, fmt.Errorf("%s holds no run (no %s in it or in its directories)", arg, ManifestFile)
		}
		dirs = append(dirs, subs...)
	}
	return dirs, nil
}

// runsIn returns the run directories directly inside dir, in name order, hidden ones left out.
func runsIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && IsRun(sub) {
			runs = append(runs, sub)
		}
	}
	return runs, nil
}

// OutputFile is a file written under a temporary name beside its path, and renamed to it by
// Commit: a command that fails leaves what was there before, and a command may write over a
// file it reads (realx judge --in X --out X). The temporary name is random and the file created
// exclusively, and the rename replaces a symbolic link at path rather than writing through it.
// A path that exists and is not a regular file (/dev/stdout) is written directly.
type OutputFile struct {
	*os.File
	path string
	done bool
}

// CreateOutput starts writing path.
func CreateOutput(path string) (*OutputFile, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		return &OutputFile{File: f, path: path}, err
	}
	f, err := CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &OutputFile{File: f, path: path}, nil
}

// Commit closes the file and puts it in place.
func (o *OutputFile) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	if o.Name() == o.path {
		return o.Close()
	}
	// CreateTemp made it with the permissions the umask leaves.
	if err := o.Close(); err != nil {
		os.Remove(o.Name())
		return err
	}
	if err := os.Rename(o.Name(), o.path); err != nil {
		os.Remove(o.Name())
		return err
	}
	return nil
}

// Abort closes the file and removes it, unless it was committed.
func (o *OutputFile) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.Close()
	if o.Name() != o.path {
		os.Remove(o.Name())
	}
}

// ReadsFile returns the input (a results log, or a run directory's log or manifest) that is
// the file at path, or "" when none is: a report written there would overwrite what it reads.
func ReadsFile(inputs []string, path string) string {
	out, err := os.Stat(path)
	if err != nil {
		return ""
	}
	for _, in := range inputs {
		for _, p := range []string{in, filepath.Join(in, ResultsFile), filepath.Join(in, ManifestFile)} {
			if st, err := os.Stat(p); err == nil && os.SameFile(st, out) {
				return p
			}
		}
	}
	return ""
}
