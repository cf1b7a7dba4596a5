package judges

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/judges/mathequiv"
	"github.com/realx-bench/realx/tasks"
)

var (
	decimalRe   = regexp.MustCompile(`^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$`)
	thousandsRe = regexp.MustCompile(`^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$`)
)

// ParseNumber reads a plain number: an optional sign (a Unicode minus too), digits with
// optional thousands separators, decimals and exponent, or a fraction a/b of two such
// numbers. Surrounding whitespace, "$", a trailing "%" and a final "." are ignored ("$1,234.5"
// is 1234.5, "50%" is 50). Infinities, NaN, hexadecimal and anything with words are not
// numbers.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.Trim(s, "$"))
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimSpace(strings.TrimSuffix(s, "%"))
	s = strings.ReplaceAll(s, "−", "-")
	if num, den, ok := strings.Cut(s, "/"); ok {
		a, okA := parseDecimal(strings.TrimSpace(num))
		b, okB := parseDecimal(strings.TrimSpace(den))
		if !okA || !okB || b == 0 {
			return 0, false
		}
		return a / b, true
	}
	return parseDecimal(s)
}

// parseDecimal reads a signed decimal literal, with thousands separators allowed.
func parseDecimal(s string) (float64, bool) {
	if thousandsRe.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if !decimalRe.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// numericGrader passes when the answer is within tolerance of a gold:
// |answer − gold| ≤ max(relTol·|gold|, absTol). An answer that ParseNumber does not read is
// evaluated by mathequiv.Number when it is one number in LaTeX (\frac{1}{2}, 2\sqrt{3}). A cleanly parsed number out of tolerance is a
// confident fail; an answer that is not a number is a fail that is not confident. Golds that
// are not numbers are skipped; a sample with none is an error.
func numericGrader(relTol, absTol float64) grader {
	return func(s *tasks.Sample, answer string) (Verdict, error) {
		var golds []float64
		for _, g := range s.Answers() {
			if f, ok := ParseNumber(g); ok {
				golds = append(golds, f)
			}
		}
		if len(golds) == 0 {
			return Verdict{}, fmt.Errorf("no gold answer is a number: %q", s.Answers())
		}
		a, ok := ParseNumber(answer)
		if !ok {
			a, ok = mathequiv.Number(answer)
		}
		if !ok {
			return verdict(false, false, answer, "not a number"), nil
		}
		for _, g := range golds {
			if math.Abs(a-g) <= max(relTol*math.Abs(g), absTol) {
				return verdict(true, true, answer, "within tolerance"), nil
			}
		}
		return verdict(false, true, answer, "out of tolerance"), nil
	}
}

// mathGrader compares the answer with each gold by mathequiv.Compare, passing when any is
// equal. A gold is read as Math-Verify reads one (goldAnswer), and an answer that is a chain of
// equalities stands for its last side, as Math-Verify reads a prediction
// (mathequiv.Options.ResultSide). The tolerances, when set, go to
// mathequiv; unset, its own defaults apply. A fail is confident only when every comparison
// was.
func mathGrader(relTol, absTol *float64) grader {
	opt := mathequiv.Options{ResultSide: true}
	if relTol != nil {
		opt.RelTol = *relTol
	}
	if absTol != nil {
		opt.AbsTol = *absTol
	}
	return func(s *tasks.Sample, answer string) (Verdict, error) {
		var first mathequiv.Outcome
		confident := true
		for i, g := range s.Answers() {
			out := mathequiv.Compare(answer, goldAnswer(g), opt)
			if out.Equal {
				return verdict(true, true, out.Answer, out.Reason), nil
			}
			if i == 0 {
				first = out
			}
			confident = confident && out.Confident
		}
		return verdict(false, confident, first.Answer, first.Reason), nil
	}
}

// goldAnswer returns the answer a math gold states. A gold as the MATH benchmark writes one
// ("\frac{1}{2}", "x \in [0, 1)") is itself; one written as a solution or in math delimiters,
// as Math-Verify's test cases are, gives its last boxes (goldBoxes), or else its last math span
// ("$125$ miles"), as Math-Verify parses its golds with the extraction it applies to answers.
// No number is picked out of a gold's prose.
func goldAnswer(gold string) string {
	if !strings.ContainsAny(gold, `$\`) {
		return gold
	}
	if boxes := goldBoxes(gold); len(boxes) > 0 {
		slices.Reverse(boxes) // joinParts takes them last to first
		return joinParts(boxes)
	}
	return Extract(gold, []string{"latex"})
}
