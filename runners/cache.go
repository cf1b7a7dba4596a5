package runners

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// CacheMode says how WithCache uses its Cache.
type CacheMode string

// The cache modes.
const (
	// CacheOff sends every request to the model.
	CacheOff CacheMode = "off"
	// CacheRead answers from the cache when it can and stores nothing.
	CacheRead CacheMode = "read"
	// CacheWrite always asks the model and stores its good answers (refreshing the cache).
	CacheWrite CacheMode = "write"
	// CacheReadWrite answers from the cache when it can and stores the model's good
	// answers otherwise.
	CacheReadWrite CacheMode = "readwrite"
)

// ParseCacheMode returns the mode named s: off, read, write or readwrite ("" is off).
func ParseCacheMode(s string) (CacheMode, error) {
	switch m := CacheMode(s); m {
	case "":
		return CacheOff, nil
	case CacheOff, CacheRead, CacheWrite, CacheReadWrite:
		return m, nil
	}
	return "", fmt.Errorf("cache mode %q: want off, read, write or readwrite", s)
}

func (m CacheMode) reads() bool  { return m == CacheRead || m == CacheReadWrite }
func (m CacheMode) writes() bool { return m == CacheWrite || m == CacheReadWrite }

// Cache is a response cache in an SQLite file (WAL mode, with a busy timeout), so that
// several processes on one machine — the shards of a run, a run and its judge — can share
// it. It stores answers, never images: a key covers an image by the SHA-256 of its bytes.
// A Cache is safe for concurrent use.
type Cache struct {
	db   *sql.DB
	path string

	writeMu sync.Mutex // one writer at a time within the process; other processes wait on busy_timeout

	hits, misses, writes, skipped, failures atomic.Int64
	errMu                                   sync.Mutex
	lastErr                                 error
}

// CacheStats counts what a Cache did.
type CacheStats struct {
	// Hits and Misses count lookups; Writes the answers stored; Skipped the answers not
	// stored because they were empty, and the requests that have no key.
	Hits, Misses, Writes, Skipped int64
	// Failures counts reads and writes that failed (each then acts as a miss or a skipped
	// write; the run goes on); LastError is the last of them.
	Failures  int64
	LastError error
}

// cacheBusyTimeout is how long a write waits for another process's write to end.
const cacheBusyTimeout = 30 * time.Second

// cacheConns is how many SQLite connections a Cache opens at most.
const cacheConns = 4

