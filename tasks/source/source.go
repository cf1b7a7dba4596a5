// Package source pulls the data of suites whose data.source names where it lives — a Hugging
// Face dataset repository at a pinned revision, or files at URLs — into the data cache that
// runs read it from (package tasks reads it there, and never downloads). A pull resumes an
// interrupted download (an HTTP range), verifies each file's SHA-256 (pinned in the suite,
// given by the hub for a large file, or else recorded in the cache entry's lock file on the
// first pull and checked on every later pull and run), sends the hub's token only to the hub,
// and fetches under the same rules as a suite's image URLs: no local or private address
// unless allowed, timeouts, and a cap on the size.
package source

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/realx-bench/realx/tasks"
)

// The environment variables a Puller made by FromEnv reads.
const (
	// EndpointEnv names the hub's endpoint (a mirror's, or a local server's).
	EndpointEnv = "HF_ENDPOINT"
	// TokenEnv holds the hub's token, for private and gated repositories.
	TokenEnv = "HF_TOKEN"
)

// The limits of a download.
const (
	// MaxFileBytes caps a file whose size the suite does not give: 64 GiB.
	MaxFileBytes = 64 << 30
	// DefaultIdleTimeout is how long a download may receive nothing before it fails (it
	// resumes on the next pull).
	DefaultIdleTimeout = time.Minute
	connectTimeout     = 10 * time.Second
	tlsTimeout         = 10 * time.Second
	headerTimeout      = 30 * time.Second
	maxRedirects       = 5
	maxErrorBody       = 64 << 10
)

// Puller pulls suites' data into a data cache. Its zero value is not usable: set Cache.
type Puller struct {
	// Cache is the data cache's directory.
	Cache string
	// Endpoint is the hub's URL; tasks.DefaultHubEndpoint when empty.
	Endpoint string
	// Token is the hub's token: sent as "Authorization: Bearer TOKEN" to the Endpoint's host,
	// and to no other (not to the CDN the hub redirects large files to, not to a source's
	// URLs). It is scrubbed from every error.
	Token string
	// AllowPrivateURLs lets downloads reach loopback, link-local and private addresses (a
	// local mirror, a test's server), which are refused otherwise.
	AllowPrivateURLs bool
	// IdleTimeout fails a download that receives nothing for so long; DefaultIdleTimeout
	// when 0.
	IdleTimeout time.Duration
	// Progress, when set, is told how each file's download goes, as its bytes arrive.
	Progress func(Progress)
}

// FromEnv returns a Puller into the data cache cache, with the hub's endpoint and token read
// from HF_ENDPOINT and HF_TOKEN with getenv.
func FromEnv(cache string, getenv func(string) string) *Puller {
	return &Puller{Cache: cache, Endpoint: getenv(EndpointEnv), Token: getenv(TokenEnv)}
}

// Progress is how a file's download goes.
type Progress struct {
	// File is the file's path in the source.
	File string
	// Done is the bytes of the file there so far, Resumed of them there before the download
	// started (from an interrupted one); Size is the file's size, 0 when unknown.
	Done, Resumed, Size int64
	// Finished is set on the last report of a file.
	Finished bool
}

// Status says what a pull did with a file.
type Status string

// The statuses of a pulled file.
const (
	Downloaded Status = "downloaded"
	Resumed    Status = "resumed"
	Present    Status = "present" // pulled before, and verified again
)

// Result is one file a pull put in the cache, verified.
type Result struct {
	Path   string
	Size   int64
	SHA256 string
	MD5    string
	Status Status
	// Commit is the commit the hub served the file from (its X-Repo-Commit header) when it was
	// downloaded from a repository; "" otherwise.
	Commit string
	// Recorded is set when the file's digest was recorded in the lock file by this pull: the
	// suite pins none, and this was its first pull.
	Recorded bool
}

// Pull puts every file of src in the data cache, verified, and records each in the entry's
// lock file. A file pulled before is verified again and kept; one interrupted before is
// resumed. It stops at the first file that fails, keeping what was pulled (a checksum
// mismatch keeps nothing of that file): run it again to go on.
func (p *Puller) Pull(ctx context.Context, src *tasks.DataSource) ([]Result, error) {
	res, err := p.pull(ctx, src)
	return res, p.scrub(err)
}

