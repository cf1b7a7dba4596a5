package tasks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// privateSuite returns a suite whose image URLs may reach private addresses, as the fake
// servers of these tests are on 127.0.0.1.
func privateSuite() *Suite {
	s := &Suite{}
	s.AllowPrivateURLs()
	return s
}

func TestReadURL(t *testing.T) {
	t.Parallel()
	jpeg, err := os.ReadFile(filepath.Join(vstarImages, "nba.png"))
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /nba.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png") // wrong on purpose: the bytes decide
		_, _ = w.Write(jpeg)
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>not found, really</body></html>"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := privateSuite()

	b, typ, err := ImageRef{Ref: srv.URL + "/nba.png", suite: s}.Read(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", typ)
	assert.Equal(t, jpeg, b)

	_, _, err = ImageRef{Ref: srv.URL + "/gone.png", suite: s}.Read(context.Background())
	var ie *ImageError
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "404 Not Found")

	_, _, err = ImageRef{Ref: srv.URL + "/page", suite: s}.Read(context.Background())
	assert.ErrorContains(t, err, "not an image: the bytes look like text/html")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = ImageRef{Ref: srv.URL + "/nba.png", suite: s}.Read(ctx)
	require.ErrorAs(t, err, &ie)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestReadURLRefusesLocalAddresses fetches nothing from this machine unless the suite allows
// private addresses: not by IP, and not by a name that resolves to loopback, which only the
// check of the address dialled catches (as it catches a name rebound to 127.0.0.1 after a
// first, public answer).
func TestReadURLRefusesLocalAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write(tinyPNG)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	byName := "http://localhost:" + u.Port() + "/internal-admin"

	for _, ref := range []string{srv.URL + "/internal-admin", byName} {
		_, _, err := ImageRef{Ref: ref}.Read(context.Background())
		var ie *ImageError
		require.ErrorAs(t, err, &ie, ref)
		assert.ErrorIs(t, err, ErrOutside, ref)
		assert.Contains(t, err.Error(), "is loopback: a suite's URLs may not reach local or private addresses (realx run --allow-private-urls allows them)", ref)
		_, _, err = ImageRef{Ref: ref, suite: &Suite{}}.Read(context.Background())
		assert.ErrorIs(t, err, ErrOutside, "a suite refuses them unless told: %s", ref)
	}
	assert.Zero(t, hits.Load(), "no request reached the server")

	_, _, err = ImageRef{Ref: byName, suite: privateSuite()}.Read(context.Background())
	require.NoError(t, err, "AllowPrivateURLs lets them through")
	assert.Equal(t, int32(1), hits.Load())
}

func TestPublicAddress(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"127.0.0.1":        "loopback",
		"127.8.9.10":       "loopback",
		"::1":              "loopback",
		"::ffff:127.0.0.1": "loopback",
		"64:ff9b::7f00:1":  "loopback", // 127.0.0.1 through NAT64
		"10.1.2.3":         "private",
		"172.16.0.1":       "private",
		"192.168.1.1":      "private",
		"fd00:ec2::254":    "private", // AWS's metadata service over IPv6
		"169.254.169.254":  "link-local",
		"fe80::1":          "link-local",
		"0.0.0.0":          "unspecified",
		"0.1.2.3":          "unspecified",
		"::":               "unspecified",
		"224.0.0.1":        "multicast",
		"ff02::1":          "multicast",
		"100.100.100.200":  "shared address space", // Alibaba Cloud's metadata service
		"255.255.255.255":  "reserved",
		"198.18.0.1":       "reserved",
	}
	for addr, why := range refused {
		err := publicAddress(netip.AddrPortFrom(netip.MustParseAddr(addr), 80))
		require.Error(t, err, addr)
		assert.Contains(t, err.Error(), why, addr)
		assert.ErrorIs(t, err, ErrOutside, addr)
	}
	for _, addr := range []string{"1.1.1.1", "8.8.8.8", "151.101.1.69", "2606:4700:4700::1111", "::ffff:8.8.8.8"} {
		assert.NoError(t, publicAddress(netip.AddrPortFrom(netip.MustParseAddr(addr), 443)), addr)
	}
}

// onlyPort allows the addresses of one port, refusing the rest, so that a test can tell a
// first server from the one it redirects to although both are on 127.0.0.1.
func onlyPort(port string) func(netip.AddrPort) error {
	return func(ap netip.AddrPort) error {
		if fmt.Sprint(ap.Port()) == port {
			return nil
		}
		return &addressError{addr: ap.String(), why: "is not the test's first server"}
	}
}

