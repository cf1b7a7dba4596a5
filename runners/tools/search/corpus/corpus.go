// Package corpus owns realx's offline search: a frozen collection of documents, searched by
// words with BM25 (SQLite FTS5, through modernc.org/sqlite) and by image with perceptual hashes
// (github.com/corona10/goimagehash), so that a suite can ship its corpus and run with no
// network and no key, as BrowseComp-Plus does for text. A Corpus implements the provider
// interfaces TextSearcher, ImagesSearcher, ImageSearcher and PageReader.
//
// A corpus is a JSON Lines file, one document a line:
//
//	{"id": "eiffel", "title": "Eiffel Tower", "url": "https://en.wikipedia.org/wiki/Eiffel_Tower",
//	 "text": "The Eiffel Tower is …", "images": ["images/eiffel.jpg"]}
//
// id is required and unique; title or text is required; url is optional (a document without
// one is read as corpus://ID); images are optional paths relative to the file's directory.
//
// Rankings are deterministic: BM25 (FTS5's, k1 1.2, b 0.75, the title weighted twice the text;
// Lucene's English stop words left out of queries, as Pyserini does) with ties broken by id; by image, the Hamming distance of 64-bit pHashes (at most
// MaxDistance), ties broken by id. A document appears once in a result.
package corpus

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers the GIF decoder
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/corona10/goimagehash"
	_ "golang.org/x/image/bmp"  // registers the BMP decoder
	_ "golang.org/x/image/webp" // registers the WebP decoder
	_ "modernc.org/sqlite"      // the database/sql driver "sqlite", with FTS5

	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

// Name is the provider name of the corpus's results.
const Name = "corpus"

// DefaultMaxDistance is the largest Hamming distance (of 64 bits) at which a corpus image
// matches a query image: a resized or recompressed copy is within a few bits, a crop is not.
const DefaultMaxDistance = 12

// maxImagePixels refuses decompression bombs among a corpus's images.
const maxImagePixels = 64 << 20

// Doc is a document of a corpus.
type Doc struct {
	ID     string   `json:"id"`
	Title  string   `json:"title,omitempty"`
	URL    string   `json:"url,omitempty"`
	Text   string   `json:"text,omitempty"`
	Images []string `json:"images,omitempty"`
}

// pageURL returns the URL the document is read by.
func (d *Doc) pageURL() string {
	if d.URL != "" {
		return d.URL
	}
	return "corpus://" + d.ID
}

// picture is a corpus image: its document, bytes and perceptual hash.
type picture struct {
	doc  *Doc
	path string
	blob provider.Blob
	hash *goimagehash.ImageHash
}

// Corpus is a loaded corpus. It is safe for concurrent use.
type Corpus struct {
	db       *sql.DB
	search   *sql.Stmt
	docs     map[string]*Doc
	byURL    map[string]*Doc
	pictures []picture
	digest   string
	// MaxDistance is the largest pHash distance at which an image matches; DefaultMaxDistance
	// unless set.
	MaxDistance int
}

// dbCount numbers the in-memory databases, one per corpus.
var dbCount atomic.Int64

// OpenFile loads the corpus in the JSON Lines file at p.
func OpenFile(p string) (*Corpus, error) {
	return Open(os.DirFS(filepath.Dir(p)), filepath.Base(p))
}

