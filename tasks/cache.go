package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DataCacheEnv names the environment variable that gives the data cache's directory when no
// --data-cache is given.
const DataCacheEnv = "REALX_DATA_CACHE"

// DefaultDataCache returns the directory of the data cache when none is given: the value of
// $REALX_DATA_CACHE (read with getenv), else realx/data in the user's cache directory
// (os.UserCacheDir: $XDG_CACHE_HOME, or ~/.cache, on Linux).
func DefaultDataCache(getenv func(string) string) (string, error) {
	if dir := getenv(DataCacheEnv); dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no data cache: %v; give --data-cache DIR or set %s", err, DataCacheEnv)
	}
	return filepath.Join(base, "realx", "data"), nil
}

// SetDataCache makes the suite read pulled data (data.source) from the data cache in dir
// instead of DefaultDataCache's. It must not be called while samples are read.
func (s *Suite) SetDataCache(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	s.dataCache = dir
}

// DataCache returns the directory the suite's pulled data is read from: SetDataCache's, else
// DefaultDataCache's.
func (s *Suite) DataCache() (string, error) {
	if s.dataCache != "" {
		return s.dataCache, nil
	}
	dir, err := DefaultDataCache(os.Getenv)
	if err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir, nil
}

// EntryDir returns the directory in the data cache cache that src's files are kept in, each
// at its path.
func EntryDir(cache string, src *DataSource) string {
	return filepath.Join(cache, filepath.FromSlash(src.Entry()))
}

// LockPath returns the lock file of src's cache entry: a file beside the entry's directory.
func LockPath(cache string, src *DataSource) string {
	return EntryDir(cache, src) + ".lock.json"
}

// Lock is what pulls record of a source's files, in a JSON file beside its cache entry
// (LockPath): the SHA-256 and size of each file as it was first pulled, so that later pulls
// and every run check the file against them when the suite pins no digest.
type Lock struct {
	// Source is the source's ID ("hf:owner/name@revision", or "url").
	Source string `json:"source"`
	// Commit is the commit the hub resolved a source's branch to when it was first pulled (its
	// X-Repo-Commit header), which later pulls must get too; "" for a source pinned at a
	// commit, or when the hub did not say.
	Commit string `json:"commit,omitempty"`
	// Files holds each pulled file by its path.
	Files map[string]LockedFile `json:"files"`
	// Globs holds, for each glob of the source, the paths of the repository's files that
	// matched it when it was first pulled, sorted.
	Globs map[string][]string `json:"globs,omitempty"`
}

// LockedFile is a pulled file as the lock records it.
type LockedFile struct {
	SHA256 string `json:"sha256"`
	// MD5 is the file's MD5, recorded with its SHA-256 (a suite may pin either).
	MD5  string `json:"md5,omitempty"`
	Size int64  `json:"size"`
	// URL is where the file came from, for a source of URLs.
	URL string `json:"url,omitempty"`
}

// ReadLock reads the lock file of src's entry in the data cache cache; a missing lock file
// is an empty Lock.
func ReadLock(cache string, src *DataSource) (*Lock, error) {
	l := &Lock{Source: src.ID(), Files: map[string]LockedFile{}}
	b, err := os.ReadFile(LockPath(cache, src))
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, l); err != nil {
		return nil, fmt.Errorf("%s: %w (remove it, and pull again)", LockPath(cache, src), err)
	}
	if l.Files == nil {
		l.Files = map[string]LockedFile{}
	}
	return l, nil
}

// Write writes the lock file of src's entry in the data cache cache, whole or not at all
// (a temporary file renamed over it).
func (l *Lock) Write(cache string, src *DataSource) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	name := LockPath(cache, src)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".lock-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), name)
}

// Want returns the SHA-256 that file f of src must have, and where that comes from: pinned
// in the suite, else recorded in lock when the file was first pulled; "" when neither
// knows it.
func (l *Lock) Want(f SourceFile) (sum, from string) {
	if f.SHA256 != "" {
		return f.SHA256, "pinned in the suite"
	}
	if l != nil {
		if lf, ok := l.Files[f.Path]; ok && lf.SHA256 != "" {
			return lf.SHA256, "recorded in the lock file when it was first pulled"
		}
	}
	return "", ""
}

