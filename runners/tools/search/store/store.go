package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/realx-bench/realx/runners/tools/search/provider"
)

// Format is the version of the store's layout, written in its marker file.
const Format = 1

// MarkerFile is the file that makes a directory a store: {"format": 1}.
const MarkerFile = "realx-search-store.json"

// Record is a request and what came of it: the hits of a search, a page, a summary's text, an
// image (Blob), or the page's failure (Error) when it could not be read. The provider that
// answered is noted, not keyed on.
type Record struct {
	Request  Request        `json:"request"`
	Provider string         `json:"provider,omitempty"`
	Hits     []provider.Hit `json:"hits,omitempty"`
	Page     *provider.Page `json:"page,omitempty"`
	Text     string         `json:"text,omitempty"`
	Blob     *provider.Blob `json:"blob,omitempty"`
	Error    string         `json:"error,omitempty"`
	// Functions are an MCP server's tools (KindTools); Result is what a call returned
	// (KindCall).
	Functions []Function  `json:"functions,omitempty"`
	Result    *ToolResult `json:"result,omitempty"`
}

// Function is one tool of an MCP server as recorded: its name, description and the JSON
// Schema of its arguments.
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// ToolResult is what a call to an MCP server's tool returned, as it went back to the model:
// its text, its images (blobs of the store) and whether the server called it an error.
type ToolResult struct {
	Text    string           `json:"text,omitempty"`
	Images  []*provider.Blob `json:"images,omitempty"`
	IsError bool             `json:"is_error,omitempty"`
}

// clone returns a copy of r that shares no slice or pointer with it.
func (r *Record) clone() *Record {
	c := *r
	c.Hits = slices.Clone(r.Hits)
	for i, h := range c.Hits {
		if h.Thumb != nil {
			t := *h.Thumb
			c.Hits[i].Thumb = &t
		}
	}
	if r.Page != nil {
		p := *r.Page
		c.Page = &p
	}
	if r.Blob != nil {
		b := *r.Blob
		c.Blob = &b
	}
	c.Functions = slices.Clone(r.Functions)
	if r.Result != nil {
		res := *r.Result
		res.Images = slices.Clone(r.Result.Images)
		for i, b := range res.Images {
			if b != nil {
				cp := *b
				res.Images[i] = &cp
			}
		}
		c.Result = &res
	}
	return &c
}

// Store keeps records and blobs in a directory, content-addressed:
//
//	realx-search-store.json          {"format": 1}
//	records/<k[:2]>/<k>.json         a Record; k is its Request's Key
//	blobs/<h[:2]>/<h>                an image; h is the SHA-256 of its bytes
//
// Files are written whole (a temporary file renamed), with sorted, indented JSON and no time in
// them, so that the same records make the same files on any machine: a store can be committed,
// shipped with a suite (OpenFS reads one embedded with go:embed), compared, and digested for a
// run's manifest. A Store is safe for concurrent use; decoded records are kept in memory once
// read, so replaying a request costs a map lookup after the first time.
type Store struct {
	dir  string // "" for a read-only store
	fsys fs.FS

	mu      sync.RWMutex
	cache   map[string]*Record
	secrets []string
}

// ErrNotFound is Lookup's error for a request the store does not hold.
var ErrNotFound = errors.New("not in the search store")

