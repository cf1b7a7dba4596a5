// Package mcp owns realx's client of MCP tool servers: a server a suite or the command line
// names — a command started over stdio, or a streamable-HTTP URL — spoken to through the
// official Go SDK, whose tools the model calls like any tool's (a runners.Toolbox that every
// sample shares). A started server runs in a process group of its own, with a clean
// environment (only the variables the user allows), no descriptor of realx's, and the parent's
// death as its own; Close stops the whole group. Its results, text and images, go back to the
// model within caps. Its answers can be recorded in, and replayed from, the store of the search
// tools (runners/tools/search/store), with the same modes: a replay starts no server at all.
package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/runners/tools/search/store"
	"github.com/realx-bench/realx/tasks"
)

// Config says which server to reach and how.
type Config struct {
	// Name names the server: its tools' calls are recorded under it.
	Name string
	// Command is the program (a path, or a name found on realx's PATH) and its arguments,
	// for a server over stdio; URL a streamable-HTTP server's endpoint. One of them is set.
	Command []string
	URL     string
	// Dir is the directory the command runs in; "" is a private temporary directory.
	Dir string
	// Env is the command's whole environment besides PATH, LANG and HOME (NAME=VALUE): the
	// variables the user allows it. Their values are secrets: taken out of what the server
	// returns, and never written to the store.
	Env []string
	// Tools are the server's tools the model may call; empty, all it lists.
	Tools []string
	// Timeout caps one call; DefaultTimeout when 0.
	Timeout time.Duration
	// HTTPClient reaches URL; nil is a client that refuses addresses that are not public
	// unless AllowPrivate.
	HTTPClient   *http.Client
	AllowPrivate bool
	// Images prepares the images the server returns (the suite's image policy).
	Images tasks.ImagePolicy
	// Mode and Store record and replay the server's answers as the search tools' are:
	// search.Live (also when empty without a Store) calls the server only; Record writes
	// every answer; Replay answers from the store only and starts no server; ReplayOrLive
	// (the default with a Store) asks the server what the store lacks.
	Mode  search.Mode
	Store *store.Store
}

// DefaultTimeout caps a call when Config.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// The caps on what a call returns to the model, as the python tool's.
const (
	// MaxResultText caps a result's text: its head and tail are kept.
	MaxResultText = 64 << 10
	// MaxResultImages caps the images of one result; the rest are dropped, with a note.
	MaxResultImages = 10
	// stopGrace is how long Close waits for a server to exit after its stdin is closed, and
	// again after SIGTERM, before it kills the whole group.
	stopGrace = 2 * time.Second
	// maxStderr is how much of a server's standard error is kept, for error messages.
	maxStderr = 8 << 10
)

// Server is an MCP server connected for a run: a runners.Tool whose instances, one per sample,
// call the server's tools. It is safe for concurrent use.
type Server struct {
	cfg       Config
	mode      search.Mode
	functions []runners.ToolDef
	secrets   []string

	mu      sync.Mutex
	session *sdk.ClientSession // nil in replay
	proc    *process           // nil but for a command
	closed  bool
}