// OpenCache opens the cache in the file at path, creating it and its directory when
// missing.
func OpenCache(path string) (*Cache, error) {
	if path == "" {
		return nil, errors.New("cache: no path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("cache: path %q must not contain ? or #", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
	}
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_synchronous=NORMAL", path, cacheBusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	// Each connection has its own page cache (2 MB): a few serve a whole run, as a lookup
	// takes tens of microseconds.
	db.SetMaxOpenConns(cacheConns)
	db.SetMaxIdleConns(cacheConns)
	const schema = `CREATE TABLE IF NOT EXISTS responses (
		key      BLOB PRIMARY KEY,
		endpoint TEXT NOT NULL,
		response BLOB NOT NULL,
		created  INTEGER NOT NULL
	) WITHOUT ROWID`
	if _, err := db.Exec(schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	return &Cache{db: db, path: path}, nil
}

// Path returns the cache's file.
func (c *Cache) Path() string { return c.path }

// Close closes the cache's database.
func (c *Cache) Close() error { return c.db.Close() }

// Stats returns what c did so far.
func (c *Cache) Stats() CacheStats {
	c.errMu.Lock()
	last := c.lastErr
	c.errMu.Unlock()
	return CacheStats{
		Hits: c.hits.Load(), Misses: c.misses.Load(), Writes: c.writes.Load(), Skipped: c.skipped.Load(),
		Failures: c.failures.Load(), LastError: last,
	}
}

func (c *Cache) fail(err error) {
	c.failures.Add(1)
	c.errMu.Lock()
	c.lastErr = err
	c.errMu.Unlock()
}

// cachedResponse is what the cache stores of a ChatResponse.
type cachedResponse struct {
	Content      string     `json:"content,omitempty"`
	Reasoning    string     `json:"reasoning,omitempty"`
	Refusal      string     `json:"refusal,omitempty"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	FinishReason string     `json:"finish_reason,omitempty"`
	Usage        Usage      `json:"usage"`
}

// Get returns the answer stored under key, marked Cached with a zero Latency, and whether
// there was one.
func (c *Cache) Get(ctx context.Context, key CacheKey) (*ChatResponse, bool, error) {
	var blob []byte
	err := c.db.QueryRowContext(ctx, `SELECT response FROM responses WHERE key = ?`, key[:]).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache %s: %w", c.path, err)
	}
	var cr cachedResponse
	if err := json.Unmarshal(blob, &cr); err != nil {
		return nil, false, fmt.Errorf("cache %s: entry %s: %w", c.path, key, err)
	}
	return &ChatResponse{
		Content: cr.Content, Reasoning: cr.Reasoning, Refusal: cr.Refusal, ToolCalls: cr.ToolCalls,
		FinishReason: cr.FinishReason, Usage: cr.Usage, Cached: true,
	}, true, nil
}

// Put stores resp under key, replacing what was there. endpointID is kept beside it for
// inspection. Empty answers (no content, no refusal and no tool calls) are not stored: Put
// returns false for them. A refusal is stored: it is the model's answer to the request, as
// deterministic as any other, and asking again would be paid for the same refusal.
func (c *Cache) Put(ctx context.Context, key CacheKey, endpointID string, resp *ChatResponse) (bool, error) {
	if resp == nil || (resp.Content == "" && resp.Refusal == "" && len(resp.ToolCalls) == 0) {
		return false, nil
	}
	blob, err := json.Marshal(cachedResponse{
		Content: resp.Content, Reasoning: resp.Reasoning, Refusal: resp.Refusal, ToolCalls: resp.ToolCalls,
		FinishReason: resp.FinishReason, Usage: resp.Usage,
	})
	if err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err = c.db.ExecContext(ctx, `INSERT OR REPLACE INTO responses (key, endpoint, response, created) VALUES (?, ?, ?, ?)`,
		key[:], endpointID, blob, time.Now().Unix())
	if err != nil {
		return false, fmt.Errorf("cache %s: %w", c.path, err)
	}
	return true, nil
}

// CacheKey is the SHA-256 of a request's canonical form.
type CacheKey [sha256.Size]byte

// String returns the key in hex.
func (k CacheKey) String() string { return hex.EncodeToString(k[:]) }

// EndpointID returns what identifies ep's answers in a cache key: its base URL and its
// model, never its key nor the credentials and query values of its base URL (the cache keeps
// it in the clear).
func EndpointID(ep Endpoint) string {
	return newSecrets("", ep.BaseURL).redact(strings.TrimRight(ep.BaseURL, "/")) + " " + ep.Model
}

// The canonical form of a request, hashed into its CacheKey. Field order is fixed by these
// types, map keys are sorted by encoding/json, and images are their SHA-256.
type (
	keyRequest struct {
		Version    int             `json:"v"`
		Endpoint   string          `json:"endpoint"`
		Repeat     int             `json:"repeat"`
		Messages   []keyMessage    `json:"messages"`
		Tools      []keyTool       `json:"tools,omitempty"`
		Generation json.RawMessage `json:"generation"`
	}
	keyMessage struct {
		Role       Role       `json:"role"`
		Parts      []keyPart  `json:"parts,omitempty"`
		ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
		ToolCallID string     `json:"tool_call_id,omitempty"`
	}
	keyPart struct {
		Text  *string   `json:"text,omitempty"`
		Image *keyImage `json:"image,omitempty"`
	}
	keyImage struct {
		SHA256 string `json:"sha256"`
		MIME   string `json:"mime"`
		Detail string `json:"detail,omitempty"`
	}
	keyTool struct {
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters,omitempty"`
	}
)

// keyVersion changes whenever the canonical form does, so that old entries stop matching.
const keyVersion = 1

// RequestKey returns the cache key of req sent to the endpoint endpointID: a SHA-256 over the
// endpoint, the request's repeat index (ChatRequest.Repeat), the messages (images by the SHA-256 of
// their bytes, media type and detail), the tools (parameters as canonical JSON) and the
// generation parameters as canonical JSON (Extra included, map order irrelevant; Stream
// left out, as it does not change the answer). It fails only on values JSON cannot encode.
func RequestKey(endpointID string, req *ChatRequest) (CacheKey, error) {
	kr := keyRequest{Version: keyVersion, Endpoint: endpointID, Repeat: req.Repeat, Messages: make([]keyMessage, len(req.Messages))}
	for i, m := range req.Messages {
		km := keyMessage{Role: m.Role, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID, Parts: make([]keyPart, len(m.Parts))}
		for j := range m.Parts {
			p := &m.Parts[j]
			if p.Image != nil {
				sum := sha256.Sum256(p.Image.Data)
				km.Parts[j].Image = &keyImage{SHA256: hex.EncodeToString(sum[:]), MIME: p.Image.MIME, Detail: p.Image.Detail}
			}
			if p.Text != "" || p.Image == nil {
				km.Parts[j].Text = &p.Text
			}
		}
		kr.Messages[i] = km
	}
	for _, t := range req.Tools {
		kr.Tools = append(kr.Tools, keyTool{Name: t.Name, Description: t.Description, Parameters: canonicalJSON(t.Parameters)})
	}
	g := req.Generation
	g.Stream = nil
	gen, err := json.Marshal(g)
	if err != nil {
		return CacheKey{}, fmt.Errorf("cache key: generation: %w", err)
	}
	kr.Generation = gen
	h := sha256.New()
	enc := json.NewEncoder(h)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(kr); err != nil {
		return CacheKey{}, fmt.Errorf("cache key: %w", err)
	}
	var k CacheKey
	h.Sum(k[:0])
	return k, nil
}

// canonicalJSON returns b with object keys sorted and no insignificant space, or b as a
// JSON string when it is not valid JSON (so that it still counts in the key).
func canonicalJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if out, err := json.Marshal(v); err == nil {
			return out
		}
	}
	s, _ := json.Marshal(string(b))
	return s
}

