package pycalc_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/env/tau2/pycalc"
)

// TestCalculate evaluates as Python's eval does, rounded to two decimals as Python's round
// rounds (1.115 is 1.11499…, so 1.11), with Python's errors. The domains' reference tests
// check many more expressions against τ2's own outputs.
func TestCalculate(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		"2 + 2": "4.0", "10 / 3": "3.33", "2**3": "8.0", "-(1+2)*3": "-9.0", "7 // 2": "3.0", "-2**2": "-4.0",
		"(1000 - 250) * 0.5": "375.0", "0.125": "0.12", "1.115": "1.11", "2 ** 100 / 3": "4.2255020007607644e+29",
	} {
		got, err := pycalc.Calculate(expr)
		require.NoError(t, err, expr)
		assert.Equal(t, want, got, expr)
	}
	for expr, want := range map[string]string{
		"1/0": "division by zero", "abc": "Invalid characters in expression",
		"(1": "'(' was never closed (<string>, line 1)",
	} {
		_, err := pycalc.Calculate(expr)
		assert.EqualError(t, err, want, expr)
	}
}
