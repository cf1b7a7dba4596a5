package tasks

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

// Prompt is a sample's prompt, ready to be turned into chat messages: an optional system
// message and the user message's parts in order.
type Prompt struct {
	System string
	User   []PromptPart
}

// PromptPart is one part of the user message: text, or one of the sample's images.
type PromptPart struct {
	Text string
	// Image is the 1-based index of the image in Sample.Images; 0 means a text part.
	Image int
}

// DefaultUserTemplate is the user template of a suite that sets none: the question, then a
// line "A. text" for each choice.
const DefaultUserTemplate = "{{.Question}}{{range .Choices}}\n{{.Letter}}. {{.Text}}{{end}}"

// promptData is what the templates see. It never holds the gold answer.
type promptData struct {
	ID         string
	Question   string
	Choices    []choice
	Metadata   map[string]any
	Images     int
	Capability string
}

// choice is one option of a multiple-choice question, as the templates see it.
type choice struct{ Letter, Text string }

// imageMarker stands in the rendered text for `image N`: it holds a random nonce, so no data
// can forge it.
var imageMarker = func() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "\x00realx-image-" + hex.EncodeToString(b) + ":"
}()

var imageMarkerRE = regexp.MustCompile(regexp.QuoteMeta(imageMarker) + `(\d+)\x00`)

// templateFuncs are the functions the prompt templates may call.
var templateFuncs = template.FuncMap{
	"image": func(n int) (string, error) {
		if n < 1 {
			return "", fmt.Errorf("image %d: images are numbered from 1", n)
		}
		return imageMarker + strconv.Itoa(n) + "\x00", nil
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  join,
	"add":   func(a, b int) int { return a + b },
}

// join writes the items of a list (any slice) separated by sep: {{join ", " .Metadata.skills}}.
func join(sep string, list any) (string, error) {
	switch l := list.(type) {
	case nil:
		return "", nil
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		parts := make([]string, len(l))
		for i, v := range l {
			parts[i] = fmt.Sprint(v)
		}
		return strings.Join(parts, sep), nil
	}
	return "", fmt.Errorf("join: expected a list, got %T", list)
}

// parseTemplate parses one prompt template, named by its YAML path, and refuses what could
// run without bound (CheckTemplate).
func parseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Funcs(templateFuncs).Parse(text)
	if err != nil {
		return nil, err
	}
	if err := CheckTemplate(t); err != nil {
		return nil, err
	}
	return t, nil
}

// prompt is a suite's prompt under one protocol: the default's templates with the protocol's
// entry over them, and the YAML paths they come from.
type prompt struct {
	system, user         string
	systemPath, userPath []string
	verbatim             bool
}

// promptFor returns the suite's prompt under protocol: prompt.protocols[protocol] over the
// default.
func (s *Suite) promptFor(protocol string) prompt {
	p := prompt{system: s.Prompt.System, user: s.Prompt.User, verbatim: s.Prompt.Verbatim,
		systemPath: yamlPath("prompt", "system"), userPath: yamlPath("prompt", "user")}
	e, ok := s.Prompt.Protocols[protocol]
	if !ok || protocol == "" {
		return p
	}
	if e.System != "" {
		p.system, p.systemPath = e.System, yamlPath("prompt", "protocols", protocol, "system")
	}
	if e.User != "" {
		p.user, p.userPath = e.User, yamlPath("prompt", "protocols", protocol, "user")
	}
	if e.Verbatim != nil {
		p.verbatim = *e.Verbatim
	}
	return p
}

// promptProtocols returns the protocols the suite has a prompt of its own for, "" (the
// default) first.
func (s *Suite) promptProtocols() []string {
	return append([]string{""}, slices.Sorted(maps.Keys(s.Prompt.Protocols))...)
}

