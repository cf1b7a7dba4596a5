// Package env owns realx's function-calling environments: tool sets with a state, opened
// afresh for every sample (and repeat) from the sample's initial state, whose functions the
// model calls through any protocol that carries named functions, and whose final state, with
// the calls that made it, goes to the judge (runners.Episode).
//
// An environment is Go code: a Kind registered by name (Register), whose New builds an
// Environment from a sample's initial state. Table helps write one: functions with their JSON
// Schemas and Go bodies, results written as JSON. Replay runs recorded calls on a fresh
// Environment, as a grader does to rebuild a state turn by turn (BFCL) or to apply the gold
// actions (τ2). The registry's one shipped kind, kv, is a key-value store: the example and the
// test fixture.
package env

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sync"

	"github.com/realx-bench/realx/runners"
)

// Environment is one sample's world: the functions the model may call and the state they
// change. It serves one sample, one call at a time.
type Environment interface {
	// Functions declares the functions, each with the JSON Schema of its arguments. They may
	// depend on the initial state (BFCL offers the functions of a sample's classes).
	Functions() []runners.ToolDef
	// Call runs the function called name. A problem of the call — an unknown function, bad
	// arguments, the domain's refusal — is an Observation with Error set, which goes back to
	// the model; a returned error is a failure of the environment itself.
	Call(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error)
	// State returns the state as canonical JSON: the same state gives the same bytes.
	State() (json.RawMessage, error)
}

// Kind makes the environments of one kind.
type Kind struct {
	// Name is what a suite calls it (agent.environment.name).
	Name string
	// Description says what it is, for help and errors.
	Description string
	// New builds an environment from a sample's initial state (JSON; nil when the sample has
	// none). An initial state it cannot read is an error.
	New func(initial json.RawMessage) (Environment, error)
}

var (
	mu       sync.RWMutex
	registry = map[string]Kind{}
)

// validName is what a kind's name may be.
var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Register adds a kind to the registry. A name that is taken or malformed, or a kind without
// New, panics: registration is a program's own wiring, done at init.
func Register(k Kind) {
	mu.Lock()
	defer mu.Unlock()
	switch {
	case !validName.MatchString(k.Name):
		panic(fmt.Sprintf("env: kind name %q must be lowercase letters, digits, '_' and '-'", k.Name))
	case k.New == nil:
		panic(fmt.Sprintf("env: kind %q has no New", k.Name))
	}
	if _, taken := registry[k.Name]; taken {
		panic(fmt.Sprintf("env: kind %q is registered twice", k.Name))
	}
	registry[k.Name] = k
}

// Lookup returns the kind called name.
func Lookup(name string) (Kind, bool) {
	mu.RLock()
	defer mu.RUnlock()
	k, ok := registry[name]
	return k, ok
}

// Names lists the registered kinds, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Sorted(maps.Keys(registry))
}

// NewTool returns the runners.Tool of kind k: each sample opens a fresh Environment from its
// ToolEnv.State; the instance is a runners.Toolbox (the environment's functions) and a
// runners.Stateful (its state, for the Episode).
func NewTool(k Kind) runners.Tool { return &tool{k: k} }

type tool struct{ k Kind }

// Def names the environment; its functions are the instance's.
func (t *tool) Def() runners.ToolDef {
	return runners.ToolDef{Name: t.k.Name, Description: t.k.Description}
}

// Open builds the sample's environment from its initial state.
func (t *tool) Open(_ context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	e, err := t.k.New(env.State)
	if err != nil {
		return nil, fmt.Errorf("environment %s: initial state of sample %q: %w", t.k.Name, env.SampleID, err)
	}
	return &instance{e: e}, nil
}

// instance is one sample's environment as the agent sees it.
type instance struct{ e Environment }

func (i *instance) Functions() []runners.ToolDef { return i.e.Functions() }

func (i *instance) CallFunction(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	return i.e.Call(ctx, name, args)
}

// Call is not used: the agent calls the environment's functions by name.
func (i *instance) Call(context.Context, json.RawMessage) (*runners.Observation, error) {
	return nil, errors.New("an environment is called by function (CallFunction)")
}

func (i *instance) State() (json.RawMessage, error) { return i.e.State() }

// Close closes the environment when it holds anything to release.
func (i *instance) Close() error {
	if c, ok := i.e.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Replay runs calls, in order, on a fresh environment of kind k opened from initial, and
// returns its final state and each call's observation. It is how a grader rebuilds the state
// a run left (replaying the Episode's calls; up to a turn, for per-turn checks) or the state
// the gold calls make. A call without arguments (an Episode cut to its record's cap) is an
// error, as is an environment's own failure; a function's error is an observation like any.
func Replay(ctx context.Context, k Kind, initial json.RawMessage, calls []runners.EpisodeCall) (json.RawMessage, []*runners.Observation, error) {
	e, err := k.New(initial)
	if err != nil {
		return nil, nil, fmt.Errorf("environment %s: initial state: %w", k.Name, err)
	}
	if c, ok := e.(io.Closer); ok {
		defer c.Close()
	}
	var out []*runners.Observation
	for i, c := range calls {
		if c.Arguments == nil {
			return nil, nil, fmt.Errorf("replaying call %d (%s): its arguments were not recorded", i, c.Name)
		}
		obs, err := e.Call(ctx, c.Name, c.Arguments)
		if err != nil {
			return nil, nil, fmt.Errorf("replaying call %d (%s): %w", i, c.Name, err)
		}
		out = append(out, obs)
	}
	state, err := e.State()
	if err != nil {
		return nil, nil, fmt.Errorf("environment %s: state: %w", k.Name, err)
	}
	return state, out, nil
}
