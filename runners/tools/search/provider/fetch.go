package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"github.com/realx-bench/realx/tasks"
)

// FetchOptions configure a Fetcher. Zero fields take the defaults.
type FetchOptions struct {
	// MaxBytes caps a fetched body; a larger one is refused. Default 5 MiB.
	MaxBytes int64
	// Timeout bounds one fetch, redirects and body included. Default 30 seconds.
	Timeout time.Duration
	// PerHost bounds the fetches in flight to one host, so that a run does not hammer a site.
	// Default 2.
	PerHost int
	// AllowPrivate lets fetches reach loopback, private and link-local addresses (a test's
	// server, an intranet). By default they are refused, at every address connected to.
	AllowPrivate bool
	// UserAgent is sent with every fetch; default names realx.
	UserAgent string
}

// Fetcher fetches web pages and images directly: with a size cap, a timeout, a bound on
// fetches in flight per host, at most five redirects, no proxy, and (unless AllowPrivate) no
// connection to an address that is not public, checked at each address dialled so that a name
// rebound to 127.0.0.1 is caught. It implements PageReader, turning HTML into readable text with
// go-readability. It is safe for concurrent use.
type Fetcher struct {
	opt    FetchOptions
	client *http.Client
	mu     sync.Mutex
	hosts  map[string]chan struct{}
}

// maxRedirects is how many redirects a fetch follows.
const maxRedirects = 5

// NewFetcher returns a Fetcher.
func NewFetcher(o FetchOptions) *Fetcher {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 5 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.PerHost <= 0 {
		o.PerHost = 2
	}
	if o.UserAgent == "" {
		o.UserAgent = userAgent
	}
	allow := o.AllowPrivate
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			if allow {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &refusedError{addr: address, why: "is not an IP address"}
			}
			if why := tasks.NonPublicAddress(ap.Addr()); why != "" {
				return &refusedError{addr: ap.Addr().String(), why: why}
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would connect out of the address check's sight
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           32,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Fetcher{opt: o, hosts: map[string]chan struct{}{}, client: &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirected to a %s: URL", req.URL.Scheme)
			}
			return nil
		},
	}}
}

// refusedError is an address a fetch may not connect to.
type refusedError struct{ addr, why string }

func (e *refusedError) Error() string {
	return fmt.Sprintf("address %s %s, and pages are fetched only from the internet", e.addr, e.why)
}

// Name returns "fetch".
func (f *Fetcher) Name() string { return "fetch" }

// Fetched is a fetched body with its final URL and media type.
type Fetched struct {
	URL  string
	MIME string
	// Charset is the charset the Content-Type names, "" when it names none.
	Charset string
	Body    []byte
}

// Fetch GETs rawURL. A failure is an *Error of KindTarget (the page is missing, refused, too
// large or unreachable), or ctx's error.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Fetched, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, f.target(0, "%q is not an http(s) URL", shorten(rawURL, 200))
	}
	release, err := f.acquire(ctx, strings.ToLower(u.Hostname()))
	if err != nil {
		return nil, err
	}
	defer release()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, f.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, f.target(0, "%v", err)
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,image/*;q=0.8,*/*;q=0.5")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.failed(parent, ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, f.target(resp.StatusCode, "GET %s: %s", shorten(rawURL, 200), resp.Status)
	}
	if resp.ContentLength > f.opt.MaxBytes {
		return nil, f.target(0, "%s is %d bytes, over the %d-byte cap", shorten(rawURL, 200), resp.ContentLength, f.opt.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opt.MaxBytes+1))
	if err != nil {
		return nil, f.failed(parent, ctx, err)
	}
	if int64(len(body)) > f.opt.MaxBytes {
		return nil, f.target(0, "%s is over the %d-byte cap", shorten(rawURL, 200), f.opt.MaxBytes)
	}
	mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "" {
		mt = http.DetectContentType(body)
		mt, params, _ = mime.ParseMediaType(mt)
	}
	return &Fetched{URL: resp.Request.URL.String(), MIME: mt, Charset: params["charset"], Body: body}, nil
}

// ReadPage fetches rawURL and returns its readable text: for HTML the main content as
// go-readability finds it (the whole page's text when it finds none), for plain text the text
// itself. Other media (PDF, images) are refused.
func (f *Fetcher) ReadPage(ctx context.Context, rawURL string) (*Page, error) {
	got, err := f.Fetch(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return ReadHTML(got)
}

// ReadHTML turns a fetched HTML or text body into a Page.
func ReadHTML(got *Fetched) (*Page, error) {
	ct := got.MIME
	if got.Charset != "" {
		ct += "; charset=" + got.Charset
	}
	r, err := charset.NewReader(bytes.NewReader(got.Body), ct)
	if err != nil {
		r = bytes.NewReader(got.Body)
	}
	switch {
	case got.MIME == "text/html" || got.MIME == "application/xhtml+xml":
	case strings.HasPrefix(got.MIME, "text/") || got.MIME == "application/json":
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, &Error{Provider: "fetch", Kind: KindTarget, Message: err.Error()}
		}
		return &Page{URL: got.URL, Text: strings.ToValidUTF8(string(b), "\uFFFD")}, nil
	default:
		return nil, &Error{Provider: "fetch", Kind: KindTarget, Message: fmt.Sprintf("%s is a %s document, which cannot be read as text", shorten(got.URL, 200), got.MIME)}
	}
	doc, err := html.Parse(r)
	if err != nil {
		return nil, &Error{Provider: "fetch", Kind: KindTarget, Message: "parsing the HTML: " + err.Error()}
	}
	base, _ := url.Parse(got.URL)
	page := &Page{URL: got.URL}
	if article, err := readability.FromDocument(doc, base); err == nil {
		page.Title = strings.TrimSpace(article.Title())
		if article.Node != nil {
			var b strings.Builder
			if article.RenderText(&b) == nil {
				page.Text = strings.TrimSpace(b.String())
			}
		}
	}
	if page.Text == "" {
		page.Text = strings.TrimSpace(render.InnerText(doc))
	}
	if page.Text == "" {
		return nil, &Error{Provider: "fetch", Kind: KindTarget, Message: shorten(got.URL, 200) + " has no readable text"}
	}
	return page, nil
}

// acquire waits for a free slot of host; release gives it back.
func (f *Fetcher) acquire(ctx context.Context, host string) (release func(), err error) {
	f.mu.Lock()
	sem, ok := f.hosts[host]
	if !ok {
		sem = make(chan struct{}, f.opt.PerHost)
		f.hosts[host] = sem
	}
	f.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// target returns an *Error of KindTarget.
func (f *Fetcher) target(status int, format string, args ...any) *Error {
	return &Error{Provider: "fetch", Kind: KindTarget, Status: status, Message: fmt.Sprintf(format, args...)}
}

// failed says why a fetch under ctx (made from parent) got no answer: the caller's context
// ended (its error), the fetch's own time ran out, the address was refused, or the network
// failed; all but the first are the page's failures.
func (f *Fetcher) failed(parent, ctx context.Context, err error) error {
	var refused *refusedError
	switch {
	case parent.Err() != nil:
		return parent.Err()
	case errors.As(err, &refused):
		return f.target(0, "%v", refused)
	case ctx.Err() != nil:
		return f.target(0, "no answer within %v", f.opt.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return f.target(0, "no answer within %v", f.opt.Timeout)
		}
		err = ue.Err
	}
	return f.target(0, "%v", err)
}
