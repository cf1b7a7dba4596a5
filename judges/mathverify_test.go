package judges

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// Math-Verify's test suite (huggingface/Math-Verify, tests/; testdata/mathverify/README.md) is
// the yardstick of the math judge on raw answers: each case's gold and prediction go through
// the judge as given, extraction included, and its verdict is compared with Math-Verify's.

// mathVerifyDisagreements are the cases where the math judge decides otherwise than
// Math-Verify, and why. Every other case must agree; docs/judges.md explains the choices.
var mathVerifyDisagreements = map[string]string{
	// A decimal comma: Math-Verify reads "1000,99", "1,22", "2,74" and "0,111" as decimals.
	// realx reads a comma as a separator of list elements ("-2,1", the MATH way of giving all
	// solutions) or of thousands (1,000): on purpose.
	"test_all.py::test_number_extraction[5]":  "decimal comma: 1000,99 is a list here",
	"test_all.py::test_number_extraction[6]":  "decimal comma: 1,22 is a list here",
	"test_all.py::test_number_extraction[7]":  "decimal comma: the last number of \"2,74 $\" is 2 here",
	"test_all.py::test_number_extraction[17]": "decimal comma: 0,111 is a list here",
	// Settings realx has no counterpart of: the same strings are expected equal with one
	// setting and different with the other, and realx gives one answer.
	"test_all.py::test_set_rel_assymetry[3]":             "allow_set_relation_comp=False: realx always compares an inequality with the interval it denotes",
	"test_strict.py::test_strict_variable_comparison[1]": "strict=False: realx never renames variables, so f(x) and f(y) differ",
	// Math-Verify reads the last number of both: "-1" (its gold is an unclosed \boxed). realx
	// picks no number out of a gold's prose, and W(n) = 1 is not W(x) = 1.
	"test_numina_cases.py::test_numina_cases[24]": "an unclosed box in the gold: Math-Verify compares the last numbers",
	// 1 − 1/e and 1 + 1/e differ; Math-Verify's expectation is an error of its own.
	"test_yujianll.py::test_string_extraction[9]": "1 - 1/e is not 1 + 1/e",
}

// mathVerifyCase is one case of testdata/mathverify/cases.jsonl.
type mathVerifyCase struct {
	ID       string `json:"id"`
	Expected int    `json:"expected"`
	Config   struct {
		MatchTypes []string `json:"match_types"`
		Precision  *int     `json:"precision"`
	} `json:"config"`
	row map[string]any
}

// readMathVerifyCases reads the cases of a test data file (cases.jsonl of mathverify or
// isequiv).
func readMathVerifyCases(t *testing.T, path string) []mathVerifyCase {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []mathVerifyCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var c mathVerifyCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c.row))
		out = append(out, c)
	}
	require.NoError(t, sc.Err())
	return out
}

// latexOnlyExtract is the math chain without the number extractor: Math-Verify's
// match_types=["latex"], under which a bare number in prose is no answer.
var latexOnlyExtract = []string{"strip_think", "answer_tag", "answer_is", "boxed", "latex", "expression"}

// mathVerifySpec is the math judge a case's settings map to: latex-only extraction, and for a
// precision of p decimals an absolute tolerance of half a unit in the p-th place.
func mathVerifySpec(c mathVerifyCase) tasks.JudgeSpec {
	spec := tasks.JudgeSpec{Kind: KindMath}
	if slices.Equal(c.Config.MatchTypes, []string{"latex"}) {
		spec.Extract = latexOnlyExtract
	}
	if p := c.Config.Precision; p != nil && *p != 6 {
		tol, _ := strconv.ParseFloat(fmt.Sprintf("5e-%d", *p+1), 64)
		spec.AbsTol = &tol
	}
	return spec
}

func TestMathVerifySuite(t *testing.T) {
	cases := readMathVerifyCases(t, "testdata/mathverify/cases.jsonl")
	require.Len(t, cases, 270)
	var disagree []string
	for _, c := range cases {
		j, err := New(mathVerifySpec(c))
		require.NoError(t, err)
		s, output, err := FromRow(c.row)
		require.NoError(t, err, c.ID)
		v, err := j.Judge(context.Background(), s, output)
		require.NoError(t, err, c.ID)
		if v.Pass != (c.Expected == 1) {
			disagree = append(disagree, c.ID)
			if _, known := mathVerifyDisagreements[c.ID]; !known {
				t.Errorf("%s: Math-Verify says %d, realx %v (extracted %q, %s)", c.ID, c.Expected, v.Pass, v.Extracted, v.Reason)
			}
		}
	}
	for id := range mathVerifyDisagreements {
		assert.Contains(t, disagree, id, "listed as a disagreement, but agrees now: take it off the list")
	}
	agreement := float64(len(cases)-len(disagree)) / float64(len(cases))
	assert.GreaterOrEqual(t, agreement, 0.97, "%d of %d agree", len(cases)-len(disagree), len(cases))
}

// TestIsEquivSuite runs the MATH benchmark's is_equiv test cases (hendrycks/math,
// modeling/math_equivalence_test.py; testdata/isequiv/README.md) through the math judge: all
// 16 agree.
func TestIsEquivSuite(t *testing.T) {
	cases := readMathVerifyCases(t, "testdata/isequiv/cases.jsonl")
	require.Len(t, cases, 16)
	j, err := New(tasks.JudgeSpec{Kind: KindMath})
	require.NoError(t, err)
	for _, c := range cases {
		s, output, err := FromRow(c.row)
		require.NoError(t, err)
		v, err := j.Judge(context.Background(), s, output)
		require.NoError(t, err)
		assert.Equal(t, c.Expected == 1, v.Pass, "%s: extracted %q, %s", strings.TrimPrefix(c.ID, "math_equivalence_test.py::"), v.Extracted, v.Reason)
	}
}
