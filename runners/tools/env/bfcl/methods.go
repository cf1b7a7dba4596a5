package bfcl

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// param is one parameter of a method: its name and, for an optional one, its default.
type param struct {
	name     string
	optional bool
	def      any
}

// req is a required parameter; opt an optional one with its default.
func need(name string) param              { return param{name: name} }
func optional(name string, def any) param { return param{name: name, optional: true, def: def} }

// method is one public method of a class: its parameters, in the Python signature's order,
// and its body.
type method struct {
	params []param
	run    func(a args) any
}

// methods are a class's public methods by name.
type methods map[string]method

// pyError is an exception a method body raises (by panicking with it): its text is what
// str() of the Python exception says.
type pyError string

func (e pyError) Error() string { return string(e) }

// call binds kw to the method's parameters as Python binds keyword arguments (an unknown one,
// or a required one missing, is a TypeError worded as Python's) and runs it. An exception the
// body raises is the returned error.
func (ms methods) call(class, name string, kw map[string]any) (res any, err error) {
	m, ok := ms[name]
	if !ok {
		return nil, pyError(fmt.Sprintf("name '%s' is not defined", name))
	}
	for _, k := range slices.Sorted(maps.Keys(kw)) {
		if !slices.ContainsFunc(m.params, func(p param) bool { return p.name == k }) {
			return nil, pyError(fmt.Sprintf("%s.%s() got an unexpected keyword argument '%s'", class, name, k))
		}
	}
	a := args{}
	var missing []string
	for _, p := range m.params {
		v, ok := kw[p.name]
		switch {
		case ok:
			a[p.name] = v
		case p.optional:
			a[p.name] = p.def
		default:
			missing = append(missing, "'"+p.name+"'")
		}
	}
	if len(missing) > 0 {
		plural := "argument"
		if len(missing) > 1 {
			plural = "arguments"
		}
		return nil, pyError(fmt.Sprintf("%s.%s() missing %d required positional %s: %s", class, name, len(missing), plural, andJoin(missing)))
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(pyError)
			if !ok {
				panic(r)
			}
			res, err = nil, e
		}
	}()
	return m.run(a), nil
}

// andJoin joins names as Python's TypeError does: 'a', 'a' and 'b', 'a', 'b', and 'c'.
func andJoin(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " and " + s[1]
	}
	return strings.Join(s[:len(s)-1], ", ") + ", and " + s[len(s)-1]
}

// args are a call's bound arguments. Their accessors raise a TypeError when a value is not
// of the type the body uses it as, as the Python body would fail on it.
type args map[string]any

// pyType names the Python type of v.
func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case string:
		return "str"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case map[string]any, Dict:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

func (a args) typeError(name, want string) {
	panic(pyError(fmt.Sprintf("argument '%s' must be %s, not %s", name, want, pyType(a[name]))))
}

// str returns a string argument.
func (a args) str(name string) string {
	s, ok := a[name].(string)
	if !ok {
		a.typeError(name, "str")
	}
	return s
}

// optStr returns a string argument that may be None.
func (a args) optStr(name string) (string, bool) {
	if a[name] == nil {
		return "", false
	}
	return a.str(name), true
}

// integer returns an int argument (a bool counts, as in Python).
func (a args) integer(name string) int {
	switch x := a[name].(type) {
	case int:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	}
	a.typeError(name, "int")
	return 0
}

// boolean returns an argument's truth, as Python's if does.
func (a args) boolean(name string) bool { return truthy(a[name]) }

// truthy is Python's bool(v).
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// list returns a list argument.
func (a args) list(name string) []any {
	l, ok := a[name].([]any)
	if !ok {
		a.typeError(name, "list")
	}
	return l
}

// names returns the methods' names, sorted.
func (ms methods) names() []string { return slices.Sorted(maps.Keys(ms)) }

// paramNames returns a method's parameters in signature order (nil for an unknown method).
func (ms methods) paramNames(name string) []string {
	m, ok := ms[name]
	if !ok {
		return nil
	}
	out := make([]string, len(m.params))
	for i, p := range m.params {
		out[i] = p.name
	}
	return out
}
