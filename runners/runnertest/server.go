// Package runnertest provides a fake OpenAI-compatible endpoint for tests across the project:
// the agent loop, the LLM judge, `realx run` end to end, and fault injection for retries. It
// runs on httptest, speaks the real chat.completions wire format (JSON and server-sent
// events) and records every request it receives. It also holds the golden-file check the
// project's tests share (Golden, and the -update flag).
package runnertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/realx-bench/realx/runners"
)

// Created is the fixed "created" timestamp of every answer, so recorded answers are stable.
const Created = 1700000000

// ModelID is the model GET /v1/models lists.
const ModelID = "fake-model"

// Server is a fake OpenAI-compatible endpoint. It routes POST /v1/chat/completions and
// GET /v1/models; each chat request takes the next scripted Reply, or, when none is left,
// the Handler's answer. A Server is safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu      sync.Mutex
	queue   []Reply
	handler func(r *Request) Reply
	reqs    []*Request
	lean    bool
	seq     int

	sent atomic.Int64 // bytes of Flood answers written
}

// Request is a chat request as the Server received it.
type Request struct {
	// Body is the raw request body.
	Body []byte
	// JSON is Body decoded (numbers are float64); nil when Body is not a JSON object.
	JSON   map[string]any
	Header http.Header
	// Messages are the request's messages, simplified.
	Messages []Msg
	// Stream is the request's "stream" field.
	Stream bool
	// Model is the request's "model" field.
	Model string
	// URL is the request's path and query, as the Server received them.
	URL string
	// Seq is the request's position among all the Server received, from 1.
	Seq int
}

// Last returns the request's last message, or a zero Msg when it has none.
func (r *Request) Last() Msg {
	if len(r.Messages) == 0 {
		return Msg{}
	}
	return r.Messages[len(r.Messages)-1]
}

// Msg is one message of a Request: its role, its text parts concatenated, and its images.
type Msg struct {
	Role string
	Text string
	// Images counts the message's image_url parts; ImageURLs are their URLs in order.
	Images    int
	ImageURLs []string
	// ToolCalls are an assistant message's tool calls; ToolCallID is a tool message's.
	ToolCalls  []runners.ToolCall
	ToolCallID string
}

// Reply is how the Server answers one chat request.
type Reply struct {
	Content, Reasoning string
	ToolCalls          []runners.ToolCall
	// FinishReason defaults to "stop", or "tool_calls" when ToolCalls are set.
	FinishReason string
	// Usage defaults to a rough count from text lengths: a token per 4 bytes, 85 per image
	// and 3 per message.
	Usage *runners.Usage

	// Status, when neither 0 nor 200, makes an HTTP error answer in OpenAI's error shape
	// (429 with a Retry-After header, 500 …). Body, when set, is sent as the answer instead,
	// as is, with Status (200 when 0). Header entries are set on any answer.
	Status int
	Body   string
	Header map[string]string

	// Delay is how long after the request's arrival (its headers) the answer starts, so
	// that reading a large body does not add to it; a request whose context ends first
	// gets no answer.
	Delay time.Duration
	// Reset closes the connection with a TCP reset instead of answering.
	Reset bool
	// CutAfter, in a stream, closes the connection after this many chunks, with no [DONE].
	// In a JSON answer it closes the connection after this many bytes of the body.
	CutAfter int

	// Flood, when set, makes the answer about Flood bytes of filler, written as it is
	// generated so that a test can send a reply far larger than it would want to hold: in
	// JSON, the message's content; in a stream, deltas of FloodDelta bytes each (64 KiB when
	// 0) of what FloodField names, then the finish chunk and [DONE]. Writing stops when the
	// client hangs up; Server.Sent counts the bytes written.
	Flood      int64
	FloodDelta int
	// FloodField is what the deltas of a streamed Flood carry: "content" (also when empty),
	// "reasoning", "arguments" (of one tool call), "calls" (a new tool call in each delta,
	// FloodDelta bytes of arguments each), "other" (the content of a second choice, which
	// a client asking for one ignores), "comments" (SSE comment lines of FloodDelta bytes,
	// which carry no data at all) or "line" (the content of a single event that never ends).
	FloodField string
}

// NewServer starts a Server; t.Cleanup closes it.
func NewServer(t testing.TB) *Server {
	s := Listen()
	t.Cleanup(s.Close)
	return s
}

