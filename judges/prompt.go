package judges

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/realx-bench/realx/tasks"
)

// This file renders an LLM judge's prompt, with the model's answer fenced, and reads the
// verdict out of the judge's reply, from its last verdict token only.

// promptData is what a judge template sees.
type promptData struct {
	// Question is the sample's question.
	Question string
	// Answer is the model's answer between AnswerBegin and AnswerEnd, each on its own line.
	Answer string
	// Response is the model's answer as it is, without markers or fencing, as a source's
	// prompt shows it (the verbatim templates, whose sources' reply parsing no fence would
	// protect: an extraction prompt's reply is the answer itself).
	Response string
	// Gold is the gold answer; Alternatives the further acceptable ones; Golds all of them.
	Gold         string
	Alternatives []string
	Golds        []string
	// GoldOption is the gold option of a multiple-choice question as "B. text" (the gold
	// answer itself when it names no option).
	GoldOption string
	// Choices are the options of a multiple-choice question; Letters their letters, as
	// "A, B, C".
	Choices []promptChoice
	Letters string
	// CJK is true when the question has Chinese characters (VLMEvalKit's cn_string).
	CJK bool
	// Metadata are the sample's metadata fields (MathVista's question_type, unit …).
	Metadata map[string]any
}

type promptChoice struct{ Letter, Text string }

