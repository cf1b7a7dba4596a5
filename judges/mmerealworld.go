package judges

import (
	"regexp"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// This file is the multiple-choice rule of MME-RealWorld and TreeBench as VLMEvalKit scores
// them (vlmeval/dataset/image_mcq.py, MMERealWorld.evaluate and TreeBench.evaluate, with
// extract_characters_regex of vlmeval/dataset/utils/multiple_choice.py; DeepEyesV2 ships the
// same in evaluation/VLMEvalKit). Its quirks are kept, as they decide the published figures:
// the prefixes "The best option is" and "The correct option is" (and "Best answer:" and "Best
// option:") are one string each in the source (a missing comma), so neither is removed; the
// first capital A to E anywhere is the answer, so "Exactly. B" reads as E; a boxed "(A)" is
// returned as "(A)", which never equals a gold letter; and an empty answer, which every
// choice contains, reads as A.

var (
	mmeAnswerTag = regexp.MustCompile(`(?s)<answer>(.*?)</answer>`)
	mmeBoxed     = regexp.MustCompile(`.*\\boxed\{([^}]*)\}`)
	mmeLetter    = regexp.MustCompile(`[ABCDE]`)
	mmeChoices   = []string{"(A)", "(B)", "(C)", "(D)", "(E)"}
	mmePrefixes  = []string{"The best answer is", "The correct answer is", "The answer is", "The answer",
		"The best option isThe correct option is", "Best answer:Best option:"}
)

// mmeExtract is VLMEvalKit's extract_characters_regex: the option letter an answer names, ""
// when it names none.
func mmeExtract(s string) string {
	s = strings.TrimSpace(s)
	if m := mmeBoxed.FindStringSubmatch(s); m != nil {
		for _, c := range mmeChoices {
			if m[1] == c {
				return m[1]
			}
		}
	}
	for _, p := range mmePrefixes {
		s = strings.ReplaceAll(s, p, "")
	}
	if len(strings.Fields(s)) > 10 && !mmeLetter.MatchString(s) {
		return ""
	}
	if l := mmeLetter.FindString(s); l != "" {
		return l
	}
	for _, c := range mmeChoices {
		if strings.Contains(strings.ToLower(c), strings.ToLower(s)) {
			return c[1:2]
		}
	}
	return ""
}

// gradeMMERealWorld grades an answer as MME-RealWorld's and TreeBench's scorers do: the text
// of its first <answer> tag, trimmed and upper-cased, when it has one (an agent's answer
// usually comes without), else the answer as it is, read by mmeExtract and compared with the
// gold letter. Every verdict is confident: the scorers ask no one (an answer naming no letter
// scores 0).
func gradeMMERealWorld(s *tasks.Sample, answer string) (Verdict, error) {
	pred := answer
	if m := mmeAnswerTag.FindStringSubmatch(pred); m != nil {
		pred = strings.ToUpper(strings.TrimSpace(m[1]))
	}
	gold := strings.TrimSpace(s.Answer)
	if l, ok := goldLetter(gold, s.Choices); ok {
		gold = l
	}
	got := mmeExtract(pred)
	if got == "" {
		return verdict(false, true, "", "names no option"), nil
	}
	return verdict(got == gold, true, got, "option "+got), nil
}
