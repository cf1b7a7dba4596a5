package runners

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

// A recording is a model's replies in a JSON Lines file, one reply a line, each keyed by the
// request it answered:
//
//	{"key": "<hex>", "reply": {"content": "…", "finish_reason": "stop", "usage": {…}}, "turn": 2, "last": "…"}
//
// key is RequestKey with no endpoint: the SHA-256 of the request's messages (images by the
// hash of their bytes), tools, generation settings and repeat index, but not of the model's
// name or URL. turn (the number of assistant turns before the reply) and last (the start of the
// request's last message) are for people reading the file; a replay ignores them. Recorder
// writes a recording as a run goes (`realx run --record-model FILE`); Replay answers from one
// (`realx run --replay-model FILE`), so that a run's model turns can be replayed anywhere,
// without the model, as long as each request comes out the same: the same suite, prompts and
// settings, and tools that observe the same (a sandbox's output, a search store's answers).

// Recorded is one line of a recording.
type Recorded struct {
	Key   string        `json:"key"`
	Reply RecordedReply `json:"reply"`
	// Turn counts the assistant turns of the conversation before the reply.
	Turn int `json:"turn"`
	// Last is the start of the request's last message, for a reader.
	Last string `json:"last,omitempty"`
}

// RecordedReply is what a recording keeps of a reply.
type RecordedReply struct {
	Content      string     `json:"content,omitempty"`
	Reasoning    string     `json:"reasoning,omitempty"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	FinishReason string     `json:"finish_reason,omitempty"`
	Usage        Usage      `json:"usage"`
}

// replayKey is the key of req in a recording: its RequestKey with no endpoint.
func replayKey(req *ChatRequest) (string, error) {
	k, err := RequestKey("", req)
	if err != nil {
		return "", err
	}
	return k.String(), nil
}

// noteOf returns the start of the last message of req and the number of assistant turns
// before it, for a recording's reader and a miss's message.
func noteOf(req *ChatRequest) (last string, turn int) {
	for _, m := range req.Messages {
		if m.Role == RoleAssistant {
			turn++
		}
	}
	if n := len(req.Messages); n > 0 {
		last = strings.Join(strings.Fields(req.Messages[n-1].Text()), " ")
		if len(last) > 160 {
			cut := 160
			for cut > 0 && !utf8.RuneStart(last[cut]) {
				cut--
			}
			last = last[:cut] + "…"
		}
	}
	return last, turn
}

// Replay is a Model that answers from a recording: each request with the reply recorded for
// the same request (by key), and a request the recording lacks with a *ReplayMissError. It
// never calls a model. It is safe for concurrent use.
type Replay struct {
	name    string
	replies map[string]RecordedReply
}

// OpenReplay reads the recording at path.
func OpenReplay(path string) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	return ReadReplay(f, path)
}

// ReadReplay reads a recording from r; name names it in errors. A line that does not read is
// an error naming it; a key recorded twice keeps its last reply.
func ReadReplay(r io.Reader, name string) (*Replay, error) {
	rp := &Replay{name: name, replies: map[string]RecordedReply{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec Recorded
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("recording %s:%d: %v", name, line, err)
		}
		if len(rec.Key) != 64 {
			return nil, fmt.Errorf("recording %s:%d: %q is not a request key (64 hex digits)", name, line, rec.Key)
		}
		rp.replies[rec.Key] = rec.Reply
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recording %s: %w", name, err)
	}
	if len(rp.replies) == 0 {
		return nil, fmt.Errorf("recording %s holds no reply", name)
	}
	return rp, nil
}

// Len returns the number of replies recorded.
func (r *Replay) Len() int { return len(r.replies) }

// ReplayMissError is a Replay's error for a request its recording lacks: the conversation went
// another way than the one recorded.
type ReplayMissError struct {
	Recording string
	Key       string
	// Turn counts the assistant turns before the request; Last is the start of its last
	// message.
	Turn int
	Last string
}

// Error names the request and says what to check.
func (e *ReplayMissError) Error() string {
	return fmt.Sprintf("replayed model: %s has no reply to this request (key %s, after %d assistant turns; its last message begins %q): the conversation differs from the recorded one (another suite, prompt or setting, or a tool that observed something else)",
		e.Recording, e.Key, e.Turn, e.Last)
}

// Chat answers req from the recording.
func (r *Replay) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := replayKey(req)
	if err != nil {
		return nil, err
	}
	rep, ok := r.replies[key]
	if !ok {
		last, turn := noteOf(req)
		return nil, &ReplayMissError{Recording: r.name, Key: key, Turn: turn, Last: last}
	}
	return &ChatResponse{Content: rep.Content, Reasoning: rep.Reasoning, ToolCalls: rep.ToolCalls,
		FinishReason: rep.FinishReason, Usage: rep.Usage}, nil
}

// Recorder is a Model that sends each request to its model and writes the reply to a
// recording, a line as it comes: what Replay answers from. Failed calls are not written. It is
// safe for concurrent use.
type Recorder struct {
	m  Model
	mu sync.Mutex
	w  io.Writer
	// err is the first failure to write, returned by Err.
	err error
}

// NewRecorder returns m with its replies written to w.
func NewRecorder(m Model, w io.Writer) *Recorder { return &Recorder{m: m, w: w} }

// Chat sends req to the model and records its reply.
func (r *Recorder) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	resp, err := r.m.Chat(ctx, req)
	if err != nil {
		return resp, err
	}
	key, err := replayKey(req)
	var line bytes.Buffer
	if err == nil {
		last, turn := noteOf(req)
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		err = enc.Encode(Recorded{Key: key, Turn: turn, Last: last, Reply: RecordedReply{
			Content: resp.Content, Reasoning: resp.Reasoning, ToolCalls: resp.ToolCalls,
			FinishReason: resp.FinishReason, Usage: resp.Usage}})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		_, err = r.w.Write(line.Bytes())
	}
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("recording the model's replies: %w", err)
	}
	return resp, nil
}

// Err returns the first failure to write the recording, nil when every reply was written.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