// parseTemplate parses a judge template (Go text/template, missing keys an error) and
// refuses, as for a suite's prompt templates, what could run without bound
// (tasks.CheckTemplate): a template file comes with a suite or a judge file.
func parseTemplate(text string) (*template.Template, error) {
	t, err := template.New("judge").Option("missingkey=error").Parse(text)
	if err == nil {
		err = tasks.CheckTemplate(t)
	}
	if err != nil {
		return nil, fmt.Errorf("judge template: %v", strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, nil
}

// checkTemplate reports a template that does not parse, fails on a sample, or never shows the
// model's answer (.Answer).
func checkTemplate(text string) error {
	t, err := parseTemplate(text)
	if err != nil {
		return err
	}
	const probe = "realx-probe-answer"
	s := &tasks.Sample{Question: "q", Answer: "g", Alternatives: []string{"h"}, Choices: []string{"x", "y"}}
	out, err := render(t, s, probe)
	if err != nil {
		return err
	}
	if !strings.Contains(out, probe) {
		return fmt.Errorf("judge template never shows the model's answer: place {{.Answer}} in it")
	}
	return nil
}

// render fills template t for sample s and the model's answer, to at most
// tasks.MaxPromptBytes.
func render(t *template.Template, s *tasks.Sample, answer string) (string, error) {
	golds := s.Answers()
	d := promptData{
		Question: fence(s.Question),
		Answer:   AnswerBegin + "\n" + fence(answer) + "\n" + AnswerEnd,
		Response: answer,
		Gold:     fence(s.Answer),
		CJK:      strings.ContainsFunc(s.Question, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }),
		Metadata: s.Metadata,
	}
	d.GoldOption = d.Gold
	if l, ok := goldLetter(s.Answer, s.Choices); ok {
		d.GoldOption = l + ". " + fence(s.Choices[letterIndex(l)])
	}
	for _, g := range golds {
		d.Golds = append(d.Golds, fence(g))
	}
	if len(golds) > 0 && golds[0] == s.Answer {
		d.Alternatives = d.Golds[1:]
	} else {
		d.Alternatives = d.Golds
	}
	letters := make([]string, len(s.Choices))
	for i, c := range s.Choices {
		letters[i] = tasks.Letter(i)
		d.Choices = append(d.Choices, promptChoice{Letter: letters[i], Text: fence(c)})
	}
	d.Letters = strings.Join(letters, ", ")
	var b strings.Builder
	if err := tasks.ExecuteCapped(t, &b, d); err != nil {
		return "", fmt.Errorf("judge template: %v", strings.TrimPrefix(err.Error(), "template: "))
	}
	return b.String(), nil
}

var (
	// fenceTagRe finds text that looks like an answer marker: "[BEGIN …", "[END …".
	fenceTagRe = regexp.MustCompile(`(?i)\[(\s*)(begin|end)\b`)
	// labelRe finds a verdict label: "GRADE:", "OPTION:" (any case, Markdown bold allowed).
	labelRe = regexp.MustCompile(`(?i)\b(grade|option)(\s*\**\s*):`)
)

// fence neutralises, in text put into a judge prompt, everything that could close the answer's
// markers or pose as a verdict: the "[" of "[BEGIN"/"[END" becomes "［", the backslash of
// \boxed and \fbox becomes "＼", and the colon after GRADE or OPTION becomes "：". A reader
// still sees what the answer said; the verdict parsers, which read only the ASCII forms, do
// not, even when the judge quotes the answer back.
func fence(text string) string {
	text = fenceTagRe.ReplaceAllString(text, "［$1$2")
	text = strings.ReplaceAll(text, `\boxed`, `＼boxed`)
	text = strings.ReplaceAll(text, `\fbox`, `＼fbox`)
	return labelRe.ReplaceAllString(text, "$1$2：")
}

// verdictRule reads a verdict out of a judge's reply.
type verdictRule struct {
	// parse returns the verdict of the reply's last verdict token, and false when the reply
	// holds none.
	parse func(reply string, s *tasks.Sample) (Verdict, bool)
	// decides is true when every verdict it reads is confident, so that a cascade never
	// reaches a step after it.
	decides bool
	// needsChoices is true when the sample must have options.
	needsChoices bool
	// prefetch, when set, decides without asking where it can (VLMEvalKit's can_infer on
	// the answer before its matcher is asked).
	prefetch func(s *tasks.Sample, answer string) (Verdict, bool)
	// tries is the number of times the judge is asked when the spec sets no retries (0:
	// 1+DefaultRetries).
	tries int
	// exhausted, when set, is the verdict when the last try's reply held none
	// (VLMEvalKit's random option); otherwise that is a judge failure.
	exhausted func(s *tasks.Sample) Verdict
	// extracts marks an extraction prompt's rule: its verdict's Extracted is the reply's
	// answer, even when empty.
	extracts bool
	// prepare, when set, rewrites the extracted answer before the judge sees it (V*'s
	// \boxed unwrapping).
	prepare func(answer string) string
}

// verdictRules are the rules of the shipped templates, by name.
var verdictRules = map[string]verdictRule{
	TemplateEquivalence:      {parse: parseYesNo, decides: true},
	TemplateSimpleQA:         {parse: parseGrade, decides: true},
	TemplateOption:           {parse: parseOption, needsChoices: true},
	TemplateVerify:           {parse: parseVerify, decides: true},
	TemplateVStar:            {parse: parseVStar, decides: true, prepare: vstarUnwrap},
	TemplateSimpleQAOfficial: {parse: parseFirstGrade, decides: true},
	TemplateVLMEvalKitOption: vlmevalkitOption,
	TemplateWebWatcher:       {parse: parseWebWatcher, decides: true},
	promptMathVistaExtract:   {parse: parseExtraction, extracts: true},
	promptVLMEvalKitExtract:  {parse: parseAnyReply, extracts: true},
}

// alwaysDecides reports whether the judge spec declares gives only confident verdicts.
func alwaysDecides(spec tasks.JudgeSpec) bool {
	return spec.Kind == KindLLM && verdictRules[verdictName(spec)].decides
}

// textWrapRe unwraps \text{…} and the like inside a box.
var textWrapRe = regexp.MustCompile(`^\\(?:text|textbf|mathrm|mathbf|textit)\s*\{(.*)\}$`)

// parseYesNo reads the last \boxed{Yes} or \boxed{No} of reply (any case, \text{} inside
// allowed); a reply that is only "Yes" or "No" counts too. Other boxes are not verdicts.
func parseYesNo(reply string, _ *tasks.Sample) (Verdict, bool) {
	last := ""
	var closing []int32
	for i := strings.Index(reply, `\boxed`); i >= 0; {
		if closing == nil {
			closing = matchBraces(reply)
		}
		if content, _, ok := boxContent(reply, i+len(`\boxed`), closing); ok {
			if m := textWrapRe.FindStringSubmatch(content); m != nil {
				content = m[1]
			}
			switch w := strings.ToLower(strings.Trim(strings.TrimSpace(content), ".*")); w {
			case "yes", "no":
				last = w
			}
		}
		next := strings.Index(reply[i+1:], `\boxed`)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	if last == "" {
		last = bareWord(reply, "yes", "no")
	}
	if last == "" {
		return Verdict{}, false
	}
	return consistency(last == "yes"), true
}

// consistency is an equivalence judge's verdict: consistent with the reference or not.
func consistency(consistent bool) Verdict {
	if consistent {
		return Verdict{Pass: true, Score: 1, Confident: true, Reason: "judged consistent with the reference"}
	}
	return Verdict{Confident: true, Reason: "judged not consistent with the reference"}
}

// bareWord returns the reply, lower-cased, when it is nothing but one of words (give or take
// quotes, Markdown bold and a final full stop); "" otherwise.
func bareWord(reply string, words ...string) string {
	w := strings.ToLower(strings.Trim(strings.TrimSpace(reply), "*\"'`."))
	if slices.Contains(words, w) {
		return w
	}
	return ""
}

// gradeRe finds SimpleQA grades: "GRADE: A".
var gradeRe = regexp.MustCompile(`(?i)\bgrade\s*\**\s*:\s*\**\s*([abc])\b`)

// The SimpleQA grades.
const (
	gradeCorrect      = "correct"
	gradeIncorrect    = "incorrect"
	gradeNotAttempted = "not_attempted"
)

// parseGrade reads the last "GRADE: A|B|C" of reply; a reply that is only the letter, or only
// CORRECT, INCORRECT or NOT_ATTEMPTED, counts too. C (not attempted) is a confident fail with
// Reason "not_attempted".
func parseGrade(reply string, _ *tasks.Sample) (Verdict, bool) {
	letter := ""
	if ms := gradeRe.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
		letter = strings.ToLower(ms[len(ms)-1][1])
	} else {
		switch bareWord(reply, "a", "b", "c", gradeCorrect, gradeIncorrect, gradeNotAttempted, "not attempted") {
		case "a", gradeCorrect:
			letter = "a"
		case "b", gradeIncorrect:
			letter = "b"
		case "c", gradeNotAttempted, "not attempted":
			letter = "c"
		}
	}
	switch letter {
	case "a":
		return Verdict{Pass: true, Score: 1, Confident: true, Reason: gradeCorrect}, true
	case "b":
		return Verdict{Confident: true, Reason: gradeIncorrect}, true
	case "c":
		return Verdict{Confident: true, Reason: gradeNotAttempted}, true
	}
	return Verdict{}, false
}

// optionRe finds option labels: "OPTION: B".
var optionRe = regexp.MustCompile(`(?i)\boption\s*\**\s*:\s*\**\s*\(?([a-z]{1,2})\b`)

// parseOption reads the last "OPTION: X" of reply, X an option letter of the sample or Z; a
// reply that is only the letter counts too. The verdict passes when X is a gold option; Z
// (no option) is a fail that is not confident, for a later cascade step to settle.
func parseOption(reply string, s *tasks.Sample) (Verdict, bool) {
	letter := ""
	if ms := optionRe.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
		letter = strings.ToUpper(ms[len(ms)-1][1])
	} else {
		letter = strings.ToUpper(bareWord(reply, optionLetters(s)...))
	}
	if letter == noOption {
		return verdict(false, false, noOption, "no option"), true
	}
	if !slices.Contains(optionLetters(s), strings.ToLower(letter)) {
		return Verdict{}, false
	}
	gold, _ := goldLetters(s) // Judge checked them
	return verdict(slices.Contains(gold, letter), true, letter, "option by the judge"), true
}

// optionLetters returns the sample's option letters and "z", lower-cased.
func optionLetters(s *tasks.Sample) []string {
	out := []string{strings.ToLower(noOption)}
	for i := range s.Choices {
		out = append(out, strings.ToLower(tasks.Letter(i)))
	}
	return out
}
