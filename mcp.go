package realx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/mcp"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/runners/tools/search/store"
	"github.com/realx-bench/realx/tasks"
)

// MCPConfig is how a run treats MCP tool servers: which programs a suite may start, which of
// realx's variables a server may be given, the run's own servers, and whether their answers
// are recorded or replayed. The zero MCPConfig starts no program a suite names and passes no
// variable.
type MCPConfig struct {
	// AllowCommands lets a suite's MCP commands run (--allow-mcp-command): each is a program
	// of the suite's choosing, run on this machine as realx's user, with no sandbox.
	AllowCommands bool
	// Env names the variables of realx's environment that the servers may be given
	// (--mcp-env): a suite's server gets those of them it names, the run's own servers every
	// one. Any other variable a suite names is refused.
	Env []string
	// Servers are the run's own servers (--mcp-server), beside the suite's: the user's
	// choice, so their commands run and their URLs may be private.
	Servers []tasks.MCPServer
	// Mode is live, record, replay or replay-or-live, as for search (search.Mode); "" is
	// replay-or-live with a Store, else live. A replay starts no server and needs no
	// AllowCommands.
	Mode search.Mode
	// Store is the directory of the store the answers are recorded in and replayed from.
	Store string
	// AllowPrivateURLs lets a suite's server URL be a loopback, private or link-local address.
	AllowPrivateURLs bool
	// Getenv reads the variables of Env (an empty value is unset); the process's environment
	// when nil.
	Getenv func(string) string
}

// mcpStore returns the run's MCP store, opening it the first time.
func (e *Engine) mcpStore(dir string) (*store.Store, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mcpStoreDir != "" && e.mcpStoreDir != dir {
		return nil, fmt.Errorf("--mcp-store: one store serves a run, and %s is not %s", dir, e.mcpStoreDir)
	}
	if e.mcpSt == nil {
		st, err := store.Open(dir)
		if err != nil {
			return nil, err
		}
		e.mcpSt, e.mcpStoreDir = st, dir
	}
	return e.mcpSt, nil
}

