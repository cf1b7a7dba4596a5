package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// agentFlags are the flags of `realx run` that shape the agent loop. Each overrides the
// suite's agent block.
func agentFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "protocol", Usage: "the agent protocol: " + strings.Join(runners.Protocols, ", ") + ", or " + tasks.ProtocolNone +
			" for one turn without tools (a different protocol than the suite's also takes that protocol's prompts, and its default tools unless the suite's fit; a search suite's search tools become the protocol's own)"},
		&cli.StringFlag{Name: "tools", Usage: "the tools the model may call, comma-separated (" + strings.Join(tools.Names(), ", ") + ")"},
		&cli.IntFlag{Name: "max-turns", Usage: "model turns per sample", DefaultText: fmt.Sprintf("the suite's, else %d", runners.DefaultMaxTurns)},
		&cli.IntFlag{Name: "max-tool-calls", Usage: "tool calls per sample (0: no limit)", DefaultText: "the suite's, else no limit"},
		&cli.IntFlag{Name: "max-sample-tokens", Usage: "tokens per sample, prompts and completions of all turns (0: no limit)", DefaultText: "the suite's, else no limit"},
		&cli.DurationFlag{Name: "sample-timeout", Usage: "wall time per sample, model and tool calls included (0: none)", DefaultText: "the suite's, else none"},
		&cli.StringFlag{Name: "on-no-action", Usage: "after a turn with neither a tool call nor an answer: stop, reprompt (send the format reminder) or retry (send the same request again)"},
		&cli.StringFlag{Name: "python", Value: python.DefaultInterpreter, Usage: "the interpreter of the python tool (it needs PIL)"},
		&cli.BoolFlag{Name: "unsafe-no-sandbox", Usage: "run model code without the bubblewrap sandbox: it can read and write your files and reach the network"},
		&cli.StringFlag{Name: "sandbox-url", Usage: "run model code on a DeepEyesV2-style Jupyter sandbox server at this URL instead of locally"},
		&cli.StringFlag{Name: "python-mode", Usage: "the sandbox's behaviour: deepeyesv2 (as DeepEyesV2's evaluation sandbox) or realx", DefaultText: "the suite's, else the protocol's"},
		&cli.StringFlag{Name: "crop", Usage: "how the image tools crop: pil (as DeepEyes' evaluation) or clamp (realx's)", DefaultText: "the suite's, else the protocol's"},
		&cli.StringFlag{Name: "on-call-error", Usage: "after a call that failed: continue (send the error back) or stop (end the sample, as DeepEyes' evaluation)", DefaultText: "the suite's, else the protocol's"},
	}
}

// toolError returns how a run attributes a tool of the agent block spec (the suite s's,
// whose tools were suiteTools, with the flags applied) that cannot be built: to the flag that
// named it, or its place in the suite.
func toolError(c *cli.Context, s *tasks.Suite, spec tasks.AgentSpec, suiteTools []string) func(i int, name string, err error) error {
	return func(i int, name string, err error) error {
		switch {
		case c.IsSet("tools"):
			return fmt.Errorf("--tools: tool %s: %w", name, err)
		case slices.Equal(spec.Tools, suiteTools):
			return s.Errorf([]string{"agent", "tools", strconv.Itoa(i)}, "tool %s: %v", name, err)
		case c.IsSet("protocol"): // its default tools
			return fmt.Errorf("--protocol %s: tool %s: %w", spec.Protocol, name, err)
		default: // the protocol's default tools
			return s.Errorf([]string{"agent", "protocol"}, "tool %s (the protocol's): %v", name, err)
		}
	}
}

// toolsConfig is the run's tool settings, from the flags.
func toolsConfig(c *cli.Context) tools.Config {
	return tools.Config{Interpreter: c.String("python"), Unsafe: c.Bool("unsafe-no-sandbox"), SandboxURL: c.String("sandbox-url")}
}