// Listen starts a Server outside a test (in a benchmark's server process, say); Close
// stops it.
func Listen() *Server {
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("runnertest: no route for %s %s", r.Method, r.URL.Path))
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the Server, ending the Delays still waiting for a client that is gone.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Lean makes the Server cheap for benchmarks, whose request bodies carry megabytes of
// base64 images: it no longer decodes bodies nor keeps them, and looks only at the first
// and last 4 KiB of each, where the short fields are. A Request then has only Header, Seq,
// Stream (set when those ends contain "stream":true), Model (the first "model" string in
// them) and, in JSON, stream_options.include_usage; Requests returns none.
func (s *Server) Lean() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lean = true
}

// URL returns the base URL of the endpoint, including /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Script queues replies; each chat request takes the next one.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// Handle sets h to answer chat requests when no scripted reply is left. h may be called
// concurrently.
func (s *Server) Handle(h func(r *Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

// Requests returns every chat request received, in order.
func (s *Server) Requests() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Request(nil), s.reqs...)
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data": []map[string]any{{
			"id": ModelID, "object": "model", "created": Created, "owned_by": "runnertest",
		}},
	})
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	s.mu.Lock()
	lean := s.lean
	s.mu.Unlock()
	var req *Request
	var parseErr error
	if lean {
		var err error
		if req, err = leanRequest(r.Body, r.Header); err != nil {
			writeError(w, http.StatusBadRequest, "runnertest: reading the body: "+err.Error())
			return
		}
	} else {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "runnertest: reading the body: "+err.Error())
			return
		}
		req, parseErr = parseRequest(body, r.Header.Clone())
	}

	req.URL = r.URL.RequestURI()
	s.mu.Lock()
	if !lean {
		s.reqs = append(s.reqs, req)
	}
	s.seq++
	req.Seq = s.seq
	var rep Reply
	scripted := len(s.queue) > 0
	if scripted {
		rep, s.queue = s.queue[0], s.queue[1:]
	}
	handler := s.handler
	s.mu.Unlock()

	if parseErr != nil {
		writeError(w, http.StatusBadRequest, parseErr.Error())
		return
	}
	if !scripted {
		if handler == nil {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf(
				"runnertest: request %d: no scripted reply left and no handler set", req.Seq))
			return
		}
		rep = handler(req)
	}

	if d := rep.Delay - time.Since(arrived); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if rep.Reset {
		reset(w, true)
		return
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	switch {
	case rep.Body != "":
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		status := rep.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rep.Body)
	case rep.Status != 0 && rep.Status != http.StatusOK:
		writeError(w, rep.Status, fmt.Sprintf("runnertest: scripted HTTP %d (%s)", rep.Status, http.StatusText(rep.Status)))
	case rep.Flood > 0:
		s.flood(w, req, &rep)
	case req.Stream:
		s.stream(w, req, &rep)
	default:
		s.complete(w, req, &rep)
	}
}

// leanEnds is how much of each end of a body a Lean Server searches.
const leanEnds = 4 << 10