func TestFetchChecksEveryRedirect(t *testing.T) {
	t.Parallel()
	var inner atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.Add(1)
		_, _ = w.Write(tinyPNG)
	}))
	t.Cleanup(target.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/out":
			http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
		case "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/ok":
			http.Redirect(w, r, "/img", http.StatusFound)
		default:
			_, _ = w.Write(tinyPNG)
		}
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	f := newFetcher(defaultLimits, onlyPort(u.Port()))

	b, err := f.get(context.Background(), srv.URL+"/ok")
	require.NoError(t, err, "a redirect within what is allowed is followed")
	assert.Equal(t, tinyPNG, b)

	_, err = f.get(context.Background(), srv.URL+"/out")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrOutside)
	assert.Contains(t, err.Error(), "is not the test's first server")
	assert.Zero(t, inner.Load(), "the redirect's target was not reached")

	_, err = f.get(context.Background(), srv.URL+"/file")
	assert.ErrorContains(t, err, "redirected to a file: URL, which is not fetched")
	_, err = f.get(context.Background(), srv.URL+"/loop")
	assert.ErrorContains(t, err, "stopped after 5 redirects")
}

// silentListener accepts connections and never writes to them, until the test ends.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				<-done
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		close(done)
	})
	return ln.Addr().String()
}

// TestFetchTimeouts ends a fetch from a server that never answers, one that never finishes a
// TLS handshake and one that trickles its body forever, each with an error naming the limit.
func TestFetchTimeouts(t *testing.T) {
	t.Parallel()
	silent := silentListener(t)
	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(tinyPNG[:8])
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
				_, _ = w.Write([]byte{0})
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(trickle.Close)

	lim := fetchLimits{connect: time.Hour, tls: 50 * time.Millisecond, header: 50 * time.Millisecond, total: time.Hour}
	f := newFetcher(lim, anyAddress)
	err := getWithin(t, f, context.Background(), "http://"+silent+"/x.png")
	assert.ErrorContains(t, err, "GET http://"+silent+"/x.png: timed out: net/http: timeout awaiting response headers")

	err = getWithin(t, f, context.Background(), "https://"+silent+"/x.png")
	assert.ErrorContains(t, err, "timed out: net/http: TLS handshake timeout")

	lim.total = 200 * time.Millisecond
	f = newFetcher(lim, anyAddress)
	err = getWithin(t, f, context.Background(), trickle.URL+"/x.png")
	assert.ErrorContains(t, err, "GET "+trickle.URL+"/x.png: timed out after 200ms")
	assert.NotErrorIs(t, err, context.Canceled)
}

// getWithin fetches u with f under ctx and returns the error, failing the test when the fetch
// has not ended after ten seconds (a limit that does not work), or ended without one.
func getWithin(t *testing.T, f *fetcher, ctx context.Context, u string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := f.get(ctx, u)
		done <- err
	}()
	select {
	case err := <-done:
		require.Error(t, err, u)
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("the fetch of %s did not end", u)
		return nil
	}
}

// TestFetchStopsWhenCancelled stops a fetch that no limit of its own would end soon, from a
// server that never answers and from one that trickles, as soon as its context is cancelled
// (a sample's deadline, SIGTERM).
func TestFetchStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	silent := silentListener(t)
	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(tinyPNG[:8])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(trickle.Close)
	f := newFetcher(fetchLimits{time.Hour, time.Hour, time.Hour, time.Hour}, anyAddress)

	for _, u := range []string{"http://" + silent + "/x.png", trickle.URL + "/x.png"} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel) // once the request is sent; the result is the same if not
		err := getWithin(t, f, ctx, u)
		assert.ErrorIs(t, err, context.Canceled, u)
		cancel()
	}
}

func TestFetchCapsTheBody(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/declared" {
			w.Header().Set("Content-Length", fmt.Sprint(MaxImageBytes+1))
			return
		}
		for range MaxImageBytes>>20 + 1 {
			if _, err := w.Write([]byte(big)); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	f := newFetcher(defaultLimits, anyAddress)
	_, err := f.get(context.Background(), srv.URL+"/declared")
	assert.ErrorContains(t, err, "larger than 64 MiB")
	_, err = f.get(context.Background(), srv.URL+"/streamed")
	assert.ErrorContains(t, err, "larger than 64 MiB")
	assert.False(t, errors.Is(err, ErrOutside))
}
