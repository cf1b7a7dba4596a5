package provider

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies a failed request.
type Kind string

// The kinds of failure. KindTarget is the only one that says something about the page asked
// for rather than about the provider: a search tool shows it to the model (and records it),
// where the others are failures of the run's infrastructure.
const (
	// KindAuth: the key is missing, wrong or revoked.
	KindAuth Kind = "auth"
	// KindQuota: the account is out of credits or over its plan.
	KindQuota Kind = "quota"
	// KindRateLimit: too many requests; RetryAfter says how long to wait, when known.
	KindRateLimit Kind = "rate-limit"
	// KindBadRequest: the provider refused the request's parameters.
	KindBadRequest Kind = "bad-request"
	// KindServer: the provider failed (5xx, or an answer it marks as failed).
	KindServer Kind = "server"
	// KindBadResponse: the answer could not be read (not JSON, not the documented shape).
	KindBadResponse Kind = "bad-response"
	// KindTransport: the provider could not be reached, or did not answer in time.
	KindTransport Kind = "transport"
	// KindConfig: the provider, as configured, cannot do this (SearXNG without JSON output, a
	// reverse image search without an uploader).
	KindConfig Kind = "config"
	// KindTarget: the page asked for could not be read (missing, refused, too large, not text).
	KindTarget Kind = "target"
)

// Error is a failed request to a provider (or of a page fetch). Its message says what failed
// and what to do; it never holds the provider's key.
type Error struct {
	// Provider names the provider ("serper"), or "fetch" for a page fetched directly.
	Provider string
	Kind     Kind
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Message is the provider's own message, shortened and without the key.
	Message string
	// RetryAfter is how long the provider asked to wait, 0 when it did not say.
	RetryAfter time.Duration
	// Hint says what to do about it.
	Hint string
}

// Error returns "serper: the API key was refused (HTTP 403: Unauthorized.): check the key in
// SERPER_API_KEY".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	b.WriteString(": ")
	b.WriteString(kindText[e.Kind])
	switch {
	case e.Status != 0 && e.Message != "":
		fmt.Fprintf(&b, " (HTTP %d: %s)", e.Status, e.Message)
	case e.Status != 0:
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	case e.Message != "":
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %v", e.RetryAfter.Round(time.Second))
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// kindText says what each kind of failure is.
var kindText = map[Kind]string{
	KindAuth:        "the API key was refused",
	KindQuota:       "the account is out of credits or over its plan's quota",
	KindRateLimit:   "rate limited",
	KindBadRequest:  "the request was refused",
	KindServer:      "the provider failed",
	KindBadResponse: "the answer could not be read",
	KindTransport:   "no answer",
	KindConfig:      "not possible as configured",
	KindTarget:      "the page could not be read",
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// ErrNoUploader is the error of a reverse image search, by a provider that needs the image at a
// public URL, when no uploader is configured.
var ErrNoUploader = errors.New("reverse image search needs the image at a public URL, and no image uploader is configured: " +
	"set an upload command (" + UploadCommandVar + ", which reads the image on stdin and prints its URL) " +
	"or a public URL prefix that serves the images by their SHA-256 (" + ImageURLPrefixVar + "), " +
	"or replay the searches from a store")

// redact returns s with every occurrence of the non-empty secrets replaced by "[redacted]".
func redact(s string, secrets ...string) string {
	for _, k := range secrets {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	return s
}

// shorten returns s cut to n bytes (at a rune boundary) with "…" when it was longer, and its
// runs of space squeezed.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// utf8RuneStart reports whether b starts a UTF-8 sequence.
func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
