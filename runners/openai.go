package runners

// This file owns the OpenAI-compatible client: where an endpoint is (Endpoint), the HTTP call,
// and a JSON answer read into a ChatResponse. The request body is in openai_body.go, the event
// stream in openai_stream.go, errors and their classification in openai_errors.go, the
// rate-limit headers in ratelimit.go, the caps on replies in limits.go and the redaction of
// secrets in redact.go.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Endpoint says where a model is served and how to reach it.
type Endpoint struct {
	// BaseURL is the API root, e.g. http://localhost:8000/v1.
	BaseURL string
	// Model is the model name sent with every request.
	Model string
	// APIKey is sent as a bearer token. The caller reads it from an environment variable;
	// it is never logged, recorded or put in an error.
	APIKey string
	// Timeout caps each Chat call, a stream read to its end included; 0 means none. It is a
	// context deadline, not http.Client.Timeout, so HTTPClient should carry no timeout of
	// its own (one would cut long streams).
	Timeout time.Duration
	// HTTPClient sends the requests; a client with a generous connection pool when nil.
	HTTPClient *http.Client
	// Limits bound each reply; the zero value takes the defaults.
	Limits ReplyLimits
}

// String returns the endpoint without its API key, and its base URL without the credentials
// of its userinfo and the values of its query parameters, so printing an Endpoint cannot leak
// them.
func (e Endpoint) String() string {
	key := ""
	if e.APIKey != "" {
		key = " key=[redacted]"
	}
	return fmt.Sprintf("%s model=%s%s", newSecrets("", e.BaseURL).redact(e.BaseURL), e.Model, key)
}

// GoString returns the endpoint without its API key, for %#v.
func (e Endpoint) GoString() string { return "runners.Endpoint{" + e.String() + "}" }

// OpenAI is a Model behind an OpenAI-compatible chat completions endpoint (vLLM, SGLang,
// Ollama, OpenAI, OpenRouter …). It is safe for concurrent use.
//
// It sends every sampling parameter set in tasks.Generation as set, zero included, every key
// of Generation.Extra as is, and every message with a content field; images go base64-encoded
// as the body is sent, never whole in memory (openai_body.go). It reads answers itself, JSON
// or an event stream, within the endpoint's ReplyLimits, and takes the reasoning under either
// name servers give it (reasoning_content, reasoning) and the model's refusal.
//
// It speaks HTTP with net/http rather than through go-openai's client, which marshals its own
// request (zero temperatures and empty contents dropped, images encoded in memory) and whose
// stream reader cannot tell a stream that ended at [DONE] from one cut short, holds a line and
// the comment lines without bound, and knows neither the "reasoning" field nor vLLM's error
// chunks. Working around that (rewriting the body it built, in an HTTP client that got each
// call's state from a context value; wrapping the stream to watch for [DONE]) took as much code
// as the request and the event-stream loop of its own, and was harder to follow. go-openai
// gives the wire types of the parts: tool declarations and calls, usage, stream options, and
// the error JSON (APIError reads a message given as a list, and a numeric code).
//
// Every error it returns is free of the endpoint's secrets (its API key, the userinfo of its
// base URL and the values of the base URL's query parameters).
type OpenAI struct {
	ep      Endpoint
	client  *http.Client
	url     string // of the chat completions, with the base URL's query
	secrets *secrets
	limits  ReplyLimits
}

// NewOpenAI returns a client for ep. The query parameters of ep.BaseURL (?api_key=…,
// ?api-version=…) are sent with every request.
func NewOpenAI(ep Endpoint) *OpenAI {
	hc := ep.HTTPClient
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256 // the default of 2 churns connections under concurrency
		hc = &http.Client{Transport: t}
	}
	return &OpenAI{ep: ep, client: hc, url: completionsURL(ep.BaseURL), secrets: newSecrets(ep.APIKey, ep.BaseURL),
		limits: ep.Limits.withDefaults()}
}

// completionsURL returns the chat completions URL of the API at base: its path and
// "/chat/completions", then its query as written.
func completionsURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base // the request reports why it does not parse
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/chat/completions"
	if u.RawPath != "" {
		u.RawPath = strings.TrimRight(u.RawPath, "/") + "/chat/completions"
	}
	u.ForceQuery = false
	return u.String()
}

// Chat sends req and returns the model's reply. A streamed request (Generation.Stream) is
// read to its end and returned whole.
func (m *OpenAI) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	start := time.Now()
	if m.ep.Model == "" {
		return nil, errors.New("model endpoint: no model name")
	}
	body, err := newRequestBody(m.ep.Model, req)
	if err != nil {
		return nil, err
	}
	callCtx := ctx
	if m.ep.Timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, m.ep.Timeout)
		defer cancel()
	}
	answer, err := m.post(callCtx, body)
	if err != nil {
		return nil, m.fail(ctx, nil, err)
	}
	defer answer.Body.Close()
	var resp *ChatResponse
	switch {
	case answer.StatusCode < 200 || answer.StatusCode >= 300:
		err = errorAnswer(answer)
	case body.stream:
		resp, err = m.readStream(answer)
	default:
		resp, err = m.readJSON(answer)
	}
	if err != nil {
		return nil, m.fail(ctx, answer, err)
	}
	resp.Latency = time.Since(start)
	resp.RateLimit = readRateLimit(answer.Header)
	m.scrub(resp)
	return resp, nil
}

