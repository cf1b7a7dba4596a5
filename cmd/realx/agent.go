package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// agentFlags are the flags of `realx run` that shape the agent loop. Each overrides the
// suite's agent block.
func agentFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "protocol", Usage: "the agent protocol: " + strings.Join(runners.Protocols, ", ") +
			" (a different protocol than the suite's also takes that protocol's prompts, and its default tools unless the suite's fit)"},
		&cli.StringFlag{Name: "tools", Usage: "the tools the model may call, comma-separated (python, image_zoom_in_tool, crop, rotate, flip, resize, contrast)"},
		&cli.IntFlag{Name: "max-turns", Usage: "model turns per sample", DefaultText: fmt.Sprintf("the suite's, else %d", runners.DefaultMaxTurns)},
		&cli.IntFlag{Name: "max-tool-calls", Usage: "tool calls per sample (0: no limit)", DefaultText: "the suite's, else no limit"},
		&cli.IntFlag{Name: "max-sample-tokens", Usage: "tokens per sample, prompts and completions of all turns (0: no limit)", DefaultText: "the suite's, else no limit"},
		&cli.DurationFlag{Name: "sample-timeout", Usage: "wall time per sample, model and tool calls included (0: none)", DefaultText: "the suite's, else none"},
		&cli.StringFlag{Name: "on-no-action", Usage: "after a turn with neither a tool call nor an answer: stop, reprompt (send the format reminder) or retry (send the same request again)"},
		&cli.StringFlag{Name: "python", Value: python.DefaultInterpreter, Usage: "the interpreter of the python tool (it needs PIL)"},
		&cli.BoolFlag{Name: "unsafe-no-sandbox", Usage: "run model code without the bubblewrap sandbox: it can read and write your files and reach the network"},
		&cli.StringFlag{Name: "sandbox-url", Usage: "run model code on a DeepEyesV2-style Jupyter sandbox server at this URL instead of locally"},
	}
}

// newAgent builds the agent that puts plan p's samples to model: the suite's agent block with
// the run's flags applied, its protocol, prompts, tools and budgets. Every problem is a
// configuration error (exit 2), found before any model call. p.suite.Agent becomes the agent
// block as run, so that the manifest records it.
func newAgent(c *cli.Context, p *plan, model runners.Model, gen tasks.Generation) (*runners.Agent, error) {
	spec, err := agentSpec(c, p.suite)
	if err != nil {
		return nil, configErrors(err) // each problem names its flag, or its place in the suite
	}
	suiteTools := p.suite.Agent.Tools
	p.suite.Agent = spec
	a := &runners.Agent{Model: model, Generation: gen, OnNoAction: spec.OnNoAction, Budget: runners.Budget{
		MaxTurns: spec.MaxTurns, MaxToolCalls: spec.MaxToolCalls, MaxTokens: spec.MaxTokens, Timeout: spec.Timeout.D(),
	}}
	if spec.Protocol == "" {
		return a, nil
	}
	a.Protocol, _ = runners.ProtocolByName(spec.Protocol)
	if a.Prompts, err = runners.NewPrompts(a.Protocol, spec.System, spec.User); err != nil {
		return nil, configErrors(fmt.Errorf("%s: agent: %w", p.suite.Source, err))
	}
	var problems []error
	for i, name := range spec.Tools {
		t, err := buildTool(c, name, spec, a.Protocol, p.images)
		if err != nil {
			switch {
			case c.IsSet("tools"):
				err = fmt.Errorf("--tools: tool %s: %w", name, err)
			case slices.Equal(spec.Tools, suiteTools):
				err = p.suite.Errorf([]string{"agent", "tools", strconv.Itoa(i)}, "tool %s: %v", name, err)
			case c.IsSet("protocol"): // its default tools
				err = fmt.Errorf("--protocol %s: tool %s: %w", spec.Protocol, name, err)
			default: // the protocol's default tools
				err = p.suite.Errorf([]string{"agent", "protocol"}, "tool %s (the protocol's): %v", name, err)
			}
			problems = append(problems, err)
			continue
		}
		a.Tools = append(a.Tools, t)
	}
	if len(problems) > 0 {
		return nil, configErrors(errors.Join(problems...))
	}
	return a, nil
}

