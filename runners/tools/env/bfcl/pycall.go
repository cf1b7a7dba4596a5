package bfcl

import "github.com/realx-bench/realx/runners/pycall"

// PyCall is a call as BFCL's gold answers write it, "cd(folder='document')": a function's
// name, its positional arguments and its keyword arguments in order.
type PyCall struct {
	Name       string
	Positional []any
	Keywords   Dict
}

// ParsePyCall reads one call written in Python: literal arguments only (strings, numbers,
// True, False, None, lists, tuples, dicts), as BFCL's gold answers have them.
func ParsePyCall(src string) (PyCall, error) {
	c, err := pycall.Parse(src)
	if err != nil {
		return PyCall{}, err
	}
	out := PyCall{Name: c.Name, Positional: c.Positional}
	for _, a := range c.Keywords {
		out.Keywords = append(out.Keywords, Item{Key: a.Name, Value: a.Value})
	}
	return out, nil
}
