package runners

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/realx-bench/realx/runners/prompts"
	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/tasks"
)

// Prompts are the templates an agent renders its system prompt and its question with. A nil
// template leaves that prompt as the suite renders it.
type Prompts struct {
	// System renders the system prompt from PromptData; an empty result sends no system
	// message.
	System *template.Template
	// User renders the first text of the user message (PromptData.Question) into what is sent.
	User *template.Template
}

// PromptData is what prompt templates see.
type PromptData struct {
	// System is the suite's own system prompt, rendered.
	System string
	// Question is the first text of the user message, as the suite renders it (user
	// templates only).
	Question string
	// Tools are the functions of the run, in order.
	Tools []PromptTool
	// Search reports that a search tool (search, image_search, text_search, web_visit) is
	// enabled.
	Search bool
}

// Has reports whether the function called name is among d.Tools.
func (d *PromptData) Has(name string) bool {
	return slices.ContainsFunc(d.Tools, func(t PromptTool) bool { return t.Name == name })
}

// PromptTool is one function as templates declare it.
type PromptTool struct {
	Name, Description string
	// JSON is the declaration as Qwen's chat templates write it: {"type": "function",
	// "function": {…}} with Python's json.dumps spacing.
	JSON string
	// Compact is the same declaration without spaces, as DeepEyes' system prompt writes it.
	Compact string
	// Python is the declaration as a Python literal, as BFCL's prompting mode writes a
	// function's document: ToolDef.Python, else Python's repr of {name, description,
	// parameters}.
	Python string
}

// searchTools are the functions whose presence sets PromptData.Search.
var searchTools = []string{"search", "image_search", "text_search", "web_visit"}

// templateName is what a template's name looks like; anything else is a template's text.
var templateName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// NewPrompts resolves an agent's templates. system and user each name a template shipped in
// runners/prompts or hold a template's own text; an empty one takes p's (none when p is nil).
// A name that is not shipped, text that does not parse, and text that could run without bound
// (tasks.CheckTemplate) are errors; what a template renders is capped at tasks.MaxPromptBytes.
func NewPrompts(p Protocol, system, user string) (Prompts, error) {
	var defSystem, defUser string
	if p != nil {
		defSystem, defUser = p.Prompts()
	}
	var ps Prompts
	var err error
	if ps.System, err = promptTemplate(prompts.System, system, defSystem); err != nil {
		return ps, err
	}
	ps.User, err = promptTemplate(prompts.User, user, defUser)
	return ps, err
}

// promptTemplate parses the template of kind given as value (a name or text), or def's when
// value is empty; nil when both are empty.
func promptTemplate(kind, value, def string) (*template.Template, error) {
	if value == "" {
		value = def
	}
	if value == "" {
		return nil, nil
	}
	text := value
	name := kind
	if templateName.MatchString(value) {
		t, ok := prompts.Lookup(kind, value)
		if !ok {
			return nil, fmt.Errorf("no %s template %q: realx ships %s (or write the template's text)",
				kind, value, strings.Join(prompts.Names(kind), ", "))
		}
		text, name = t, kind+"/"+value
	}
	t, err := template.New(name).Parse(text)
	if err == nil {
		// A suite's own text could loop without bound: refused as a suite's prompt is.
		err = tasks.CheckTemplate(t)
	}
	if err == nil {
		// A field the data does not have fails only when the template runs: try it now.
		d := promptData([]ToolDef{{Name: "code"}})
		err = tasks.ExecuteCapped(t, io.Discard, &d)
	}
	if err != nil {
		return nil, fmt.Errorf("%s template: %w", kind, err)
	}
	return t, nil
}

// promptData describes tools for the templates.
func promptData(tools []ToolDef) PromptData {
	d := PromptData{}
	for _, t := range tools {
		compact := toolJSON(t)
		d.Tools = append(d.Tools, PromptTool{Name: t.Name, Description: t.Description, JSON: pySpaced(compact), Compact: compact, Python: toolPython(t)})
		d.Search = d.Search || slices.Contains(searchTools, t.Name)
	}
	return d
}

// render applies the templates to a sample's system prompt and user message, returning what
// is sent.
func (ps Prompts) render(in *Input, tools []ToolDef) (string, []Part, error) {
	d := promptData(tools)
	d.System = in.System
	system := in.System
	if ps.System != nil {
		var b strings.Builder
		if err := tasks.ExecuteCapped(ps.System, &b, &d); err != nil {
			return "", nil, fmt.Errorf("system prompt: %w", err)
		}
		system = b.String()
	}
	user := slices.Clone(in.User)
	if ps.User == nil {
		return system, user, nil
	}
	at := slices.IndexFunc(user, func(p Part) bool { return p.Image == nil })
	if at >= 0 {
		d.Question = user[at].Text
	} else {
		user = append(user, Part{})
		at = len(user) - 1
	}
	var b strings.Builder
	if err := tasks.ExecuteCapped(ps.User, &b, &d); err != nil {
		return "", nil, fmt.Errorf("user prompt: %w", err)
	}
	user[at] = Part{Text: b.String()}
	return system, user, nil
}

// toolPython returns a function's declaration as a Python literal, as the run describes it:
// its own (ToolDef.Python) with its description in place of the literal's (BFCL's documents
// with BFCL's language hint), else Python's repr of {name, description, parameters}.
func toolPython(t ToolDef) string {
	if t.Python != "" {
		v, err := pycall.ParseLiteral(t.Python)
		d, ok := v.(pycall.Ordered)
		if err != nil || !ok {
			return t.Python
		}
		for i := range d {
			if d[i].Name == "description" {
				d[i].Value = t.Description
			}
		}
		return pycall.Repr(d)
	}
	params, err := pycall.DecodeJSON(string(t.Parameters))
	if err != nil || params == nil {
		params = pycall.Ordered{{Name: "type", Value: "object"}, {Name: "properties", Value: pycall.Ordered{}}}
	}
	return pycall.Repr(pycall.Ordered{{Name: "name", Value: t.Name}, {Name: "description", Value: t.Description}, {Name: "parameters", Value: params}})
}

// toolJSON is the compact declaration of t in OpenAI's function format.
func toolJSON(t ToolDef) string {
	params := json.RawMessage(t.Parameters)
	if len(params) == 0 || !json.Valid(params) {
		params = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	type function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	}
	b, err := MarshalPlain(struct {
		Type     string   `json:"type"`
		Function function `json:"function"`
	}{"function", function{t.Name, t.Description, params}})
	if err != nil {
		return "{}" // the parts are valid JSON
	}
	return compactJSON(b)
}

// pySpaced spaces compact JSON as Python's json.dumps does: ", " between items and ": "
// after keys.
func pySpaced(compact string) string {
	var b strings.Builder
	b.Grow(len(compact) + len(compact)/8)
	inString, escaped := false, false
	for i := 0; i < len(compact); i++ {
		c := compact[i]
		b.WriteByte(c)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			b.WriteByte(' ')
		}
	}
	return b.String()
}