// Open opens the store in dir for reading and writing, creating it when dir does not exist or
// is empty. A directory that holds other files is refused.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("search store: no directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search store: %w", err)
	}
	marker := filepath.Join(dir, MarkerFile)
	if _, err := os.Stat(marker); errors.Is(err, fs.ErrNotExist) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("search store: %w", err)
		}
		if len(entries) > 0 {
			return nil, fmt.Errorf("search store: %s holds files but no %s: it is not a search store (give an empty or new directory)", dir, MarkerFile)
		}
		if err := writeFile(dir, MarkerFile, markerJSON()); err != nil {
			return nil, fmt.Errorf("search store: %w", err)
		}
	}
	s := &Store{dir: dir, fsys: os.DirFS(dir), cache: map[string]*Record{}}
	if err := s.checkMarker(dir); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenFS opens a read-only store in fsys (a suite's snapshot, embedded or on disk).
func OpenFS(fsys fs.FS) (*Store, error) {
	s := &Store{fsys: fsys, cache: map[string]*Record{}}
	if err := s.checkMarker("the snapshot"); err != nil {
		return nil, err
	}
	return s, nil
}

// markerJSON is the marker file's content.
func markerJSON() []byte { return []byte(fmt.Sprintf("{\n  \"format\": %d\n}\n", Format)) }

// checkMarker reads the store's marker and refuses a format this realx does not know.
func (s *Store) checkMarker(where string) error {
	b, err := fs.ReadFile(s.fsys, MarkerFile)
	if err != nil {
		return fmt.Errorf("search store: %s has no %s: it is not a search store", where, MarkerFile)
	}
	return checkMarker(b, where)
}

// checkMarker refuses a marker file b of a format this realx does not know.
func checkMarker(b []byte, where string) error {
	var m struct {
		Format int `json:"format"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("search store: %s: %s: %v", where, MarkerFile, err)
	}
	if m.Format != Format {
		return fmt.Errorf("search store: %s is of format %d; this realx reads format %d", where, m.Format, Format)
	}
	return nil
}

// Writable reports whether records can be put in the store.
func (s *Store) Writable() bool { return s.dir != "" }

// Dir returns the store's directory, "" for a read-only store.
func (s *Store) Dir() string { return s.dir }

// SetSecrets names values (API keys) that must never be written: Put refuses a record that
// holds one.
func (s *Store) SetSecrets(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = nil
	for _, k := range secrets {
		if len(k) >= 4 {
			s.secrets = append(s.secrets, k)
		}
	}
}

// AddSecrets adds values to those SetSecrets named, for a store that several owners of
// secrets share (the MCP servers of a run).
func (s *Store) AddSecrets(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range secrets {
		if len(k) >= 4 && !slices.Contains(s.secrets, k) {
			s.secrets = append(s.secrets, k)
		}
	}
}

// recordPath returns the path of key's record.
func recordPath(key string) string { return "records/" + key[:2] + "/" + key + ".json" }

// blobPath returns the path of a blob.
func blobPath(sum string) string { return "blobs/" + sum[:2] + "/" + sum }

// Lookup returns the record of r; the error is ErrNotFound when the store does not hold it.
// The record is the caller's to change.
func (s *Store) Lookup(r Request) (*Record, error) {
	return s.LookupKey(r.Key())
}

// LookupKey returns the record of the request whose Key is key.
func (s *Store) LookupKey(key string) (*Record, error) {
	s.mu.RLock()
	rec, ok := s.cache[key]
	s.mu.RUnlock()
	if ok {
		return rec.clone(), nil
	}
	if !validKey(key) {
		return nil, fmt.Errorf("search store: %q is not a record key", key)
	}
	b, err := fs.ReadFile(s.fsys, recordPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("search store: %w", err)
	}
	rec, err = decodeRecord(b, key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[key] = rec
	s.mu.Unlock()
	return rec.clone(), nil
}

// decodeRecord reads a record file and checks that it is the record of key.
func decodeRecord(b []byte, key string) (*Record, error) {
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("search store: %s: %v", recordPath(key), err)
	}
	if got := rec.Request.Key(); got != key {
		return nil, fmt.Errorf("search store: %s holds the record of another request (key %s): the file was changed by hand", recordPath(key), got)
	}
	return &rec, nil
}

// Put writes rec under its request's key, replacing the record there. A record that holds a
// secret (SetSecrets) is refused, as is a record whose blobs the store lacks.
func (s *Store) Put(rec *Record) error {
	if s.dir == "" {
		return errors.New("search store: the store is read-only (a snapshot): record into a directory")
	}
	b, err := EncodeRecord(rec)
	if err != nil {
		return err
	}
	s.mu.RLock()
	secrets := s.secrets
	s.mu.RUnlock()
	for _, k := range secrets {
		if bytes.Contains(b, []byte(k)) {
			return fmt.Errorf("search store: the record of %s holds a secret (a provider's API key, or a variable given to an MCP server); it was not written", rec.Request)
		}
	}
	for _, blob := range blobsOf(rec) {
		if _, err := fs.Stat(s.fsys, blobPath(blob.SHA256)); err != nil {
			return fmt.Errorf("search store: the record of %s names the blob %s, which the store lacks", rec.Request, blob.SHA256)
		}
	}
	key := rec.Request.Key()
	if old, err := fs.ReadFile(s.fsys, recordPath(key)); err != nil || !bytes.Equal(old, b) {
		if err := writeFile(s.dir, recordPath(key), b); err != nil {
			return fmt.Errorf("search store: %w", err)
		}
	}
	s.mu.Lock()
	s.cache[key] = rec.clone()
	s.mu.Unlock()
	return nil
}

// EncodeRecord returns a record's file: indented JSON with a final newline, HTML left as it is.
func EncodeRecord(rec *Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("search store: %w", err)
	}
	return buf.Bytes(), nil
}

// blobsOf returns the blobs a record names.
func blobsOf(rec *Record) []*provider.Blob {
	var out []*provider.Blob
	if rec.Blob != nil {
		out = append(out, rec.Blob)
	}
	for _, h := range rec.Hits {
		if h.Thumb != nil {
			out = append(out, h.Thumb)
		}
	}
	if rec.Result != nil {
		for _, b := range rec.Result.Images {
			if b != nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// PutBlob writes data as a blob, once, and returns its reference.
func (s *Store) PutBlob(data []byte, mime string) (*provider.Blob, error) {
	if s.dir == "" {
		return nil, errors.New("search store: the store is read-only (a snapshot): record into a directory")
	}
	sum := SHA256(data)
	if _, err := fs.Stat(s.fsys, blobPath(sum)); err != nil {
		if err := writeFile(s.dir, blobPath(sum), data); err != nil {
			return nil, fmt.Errorf("search store: %w", err)
		}
	}
	return &provider.Blob{SHA256: sum, MIME: mime}, nil
}

// Blob returns the bytes of the blob b names, checked against its hash.
func (s *Store) Blob(b *provider.Blob) ([]byte, error) {
	if b == nil || !validKey(b.SHA256) {
		return nil, errors.New("search store: not a blob reference")
	}
	data, err := fs.ReadFile(s.fsys, blobPath(b.SHA256))
	if err != nil {
		return nil, fmt.Errorf("search store: blob %s: %w", b.SHA256, err)
	}
	if SHA256(data) != b.SHA256 {
		return nil, fmt.Errorf("search store: blob %s does not hash to its name: the file was changed", b.SHA256)
	}
	return data, nil
}

// Keys returns the keys of the store's records, sorted.
func (s *Store) Keys() ([]string, error) {
	var keys []string
	err := fs.WalkDir(s.fsys, "records", func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == "records" {
			return fs.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if k, ok := strings.CutSuffix(path.Base(p), ".json"); ok && validKey(k) {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search store: %w", err)
	}
	slices.Sort(keys)
	return keys, nil
}

// Digest returns "sha256:…" of the store: of every file's path and content hash, in order of
// path. Two stores with the same records and blobs have the same digest on any machine; a run's
// manifest records it as its search snapshot.
func (s *Store) Digest() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(s.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !storeFile(p) {
			return nil
		}
		b, err := fs.ReadFile(s.fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "%s %x\n", p, sum)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("search store: %w", err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

var (
	keyRe    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	recordRe = regexp.MustCompile(`^records/([0-9a-f]{2})/([0-9a-f]{64})\.json$`)
	blobRe   = regexp.MustCompile(`^blobs/([0-9a-f]{2})/([0-9a-f]{64})$`)
)

// validKey reports whether k is a SHA-256 in lower-case hex.
func validKey(k string) bool { return keyRe.MatchString(k) }

// storeFile reports whether p (slash-separated, relative) is a file of the store's layout.
func storeFile(p string) bool {
	if p == MarkerFile {
		return true
	}
	if m := recordRe.FindStringSubmatch(p); m != nil {
		return m[2][:2] == m[1]
	}
	if m := blobRe.FindStringSubmatch(p); m != nil {
		return m[2][:2] == m[1]
	}
	return false
}

// writeFile writes data to dir/rel (slash-separated) through a temporary file renamed into
// place, so that a reader never sees half a file.
func writeFile(dir, rel string, data []byte) error {
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), full)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}
