package runners

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/realx-bench/realx/tasks"
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
// Requests go through go-openai, with one change on the wire: the JSON body is rewritten so
// that every sampling parameter set in tasks.Generation is sent as set, zero included
// (go-openai drops zero temperatures), every key of Generation.Extra is merged in as is,
// and every message carries a content field (go-openai drops empty ones, which servers
// reject).
//
// Every error it returns is free of the endpoint's secrets (its API key, the userinfo of its
// base URL and the values of the base URL's query parameters), and every reply is read within
// the endpoint's ReplyLimits.
type OpenAI struct {
	ep      Endpoint
	client  *openai.Client
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
	limits := ep.Limits.withDefaults()
	d := &doer{client: hc, limits: limits}
	base := ep.BaseURL
	if u, err := url.Parse(base); err == nil && (u.RawQuery != "" || u.ForceQuery) {
		// go-openai appends the path to the base URL as a string, which would put it in the
		// query: the doer adds the query to each request instead.
		d.query, u.RawQuery, u.ForceQuery = u.Query(), "", false
		base = u.String()
	}
	cfg := openai.DefaultConfig(ep.APIKey)
	cfg.BaseURL = strings.TrimRight(base, "/")
	cfg.HTTPClient = d
	// Lines that are not data (keep-alive comments such as OpenRouter's ": OPENROUTER
	// PROCESSING") count against this limit while a slow model thinks; the request's
	// Timeout is the real bound.
	cfg.EmptyMessagesLimit = 1 << 20
	return &OpenAI{ep: ep, client: openai.NewClientWithConfig(cfg), secrets: newSecrets(ep.APIKey, ep.BaseURL), limits: limits}
}

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

// The keys of the request body that the client writes itself; Generation.Extra cannot set
// them.
var ownedKeys = []string{"messages", "model", "stream", "stream_options", "tools"}

// ExtraConflict is a key of Generation.Extra the client refuses to send: one it writes itself
// (Owned), or one that a typed field of the Generation sets too.
type ExtraConflict struct {
	Key   string
	Owned bool
}

// Error says what is wrong with the key.
func (c ExtraConflict) Error() string {
	if c.Owned {
		return fmt.Sprintf("generation: extra cannot set %q, which the client writes itself", c.Key)
	}
	return fmt.Sprintf("generation: %s is set both as a field and in extra", c.Key)
}

// ExtraConflicts returns the keys of g.Extra that a request with g would be refused for,
// sorted, so that callers can refuse them before any request.
func ExtraConflicts(g tasks.Generation) []ExtraConflict {
	var out []ExtraConflict
	for _, k := range slices.Sorted(maps.Keys(g.Extra)) {
		if slices.Contains(ownedKeys, k) {
			out = append(out, ExtraConflict{Key: k, Owned: true})
			continue
		}
		for _, f := range typedFields(g) {
			if f.key == k && f.set {
				out = append(out, ExtraConflict{Key: k})
			}
		}
	}
	return out
}

// typedField is a body key that a typed field of a Generation sets, and its value.
type typedField struct {
	key string
	set bool
	v   any
}

// typedFields returns the body keys that g's typed fields set.
func typedFields(g tasks.Generation) []typedField {
	return []typedField{
		{"temperature", g.Temperature != nil, g.Temperature},
		{"top_p", g.TopP != nil, g.TopP},
		{"max_tokens", g.MaxTokens != nil, g.MaxTokens},
		{"seed", g.Seed != nil, g.Seed},
		{"stop", g.Stop != nil, g.Stop},
	}
}

// Chat sends req and returns the model's reply. A streamed request (Generation.Stream) is
// read to its end and returned whole.
func (m *OpenAI) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	start := time.Now()
	if m.ep.Model == "" {
		return nil, errors.New("model endpoint: no model name")
	}
	patch, msgs, err := bodyPatch(req)
	if err != nil {
		return nil, err
	}
	creq := openai.ChatCompletionRequest{Model: m.ep.Model}
	for _, t := range req.Tools {
		params := json.RawMessage(t.Parameters)
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		} else if !json.Valid(params) {
			return nil, fmt.Errorf("tool %s: parameters are not valid JSON", t.Name)
		}
		creq.Tools = append(creq.Tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: params,
		}})
	}
	stream := req.Generation.Stream != nil && *req.Generation.Stream
	if stream {
		creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}

	callCtx := ctx
	if m.ep.Timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, m.ep.Timeout)
		defer cancel()
	}
	st := &callState{patch: patch, messages: msgs}
	callCtx = context.WithValue(callCtx, callStateKey{}, st)
	var resp *ChatResponse
	if stream {
		resp, err = m.stream(callCtx, creq, st)
	} else {
		resp, err = m.complete(callCtx, creq, st)
	}
	if err != nil {
		return nil, m.classify(ctx, st, err)
	}
	resp.Latency = time.Since(start)
	resp.RateLimit = st.rateLimit
	m.scrub(resp)
	return resp, nil
}