// Open loads the corpus in the JSON Lines file name of fsys (a suite's embedded files, say);
// image paths are relative to its directory. Every problem of the file is reported at once,
// each as "name:line: message".
func Open(fsys fs.FS, name string) (*Corpus, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	c := &Corpus{docs: map[string]*Doc{}, byURL: map[string]*Doc{}, MaxDistance: DefaultMaxDistance}
	var docs []*Doc
	var problems []string
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	dir := path.Dir(name)
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var d Doc
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			bad(line, "%v", err)
			continue
		}
		switch {
		case strings.TrimSpace(d.ID) == "":
			bad(line, "the document has no id")
			continue
		case c.docs[d.ID] != nil:
			bad(line, "id %q is used twice", d.ID)
			continue
		case strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Text) == "":
			bad(line, "document %q has neither title nor text", d.ID)
		}
		c.docs[d.ID] = &d
		docs = append(docs, &d)
		if u := store.NormalizeURL(d.pageURL()); c.byURL[u] == nil {
			c.byURL[u] = &d
		}
		for _, p := range d.Images {
			pic, err := loadPicture(fsys, path.Join(dir, p))
			if err != nil {
				bad(line, "image %q: %v", p, err)
				continue
			}
			pic.doc = &d
			c.pictures = append(c.pictures, pic)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus: %s: %w", name, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("corpus: %d problem(s):\n%s", len(problems), strings.Join(problems, "\n"))
	}
	if err := c.index(docs); err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%x\n", sha256.Sum256(data))
	for _, p := range c.pictures {
		fmt.Fprintf(h, "%s %s\n", p.path, p.blob.SHA256)
	}
	c.digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return c, nil
}

// Digest returns "sha256:…" of the corpus: of its file's bytes and of its images' paths and
// bytes. The same corpus has the same digest on any machine; a run's manifest records it.
func (c *Corpus) Digest() string { return c.digest }

// loadPicture reads and hashes an image.
func loadPicture(fsys fs.FS, p string) (picture, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return picture{}, err
	}
	h, err := pHash(data)
	if err != nil {
		return picture{}, err
	}
	return picture{path: p, hash: h, blob: provider.Blob{SHA256: store.SHA256(data), MIME: http.DetectContentType(data), Data: data}}, nil
}

// pHash decodes an image and returns its 64-bit perceptual hash.
func pHash(data []byte) (*goimagehash.ImageHash, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not an image realx reads (jpeg, png, gif, webp, bmp): %w", err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, fmt.Errorf("%d×%d pixels is too large", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return goimagehash.PerceptionHash(img)
}

