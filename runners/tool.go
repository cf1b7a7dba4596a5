package runners

import (
	"context"
	"encoding/json"
)

// Tool is something the model may call: Python, an image operation, a search. A Tool is shared
// by all samples of a run and must be safe for concurrent use; Open gives one sample its own
// instance, so a stateful tool (the Python kernel) keeps state per sample.
type Tool interface {
	// Def declares the tool to the model.
	Def() ToolDef
	// Open starts the tool for one sample. The instance lives until Close.
	Open(ctx context.Context, env *ToolEnv) (ToolInstance, error)
}

// ToolInstance is a tool opened for one sample.
type ToolInstance interface {
	// Call runs the tool once. A returned error is an infrastructure failure of the tool (the
	// sandbox could not start, say); a problem with the call itself (bad arguments, a Python
	// exception, a timeout) is an Observation with Error set, which goes back to the model.
	Call(ctx context.Context, args json.RawMessage) (*Observation, error)
	Close() error
}

// ToolEnv is what a tool may know of the sample it serves.
type ToolEnv struct {
	// SampleID identifies the sample (a session id for remote sandboxes).
	SampleID string
	// Images are the sample's images as sent to the model, in order (image_1 is Images[0]).
	Images []*Image
	// State is the sample's initial state, for an environment (JSON; nil when the sample has
	// none). Every sample and every repeat opens its environment afresh from it.
	State json.RawMessage
}

// Observation is a tool's result as it goes back to the model. Protocols that show code
// results their own way (DeepEyesV2's "Code execution result: stdout … stderr …") read Stdout and
// Stderr; the others send Text.
type Observation struct {
	Text   string
	Images []*Image
	// Stdout and Stderr are set by code tools.
	Stdout, Stderr string
	// Error is set when the call failed; Text then says why, for the model.
	Error string
	// Kind classifies what the call did (for code: crop, mark, numeric, other).
	Kind string
}

// StatelessTool adapts a function to a Tool whose instances share nothing.
type StatelessTool struct {
	Definition ToolDef
	Func       func(ctx context.Context, env *ToolEnv, args json.RawMessage) (*Observation, error)
}

// Def returns t.Definition.
func (t *StatelessTool) Def() ToolDef { return t.Definition }

// Open returns an instance bound to env.
func (t *StatelessTool) Open(_ context.Context, env *ToolEnv) (ToolInstance, error) {
	return &statelessInstance{t: t, env: env}, nil
}

type statelessInstance struct {
	t   *StatelessTool
	env *ToolEnv
}

func (i *statelessInstance) Call(ctx context.Context, args json.RawMessage) (*Observation, error) {
	return i.t.Func(ctx, i.env, args)
}

func (i *statelessInstance) Close() error { return nil }

// Toolbox is a ToolInstance that brings several functions, known only once it is opened for a
// sample: an environment's (which may depend on the sample's state) or an MCP server's (which
// the server lists). The agent declares Functions in place of the Tool's Def, and sends each
// call to CallFunction with the function's name; Call is not used.
type Toolbox interface {
	ToolInstance
	// Functions declares the instance's functions, each with the JSON Schema of its arguments.
	Functions() []ToolDef
	// CallFunction runs the function called name once, as Call runs a single-function tool:
	// a returned error is an infrastructure failure, a problem of the call an Observation with
	// Error set.
	CallFunction(ctx context.Context, name string, args json.RawMessage) (*Observation, error)
}

// Stateful is a ToolInstance with a state that the sample's grading reads: an environment. The
// agent reads the state when the instance is opened and when the sample ends, and logs the
// calls to its functions in order (Trajectory.Episode).
type Stateful interface {
	// State returns the state as it is now, as canonical JSON: the same state gives the same
	// bytes, so that states compare by hash.
	State() (json.RawMessage, error)
}
