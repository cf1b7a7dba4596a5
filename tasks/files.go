package tasks

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// tree is a directory that a suite's files are confined beneath: the suite file's directory
// (on disk, or in the fs.FS of the embedded benchmarks), or the directory given by
// `--image-root`. Every file a suite names (its data file, its images, its judge's template
// file) is opened through the tree that holds it, by a path relative to the tree's directory
// that may not climb above it. On disk the file is opened through os.Root, so that a symlink
// out of the directory is not followed either.
type tree struct {
	fsys fs.FS  // nil: the disk
	dir  string // on disk, an operating-system path; in fsys, a slash-separated valid path
	what string // what the directory is, for messages: "the suite's directory"
}

// Names of trees in messages.
const (
	suiteDir     = "the suite's directory"
	imageRoot    = "the image root (--image-root)"
	dataCacheDir = "the data cache's entry"
)

// diskTree returns the tree of directory dir on disk; what says what it is.
func diskTree(dir, what string) tree { return tree{dir: dir, what: what} }

// where names t's directory in messages: "the suite's directory (/data/suite)".
func (t tree) where() string {
	if t.what == "" {
		return t.dir
	}
	return fmt.Sprintf("%s (%s)", t.what, t.dir)
}

// ErrOutside is the cause of every path a suite may not read: an absolute path, a "../" or a
// symlink that leads out of the directories a suite's files are confined beneath, or a file://
// URL. errors.Is(err, ErrOutside) holds for such a problem.
var ErrOutside = errors.New("outside the directories a suite may read")

// outside is a path refused because it leads out of the directories a suite may read: why, in
// a sentence, with ErrOutside as its cause.
type outside struct{ why string }

func (e *outside) Error() string { return e.why }
func (e *outside) Unwrap() error { return ErrOutside }

// refuse returns a problem with a path that leads out of the directories a suite may read.
func refuse(format string, args ...any) error { return &outside{fmt.Sprintf(format, args...)} }

// localPath returns p, a relative path written with slashes (or the operating system's
// separators), cleaned and in slash form, when it stays beneath the directory it is relative
// to: it is not absolute and no "../" climbs above its start. ok is false otherwise.
func localPath(p string) (clean string, ok bool) {
	if p == "" || path.IsAbs(p) || filepath.IsAbs(p) || !filepath.IsLocal(filepath.FromSlash(p)) {
		return "", false
	}
	return path.Clean(filepath.ToSlash(p)), true
}

// joinLocal returns name, written relative to base (a local path within a tree), as a local path
// within the tree; ok is false when name is absolute or climbs above the tree's directory.
func joinLocal(base, name string) (string, bool) {
	if name == "" || path.IsAbs(name) || filepath.IsAbs(name) {
		return "", false
	}
	return localPath(path.Join(base, filepath.ToSlash(name)))
}

// name returns the name of rel, a local path within t, as messages and Dataset.Path give it:
// an operating-system path on disk, a slash-separated path in an fs.FS.
func (t tree) name(rel string) string {
	if t.fsys != nil {
		return path.Join(t.dir, rel)
	}
	return filepath.Join(t.dir, filepath.FromSlash(rel))
}

// open opens rel, a local path within t.
func (t tree) open(rel string) (io.ReadCloser, error) {
	if t.fsys != nil {
		return t.fsys.Open(t.name(rel))
	}
	f, err := os.OpenInRoot(t.dir, filepath.FromSlash(rel))
	if err != nil {
		return nil, t.failed("open", rel, err)
	}
	return f, nil
}

// stat returns what rel, a local path within t, is, following symlinks within t.
func (t tree) stat(rel string) (fs.FileInfo, error) {
	if t.fsys != nil {
		return fs.Stat(t.fsys, t.name(rel))
	}
	root, err := os.OpenRoot(t.dir)
	if err != nil {
		return nil, t.failed("stat", rel, err)
	}
	defer root.Close()
	st, err := root.Stat(filepath.FromSlash(rel))
	if err != nil {
		return nil, t.failed("stat", rel, err)
	}
	return st, nil
}

// readAll reads the whole of rel, a local path within t.
func (t tree) readAll(rel string) ([]byte, error) {
	f, err := t.open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// failed words an error of os.Root about rel as os.Open's would be ("open /data/x.jsonl: no
// such file or directory"), and its refusal of a path that a symlink leads out of the root as
// a problem that says so, with ErrOutside as its cause. (os.Root does not export that error:
// its text is what tells.)
func (t tree) failed(op, rel string, err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	if pe.Err.Error() == "path escapes from parent" {
		return refuse("%s leads out of %s through a symlink, which is not followed", t.name(rel), t.where())
	}
	return &fs.PathError{Op: op, Path: t.name(rel), Err: pe.Err}
}

// within returns abs, an absolute operating-system path, as a local path within t, a tree on
// disk; ok is false when it is not beneath t's directory (as written, or with its symlinks
// resolved) or t is in an fs.FS.
func (t tree) within(abs string) (string, bool) {
	if t.fsys != nil || t.dir == "" {
		return "", false
	}
	dir, err := filepath.Abs(t.dir)
	if err != nil {
		return "", false
	}
	dirs := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		dirs = append(dirs, real)
	}
	for _, d := range dirs {
		if rel, err := filepath.Rel(d, filepath.Clean(abs)); err == nil {
			if clean, ok := localPath(rel); ok {
				return clean, true
			}
		}
	}
	return "", false
}

// isURL reports whether ref is an http(s) URL.
func isURL(ref string) bool {
	lower := strings.ToLower(ref)
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}

// isFileURL reports whether ref is a file: URL, which a suite may not use.
func isFileURL(ref string) bool {
	return len(ref) >= 5 && strings.EqualFold(ref[:5], "file:")
}
