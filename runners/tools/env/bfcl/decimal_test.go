package bfcl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDecimalSqrt checks MathAPI.square_root's digits against Python's decimal module:
// str(Decimal(number).sqrt()) under a context of precision digits (recorded with CPython 3.11).
func TestDecimalSqrt(t *testing.T) {
	for _, c := range []struct {
		number any
		prec   int
		want   string
	}{
		{16, 10, "4"},
		{2, 5, "1.4142"},
		{2.25, 10, "1.5"},
		{16.0, 3, "4"},
		{0.01, 5, "0.10000"},
		{10000000000.0, 3, "1.00E+5"},
		{1e-10, 4, "0.00001000"},
		{12345678, 4, "3514"},
		{2, 30, "1.41421356237309504880168872421"},
		{0.5, 8, "0.70710678"},
		{1e+20, 25, "10000000000"},
		{3, 1, "2"},
		{100, 2, "10"},
	} {
		assert.Equal(t, c.want, decimalSqrt(c.number, c.prec), "sqrt(%v) at %d digits", c.number, c.prec)
	}
}
