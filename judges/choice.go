package judges

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/realx-bench/realx/tasks"
)

// This file is VLMEvalKit's rule for reading an option out of a free-form answer
// (vlmeval/utils/matching_util.py: can_infer, can_infer_option, can_infer_text), the first
// step of its multiple-choice evaluation. When it finds nothing VLMEvalKit asks a GPT model to
// match the answer to an option; here the verdict is then "Z" (no option), not confident, for
// the cascade's LLM judge to settle.

// noOption is VLMEvalKit's letter for "the answer names no option".
const noOption = "Z"

// refusals are the phrases VLMEvalKit reads as a refusal to answer (option Z).
var refusals = []string{
	"Sorry, I can't help with images of people yet.",
	"I can't process this file.",
	"I'm sorry, but without the image provided",
	"Cannot determine the answer",
}

// optionPunct are the characters can_infer_option turns into spaces before splitting.
const optionPunct = ".()[],:;!*#{}"

// inferOption is can_infer_option: it returns an option letter, "Z" for a refusal or a lone
// "Z", or "" when the answer does not name an option by letter. The letter must be the only
// option letter among the answer's tokens and its first occurrence must be among the last
// four tokens (VLMEvalKit: splits.index(ch) > len(splits) - 5), so "B" and "The answer is B."
// name B but "A cat sits on the mat" does not name A. VLMEvalKit only treats a capital "A"
// specially (as a likely article) when its VERBOSE variable is set; by default, as here, the
// position rule alone protects against it.
func inferOption(answer string, letters []string) string {
	if strings.Contains(answer, "Failed to obtain answer via API") {
		return ""
	}
	for _, r := range refusals {
		if strings.Contains(answer, r) {
			return noOption
		}
	}
	mod := answer
	for _, c := range optionPunct {
		mod = strings.ReplaceAll(mod, string(c), " ")
	}
	splits := pyFields(mod)
	var found []string
	for _, l := range letters {
		if slices.Contains(splits, l) {
			found = append(found, l)
		}
	}
	switch {
	case len(found) == 1:
		if slices.Index(splits, found[0]) > len(splits)-5 {
			return found[0]
		}
	case len(found) == 0 && slices.Contains(splits, noOption):
		return noOption
	}
	return ""
}

// inferText is can_infer_text: the option whose text (lower-cased) the lower-cased answer
// contains, when exactly one does and the answer is at most twice as long as all the options'
// texts together; "" otherwise.
func inferText(answer string, letters, texts []string) string {
	low := strings.ToLower(answer)
	total := 0
	for _, t := range texts {
		total += utf8.RuneCountInString(t)
	}
	if utf8.RuneCountInString(low) > 2*total {
		return ""
	}
	var cands []string
	for i, t := range texts {
		if strings.Contains(low, strings.ToLower(t)) {
			cands = append(cands, letters[i])
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	return ""
}

// canInfer is VLMEvalKit's can_infer: the option read by letter, else by text. It also says
// how: "letter", "text", "refusal", or "" when nothing was found.
func canInfer(answer string, choices []string) (letter, how string) {
	letters := make([]string, len(choices))
	for i := range choices {
		letters[i] = tasks.Letter(i)
	}
	switch opt := inferOption(answer, letters); {
	case opt == noOption && slices.ContainsFunc(refusals, func(r string) bool { return strings.Contains(answer, r) }):
		return noOption, "refusal"
	case opt != "":
		return opt, "letter"
	}
	if opt := inferText(answer, letters, choices); opt != "" {
		return opt, "text"
	}
	return "", ""
}

// goldLetters maps the sample's gold answers to option letters: a gold may be a letter ("B",
// "(b)", "B.") or the text of an option.
func goldLetters(s *tasks.Sample) ([]string, error) {
	var out []string
	for _, g := range s.Answers() {
		l, ok := goldLetter(g, s.Choices)
		if !ok {
			return nil, fmt.Errorf("gold answer %q is neither an option letter nor an option's text", g)
		}
		out = append(out, l)
	}
	return out, nil
}

func goldLetter(gold string, choices []string) (string, bool) {
	g := strings.TrimSpace(gold)
	l := strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(g, "("), "."), ")"))
	for i, c := range choices {
		if l == tasks.Letter(i) {
			return l, true
		}
		if strings.EqualFold(strings.TrimSpace(c), g) {
			return tasks.Letter(i), true
		}
	}
	return "", false
}

// gradeChoice grades a multiple-choice answer with can_infer. Extracted is the option letter,
// or "Z" with Reason "no option" when the answer names none (distinct from a wrong option).
// A letter read cleanly (by letter or by text) is a confident verdict; "no option" is not, and
// neither is a refusal (Reason "no option (refusal)"): DeepEyesV2 asks its verify.md judge
// about every Z, and a cascade may too.
func gradeChoice(s *tasks.Sample, answer string) (Verdict, error) {
	if len(s.Choices) == 0 {
		return Verdict{}, fmt.Errorf("the choice judge needs the sample's choices")
	}
	gold, err := goldLetters(s)
	if err != nil {
		return Verdict{}, err
	}
	letter, how := canInfer(answer, s.Choices)
	switch how {
	case "":
		return verdict(false, false, noOption, "no option"), nil
	case "refusal":
		return verdict(false, false, noOption, "no option (refusal)"), nil
	}
	if letter == noOption && len(s.Choices) < 26 { // a lone "Z" token, not a 26th option
		return verdict(false, false, noOption, "no option"), nil
	}
	return verdict(slices.Contains(gold, letter), true, letter, "option by "+how), nil
}