func (p *Puller) pull(ctx context.Context, src *tasks.DataSource) ([]Result, error) {
	if p.Cache == "" {
		return nil, errors.New("no data cache directory")
	}
	lock, err := tasks.ReadLock(p.Cache, src)
	if err != nil {
		return nil, err
	}
	lock.Source = src.ID()
	var files []tasks.SourceFile
	for _, f := range src.Files {
		if f.Glob == "" {
			files = append(files, f)
			continue
		}
		paths, ok := lock.Globs[f.Glob]
		if !ok {
			if paths, err = p.list(ctx, src, f.Glob); err != nil {
				return nil, err
			}
			if lock.Globs == nil {
				lock.Globs = map[string][]string{}
			}
			lock.Globs[f.Glob] = paths
			if err := lock.Write(p.Cache, src); err != nil {
				return nil, err
			}
		}
		for _, path := range paths {
			files = append(files, tasks.SourceFile{Path: path})
		}
	}
	var out []Result
	for _, f := range files {
		r, err := p.file(ctx, src, f, lock)
		if err != nil {
			return out, err
		}
		lock.Files[f.Path] = tasks.LockedFile{SHA256: r.SHA256, MD5: r.MD5, Size: r.Size, URL: f.URL}
		if err := lock.Write(p.Cache, src); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// checkCommit checks the commit the hub served file f of src from against the one the lock
// records for the source's branch, and records it when the lock has none: a branch is pinned by
// its first pull, and a later pull that gets another commit (the branch moved) is refused, so
// that a cache entry never mixes two versions of the data. A source at a commit has nothing to
// check (the hub answers for that commit only), nor does a file that was not downloaded.
func (p *Puller) checkCommit(src *tasks.DataSource, f tasks.SourceFile, lock *tasks.Lock, commit string) error {
	if !src.IsBranch() || commit == "" {
		return nil
	}
	if lock.Commit == "" {
		lock.Commit = commit
		return nil
	}
	if commit != lock.Commit {
		return &BranchMovedError{Location: p.location(src, f), Branch: src.Revision, Got: commit, Want: lock.Commit}
	}
	return nil
}

// BranchMovedError is a file of a source named by a branch that the hub served from another
// commit than the first pull recorded: the branch moved, and the data with it.
type BranchMovedError struct {
	Location  string
	Branch    string
	Got, Want string
}

func (e *BranchMovedError) Error() string {
	return fmt.Sprintf("%s: the hub served it from commit %s, but the first pull of branch %s recorded commit %s in the lock file: "+
		"the branch moved, and the data may have changed. Pin the commit you want in the suite (data.source.revision: %s keeps the data pulled so far), "+
		"or remove the cache entry and its lock file to take the branch as it is now", e.Location, e.Got, e.Branch, e.Want, e.Want)
}

// file pulls one file of src: verifies it when it is there already, else downloads it
// (resuming what an interrupted download left), verifies it and moves it into the entry.
func (p *Puller) file(ctx context.Context, src *tasks.DataSource, f tasks.SourceFile, lock *tasks.Lock) (Result, error) {
	if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
		return Result{}, fmt.Errorf("%s: the path leads out of the cache entry", f.Path)
	}
	dest := filepath.Join(tasks.EntryDir(p.Cache, src), filepath.FromSlash(f.Path))
	want, from := lock.Want(f)
	if _, recorded := lock.Files[f.Path]; recorded && want != "" {
		if d, err := digestFile(dest); err == nil && d.sum == want && (f.MD5 == "" || d.md5 == f.MD5) {
			p.report(Progress{File: f.Path, Done: d.size, Resumed: d.size, Size: d.size, Finished: true})
			return Result{Path: f.Path, Size: d.size, SHA256: d.sum, MD5: d.md5, Status: Present}, nil
		}
	}
	if f.SHA256 == "" {
		// A download is verified against the suite's pin or the hub's digest; the lock's,
		// from an earlier pull of this entry, is checked as well.
		want, from = "", ""
		if lf, ok := lock.Files[f.Path]; ok {
			want, from = lf.SHA256, "recorded in the lock file when it was first pulled"
		}
	}
	part := filepath.Join(tasks.EntryDir(p.Cache, src)+".partial", filepath.FromSlash(f.Path))
	d, err := p.download(ctx, src, f, part)
	if err != nil {
		return Result{}, err
	}
	if err := p.checkCommit(src, f, lock, d.commit); err != nil {
		os.Remove(part)
		os.Remove(part + metaSuffix)
		return Result{}, err
	}
	algo := ""
	switch {
	case want != "" && d.sum != want:
	case want == "" && d.linked != "" && d.sum != d.linked:
		want, from = d.linked, "given by the hub (X-Linked-Etag)"
	case f.MD5 != "" && d.md5 != f.MD5:
		algo, want, from = "MD5", f.MD5, "pinned in the suite"
	default:
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return Result{}, err
		}
		if err := os.Rename(part, dest); err != nil {
			return Result{}, err
		}
		os.Remove(part + metaSuffix)
		st := Downloaded
		if d.resumed > 0 {
			st = Resumed
		}
		return Result{Path: f.Path, Size: d.size, SHA256: d.sum, MD5: d.md5, Status: st, Recorded: f.SHA256 == "", Commit: d.commit}, nil
	}
	os.Remove(part)
	os.Remove(part + metaSuffix)
	got := d.sum
	if algo == "MD5" {
		got = d.md5
	}
	return Result{}, &tasks.ChecksumError{File: p.location(src, f), Algo: algo, Got: got, Want: want,
		From: from + "; the download was not kept: pull again, and if it fails the same way, the data is not the suite's"}
}

