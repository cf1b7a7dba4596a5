package bfcl

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// param is one parameter of a Python method: its name and, when it has one, its default.
type param struct {
	name       string
	hasDefault bool
	def        any
}

// req is a required parameter.
func req(name string) param { return param{name: name} }

// opt is a parameter with a default value.
func opt(name string, def any) param { return param{name: name, hasDefault: true, def: def} }

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
func (ms methods) call(class, name string, kw map[string]any) (any, error) {
	m, ok := ms[name]
	if !ok {
		return nil, notDefined(name)
	}
	bound, err := bindArgs(class+"."+name+"()", m.params, kw, same, same)
	if err != nil {
		return nil, err
	}
	return raising(func() (any, error) { return m.run(bound), nil })
}

// same returns v.
func same(v any) any { return v }

// notDefined is the NameError of calling a method the class does not have.
func notDefined(name string) error { return fmt.Errorf("name '%s' is not defined", name) }

// bindArgs binds keyword arguments to a method's parameters as Python does, given values
// converted by given and defaults by def: an unexpected keyword or a missing required
// argument is the TypeError Python raises for qual ("Class.method()"), with its message.
func bindArgs(qual string, params []param, kw map[string]any, given, def func(any) any) (map[string]any, error) {
	for _, k := range slices.Sorted(maps.Keys(kw)) {
		if !slices.ContainsFunc(params, func(p param) bool { return p.name == k }) {
			return nil, fmt.Errorf("%s got an unexpected keyword argument '%s'", qual, k)
		}
	}
	bound := make(map[string]any, len(params))
	var missing []string
	for _, p := range params {
		v, ok := kw[p.name]
		switch {
		case ok:
			bound[p.name] = given(v)
		case p.hasDefault:
			bound[p.name] = def(p.def)
		default:
			missing = append(missing, "'"+p.name+"'")
		}
	}
	if len(missing) > 0 {
		plural := "argument"
		if len(missing) > 1 {
			plural = "arguments"
		}
		return nil, fmt.Errorf("%s missing %d required positional %s: %s", qual, len(missing), plural, andJoin(missing))
	}
	return bound, nil
}

// raising runs a method's body; an exception it raises (a pyError panic) is its error.
func raising(body func() (any, error)) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(pyError)
			if !ok {
				panic(r)
			}
			res, err = nil, e
		}
	}()
	return body()
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

// paramNamesOf lists params' names in the signature's order (what positional arguments bind to).
func paramNamesOf(params []param) []string {
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.name
	}
	return names
}

// args are a call's bound arguments. Their accessors raise a TypeError when a value is not
// of the type the body uses it as, as the Python body would fail on it.
type args map[string]any

func (a args) typeError(name, want string) {
	panic(pyError(fmt.Sprintf("argument '%s' must be %s, not %s", name, want, pyTypeName(a[name]))))
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
	i, ok := pyIsInt(a[name])
	if !ok {
		a.typeError(name, "int")
	}
	return i
}

// boolean returns an argument's truth, as Python's if does.
func (a args) boolean(name string) bool { return pyTruth(a[name]) }

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
	return paramNamesOf(m.params)
}
