package runners

// This file owns the errors of the OpenAI client: ModelError, the error answers of an endpoint
// read into it (go-openai's APIError reads OpenAI's error JSON), and the classification that
// tells WithRetry whether asking again may help.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// ModelError is an error from a model endpoint or the way to it. Errors in the request
// itself, found before anything is sent (a tool schema that is not JSON, say), are plain
// errors instead.
type ModelError struct {
	// Status is the HTTP status of the answer; 0 when none came (a connection error, a
	// timeout).
	Status int
	// Retryable says whether the same request may succeed later: true for 408, 409, 429 and
	// 5xx answers, timeouts, connection resets and refusals, and truncated streams or bodies;
	// false for other answers (400, 401, 404 …) and when the caller's context ended.
	Retryable bool
	// RetryAfter is how long the endpoint asked to wait (Retry-After or retry-after-ms);
	// 0 when it did not say.
	RetryAfter time.Duration
	// Err is the underlying error.
	Err error
	// Attempts is how many calls were made before giving up; WithRetry sets it, and it is
	// 0 for an error that did not go through WithRetry.
	Attempts int

	msg string
}

// Error returns a one-line description of the error, of maxErrorText bytes at most, with the
// number of attempts when there were several.
func (e *ModelError) Error() string {
	msg := e.msg
	switch {
	case msg != "":
	case e.Err != nil:
		msg = e.Err.Error()
	default:
		msg = http.StatusText(e.Status)
	}
	msg = oneLine(msg, maxErrorText)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	if e.Status != 0 {
		return fmt.Sprintf("model endpoint: HTTP %d: %s", e.Status, msg)
	}
	return "model endpoint: " + msg
}

// Unwrap returns e.Err.
func (e *ModelError) Unwrap() error { return e.Err }

// maxErrorText caps the text of a ModelError (and of an endpoint's message in it), in bytes.
const maxErrorText = 1000

// ErrTruncatedStream is the error of a stream that ended without its final "data: [DONE]".
var ErrTruncatedStream = errors.New("stream ended without data: [DONE]")

// errorAnswer returns the error of an answer with an error status, of whose body only the
// first maxErrorBody bytes are read: an *openai.APIError when it is OpenAI's error JSON, an
// *openai.RequestError holding it otherwise.
func errorAnswer(answer *http.Response) error {
	body, err := io.ReadAll(newCapReader(answer.Body, maxErrorBody, nil))
	var e openai.ErrorResponse
	if json.Unmarshal(body, &e) == nil && e.Error != nil {
		e.Error.HTTPStatus, e.Error.HTTPStatusCode = answer.Status, answer.StatusCode
		return e.Error
	}
	return &openai.RequestError{HTTPStatus: answer.Status, HTTPStatusCode: answer.StatusCode, Err: err, Body: body}
}

// fail wraps err, which ended a call, in a *ModelError without the endpoint's secrets. ctx is
// the caller's context; answer is the endpoint's answer, nil when none came.
func (m *OpenAI) fail(ctx context.Context, answer *http.Response, err error) *ModelError {
	e := &ModelError{Err: err}
	if answer != nil {
		e.Status, e.RetryAfter = answer.StatusCode, retryAfter(answer.Header, time.Now())
	}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &reqErr): // an error answer that is not OpenAI's JSON
		e.msg = oneLine(string(reqErr.Body), 300)
		if e.msg == "" {
			e.msg = http.StatusText(e.Status)
		}
	case errors.As(err, &apiErr):
		e.msg = oneLine(apiErr.Message, maxErrorText)
		if code := fmt.Sprint(apiErr.Code); apiErr.Code != nil && code != "" {
			e.msg = code + ": " + e.msg
		}
		if apiErr.HTTPStatusCode == 0 {
			e.msg = "error in stream: " + e.msg
		}
	}
	var limitErr *ReplyLimitError
	switch {
	case ctx.Err() != nil:
		e.Retryable = false // the caller gave up; trying again cannot help
	case errors.As(err, &limitErr):
		e.Retryable = false // the model's own output: asking again costs as much again
	case apiErr != nil && apiErr.HTTPStatusCode == 0:
		code, isInt := apiErr.Code.(int)
		e.Retryable = !isInt || retryableStatus(code)
	case e.Status >= 300:
		e.Retryable = retryableStatus(e.Status)
	default:
		e.Retryable = retryableError(err)
	}
	e.msg, e.Err = m.secrets.redact(e.msg), m.secrets.error(err)
	return e
}

func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

// retryableError reports whether err, which came with no HTTP status, is a failure of the
// connection or of time rather than of the request.
func retryableError(err error) bool {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, ErrTruncatedStream), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &dnsErr):
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	case errors.As(err, &netErr):
		return true // timeouts, dial and read errors
	}
	return false
}

// oneLine returns s on one line, cut to at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
