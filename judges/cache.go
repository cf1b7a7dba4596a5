package judges

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/realx-bench/realx/tasks"
)

// Cache stores LLM judge verdicts by key, so that grading the same answer again with the same
// judge asks nobody. Implementations must be safe for concurrent use. FileCache is the one
// realx ships; a general response cache can take its place behind this interface.
type Cache interface {
	// Get returns the verdict stored under key.
	Get(key string) (Verdict, bool)
	// Put stores v under key, with the judge's reply it was read from (for audits).
	Put(key string, v Verdict, reply string) error
}

// cacheKey is the key of an LLM verdict: the SHA-256 over the judge's full identity, the
// question, the gold answers, the options and the answer the judge was shown.
func cacheKey(identity string, s *tasks.Sample, answer string) string {
	raw, _ := json.Marshal(struct {
		Judge    string   `json:"judge"`
		Question string   `json:"question"`
		Golds    []string `json:"golds"`
		Choices  []string `json:"choices,omitempty"`
		Answer   string   `json:"answer"`
	}{identity, s.Question, s.Answers(), s.Choices, answer})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// CacheFile is the name of a FileCache's file in its directory.
const CacheFile = "judge-cache.jsonl"

// cacheEntry is one line of a cache file.
type cacheEntry struct {
	Key     string  `json:"key"`
	Verdict Verdict `json:"verdict"`
	Reply   string  `json:"reply,omitempty"`
}

// FileCache is a Cache kept in one append-only JSONL file, CacheFile in its directory, loaded
// into memory when opened. Each Put appends one line in a single write, so a killed process
// loses at most the verdicts it had not written; a torn last line is skipped when the file is
// read again. It is safe for concurrent use within a process; two processes should not share
// one.
type FileCache struct {
	path string

	mu      sync.Mutex
	entries map[string]cacheEntry
	f       *os.File // opened on the first Put
	skipped int
}

// OpenCache opens the cache in dir, reading CacheFile there when it exists. Nothing is
// written, and dir need not exist, until the first Put.
func OpenCache(dir string) (*FileCache, error) {
	c := &FileCache{path: filepath.Join(dir, CacheFile), entries: map[string]cacheEntry{}}
	if _, err := c.Import(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return c, nil
}

// Path returns the cache's file.
func (c *FileCache) Path() string { return c.path }

// Len returns the number of verdicts the cache holds.
func (c *FileCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Skipped returns the number of lines of the cache file (and of imported files) that could not
// be read: torn writes of a killed process.
func (c *FileCache) Skipped() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.skipped
}

// Get implements Cache.
func (c *FileCache) Get(key string) (Verdict, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e.Verdict, ok
}

// Put implements Cache. A key already held is not written again.
func (c *FileCache) Put(key string, v Verdict, reply string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return nil
	}
	e := cacheEntry{Key: key, Verdict: v, Reply: reply}
	if err := c.append(e); err != nil {
		return fmt.Errorf("judge cache %s: %w", c.path, err)
	}
	c.entries[key] = e
	return nil
}

// append writes e as one line; c.mu is held.
func (c *FileCache) append(e cacheEntry) error {
	if c.f == nil {
		if err := os.MkdirAll(filepath.Dir(c.path), 0o777); err != nil { // less the umask
			return err
		}
		f, err := os.OpenFile(c.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o666)
		if err != nil {
			return err
		}
		if err := endLine(f); err != nil {
			f.Close()
			return err
		}
		c.f = f
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return err
	}
	_, err := c.f.Write(b.Bytes())
	return err
}

// endLine writes a newline to f when it does not end with one (a torn last line), so that the
// next line starts clean; the torn one is skipped when the file is read.
func endLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

// Import adds the verdicts of the cache file at path that c does not hold, writing them to c's
// file when it is another, and returns how many it added. `realx rejudge` imports the cache of
// the run it grades again, so that the new run's cache holds every verdict it may need.
func (c *FileCache) Import(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	same := filepath.Clean(path) == filepath.Clean(c.path)
	c.mu.Lock()
	defer c.mu.Unlock()
	br := bufio.NewReaderSize(f, 256<<10)
	added := 0
	for {
		line, rerr := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var e cacheEntry
			if err := json.Unmarshal(line, &e); err != nil || e.Key == "" {
				c.skipped++
			} else if _, ok := c.entries[e.Key]; !ok {
				if !same {
					if err := c.append(e); err != nil {
						return added, fmt.Errorf("judge cache %s: %w", c.path, err)
					}
				}
				c.entries[e.Key] = e
				added++
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return added, nil
			}
			return added, rerr
		}
	}
}

// Close syncs and closes the cache file, if anything was written.
func (c *FileCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	err := errors.Join(c.f.Sync(), c.f.Close())
	c.f = nil
	return err
}
