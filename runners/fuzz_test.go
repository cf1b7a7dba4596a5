package runners_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// parseSeeds are replies as models write them, well and badly: nested and unclosed tags,
// several calls, broken and huge JSON.
var parseSeeds = []string{
	"",
	"The answer is <answer>4</answer>.",
	"<think>zoom</think>\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [1, 2, 30, 40]}}\n</tool_call>",
	"<tool_call>{\"name\": \"echo\", \"arguments\": \"{\\\"text\\\": \\\"hi\\\"}\"}</tool_call><tool_call>{\"name\": \"echo\", \"parameters\": {}}",
	"<tool_call><tool_call>{\"name\": \"a\"}</tool_call></tool_call>",
	"<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": </tool_call>",
	"<tool_call>not json at all",
	"<tool_call>{\"name\": \"   \"}</tool_call>",
	"<code>\n```python\nprint(image_1.size)\n```\n</code>",
	"<code>print(1)",
	"<code>```python\nx = 1\n</code><answer>1</answer>",
	"<tool_call>{\"name\": \"search\", \"arguments\": {\"query\": \"who\"}}",
	"<tool_call>{\"name\": \"image_search\", \"arguments\": {\"q\": 1}}</tool_call>",
	"<think>a</think><tool_call>{\"name\": \"code\", \"arguments\": {\"code\": \"print(2)\"}}</tool_call><answer>",
	"<tool_call>" + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "</tool_call>",
	"<tool_call>{\"name\": \"big\", \"arguments\": {\"blob\": \"" + strings.Repeat("x", 1000) + "\"}}</tool_call>",
	"\xff<tool_call>{\"name\": \"\xfe\"}</tool_call>",
}

// FuzzParse puts arbitrary replies through every protocol's parser (a native reply also
// brings a tool call of the fuzzed name and arguments). No parser panics; what a parser reads
// out is bounded by what it was given; a reply's kept message parses to the same step as the
// reply (a server that stopped on a closing tag is read the same once it is restored); and a
// call written in the protocol's own format reads back as written.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s, "echo", `{"text": "hi"}`)
	}
	f.Add("", "", "")
	f.Add("<tool_call>", "a</tool_call>b", "{")
	f.Fuzz(func(t *testing.T, content, name, args string) {
		for _, pname := range runners.Protocols {
			p, _ := runners.ProtocolByName(pname)
			resp := &runners.ChatResponse{Content: content}
			if pname == "native" {
				resp.ToolCalls = []runners.ToolCall{{Name: name, Arguments: args}}
			}
			st := p.Parse(resp, 1)
			if st == nil {
				t.Fatalf("%s: no step", pname)
			}
			in := len(content) + len(name) + len(args)
			text := st.Message.Text()
			if len(text) > in+len("</tool_call>") {
				t.Fatalf("%s: the kept message (%d bytes) is longer than the reply (%d)", pname, len(text), in)
			}
			if n := strings.Count(content, "<")/2 + 1 + len(resp.ToolCalls); len(st.Calls) > n {
				t.Fatalf("%s: %d calls out of %d bytes", pname, len(st.Calls), len(content))
			}
			out := 0
			for _, c := range st.Calls {
				out += len(c.Name) + len(c.Arguments)
			}
			// A code call JSON-escapes its code: a byte can take six.
			if out > 6*in+64*(len(st.Calls)+1) {
				t.Fatalf("%s: %d bytes of calls out of %d bytes", pname, out, in)
			}

			again := p.Parse(&runners.ChatResponse{Content: text, ToolCalls: st.Message.ToolCalls}, 1)
			if fmt.Sprint(again.Calls) != fmt.Sprint(st.Calls) || again.Answer != st.Answer {
				t.Fatalf("%s: the kept message parses differently:\n%q: %v %v\n%q: %v %v", pname,
					content, st.Calls, st.Answer, text, again.Calls, again.Answer)
			}
		}
		roundTrip(t, name, args)
	})
}

// roundTrip checks that a call written in each protocol's format reads back as written.
func roundTrip(t *testing.T, name, arg string) {
	argsJSON, err := runners.MarshalPlain(map[string]string{"x": arg})
	if err != nil {
		t.Fatal(err)
	}
	callJSON, err := runners.MarshalPlain(map[string]any{"name": name, "arguments": json.RawMessage(argsJSON)})
	if err != nil {
		t.Fatal(err)
	}
	call := "<think>let me see</think>\n<tool_call>\n" + string(callJSON) + "\n</tool_call>"
	tags := []string{"<tool_call>", "</tool_call>", "<answer>", "</answer>", "<code>"}
	clean := strings.TrimSpace(name) != "" && utf8.ValidString(name) && utf8.ValidString(arg)
	for _, tag := range tags {
		clean = clean && !strings.Contains(string(callJSON), tag)
	}
	for _, pname := range []string{"hermes", "r1v4", "deepeyes"} {
		p, _ := runners.ProtocolByName(pname)
		st := p.Parse(&runners.ChatResponse{Content: call}, 1)
		if clean && (len(st.Calls) != 1 || st.Calls[0].Name != name || st.Calls[0].Arguments != string(argsJSON) || st.Calls[0].Err != "") {
			t.Fatalf("%s: %s reads back as %+v", pname, call, st.Calls)
		}
	}

	native, _ := runners.ProtocolByName("native")
	st := native.Parse(&runners.ChatResponse{ToolCalls: []runners.ToolCall{{ID: "c1", Name: name, Arguments: arg}}}, 1)
	if len(st.Calls) != 1 || st.Calls[0].Arguments != arg || (strings.TrimSpace(name) != "" && st.Calls[0].Name != name) {
		t.Fatalf("native: %q(%q) reads back as %+v", name, arg, st.Calls)
	}

	code := arg
	if strings.Contains(code, "```") || strings.Contains(code, "</code>") || strings.Contains(code, "<answer>") ||
		!utf8.ValidString(code) {
		return
	}
	v2, _ := runners.ProtocolByName("deepeyesv2")
	st = v2.Parse(&runners.ChatResponse{Content: "<think>crop</think>\n<code>\n```python\n" + code + "\n```\n</code>"}, 1)
	var got struct{ Code string }
	if len(st.Calls) != 1 || st.Calls[0].Name != "code" || json.Unmarshal([]byte(st.Calls[0].Arguments), &got) != nil ||
		got.Code != strings.TrimSpace(code) {
		t.Fatalf("deepeyesv2: code %q reads back as %+v", code, st.Calls)
	}
}

