package retail

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

// This file binds a call's arguments to a tool's parameters as Python binds keyword
// arguments: an unexpected one and missing ones are refused with the messages Python gives
// (the tool named as RetailTools' method). Python does not check types, and a wrong type
// makes the published code misbehave in ways not worth copying; here an argument of the
// wrong JSON type is refused instead.

// param is one parameter of a tool: a string or a list of strings.
type param struct {
	name string
	list bool
}

// readParams reads the parameters of a tool from its JSON Schema, in order.
func readParams(schema json.RawMessage) ([]param, error) {
	tree, err := pyjson.Parse(schema)
	if err != nil {
		return nil, err
	}
	root, _ := tree.(pyjson.Object)
	props, _ := root.Get("properties")
	po, ok := props.(pyjson.Object)
	if !ok {
		return nil, fmt.Errorf("no properties")
	}
	var out []param
	for _, m := range po {
		p, _ := m.Val.(pyjson.Object)
		t, _ := p.Get("type")
		switch t {
		case "string":
			out = append(out, param{name: m.Key})
		case "array":
			out = append(out, param{name: m.Key, list: true})
		default:
			return nil, fmt.Errorf("parameter %s has type %v", m.Key, t)
		}
	}
	return out, nil
}

// args is a call's arguments, bound and checked.
type args map[string]any

func (a args) str(name string) string { s, _ := a[name].(string); return s }

func (a args) strs(name string) []string { s, _ := a[name].([]string); return s }

// bind checks a call's arguments (a JSON pyjson.Object; nothing for none) against the tool's
// parameters, all of which are required.
func bind(tool string, params []param, raw json.RawMessage) (args, error) {
	var given pyjson.Object
	if len(strings.TrimSpace(string(raw))) > 0 {
		tree, err := pyjson.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("bad arguments: %v", err)
		}
		var ok bool
		if given, ok = tree.(pyjson.Object); !ok {
			return nil, fmt.Errorf("bad arguments: want a JSON pyjson.Object, not %s", kind(tree))
		}
	}
	out := args{}
	for _, m := range given {
		i := slices.IndexFunc(params, func(p param) bool { return p.name == m.Key })
		if i < 0 {
			return nil, fmt.Errorf("RetailTools.%s() got an unexpected keyword argument '%s'", tool, m.Key)
		}
		out[m.Key] = m.Val
	}
	var missing []string
	for _, p := range params {
		if _, ok := out[p.name]; !ok {
			missing = append(missing, "'"+p.name+"'")
		}
	}
	if len(missing) > 0 {
		plural := "s"
		if len(missing) == 1 {
			plural = ""
		}
		return nil, fmt.Errorf("RetailTools.%s() missing %d required positional argument%s: %s", tool, len(missing), plural, pyJoin(missing))
	}
	for _, p := range params {
		v := out[p.name]
		if !p.list {
			if _, ok := v.(string); !ok {
				return nil, fmt.Errorf("bad arguments: %s must be a string, not %s", p.name, kind(v))
			}
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("bad arguments: %s must be a list of strings, not %s", p.name, kind(v))
		}
		strs := make([]string, len(list))
		for i, e := range list {
			if strs[i], ok = e.(string); !ok {
				return nil, fmt.Errorf("bad arguments: %s[%d] must be a string, not %s", p.name, i, kind(e))
			}
		}
		out[p.name] = strs
	}
	return out, nil
}

// pyJoin joins names as Python's messages about missing arguments do: 'a', 'a' and 'b',
// 'a', 'b', and 'c'.
func pyJoin(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
}
