package tasks

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// suiteWithPrompt loads a suite whose prompt block is given as YAML.
func suiteWithPrompt(t *testing.T, prompt string) *Suite {
	t.Helper()
	s, err := loadString(t, "name: p\ndata: {path: d.jsonl}\njudge: {kind: em}\n"+prompt)
	require.NoError(t, err)
	return s
}

func textPart(s string) PromptPart { return PromptPart{Text: s} }
func imagePart(i int) PromptPart   { return PromptPart{Image: i} }

func TestRenderDefaultTemplate(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, "")
	sm := &Sample{ID: "1", Question: "Which is red?", Choices: []string{"apple", "sky", "grass"}, Answer: "A",
		Images: []ImageRef{{Ref: "a.png"}, {Ref: "b.png"}}}
	p, err := s.Render(sm)
	require.NoError(t, err)
	assert.Equal(t, "", p.System, "no system message by default")
	assert.Equal(t, []PromptPart{imagePart(1), imagePart(2), textPart("Which is red?\nA. apple\nB. sky\nC. grass")}, p.User,
		"images first, then the question and a line a choice")

	p, err = s.Render(&Sample{ID: "2", Question: "  2+2?  "})
	require.NoError(t, err)
	assert.Equal(t, []PromptPart{textPart("2+2?")}, p.User)
}

func TestRenderPlacesImages(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, `prompt:
  system: |
    You answer {{upper .Capability}} questions about {{.Images}} image(s).
  user: |
    First picture:
    {{image 2}}
    and the other one: {{image 1}} — compare them.
    {{.Question}}
    {{range $i, $c := .Choices}}{{add $i 1}}) {{$c.Text}} [{{$c.Letter}}]
    {{end}}Tags: {{join ", " .Metadata.tags}}; task {{lower .Metadata.task}}; id {{.ID}}.
`)
	sm := &Sample{ID: "q7", Question: "Same dog?", Capability: "perception", Choices: []string{"yes", "no"},
		Answer: "SECRET", Images: []ImageRef{{Ref: "a.png"}, {Ref: "b.png"}},
		Metadata: map[string]any{"tags": []any{"dogs", json.Number("2")}, "task": "VQA"}}
	p, err := s.Render(sm)
	require.NoError(t, err)
	assert.Equal(t, "You answer PERCEPTION questions about 2 image(s).", p.System)
	assert.Equal(t, []PromptPart{
		textPart("First picture:"),
		imagePart(2),
		textPart("and the other one: "),
		imagePart(1),
		textPart(" — compare them.\nSame dog?\n1) yes [A]\n2) no [B]\nTags: dogs, 2; task vqa; id q7."),
	}, p.User)
	for _, part := range p.User {
		assert.NotContains(t, part.Text, "SECRET", "the gold answer never reaches the prompt")
	}
}

func TestRenderImageOutOfRange(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, "prompt: {user: \"{{image 1}}{{image 3}}{{.Question}}\"}\n")
	_, err := s.Render(&Sample{ID: "17", Question: "q", Images: []ImageRef{{Ref: "a"}, {Ref: "b"}}})
	assert.EqualError(t, err, `sample "17": prompt.user: image 3: the sample has 2 image(s)`)

	s = suiteWithPrompt(t, "prompt: {user: \"{{image 0}}\"}\n")
	_, err = s.Render(&Sample{ID: "17", Question: "q", Images: []ImageRef{{Ref: "a"}}})
	assert.ErrorContains(t, err, `sample "17": prompt.user:1:2: executing "prompt.user" at <image 0>: error calling image: image 0: images are numbered from 1`)

	s = suiteWithPrompt(t, "prompt: {system: \"{{image 1}}\"}\n")
	_, err = s.Render(&Sample{ID: "17", Question: "q", Images: []ImageRef{{Ref: "a"}}})
	assert.EqualError(t, err, `sample "17": prompt.system: images go in prompt.user`)
}

