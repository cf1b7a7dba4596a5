package runners

import (
	"context"
	"time"

	"github.com/realx-bench/realx/tasks"
)

// Model is a chat model behind some endpoint. Implementations must be safe for concurrent use.
type Model interface {
	// Chat sends one request and returns the model's reply. An error is an infrastructure
	// failure (the endpoint could not answer), never a wrong answer.
	Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error)
}

// Role is the author of a message.
type Role string

// The roles of the OpenAI chat format.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one chat message: text and images in order, and, for the assistant, native tool
// calls; for a tool result, the id of the call it answers.
type Message struct {
	Role       Role
	Parts      []Part
	ToolCalls  []ToolCall
	ToolCallID string
}

// Text returns the concatenated text parts of m.
func (m *Message) Text() string {
	var n int
	for _, p := range m.Parts {
		n += len(p.Text)
	}
	b := make([]byte, 0, n)
	for _, p := range m.Parts {
		b = append(b, p.Text...)
	}
	return string(b)
}

// TextMessage returns a message of one text part.
func TextMessage(role Role, text string) Message {
	return Message{Role: role, Parts: []Part{{Text: text}}}
}

// Part is a piece of a message: text, or (when Image is set) an image.
type Part struct {
	Text  string
	Image *Image
}

// Image is an image as it is sent to the model: encoded bytes, their media type and size.
type Image struct {
	Data   []byte
	MIME   string
	Width  int
	Height int
	// Detail is OpenAI's image detail; not sent when empty.
	Detail string
}

// ToolCall is a call the model made: native (ID set by the endpoint) or parsed from its text.
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ToolDef declares a tool to the model in OpenAI's function format.
type ToolDef struct {
	Name        string
	Description string
	// Parameters is the JSON Schema of the arguments.
	Parameters []byte
	// Python is the declaration as a Python literal, when the function's origin publishes
	// its own (BFCL's function documents): the pythonic protocol declares it in the system
	// prompt with Description in place of its own description, and as it is in the user turn
	// that reveals it (as BFCL's prompting mode does); empty, the protocol writes one from the
	// fields above.
	Python string
}

// ChatRequest is one request to a Model.
type ChatRequest struct {
	Messages   []Message
	Tools      []ToolDef
	Generation tasks.Generation
	// Repeat is the repeat index (from 0) of the sample the request is for, when a run puts
	// each sample to the model several times (ForRepeat sets it). It is never sent: it keys
	// the response cache, so that the repeats of a sample get answers of their own.
	Repeat int
}

// ChatResponse is a Model's reply with its cost.
type ChatResponse struct {
	Content string
	// Reasoning is the separate reasoning text some servers return (reasoning_content).
	Reasoning string
	// Refusal is the model's refusal to answer, which OpenAI sends apart from the content
	// (the message's "refusal"); the content is empty then.
	Refusal      string
	ToolCalls    []ToolCall
	FinishReason string
	Usage        Usage
	Latency      time.Duration
	// Cached is set when the response came from a response cache (WithCache) instead of the
	// endpoint; Latency is 0 then and Usage is the original call's.
	Cached bool
	// RateLimit is what the endpoint said about its rate limits, nil when it said nothing;
	// WithThrottle heeds it.
	RateLimit *RateLimit
}

// Usage counts tokens.
type Usage struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
	Total      int `json:"total"`
}

// Counted returns u with Total set to Prompt plus Completion when the endpoint left it at 0.
func (u Usage) Counted() Usage {
	if u.Total == 0 {
		u.Total = u.Prompt + u.Completion
	}
	return u
}

// Add returns u plus o.
func (u Usage) Add(o Usage) Usage {
	return Usage{Prompt: u.Prompt + o.Prompt, Completion: u.Completion + o.Completion, Total: u.Total + o.Total}
}
