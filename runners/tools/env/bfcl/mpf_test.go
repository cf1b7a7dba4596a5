package bfcl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMpfLogRatio checks MathAPI.logarithm's digits against mpmath's: mpmath.log(value) /
// mpmath.log(base) at mp.dps = precision, as repr writes it (recorded with mpmath 1.3).
func TestMpfLogRatio(t *testing.T) {
	for _, c := range []struct {
		value, base float64
		dps         int
		want        string
	}{
		{20.0, 10.0, 2, "1.3027"},
		{3287.0, 6.0, 4, "4.51947"},
		{36.0, 6.0, 4, "2.0"},
		{630.0, 10.0, 5, "2.7993393"},
		{980.0, 20.0, 10, "2.299121531134"},
		{8.0, 2.0, 10, "3.000000000029"},
		{2.0, 3.0, 30, "0.630929753571457437099527114342763"},
		{1e+30, 10.0, 5, "29.999969"},
		{1e-10, 10.0, 3, "-10.0"},
		{10.0, 1e+30, 5, "0.033333361"},
		{10.0, 1e-30, 5, "-0.033333361"},
		{100000000.0, 10.0, 3, "8.0"},
		{100000.0, 10.0, 2, "5.0078"},
		{2.0, 10.0, 4, "0.3010292"},
		{100000.0, 10.0, 8, "5.0"},
		{1.0001, 10.0, 4, "4.342757e-5"},
		{7.0, 7.0, 3, "1.0"},
		{1000.0, 10.0, 15, "2.9999999999999996"},
		{5.5, 2.5, 20, "1.8604881976177821370798"},
		{0.5, 2.0, 6, "-1.0"},
		{123456.0, 7.0, 12, "6.02475921200949"},
		{3.0, 9.0, 1, "0.5"},
	} {
		got, ok := mpfLogRatio(c.value, c.base, c.dps)
		assert.True(t, ok)
		assert.Equal(t, c.want, got, "log(%v)/log(%v) at dps %d", c.value, c.base, c.dps)
	}
}
