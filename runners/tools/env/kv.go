package env

import (
	"github.com/realx-bench/realx/runners"

	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

func init() {
	Register(Kind{Name: "kv", Description: "a key-value store: set, get, delete and list string values", New: newKV})
}

// kv is the shipped example environment: a map of strings. Its state is {"items": {…}}, its
// initial state the same (or nothing, for an empty store).
type kv struct {
	items map[string]string
	table Table
}

// kvState is kv's state as JSON.
type kvState struct {
	Items map[string]string `json:"items"`
}

func newKV(initial json.RawMessage) (Environment, error) {
	var st kvState
	if len(initial) > 0 {
		if err := Args(initial, &st); err != nil {
			return nil, err
		}
	}
	e := &kv{items: map[string]string{}}
	maps.Copy(e.items, st.Items)
	key := `"key":{"type":"string","description":"the key"}`
	e.table = Table{
		{Def: def("set", "Set the value of a key.", `{"type":"object","properties":{`+key+`,"value":{"type":"string","description":"the value"}},"required":["key","value"]}`),
			Run: func(_ context.Context, args json.RawMessage) (any, error) {
				var a struct{ Key, Value string }
				if err := Args(args, &a); err != nil {
					return nil, err
				}
				e.items[a.Key] = a.Value
				return map[string]string{"status": "ok"}, nil
			}},
		{Def: def("get", "Read the value of a key.", `{"type":"object","properties":{`+key+`},"required":["key"]}`),
			Run: func(_ context.Context, args json.RawMessage) (any, error) {
				var a struct{ Key string }
				if err := Args(args, &a); err != nil {
					return nil, err
				}
				v, ok := e.items[a.Key]
				if !ok {
					return nil, fmt.Errorf("no key %q", a.Key)
				}
				return map[string]string{"value": v}, nil
			}},
		{Def: def("delete", "Delete a key.", `{"type":"object","properties":{`+key+`},"required":["key"]}`),
			Run: func(_ context.Context, args json.RawMessage) (any, error) {
				var a struct{ Key string }
				if err := Args(args, &a); err != nil {
					return nil, err
				}
				if _, ok := e.items[a.Key]; !ok {
					return nil, fmt.Errorf("no key %q", a.Key)
				}
				delete(e.items, a.Key)
				return map[string]string{"status": "ok"}, nil
			}},
		{Def: def("list", "List the keys, sorted.", `{"type":"object","properties":{}}`),
			Run: func(_ context.Context, args json.RawMessage) (any, error) {
				if err := Args(args, &struct{}{}); err != nil {
					return nil, err
				}
				return map[string][]string{"keys": slices.Sorted(maps.Keys(e.items))}, nil
			}},
	}
	return e, nil
}

// def declares a function.
func def(name, description, schema string) runners.ToolDef {
	return runners.ToolDef{Name: name, Description: description, Parameters: []byte(schema)}
}

func (e *kv) Functions() []runners.ToolDef { return e.table.Functions() }

func (e *kv) Call(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	return e.table.Call(ctx, name, args)
}

// State returns {"items": {…}}, its keys sorted.
func (e *kv) State() (json.RawMessage, error) { return StateJSON(kvState{Items: e.items}) }