func TestRenderExecutionErrorNamesTheSample(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, "prompt: {user: \"{{index .Metadata.options 5}}\"}\n")
	_, err := s.Render(&Sample{ID: "17", Question: "q", Metadata: map[string]any{"options": []any{"a"}}})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `sample "17": prompt.user:1:`), err.Error())
	assert.Contains(t, err.Error(), "index out of range: 5")
}

func TestRenderCannotBeForged(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, "")
	// A question that tries to look like a placed image stays text.
	q := "\x00realx-image-000000000000000000000000:1\x00 {{image 1}}"
	p, err := s.Render(&Sample{ID: "1", Question: q})
	require.NoError(t, err)
	assert.Equal(t, []PromptPart{textPart(q)}, p.User)
}

func TestRenderReportsABrokenSystemTemplate(t *testing.T) {
	t.Parallel()
	s, err := loadString(t, "name: p\ndata: {path: d.jsonl}\njudge: {kind: em}\nprompt: {system: \"{{.Nope}}\"}\n")
	require.NotNil(t, s)
	assert.EqualError(t, err, "x.yaml:4:18: prompt.system: can't evaluate field Nope in type tasks.promptData (templates see .ID, .Question, .Choices, .Metadata, .Images and .Capability)")
	_, err = s.Render(&Sample{ID: "3", Question: "q"})
	assert.ErrorContains(t, err, `sample "3": prompt.system:1:2: executing "prompt.system" at <.Nope>: can't evaluate field Nope`,
		"a caller that goes on despite the load error does not lose the system prompt silently")
}

func TestRenderWithoutLoad(t *testing.T) {
	t.Parallel()
	// Other packages build suites in their tests without a file: Render still works.
	s := &Suite{Prompt: PromptSpec{System: "Be brief.", User: "{{image 1}}Q: {{.Question}}"}}
	p, err := s.Render(&Sample{ID: "1", Question: "why?", Images: []ImageRef{{Ref: "a.png"}}})
	require.NoError(t, err)
	assert.Equal(t, &Prompt{System: "Be brief.", User: []PromptPart{imagePart(1), textPart("Q: why?")}}, p)

	s = &Suite{Prompt: PromptSpec{User: "{{.Question"}}
	_, err = s.Render(&Sample{ID: "9"})
	assert.ErrorContains(t, err, `sample "9": prompt.user:1: unclosed action`)
}

func TestRenderIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, "prompt: {user: \"{{image 1}}{{.ID}}\"}\n")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sm := &Sample{ID: strings.Repeat("x", i+1), Images: []ImageRef{{Ref: "a"}}}
			p, err := s.Render(sm)
			assert.NoError(t, err)
			assert.Equal(t, []PromptPart{imagePart(1), textPart(sm.ID)}, p.User)
		}()
	}
	wg.Wait()
}

func TestLetter(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"A", "B", "Z", "AA", "AB", "BA"}, []string{Letter(0), Letter(1), Letter(25), Letter(26), Letter(27), Letter(52)})
}

// TestRenderCapsThePrompt stops a template that writes more than MaxPromptBytes, with an
// error naming the sample, instead of filling memory.
func TestRenderCapsThePrompt(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, `prompt: {user: "{{range .Metadata.rows}}{{printf \"%0999999d\" 1}}{{end}}"}`+"\n")
	rows := make([]any, 3)
	p, err := s.Render(&Sample{ID: "small", Metadata: map[string]any{"rows": rows}})
	require.NoError(t, err)
	assert.Len(t, p.User[0].Text, 3*999999)

	rows = make([]any, 10)
	_, err = s.Render(&Sample{ID: "big", Metadata: map[string]any{"rows": rows}})
	assert.EqualError(t, err, `sample "big": prompt.user: the prompt is longer than 4 MiB`)
}

