package runners_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// The secrets of an endpoint's base URL in the tests below: the user and password of its
// userinfo and the values of two query parameters.
const (
	secretUser  = "alice-secret-user"
	secretPass  = "p4ss-SECRET-word"
	secretQuery = "SECRETQUERYVALUE0123"
	secretParam = "SECRETKEYPARAM4567"
)

// secretURL returns a base URL at hostport carrying every secret above.
func secretURL(hostport string) string {
	return "http://" + secretUser + ":" + secretPass + "@" + hostport + "/v1?api_key=" + secretQuery + "&key=" + secretParam
}

// assertNoSecrets checks that no error in err's chain, printed in any way, holds a secret of
// secretURL or the API key.
func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(secretUser + ":" + secretPass))
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{secretUser, secretPass, secretQuery, secretParam, basic, testKey} {
			for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
				assert.NotContains(t, fmt.Sprintf(format, e), s, format)
			}
		}
	}
}

// TestOpenAISecretsNeverInErrors makes the endpoint fail in every way with a base URL that
// carries credentials in its userinfo and query: no error holds them (net/http prints the URL
// in its errors, and servers echo what they got), and each error is still what it was.
func TestOpenAISecretsNeverInErrors(t *testing.T) {
	for _, key := range []string{testKey, ""} {
		t.Run("key="+key, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			closed := l.Addr().String()
			require.NoError(t, l.Close())
			m := runners.NewOpenAI(runners.Endpoint{BaseURL: secretURL(closed), Model: "m", APIKey: key})
			_, err = m.Chat(context.Background(), ask("q", tasks.Generation{}))
			require.Error(t, err)
			assert.ErrorIs(t, err, syscall.ECONNREFUSED)
			assert.Contains(t, err.Error(), "connection refused")
			assert.Contains(t, err.Error(), "api_key=[redacted]")
			assertNoSecrets(t, err)

			srv := runnertest.NewServer(t)
			base := secretURL(strings.TrimSuffix(strings.TrimPrefix(srv.URL(), "http://"), "/v1"))
			m = runners.NewOpenAI(runners.Endpoint{BaseURL: base, Model: "m", APIKey: key, Timeout: 200 * time.Millisecond})
			echo := func(r *runnertest.Request) string {
				return "POST " + r.URL + " auth=" + r.Header.Get("Authorization") + " upstream=" + base
			}
			replies := []func(r *runnertest.Request) runnertest.Reply{
				func(r *runnertest.Request) runnertest.Reply {
					return runnertest.Reply{Status: 500, Body: "upstream failed: " + echo(r), Header: map[string]string{"Content-Type": "text/plain"}}
				},
				func(r *runnertest.Request) runnertest.Reply {
					return runnertest.Reply{Status: 502, Body: fmt.Sprintf(`{"error":{"message":%q,"type":"server_error"}}`, "no upstream for "+echo(r))}
				},
				func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Delay: 5 * time.Second} },
			}
			for i, reply := range replies {
				srv.Handle(reply)
				_, err := m.Chat(context.Background(), ask("q", tasks.Generation{}))
				require.Error(t, err, "reply %d", i)
				var me *runners.ModelError
				require.ErrorAs(t, err, &me)
				assertNoSecrets(t, err)
				if i == 2 {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.True(t, me.Retryable)
				} else {
					assert.Contains(t, err.Error(), "api_key=[redacted]", "the echo is kept, without the secrets")
				}
			}
			reqs := srv.Requests()
			require.Len(t, reqs, 3)
			assert.Equal(t, "/v1/chat/completions?api_key="+secretQuery+"&key="+secretParam, reqs[0].URL,
				"the query of the base URL goes with every request")
			if key == "" {
				assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(secretUser+":"+secretPass)), reqs[0].Header.Get("Authorization"))
			}
		})
	}
}

func TestEndpointPrintsNoURLSecrets(t *testing.T) {
	ep := runners.Endpoint{BaseURL: secretURL("localhost:8000"), Model: "m", APIKey: testKey}
	for _, format := range []string{"%v", "%+v", "%s", "%#v"} {
		s := fmt.Sprintf(format, ep)
		for _, secret := range []string{secretUser, secretPass, secretQuery, secretParam, testKey} {
			assert.NotContains(t, s, secret, format)
		}
		assert.Contains(t, s, "http://[redacted]@localhost:8000/v1?api_key=[redacted]&key=[redacted]", format)
	}
}

// countingTransport counts the bytes of answer bodies read through it.
type countingTransport struct {
	http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.RoundTripper.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// limitedClient returns a client of a fresh fake endpoint with limits, and the transport that
// counts what it reads.
func limitedClient(t *testing.T, limits runners.ReplyLimits) (*runners.OpenAI, *runnertest.Server, *countingTransport) {
	t.Helper()
	srv := runnertest.NewServer(t)
	tr := &countingTransport{RoundTripper: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(tr.RoundTripper.(*http.Transport).CloseIdleConnections)
	m := runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m", APIKey: testKey,
		HTTPClient: &http.Client{Transport: tr}, Limits: limits})
	return m, srv, tr
}

// allocated returns the bytes f allocates (in all goroutines, so the fake server's too).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// requireLimit checks that err is a non-retryable *ModelError for a reply over the cap what
// of limit.
func requireLimit(t *testing.T, err error, what string, limit int64) {
	t.Helper()
	require.Error(t, err)
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.False(t, me.Retryable, "a reply over a cap is not asked for again")
	var le *runners.ReplyLimitError
	require.ErrorAs(t, err, &le, "%v", err)
	assert.Equal(t, what, le.What, "%v", err)
	assert.Equal(t, limit, le.Limit)
}

