package bfcl

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/runners/tools/env"
)

func init() {
	env.Register(env.Kind{Name: "bfcl", Description: "BFCL v3's multi-turn simulated APIs (a file system, math, messaging, posting, tickets, trading, travel, vehicle control), the entry's classes loaded from its initial_config", New: func(initial json.RawMessage) (env.Environment, error) {
		e, err := NewEntry(initial)
		if err != nil {
			return nil, err
		}
		return e, nil
	}})
}

// EntryState is an entry's initial state as the bfcl environment reads it (a sample's state
// field): the classes it involves, their initial_config, and whether it is of the
// long-context category.
type EntryState struct {
	InvolvedClasses []string                   `json:"involved_classes"`
	InitialConfig   map[string]json.RawMessage `json:"initial_config"`
	LongContext     bool                       `json:"long_context"`
}

// Entry is one entry's instances, as BFCL's executor holds them across an entry's turns: the
// involved classes loaded from the configuration, their methods routed by name.
type Entry struct {
	classes []string
	inst    map[string]Class
	// owner maps each method name to its class: a later class of involved_classes wins a
	// name, as in BFCL's mapping.
	owner map[string]string
	docs  map[string]FuncDoc
	order []string
}

// NewEntry opens the instances of an entry state (EntryState as JSON).
func NewEntry(initial json.RawMessage) (*Entry, error) {
	var st EntryState
	if len(initial) == 0 {
		return nil, fmt.Errorf("bfcl: the entry has no state (involved_classes, initial_config)")
	}
	if err := json.Unmarshal(initial, &st); err != nil {
		return nil, fmt.Errorf("bfcl: entry state: %w", err)
	}
	if len(st.InvolvedClasses) == 0 {
		return nil, fmt.Errorf("bfcl: entry state: involved_classes is empty")
	}
	e := &Entry{classes: st.InvolvedClasses, inst: map[string]Class{}, owner: map[string]string{}, docs: map[string]FuncDoc{}}
	for _, name := range st.InvolvedClasses {
		c, err := newClass(name)
		if err != nil {
			return nil, err
		}
		if name != "MathAPI" { // BFCL's STATELESS_CLASSES load no scenario
			cfg := st.InitialConfig[name]
			if err := c.Load(cfg, st.LongContext); err != nil {
				return nil, fmt.Errorf("bfcl: %s: initial_config: %w", name, err)
			}
		}
		e.inst[name] = c
		docs, err := ClassDocs(name)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if _, seen := e.docs[d.Name]; !seen {
				e.order = append(e.order, d.Name)
			}
			e.owner[d.Name] = name
			e.docs[d.Name] = d
		}
		if s, ok := c.(signatures); ok {
			for _, m := range s.Methods() {
				e.owner[m] = name
			}
		}
	}
	return e, nil
}

// Functions declares the functions of the entry's classes, in the published order. The
// missing-function category's held-out ones are among them: the agent hides them until the
// user turn that reveals them.
func (e *Entry) Functions() []runners.ToolDef {
	out := make([]runners.ToolDef, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.docs[n].ToolDef())
	}
	return out
}

// Docs returns the function documents of the entry's classes, in order.
func (e *Entry) Docs() []FuncDoc {
	out := make([]FuncDoc, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.docs[n])
	}
	return out
}

// Run runs one call and returns its result as BFCL's executor writes it: the method's result
// formatted (FormatResult), or "Error during execution: …" for what the Python call raises.
// ok is false for an error.
func (e *Entry) Run(name string, args map[string]any) (text string, ok bool) {
	class, found := e.owner[name]
	if !found {
		return fmt.Sprintf("Error during execution: name '%s' is not defined", name), false
	}
	res, err := e.inst[class].Call(name, args)
	if err != nil {
		return "Error during execution: " + err.Error(), false
	}
	return FormatResult(res), true
}

// signatures is what a class tells of its methods: every public one (BFCL maps them all, a
// published document or not, such as TradingBot's update_market_status) and each one's
// parameters in signature order.
type signatures interface {
	Methods() []string
	Params(method string) []string
}

// params returns the parameters of the method called name in signature order: the owning
// class's, else the published document's.
func (e *Entry) params(name string) ([]string, bool) {
	if class, ok := e.owner[name]; ok {
		if s, ok := e.inst[class].(signatures); ok {
			if p := s.Params(name); p != nil {
				return p, true
			}
		}
	}
	d, ok := e.docs[name]
	return d.Params, ok
}

// RunPy runs a call written in Python (a gold answer's), its positional arguments bound to
// the published parameters in order.
func (e *Entry) RunPy(src string) (string, bool, error) {
	c, err := ParsePyCall(src)
	if err != nil {
		return "", false, err
	}
	args := map[string]any{}
	if len(c.Positional) > 0 {
		params, ok := e.params(c.Name)
		if !ok {
			return fmt.Sprintf("Error during execution: name '%s' is not defined", c.Name), false, nil
		}
		if len(c.Positional) > len(params) {
			return "", false, fmt.Errorf("call %q: %d positional arguments for %d parameters", src, len(c.Positional), len(params))
		}
		for i, v := range c.Positional {
			args[params[i]] = v
		}
	}
	for _, it := range c.Keywords {
		args[it.Key] = it.Value
	}
	text, ok := e.Run(c.Name, args)
	return text, ok, nil
}

// Bind reads a call written in Python (a gold answer's, or a prompting-mode reply's) as a
// model's call: the function and its JSON arguments, positional ones named by the method's
// parameters in signature order.
func (e *Entry) Bind(src string) (string, json.RawMessage, error) {
	c, err := ParsePyCall(src)
	if err != nil {
		return "", nil, err
	}
	var args []pycall.Arg
	if len(c.Positional) > 0 {
		params, ok := e.params(c.Name)
		if !ok || len(c.Positional) > len(params) {
			return "", nil, fmt.Errorf("call %q: %d positional arguments for %s", src, len(c.Positional), c.Name)
		}
		for i, v := range c.Positional {
			args = append(args, pycall.Arg{Name: params[i], Value: v})
		}
	}
	for _, it := range c.Keywords {
		args = append(args, pycall.Arg{Name: it.Key, Value: it.Value})
	}
	// Floats keep their fraction (420.0, not 420), so that they read back as floats.
	return c.Name, json.RawMessage(pycall.JSON(args)), nil
}

// Call runs a call from the model: its JSON arguments read as Python's json.loads reads them.
func (e *Entry) Call(_ context.Context, name string, raw json.RawMessage) (*runners.Observation, error) {
	args, err := decodeArgs(raw)
	if err != nil {
		msg := err.Error()
		return &runners.Observation{Text: "Error during execution: " + msg, Error: msg}, nil
	}
	text, ok := e.Run(name, args)
	obs := &runners.Observation{Text: text}
	if !ok {
		obs.Error = text
	}
	return obs, nil
}

// States returns each class's public state, by class name.
func (e *Entry) States() map[string]map[string]any {
	out := map[string]map[string]any{}
	for n, c := range e.inst {
		out[n] = c.State()
	}
	return out
}

// State writes the classes' public states as canonical JSON, by class name.
func (e *Entry) State() (json.RawMessage, error) {
	st := e.States()
	out := map[string]any{}
	for _, n := range slices.Sorted(maps.Keys(st)) {
		out[n] = st[n]
	}
	return env.StateJSON(out)
}