// startMCP starts (or, replaying, opens) the MCP servers of the agent block spec and of cfg
// for plan p, which the Engine stops when it closes; every problem is returned, positioned at
// the suite's server where it has one. The agent block as run records the servers, their URLs
// and arguments without credentials.
func (e *Engine) startMCP(p *Plan, spec *tasks.AgentSpec, cfg *MCPConfig) ([]runners.Tool, error) {
	var c MCPConfig
	if cfg != nil {
		c = *cfg
	}
	if len(spec.MCP) == 0 && len(c.Servers) == 0 {
		return nil, nil
	}
	if len(c.Servers) > 0 {
		if pr, ok := runners.ProtocolFor(*spec); !ok || !runners.CarriesAny(pr) {
			return nil, fmt.Errorf("--mcp-server needs an agent protocol that carries any function (native, hermes, or tags with a json call form); suite %s runs %q", p.Suite.Name, spec.Protocol)
		}
	}
	lookup := os.LookupEnv
	if c.Getenv != nil {
		lookup = func(name string) (string, bool) {
			v := c.Getenv(name)
			return v, v != ""
		}
	}
	mode := c.Mode
	if mode == "" {
		mode = search.Live
		if c.Store != "" {
			mode = search.ReplayOrLive
		}
	}
	if _, err := search.ParseMode(string(mode)); err != nil {
		return nil, fmt.Errorf("--mcp-mode: %w", err)
	}
	var st *store.Store
	switch {
	case c.Store != "":
		var err error
		if st, err = e.mcpStore(c.Store); err != nil {
			return nil, err
		}
	case mode != search.Live:
		return nil, fmt.Errorf("--mcp-mode %s needs a store: --mcp-store DIR", mode)
	}
	s := p.Suite
	var problems []error
	var configs []mcp.Config
	check := func(m tasks.MCPServer, i int, own bool) {
		at := func(keys ...string) []string { return append([]string{"agent", "mcp", strconv.Itoa(i)}, keys...) }
		fail := func(path []string, format string, args ...any) {
			if own {
				problems = append(problems, fmt.Errorf("--mcp-server %s: %s", m.Name, fmt.Sprintf(format, args...)))
				return
			}
			problems = append(problems, s.Errorf(path, format, args...))
		}
		mc := mcp.Config{Name: m.Name, URL: m.URL, Tools: m.Tools, Timeout: m.Timeout.D(), Images: p.Images,
			Mode: mode, Store: st, AllowPrivate: own || c.AllowPrivateURLs}
		switch {
		case len(m.Command) == 0:
		case own:
			mc.Command = m.Command
		case !c.AllowCommands && mode != search.Replay:
			fail(at("command"), "agent.mcp[%d].command runs %s, a program of the suite's choosing, on this machine with no sandbox: realx starts it only with --allow-mcp-command (or replays its recorded answers: --mcp-mode replay)", i, m.Command[0])
		default:
			var err error
			if mc.Command, mc.Dir, err = s.MCPCommand(m); err != nil {
				fail(at("command", "0"), "agent.mcp[%d].command: %v", i, err)
			}
		}
		names := m.Env
		if own {
			names = c.Env
		}
		for j, name := range names {
			if !own && !slices.Contains(c.Env, name) {
				fail(at("env", strconv.Itoa(j)), "agent.mcp[%d].env: the variable %s goes to the server only when you allow it: --mcp-env %s", i, name, name)
				continue
			}
			v, ok := lookup(name)
			switch {
			case !ok && !own:
				fail(at("env", strconv.Itoa(j)), "agent.mcp[%d].env: the variable %s is not set", i, name)
			case ok:
				mc.Env = append(mc.Env, name+"="+v)
			}
		}
		configs = append(configs, mc)
	}
	for i, m := range spec.MCP {
		check(m, i, false)
	}
	for _, m := range c.Servers {
		check(m, 0, true)
	}
	var out []runners.Tool
	for i, mc := range configs {
		if len(problems) > 0 {
			break // nothing starts while the setup is wrong
		}
		srv, err := mcp.Start(context.Background(), mc)
		switch {
		case err != nil && i < len(spec.MCP):
			problems = append(problems, s.Errorf([]string{"agent", "mcp", strconv.Itoa(i)}, "%v", err))
		case err != nil:
			problems = append(problems, fmt.Errorf("--mcp-server %s: %w", mc.Name, err))
		default:
			e.mu.Lock()
			e.mcpServers = append(e.mcpServers, srv)
			e.mu.Unlock()
			out = append(out, srv)
		}
	}
	// The agent block as run names every server, without credentials.
	var recorded []tasks.MCPServer
	for _, m := range append(slices.Clone(spec.MCP), c.Servers...) {
		m.URL = runners.RedactURL(m.URL)
		m.Command = runners.RedactArgs(m.Command)
		recorded = append(recorded, m)
	}
	spec.MCP = recorded
	if err := distinctFunctions(spec.Tools, out); err != nil {
		problems = append(problems, err)
	}
	return out, errors.Join(problems...)
}

// distinctFunctions refuses MCP servers whose tools share a name, with each other or with the
// suite's tools (tools, as agent.tools names them).
func distinctFunctions(tools []string, servers []runners.Tool) error {
	owner := map[string]string{}
	for _, t := range tools {
		owner[runners.ToolFunctions[t]] = "tool " + t
	}
	var problems []string
	for _, t := range servers {
		srv := t.(*mcp.Server)
		for _, f := range srv.Functions() {
			if o, dup := owner[f.Name]; dup {
				problems = append(problems, fmt.Sprintf("tool %q is both %s's and %s's: a run's functions need names of their own (agent.mcp[].tools chooses a server's)", f.Name, o, srv.Def().Name))
				continue
			}
			owner[f.Name] = srv.Def().Name
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// closeMCP stops the MCP servers the Engine started.
func (e *Engine) closeMCP() error {
	e.mu.Lock()
	servers := e.mcpServers
	e.mcpServers = nil
	e.mu.Unlock()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