// post sends body to the endpoint and returns its answer.
func (m *OpenAI) post(ctx context.Context, body *requestBody) (*http.Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url, body.reader())
	if err != nil {
		return nil, err
	}
	hreq.ContentLength = body.size
	hreq.GetBody = func() (io.ReadCloser, error) { return body.reader(), nil }
	hreq.Header.Set("Content-Type", "application/json")
	if body.stream {
		hreq.Header.Set("Accept", "text/event-stream")
		hreq.Header.Set("Cache-Control", "no-cache")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}
	if m.ep.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+m.ep.APIKey)
	}
	return m.client.Do(hreq)
}

// completion is the wire shape of an answer: a chat completion, or one chunk of a stream of
// them, whose choices carry a delta instead of a message. go-openai's ChatCompletionResponse
// and ChatCompletionStreamResponse miss the "reasoning" field and the errors sent in a stream.
type completion struct {
	Object  string `json:"object"`
	Choices []struct {
		Index        int    `json:"index"`
		Message      output `json:"message"`
		Delta        output `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *openai.Usage `json:"usage"`
	// Error is an error sent in a stream; a JSON answer's is not read.
	Error json.RawMessage `json:"error"`
}

// output is what a choice carries: a completion's message, or a chunk's delta of one.
type output struct {
	Content          content           `json:"content"`
	ReasoningContent string            `json:"reasoning_content"`
	Reasoning        string            `json:"reasoning"` // OpenRouter's and newer vLLM's name
	Refusal          string            `json:"refusal"`
	ToolCalls        []openai.ToolCall `json:"tool_calls"`
}

// reasoning returns the output's reasoning, under whichever name it came.
func (o *output) reasoning() string { return cmp.Or(o.ReasoningContent, o.Reasoning) }

// content is a message's content: a string, or a list of parts of which the text is kept.
type content string

// UnmarshalJSON reads a string, null, or a list of parts.
func (c *content) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '[' {
		return json.Unmarshal(b, (*string)(c))
	}
	var parts []openai.ChatMessagePart
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	var s strings.Builder
	for _, p := range parts {
		if p.Type == openai.ChatMessagePartTypeText {
			s.WriteString(p.Text)
		}
	}
	*c = content(s.String())
	return nil
}

// readJSON reads a JSON answer (a body of MaxBodyBytes at most) into a reply.
func (m *OpenAI) readJSON(answer *http.Response) (*ChatResponse, error) {
	over := &ReplyLimitError{What: "body", Limit: m.limits.MaxBodyBytes}
	if answer.ContentLength > m.limits.MaxBodyBytes {
		return nil, over
	}
	body := newCapReader(answer.Body, m.limits.MaxBodyBytes, over)
	var c completion
	if err := json.NewDecoder(body).Decode(&c); err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, body) // to its end, so that the connection serves again
	if len(c.Choices) == 0 {
		return nil, errors.New("the answer has no choices")
	}
	ch := c.Choices[0]
	msg := &ch.Message
	if len(msg.ToolCalls) > m.limits.MaxToolCalls {
		return nil, &ReplyLimitError{What: "tool calls", Limit: int64(m.limits.MaxToolCalls)}
	}
	resp := &ChatResponse{Content: string(msg.Content), Reasoning: msg.reasoning(), Refusal: msg.Refusal,
		FinishReason: ch.FinishReason}
	if c.Usage != nil {
		resp.Usage = usage(*c.Usage)
	}
	for _, tc := range msg.ToolCalls {
		resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if replySize(resp) > m.limits.MaxReplyBytes {
		return nil, &ReplyLimitError{What: "output", Limit: m.limits.MaxReplyBytes}
	}
	return resp, nil
}

// replySize returns the bytes of a reply's output that ReplyLimits.MaxReplyBytes caps.
func replySize(resp *ChatResponse) int64 {
	n := len(resp.Content) + len(resp.Reasoning) + len(resp.Refusal)
	for _, c := range resp.ToolCalls {
		n += len(c.ID) + len(c.Name) + len(c.Arguments)
	}
	return int64(n)
}

func usage(u openai.Usage) Usage {
	return Usage{Prompt: u.PromptTokens, Completion: u.CompletionTokens, Total: u.TotalTokens}
}

// scrub takes the endpoint's own secrets out of what it answered: an endpoint that echoes the
// request (its URL, its Authorization header) in its reply must not bring the key into the
// trajectory, the results log or the response cache.
func (m *OpenAI) scrub(resp *ChatResponse) {
	resp.Content = m.secrets.redact(resp.Content)
	resp.Reasoning = m.secrets.redact(resp.Reasoning)
	resp.Refusal = m.secrets.redact(resp.Refusal)
	for i := range resp.ToolCalls {
		tc := &resp.ToolCalls[i]
		tc.Name = m.secrets.redact(tc.Name)
		tc.Arguments = m.secrets.redact(tc.Arguments)
	}
}
