package judges

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/tasks"
)

// This file is MathVista's official scoring rule (lupantech/MathVista,
// evaluation/calculate_score.py: normalize_extracted_answer and safe_equal), re-expressed in
// Go. Its inputs are the sample's choices, its metadata fields question_type, answer_type and
// precision, and the extracted answer; the verdict is plain string equality between the
// normalised answer and the gold answer. Python's None (a normalisation that raised) is
// represented by ok=false and never equals the gold answer.

// optionLetterRe finds "(b)" in "(b) 12 cm": the official scorer takes the first such letter.
var optionLetterRe = regexp.MustCompile(`\(([a-zA-Z])\)`)

// mathVistaNorm is the outcome of MathVista's normalisation.
type mathVistaNorm struct {
	pred      string // the normalised prediction
	ok        bool   // false for Python's None
	confident bool   // the rule can vouch for a mismatch
	reason    string
}

// normalizeMathVista applies the official normalize_extracted_answer: a multiple-choice
// answer becomes the text of the option it names by letter, or else of the option nearest
// in edit distance; an integer answer becomes str(int(float(x))); a float answer
// str(round(float(x), int(precision))); anything else stays as it is.
func normalizeMathVista(extraction string, choices []string, questionType, answerType string, precision any) (mathVistaNorm, error) {
	switch {
	case questionType == "multi_choice":
		if len(choices) == 0 {
			return mathVistaNorm{}, fmt.Errorf("multi_choice question without choices")
		}
		x := pyStrip(extraction)
		if m := optionLetterRe.FindStringSubmatch(x); m != nil {
			x = strings.ToUpper(m[1])
		}
		for i := range choices {
			if x == tasks.Letter(i) {
				return mathVistaNorm{pred: choices[i], ok: true, confident: true, reason: "option " + x}, nil
			}
		}
		best, bestDist := 0, -1
		for i, c := range choices {
			if d := levenshtein.ComputeDistance(x, c); bestDist < 0 || d < bestDist {
				best, bestDist = i, d
			}
		}
		if bestDist == 0 {
			return mathVistaNorm{pred: choices[best], ok: true, confident: true, reason: "option text"}, nil
		}
		return mathVistaNorm{pred: choices[best], ok: true,
			reason: fmt.Sprintf("nearest option (edit distance %d)", bestDist)}, nil
	case answerType == "integer":
		f, err := pyFloat(extraction)
		if err != nil {
			return mathVistaNorm{reason: "not a number"}, nil
		}
		s, err := pyIntOfFloat(f)
		if err != nil {
			return mathVistaNorm{reason: "not a finite number"}, nil
		}
		return mathVistaNorm{pred: s, ok: true, confident: true, reason: "integer"}, nil
	case answerType == "float":
		n, ok := pyIntOf(precision)
		if !ok {
			return mathVistaNorm{reason: fmt.Sprintf("precision %v is not an integer", precision)}, nil
		}
		f, err := pyFloat(extraction)
		if err != nil {
			return mathVistaNorm{reason: "not a number"}, nil
		}
		r, err := pyRound(f, n)
		if err != nil {
			return mathVistaNorm{reason: "rounded value too large"}, nil
		}
		return mathVistaNorm{pred: pycall.ReprFloat(r), ok: true, confident: true,
			reason: fmt.Sprintf("float rounded to %d places", n)}, nil
	}
	// list, text and anything else: str(extraction), compared as a string.
	return mathVistaNorm{pred: extraction, ok: true, reason: "string"}, nil
}

// gradeMathVista grades as MathVista's calculate_score.py does. question_type defaults to
// multi_choice when the sample has choices and free_form otherwise; answer_type defaults to
// text.
func gradeMathVista(s *tasks.Sample, extraction string) (Verdict, error) {
	qt, at := metaString(s.Metadata, "question_type"), metaString(s.Metadata, "answer_type")
	if qt == "" {
		qt = "free_form"
		if len(s.Choices) > 0 {
			qt = "multi_choice"
		}
	}
	if at == "" {
		at = "text"
	}
	n, err := normalizeMathVista(extraction, s.Choices, qt, at, s.Metadata["precision"])
	if err != nil {
		return Verdict{}, err
	}
	if !n.ok {
		return verdict(false, false, "", n.reason), nil
	}
	pass := n.pred == s.Answer
	return verdict(pass, n.confident, n.pred, n.reason), nil
}

// metaString returns a metadata field as a string, "" when it is absent or not a string.
func metaString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