// location names a file of src in messages: its URL, or REPO@REV:PATH.
func (p *Puller) location(src *tasks.DataSource, f tasks.SourceFile) string {
	if src.Repo == "" {
		return redactURL(f.URL)
	}
	return fmt.Sprintf("%s@%s:%s", src.Repo, src.ShortRevision(), f.Path)
}

// digestFile returns the hex SHA-256 and MD5 and the size of the file name.
func digestFile(name string) (*downloaded, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	h := newDigests()
	n, err := io.Copy(h, fh)
	if err != nil {
		return nil, err
	}
	return &downloaded{sum: h.sha256(), md5: h.md5(), size: n}, nil
}

// digests hashes what is written to it with SHA-256 and MD5 at once.
type digests struct{ s, m hash.Hash }

func newDigests() *digests { return &digests{s: sha256.New(), m: md5.New()} }

func (d *digests) Write(b []byte) (int, error) {
	d.s.Write(b)
	return d.m.Write(b)
}

func (d *digests) Reset()         { d.s.Reset(); d.m.Reset() }
func (d *digests) sha256() string { return hex.EncodeToString(d.s.Sum(nil)) }
func (d *digests) md5() string    { return hex.EncodeToString(d.m.Sum(nil)) }

// metaSuffix names the file beside a partial download that keeps its validator (ETag or
// Last-Modified), sent as If-Range when the download resumes.
const metaSuffix = ".meta.json"

// partMeta is what is kept of an interrupted download's response.
type partMeta struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Linked       string `json:"linked,omitempty"`
}

// downloaded is a download complete in its partial file.
type downloaded struct {
	sum     string // the SHA-256 of the whole file
	md5     string // its MD5
	size    int64
	resumed int64  // the bytes there before
	linked  string // the SHA-256 the hub gives (X-Linked-Etag of a large file), "" when none
	commit  string // the commit the hub served it from (X-Repo-Commit), "" when none
}

// download fetches f of src into part, resuming from what part holds.
func (p *Puller) download(ctx context.Context, src *tasks.DataSource, f tasks.SourceFile, part string) (*downloaded, error) {
	u, err := p.fileURL(src, f)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return nil, err
	}
	var meta partMeta
	if b, err := os.ReadFile(part + metaSuffix); err == nil {
		_ = json.Unmarshal(b, &meta)
	}
	fh, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	h := newDigests()
	have, err := io.Copy(h, fh) // what an interrupted download left
	if err != nil {
		return nil, err
	}
	capBytes := int64(MaxFileBytes)
	if f.Size > 0 {
		capBytes = f.Size
	}
	for attempt := 0; ; attempt++ {
		d, err := p.get(ctx, u, src, f, fh, h, have, capBytes, &meta)
		if errors.Is(err, errRestart) && attempt == 0 {
			// The server will not resume: start again from the first byte.
			if err := restart(fh, part); err != nil {
				return nil, err
			}
			h.Reset()
			have, meta = 0, partMeta{}
			continue
		}
		return d, err
	}
}

// errRestart says a resumed download must start again from the first byte.
var errRestart = errors.New("restart the download")

// restart empties the partial file fh.
func restart(fh *os.File, part string) error {
	os.Remove(part + metaSuffix)
	if err := fh.Truncate(0); err != nil {
		return err
	}
	_, err := fh.Seek(0, io.SeekStart)
	return err
}

