package tasks

import (
	"fmt"
	"io"
	"text/template"
	"text/template/parse"
)

// MaxPromptBytes caps the text one prompt template may render for a sample.
const MaxPromptBytes = 4 << 20

// CheckTemplate returns why a template that a suite wrote could run for as long as its data
// or its own numbers make it, or nil: a define, template or block action (a template that
// calls itself), a range over anything but a field of the data (.Choices, .Metadata.list,
// $.Choices: not {{range 1000000000000}}, a function's result or a variable), and a range
// inside a range (whose steps multiply). text/template counts no steps and cannot be stopped,
// so what it may run is bounded here, when the template is parsed, and what it writes by
// ExecuteCapped. The error reads as text/template's do: "template: NAME:LINE:COL: …".
// Packages that run templates a suite names (judges, runners) check them with it too.
func CheckTemplate(t *template.Template) error {
	for _, other := range t.Templates() {
		if other.Name() != t.Name() && other.Tree != nil {
			loc, _ := other.Tree.ErrorContext(other.Tree.Root)
			return fmt.Errorf("template: %s: define and block are not allowed in a template of a suite (%q)", loc, other.Name())
		}
	}
	if t.Tree == nil {
		return nil
	}
	return checkNode(t.Tree, t.Tree.Root, false)
}

// checkNode checks the nodes under n of tree; inRange says whether n is within a range's body.
func checkNode(tree *parse.Tree, n parse.Node, inRange bool) error {
	fail := func(n parse.Node, msg string) error {
		loc, _ := tree.ErrorContext(n)
		return fmt.Errorf("template: %s: %s", loc, msg)
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkNode(tree, c, inRange); err != nil {
				return err
			}
		}
	case *parse.IfNode:
		return checkBranches(tree, &n.BranchNode, inRange)
	case *parse.WithNode:
		return checkBranches(tree, &n.BranchNode, inRange)
	case *parse.RangeNode:
		switch {
		case inRange:
			return fail(n, "a range inside a range is not allowed in a template of a suite: it could loop for as long as the data makes it")
		case !dataField(n.Pipe):
			return fail(n, "a range in a template of a suite goes over a field of the data (.Choices, .Metadata.list, $.Choices), not over a number, a function's result or a variable")
		}
		if err := checkNode(tree, n.List, true); err != nil {
			return err
		}
		return checkNode(tree, n.ElseList, inRange)
	case *parse.TemplateNode:
		return fail(n, "template actions are not allowed in a template of a suite")
	}
	return nil
}

// checkBranches checks both branches of an if or a with.
func checkBranches(tree *parse.Tree, b *parse.BranchNode, inRange bool) error {
	if err := checkNode(tree, b.List, inRange); err != nil {
		return err
	}
	return checkNode(tree, b.ElseList, inRange)
}

// dataField reports whether a range's pipeline is one field of the data: .Field.Path, or
// $.Field.Path.
func dataField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) > 1 && a.Ident[0] == "$"
	}
	return false
}

// ExecuteCapped runs t on data, writing to w at most MaxPromptBytes: past them, execution
// stops with an error naming t. Packages that run templates a suite names run them with it,
// after CheckTemplate.
func ExecuteCapped(t *template.Template, w io.Writer, data any) error {
	return t.Execute(&cappedWriter{w: w, name: t.Name(), left: MaxPromptBytes}, data)
}

// cappedWriter passes on at most left bytes, then fails; name is the template writing.
type cappedWriter struct {
	w    io.Writer
	name string
	left int
}

func (c *cappedWriter) Write(b []byte) (int, error) {
	if len(b) > c.left {
		return 0, fmt.Errorf("%s: the prompt is longer than %d MiB", c.name, MaxPromptBytes>>20)
	}
	c.left -= len(b)
	return c.w.Write(b)
}
