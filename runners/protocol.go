package runners

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Protocol is how one family of models writes tool calls and reads tool results: how the tools
// are declared (in the request's tools field, or by the system prompt template), which stop
// sequences a request carries, how calls and a final answer are read out of a reply, and how
// the results go back. A model evaluated in a protocol other than the one it was trained on
// scores far below its paper, so each protocol follows its seed model's own evaluation code.
// Protocols are stateless and safe for concurrent use.
type Protocol interface {
	// Name is the protocol's name, as a suite or --protocol gives it.
	Name() string
	// Carries reports whether the protocol can write a call to the function called name.
	Carries(name string) bool
	// DefaultTools names the suite tools a sample gets when the suite names none.
	DefaultTools() []string
	// Prompts names the protocol's system and user templates (in runners/prompts); an empty
	// name leaves that prompt as the suite renders it.
	Prompts() (system, user string)
	// Prepare sets what a request carries besides its messages: the tools field (native) and
	// stop sequences. tools are the functions of the run.
	Prepare(req *ChatRequest, tools []ToolDef)
	// Parse reads one reply; turn counts the sample's model turns from 1.
	Parse(resp *ChatResponse, turn int) *Step
	// Observe renders the outcomes of a step's calls as the messages that go back to the
	// model, in the order of the calls.
	Observe(outcomes []Outcome) []Message
	// Nudge is the text of the user turn that on_no_action: reprompt sends after a reply
	// with neither a tool call nor an answer.
	Nudge() string
}

// Step is one reply of the model as a Protocol reads it.
type Step struct {
	// Message is the reply as it goes back into the conversation: for tag protocols its text
	// with the closing tag restored when the server stopped on it; for native, its tool calls.
	Message Message
	// Calls are the tool calls of the reply, in order. A call with Err set is malformed: it
	// is not run, and Err goes back to the model.
	Calls []ParsedCall
	// Answer reports that the reply gives the final answer; its calls are then not run.
	Answer bool
}

// ParsedCall is a tool call read out of a reply.
type ParsedCall struct {
	ToolCall
	// Err says why the call cannot be run (its JSON is broken, it names no tool, the protocol
	// cannot write that tool's calls); empty for a well-formed call.
	Err string
}

// Outcome is a call and what came of it.
type Outcome struct {
	Call ParsedCall
	Obs  *Observation
}

// InvalidCallName is the name recorded for a call whose tool name could not be read.
const InvalidCallName = "(invalid)"

// protocols are the protocols by name.
var protocols = map[string]Protocol{
	"native":     nativeProtocol{},
	"hermes":     hermesProtocol{},
	"deepeyesv2": deepEyesV2Protocol{},
	"deepeyes":   deepEyesProtocol{},
	"r1v4":       r1v4Protocol{},
	"pythonic":   pythonicProtocol{},
	// tags is declared by each suite (agent.tags): ProtocolFor builds it.
	"tags": tagProtocol{},
}

// Protocols lists the names of the agent protocols a suite may name, sorted; an empty
// protocol is a single turn without tools.
var Protocols = func() []string {
	names := make([]string, 0, len(protocols))
	for n := range protocols {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// ProtocolByName returns the protocol called name, and whether there is one; the tag
// protocol without tags (ProtocolFor gives an agent block's).
func ProtocolByName(name string) (Protocol, bool) {
	p, ok := protocols[name]
	return p, ok
}

// withStops returns stops with each of add that it lacks appended, in a new slice.
func withStops(stops []string, add ...string) []string {
	out := slices.Clone(stops)
	for _, s := range add {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// textOf returns the observation's text for protocols that send text: "(no output)" when
// there is none.
func textOf(o *Observation) string {
	if o.Text == "" {
		return "(no output)"
	}
	return o.Text
}

// imageParts returns the images as message parts.
func imageParts(imgs []*Image) []Part {
	parts := make([]Part, len(imgs))
	for i, im := range imgs {
		parts[i] = Part{Image: im}
	}
	return parts
}

// block is one <tag>…</tag> span of a reply.
type block struct {
	body     string
	unclosed bool // the closing tag is missing: the reply ended (or the server stopped) inside
}

// blocks returns every open…close span of s, in order. An opening tag without its closing
// tag takes the rest of s: a server stopping on the closing tag leaves it out.
func blocks(s, open, close string) []block {
	var out []block
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return out
		}
		s = s[i+len(open):]
		j := strings.Index(s, close)
		if j < 0 {
			return append(out, block{body: s, unclosed: true})
		}
		out = append(out, block{body: s[:j]})
		s = s[j+len(close):]
	}
}

// restoreClose returns text with close appended when its last open tag is not closed: the
// server stopped on the closing tag and left it out.
func restoreClose(text, open, close string) string {
	if bs := blocks(text, open, close); len(bs) > 0 && bs[len(bs)-1].unclosed {
		return text + close
	}
	return text
}

var nameRe = regexp.MustCompile(`"name"\s*:\s*"([^"]+)"`)

// parseCallJSON reads the body of a <tool_call> block, {"name": …, "arguments": {…}}, into a
// call. arguments may be an object, a string holding one, or absent ("parameters" is taken
// for it too). A body that is not such an object gives a call with Err set, named as well as
// the body lets one tell.
func parseCallJSON(body string) ParsedCall {
	body = strings.TrimSpace(body)
	var c struct {
		Name       string          `json:"name"`
		Arguments  json.RawMessage `json:"arguments"`
		Parameters json.RawMessage `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		name := InvalidCallName
		if m := nameRe.FindStringSubmatch(body); m != nil {
			name = m[1]
		}
		return ParsedCall{ToolCall: ToolCall{Name: name, Arguments: body},
			Err: fmt.Sprintf(`the tool call is not valid JSON (%v): write {"name": <function-name>, "arguments": <args-json-object>}`, err)}
	}
	if strings.TrimSpace(c.Name) == "" {
		return ParsedCall{ToolCall: ToolCall{Name: InvalidCallName, Arguments: body}, Err: `the tool call has no "name"`}
	}
	args := c.Arguments
	if len(args) == 0 {
		args = c.Parameters
	}
	var s string
	switch {
	case len(args) == 0 || string(args) == "null":
		args = json.RawMessage("{}")
	case json.Unmarshal(args, &s) == nil:
		args = json.RawMessage(s) // arguments written as a JSON string
	}
	return ParsedCall{ToolCall: ToolCall{Name: c.Name, Arguments: compactJSON(args)}}
}

// compactJSON returns raw without insignificant space, or as it is when it is not JSON.
func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// codeArgs returns the arguments of a call to the code tool running code.
func codeArgs(code string) string {
	b, err := MarshalPlain(map[string]string{"code": code})
	if err != nil {
		return "{}" // a string always marshals
	}
	return string(b)
}