// get sends one request for u, asking for what follows the first have bytes, and appends the
// answer to fh (and h).
func (p *Puller) get(ctx context.Context, u string, src *tasks.DataSource, f tasks.SourceFile, fh *os.File, h *digests,
	have, capBytes int64, meta *partMeta) (*downloaded, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "realx")
	hubHost := p.hubHost()
	if p.Token != "" && src.Repo != "" && req.URL.Host == hubHost {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
		if v := cmpOr(meta.ETag, meta.LastModified); v != "" {
			req.Header.Set("If-Range", v)
		}
	}
	linked, linkedSize, commit := meta.Linked, int64(0), ""
	client := &http.Client{
		Transport: p.transport(),
		CheckRedirect: func(next *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
				return fmt.Errorf("redirected to a %s: URL, which is not fetched", next.URL.Scheme)
			}
			if next.URL.Host != hubHost {
				next.Header.Del("Authorization") // the token goes to the hub alone
			}
			if r := next.Response; r != nil && r.Request.URL.Host == hubHost {
				if sum := strings.Trim(r.Header.Get("X-Linked-Etag"), `"`); sha256Hex.MatchString(sum) {
					linked = sum
				}
				linkedSize, _ = strconv.ParseInt(r.Header.Get("X-Linked-Size"), 10, 64)
				commit = cmpOr(r.Header.Get("X-Repo-Commit"), commit)
			}
			return nil
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchError(ctx, u, err)
	}
	defer resp.Body.Close()
	if src.Repo != "" && resp.Request.URL.Host == hubHost {
		commit = cmpOr(resp.Header.Get("X-Repo-Commit"), commit)
	}
	switch {
	case have > 0 && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		if total, ok := rangeTotal(resp.Header.Get("Content-Range")); ok && total == have {
			return &downloaded{sum: h.sha256(), md5: h.md5(), size: have, resumed: have, linked: linked, commit: commit}, nil
		}
		return nil, errRestart
	case have > 0 && resp.StatusCode == http.StatusOK:
		return nil, errRestart // the server sends the whole file (or it changed): start again
	case resp.StatusCode == http.StatusPartialContent:
		if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != have {
			return nil, errRestart
		}
	case resp.StatusCode != http.StatusOK:
		return nil, p.statusError(src, f, u, resp)
	}
	if linkedSize > 0 && (f.Size == 0 || linkedSize < capBytes) {
		capBytes = linkedSize
	}
	if resp.ContentLength > 0 && have+resp.ContentLength > capBytes {
		return nil, fmt.Errorf("GET %s: %d bytes, more than %s", redactURL(u), have+resp.ContentLength, capText(f, capBytes))
	}
	meta.ETag, meta.LastModified, meta.Linked = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), linked
	if b, err := json.Marshal(meta); err == nil {
		_ = os.WriteFile(fh.Name()+metaSuffix, b, 0o644)
	}
	size := have + max(resp.ContentLength, 0)
	if f.Size > 0 {
		size = f.Size
	}
	if linkedSize > 0 {
		size = linkedSize
	}
	idle := p.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	timer := time.AfterFunc(idle, func() { cancel(stalled{idle}) })
	defer timer.Stop()
	buf := make([]byte, 256<<10)
	done := have
	p.report(Progress{File: f.Path, Done: done, Resumed: have, Size: size})
	for {
		n, rerr := resp.Body.Read(buf)
		timer.Reset(idle)
		if n > 0 {
			if done+int64(n) > capBytes {
				return nil, fmt.Errorf("GET %s: more than %s", redactURL(u), capText(f, capBytes))
			}
			if _, err := fh.Write(buf[:n]); err != nil {
				return nil, err
			}
			h.Write(buf[:n])
			done += int64(n)
			p.report(Progress{File: f.Path, Done: done, Resumed: have, Size: size})
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("%w (%d of the file's bytes are kept: pull again to resume)", fetchError(ctx, u, rerr), done)
		}
	}
	if err := fh.Sync(); err != nil {
		return nil, err
	}
	if f.Size > 0 && done != f.Size {
		return nil, fmt.Errorf("GET %s: %d bytes, but data.source gives its size as %d", redactURL(u), done, f.Size)
	}
	p.report(Progress{File: f.Path, Done: done, Resumed: have, Size: done, Finished: true})
	return &downloaded{sum: h.sha256(), md5: h.md5(), size: done, resumed: have, linked: linked, commit: commit}, nil
}