// TestOpenAIBodyCap answers with a 16 MiB body, generated as it is sent, to a client whose
// body cap is 1 MiB: it reads no more than the cap, allocates a few MiB, and says why it
// stopped.
func TestOpenAIBodyCap(t *testing.T) {
	m, srv, tr := limitedClient(t, runners.ReplyLimits{MaxBodyBytes: 1 << 20})
	srv.Script(runnertest.Reply{Flood: 16 << 20})
	var err error
	alloc := allocated(func() { _, err = m.Chat(context.Background(), ask("q", tasks.Generation{})) })
	requireLimit(t, err, "body", 1<<20)
	assert.Contains(t, err.Error(), "the reply's body is larger than the cap of 1 MiB")
	assert.LessOrEqual(t, tr.read.Load(), int64(1<<20+1), "bytes read from the endpoint")
	assert.Less(t, alloc, uint64(8<<20), "bytes allocated")

	// A body that says its length is refused before it is read.
	tr.read.Store(0)
	srv.Script(runnertest.Reply{Body: strings.Repeat("x", 2<<20), Header: map[string]string{"Content-Length": fmt.Sprint(2 << 20)}})
	_, err = m.Chat(context.Background(), ask("q", tasks.Generation{}))
	requireLimit(t, err, "body", 1<<20)
	assert.Zero(t, tr.read.Load())

	// Of an error answer only the start is read: it is still the error it is.
	tr.read.Store(0)
	srv.Script(runnertest.Reply{Status: 500, Body: "overloaded " + strings.Repeat("x", 4<<20), Header: map[string]string{"Content-Type": "text/plain"}})
	_, err = m.Chat(context.Background(), ask("q", tasks.Generation{}))
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 500, me.Status)
	assert.True(t, me.Retryable)
	assert.Contains(t, err.Error(), "overloaded")
	assert.LessOrEqual(t, tr.read.Load(), int64(64<<10+1))
	assert.LessOrEqual(t, len(err.Error()), 1200, "error text is capped")

	// Within the caps, an answer is whole.
	srv.Script(runnertest.Reply{Flood: 512 << 10})
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{}))
	require.NoError(t, err)
	assert.Len(t, resp.Content, 512<<10)
}

// TestOpenAIStreamCaps answers stream requests with endless floods of deltas (1 MiB each, as
// a hostile endpoint sent them) of each kind of output, and of comment lines that carry no
// data: the client stops at the cap, having read little more than it, and says which cap.
func TestOpenAIStreamCaps(t *testing.T) {
	const delta = 1 << 20
	cases := []struct {
		field  string
		delta  int
		limits runners.ReplyLimits
		what   string
		limit  int64
	}{
		{"content", delta, runners.ReplyLimits{MaxReplyBytes: 4 << 20, MaxStreamBytes: 1 << 40}, "output", 4 << 20},
		{"reasoning", delta, runners.ReplyLimits{MaxReplyBytes: 4 << 20, MaxStreamBytes: 1 << 40}, "output", 4 << 20},
		{"arguments", delta, runners.ReplyLimits{MaxReplyBytes: 4 << 20, MaxStreamBytes: 1 << 40}, "output", 4 << 20},
		{"calls", 64, runners.ReplyLimits{MaxToolCalls: 8}, "tool calls", 8},
		{"other", delta, runners.ReplyLimits{MaxStreamBytes: 4 << 20}, "stream", 4 << 20},
		{"comments", 64 << 10, runners.ReplyLimits{}, "non-data lines", 1 << 20},
		{"line", delta, runners.ReplyLimits{MaxReplyBytes: 1 << 20}, "event", 3<<20 + 64<<10},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			m, srv, tr := limitedClient(t, c.limits)
			srv.Script(runnertest.Reply{Flood: 64 << 20, FloodDelta: c.delta, FloodField: c.field})
			var err error
			alloc := allocated(func() { _, err = m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)})) })
			requireLimit(t, err, c.what, c.limit)
			read := tr.read.Load()
			assert.Less(t, read, int64(6<<20), "bytes read from the endpoint")
			assert.Less(t, alloc, uint64(64<<20), "bytes allocated")
			assert.Less(t, srv.Sent(), int64(64<<20), "the endpoint was stopped before its end")
		})
	}
}

// TestOpenAIStreamWithinCapsIsWhole streams a reply just under its caps.
func TestOpenAIStreamWithinCapsIsWhole(t *testing.T) {
	m, srv, _ := limitedClient(t, runners.ReplyLimits{MaxReplyBytes: 1 << 20, MaxToolCalls: 4})
	srv.Script(runnertest.Reply{Flood: 1<<20 - 4<<10, FloodDelta: 4 << 10, FloodField: "reasoning"},
		runnertest.Reply{Flood: 4 * 64, FloodDelta: 64, FloodField: "calls"})
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)}))
	require.NoError(t, err)
	assert.Len(t, resp.Reasoning, 1<<20-4<<10)
	resp, err = m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)}))
	require.NoError(t, err)
	assert.Len(t, resp.ToolCalls, 4)
}

// TestEndpointIDHoldsNoSecrets: the cache keeps the endpoint's id in the clear.
func TestEndpointIDHoldsNoSecrets(t *testing.T) {
	id := runners.EndpointID(runners.Endpoint{BaseURL: secretURL("localhost:8000"), Model: "m", APIKey: testKey})
	for _, secret := range []string{secretUser, secretPass, secretQuery, secretParam, testKey} {
		assert.NotContains(t, id, secret)
	}
	assert.Equal(t, "http://localhost:8000/v1 m", runners.EndpointID(runners.Endpoint{BaseURL: "http://localhost:8000/v1/", Model: "m"}))
}
