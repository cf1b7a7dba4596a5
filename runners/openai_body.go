package runners

// This file owns the body of a chat completions request: its fields (the sampling parameters
// a Generation sets, zero included, and Generation.Extra as given), its messages as the wire
// wants them, and the reader that sends it with its images base64-encoded on the way, so that
// no encoded copy of an image is ever held in memory. It is the part of the client that
// go-openai cannot do: its request type drops zero temperatures and empty contents, and it
// marshals the whole body, images included, before sending it.

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	openai "github.com/sashabaranov/go-openai"

	"github.com/realx-bench/realx/tasks"
)

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

// requestBody is the body of one request, in pieces, read as many times as the transport
// asks (GetBody).
type requestBody struct {
	pieces []bodyPiece
	size   int64
	// stream says whether the body asks for an event stream.
	stream bool
}

// newRequestBody returns the body that asks model for req: a JSON object with its keys in
// sorted order — the messages, the model, "stream" (with "stream_options" asking for the usage
// when it is true), the tools, every sampling parameter req.Generation sets and every key of
// Generation.Extra. An error is the request's own (a role missing, a tool schema that is not
// JSON, an Extra key that conflicts), found before anything is sent.
func newRequestBody(model string, req *ChatRequest) (*requestBody, error) {
	g := req.Generation
	if conflicts := ExtraConflicts(g); len(conflicts) > 0 {
		return nil, conflicts[0]
	}
	stream := g.Stream != nil && *g.Stream
	fields := map[string]any{"messages": nil, "model": model, "stream": stream} // messages: written below
	if stream {
		fields["stream_options"] = openai.StreamOptions{IncludeUsage: true}
	}
	var tools []openai.Tool
	for _, t := range req.Tools {
		params := json.RawMessage(t.Parameters)
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		} else if !json.Valid(params) {
			return nil, fmt.Errorf("tool %s: parameters are not valid JSON", t.Name)
		}
		tools = append(tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: params,
		}})
	}
	if len(tools) > 0 {
		fields["tools"] = tools
	}
	for _, f := range typedFields(g) {
		if f.set {
			fields[f.key] = f.v
		}
	}
	maps.Copy(fields, g.Extra)

	var b pieceBuilder
	b.raw("{")
	for i, k := range slices.Sorted(maps.Keys(fields)) {
		if i > 0 {
			b.raw(",")
		}
		b.json("", k)
		b.raw(":")
		if k == "messages" {
			if err := b.messages(req.Messages); err != nil {
				return nil, err
			}
		} else if err := b.json("", fields[k]); err != nil {
			return nil, fmt.Errorf("generation %s: %w", k, err)
		}
	}
	b.raw("}")
	body := &requestBody{pieces: b.pieces(), stream: stream}
	for _, p := range body.pieces {
		body.size += int64(p.len())
	}
	return body, nil
}

// reader returns a reader of the whole body.
func (b *requestBody) reader() io.ReadCloser { return &bodyReader{pieces: b.pieces} }

// The wire shapes of request messages. Content is always present: a string for text-only
// messages, a list of parts when there is an image, and null only for an assistant message
// that has tool calls and no text. (go-openai's ChatCompletionMessage drops an empty content,
// which servers reject.)
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

// messages writes the JSON array of msgs: a message with an image part by part, its images as
// pieces to base64-encode while the body is sent.
func (b *pieceBuilder) messages(msgs []Message) error {
	b.raw("[")
	for i, m := range msgs {
		if i > 0 {
			b.raw(",")
		}
		w := wireMessage{Role: string(m.Role), ToolCallID: m.ToolCallID}
		if m.Role == "" {
			return fmt.Errorf("message %d has no role", i)
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
				return fmt.Errorf("message %d part %d: image has no data or no media type", i, j)
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
	return b.err
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

// json writes prefix, then v as JSON (MarshalPlain); it returns the builder's first error.
func (b *pieceBuilder) json(prefix string, v any) error {
	j, err := MarshalPlain(v)
	if err != nil {
		b.err = cmp.Or(b.err, err)
		return b.err
	}
	b.buf = append(append(b.buf, prefix...), j...)
	return b.err
}

// base64 adds data as a piece to encode.
func (b *pieceBuilder) base64(data []byte) {
	if len(b.buf) > 0 {
		b.out = append(b.out, bodyPiece{data: b.buf})
		b.buf = nil
	}
	b.out = append(b.out, bodyPiece{data: data, encode: true})
}

// pieces returns the body's pieces.
func (b *pieceBuilder) pieces() []bodyPiece {
	if len(b.buf) > 0 {
		b.out = append(b.out, bodyPiece{data: b.buf})
		b.buf = nil
	}
	return b.out
}

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