// WithCache returns m with answers looked up in and stored to c under mode. endpointID
// names the endpoint behind m (EndpointID); the request's repeat index is part of its key, so
// that the repeats of a sample, sampled at a temperature, get answers of their own.
//
// Errors are never cached, nor are empty answers (no content, no refusal and no tool calls). A request
// whose key cannot be computed, and a failing cache, fall through to m: the cache never
// fails a call (Stats counts its failures). A cached answer has Cached set, Latency 0, and
// the Usage of the call that produced it. Wrap the outermost layer (outside WithRetry and
// WithThrottle), so that a hit costs no rate-limit budget.
func WithCache(m Model, c *Cache, mode CacheMode, endpointID string) Model {
	if c == nil || mode == CacheOff || mode == "" {
		return m
	}
	return &cachedModel{m: m, c: c, mode: mode, endpoint: endpointID}
}

type cachedModel struct {
	m        Model
	c        *Cache
	mode     CacheMode
	endpoint string
}

// Chat answers req from the cache or from the model.
func (m *cachedModel) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	key, err := RequestKey(m.endpoint, req)
	if err != nil {
		m.c.skipped.Add(1)
		return m.m.Chat(ctx, req)
	}
	if m.mode.reads() {
		resp, ok, err := m.c.Get(ctx, key)
		switch {
		case err != nil && ctx.Err() == nil:
			m.c.fail(err)
		case ok:
			m.c.hits.Add(1)
			return resp, nil
		}
		m.c.misses.Add(1)
	}
	resp, err := m.m.Chat(ctx, req)
	if err != nil || !m.mode.writes() {
		return resp, err
	}
	stored, perr := m.c.Put(context.WithoutCancel(ctx), key, m.endpoint, resp)
	switch {
	case perr != nil:
		m.c.fail(perr)
	case stored:
		m.c.writes.Add(1)
	default:
		m.c.skipped.Add(1)
	}
	return resp, nil
}
