package runners

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// ToolFunctions maps each tool name a suite may list under agent.tools to the function the
// model calls it by. Package runners/tools builds them: python (runners/tools/python), the
// image tools (runners/tools/imageops) and the search tools (runners/tools/search).
var ToolFunctions = map[string]string{
	"python":             "code",
	"image_zoom_in_tool": "image_zoom_in_tool",
	"crop":               "crop",
	"rotate":             "rotate",
	"flip":               "flip",
	"resize":             "resize",
	"contrast":           "contrast",
	"search":             "search",
	"image_search":       "image_search",
	"text_search":        "text_search",
	"web_visit":          "web_visit",
}

// toolNames lists the keys of ToolFunctions, sorted, for messages.
func toolNames() string {
	names := make([]string, 0, len(ToolFunctions))
	for n := range ToolFunctions {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Check validates the agent block of s, returning each problem at its position: an unknown
// protocol, an unknown or repeated tool, a tool the protocol cannot carry, tools
// or prompt templates without a protocol, and prompt templates that are not shipped or do not
// parse.
func Check(s *tasks.Suite) []*tasks.Error {
	var errs []*tasks.Error
	for _, p := range CheckAgent(s.Agent) {
		errs = append(errs, s.Errorf(p.Path, "%s", p.Msg))
	}
	return errs
}

// Problem is one problem of an agent block: its path under the suite ("agent", "tools", "1")
// and what is wrong.
type Problem struct {
	Path []string
	Msg  string
}

// Error returns the problem as "agent.tools[1]: message".
func (p Problem) Error() string {
	var b strings.Builder
	for i, k := range p.Path {
		if _, err := strconv.Atoi(k); err == nil {
			fmt.Fprintf(&b, "[%s]", k)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String() + ": " + p.Msg
}

// CheckAgent validates an agent block that may not come from a file (a suite's, with the
// run's flags applied), returning its problems in order.
func CheckAgent(a tasks.AgentSpec) []Problem {
	var out []Problem
	add := func(msg string, path ...string) { out = append(out, Problem{append([]string{"agent"}, path...), msg}) }
	var p Protocol
	if a.Protocol != "" {
		var ok bool
		switch p, ok = ProtocolFor(a); {
		case a.Protocol == tasks.ProtocolTags && !ok:
			add("protocol tags needs agent.tags: the call, observation and answer tags of the model", "protocol")
		case !ok:
			add(fmt.Sprintf("unknown protocol %q: the protocols are %s", a.Protocol, strings.Join(Protocols, ", ")), "protocol")
		}
	}
	for _, f := range []struct {
		key string
		set bool
	}{{"environment", a.Environment != nil}, {"mcp", len(a.MCP) > 0}, {"turns", a.Turns != ""}} {
		switch {
		case !f.set:
		case a.Protocol == "":
			add(fmt.Sprintf("agent.%s needs an agent protocol: set agent.protocol", f.key), f.key)
		case p != nil && f.key != "turns" && !CarriesAny(p):
			add(fmt.Sprintf("protocol %s cannot carry the functions of agent.%s: it writes calls to its own tools only (native, hermes, and tags with a json call form carry any function)", p.Name(), f.key), f.key)
		}
	}
	seen := map[string]bool{}
	for i, name := range a.Tools {
		at := strconv.Itoa(i)
		fn, known := ToolFunctions[name]
		switch {
		case !known && name == "code":
			add(`unknown tool "code": the Python tool is listed as "python" (the model calls it "code")`, "tools", at)
		case !known:
			add(fmt.Sprintf("unknown tool %q: the tools are %s", name, toolNames()), "tools", at)
		case seen[name]:
			add(fmt.Sprintf("tool %q is listed twice", name), "tools", at)
		case a.Protocol == "":
			add(fmt.Sprintf("tool %q needs an agent protocol: set agent.protocol (a single turn calls no tools)", name), "tools", at)
		case p != nil && !p.Carries(fn):
			add(fmt.Sprintf("protocol %s cannot carry tool %q (%s)", p.Name(), name, carried(p)), "tools", at)
		}
		seen[name] = true
	}
	for _, f := range []struct{ key, value string }{{"system", a.System}, {"user", a.User}} {
		if f.value == "" {
			continue
		}
		if a.Protocol == "" {
			add(fmt.Sprintf("agent.%s needs an agent protocol: set agent.protocol, or use prompt.%s for a single turn", f.key, f.key), f.key)
			continue
		}
		system, user := "", ""
		if f.key == "system" {
			system = f.value
		} else {
			user = f.value
		}
		if _, err := NewPrompts(nil, system, user); err != nil {
			add(err.Error(), f.key)
		}
	}
	return out
}

// anyFunction is a function name that no tool has.
const anyFunction = "\x00any function"

// CarriesAny reports whether p can write a call to any function, as environments and MCP
// servers need (their functions are known only when a sample opens them): native, hermes,
// and a tag protocol with a JSON call form.
func CarriesAny(p Protocol) bool { return p.Carries(anyFunction) }

// carried says which suite tools p can carry.
func carried(p Protocol) string {
	var names []string
	for name, fn := range ToolFunctions {
		if p.Carries(fn) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return "it carries " + strings.Join(names, ", ")
}
