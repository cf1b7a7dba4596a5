package bfcl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// pyMethod is a public method of a Python class: its signature in order and its body, which
// gets every parameter bound (given or defaulted), as Python values.
type pyMethod struct {
	params []param
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
		return nil, notDefined(name)
	}
	bound, err := bindArgs(class+"."+name+"()", m.params, args, pyArg, pyCopy)
	if err != nil {
		return nil, err
	}
	out, err := raising(func() (any, error) { return m.body(bound) })
	if err != nil {
		return nil, err
	}
	return pyOrdered(out), nil
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
	return paramNamesOf(m.params)
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