// fuzzLimits are the small caps FuzzStreamReader reads answers within.
var fuzzLimits = runners.ReplyLimits{MaxBodyBytes: 64 << 10, MaxStreamBytes: 64 << 10, MaxReplyBytes: 4 << 10, MaxToolCalls: 4}

// answerWith returns a client whose endpoint answers every request with body, as an event
// stream or as JSON.
func answerWith(body []byte, stream bool) *runners.OpenAI {
	ct := "application/json"
	if stream {
		ct = "text/event-stream"
	}
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {ct}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1, Request: r}, nil
	})}
	return runners.NewOpenAI(runners.Endpoint{BaseURL: "http://fuzz.invalid/v1", Model: "m", HTTPClient: hc, Limits: fuzzLimits})
}

// FuzzStreamReader feeds arbitrary bytes to the client as the body of a streamed answer and of
// a JSON one. It never panics; a reply it returns is within the caps; an error is a one-line
// *ModelError of bounded length. And a stream of the fuzzed text cut into deltas of the
// fuzzed size reads back as that text (or as the error of the output cap when it is longer).
func FuzzStreamReader(f *testing.F) {
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n"), "hello", uint8(2))
	f.Add([]byte(": OPENROUTER PROCESSING\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}}]}\n\ndata: [DONE]\n"), "", uint8(0))
	f.Add([]byte("data: {\"object\":\"error\",\"message\":\"boom\",\"code\":500}\n\n"), "¿qué? 数学", uint8(1))
	f.Add([]byte("data: {\"error\":{\"message\":\"overloaded\"}}\n\n"), strings.Repeat("long ", 200), uint8(7))
	f.Add([]byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning":"2+2"}}]}`), "x", uint8(255))
	f.Add([]byte("data: "+strings.Repeat("{", 600)+"\n\n"), "", uint8(3))
	f.Add([]byte("data: [DONE]"), "\x00\xff", uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, text string, size uint8) {
		for _, stream := range []bool{true, false} {
			resp, err := answerWith(body, stream).Chat(context.Background(), &runners.ChatRequest{
				Messages:   []runners.Message{runners.TextMessage(runners.RoleUser, "q")},
				Generation: tasks.Generation{Stream: &stream},
			})
			checkOutcome(t, resp, err, 3*len(body))
		}

		text = strings.ToValidUTF8(text, "")
		var b bytes.Buffer
		for rest := text; rest != ""; {
			n := min(len(rest), int(size)+1)
			for n < len(rest) && !utf8.RuneStart(rest[n]) {
				n++
			}
			chunk, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": rest[:n]}}}})
			fmt.Fprintf(&b, "data: %s\n\n", chunk)
			rest = rest[n:]
		}
		b.WriteString("data: [DONE]\n\n")
		stream := true
		resp, err := answerWith(b.Bytes(), true).Chat(context.Background(), &runners.ChatRequest{
			Messages:   []runners.Message{runners.TextMessage(runners.RoleUser, "q")},
			Generation: tasks.Generation{Stream: &stream},
		})
		var le *runners.ReplyLimitError
		switch {
		case int64(b.Len()) > fuzzLimits.MaxStreamBytes || int64(len(text)) > fuzzLimits.MaxReplyBytes:
			if !errors.As(err, &le) {
				t.Fatalf("%d bytes of text in %d of stream: want a cap's error, got %v", len(text), b.Len(), err)
			}
		case err != nil:
			t.Fatalf("stream of %q: %v", text, err)
		case resp.Content != text:
			t.Fatalf("stream of %q reads back as %q", text, resp.Content)
		}
	})
}

// checkOutcome checks a call's outcome against the caps: a reply within them, of no more than
// most bytes, or a bounded one-line *ModelError.
func checkOutcome(t *testing.T, resp *runners.ChatResponse, err error, most int) {
	t.Helper()
	if err != nil {
		var me *runners.ModelError
		if !errors.As(err, &me) {
			t.Fatalf("not a *ModelError: %T %v", err, err)
		}
		if msg := err.Error(); len(msg) > 1100 || strings.Contains(msg, "\n") {
			t.Fatalf("error text of %d bytes: %q", len(msg), msg)
		}
		return
	}
	size := len(resp.Content) + len(resp.Reasoning)
	for _, c := range resp.ToolCalls {
		size += len(c.ID) + len(c.Name) + len(c.Arguments)
	}
	if int64(size) > fuzzLimits.MaxReplyBytes || size > most || len(resp.ToolCalls) > fuzzLimits.MaxToolCalls {
		t.Fatalf("a reply of %d bytes and %d calls passed the caps", size, len(resp.ToolCalls))
	}
}