// scrub takes the endpoint's own secrets out of what it answered: an endpoint that echoes the
// request (its URL, its Authorization header) in its reply must not bring the key into the
// trajectory, the results log or the response cache.
func (m *OpenAI) scrub(resp *ChatResponse) {
	resp.Content = m.secrets.redact(resp.Content)
	resp.Reasoning = m.secrets.redact(resp.Reasoning)
	for i := range resp.ToolCalls {
		tc := &resp.ToolCalls[i]
		tc.Name = m.secrets.redact(tc.Name)
		tc.Arguments = m.secrets.redact(tc.Arguments)
	}
}

func (m *OpenAI) complete(ctx context.Context, creq openai.ChatCompletionRequest, st *callState) (*ChatResponse, error) {
	out, err := m.client.CreateChatCompletion(ctx, creq)
	if err != nil {
		return nil, err
	}
	if len(out.Choices) == 0 {
		return nil, errors.New("the answer has no choices")
	}
	c := out.Choices[0]
	resp := &ChatResponse{
		Content:      c.Message.Content,
		Reasoning:    c.Message.ReasoningContent,
		FinishReason: string(c.FinishReason),
		Usage:        usage(out.Usage),
	}
	for _, p := range c.Message.MultiContent { // content sent as a list of parts
		if p.Type == openai.ChatMessagePartTypeText {
			resp.Content += p.Text
		}
	}
	if resp.Reasoning == "" && st.body != nil {
		// OpenRouter (and newer vLLM) name the field "reasoning"; go-openai does not read it.
		var alt struct {
			Choices []struct {
				Message struct {
					Reasoning string `json:"reasoning"`
				} `json:"message"`
			} `json:"choices"`
		}
		if json.Unmarshal(st.body, &alt) == nil && len(alt.Choices) > 0 {
			resp.Reasoning = alt.Choices[0].Message.Reasoning
		}
	}
	if len(c.Message.ToolCalls) > m.limits.MaxToolCalls {
		return nil, &ReplyLimitError{What: "tool calls", Limit: int64(m.limits.MaxToolCalls)}
	}
	for _, tc := range c.Message.ToolCalls {
		resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if replySize(resp) > m.limits.MaxReplyBytes {
		return nil, &ReplyLimitError{What: "output", Limit: m.limits.MaxReplyBytes}
	}
	return resp, nil
}

// replySize returns the bytes of a reply's output that ReplyLimits.MaxReplyBytes caps.
func replySize(resp *ChatResponse) int64 {
	n := len(resp.Content) + len(resp.Reasoning)
	for _, c := range resp.ToolCalls {
		n += len(c.ID) + len(c.Name) + len(c.Arguments)
	}
	return int64(n)
}

// streamChunk is one chunk of a chat completion stream. go-openai's own type misses the
// "reasoning" field and the flat {"object":"error"} chunks older vLLM versions send.
type streamChunk struct {
	Object  string `json:"object"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content          string            `json:"content"`
			ReasoningContent string            `json:"reasoning_content"`
			Reasoning        string            `json:"reasoning"`
			ToolCalls        []openai.ToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *openai.Usage `json:"usage"`
}

func (m *OpenAI) stream(ctx context.Context, creq openai.ChatCompletionRequest, st *callState) (*ChatResponse, error) {
	s, err := m.client.CreateChatCompletionStream(ctx, creq)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var content, reasoning strings.Builder
	var calls []*streamedCall
	var size int64 // of the output so far, as replySize counts it
	resp := &ChatResponse{}
	for {
		raw, err := s.RecvRaw()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		var chunk streamChunk
		if err := json.Unmarshal(raw, &chunk); err != nil {
			return nil, fmt.Errorf("stream chunk: %w", err)
		}
		if chunk.Object == "error" {
			apiErr := &openai.APIError{}
			if err := json.Unmarshal(raw, apiErr); err != nil {
				return nil, fmt.Errorf("stream error chunk: %w", err)
			}
			return nil, apiErr
		}
		if chunk.Usage != nil {
			resp.Usage = usage(*chunk.Usage)
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue // only the first choice is asked for
			}
			think := ch.Delta.ReasoningContent
			if think == "" {
				think = ch.Delta.Reasoning
			}
			size += int64(len(ch.Delta.Content) + len(think))
			for _, d := range ch.Delta.ToolCalls {
				size += int64(len(d.ID) + len(d.Function.Name) + len(d.Function.Arguments))
			}
			if size > m.limits.MaxReplyBytes {
				return nil, &ReplyLimitError{What: "output", Limit: m.limits.MaxReplyBytes}
			}
			content.WriteString(ch.Delta.Content)
			reasoning.WriteString(think)
			if ch.FinishReason != "" {
				resp.FinishReason = ch.FinishReason
			}
			for _, d := range ch.Delta.ToolCalls {
				if calls = addToolCallDelta(calls, d); len(calls) > m.limits.MaxToolCalls {
					return nil, &ReplyLimitError{What: "tool calls", Limit: int64(m.limits.MaxToolCalls)}
				}
			}
		}
	}
	if st.watcher == nil || !st.watcher.done {
		if ct := st.contentType; !strings.HasPrefix(ct, "text/event-stream") {
			return nil, fmt.Errorf("the answer to a stream request is not an event stream (Content-Type %q)", ct)
		}
		return nil, ErrTruncatedStream
	}
	resp.Content, resp.Reasoning = content.String(), reasoning.String()
	slices.SortStableFunc(calls, func(a, b *streamedCall) int { return a.index - b.index })
	for _, c := range calls {
		resp.ToolCalls = append(resp.ToolCalls, c.ToolCall)
	}
	return resp, nil
}

// streamedCall is a tool call being put together from stream deltas.
type streamedCall struct {
	ToolCall
	index int
}

// addToolCallDelta merges one tool-call delta into calls: the first fragment of a call
// brings its index, id and name, later ones more of its arguments. A delta without an index
// starts a new call when it has an id (or there is no call yet), and continues the last
// call otherwise.
func addToolCallDelta(calls []*streamedCall, d openai.ToolCall) []*streamedCall {
	var c *streamedCall
	if d.Index != nil {
		for _, x := range calls {
			if x.index == *d.Index {
				c = x
			}
		}
	} else if d.ID == "" && len(calls) > 0 {
		c = calls[len(calls)-1]
	}
	if c == nil {
		c = &streamedCall{index: len(calls)}
		if d.Index != nil {
			c.index = *d.Index
		} else if len(calls) > 0 {
			c.index = calls[len(calls)-1].index + 1
		}
		calls = append(calls, c)
	}
	if c.ID == "" {
		c.ID = d.ID
	}
	if c.Name == "" {
		c.Name = d.Function.Name
	}
	c.Arguments += d.Function.Arguments
	return calls
}

func usage(u openai.Usage) Usage {
	return Usage{Prompt: u.PromptTokens, Completion: u.CompletionTokens, Total: u.TotalTokens}
}

// classify wraps err, which ended a call, in a *ModelError. ctx is the caller's context.
func (m *OpenAI) classify(ctx context.Context, st *callState, err error) *ModelError {
	e := &ModelError{Status: st.status, Err: err, RetryAfter: st.retryAfter}
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

// bodyPatch returns the fields Chat writes into the request body itself: the messages (in
// pieces, images still to be base64-encoded), every sampling parameter req.Generation sets,
// and Generation.Extra.
func bodyPatch(req *ChatRequest) (map[string]json.RawMessage, []bodyPiece, error) {
	msgs, err := wireMessages(req.Messages)
	if err != nil {
		return nil, nil, err
	}
	patch := map[string]json.RawMessage{}
	g := req.Generation
	set := func(key string, v any) error {
		b, err := MarshalPlain(v)
		if err != nil {
			return fmt.Errorf("generation %s: %w", key, err)
		}
		patch[key] = b
		return nil
	}
	if conflicts := ExtraConflicts(g); len(conflicts) > 0 {
		return nil, nil, conflicts[0]
	}
	for _, f := range typedFields(g) {
		if !f.set {
			continue
		}
		if err := set(f.key, f.v); err != nil {
			return nil, nil, err
		}
	}
	for k, v := range g.Extra {
		if err := set(k, v); err != nil {
			return nil, nil, err
		}
	}
	return patch, msgs, nil
}

// The wire shapes of request messages. Content is always present: a string for text-only
// messages, a list of parts when there is an image, and null only for an assistant message
// that has tool calls and no text.
type (
	wireMessage struct {
		Role       string         `json:"role"`
		Content    any            `json:"content"`
		ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
		ToolCallID string         `json:"tool_call_id,omitempty"`
	}
	wireToolCall struct {
		ID       string       `json:"id"`
		Type     string       `json:"type"`
		Function wireFunction `json:"function"`
	}
	wireFunction struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
)

// wireMessages returns the JSON array of msgs, in pieces: a message with an image is
// written part by part, its images as pieces to base64-encode while the body is sent, so
// that no encoded copy of an image is ever held in memory.
func wireMessages(msgs []Message) ([]bodyPiece, error) {
	var b pieceBuilder
	b.raw("[")
	for i, m := range msgs {
		if i > 0 {
			b.raw(",")
		}
		w := wireMessage{Role: string(m.Role), ToolCallID: m.ToolCallID}
		if m.Role == "" {
			return nil, fmt.Errorf("message %d has no role", i)
		}
		for _, tc := range m.ToolCalls {
			w.ToolCalls = append(w.ToolCalls, wireToolCall{ID: tc.ID, Type: "function", Function: wireFunction{Name: tc.Name, Arguments: tc.Arguments}})
		}
		if !slices.ContainsFunc(m.Parts, func(p Part) bool { return p.Image != nil }) {
			if text := m.Text(); text != "" || len(m.ToolCalls) == 0 {
				w.Content = text
			}
			b.json("", w)
			continue
		}
		// {"role":…,"content":[parts],"tool_calls":…,"tool_call_id":…}, as encoding/json
		// writes wireMessage.
		b.json(`{"role":`, w.Role)
		b.raw(`,"content":[`)
		n := 0
		for j, p := range m.Parts {
			if p.Image == nil && p.Text == "" {
				continue
			}
			if n > 0 {
				b.raw(",")
			}
			n++
			if p.Image == nil {
				b.json(`{"type":"text","text":`, p.Text)
				b.raw("}")
				continue
			}
			if len(p.Image.Data) == 0 || p.Image.MIME == "" {
				return nil, fmt.Errorf("message %d part %d: image has no data or no media type", i, j)
			}
			b.json(`{"type":"image_url","image_url":{"url":`, "data:"+p.Image.MIME+";base64,")
			b.buf = b.buf[:len(b.buf)-1] // the string left open for the data
			b.base64(p.Image.Data)
			b.raw(`"`)
			if p.Image.Detail != "" {
				b.json(`,"detail":`, p.Image.Detail)
			}
			b.raw("}}")
		}
		b.raw("]")
		if len(w.ToolCalls) > 0 {
			b.json(`,"tool_calls":`, w.ToolCalls)
		}
		if w.ToolCallID != "" {
			b.json(`,"tool_call_id":`, w.ToolCallID)
		}
		b.raw("}")
	}
	b.raw("]")
	return b.pieces()
}

// MarshalPlain is json.Marshal without HTML escaping, so that prompts and answers full of
// <answer> tags stay readable in request bodies, results and reports.
func MarshalPlain(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// callStateKey keys the callState of one Chat call in its request context.
type callStateKey struct{}

// callState carries what the doer needs to know about one Chat call, and what it learns.
type callState struct {
	// patch holds the body fields to write over go-openai's, and messages the "messages"
	// field, in pieces.
	patch    map[string]json.RawMessage
	messages []bodyPiece

	// Filled by the doer.
	status      int
	contentType string
	retryAfter  time.Duration
	rateLimit   *RateLimit
	watcher     *doneWatcher // set for a successful answer to a stream request
	body        []byte       // set for a successful answer to any other request
}

// doer is the HTTP client go-openai sends through: the single place where requests and
// answers are seen on the wire. It writes a call's body patch into the request and notes the
// answer's status, Retry-After and, for a stream, whether [DONE] came.
type doer struct {
	client *http.Client
	limits ReplyLimits
	// query holds the parameters of the base URL, added to every request.
	query url.Values
}

// Do sends req.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(callStateKey{}).(*callState)
	if len(d.query) > 0 {
		req = req.Clone(req.Context())
		q := req.URL.Query()
		for k, vs := range d.query {
			q[k] = append(q[k], vs...)
		}
		req.URL.RawQuery = q.Encode()
	}
	if st != nil && st.messages != nil && req.Body != nil {
		orig, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body, err := patchBody(orig, st.patch, st.messages)
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = body.reader()
		req.GetBody = func() (io.ReadCloser, error) { return body.reader(), nil }
		req.ContentLength = body.size
	}
	resp, err := d.client.Do(req)
	if err != nil || st == nil {
		return resp, err
	}
	st.status = resp.StatusCode
	st.contentType = resp.Header.Get("Content-Type")
	st.retryAfter = retryAfter(resp.Header, time.Now())
	st.rateLimit = readRateLimit(resp.Header)
	over := &ReplyLimitError{What: "body", Limit: d.limits.MaxBodyBytes}
	switch {
	case resp.StatusCode >= 300:
		// Only the message of an error answer is kept: the rest is not read.
		resp.Body = newCapReader(resp.Body, maxErrorBody, nil)
	case strings.Contains(req.Header.Get("Accept"), "text/event-stream"):
		st.watcher = newDoneWatcher(resp.Body, d.limits)
		resp.Body = st.watcher
	case resp.ContentLength > d.limits.MaxBodyBytes:
		_ = resp.Body.Close()
		return nil, over
	default:
		// Kept for the fields go-openai does not decode. A body cut short is left for
		// go-openai's decoder to report.
		body, err := io.ReadAll(newCapReader(resp.Body, d.limits.MaxBodyBytes, over))
		_ = resp.Body.Close()
		if errors.Is(err, over) {
			return nil, over
		}
		st.body = body
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
	}
	return resp, nil
}

// patchBody returns the JSON object orig with the keys of patch set and "messages" set to
// messages, keys in sorted order. The values are written as they are: they come from
// json.Marshal. orig is go-openai's body without messages, so it is small.
func patchBody(orig []byte, patch map[string]json.RawMessage, messages []bodyPiece) (*requestBody, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(orig, &obj); err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	for k, v := range patch {
		obj[k] = v
	}
	obj["messages"] = nil // a placeholder for the pieces
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b pieceBuilder
	b.raw("{")
	for i, k := range keys {
		if i > 0 {
			b.raw(",")
		}
		b.json("", k)
		b.raw(":")
		if k == "messages" {
			b.add(messages...)
		} else {
			b.raw(string(obj[k]))
		}
	}
	b.raw("}")
	pieces, err := b.pieces()
	if err != nil {
		return nil, err
	}
	body := &requestBody{pieces: pieces}
	for _, p := range body.pieces {
		body.size += int64(p.len())
	}
	return body, nil
}

// bodyPiece is a piece of a request body: bytes sent as they are, or (encode set) bytes
// sent base64-encoded.
type bodyPiece struct {
	data   []byte
	encode bool
}

func (p bodyPiece) len() int {
	if p.encode {
		return base64.StdEncoding.EncodedLen(len(p.data))
	}
	return len(p.data)
}

// pieceBuilder puts a body together from pieces, joining consecutive raw ones.
type pieceBuilder struct {
	out []bodyPiece
	buf []byte // raw bytes not yet made a piece
	err error  // the first error of json
}

func (b *pieceBuilder) raw(s string) { b.buf = append(b.buf, s...) }

// json writes prefix, then v as JSON.
func (b *pieceBuilder) json(prefix string, v any) {
	j, err := MarshalPlain(v)
	if err != nil {
		b.err = cmp.Or(b.err, err)
		return
	}
	b.buf = append(append(b.buf, prefix...), j...)
}

func (b *pieceBuilder) base64(data []byte) { b.add(bodyPiece{data: data, encode: true}) }

func (b *pieceBuilder) add(pieces ...bodyPiece) {
	for _, p := range pieces {
		if !p.encode {
			b.buf = append(b.buf, p.data...)
			continue
		}
		b.flush()
		b.out = append(b.out, p)
	}
}

func (b *pieceBuilder) flush() {
	if len(b.buf) > 0 {
		b.out = append(b.out, bodyPiece{data: b.buf})
		b.buf = nil
	}
}

func (b *pieceBuilder) pieces() ([]bodyPiece, error) {
	b.flush()
	return b.out, b.err
}

// requestBody is a request body in pieces, read as many times as the transport asks.
type requestBody struct {
	pieces []bodyPiece
	size   int64
}

func (b *requestBody) reader() io.ReadCloser { return &bodyReader{pieces: b.pieces} }

// bodyReader reads a requestBody, base64-encoding its images as it goes.
type bodyReader struct {
	pieces  []bodyPiece
	off     int     // in pieces[0].data
	pending [4]byte // an encoded group not yet read, for reads of under 4 bytes
	np      int     // bytes of pending left, at its end
}

// Read reads the next bytes of the body.
func (r *bodyReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if r.np > 0 {
			c := copy(p[n:], r.pending[4-r.np:])
			r.np -= c
			n += c
			continue
		}
		if len(r.pieces) == 0 {
			if n == 0 {
				return 0, io.EOF
			}
			break
		}
		piece := r.pieces[0]
		rest := piece.data[r.off:]
		switch {
		case len(rest) == 0:
			r.pieces, r.off = r.pieces[1:], 0
		case !piece.encode:
			c := copy(p[n:], rest)
			r.off += c
			n += c
		case len(p)-n >= 4 && len(rest) >= 3:
			k := min((len(p)-n)/4, len(rest)/3) * 3
			base64.StdEncoding.Encode(p[n:], rest[:k])
			r.off += k
			n += k / 3 * 4
		default: // little room, or the last group: encode it on the side
			k := min(3, len(rest))
			base64.StdEncoding.Encode(r.pending[:], rest[:k])
			r.off += k
			r.np = 4
		}
	}
	return n, nil
}

// Close does nothing.
func (r *bodyReader) Close() error { return nil }

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

// errReader returns err, or io.EOF when err is nil.
type errReader struct{ err error }

// Read returns r's error.
func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}

// doneWatcher passes a server-sent-event stream through and notes whether a "data: [DONE]"
// line went by. It also holds the stream to the caps on what go-openai's reader keeps in
// memory: one line whole, and every line that carries no data (it keeps them all, in case
// they make up an error).
type doneWatcher struct {
	io.ReadCloser
	line []byte // the start of the current line
	long bool   // the current line is longer than line can hold
	done bool
	// size is the length of the current line, noData that of the lines so far that carried
	// no data; maxLine and maxNoData cap them.
	size, maxLine     int64
	noData, maxNoData int64
}

const maxWatchedLine = 32

// newDoneWatcher returns a doneWatcher of body within limits.
func newDoneWatcher(body io.ReadCloser, limits ReplyLimits) *doneWatcher {
	return &doneWatcher{
		ReadCloser: newCapReader(body, limits.MaxStreamBytes, &ReplyLimitError{What: "stream", Limit: limits.MaxStreamBytes}),
		maxLine:    maxEventLine(limits), maxNoData: maxNoDataLines,
	}
}

// Read reads from the stream.
func (w *doneWatcher) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			if lerr := w.endLine(); lerr != nil {
				return i + 1, lerr
			}
			continue
		}
		if w.size++; w.size > w.maxLine {
			return i, &ReplyLimitError{What: "event", Limit: w.maxLine}
		}
		if len(w.line) < maxWatchedLine {
			w.line = append(w.line, c)
		} else {
			w.long = true
		}
	}
	if err == io.EOF {
		if lerr := w.endLine(); lerr != nil {
			return n, lerr
		}
	}
	return n, err
}

func (w *doneWatcher) endLine() error {
	line := bytes.TrimSpace(w.line)
	rest, data := bytes.CutPrefix(line, []byte("data:"))
	if data && !w.long && string(bytes.TrimSpace(rest)) == "[DONE]" {
		w.done = true
	}
	if !data {
		w.noData += w.size
	}
	w.line, w.long, w.size = w.line[:0], false, 0
	if w.noData > w.maxNoData {
		return &ReplyLimitError{What: "non-data lines", Limit: w.maxNoData}
	}
	return nil
}
