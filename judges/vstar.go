package judges

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/realx-bench/realx/tasks"
)

// This file is DeepEyes' V* rule (Visual-Agent/DeepEyes, eval/judge_result.py): the model's
// answer, its first \boxed{…} unwrapped, is read against the gold option, which V* always puts
// first ("A. " and the gold text). What the rule cannot settle goes, in DeepEyes, to its
// seven-shot "Judgement: 1/0" LLM judge: a cascade's llm step with template vstar.

// vstarUnwrap unwraps the answer as judge_result.py does: the text between the first
// "\boxed{" and the first "}" after it.
func vstarUnwrap(answer string) string {
	if _, after, ok := strings.Cut(answer, `\boxed{`); ok {
		inner, _, _ := strings.Cut(after, "}")
		return inner
	}
	return answer
}

// vstarGold returns the gold option's letter and text: the option the gold answer names (by
// letter or by text), or, for a sample without options, "A" and the gold answer, as V* lays
// its options out.
func vstarGold(s *tasks.Sample) (letter, text string, err error) {
	if len(s.Choices) == 0 {
		return "A", s.Answer, nil
	}
	l, ok := goldLetter(s.Answer, s.Choices)
	if !ok {
		return "", "", fmt.Errorf("gold answer %q is neither an option letter nor an option's text", s.Answer)
	}
	return l, s.Choices[letterIndex(l)], nil
}

// gradeVStar is the V* rule: a one-character answer passes when it is the gold letter; a
// two-character one with a "." when it holds the gold letter; a longer one when it holds "A.
// <gold text>" (the gold letter and text). These verdicts are confident; any other answer is
// a fail that is not, for the LLM judge.
func gradeVStar(s *tasks.Sample, answer string) (Verdict, error) {
	letter, text, err := vstarGold(s)
	if err != nil {
		return Verdict{}, err
	}
	pred := vstarUnwrap(answer)
	switch n := utf8.RuneCountInString(pred); {
	case n == 1:
		return verdict(pred == letter, true, pred, "one character"), nil
	case n == 2 && strings.Contains(pred, "."):
		return verdict(strings.Contains(pred, letter), true, pred, "a letter and a dot"), nil
	case strings.Contains(pred, letter+". "+text):
		return verdict(true, true, pred, "holds the gold option"), nil
	}
	return verdict(false, false, pred, "not settled by the rule"), nil
}