// ErrNotPulled is the cause of reading a suite whose data.source has not been pulled into the
// data cache: errors.Is(err, ErrNotPulled) holds for a *NotPulledError.
var ErrNotPulled = errors.New("data not pulled")

// NotPulledError says which files of a suite's data.source are not in the data cache: not
// there, or not recorded by a pull that completed.
type NotPulledError struct {
	Source  string // the source's name
	Cache   string // the data cache's directory
	Missing []string
}

func (e *NotPulledError) Error() string {
	files := strings.Join(e.Missing, ", ")
	if len(e.Missing) > 3 {
		files = strings.Join(e.Missing[:3], ", ") + fmt.Sprintf(" and %d more", len(e.Missing)-3)
	}
	return fmt.Sprintf("the data of %s is not in the data cache %s (not pulled: %s)", e.Source, e.Cache, files)
}

// Unwrap returns ErrNotPulled.
func (e *NotPulledError) Unwrap() error { return ErrNotPulled }

// ErrChecksum is the cause of a data file whose SHA-256 is not the one the suite pins or the
// lock file records: errors.Is(err, ErrChecksum) holds for a *ChecksumError.
var ErrChecksum = errors.New("checksum mismatch")

// ChecksumError is a data file whose SHA-256 (or MD5) is not the one expected.
type ChecksumError struct {
	File string // the file, as a path or a URL
	// Algo names the digest: "SHA-256" when empty, or "MD5".
	Algo      string
	Got, Want string
	// From says where Want comes from: "pinned in the suite", "recorded in the lock file when
	// it was first pulled", "given by the hub".
	From string
}

func (e *ChecksumError) Error() string {
	algo := e.Algo
	if algo == "" {
		algo = "SHA-256"
	}
	return fmt.Sprintf("%s: checksum mismatch: its %s is %s, but %s was %s", e.File, algo, e.Got, e.Want, e.From)
}

// Unwrap returns ErrChecksum.
func (e *ChecksumError) Unwrap() error { return ErrChecksum }

// PullStatus says which files of a suite's data.source are in the data cache.
type PullStatus struct {
	// Cache is the data cache's directory, Entry the source's directory within it.
	Cache, Entry string
	// Missing are the files not pulled: not in the entry, not recorded in the lock file (which
	// a pull writes once a file is verified), or not the file recorded (another size, another
	// pinned digest).
	Missing []string
	// Lock is the entry's lock file as read.
	Lock *Lock
}

// Pulled reports whether every file of the source is in the cache.
func (p *PullStatus) Pulled() bool { return len(p.Missing) == 0 }

// PullStatus returns which files of the suite's data.source are in its data cache (stat'ed,
// not read: a run checks their digests when it reads them). It returns nil and no error for a
// suite whose data ships beside it.
func (s *Suite) PullStatus() (*PullStatus, error) {
	src := s.Data.Source
	if src == nil {
		return nil, nil
	}
	cache, err := s.DataCache()
	if err != nil {
		return nil, err
	}
	lock, err := ReadLock(cache, src)
	if err != nil {
		return nil, err
	}
	st := &PullStatus{Cache: cache, Entry: EntryDir(cache, src), Lock: lock}
	entry := diskTree(st.Entry, dataCacheDir)
	files, unlisted := src.Expand(lock)
	st.Missing = append(st.Missing, unlisted...)
	for _, f := range files {
		rel, ok := localPath(f.Path)
		if !ok {
			st.Missing = append(st.Missing, f.Path)
			continue
		}
		fi, err := entry.stat(rel)
		locked, recorded := lock.Files[f.Path]
		switch {
		case err != nil || !fi.Mode().IsRegular(), !recorded, locked.Size != fi.Size():
		case f.Size > 0 && f.Size != fi.Size():
		case f.SHA256 != "" && locked.SHA256 != f.SHA256: // the suite pins another file now
		case f.MD5 != "" && locked.MD5 != f.MD5:
		default:
			continue
		}
		st.Missing = append(st.Missing, f.Path)
	}
	sort.Strings(st.Missing)
	return st, nil
}