// templates returns the suite's parsed templates under protocol (system is nil when empty),
// parsing them when the suite was not loaded from a file.
func (s *Suite) templates(protocol string) (system, user *template.Template, err error) {
	if _, own := s.Prompt.Protocols[protocol]; !own || protocol == "" {
		protocol = ""
		if s.user != nil {
			return s.system, s.user, nil
		}
	} else if t, ok := s.protocolTemplates[protocol]; ok {
		return t[0], t[1], nil
	}
	p := s.promptFor(protocol)
	if p.system != "" {
		if system, err = parseTemplate(pathString(p.systemPath), p.system); err != nil {
			return nil, nil, err
		}
	}
	text := p.user
	if text == "" {
		text = DefaultUserTemplate
	}
	user, err = parseTemplate(pathString(p.userPath), text)
	return system, user, err
}

// templateErr reads the line, and the column when given, out of a text/template error
// ("template: prompt.user:3:7: …").
var templateErr = regexp.MustCompile(`^template: ([^:]+):(\d+):(?:(\d+):)? ?(.*)$`)

// parseTemplates parses the suite's templates at load time, the default's and each of
// prompt.protocols', reporting each error at its line in the suite file, and tries them on a
// made-up sample to catch misspelt fields ({{.Qestion}}).
func (s *Suite) parseTemplates(c *checker) {
	probe := &Sample{ID: "probe", Question: "?", Choices: []string{"a", "b"}, Metadata: map[string]any{}}
	broken := false
	parse := func(path []string, text string) *template.Template {
		tmpl, err := parseTemplate(pathString(path), text)
		if err == nil {
			err = ExecuteCapped(tmpl, discard{}, newPromptData(probe))
			if err == nil || !strings.Contains(err.Error(), "can't evaluate field") {
				return tmpl
			}
		}
		c.templateError(path, err)
		broken = true
		return nil
	}
	for _, protocol := range s.promptProtocols() {
		if protocol != "" && !slices.Contains(ProtocolNames, protocol) {
			c.errorf(yamlPath("prompt", "protocols", protocol), "prompt.protocols: %q is not an agent protocol (%s)", protocol, strings.Join(ProtocolNames, ", "))
			continue
		}
		p := s.promptFor(protocol)
		var system, user *template.Template
		if p.system != "" {
			system = parse(p.systemPath, p.system)
		}
		text := p.user
		if text == "" {
			text = DefaultUserTemplate
		}
		user = parse(p.userPath, text)
		if protocol == "" {
			s.system, s.user = system, user
			continue
		}
		if s.protocolTemplates == nil {
			s.protocolTemplates = map[string][2]*template.Template{}
		}
		s.protocolTemplates[protocol] = [2]*template.Template{system, user}
	}
	if broken { // Render parses them again and reports the error, rather than skip a template
		s.system, s.user, s.protocolTemplates = nil, nil, nil
		s.templatesBroken = true
	}
}

// templateError reports a template's error at its line in the suite file: exactly for a
// literal block (|), at the template's start otherwise.
func (c *checker) templateError(path []string, err error) {
	msg := err.Error()
	line := 1
	if m := templateErr.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[2])
		msg = m[4]
		if rest, ok := strings.CutPrefix(msg, "executing "); ok {
			if _, after, ok := strings.Cut(rest, ": "); ok {
				msg = after
			}
		}
	}
	if strings.Contains(msg, "can't evaluate field") {
		msg += " (templates see .ID, .Question, .Choices, .Metadata, .Images and .Capability)"
	}
	msg = fmt.Sprintf("%s: %s", pathString(path), msg)
	node, key, ok := c.pos.find(path)
	if !ok {
		c.errorf(path, "%s", msg)
		return
	}
	c.mark(path)
	switch {
	case node.Style&yaml.LiteralStyle != 0:
		c.addAt(node.Line+line, 0, "%s", msg)
	case line == 1:
		l, col := at(node, key)
		c.addAt(l, col, "%s", msg)
	default:
		c.addAt(node.Line, 0, "%s", msg)
	}
}

// discard is an io.Writer that drops what it is given.
type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// newPromptData is what the templates see of sm.
func newPromptData(sm *Sample) promptData {
	d := promptData{
		ID:         sm.ID,
		Question:   sm.Question,
		Choices:    make([]choice, len(sm.Choices)),
		Metadata:   sm.Metadata,
		Images:     len(sm.Images),
		Capability: sm.Capability,
	}
	for i, c := range sm.Choices {
		d.Choices[i] = choice{Letter: Letter(i), Text: c}
	}
	return d
}

