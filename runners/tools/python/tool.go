package python

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// Executor runs cells for one sample: a local Session or a RemoteSession.
type Executor interface {
	Exec(ctx context.Context, code string) (*Result, error)
	Close() error
}

// Tool is the local Python tool: each sample gets its own sandboxed interpreter. It implements
// runners.Tool and is safe for concurrent use.
type Tool struct {
	cfg Config
}

// New checks cfg and returns the tool. It fails with ErrNoSandbox when bubblewrap is missing
// and cfg.Unsafe is not set, and when the interpreter is missing or cannot import PIL. The first
// call in a process marks the descriptors the process inherited close-on-exec
// (MarkInheritedCloseOnExec), before it runs the interpreter.
func New(cfg Config) (*Tool, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if err := closeInheritedOnce(); err != nil {
		return nil, err
	}
	if err := checkPIL(context.Background(), cfg.Interpreter); err != nil {
		return nil, err
	}
	if cfg.Mode == ModeDeepEyesV2 {
		if err := checkImport(context.Background(), cfg.Interpreter, "autopep8", "python3-autopep8, or use python.mode: realx"); err != nil {
			return nil, err
		}
	}
	return &Tool{cfg: cfg}, nil
}

// Def declares the tool as a function of one string argument, "code".
func (t *Tool) Def() runners.ToolDef {
	return toolDef(t.cfg.Name, t.cfg.CallTimeout.String())
}

// Open prepares the sample's session and starts its interpreter in the background, so that it
// is warm by the time the model first calls it.
func (t *Tool) Open(_ context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	var images []*runners.Image
	if env != nil {
		images = env.Images
	}
	s, err := NewSession(t.cfg, images)
	if err != nil {
		return nil, err
	}
	// An error here comes back from the first Call, which tries again.
	go func() { _ = s.Start(context.Background()) }()
	return &Instance{Executor: s}, nil
}

// toolDef is the declaration shared by the local and the remote tool.
func toolDef(name, timeout string) runners.ToolDef {
	desc := "Run Python code in a stateful Jupyter-like kernel: variables, imports and functions persist " +
		"between calls. The images of the task are pre-loaded as PIL images image_1, image_2, … (and " +
		"PIL.Image as Image). print() what you want to see; plt.show(), display(img), or an image or " +
		"figure as the last expression return images to you. PIL, numpy, sympy and matplotlib are " +
		"available; there is no network; each call times out after " + timeout + "."
	return runners.ToolDef{
		Name:        name,
		Description: desc,
		Parameters: []byte(`{"type":"object","properties":{"code":{"type":"string",` +
			`"description":"The Python code to run."}},"required":["code"]}`),
	}
}

// Instance is a code tool opened for one sample: it parses the call's arguments, runs the code
// with its Executor and renders the Result as an Observation.
type Instance struct {
	Executor Executor
}

// Call runs the code in args ({"code": "…"}; a bare JSON string is accepted too).
func (i *Instance) Call(ctx context.Context, args json.RawMessage) (*runners.Observation, error) {
	code, err := parseArgs(args)
	if err != nil {
		return &runners.Observation{Error: err.Error(), Text: "Error: " + err.Error(), Stderr: err.Error()}, nil
	}
	res, err := i.Executor.Exec(ctx, code)
	if err != nil {
		return nil, err
	}
	return Observe(res, code), nil
}

// Close ends the session.
func (i *Instance) Close() error { return i.Executor.Close() }

func parseArgs(args json.RawMessage) (string, error) {
	var a struct {
		Code *string `json:"code"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		var s string
		if json.Unmarshal(args, &s) == nil {
			return s, nil
		}
		return "", fmt.Errorf(`invalid arguments: want {"code": "<python code>"}: %v`, err)
	}
	if a.Code == nil || strings.TrimSpace(*a.Code) == "" {
		return "", fmt.Errorf(`invalid arguments: "code" is missing or empty`)
	}
	return *a.Code, nil
}

// Observe renders a Result as the observation that goes back to the model; code is what ran.
func Observe(r *Result, code string) *runners.Observation {
	return &runners.Observation{
		Text:   r.Text(),
		Images: r.Images,
		Stdout: r.Stdout,
		Stderr: r.Stderr,
		Error:  r.Error,
		Kind:   Classify(code),
	}
}

// Text renders r as plain text for protocols that send text: stdout, then stderr under a
// "stderr:" line, then a count of the images; "(no output)" when there is nothing.
func (r *Result) Text() string {
	var b strings.Builder
	if r.Stdout != "" {
		b.WriteString(r.Stdout)
	}
	if r.Stderr != "" {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString("stderr:\n")
		b.WriteString(r.Stderr)
	}
	if n := len(r.Images); n > 0 {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "(%d image%s)", n, plural(n))
	}
	if b.Len() == 0 {
		return "(no output)"
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
