package mathequiv

import (
	"testing"
)

// isEquivCases are the test cases of the MATH benchmark's is_equiv, from
// hendrycks/math modeling/math_equivalence_test.py (class TestIsEquiv), re-expressed in Go. The
// Python strings are written here as raw strings with their escapes resolved ("\\\\frac" in the
// Python source is the two-backslash string `\\frac`). want is is_equiv's answer, except where
// the comment says this package differs on purpose.
var isEquivCases = []pair{
	{`\tfrac{1}{2} + \frac1{72}`, `\\frac{1}{2} + 2/3`, ne},            // test_fractions
	{`10, 4, 2`, `4, 12, 2`, ne},                                       // test_order2
	{`\tfrac{1}{2} +\! \frac1{72}`, `\\dfrac{1}{2} +\frac{1}{72}`, eq}, // test_dfrac
	{`10\text{ units}`, `10 `, eq},                                     // test_units
	{`10\text{ units}`, `100 `, ne},                                    // test_units2
	{`10`, `\$10`, eq},                                                 // test_dollars
	{`\left(x-2\right)\left(x+2\right)`, `(x-2)(x+2)`, eq},             // test_parentheses
	{`0.1`, `.1`, eq},                                                  // test_decimals2
	{`10\%`, `10`, eq},                                                 // test_percentage
	{`10\sqrt{3} + \sqrt4`, `10\sqrt3 + \sqrt{4}`, eq},                 // test_sqrt
	{`\frac34i`, `\frac{3}{4}i`, eq},                                   // test_frac
	{`\tfrac83`, `\frac{8}{3}`, eq},                                    // test_tfrac
	{`5x - 7y + 11z + 4 = 0`, `x + y - z + 2 = 0`, ne},                 // test_expression
	{`1/2`, `\frac{1}{2}`, eq},                                         // test_half

	// is_equiv compares strings, so the same numbers in another order differ (test_order,
	// test_decimals). So they do here, though not confidently: MATH answers written "a, b, c"
	// often list all solutions in any order ("Enter all the solutions, separated by commas"),
	// which Math-Verify reads as a set, and a cascade's LLM judge may accept them.
	{`10, 4, -2`, `4, 10, -2`, unsure}, // test_order
	{`0.1, 4, 2`, `4, .1, 2`, unsure},  // test_decimals
}

func TestIsEquivCases(t *testing.T) {
	t.Parallel()
	check(t, isEquivCases)
}
