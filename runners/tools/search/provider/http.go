package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/realx-bench/realx/runners"
)

// maxAnswerBytes caps a provider's answer: search results are a few hundred kilobytes at most;
// a read page a few megabytes.
const maxAnswerBytes = 16 << 20

// userAgent is sent with every request.
const userAgent = "realx (agentic evaluation harness; +https://github.com/realx-bench/realx)"

// api is what every provider's client shares: its endpoints, key, HTTP client, and the
// request loop with retries, error classification and redaction.
type api struct {
	info    Info
	base    string // BaseURL without a trailing slash
	page    string // PageURL without a trailing slash
	key     string
	client  *http.Client
	retries int
	maxWait time.Duration
	// clock waits out Retry-After and reads its dates.
	clock runners.Clock
}

// newAPI checks o's URLs and returns the shared part of a client.
func newAPI(info Info, o Options) (*api, error) {
	a := &api{info: info, key: o.Key, client: o.HTTPClient, retries: o.Retries, maxWait: o.MaxWait, clock: o.Clock}
	for _, u := range []struct{ name, v string }{{info.BaseURLVar, o.BaseURL}, {info.PageURLVar, o.PageURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("search provider %s: %s=%q is not an http(s) URL", info.Name, u.name, u.v)
		}
	}
	a.base = strings.TrimRight(o.BaseURL, "/")
	a.page = strings.TrimRight(o.PageURL, "/")
	if a.client == nil {
		a.client = &http.Client{Timeout: 2 * time.Minute}
	}
	if a.retries == 0 {
		a.retries = 2
	}
	if a.maxWait == 0 {
		a.maxWait = time.Minute
	}
	if a.clock == nil {
		a.clock = runners.SystemClock
	}
	return a, nil
}

// Name returns the provider's name.
func (a *api) Name() string { return a.info.Name }

// call is one request: its method, URL, JSON body (nil for none) and headers. classify turns an
// answer that is not 2xx into an *Error (the status, body and headers are its input).
type call struct {
	method   string
	url      string
	body     any
	header   http.Header
	classify func(status int, body []byte, h http.Header) *Error
}

// do sends c, retrying rate limits and server errors, and decodes a 2xx JSON answer into out.
// Every error is an *Error (or ctx's error) whose text holds no key.
func (a *api) do(ctx context.Context, c call, out any) error {
	var payload []byte
	if c.body != nil {
		var err error
		if payload, err = json.Marshal(c.body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		status, body, h, err := a.send(ctx, c, payload)
		if err != nil {
			return err
		}
		if status >= 200 && status <= 299 {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(body, out); err != nil {
				return a.errorf(KindBadResponse, status, "not the documented JSON: %v; the answer begins %q", err, shorten(string(body), 120))
			}
			return nil
		}
		e := c.classify(status, body, h)
		if e.RetryAfter == 0 {
			e.RetryAfter = retryAfter(h, a.clock.Now())
		}
		retryable := e.Kind == KindRateLimit || e.Kind == KindServer
		wait := e.RetryAfter
		if wait == 0 {
			wait = time.Duration(1<<attempt) * time.Second
		}
		if !retryable || attempt >= a.retries || wait > a.maxWait {
			if e.Kind == KindRateLimit && e.Hint == "" {
				e.Hint = fmt.Sprintf("gave up after %s: run fewer samples at once (-c), wait, or replay the searches from a store", tries(attempt+1))
			}
			return a.finish(e)
		}
		if err := a.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// send makes one request and reads its answer, capped.
func (a *api) send(ctx context.Context, c call, payload []byte) (int, []byte, http.Header, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, body)
	if err != nil {
		return 0, nil, nil, a.errorf(KindConfig, 0, "%v", err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", userAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL may hold the key (SerpAPI's api_key)
		}
		return 0, nil, nil, a.finish(&Error{Provider: a.info.Name, Kind: KindTransport, Message: err.Error(),
			Hint: fmt.Sprintf("check the network, or the endpoint %s (%s)", a.hostOf(c.url), a.info.BaseURLVar)})
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		return 0, nil, nil, a.finish(&Error{Provider: a.info.Name, Kind: KindTransport, Status: resp.StatusCode, Message: "reading the answer: " + err.Error()})
	}
	if len(b) > maxAnswerBytes {
		return 0, nil, nil, a.errorf(KindBadResponse, resp.StatusCode, "the answer is over %d MiB", maxAnswerBytes>>20)
	}
	return resp.StatusCode, b, resp.Header, nil
}

// hostOf returns the scheme and host of u, for messages (never its query, which may hold a key).
func (a *api) hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return a.base
	}
	return p.Scheme + "://" + p.Host
}

// errorf returns an *Error of kind k with a formatted message.
func (a *api) errorf(k Kind, status int, format string, args ...any) *Error {
	return a.finish(&Error{Provider: a.info.Name, Kind: k, Status: status, Message: fmt.Sprintf(format, args...)})
}

// finish fills e's provider and default hint, and takes the key out of its text.
func (a *api) finish(e *Error) *Error {
	e.Provider = a.info.Name
	if e.Hint == "" {
		e.Hint = a.hint(e.Kind)
	}
	e.Message = shorten(redact(e.Message, a.key), 300)
	e.Hint = redact(e.Hint, a.key)
	return e
}

// hint says what to do about a failure of kind k.
func (a *api) hint(k Kind) string {
	switch k {
	case KindAuth:
		if a.info.KeyVar == "" {
			return "the endpoint wants credentials realx does not send"
		}
		return "check the key in " + a.info.KeyVar
	case KindQuota:
		return "top up the account, use another provider, or replay the searches from a store"
	case KindServer:
		return "try again later"
	case KindBadResponse:
		return fmt.Sprintf("is %s (%s) the provider's endpoint?", a.base, a.info.BaseURLVar)
	}
	return ""
}

// retryAfter reads how long an answer asks the client to wait: Retry-After in seconds or as an
// HTTP date; 0 when it does not say. (The model client's rule, less OpenAI's retry-after-ms.)
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// byStatus is the classification of an answer by its status alone: 401 and 403 refuse the key,
// 402 is out of credits, 429 rate limits, 5xx are the provider's failures, any other status a
// refused request.
func byStatus(status int) Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindAuth
	case status == http.StatusPaymentRequired:
		return KindQuota
	case status == http.StatusTooManyRequests:
		return KindRateLimit
	case status >= 500:
		return KindServer
	}
	return KindBadRequest
}

// jsonField returns the first of the string fields named by paths ("detail.error") that body
// holds, "" when none.
func jsonField(body []byte, paths ...string) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	for _, p := range paths {
		cur := v
		for _, k := range strings.Split(p, ".") {
			switch m := cur.(type) {
			case map[string]any:
				cur = m[k]
			case []any:
				if i, err := strconv.Atoi(k); err == nil && i < len(m) {
					cur = m[i]
				} else {
					cur = nil
				}
			default:
				cur = nil
			}
		}
		if s, ok := cur.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// bodyText is an answer's text for a message: its JSON message fields, else its start.
func bodyText(body []byte, paths ...string) string {
	if s := jsonField(body, paths...); s != "" {
		return s
	}
	return shorten(string(body), 200)
}

// tries returns "1 try" or "n tries".
func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return strconv.Itoa(n) + " tries"
}
