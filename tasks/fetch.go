package tasks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// The limits of fetching a URL a suite names (an image): each step has a timeout of its own,
// and the whole request one more, all under the caller's context.
const (
	// fetchConnectTimeout bounds opening a connection.
	fetchConnectTimeout = 10 * time.Second
	// fetchTLSTimeout bounds a TLS handshake.
	fetchTLSTimeout = 10 * time.Second
	// fetchHeaderTimeout bounds the wait for the response headers once the request is sent.
	fetchHeaderTimeout = 30 * time.Second
	// fetchTotalTimeout bounds the whole request, redirects and the body included.
	fetchTotalTimeout = 2 * time.Minute
	// maxRedirects is how many redirects a fetch follows.
	maxRedirects = 5
)

// fetchLimits are a fetcher's timeouts.
type fetchLimits struct {
	connect, tls, header, total time.Duration
}

// defaultLimits are the limits of the fetchers Read uses.
var defaultLimits = fetchLimits{fetchConnectTimeout, fetchTLSTimeout, fetchHeaderTimeout, fetchTotalTimeout}

// fetcher fetches data URLs: with timeouts, a body capped at MaxImageBytes, at most
// maxRedirects redirects, no proxy, and every address it connects to (the first one's and
// each redirect's, as DNS answered, so that a name rebound to 127.0.0.1 is caught) checked
// by allow.
type fetcher struct {
	client *http.Client
	total  time.Duration
}

// publicFetcher and privateFetcher are the fetchers Read uses, made once: the first refuses
// local and private addresses, the second (Suite.AllowPrivateURLs) allows them.
var (
	publicFetcher  = sync.OnceValue(func() *fetcher { return newFetcher(defaultLimits, publicAddress) })
	privateFetcher = sync.OnceValue(func() *fetcher { return newFetcher(defaultLimits, anyAddress) })
)

// newFetcher returns a fetcher with limits lim that connects only to the addresses allow
// returns nil for.
func newFetcher(lim fetchLimits, allow func(netip.AddrPort) error) *fetcher {
	dialer := &net.Dialer{
		Timeout:   lim.connect,
		KeepAlive: 30 * time.Second,
		// Control runs once the address is resolved, for every address tried: the check is
		// of the address connected to, whatever a name resolved to before.
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &addressError{addr: address, why: "is not an IP address and port"}
			}
			return allow(ap)
		},
	}
	transport := &http.Transport{
		// No proxy: the proxy would connect to the address, out of this check's sight.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    lim.tls,
		ResponseHeaderTimeout:  lim.header,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &fetcher{
		total: lim.total,
		client: &http.Client{
			Transport: transport,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) > maxRedirects {
					return fmt.Errorf("stopped after %d redirects", maxRedirects)
				}
				if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
					return fmt.Errorf("redirected to a %s: URL, which is not fetched", req.URL.Scheme)
				}
				return nil
			},
		},
	}
}

// fetchTimeout is the cause of a fetch's context when its own time limit ran out.
type fetchTimeout struct{ d time.Duration }

func (e fetchTimeout) Error() string { return fmt.Sprintf("timed out after %v", e.d) }

// get fetches u under ctx and returns its body, at most MaxImageBytes of it. A failure says
// what went wrong in a sentence (a timeout names the limit); when ctx ends first, its error
// is the cause (errors.Is(err, context.Canceled) holds).
func (f *fetcher) get(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, f.total, fetchTimeout{f.total})
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fetchError(ctx, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("GET %s: %s", shorten(u, 200), resp.Status)
	}
	if resp.ContentLength > MaxImageBytes {
		return nil, fmt.Errorf("GET %s: %d bytes, %w", shorten(u, 200), resp.ContentLength, errTooLarge)
	}
	b, err := readCapped(resp.Body)
	if err != nil {
		return nil, fetchError(ctx, u, err)
	}
	return b, nil
}

// fetchError says why fetching u failed with err: the caller's context ended (its error is
// kept), the fetch's own time ran out, a refused address, or what net/http says.
func fetchError(ctx context.Context, u string, err error) error {
	u = shorten(u, 200)
	var timeout fetchTimeout
	var refused *addressError
	var ue *url.Error
	switch cause := context.Cause(ctx); {
	case errors.As(cause, &timeout):
		return fmt.Errorf("GET %s: %w", u, timeout)
	case cause != nil:
		return fmt.Errorf("GET %s: %w", u, cause)
	case errors.As(err, &refused):
		return fmt.Errorf("GET %s: %w", u, refused)
	case errors.As(err, &ue):
		if ue.Timeout() {
			return fmt.Errorf("GET %s: timed out: %w", u, ue.Err)
		}
		return fmt.Errorf("GET %s: %w", u, ue.Err)
	}
	return fmt.Errorf("GET %s: %w", u, err)
}

// addressError is an address a fetch may not connect to, and why.
type addressError struct {
	addr, why string
}

func (e *addressError) Error() string {
	return fmt.Sprintf("address %s %s: a suite's URLs may not reach local or private addresses (realx run --allow-private-urls allows them)", e.addr, e.why)
}

// Unwrap makes a refused address an ErrOutside.
func (e *addressError) Unwrap() error { return ErrOutside }

// anyAddress allows every address.
func anyAddress(netip.AddrPort) error { return nil }

// Address ranges publicAddress refuses beyond those netip names.
var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT; Alibaba Cloud's metadata is 100.100.100.200
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	reserved    = netip.MustParsePrefix("240.0.0.0/4") // and the broadcast address
	benchmark   = netip.MustParsePrefix("198.18.0.0/15")
	ietf        = netip.MustParsePrefix("192.0.0.0/24")
	nat64       = netip.MustParsePrefix("64:ff9b::/96") // IPv4 addresses within IPv6
	nat64Local  = netip.MustParsePrefix("64:ff9b:1::/48")
)

// publicAddress refuses an address that NonPublicAddress names.
func publicAddress(ap netip.AddrPort) error {
	if why := NonPublicAddress(ap.Addr()); why != "" {
		return &addressError{addr: ap.Addr().String(), why: why}
	}
	return nil
}

// NonPublicAddress says why addr reaches this machine, its network or its cloud instead of the
// internet ("is loopback", "is private", …), or returns "" for a public address. It names
// loopback, private (RFC 1918, fc00::/7, which holds AWS's fd00:ec2::254), link-local (which
// holds the 169.254.169.254 metadata service), unspecified, multicast, shared (100.64.0.0/10)
// and reserved addresses, IPv4 addresses written as IPv6 included. Fetchers of URLs that come
// from outside (a suite's, a web page's) check every address they connect to with it.
func NonPublicAddress(addr netip.Addr) string {
	addr = addr.Unmap()
	if nat64.Contains(addr) {
		b := addr.As16()
		addr = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case addr.IsLoopback():
		return "is loopback"
	case addr.IsPrivate():
		return "is private"
	case addr.IsLinkLocalUnicast():
		return "is link-local (the cloud metadata service lives there)"
	case addr.IsUnspecified(), thisNetwork.Contains(addr):
		return "is unspecified"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "is multicast"
	case sharedSpace.Contains(addr):
		return "is in the shared address space 100.64.0.0/10"
	case reserved.Contains(addr), benchmark.Contains(addr), ietf.Contains(addr), nat64Local.Contains(addr):
		return "is reserved"
	case !addr.IsGlobalUnicast():
		return "is not a global unicast address"
	}
	return ""
}
