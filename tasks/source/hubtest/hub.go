package hubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hub is a fake Hugging Face hub. Its URL is what HF_ENDPOINT names; GET
// URL/datasets/OWNER/NAME/resolve/REVISION/PATH answers as the hub does:
//
//   - a small file: 200 with its bytes (HTTP ranges honoured);
//   - a large (LFS) file: 302 to the Hub's CDN, a server of its own (another host), with the
//     hub's X-Linked-Etag (the file's SHA-256) and X-Linked-Size headers; the CDN serves the
//     bytes, ranges honoured;
//   - a repository that does not exist, or a private one asked for without its token: 401 with
//     X-Error-Code RepoNotFound, as the hub answers both; a token that is not the hub's: 401
//     "Invalid credentials in Authorization header"; with a valid token, a repository that
//     does not exist: 404 RepoNotFound;
//   - GET URL/api/datasets/OWNER/NAME/tree/REVISION[/DIR] lists the files as the hub's tree API
//     does, paginated with Link headers when PageSize is set;
//   - a branch ("main", or one added with Branch) resolves to the repository's revision, whose
//     commit every answer names in X-Repo-Commit, as the hub's do; another revision: 404
//     RevisionNotFound; a path the repository does not have: 404 EntryNotFound.
type Hub struct {
	// URL is the hub's endpoint; CDN is the base URL of its CDN.
	URL, CDN string
	// Token is the one token the hub accepts ("Authorization: Bearer TOKEN").
	Token string
	// EchoAuth makes the hub's refusals quote the Authorization header they received, as a
	// careless server might: what realx prints of them must not hold the token.
	EchoAuth bool
	// PageSize, when set, makes the tree API answer in pages of so many entries, each with a
	// Link header to the next, as the hub paginates a long listing.
	PageSize int

	mu       sync.Mutex
	repos    map[string]*repo
	blobs    map[string][]byte // the CDN's files, by SHA-256
	cuts     map[string]int    // path → bytes sent before the next answer is cut
	requests []Request

	hub, cdn *httptest.Server
}

// Request is a request the hub or its CDN received.
type Request struct {
	// Server is "hub" or "cdn".
	Server        string
	Method, Path  string
	Authorization string
	Range         string
}

type repo struct {
	revision string
	private  bool
	files    map[string]file
	branches []string
}

type file struct {
	data []byte
	lfs  bool
}

// New starts a fake hub and its CDN, closed when the test ends.
func New(t testing.TB) *Hub {
	h := &Hub{Token: "hf_fakeTokenOfTheHub1234567890", repos: map[string]*repo{}, blobs: map[string][]byte{}, cuts: map[string]int{}}
	h.hub = httptest.NewServer(http.HandlerFunc(h.serveHub))
	h.cdn = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	t.Cleanup(h.hub.Close)
	t.Cleanup(h.cdn.Close)
	h.URL, h.CDN = h.hub.URL, h.cdn.URL
	return h
}

// Add puts a dataset repository on the hub at revision, with its files; those named in lfs
// are large files, served through the CDN. A private repository answers only to the Token.
func (h *Hub) Add(name, revision string, private bool, files map[string][]byte, lfs ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := &repo{revision: revision, private: private, files: map[string]file{}, branches: []string{"main"}}
	if old := h.repos[name]; old != nil {
		r.branches = old.branches // the branches move with the repository's new revision
	}
	for p, data := range files {
		f := file{data: data}
		for _, l := range lfs {
			if l == p {
				f.lfs = true
				h.blobs[Digest(data)] = data
			}
		}
		r.files[p] = f
	}
	h.repos[name] = r
}

// Branch adds a branch (or tag) of the repository name that resolves to its revision, as
// "main" does: "refs/convert/parquet", the hub's branch of the Parquet conversion. Adding the
// repository again at another revision moves its branches there.
func (h *Hub) Branch(name, branch string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.repos[name]; r != nil {
		r.branches = append(r.branches, branch)
	}
}

// Cut makes the next answer with the bytes of the file at path (in any repository: the hub's
// answer, or the CDN's for an LFS file) stop after n bytes, the connection closed, as a
// download interrupted.
func (h *Hub) Cut(path string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cuts[path] = n
}

// CorruptBlob makes the CDN serve data for the LFS file at path (in any repository) in place
// of its bytes, while the hub goes on giving the true file's digest.
func (h *Hub) CorruptBlob(path string, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, rp := range h.repos {
		if f, ok := rp.files[path]; ok && f.lfs {
			h.blobs[Digest(f.data)] = data
		}
	}
}

// Requests returns the requests received so far, in order.
func (h *Hub) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.requests...)
}

// Digest returns the hex SHA-256 of data.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// modTime is the time every file is served as of, so that answers do not depend on the clock.
var modTime = time.Date(2025, 11, 12, 0, 0, 0, 0, time.UTC)

func (h *Hub) note(server string, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, Request{Server: server, Method: r.Method, Path: r.URL.Path,
		Authorization: r.Header.Get("Authorization"), Range: r.Header.Get("Range")})
}

