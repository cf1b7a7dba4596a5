package runners

// This file owns what an answer's headers say about when to call again: the rate-limit
// headers (RateLimit, which WithThrottle heeds) and Retry-After (ModelError.RetryAfter, which
// WithRetry heeds).

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what an answer said about the endpoint's rate limits, in the
// x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers of OpenAI (and Groq, Azure,
// and proxies that copy them). A count is -1 and a reset 0 when the answer did not say.
type RateLimit struct {
	LimitRequests, RemainingRequests int
	LimitTokens, RemainingTokens     int
	// ResetRequests and ResetTokens are how long until the window is full again.
	ResetRequests, ResetTokens time.Duration
}

// readRateLimit returns the rate-limit headers of h, or nil when it has none.
func readRateLimit(h http.Header) *RateLimit {
	if h.Get("X-Ratelimit-Remaining-Requests") == "" && h.Get("X-Ratelimit-Remaining-Tokens") == "" {
		return nil
	}
	count := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	reset := func(name string) time.Duration {
		v := strings.TrimSpace(h.Get(name))
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d // OpenAI writes "1s", "6m0s", "20ms"
		}
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	return &RateLimit{
		LimitRequests: count("X-Ratelimit-Limit-Requests"), RemainingRequests: count("X-Ratelimit-Remaining-Requests"),
		LimitTokens: count("X-Ratelimit-Limit-Tokens"), RemainingTokens: count("X-Ratelimit-Remaining-Tokens"),
		ResetRequests: reset("X-Ratelimit-Reset-Requests"), ResetTokens: reset("X-Ratelimit-Reset-Tokens"),
	}
}

// retryAfter reads how long an answer asks the client to wait: retry-after-ms, or
// Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
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
