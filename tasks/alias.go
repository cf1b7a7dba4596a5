package tasks

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// maxAliasNodes is how many values the YAML aliases of a file (a suite, a judge file, a models
// file) may copy in all. A suite's anchors hold a few defaults; a file beyond this is an alias
// bomb ("billion laughs"): a few lines whose aliases name lists of aliases, that expand to
// billions of values.
const maxAliasNodes = 10000

// expandAliases returns a copy of the YAML tree under n in which every alias is replaced by a
// copy of the node it names (positions kept), so that the checker walks what is decoded and
// the decoder meets no alias: its own guard against alias bombs fails the whole decode, which
// a checker that already walked the tree would not see. It refuses, with an *Error at the
// alias, an alias inside the value it names (which would repeat forever) and aliases that
// together copy more than maxAliasNodes values.
func expandAliases(file string, n *yaml.Node) (*yaml.Node, *Error) {
	e := &expander{left: maxAliasNodes, open: map[*yaml.Node]bool{}}
	out, err := e.copy(n)
	if err != nil {
		return nil, &Error{File: file, Line: err.at.Line, Col: err.at.Column, Msg: err.msg}
	}
	return out, nil
}

// expander copies a YAML tree, expanding its aliases.
type expander struct {
	left  int                 // values aliases may still copy
	open  map[*yaml.Node]bool // the nodes being copied, from the root down
	alias *yaml.Node          // the outermost alias being expanded; nil outside aliases
}

// aliasError is an alias refused, and why.
type aliasError struct {
	at  *yaml.Node
	msg string
}

func (e *expander) copy(n *yaml.Node) (*yaml.Node, *aliasError) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if e.open[n.Alias] {
			return nil, &aliasError{n, fmt.Sprintf("invalid YAML: alias *%s is inside the value it names, which would repeat forever", n.Value)}
		}
		outer := e.alias == nil
		if outer {
			e.alias = n
		}
		c, err := e.copy(n.Alias)
		if outer {
			e.alias = nil
		}
		return c, err
	}
	if e.alias != nil {
		if e.left--; e.left < 0 {
			return nil, &aliasError{e.alias, fmt.Sprintf("invalid YAML: the aliases of this file expand to more than %d values, from alias *%s on (an alias bomb?): write the values out",
				maxAliasNodes, e.alias.Value)}
		}
	}
	c := *n
	if len(n.Content) > 0 {
		e.open[n] = true
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			cc, err := e.copy(child)
			if err != nil {
				return nil, err
			}
			c.Content[i] = cc
		}
		delete(e.open, n)
	}
	return &c, nil
}
