package runners

// This file owns the reading of a streamed answer: the lines of a server-sent event stream
// read within the ReplyLimits (the stream's bytes, one line, the lines that carry no data),
// its end at "data: [DONE]", and its chunks put together into one ChatResponse.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// readStream reads the event stream of answer into a reply: its chunks' deltas of the first
// choice put together, its usage, and the errors a server sends in a stream.
func (m *OpenAI) readStream(answer *http.Response) (*ChatResponse, error) {
	events := newEventReader(answer.Body, m.limits)
	var content, reasoning, refusal strings.Builder
	var calls []*streamedCall
	var size int64 // of the output so far, as replySize counts it
	resp := &ChatResponse{}
	for {
		data, err := events.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrTruncatedStream) {
			if ct := answer.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
				return nil, fmt.Errorf("the answer to a stream request is not an event stream (Content-Type %q)", ct)
			}
		}
		if err != nil {
			return nil, err
		}
		var chunk completion
		if err := json.Unmarshal(data, &chunk); err != nil {
			return nil, fmt.Errorf("stream chunk: %w", err)
		}
		if err := chunk.err(data); err != nil {
			return nil, err
		}
		if chunk.Usage != nil {
			resp.Usage = usage(*chunk.Usage)
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue // only the first choice is asked for
			}
			d := &ch.Delta
			think := d.reasoning()
			size += int64(len(d.Content) + len(think) + len(d.Refusal))
			for _, c := range d.ToolCalls {
				size += int64(len(c.ID) + len(c.Function.Name) + len(c.Function.Arguments))
			}
			if size > m.limits.MaxReplyBytes {
				return nil, &ReplyLimitError{What: "output", Limit: m.limits.MaxReplyBytes}
			}
			content.WriteString(string(d.Content))
			reasoning.WriteString(think)
			refusal.WriteString(d.Refusal)
			if ch.FinishReason != "" {
				resp.FinishReason = ch.FinishReason
			}
			for _, c := range d.ToolCalls {
				if calls = addToolCallDelta(calls, c); len(calls) > m.limits.MaxToolCalls {
					return nil, &ReplyLimitError{What: "tool calls", Limit: int64(m.limits.MaxToolCalls)}
				}
			}
		}
	}
	resp.Content, resp.Reasoning, resp.Refusal = content.String(), reasoning.String(), refusal.String()
	slices.SortStableFunc(calls, func(a, b *streamedCall) int { return a.index - b.index })
	for _, c := range calls {
		resp.ToolCalls = append(resp.ToolCalls, c.ToolCall)
	}
	return resp, nil
}

// err returns the error a stream chunk carries, or nil: {"error": {…}} as OpenAI and newer
// vLLM send it, or the flat {"object": "error", "message": …} of older vLLM.
func (c *completion) err(data []byte) error {
	switch {
	case len(c.Error) > 0 && string(c.Error) != "null":
		data = c.Error
	case c.Object != "error":
		return nil
	}
	e := &openai.APIError{}
	if err := json.Unmarshal(data, e); err != nil {
		return fmt.Errorf("stream error chunk: %w", err)
	}
	return e
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

// eventReader reads the data lines of a server-sent event stream within a reply's limits:
// the stream's bytes (MaxStreamBytes), one line (maxEventLine), and the lines that carry no
// data (maxNoDataLines). Those are kept, in case they make up an error: a server that answers
// a stream request with an error in JSON.
type eventReader struct {
	r       *bufio.Reader
	long    []byte // a line longer than r's buffer
	maxLine int64
	noData  []byte // the lines so far that carried no data, trimmed
	// noDataSize is the length of those lines as they came.
	noDataSize int64
}

// newEventReader returns an eventReader of body within limits.
func newEventReader(body io.ReadCloser, limits ReplyLimits) *eventReader {
	capped := newCapReader(body, limits.MaxStreamBytes, &ReplyLimitError{What: "stream", Limit: limits.MaxStreamBytes})
	return &eventReader{r: bufio.NewReader(capped), maxLine: maxEventLine(limits)}
}

// next returns the data of the next "data:" line, valid until the next call. It returns
// io.EOF at "data: [DONE]"; at the end of the stream before it, the error the lines without
// data make up (OpenAI's error JSON), or ErrTruncatedStream. A last line without its newline
// was cut short: only "data: [DONE]" counts of it.
func (r *eventReader) next() ([]byte, error) {
	for {
		line, err := r.line()
		if err != nil && err != io.EOF {
			return nil, err
		}
		trimmed := bytes.TrimSpace(line)
		data, isData := bytes.CutPrefix(trimmed, []byte("data:"))
		data = bytes.TrimSpace(data)
		switch {
		case isData && string(data) == "[DONE]":
			return nil, io.EOF
		case err == io.EOF:
			var e openai.ErrorResponse
			if json.Unmarshal(r.noData, &e) == nil && e.Error != nil {
				return nil, e.Error
			}
			return nil, ErrTruncatedStream
		case isData:
			return data, nil
		}
		r.noDataSize += int64(len(line) - 1) // without its newline
		if r.noDataSize > maxNoDataLines {
			return nil, &ReplyLimitError{What: "non-data lines", Limit: maxNoDataLines}
		}
		r.noData = append(r.noData, trimmed...)
	}
}

// line returns the next line of the stream, its newline included, and io.EOF with the last
// line when it has none. It fails with a *ReplyLimitError when the line passes maxLine.
func (r *eventReader) line() ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull && int64(len(r.long)) <= r.maxLine {
			line, err = r.r.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if int64(len(bytes.TrimSuffix(line, []byte("\n")))) > r.maxLine {
		return nil, &ReplyLimitError{What: "event", Limit: r.maxLine}
	}
	return line, err
}
