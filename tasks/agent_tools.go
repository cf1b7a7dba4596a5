package tasks

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// EnvironmentSpec names a suite's environment: a stateful tool set that each sample (and each
// repeat) opens afresh from its own initial state, whose functions the model calls like any
// tool's and whose final state goes to the judge.
type EnvironmentSpec struct {
	// Name is the environment's kind, one realx registers (runners/tools/env); package realx
	// checks it.
	Name string `yaml:"name" json:"name"`
	// State is the sample field (a key of its metadata) holding its initial state, any JSON
	// value; empty, every sample starts from the environment's own empty state.
	State string `yaml:"state" json:"state,omitempty"`
}

// MCPServer is an MCP tool server whose tools the model may call: a command that realx starts
// and speaks to over stdio, or a streamable-HTTP URL. Starting a command that a suite names
// is running its code: realx refuses unless the user allows it (--allow-mcp-command).
type MCPServer struct {
	// Name names the server, in errors and in the recorded calls.
	Name string `yaml:"name" json:"name"`
	// Command is the program and its arguments (no shell); a relative program path is
	// resolved against the suite's directory, a bare name on PATH.
	Command []string `yaml:"command" json:"command,omitempty"`
	// URL is a streamable-HTTP server's endpoint.
	URL string `yaml:"url" json:"url,omitempty"`
	// Env names variables of realx's environment passed to the command, which otherwise gets
	// a clean one; the user must allow each (--mcp-env).
	Env []string `yaml:"env" json:"env,omitempty"`
	// Tools are the server's tools the model may call; empty, every one it lists.
	Tools []string `yaml:"tools" json:"tools,omitempty"`
	// Timeout caps one call (60s when unset).
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// TagSpec declares a tag protocol, for tool-integrated reasoning models that write their own
// tags: ARTIST's <python>…</python> answered by <output>…</output>, ToRA's ```python fences
// answered by ```output. A reply with a call runs it; the result goes back wrapped in the
// observation's tags; a reply with the answer's open tag (or, without an answer tag, a reply
// without a call) is final.
type TagSpec struct {
	// Calls are the forms a call takes, tried in order of appearance in the reply.
	Calls []TagCall `yaml:"calls" json:"calls"`
	// Observation wraps each call's result as it goes back, as a user turn.
	Observation TagPair `yaml:"observation" json:"observation"`
	// Answer marks the final answer, whose text is graded; unset, a reply without a call is
	// final and graded whole.
	Answer *TagPair `yaml:"answer" json:"answer,omitempty"`
	// Stop are the requests' stop sequences; unset, each call's close tag (restored in the
	// kept reply when the server stops on it); [] for none.
	Stop []string `yaml:"stop" json:"stop,omitempty"`
}

// TagPair is an open and a close tag.
type TagPair struct {
	Open  string `yaml:"open" json:"open"`
	Close string `yaml:"close" json:"close"`
}

// TagCall is one form of call: what lies between Open and Close is either a JSON call
// ({"name": …, "arguments": {…}}, JSON) or the one argument (Argument) of the function
// Function ("code", the python tool's, whose argument is "code").
type TagCall struct {
	Open  string `yaml:"open" json:"open"`
	Close string `yaml:"close" json:"close"`
	// JSON reads the body as {"name": …, "arguments": {…}}, any function.
	JSON bool `yaml:"json" json:"json,omitempty"`
	// Function is the function the body calls; Argument the argument it is ("code" for the
	// function code).
	Function string `yaml:"function" json:"function,omitempty"`
	Argument string `yaml:"argument" json:"argument,omitempty"`
}

// The bounds of the agent's tool sections, so that a published suite cannot make realx start
// a thousand servers or send stop sequences by the megabyte.
const (
	// MaxMCPServers bounds agent.mcp.
	MaxMCPServers = 16
	// MaxMCPArgs bounds a server's command, program included; MaxMCPArg each argument's bytes.
	MaxMCPArgs = 64
	MaxMCPArg  = 4096
	// MaxMCPEnv bounds the variables passed to a server, MaxMCPTools its allowed tools.
	MaxMCPEnv   = 64
	MaxMCPTools = 256
	// MaxMCPTimeout bounds a server's call timeout.
	MaxMCPTimeout = 10 * time.Minute
	// MaxTagCalls bounds agent.tags.calls, MaxTagStops agent.tags.stop, and MaxTagBytes the
	// length of each tag and stop sequence.
	MaxTagCalls = 8
	MaxTagStops = 8
	MaxTagBytes = 64
)

// ProtocolTags is the protocol a suite declares with agent.tags.
const ProtocolTags = "tags"

var (
	fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	mcpName   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

func (c *checker) environment(a *AgentSpec) {
	if e := a.Environment; e != nil {
		switch {
		case e.Name == "":
			c.errorf(yamlPath("agent", "environment", "name"), "agent.environment.name is required: the environment's kind")
		case !mcpName.MatchString(e.Name):
			c.errorf(yamlPath("agent", "environment", "name"), "agent.environment.name %q is not an environment's name", e.Name)
		}
		if e.State != "" && !fieldName.MatchString(e.State) {
			c.errorf(yamlPath("agent", "environment", "state"), "agent.environment.state %q is not a field name", e.State)
		}
	}
	if a.Turns != "" && !fieldName.MatchString(a.Turns) {
		c.errorf(yamlPath("agent", "turns"), "agent.turns %q is not a field name", a.Turns)
	}
}

func (c *checker) mcp(a *AgentSpec) {
	if len(a.MCP) > MaxMCPServers {
		c.errorf(yamlPath("agent", "mcp"), "agent.mcp names %d servers; at most %d", len(a.MCP), MaxMCPServers)
		return
	}
	first := map[string]int{}
	for i, m := range a.MCP {
		at := func(keys ...string) []string { return append(yamlPath("agent", "mcp", strconv.Itoa(i)), keys...) }
		switch j, dup := first[m.Name]; {
		case m.Name == "":
			c.errorf(at("name"), "agent.mcp[%d].name is required", i)
		case !mcpName.MatchString(m.Name):
			c.errorf(at("name"), "agent.mcp[%d].name %q must be lowercase letters, digits, '_' and '-'", i, m.Name)
		case dup:
			c.errorf(at("name"), "MCP server %q is named twice (first as agent.mcp[%d])", m.Name, j)
		default:
			first[m.Name] = i
		}
		switch {
		case len(m.Command) == 0 && m.URL == "":
			c.errorf(at(), "agent.mcp[%d] needs a command (stdio) or a url (streamable HTTP)", i)
		case len(m.Command) > 0 && m.URL != "":
			c.errorf(at("url"), "agent.mcp[%d] has both a command and a url: give one", i)
		case len(m.Command) > MaxMCPArgs:
			c.errorf(at("command"), "agent.mcp[%d].command has %d arguments; at most %d", i, len(m.Command), MaxMCPArgs)
		case m.URL != "":
			if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				c.errorf(at("url"), "agent.mcp[%d].url %q is not an http(s) URL", i, m.URL)
			}
			if len(m.Env) > 0 {
				c.errorf(at("env"), "agent.mcp[%d].env passes variables to a command, and this server is a url", i)
			}
		}
		for j, arg := range m.Command {
			switch {
			case j == 0 && strings.TrimSpace(arg) == "":
				c.errorf(at("command", "0"), "agent.mcp[%d].command[0] is empty: it is the program", i)
			case len(arg) > MaxMCPArg:
				c.errorf(at("command", strconv.Itoa(j)), "agent.mcp[%d].command[%d] is %d bytes; at most %d", i, j, len(arg), MaxMCPArg)
			case strings.ContainsRune(arg, 0):
				c.errorf(at("command", strconv.Itoa(j)), "agent.mcp[%d].command[%d] holds a NUL byte", i, j)
			}
		}
		if len(m.Env) > MaxMCPEnv {
			c.errorf(at("env"), "agent.mcp[%d].env names %d variables; at most %d", i, len(m.Env), MaxMCPEnv)
		}
		for j, v := range m.Env {
			if !envName.MatchString(v) {
				c.errorf(at("env", strconv.Itoa(j)), "agent.mcp[%d].env[%d] %q is not a variable's name", i, j, v)
			}
		}
		if len(m.Tools) > MaxMCPTools {
			c.errorf(at("tools"), "agent.mcp[%d].tools names %d tools; at most %d", i, len(m.Tools), MaxMCPTools)
		}
		for j, t := range m.Tools {
			if strings.TrimSpace(t) == "" {
				c.errorf(at("tools", strconv.Itoa(j)), "agent.mcp[%d].tools[%d] is empty", i, j)
			}
		}
		c.durationIn(at("timeout"), m.Timeout, MaxMCPTimeout)
	}
}

func (c *checker) tags(a *AgentSpec) {
	t := a.Tags
	if t == nil {
		return
	}
	tag := func(path []string, v string, required bool) {
		switch {
		case v == "" && required:
			c.errorf(path, "%s is required", pathString(path))
		case len(v) > MaxTagBytes:
			c.errorf(path, "%s is %d bytes; at most %d", pathString(path), len(v), MaxTagBytes)
		}
	}
	switch {
	case len(t.Calls) == 0:
		c.errorf(yamlPath("agent", "tags", "calls"), "agent.tags.calls is required: the form of a call (open and close tags, and json or function)")
	case len(t.Calls) > MaxTagCalls:
		c.errorf(yamlPath("agent", "tags", "calls"), "agent.tags.calls has %d forms; at most %d", len(t.Calls), MaxTagCalls)
	}
	for i, call := range t.Calls {
		at := func(keys ...string) []string {
			return append(yamlPath("agent", "tags", "calls", strconv.Itoa(i)), keys...)
		}
		tag(at("open"), call.Open, true)
		tag(at("close"), call.Close, true)
		switch {
		case call.JSON && call.Function != "":
			c.errorf(at("function"), "agent.tags.calls[%d] reads a JSON call, which names its function: drop function, or json", i)
		case !call.JSON && call.Function == "":
			c.errorf(at(), "agent.tags.calls[%d] needs json: true (the body is a JSON call) or function (the function the body is the argument of)", i)
		case call.Function != "" && call.Argument == "" && call.Function != "code":
			c.errorf(at("argument"), "agent.tags.calls[%d].argument is required: the argument of %s the body is", i, call.Function)
		case call.JSON && call.Argument != "":
			c.errorf(at("argument"), "agent.tags.calls[%d] reads a JSON call, which holds its arguments: drop argument", i)
		}
	}
	tag(yamlPath("agent", "tags", "observation", "open"), t.Observation.Open, false)
	tag(yamlPath("agent", "tags", "observation", "close"), t.Observation.Close, false)
	if t.Answer != nil {
		tag(yamlPath("agent", "tags", "answer", "open"), t.Answer.Open, true)
		tag(yamlPath("agent", "tags", "answer", "close"), t.Answer.Close, true)
	}
	if len(t.Stop) > MaxTagStops {
		c.errorf(yamlPath("agent", "tags", "stop"), "agent.tags.stop has %d sequences; at most %d", len(t.Stop), MaxTagStops)
	}
	for i, s := range t.Stop {
		tag(yamlPath("agent", "tags", "stop", strconv.Itoa(i)), s, true)
	}
	if a.Protocol != ProtocolTags {
		c.errorf(yamlPath("agent", "tags"), "agent.tags declares the tag protocol: set agent.protocol: %s", ProtocolTags)
	}
}

// UserTurns reads a sample's later user turns from the value of its turns field: a list whose
// items are a message's text, a list of messages {"role": "user", "content": …} (BFCL's turns;
// their contents joined by blank lines), or {"content": …, "reveal": [names]}, which also
// makes the functions named callable from that turn on.
func UserTurns(v any) ([]UserTurn, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("the turns are a list, not %s", kindOf(v))
	}
	var out []UserTurn
	for i, item := range items {
		var t UserTurn
		switch x := item.(type) {
		case string:
			t.Text = x
		case []any:
			var texts []string
			for j, m := range x {
				msg, ok := m.(map[string]any)
				content, isText := msg["content"].(string)
				if !ok || !isText || (msg["role"] != nil && msg["role"] != "user") {
					return nil, fmt.Errorf("turn %d, message %d: a message is {\"role\": \"user\", \"content\": text}", i, j)
				}
				texts = append(texts, content)
			}
			t.Text = strings.Join(texts, "\n\n")
		case map[string]any:
			for k := range x {
				if k != "content" && k != "reveal" {
					return nil, fmt.Errorf("turn %d: unknown key %q (a turn has content and reveal)", i, k)
				}
			}
			content, ok := x["content"].(string)
			if !ok && x["content"] != nil {
				return nil, fmt.Errorf("turn %d: content is text, not %s", i, kindOf(x["content"]))
			}
			t.Text = content
			reveal, ok := x["reveal"].([]any)
			if !ok && x["reveal"] != nil {
				return nil, fmt.Errorf("turn %d: reveal is a list of function names", i)
			}
			for _, r := range reveal {
				name, ok := r.(string)
				if !ok || name == "" {
					return nil, fmt.Errorf("turn %d: reveal is a list of function names", i)
				}
				t.Reveal = append(t.Reveal, name)
			}
		default:
			return nil, fmt.Errorf("turn %d is %s: a turn is a text, a list of messages or {content, reveal}", i, kindOf(item))
		}
		out = append(out, t)
	}
	return out, nil
}

