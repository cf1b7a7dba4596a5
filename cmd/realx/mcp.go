package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/tasks"
)

// mcpFlags are the flags of `realx run` for MCP tool servers.
func mcpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "mcp-server", Value: &repeated{}, Usage: "an MCP server whose tools the model may call, besides the suite's: NAME=URL (streamable HTTP) or NAME=PROGRAM ARGS… (stdio, split on spaces); repeat for more"},
		&cli.BoolFlag{Name: "allow-mcp-command", Usage: "let the suite's MCP servers start their commands: programs of the suite's choosing, run on this machine with no sandbox"},
		&cli.StringFlag{Name: "mcp-env", Usage: "variables of realx's environment, comma-separated, that MCP servers may be given: a suite's server gets those it names, --mcp-server's every one (by default a server's environment holds only PATH, LANG, HOME and TMPDIR)"},
		&cli.StringFlag{Name: "mcp-mode", Usage: "how MCP calls are answered: live, record (call, and write to --mcp-store), replay (from the store only; starts no server) or replay-or-live",
			DefaultText: "replay-or-live with --mcp-store, else live"},
		&cli.StringFlag{Name: "mcp-store", Usage: "the directory MCP servers' tools and answers are recorded in and replayed from (a store of the search tools' format)"},
	}
}

// repeated is a flag's values, one per time it is given, kept whole (commas included).
type repeated []string

// Set adds a value.
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// String joins the values.
func (r *repeated) String() string { return strings.Join(*r, " ") }

var serverName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// readMCPConfig reads the MCP flags.
func readMCPConfig(c *cli.Context) (*realx.MCPConfig, error) {
	cfg := &realx.MCPConfig{AllowCommands: c.Bool("allow-mcp-command"), Mode: search.Mode(c.String("mcp-mode")),
		Store: c.String("mcp-store"), AllowPrivateURLs: c.Bool("allow-private-urls")}
	if cfg.Mode != "" {
		if _, err := search.ParseMode(string(cfg.Mode)); err != nil {
			return nil, fmt.Errorf("--mcp-mode: %w", err)
		}
	}
	for _, v := range strings.Split(c.String("mcp-env"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			cfg.Env = append(cfg.Env, v)
		}
	}
	if r, ok := c.Generic("mcp-server").(*repeated); ok {
		for _, v := range *r {
			name, target, ok := strings.Cut(v, "=")
			target = strings.TrimSpace(target)
			if !ok || !serverName.MatchString(name) || target == "" {
				return nil, fmt.Errorf("--mcp-server %q: write NAME=URL or NAME=PROGRAM ARGS…, NAME in lowercase letters, digits, '_' and '-'", runners.RedactURL(v))
			}
			m := tasks.MCPServer{Name: name}
			if runners.IsHTTPURL(target) {
				m.URL = target
			} else {
				m.Command = strings.Fields(target)
			}
			cfg.Servers = append(cfg.Servers, m)
		}
	}
	return cfg, nil
}