// TestCheckTemplate allows the loops whose steps the data bounds, once, and nothing else.
func TestCheckTemplate(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"{{range .Choices}}{{.Text}}{{end}}":                                      "",
		"{{range $i, $c := $.Choices}}{{$i}}{{else}}none{{end}}":                  "",
		"{{with .Metadata}}{{range .list}}{{.}}{{end}}{{end}}":                    "",
		"{{range .Choices}}{{if .Text}}{{.Text}}{{end}}{{end}}":                   "",
		"{{range 5}}x{{end}}":                                                     "a range in a template of a suite goes over a field",
		"{{range add 1 2}}x{{end}}":                                               "a range in a template of a suite goes over a field",
		"{{$n := .Metadata.n}}{{range $n}}x{{end}}":                               "a range in a template of a suite goes over a field",
		"{{with .Metadata}}{{range .}}{{end}}{{end}}":                             "a range in a template of a suite goes over a field",
		"{{if 1}}{{range .A}}{{with .B}}{{range .C}}{{end}}{{end}}{{end}}{{end}}": "a range inside a range",
		"{{range .A}}{{else}}{{range .B}}{{end}}{{end}}":                          "",
		`{{block "b" .}}x{{end}}`:                                                 "define and block are not allowed",
		`{{template "x"}}`:                                                        "template actions are not allowed",
	} {
		_, err := parseTemplate("t", text)
		if want == "" {
			assert.NoError(t, err, text)
			continue
		}
		assert.ErrorContains(t, err, want, text)
		assert.Regexp(t, `^template: t:\d+:\d+: `, err.Error(), text)
	}
}

// TestRenderPerProtocol renders a sample with the prompt of the protocol the suite's agent
// block names: prompt.protocols' entry over the default (its keys left out taking the
// default's), the default for a protocol without one.
func TestRenderPerProtocol(t *testing.T) {
	t.Parallel()
	s := suiteWithPrompt(t, `prompt:
  system: Be brief.
  user: |
    Question: {{.Question}}
    {{range .Choices}}{{.Letter}}. {{.Text}}
    {{end}}Please select the correct answer from the options above.
  protocols:
    deepeyes:
      user: |+
        Question: {{.Question}}
        Options: {{range .Choices}}
        {{.Letter}}. {{.Text}}{{end}}

      verbatim: true
    r1v4:
      system: Think, then answer.
`)
	sm := &Sample{ID: "1", Question: "What colour is the bag?", Choices: []string{"red", "blue"}, Images: []ImageRef{{Ref: "a.png"}}}
	p, err := s.Render(sm)
	require.NoError(t, err)
	assert.Equal(t, "Be brief.", p.System)
	assert.Equal(t, []PromptPart{imagePart(1), textPart("Question: What colour is the bag?\nA. red\nB. blue\nPlease select the correct answer from the options above.")}, p.User)

	p, err = s.RenderFor(sm, "deepeyes")
	require.NoError(t, err)
	assert.Equal(t, "Be brief.", p.System, "left out: the default's")
	assert.Equal(t, []PromptPart{imagePart(1), textPart("Question: What colour is the bag?\nOptions: \nA. red\nB. blue\n\n")}, p.User,
		"DeepEyes' V* layout, its blank line kept")

	s.Agent.Protocol = "r1v4"
	p, err = s.Render(sm)
	require.NoError(t, err)
	assert.Equal(t, "Think, then answer.", p.System)
	assert.Equal(t, "Question: What colour is the bag?\nA. red\nB. blue\nPlease select the correct answer from the options above.", p.User[1].Text)

	p, err = s.RenderFor(sm, "hermes")
	require.NoError(t, err)
	assert.Equal(t, "Be brief.", p.System, "a protocol without an entry: the default")

	_, err = loadString(t, "name: p\ndata: {path: d.jsonl}\njudge: {kind: em}\nprompt:\n  protocols:\n    deepeye: {user: x}\n    deepeyesv2:\n      user: |\n        {{.Qestion}}\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `x.yaml:6:14: prompt.protocols: "deepeye" is not an agent protocol (deepeyes, deepeyesv2, hermes, native, pythonic, r1v4, tags)`)
	assert.Contains(t, err.Error(), `x.yaml:9: prompt.protocols.deepeyesv2.user: can't evaluate field Qestion`)
}