// UserTurn is one later user turn of a sample: its text, and the functions it reveals.
type UserTurn struct {
	Text   string
	Reveal []string
}

// kindOf names the JSON kind of v, for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

// MCPCommand returns the command of the suite's MCP server m as realx starts it, and the
// directory it runs in (the suite's, on disk). A program written as a relative path
// ("./server.py", "bin/server") is a file beneath the suite's directory, as the suite's data
// is: a "../" above it or a symlink out of it is refused, as is such a program in a suite
// shipped inside realx (whose directory is not on disk). An absolute path is taken as it is,
// and a bare name is found on realx's PATH.
func (s *Suite) MCPCommand(m MCPServer) (argv []string, dir string, err error) {
	if len(m.Command) == 0 {
		return nil, "", fmt.Errorf("MCP server %s has no command", m.Name)
	}
	argv = append([]string(nil), m.Command...)
	prog := argv[0]
	if s.tree.fsys == nil {
		dir = s.tree.dir
	}
	if !strings.ContainsRune(prog, '/') || filepath.IsAbs(prog) {
		return argv, dir, nil
	}
	rel, ok := localPath(prog)
	if !ok {
		return nil, "", refuse("MCP server %s: its program %q is not beneath %s", m.Name, prog, s.tree.where())
	}
	if s.tree.fsys != nil {
		return nil, "", fmt.Errorf("MCP server %s: a suite shipped inside realx cannot start a program of its own", m.Name)
	}
	if _, err := s.tree.stat(rel); err != nil {
		return nil, "", fmt.Errorf("MCP server %s: its program: %w", m.Name, err)
	}
	// Absolute, so that it names the same file from the directory it runs in.
	if argv[0], err = filepath.Abs(s.tree.name(rel)); err != nil {
		return nil, "", fmt.Errorf("MCP server %s: its program: %w", m.Name, err)
	}
	return argv, dir, nil
}