// agentSpec returns the suite's agent block with the run's flags applied, checked. The model's
// protocol (modelProtocol, from a models file or a preset; "" for none) applies as --protocol
// does, unless --protocol is given.
func agentSpec(c *cli.Context, s *tasks.Suite, modelProtocol string) (tasks.AgentSpec, error) {
	spec := s.Agent
	protocol, given := c.String("protocol"), c.IsSet("protocol")
	if !given && modelProtocol != "" {
		protocol, given = modelProtocol, true
	}
	if protocol == tasks.ProtocolNone {
		protocol = "" // one turn, no tools
	}
	if given && protocol != spec.Protocol {
		spec.Protocol, spec.System, spec.User = protocol, "", ""
		if p, ok := runners.ProtocolFor(spec); ok && !c.IsSet("tools") && !carriesAll(p, spec.Tools) {
			tools, gets := searchEquivalents(p, spec.Tools), p.DefaultTools()
			if tools != nil {
				gets = tools
			}
			if len(spec.Tools) > 0 {
				fmt.Fprintf(c.App.ErrWriter, "realx: note: %s: protocol %s cannot carry the suite's tools (%s); it gets %s (choose with --tools)\n",
					s.Source, spec.Protocol, strings.Join(spec.Tools, ", "), toolList(gets))
			}
			spec.Tools = tools
		}
		if spec.Protocol == "" {
			spec.Tools = nil // --protocol "": one turn, no tools
		}
	}
	if c.IsSet("tools") {
		spec.Tools = nil
		for _, t := range strings.Split(c.String("tools"), ",") {
			if t = strings.TrimSpace(t); t != "" {
				spec.Tools = append(spec.Tools, t)
			}
		}
	} else if p, ok := runners.ProtocolFor(spec); ok && len(spec.Tools) == 0 {
		spec.Tools = p.DefaultTools()
	}
	ints := []struct {
		flag string
		dst  *int
	}{{"max-turns", &spec.MaxTurns}, {"max-tool-calls", &spec.MaxToolCalls}, {"max-sample-tokens", &spec.MaxTokens}}
	for _, f := range ints {
		if !c.IsSet(f.flag) {
			continue
		}
		if *f.dst = c.Int(f.flag); *f.dst < 0 {
			return spec, fmt.Errorf("--%s cannot be negative", f.flag)
		}
	}
	if c.IsSet("sample-timeout") {
		if spec.Timeout = tasks.Duration(c.Duration("sample-timeout")); spec.Timeout < 0 {
			return spec, errors.New("--sample-timeout cannot be negative")
		}
	}
	if c.IsSet("on-no-action") {
		spec.OnNoAction = c.String("on-no-action")
	}
	for _, f := range []struct {
		flag  string
		dst   *string
		allow []string
	}{
		{"python-mode", &spec.Python.Mode, []string{tasks.PythonModeDeepEyesV2, tasks.PythonModeRealx}},
		{"crop", &spec.Crop, []string{tasks.CropPIL, tasks.CropClamp}},
		{"on-call-error", &spec.OnCallError, []string{tasks.OnCallErrorContinue, tasks.OnCallErrorStop}},
	} {
		if !c.IsSet(f.flag) {
			continue
		}
		if *f.dst = c.String(f.flag); !slices.Contains(f.allow, *f.dst) {
			return spec, fmt.Errorf("--%s %q is not one of %s", f.flag, *f.dst, strings.Join(f.allow, ", "))
		}
	}
	if !slices.Contains([]string{"", runners.NoActionStop, runners.NoActionReprompt, runners.NoActionRetry}, spec.OnNoAction) {
		return spec, fmt.Errorf("--on-no-action %q is not one of stop, reprompt, retry", spec.OnNoAction)
	}
	if raw := c.String("sandbox-url"); raw != "" && !runners.IsHTTPURL(raw) {
		return spec, fmt.Errorf("--sandbox-url %q is not an http(s) URL", raw)
	}
	var problems []error
	for _, p := range runners.CheckAgent(spec) {
		problems = append(problems, agentProblem(c, s, p))
	}
	return spec, errors.Join(problems...)
}

// agentFlagOf names the flag that sets each key of the agent block.
var agentFlagOf = map[string]string{"protocol": "protocol", "tools": "tools"}

// agentProblem attributes a problem of the agent block as run to where the value came from: the
// flag that set it ("--tools: …"), or else its place in the suite file.
func agentProblem(c *cli.Context, s *tasks.Suite, p runners.Problem) error {
	if len(p.Path) > 1 {
		if flag := agentFlagOf[p.Path[1]]; flag != "" && c.IsSet(flag) {
			return fmt.Errorf("--%s: %s", flag, p.Msg)
		}
	}
	return s.Errorf(p.Path, "%s", p.Msg)
}

// searchToolEquivalents are, for each search tool, the search tools of the other seed
// protocols that do its work: DeepEyesV2's search is R1V4's text_search and web_visit (its
// results' pages read), and the other way round; image_search is the same tool in both.
var searchToolEquivalents = map[string][]string{
	"search":      {"text_search", "web_visit"},
	"text_search": {"search"},
	"web_visit":   {"search"},
}

// searchEquivalents returns the suite's tools as protocol p can carry them, for a suite that
// uses search tools: each tool p carries, and for a search tool it does not, the equivalents
// it does (searchToolEquivalents), in order and once each; so that a search suite written for
// DeepEyesV2 runs as R1V4 with R1V4's search tools, and the other way round. It returns nil,
// for the protocol's default tools, when a tool that is not a search tool cannot be carried or
// nothing is left.
func searchEquivalents(p runners.Protocol, tools []string) []string {
	var out []string
	add := func(t string) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, t := range tools {
		if carriesAll(p, []string{t}) {
			add(t)
			continue
		}
		alts, ok := searchToolEquivalents[t]
		if !ok {
			return nil
		}
		for _, a := range alts {
			if carriesAll(p, []string{a}) {
				add(a)
			}
		}
	}
	if !slices.ContainsFunc(out, func(t string) bool { _, ok := searchToolEquivalents[t]; return ok }) {
		return nil
	}
	return out
}

// carriesAll reports whether p can carry every one of the suite tools.
func carriesAll(p runners.Protocol, tools []string) bool {
	for _, t := range tools {
		if fn, ok := runners.ToolFunctions[t]; !ok || !p.Carries(fn) {
			return false
		}
	}
	return true
}

func toolList(tools []string) string {
	if len(tools) == 0 {
		return "no tools"
	}
	return strings.Join(tools, ", ")
}
