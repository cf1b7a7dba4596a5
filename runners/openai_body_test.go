package runners

import (
	"bytes"
	"encoding/base64"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// TestRequestBodyReadsInAnyChunks reads bodies with images of every length modulo 3 in
// reads of every small size, and checks the bytes against encoding/json's rendering of
// the same messages with the images inline.
func TestRequestBodyReadsInAnyChunks(t *testing.T) {
	for size := 1; size <= 9; size++ {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*37 + size)
		}
		msgs := []Message{
			TextMessage(RoleSystem, "be <brief> & \"exact\""),
			{Role: RoleUser, Parts: []Part{
				{Text: "look:"},
				{Image: &Image{Data: data, MIME: "image/png", Detail: "high"}},
				{Text: ""},
				{Image: &Image{Data: data[:size/2+1], MIME: "image/jpeg"}},
			}, ToolCallID: "t1"},
			{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "c", Name: "f", Arguments: `{"x":1}`}}},
		}
		zero := 0.0
		body, err := newRequestBody("m", &ChatRequest{Messages: msgs, Generation: tasks.Generation{Temperature: &zero}})
		require.NoError(t, err)

		want := inlineBody(t, msgs)
		for chunk := 1; chunk <= 9; chunk++ {
			got, err := io.ReadAll(io.LimitReader(&chunkReader{body.reader(), chunk}, 1<<20))
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "image of %d bytes, reads of %d", size, chunk)
		}
		got, err := io.ReadAll(iotest.OneByteReader(body.reader()))
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, int64(len(want)), body.size)
	}
}

// chunkReader reads at most n bytes at a time from r.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// inlineBody is the body the client sent before images were streamed: encoding/json over
// the messages with their data URLs, in the same key order.
func inlineBody(t *testing.T, msgs []Message) []byte {
	type part struct {
		Type     string `json:"type"`
		Text     string `json:"text,omitempty"`
		ImageURL *struct {
			URL    string `json:"url"`
			Detail string `json:"detail,omitempty"`
		} `json:"image_url,omitempty"`
	}
	var out []wireMessage
	for _, m := range msgs {
		w := wireMessage{Role: string(m.Role), ToolCallID: m.ToolCallID, Content: m.Text()}
		for _, tc := range m.ToolCalls {
			w.ToolCalls = append(w.ToolCalls, wireToolCall{ID: tc.ID, Type: "function", Function: wireFunction{Name: tc.Name, Arguments: tc.Arguments}})
		}
		if len(m.ToolCalls) > 0 && m.Text() == "" {
			w.Content = nil
		}
		if len(m.Parts) > 1 {
			var parts []part
			for _, p := range m.Parts {
				switch {
				case p.Image != nil:
					pt := part{Type: "image_url"}
					pt.ImageURL = &struct {
						URL    string `json:"url"`
						Detail string `json:"detail,omitempty"`
					}{"data:" + p.Image.MIME + ";base64," + base64.StdEncoding.EncodeToString(p.Image.Data), p.Image.Detail}
					parts = append(parts, pt)
				case p.Text != "":
					parts = append(parts, part{Type: "text", Text: p.Text})
				}
			}
			w.Content = parts
		}
		out = append(out, w)
	}
	msgsJSON, err := MarshalPlain(out)
	require.NoError(t, err)
	var b bytes.Buffer
	b.WriteString(`{"messages":`)
	b.Write(msgsJSON)
	b.WriteString(`,"model":"m","stream":false,"temperature":0}`)
	return b.Bytes()
}