// index builds the FTS5 table of docs in a private in-memory database.
func (c *Corpus) index(docs []*Doc) error {
	db, err := sql.Open("sqlite", fmt.Sprintf("file:realx-corpus-%d?mode=memory", dbCount.Add(1)))
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	// One connection: an in-memory database lives in its connection.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		db.Close()
		return fmt.Errorf("corpus: SQLite FTS5: %w", err)
	}
	tx, err := db.Begin()
	if err != nil {
		db.Close()
		return fmt.Errorf("corpus: %w", err)
	}
	stmt, err := tx.Prepare(`INSERT INTO docs (id, title, text) VALUES (?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		db.Close()
		return fmt.Errorf("corpus: %w", err)
	}
	for _, d := range docs {
		if _, err := stmt.Exec(d.ID, d.Title, d.Text); err != nil {
			tx.Rollback()
			db.Close()
			return fmt.Errorf("corpus: document %q: %w", d.ID, err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		db.Close()
		return fmt.Errorf("corpus: %w", err)
	}
	// One segment answers a query faster than the many an insert leaves.
	if _, err := db.Exec(`INSERT INTO docs (docs) VALUES ('optimize')`); err != nil {
		db.Close()
		return fmt.Errorf("corpus: %w", err)
	}
	c.search, err = db.Prepare(`SELECT id, snippet(docs, 2, '', '', '…', 32), bm25(docs, 0.0, 2.0, 1.0) AS score
		FROM docs WHERE docs MATCH ? ORDER BY score, id LIMIT ?`)
	if err != nil {
		db.Close()
		return fmt.Errorf("corpus: %w", err)
	}
	c.db = db
	return nil
}

// Close frees the corpus's index.
func (c *Corpus) Close() error { return c.db.Close() }

// Name returns "corpus".
func (c *Corpus) Name() string { return Name }

// Len returns the number of documents.
func (c *Corpus) Len() int { return len(c.docs) }

// Doc returns the document with id, nil when there is none.
func (c *Corpus) Doc(id string) *Doc { return c.docs[id] }

// SearchText returns the documents that best match q's words by BM25.
func (c *Corpus) SearchText(ctx context.Context, q provider.TextQuery) ([]provider.Hit, error) {
	n := q.Count
	if n <= 0 {
		n = 10
	}
	match := matchExpr(q.Query)
	if match == "" {
		return nil, nil
	}
	rows, err := c.search.QueryContext(ctx, match, n)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer rows.Close()
	var hits []provider.Hit
	for rows.Next() {
		var id, snippet string
		var score float64
		if err := rows.Scan(&id, &snippet, &score); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		d := c.docs[id]
		hits = append(hits, provider.Hit{Title: d.Title, URL: d.pageURL(), Snippet: strings.Join(strings.Fields(snippet), " "), Source: Name, ID: d.ID})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	return hits, nil
}

// SearchImages returns the images of the documents that best match q's words.
func (c *Corpus) SearchImages(ctx context.Context, q provider.TextQuery) ([]provider.Hit, error) {
	n := q.Count
	if n <= 0 {
		n = 10
	}
	q.Count = len(c.docs)
	docs, err := c.SearchText(ctx, q)
	if err != nil {
		return nil, err
	}
	var hits []provider.Hit
	for _, h := range docs {
		for _, p := range c.pictures {
			if p.doc.pageURL() == h.URL && len(hits) < n {
				blob := p.blob
				hits = append(hits, provider.Hit{Title: h.Title, URL: h.URL, Source: Name, ID: h.ID, Thumb: &blob})
				break
			}
		}
	}
	return hits, nil
}

// SearchImage returns the documents with an image like q's (by pHash), closest first.
func (c *Corpus) SearchImage(_ context.Context, q provider.ImageQuery) ([]provider.Hit, error) {
	if len(q.Data) == 0 {
		return nil, errors.New("corpus: the image search has no image data")
	}
	h, err := pHash(q.Data)
	if err != nil {
		return nil, &provider.Error{Provider: Name, Kind: provider.KindTarget, Message: "the query image: " + err.Error()}
	}
	n := q.Count
	if n <= 0 {
		n = 10
	}
	type match struct {
		pic  *picture
		dist int
	}
	best := map[string]match{}
	for i := range c.pictures {
		p := &c.pictures[i]
		d, err := h.Distance(p.hash)
		if err != nil || d > c.MaxDistance {
			continue
		}
		if m, ok := best[p.doc.ID]; !ok || d < m.dist {
			best[p.doc.ID] = match{p, d}
		}
	}
	ms := make([]match, 0, len(best))
	for _, m := range best {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b match) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		return strings.Compare(a.pic.doc.ID, b.pic.doc.ID)
	})
	var hits []provider.Hit
	for _, m := range ms[:min(n, len(ms))] {
		blob := m.pic.blob
		hits = append(hits, provider.Hit{Title: m.pic.doc.Title, URL: m.pic.doc.pageURL(), Source: Name, ID: m.pic.doc.ID, Thumb: &blob})
	}
	return hits, nil
}

// ReadPage returns the document whose URL is u (or corpus://ID).
func (c *Corpus) ReadPage(_ context.Context, u string) (*provider.Page, error) {
	d := c.byURL[store.NormalizeURL(u)]
	if d == nil {
		return nil, &provider.Error{Provider: Name, Kind: provider.KindTarget, Message: fmt.Sprintf("%s is not in the offline corpus", u)}
	}
	return &provider.Page{URL: d.pageURL(), Title: d.Title, ID: d.ID, Text: d.Text}, nil
}

// stopWords are Lucene's English stop words, which Pyserini's BM25 leaves out of queries.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with") {
		stopWords[w] = true
	}
}

// matchExpr returns the FTS5 query of a search: its words but stop words (all of them when it
// has nothing else), each quoted, joined by OR; "" for none.
func matchExpr(q string) string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	content := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return stopWords[w] })
	if len(content) > 0 {
		words = content
	}
	var terms []string
	seen := map[string]bool{}
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			terms = append(terms, `"`+w+`"`)
		}
	}
	return strings.Join(terms, " OR ")
}