// hubError answers as the hub does when it refuses: the status, X-Error-Code and
// X-Error-Message headers, and a JSON body with the error.
func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (h *Hub) serveHub(w http.ResponseWriter, r *http.Request) {
	h.note("hub", r)
	if strings.HasPrefix(r.URL.Path, "/api/datasets/") {
		h.serveTree(w, r)
		return
	}
	// The revision is one segment of the escaped path: a branch's slashes come as %2F.
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/datasets/")
	parts := strings.SplitN(rest, "/", 5)
	if !ok || len(parts) < 5 || parts[2] != "resolve" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	rev, err1 := url.PathUnescape(parts[3])
	path, err2 := url.PathUnescape(parts[4])
	if err1 != nil || err2 != nil {
		http.NotFound(w, r)
		return
	}
	name := parts[0] + "/" + parts[1]
	auth := r.Header.Get("Authorization")
	authorized := auth == "Bearer "+h.Token
	if auth != "" && !authorized {
		hubError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header")
		return
	}
	fail := hubError
	if h.EchoAuth {
		fail = func(w http.ResponseWriter, status int, code, msg string) {
			hubError(w, status, code, msg+" [heard "+auth+"]")
		}
	}
	h.mu.Lock()
	rp := h.repos[name]
	h.mu.Unlock()
	switch {
	case rp == nil && !authorized, rp != nil && rp.private && !authorized:
		fail(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	case rp == nil:
		fail(w, http.StatusNotFound, "RepoNotFound", "Repository not found")
		return
	case rev != rp.revision && !slices.Contains(rp.branches, rev):
		fail(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	f, ok := rp.files[path]
	if !ok {
		fail(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	w.Header().Set("X-Repo-Commit", rp.revision)
	if f.lfs {
		sum := Digest(f.data)
		w.Header().Set("X-Linked-Etag", strconv.Quote(sum))
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.data)))
		w.Header().Set("ETag", strconv.Quote(sum))
		http.Redirect(w, r, h.CDN+"/lfs/"+sum+"?response-content-disposition=attachment&Expires=1&Signature=abc", http.StatusFound)
		return
	}
	w.Header().Set("ETag", strconv.Quote(gitBlobID(f.data)))
	h.serveBytes(w, r, path, f.data)
}

func (h *Hub) serveCDN(w http.ResponseWriter, r *http.Request) {
	h.note("cdn", r)
	sum, ok := strings.CutPrefix(r.URL.Path, "/lfs/")
	h.mu.Lock()
	data, found := h.blobs[sum]
	path := ""
	for _, rp := range h.repos {
		for p, f := range rp.files {
			if f.lfs && Digest(f.data) == sum {
				path = p
			}
		}
	}
	h.mu.Unlock()
	// The CDN's ETag is the blob's name, whatever it serves.
	if !ok || !found {
		w.WriteHeader(http.StatusForbidden) // a CDN refuses a URL it did not sign
		return
	}
	w.Header().Set("ETag", strconv.Quote(sum))
	h.serveBytes(w, r, path, data)
}

// serveBytes serves data with ranges honoured, cut short when Cut asked for it.
func (h *Hub) serveBytes(w http.ResponseWriter, r *http.Request, path string, data []byte) {
	h.mu.Lock()
	n, cut := h.cuts[path]
	delete(h.cuts, path)
	h.mu.Unlock()
	if !cut {
		http.ServeContent(w, r, "", modTime, bytes.NewReader(data))
		return
	}
	// Declare the whole file, send n bytes of it, and end: the client sees the connection
	// close before the body's end.
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data[:min(n, len(data))])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}

// serveTree answers the hub's tree API, GET /api/datasets/OWNER/NAME/tree/REVISION[/DIR]: the
// files beneath DIR (recursively, as recursive=True asks) and the directories on their way,
// each as {"type", "path", "size", "oid"} with a large file's "lfs" {"oid", "size"}, sorted by
// path, in pages of PageSize when it is set.
func (h *Hub) serveTree(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/api/datasets/")
	parts := strings.SplitN(rest, "/", 5)
	if len(parts) < 4 || parts[2] != "tree" {
		http.NotFound(w, r)
		return
	}
	name := parts[0] + "/" + parts[1]
	rev, err := url.PathUnescape(parts[3])
	dir := ""
	if len(parts) == 5 {
		dir, err = url.PathUnescape(parts[4])
	}
	if err != nil {
		http.NotFound(w, r)
		return
	}
	auth := r.Header.Get("Authorization")
	authorized := auth == "Bearer "+h.Token
	h.mu.Lock()
	rp := h.repos[name]
	type entry struct {
		Type string         `json:"type"`
		Path string         `json:"path"`
		Size int            `json:"size"`
		OID  string         `json:"oid"`
		LFS  map[string]any `json:"lfs,omitempty"`
	}
	var entries []entry
	dirs := map[string]bool{}
	if rp != nil {
		for p, f := range rp.files {
			if dir != "" && !strings.HasPrefix(p, dir+"/") {
				continue
			}
			e := entry{Type: "file", Path: p, Size: len(f.data), OID: gitBlobID(f.data)}
			if f.lfs {
				e.LFS = map[string]any{"oid": Digest(f.data), "size": len(f.data), "pointerSize": 134}
			}
			entries = append(entries, e)
			for d := p; strings.Contains(d, "/"); {
				d = d[:strings.LastIndexByte(d, '/')]
				if len(d) > len(dir) && !dirs[d] {
					dirs[d] = true
					entries = append(entries, entry{Type: "directory", Path: d, OID: "0000000000000000000000000000000000000000"})
				}
			}
		}
	}
	h.mu.Unlock()
	switch {
	case rp == nil || (rp.private && !authorized):
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	case rev != rp.revision && !slices.Contains(rp.branches, rev):
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	case len(entries) == 0:
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.Path, b.Path) })
	if h.PageSize > 0 {
		start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		end := min(start+h.PageSize, len(entries))
		if end < len(entries) {
			q := r.URL.Query()
			q.Set("cursor", strconv.Itoa(end))
			next := *r.URL
			next.Scheme, next.Host, next.RawQuery = "http", r.Host, q.Encode()
			w.Header().Set("Link", "<"+next.String()+`>; rel="next"`)
		}
		entries = entries[start:end]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(entries)
}

// gitBlobID is the ETag the hub gives a small file: its git blob id.
func gitBlobID(data []byte) string {
	return fmt.Sprintf("%x", sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(data))), data...)))
}