// agentSpec returns the suite's agent block with the run's flags applied, checked.
func agentSpec(c *cli.Context, s *tasks.Suite) (tasks.AgentSpec, error) {
	spec := s.Agent
	if c.IsSet("protocol") && c.String("protocol") != spec.Protocol {
		spec.Protocol, spec.System, spec.User = c.String("protocol"), "", ""
		if p, ok := runners.ProtocolByName(spec.Protocol); ok && !c.IsSet("tools") && !carriesAll(p, spec.Tools) {
			if len(spec.Tools) > 0 {
				fmt.Fprintf(c.App.ErrWriter, "realx: note: %s: protocol %s cannot carry the suite's tools (%s); it gets %s (choose with --tools)\n",
					s.Source, spec.Protocol, strings.Join(spec.Tools, ", "), toolList(p.DefaultTools()))
			}
			spec.Tools = nil
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
	} else if p, ok := runners.ProtocolByName(spec.Protocol); ok && len(spec.Tools) == 0 {
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
	if !slices.Contains([]string{"", runners.NoActionStop, runners.NoActionReprompt, runners.NoActionRetry}, spec.OnNoAction) {
		return spec, fmt.Errorf("--on-no-action %q is not one of stop, reprompt, retry", spec.OnNoAction)
	}
	if raw := c.String("sandbox-url"); raw != "" {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return spec, fmt.Errorf("--sandbox-url %q is not an http(s) URL", raw)
		}
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

// buildTool makes the suite tool called name. The python tool runs locally in the bubblewrap
// sandbox (refusing to run without it unless --unsafe-no-sandbox), or on --sandbox-url; the
// image tools crop and edit as DeepEyes does under its protocol, and otherwise return images
// prepared by the suite's image policy.
func buildTool(c *cli.Context, name string, spec tasks.AgentSpec, p runners.Protocol, images tasks.ImagePolicy) (runners.Tool, error) {
	if name == "python" {
		return pythonTool(c, spec.Python, p)
	}
	opt := imageops.Options{Resize: images}
	if p.Name() == "deepeyes" {
		opt = imageops.DeepEyesOptions()
	}
	if t, ok := imageops.ByName(name, opt); ok {
		return t, nil
	}
	return nil, errors.New("not available yet: this realx has no search backend (leave the tool out of agent.tools)")
}

// sandboxOf returns the containment of agent a's local python tool on this host, or nil when
// it has none.
func sandboxOf(a *runners.Agent) *python.Containment {
	if a == nil {
		return nil
	}
	for _, t := range a.Tools {
		if pt, ok := t.(*python.Tool); ok {
			k := pt.Containment()
			return &k
		}
	}
	return nil
}

// warnContainment prints, once, a warning line for each way the plans' python sandboxes are
// weaker than full on this host (no cgroup, and why; no sandbox at all).
func warnContainment(w io.Writer, plans []*plan) {
	var seen []string
	for _, p := range plans {
		if k := sandboxOf(p.agent); k != nil {
			if msg := k.Warning(); msg != "" && !slices.Contains(seen, msg) {
				seen = append(seen, msg)
				fmt.Fprintf(w, "realx: warning: %s\n", msg)
			}
		}
	}
}

// pythonTool makes the python tool from the suite's settings and the run's flags.
func pythonTool(c *cli.Context, spec tasks.PythonSpec, p runners.Protocol) (runners.Tool, error) {
	drop := p.Name() == "deepeyesv2" // its evaluation drops all-white images
	if spec.DropBlankImages != nil {
		drop = *spec.DropBlankImages
	}
	if raw := c.String("sandbox-url"); raw != "" { // checked by agentSpec
		return &python.Remote{URL: raw, CodeTimeout: spec.Timeout.D(), MaxImages: spec.MaxImages}, nil
	}
	return python.New(python.Config{
		Interpreter: c.String("python"), Unsafe: c.Bool("unsafe-no-sandbox"),
		CallTimeout: spec.Timeout.D(), MemoryBytes: int64(spec.MemoryMB) << 20,
		MaxImages: spec.MaxImages, DropBlankImages: drop,
	})
}
