package env

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// Function is one function of an environment written in Go.
type Function struct {
	// Def declares it: name, description, JSON Schema of the arguments.
	Def runners.ToolDef
	// Run runs it on the arguments (a JSON object). Its result goes back to the model as
	// text: a string as it is, anything else as JSON. An error it returns is the function's
	// own (a domain's refusal, bad arguments), sent back as "Error: …"; a *Failure is the
	// environment's failure instead, which ends the sample.
	Run func(ctx context.Context, args json.RawMessage) (any, error)
}

// Failure is an error of the environment itself, not of the call: Table.Call returns it
// rather than sending it to the model.
type Failure struct{ Err error }

// Error returns the failure's text.
func (f *Failure) Error() string { return f.Err.Error() }

// Unwrap returns f.Err.
func (f *Failure) Unwrap() error { return f.Err }

// Table is the functions of an environment, in the order they are declared.
type Table []Function

// Functions returns the declarations of the table's functions, in order.
func (t Table) Functions() []runners.ToolDef {
	out := make([]runners.ToolDef, len(t))
	for i, f := range t {
		out[i] = f.Def
	}
	return out
}

// Call runs the function called name: an unknown name is an error observation naming the
// functions there are.
func (t Table) Call(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	i := slices.IndexFunc(t, func(f Function) bool { return f.Def.Name == name })
	if i < 0 {
		var names []string
		for _, f := range t {
			names = append(names, f.Def.Name)
		}
		return ErrorObservation(fmt.Sprintf("unknown function %q: the functions are %s", name, strings.Join(names, ", "))), nil
	}
	res, err := t[i].Run(ctx, args)
	var failure *Failure
	switch {
	case errors.As(err, &failure):
		return nil, failure.Err
	case err != nil:
		return ErrorObservation(err.Error()), nil
	}
	text, err := ResultText(res)
	if err != nil {
		return nil, fmt.Errorf("function %s: its result does not encode: %w", name, err)
	}
	return &runners.Observation{Text: text}, nil
}

// ErrorObservation is the observation of a call that failed for reason msg.
func ErrorObservation(msg string) *runners.Observation {
	return &runners.Observation{Text: "Error: " + msg, Error: msg}
}

// ResultText writes a function's result as the model reads it: a string as it is, anything
// else as JSON (HTML left as it is).
func ResultText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := runners.MarshalPlain(v)
	return string(b), err
}

// StateJSON writes a state as canonical JSON, as State returns it: Go's encoding (maps with
// their keys sorted, structs in field order) with HTML left as it is.
func StateJSON(v any) (json.RawMessage, error) {
	return runners.MarshalPlain(v)
}

// Args decodes a call's arguments into dst strictly: an argument dst has no field for is an
// error, as a Python function refuses an unexpected keyword.
func Args(args json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("bad arguments: %v", err)
	}
	return nil
}