// Render puts sample sm into the suite's prompt templates, those of the protocol its agent
// block names (prompt.protocols, over the default). The images go where the user template
// calls `image N`; when it calls it nowhere, every image comes first, then the text. Line
// breaks next to an image, and text that is only white space, are dropped. An error names the
// sample and the template: `sample "17": prompt.user: …`.
func (s *Suite) Render(sm *Sample) (*Prompt, error) {
	return s.RenderFor(sm, s.Agent.Protocol)
}

// RenderFor is Render under the agent protocol protocol ("" for the default prompt).
func (s *Suite) RenderFor(sm *Sample, protocol string) (*Prompt, error) {
	system, user, err := s.templates(protocol)
	if err != nil {
		return nil, fmt.Errorf("sample %q: %w", sm.ID, cleanTemplateErr(err))
	}
	data := newPromptData(sm)
	var p Prompt
	if system != nil {
		var b strings.Builder
		if err := ExecuteCapped(system, &b, data); err != nil {
			return nil, fmt.Errorf("sample %q: %w", sm.ID, cleanTemplateErr(err))
		}
		if strings.Contains(b.String(), imageMarker) {
			return nil, fmt.Errorf("sample %q: prompt.system: images go in prompt.user", sm.ID)
		}
		p.System = strings.TrimSpace(b.String())
	}
	var b strings.Builder
	if err := ExecuteCapped(user, &b, data); err != nil {
		return nil, fmt.Errorf("sample %q: %w", sm.ID, cleanTemplateErr(err))
	}
	p.User, err = splitImages(b.String(), len(sm.Images), s.promptFor(protocol).verbatim)
	if err != nil {
		return nil, fmt.Errorf("sample %q: prompt.user: %w", sm.ID, err)
	}
	return &p, nil
}

// splitImages cuts rendered text into parts around the image markers; with no marker, the n
// images come first. Unless verbatim, the line breaks next to an image and the space around
// the text are dropped, and so is text that is only white space; verbatim drops only empty
// text.
func splitImages(text string, n int, verbatim bool) ([]PromptPart, error) {
	var parts []PromptPart
	addText := func(t string) {
		if t != "" && (verbatim || strings.TrimSpace(t) != "") {
			parts = append(parts, PromptPart{Text: t})
		}
	}
	trim := func(s, cut string, f func(string, string) string) string {
		if verbatim {
			return s
		}
		return f(s, cut)
	}
	marks := imageMarkerRE.FindAllStringSubmatchIndex(text, -1)
	if len(marks) == 0 {
		for i := 1; i <= n; i++ {
			parts = append(parts, PromptPart{Image: i})
		}
		addText(trim(text, " \t\r\n", strings.Trim))
		return parts, nil
	}
	last := 0
	for k, m := range marks {
		seg := text[last:m[0]]
		if k > 0 {
			seg = trim(seg, "\r\n", strings.TrimLeft)
		}
		addText(trim(seg, "\r\n", strings.TrimRight))
		last = m[1]
		i, _ := strconv.Atoi(text[m[2]:m[3]])
		if i > n {
			return nil, fmt.Errorf("image %d: the sample has %d image(s)", i, n)
		}
		parts = append(parts, PromptPart{Image: i})
	}
	addText(trim(text[last:], "\r\n", strings.TrimLeft))
	if verbatim {
		return parts, nil
	}
	if parts[0].Image == 0 {
		parts[0].Text = strings.TrimLeft(parts[0].Text, " \t\r\n")
	}
	if k := len(parts) - 1; parts[k].Image == 0 {
		parts[k].Text = strings.TrimRight(parts[k].Text, " \t\r\n")
	}
	return parts, nil
}

// cleanTemplateErr drops text/template's "template: " prefix, so that errors read
// `prompt.user:1:3: …`.
func cleanTemplateErr(err error) error {
	if msg, ok := strings.CutPrefix(err.Error(), "template: "); ok {
		return errors.New(msg)
	}
	return err
}
