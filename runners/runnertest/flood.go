package runnertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Sent returns the bytes of Flood answers the Server has written so far.
func (s *Server) Sent() int64 { return s.sent.Load() }

// counter counts the bytes written through it into a Server's sent.
type counter struct {
	w  io.Writer
	rc *http.ResponseController
	s  *Server
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.s.sent.Add(int64(n))
	return n, err
}

// write writes p and flushes it, so that a client that hung up is seen at once.
func (c *counter) write(p []byte) error {
	if _, err := c.Write(p); err != nil {
		return err
	}
	return c.rc.Flush()
}

// filler returns n bytes of text that needs no escaping in JSON.
func filler(n int) []byte {
	const pattern = "All work and no play makes a very long reply. "
	return []byte(strings.Repeat(pattern, n/len(pattern)+1)[:n])
}

// flood answers req with rep.Flood bytes of filler (see Reply.Flood).
func (s *Server) flood(w http.ResponseWriter, req *Request, rep *Reply) {
	c := &counter{w: w, rc: http.NewResponseController(w), s: s}
	id := fmt.Sprintf("chatcmpl-fake-%d", req.Seq)
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		head := fmt.Sprintf(`{"id":%q,"object":"chat.completion","created":%d,"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"`,
			id, Created, req.Model)
		if c.write([]byte(head)) != nil {
			return
		}
		piece := filler(32 << 10)
		for left := rep.Flood; left > 0; left -= int64(len(piece)) {
			if c.write(piece[:min(int64(len(piece)), left)]) != nil {
				return
			}
		}
		_ = c.write([]byte(`"},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`))
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	size := rep.FloodDelta
	if size <= 0 {
		size = 64 << 10
	}
	text := string(filler(size))
	base := wireAnswer[wireChunkChoice]{ID: id, Object: "chat.completion.chunk", Created: Created, Model: req.Model}
	event := func(d wireDelta, finish *string) []byte {
		a := base
		a.Choices = []wireChunkChoice{{Delta: d, Logprobs: jsonNull, FinishReason: finish}}
		b, err := json.Marshal(a)
		if err != nil {
			panic(err) // the chunk types always marshal
		}
		return append(append([]byte("data: "), b...), "\n\n"...)
	}
	var same []byte // the event every delta repeats, when they are all the same
	switch rep.FloodField {
	case "", "content":
		same = event(wireDelta{Content: &text}, nil)
	case "reasoning":
		same = event(wireDelta{ReasoningContent: text}, nil)
	case "comments":
		same = []byte(": " + text + "\n")
	case "other":
		a := base
		a.Choices = []wireChunkChoice{{Index: 1, Delta: wireDelta{Content: &text}, Logprobs: jsonNull}}
		b, err := json.Marshal(a)
		if err != nil {
			panic(err) // the chunk types always marshal
		}
		same = append(append([]byte("data: "), b...), "\n\n"...)
	case "line":
		head := fmt.Sprintf(`data: {"id":%q,"object":"chat.completion.chunk","created":%d,"model":%q,"choices":[{"index":0,"delta":{"content":"`, id, Created, req.Model)
		if c.write([]byte(head)) != nil {
			return
		}
		same = []byte(text)
	case "arguments":
		zero := 0
		if c.write(event(wireDelta{ToolCalls: []wireToolCall{{Index: &zero, ID: "call_flood", Type: "function", Function: wireFunction{Name: "flood"}}}}, nil)) != nil {
			return
		}
		same = event(wireDelta{ToolCalls: []wireToolCall{{Index: &zero, Function: wireFunction{Arguments: text}}}}, nil)
	case "calls":
	default:
		panic(fmt.Sprintf("runnertest: unknown FloodField %q", rep.FloodField))
	}
	for i := 0; int64(i)*int64(size) < rep.Flood; i++ {
		ev := same
		if ev == nil {
			ev = event(wireDelta{ToolCalls: []wireToolCall{{Index: &i, ID: fmt.Sprintf("call_%d", i), Type: "function",
				Function: wireFunction{Name: "flood", Arguments: text}}}}, nil)
		}
		if c.write(ev) != nil {
			return
		}
	}
	finish := "length"
	if c.write(event(wireDelta{}, &finish)) != nil {
		return
	}
	_ = c.write([]byte("data: [DONE]\n\n"))
}