// Start connects to the server as cfg says — starting its command, unless the mode replays —
// and reads its tools (from the store in replay). The server runs until Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if (len(cfg.Command) == 0) == (cfg.URL == "") {
		return nil, fmt.Errorf("MCP server %s: give a command or a URL", cfg.Name)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	mode := cfg.Mode
	if mode == "" {
		mode = search.Live
		if cfg.Store != nil {
			mode = search.ReplayOrLive
		}
	}
	switch {
	case mode != search.Live && cfg.Store == nil:
		return nil, fmt.Errorf("MCP server %s: mode %s needs a store", cfg.Name, mode)
	case (mode == search.Record || mode == search.ReplayOrLive) && !cfg.Store.Writable():
		return nil, fmt.Errorf("MCP server %s: mode %s writes to the store, and this one is read-only", cfg.Name, mode)
	}
	s := &Server{cfg: cfg, mode: mode}
	for _, kv := range cfg.Env {
		if _, v, _ := strings.Cut(kv, "="); len(v) >= 8 {
			s.secrets = append(s.secrets, v)
		}
	}
	if cfg.Store != nil && cfg.Store.Writable() {
		cfg.Store.AddSecrets(s.secrets...)
	}
	if mode != search.Replay {
		if err := s.connect(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.listTools(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// connect starts the command (or reaches the URL) and opens the MCP session.
func (s *Server) connect(ctx context.Context) error {
	client := sdk.NewClient(&sdk.Implementation{Name: "realx", Version: "1"}, nil)
	var transport sdk.Transport
	if s.cfg.URL != "" {
		hc := s.cfg.HTTPClient
		if hc == nil {
			hc = httpClient(s.cfg.AllowPrivate)
		}
		transport = &sdk.StreamableClientTransport{Endpoint: s.cfg.URL, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1}
	} else {
		p, err := startProcess(s.cfg)
		if err != nil {
			return err
		}
		s.proc = p
		transport = &sdk.IOTransport{Reader: p.stdout, Writer: p.stdin}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	session, err := client.Connect(cctx, transport, nil)
	if err != nil {
		return fmt.Errorf("MCP server %s: connecting: %w%s", s.cfg.Name, err, s.stderrNote())
	}
	s.session = session
	return nil
}

// stderrNote returns the end of the command's standard error, for an error message.
func (s *Server) stderrNote() string {
	if s.proc == nil {
		return ""
	}
	if e := strings.TrimSpace(s.proc.stderr.String()); e != "" {
		return "; its standard error ends: " + runners.CapText(e, 1000)
	}
	return ""
}

// listTools reads the server's tools, keeping those cfg.Tools allows (each must be there).
func (s *Server) listTools(ctx context.Context) error {
	fns, err := s.tools(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, want := range s.cfg.Tools {
		if !slices.ContainsFunc(fns, func(f store.Function) bool { return f.Name == want }) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("MCP server %s has no tool %s", s.cfg.Name, strings.Join(missing, ", "))
	}
	for _, f := range fns {
		if len(s.cfg.Tools) > 0 && !slices.Contains(s.cfg.Tools, f.Name) {
			continue
		}
		s.functions = append(s.functions, runners.ToolDef{Name: f.Name, Description: f.Description, Parameters: f.Parameters})
	}
	return nil
}

// tools returns the server's tools, from the store or the server as the mode says.
func (s *Server) tools(ctx context.Context) ([]store.Function, error) {
	req := store.Tools(s.cfg.Name)
	if rec, ok, err := s.lookup(req); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return rec.Functions, nil
	}
	var fns []store.Function
	lctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	for tool, err := range s.session.Tools(lctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("MCP server %s: listing its tools: %w%s", s.cfg.Name, err, s.stderrNote())
		}
		schema, err := json.Marshal(tool.InputSchema)
		if err != nil || tool.InputSchema == nil {
			schema = []byte(`{"type":"object","properties":{}}`)
		}
		fns = append(fns, store.Function{Name: tool.Name, Description: tool.Description, Parameters: schema})
	}
	if err := s.record(&store.Record{Request: req, Functions: fns}); err != nil {
		return nil, err
	}
	return fns, nil
}

// lookup answers req from the store when the mode reads it: ok reports a hit; a replay's miss
// is a *search.MissError.
func (s *Server) lookup(req store.Request) (*store.Record, bool, error) {
	if s.mode != search.Replay && s.mode != search.ReplayOrLive {
		return nil, false, nil
	}
	rec, err := s.cfg.Store.Lookup(req)
	switch {
	case err == nil:
		return rec, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, false, err
	case s.mode == search.Replay:
		return nil, false, &search.MissError{Request: req}
	}
	return nil, false, nil
}

// record writes rec when the mode records.
func (s *Server) record(rec *store.Record) error {
	if s.mode != search.Record && s.mode != search.ReplayOrLive {
		return nil
	}
	return s.cfg.Store.Put(rec)
}

// Def names the server; its functions are its tools (Functions).
func (s *Server) Def() runners.ToolDef {
	return runners.ToolDef{Name: "mcp:" + s.cfg.Name, Description: "the tools of MCP server " + s.cfg.Name}
}

// Functions returns the server's tools the model may call.
func (s *Server) Functions() []runners.ToolDef { return s.functions }

// PID returns the process id of the server's command, 0 when realx started none.
func (s *Server) PID() int {
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Open gives a sample the server's tools; every sample shares the server.
func (s *Server) Open(context.Context, *runners.ToolEnv) (runners.ToolInstance, error) {
	return &instance{s: s}, nil
}

type instance struct{ s *Server }

func (i *instance) Functions() []runners.ToolDef { return i.s.functions }

func (i *instance) CallFunction(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	return i.s.call(ctx, name, args)
}

func (i *instance) Call(context.Context, json.RawMessage) (*runners.Observation, error) {
	return nil, errors.New("an MCP server is called by tool (CallFunction)")
}

func (i *instance) Close() error { return nil }

// call runs a tool of the server (or replays it), its result as the model sees it.
func (s *Server) call(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	req, err := store.Call(s.cfg.Name, name, args)
	if err != nil {
		return &runners.Observation{Text: "Error: " + err.Error(), Error: err.Error()}, nil
	}
	rec, ok, err := s.lookup(req)
	if err != nil {
		return nil, err
	}
	if ok {
		return s.replayed(rec)
	}
	res, images, err := s.callLive(ctx, name, args)
	if err != nil {
		return nil, err
	}
	if s.mode == search.Record || s.mode == search.ReplayOrLive {
		for _, im := range images {
			blob, err := s.cfg.Store.PutBlob(im.Data, im.MIME)
			if err != nil {
				return nil, err
			}
			res.Images = append(res.Images, blob)
		}
		if err := s.cfg.Store.Put(&store.Record{Request: req, Result: res}); err != nil {
			return nil, err
		}
	}
	return observation(res, images), nil
}

// replayed is the observation of a recorded call, its images read from the store.
func (s *Server) replayed(rec *store.Record) (*runners.Observation, error) {
	res := rec.Result
	if res == nil {
		return nil, fmt.Errorf("MCP server %s: the store's record of %s holds no result", s.cfg.Name, rec.Request)
	}
	var images []*runners.Image
	for _, b := range res.Images {
		data, err := s.cfg.Store.Blob(b)
		if err != nil {
			return nil, err
		}
		img, err := runners.PrepareImage(data, s.cfg.Images)
		if err != nil {
			return nil, fmt.Errorf("MCP server %s: the store's image %s: %w", s.cfg.Name, b.SHA256, err)
		}
		images = append(images, img)
	}
	return observation(res, images), nil
}

// observation is what the model is sent of a result.
func observation(res *store.ToolResult, images []*runners.Image) *runners.Observation {
	obs := &runners.Observation{Text: res.Text, Images: images}
	if res.IsError {
		obs.Error = res.Text
		if obs.Error == "" {
			obs.Error = "the tool reported an error"
		}
		obs.Text = "Error: " + obs.Error
	}
	return obs
}

// callLive calls the server: its result, text capped and images checked and prepared by the
// suite's image policy. A call the server refuses (an unknown tool, arguments its schema does
// not take) or that runs past the timeout is a result with IsError, which goes back to the
// model; a server that is gone is an error.
func (s *Server) callLive(ctx context.Context, name string, args json.RawMessage) (*store.ToolResult, []*runners.Image, error) {
	s.mu.Lock()
	session, closed := s.session, s.closed
	s.mu.Unlock()
	if closed || session == nil {
		return nil, nil, fmt.Errorf("MCP server %s is closed", s.cfg.Name)
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	res, err := session.CallTool(cctx, &sdk.CallToolParams{Name: name, Arguments: args})
	var rpcErr *jsonrpc.Error
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case err != nil && cctx.Err() != nil:
		return &store.ToolResult{Text: fmt.Sprintf("the call timed out after %v", s.cfg.Timeout), IsError: true}, nil, nil
	case errors.As(err, &rpcErr):
		return &store.ToolResult{Text: s.redact(runners.CapText(rpcErr.Message, MaxResultText)), IsError: true}, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("MCP server %s: %w%s", s.cfg.Name, err, s.stderrNote())
	}
	out := &store.ToolResult{IsError: res.IsError}
	var texts []string
	var images []*runners.Image
	dropped := 0
	for _, c := range res.Content {
		switch c := c.(type) {
		case *sdk.TextContent:
			texts = append(texts, c.Text)
		case *sdk.ImageContent:
			if len(images) == MaxResultImages {
				dropped++
				continue
			}
			img, err := runners.PrepareImage(c.Data, s.cfg.Images)
			if err != nil {
				texts = append(texts, fmt.Sprintf("[an image the server returned is not shown: %v]", err))
				continue
			}
			images = append(images, img)
		case *sdk.EmbeddedResource:
			if c.Resource != nil && c.Resource.Text != "" {
				texts = append(texts, c.Resource.Text)
			} else {
				texts = append(texts, "[a resource the server returned is not shown]")
			}
		case *sdk.ResourceLink:
			texts = append(texts, "[resource: "+c.URI+"]")
		default:
			texts = append(texts, "[content the server returned is not shown: only its text and images are]")
		}
	}
	if dropped > 0 {
		texts = append(texts, fmt.Sprintf("[%d more images not shown: a result shows %d at most]", dropped, MaxResultImages))
	}
	if len(texts) == 0 && res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			texts = append(texts, string(b))
		}
	}
	out.Text = s.redact(runners.CapText(strings.Join(texts, "\n"), MaxResultText))
	return out, images, nil
}

// redact takes the values of the variables passed to the server out of text.
func (s *Server) redact(text string) string {
	for _, v := range s.secrets {
		text = strings.ReplaceAll(text, v, "[redacted]")
	}
	return text
}

// Close ends the session and stops the server's command: its standard input is closed, then
// after a grace its process group gets SIGTERM, then SIGKILL, which it gets in any case so that
// nothing the server started outlives it.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	session, p := s.session, s.proc
	s.mu.Unlock()
	var err error
	if session != nil {
		err = session.Close()
	}
	if p != nil {
		if perr := p.stop(); err == nil {
			err = perr
		}
	}
	return err
}
