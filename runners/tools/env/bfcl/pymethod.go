package bfcl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// pyParam is one parameter of a Python method: its name and, when it has one, its default.
type pyParam struct {
	name       string
	hasDefault bool
	def        any
}

// req is a required parameter.
func req(name string) pyParam { return pyParam{name: name} }

// opt is a parameter with a default value.
func opt(name string, def any) pyParam { return pyParam{name: name, hasDefault: true, def: def} }

// pyMethod is a public method of a Python class: its signature in order and its body, which
// gets every parameter bound (given or defaulted), as Python values.
type pyMethod struct {
	params []pyParam
	body   func(a map[string]any) (any, error)
}

// pyMethods is a class's public methods by name.
type pyMethods map[string]pyMethod

// call binds the keyword arguments as Python binds them to the method's signature and runs
// it: an unknown method, an unexpected keyword or a missing required argument is the error
// Python raises, with Python's message. The result is given out as plain values.
func (ms pyMethods) call(class, name string, args map[string]any) (any, error) {
	m, ok := ms[name]
	if !ok {
		return nil, fmt.Errorf("name '%s' is not defined", name)
	}
	qual := class + "." + name + "()"
	bound := make(map[string]any, len(m.params))
	known := map[string]bool{}
	for _, p := range m.params {
		known[p.name] = true
	}
	for _, k := range slices.Sorted(maps.Keys(args)) {
		if !known[k] {
			return nil, fmt.Errorf("%s got an unexpected keyword argument '%s'", qual, k)
		}
	}
	var missing []string
	for _, p := range m.params {
		if v, ok := args[p.name]; ok {
			bound[p.name] = pyArg(v)
			continue
		}
		if !p.hasDefault {
			missing = append(missing, "'"+p.name+"'")
			continue
		}
		bound[p.name] = pyCopy(p.def)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s missing %d required positional argument%s: %s", qual, len(missing), plural(len(missing)), pyJoinNames(missing))
	}
	out, err := runBody(m.body, bound)
	if err != nil {
		return nil, err
	}
	return pyOrdered(out), nil
}

// runBody runs a method's body; an exception raised deep in it (errTokenDecrement) is its error.
func runBody(body func(map[string]any) (any, error), args map[string]any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(errTokenDecrement)
			if !ok {
				panic(r)
			}
			out, err = nil, e
		}
	}()
	return body(args)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// pyJoinNames joins names as CPython's missing-argument message does: 'a', 'a' and 'b',
// 'a', 'b', and 'c'.
func pyJoinNames(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
}

// methodNames lists a class's public methods, sorted.
func (ms pyMethods) methodNames() []string { return slices.Sorted(maps.Keys(ms)) }

// paramNames lists a method's parameters in the Python signature's order (what positional
// arguments bind to), nil for an unknown method.
func (ms pyMethods) paramNames(name string) []string {
	m, ok := ms[name]
	if !ok {
		return nil
	}
	names := make([]string, len(m.params))
	for i, p := range m.params {
		names[i] = p.name
	}
	return names
}

// loadScenario decodes a class's initial_config as Python's json.loads would (an absent
// scenario is an empty dict) and returns it as a dict.
func loadScenario(class string, scenario json.RawMessage) (*pyDict, error) {
	if len(scenario) == 0 || string(scenario) == "null" {
		return newPyDict(), nil
	}
	v, err := decodePy(scenario)
	if err != nil {
		return nil, fmt.Errorf("bfcl: %s scenario: %w", class, err)
	}
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("bfcl: %s scenario is a JSON %s, not an object", class, pyTypeName(v))
	}
	return d, nil
}

// scenarioGet is Python's scenario.get(key, default): the default is deep-copied, as the
// classes copy DEFAULT_STATE before taking from it.
func scenarioGet(s *pyDict, key string, def any) any {
	if v, ok := s.get(key); ok {
		return v
	}
	return pyCopy(def)
}

// strArg is an argument that must be a str for the Python code to work as a string; otherwise
// it raises AttributeError naming the method it called (e.g. lower).
func strArg(v any, method string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("'%s' object has no attribute '%s'", pyTypeName(v), method)
	}
	return s, nil
}