// capText says what caps a download.
func capText(f tasks.SourceFile, capBytes int64) string {
	if f.Size > 0 && capBytes == f.Size {
		return fmt.Sprintf("the %d bytes data.source gives as its size", f.Size)
	}
	return fmt.Sprintf("the %d bytes of the file's size or of the cap", capBytes)
}

// stalled is the cause of a download that received nothing for too long.
type stalled struct{ d time.Duration }

func (e stalled) Error() string { return fmt.Sprintf("received nothing for %v", e.d) }

var (
	sha256Hex    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	contentRange = regexp.MustCompile(`^bytes (?:(\d+)-\d+|\*)/(\d+|\*)$`)
)

// rangeStart returns the first byte of a Content-Range.
func rangeStart(h string) (int64, bool) {
	m := contentRange.FindStringSubmatch(h)
	if m == nil || m[1] == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil
}

// rangeTotal returns the whole size a Content-Range gives.
func rangeTotal(h string) (int64, bool) {
	m := contentRange.FindStringSubmatch(h)
	if m == nil || m[2] == "*" {
		return 0, false
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	return n, err == nil
}

// fileURL returns where f of src is fetched: its URL, or the hub's resolve URL,
// ENDPOINT/datasets/REPO/resolve/REVISION/PATH.
func (p *Puller) fileURL(src *tasks.DataSource, f tasks.SourceFile) (string, error) {
	if src.Repo == "" {
		return f.URL, nil
	}
	base := strings.TrimRight(cmpOr(p.Endpoint, tasks.DefaultHubEndpoint), "/")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s %q is not an http(s) URL", EndpointEnv, base)
	}
	segs := strings.Split(f.Path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + "/" + path.Join("datasets", src.Repo, "resolve", url.PathEscape(src.Revision)) + "/" + strings.Join(segs, "/"), nil
}

// hubHost returns the host (and port) of the hub's endpoint.
func (p *Puller) hubHost() string {
	u, err := url.Parse(cmpOr(p.Endpoint, tasks.DefaultHubEndpoint))
	if err != nil {
		return ""
	}
	return u.Host
}

func (p *Puller) report(pr Progress) {
	if p.Progress != nil {
		p.Progress(pr)
	}
}

// transport returns the transport of the Puller's downloads: no proxy (the address check must
// see the address connected to), timeouts for the connection, the TLS handshake and the
// response headers, and every address connected to checked after DNS answered (a redirect's
// too), unless AllowPrivateURLs.
func (p *Puller) transport() *http.Transport {
	allow := func(netip.AddrPort) error { return nil }
	if !p.AllowPrivateURLs {
		allow = func(ap netip.AddrPort) error {
			if why := tasks.NonPublicAddress(ap.Addr()); why != "" {
				return &addressError{addr: ap.Addr().String(), why: why}
			}
			return nil
		}
	}
	dialer := &net.Dialer{
		Timeout:   connectTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &addressError{addr: address, why: "is not an IP address and port"}
			}
			return allow(ap)
		},
	}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    tlsTimeout,
		ResponseHeaderTimeout:  headerTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true, // the bytes as stored, so that their digest is the file's
	}
}

// addressError is an address a download may not connect to, and why.
type addressError struct{ addr, why string }

func (e *addressError) Error() string {
	return fmt.Sprintf("address %s %s: data is not pulled from local or private addresses unless allowed (realx data pull --allow-private-urls)", e.addr, e.why)
}

// Unwrap makes a refused address a tasks.ErrOutside.
func (e *addressError) Unwrap() error { return tasks.ErrOutside }

// fetchError says why fetching u failed with err: the context ended (its cause is kept: a
// stalled download says so), a refused address, or what net/http says.
func fetchError(ctx context.Context, u string, err error) error {
	u = redactURL(u)
	var refused *addressError
	var ue *url.Error
	switch cause := context.Cause(ctx); {
	case cause != nil:
		return fmt.Errorf("GET %s: %w", u, cause)
	case errors.As(err, &refused):
		return fmt.Errorf("GET %s: %w", u, refused)
	case errors.As(err, &ue):
		return fmt.Errorf("GET %s: %w", u, ue.Err)
	}
	return fmt.Errorf("GET %s: %w", u, err)
}

// redactURL returns u without its query and user information (a CDN's signature, a key).
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(a URL that does not parse)"
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return p.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