// leanRequest reads body through a small buffer, keeping only its first and last leanEnds
// bytes, and returns a Lean Server's Request found in them with byte searches: the short
// fields of a request body come before or after its messages.
func leanRequest(body io.Reader, header http.Header) (*Request, error) {
	buf := make([]byte, 32<<10)
	var head, tail []byte
	for {
		n, err := body.Read(buf)
		chunk := buf[:n]
		if room := leanEnds - len(head); room > 0 {
			head = append(head, chunk[:min(room, len(chunk))]...)
		}
		tail = append(tail, chunk...)
		if len(tail) > leanEnds {
			tail = append(tail[:0], tail[len(tail)-leanEnds:]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	ends := append(head, tail...)
	req := &Request{Header: header, Stream: bytes.Contains(ends, []byte(`"stream":true`))}
	if bytes.Contains(ends, []byte(`"include_usage":true`)) {
		req.JSON = map[string]any{"stream_options": map[string]any{"include_usage": true}}
	}
	if _, rest, ok := bytes.Cut(ends, []byte(`"model":"`)); ok {
		if name, _, ok := bytes.Cut(rest, []byte(`"`)); ok {
			req.Model = string(name)
		}
	}
	return req, nil
}

// parseRequest decodes a chat request body; it returns the Request even when the body is
// not a valid request, with the reason as the error.
func parseRequest(body []byte, header http.Header) (*Request, error) {
	req := &Request{Body: body, Header: header}
	if err := json.Unmarshal(body, &req.JSON); err != nil {
		req.JSON = nil
		return req, fmt.Errorf("runnertest: the body is not a JSON object: %v", err)
	}
	var wire struct {
		Model    string `json:"model"`
		Stream   bool   `json:"stream"`
		Messages []struct {
			Role       string          `json:"role"`
			Content    json.RawMessage `json:"content"`
			ToolCalls  []wireToolCall  `json:"tool_calls"`
			ToolCallID string          `json:"tool_call_id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return req, fmt.Errorf("runnertest: the body is not a chat request: %v", err)
	}
	req.Model, req.Stream = wire.Model, wire.Stream
	for i, m := range wire.Messages {
		msg := Msg{Role: m.Role, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, runners.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		var text string
		var parts []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL struct {
				URL string `json:"url"`
			} `json:"image_url"`
		}
		switch {
		case len(m.Content) == 0 || string(m.Content) == "null":
		case json.Unmarshal(m.Content, &text) == nil:
			msg.Text = text
		case json.Unmarshal(m.Content, &parts) == nil:
			var b strings.Builder
			for _, p := range parts {
				switch p.Type {
				case "text":
					b.WriteString(p.Text)
				case "image_url":
					msg.ImageURLs = append(msg.ImageURLs, p.ImageURL.URL)
				default:
					return req, fmt.Errorf("runnertest: message %d has a content part of unknown type %q", i, p.Type)
				}
			}
			msg.Text, msg.Images = b.String(), len(msg.ImageURLs)
		default:
			return req, fmt.Errorf("runnertest: message %d: content is neither a string nor a list of parts", i)
		}
		req.Messages = append(req.Messages, msg)
	}
	switch {
	case req.Model == "":
		return req, fmt.Errorf("runnertest: the request has no model")
	case len(req.Messages) == 0:
		return req, fmt.Errorf("runnertest: the request has no messages")
	}
	return req, nil
}

// The wire shapes of answers, in OpenAI's field order.
type (
	wireToolCall struct {
		Index    *int         `json:"index,omitempty"`
		ID       string       `json:"id,omitempty"`
		Type     string       `json:"type,omitempty"`
		Function wireFunction `json:"function"`
	}
	wireFunction struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	wireUsage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
	wireMessage struct {
		Role             string         `json:"role"`
		Content          *string        `json:"content"`
		ReasoningContent string         `json:"reasoning_content,omitempty"`
		ToolCalls        []wireToolCall `json:"tool_calls,omitempty"`
	}
	wireChoice struct {
		Index        int             `json:"index"`
		Message      wireMessage     `json:"message"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason string          `json:"finish_reason"`
	}
	wireDelta struct {
		Role             string         `json:"role,omitempty"`
		Content          *string        `json:"content,omitempty"`
		ReasoningContent string         `json:"reasoning_content,omitempty"`
		ToolCalls        []wireToolCall `json:"tool_calls,omitempty"`
	}
	wireChunkChoice struct {
		Index        int             `json:"index"`
		Delta        wireDelta       `json:"delta"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason *string         `json:"finish_reason"`
	}
	// wireAnswer is a chat.completion (C is wireChoice) or a chat.completion.chunk (C is
	// wireChunkChoice).
	wireAnswer[C any] struct {
		ID      string          `json:"id"`
		Object  string          `json:"object"`
		Created int64           `json:"created"`
		Model   string          `json:"model"`
		Choices []C             `json:"choices"`
		Usage   json.RawMessage `json:"usage,omitempty"`
	}
)

var jsonNull = json.RawMessage("null")

// answer fills a Reply's defaults for req.
func answer(req *Request, rep *Reply) (finish string, calls []wireToolCall, usage wireUsage) {
	finish = rep.FinishReason
	if finish == "" {
		finish = "stop"
		if len(rep.ToolCalls) > 0 {
			finish = "tool_calls"
		}
	}
	for i, tc := range rep.ToolCalls {
		id := tc.ID
		if id == "" {
			id = fmt.Sprintf("call_%d_%d", req.Seq, i)
		}
		calls = append(calls, wireToolCall{ID: id, Type: "function", Function: wireFunction{Name: tc.Name, Arguments: tc.Arguments}})
	}
	if rep.Usage != nil {
		return finish, calls, wireUsage{rep.Usage.Prompt, rep.Usage.Completion, rep.Usage.Total}
	}
	var promptBytes, images int
	for _, m := range req.Messages {
		promptBytes += len(m.Text)
		images += m.Images
		for _, tc := range m.ToolCalls {
			promptBytes += len(tc.Name) + len(tc.Arguments)
		}
	}
	completionBytes := len(rep.Content) + len(rep.Reasoning)
	for _, tc := range rep.ToolCalls {
		completionBytes += len(tc.Name) + len(tc.Arguments)
	}
	usage.PromptTokens = (promptBytes+3)/4 + 85*images + 3*len(req.Messages)
	usage.CompletionTokens = max(1, (completionBytes+3)/4)
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	return finish, calls, usage
}

func (s *Server) complete(w http.ResponseWriter, req *Request, rep *Reply) {
	finish, calls, usage := answer(req, rep)
	msg := wireMessage{Role: "assistant", ReasoningContent: rep.Reasoning, ToolCalls: calls}
	if rep.Content != "" || len(calls) == 0 {
		msg.Content = &rep.Content
	}
	u, err := json.Marshal(usage)
	if err != nil {
		panic(err) // wireUsage always marshals
	}
	body, err := json.Marshal(wireAnswer[wireChoice]{
		ID: fmt.Sprintf("chatcmpl-fake-%d", req.Seq), Object: "chat.completion", Created: Created, Model: req.Model,
		Choices: []wireChoice{{Message: msg, Logprobs: jsonNull, FinishReason: finish}},
		Usage:   u,
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "runnertest: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.CutAfter > 0 && rep.CutAfter < len(body) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:rep.CutAfter])
		_ = http.NewResponseController(w).Flush() // Hijack would drop what is still buffered
		reset(w, false)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// stream answers req as OpenAI does with "stream": true: a chunk with the role, the
// reasoning and the content in several deltas each, each tool call as a first fragment
// (index, id, name) and argument fragments, a chunk with the finish reason, a usage chunk
// with no choices when stream_options.include_usage is set, then [DONE].
func (s *Server) stream(w http.ResponseWriter, req *Request, rep *Reply) {
	finish, calls, usage := answer(req, rep)
	includeUsage := false
	if so, ok := req.JSON["stream_options"].(map[string]any); ok {
		includeUsage, _ = so["include_usage"].(bool)
	}
	base := wireAnswer[wireChunkChoice]{ID: fmt.Sprintf("chatcmpl-fake-%d", req.Seq), Object: "chat.completion.chunk", Created: Created, Model: req.Model}
	if includeUsage {
		base.Usage = jsonNull
	}
	var chunks []wireAnswer[wireChunkChoice]
	add := func(d wireDelta, finish *string) {
		c := base
		c.Choices = []wireChunkChoice{{Delta: d, Logprobs: jsonNull, FinishReason: finish}}
		chunks = append(chunks, c)
	}
	empty := ""
	add(wireDelta{Role: "assistant", Content: &empty}, nil)
	for _, p := range split(rep.Reasoning, 6) {
		add(wireDelta{ReasoningContent: p}, nil)
	}
	for _, p := range split(rep.Content, 6) {
		add(wireDelta{Content: &p}, nil)
	}
	for i, tc := range calls {
		first := tc
		first.Index = &i
		first.Function.Arguments = ""
		add(wireDelta{ToolCalls: []wireToolCall{first}}, nil)
		for _, p := range split(tc.Function.Arguments, 5) {
			add(wireDelta{ToolCalls: []wireToolCall{{Index: &i, Function: wireFunction{Arguments: p}}}}, nil)
		}
	}
	add(wireDelta{}, &finish)
	if includeUsage {
		c := base
		c.Choices = []wireChunkChoice{}
		c.Usage, _ = json.Marshal(usage)
		chunks = append(chunks, c)
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for n, c := range chunks {
		if rep.CutAfter > 0 && n == rep.CutAfter {
			reset(w, false)
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			panic(err) // the chunk types always marshal
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
	if rep.CutAfter > 0 {
		reset(w, false)
		return
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}

// split cuts s into pieces of at most n runes (never inside a rune).
func split(s string, n int) []string {
	var out []string
	for s != "" {
		i, k := 0, 0
		for i < len(s) && k < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			k++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// reset takes the connection over and closes it: with a TCP reset when rst is set, else
// with a plain close after what was written.
func reset(w http.ResponseWriter, rst bool) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(fmt.Sprintf("runnertest: cannot hijack the connection: %v", err))
	}
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok && rst {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in OpenAI's error shape.
func writeError(w http.ResponseWriter, status int, message string) {
	typ, code := "server_error", any(nil)
	switch {
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
	case status == http.StatusUnauthorized:
		typ, code = "invalid_request_error", "invalid_api_key"
	case status < 500:
		typ = "invalid_request_error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": code,
	}})
}
