package bfcl

import "testing"

// TestPyRandomMatchesCPython checks the generator against draws CPython 3.11 made from
// random.Random(seed): three randint(100000, 999999), one randint(100000000000, 999999999999)
// (more than 32 bits), random(), uniform(-10.0, 40.0) and randint(0, 86400), in that order.
func TestPyRandomMatchesCPython(t *testing.T) {
	cases := []struct {
		seed    int
		six     [3]int
		twelve  int
		random  float64
		uniform float64
		daySecs int
	}{
		{141053, [3]int{251675, 966117, 376965}, 307751534385, 0.3436302888563939, 13.059873392645109, 84983},
		{1053520, [3]int{652120, 155959, 618304}, 803239012513, 0.20365277490405342, 36.75114000406441, 41715},
		{0, [3]int{985440, 503958, 894772}, 563385069186, 0.04048437818077755, 38.27324431809586, 63691},
		{1<<40 + 5, [3]int{628881, 642031, 381652}, 679938387080, 0.7584412456897223, 31.713336775687537, 6107},
	}
	for _, c := range cases {
		r := newPyRandom(c.seed)
		for i, want := range c.six {
			if got := r.randint(100000, 999999); got != want {
				t.Errorf("seed %d: randint #%d = %d, want %d", c.seed, i, got, want)
			}
		}
		if got := r.randint(100000000000, 999999999999); got != c.twelve {
			t.Errorf("seed %d: 12-digit randint = %d, want %d", c.seed, got, c.twelve)
		}
		if got := r.random(); got != c.random {
			t.Errorf("seed %d: random() = %v, want %v", c.seed, got, c.random)
		}
		if got := r.uniform(-10.0, 40.0); got != c.uniform {
			t.Errorf("seed %d: uniform = %v, want %v", c.seed, got, c.uniform)
		}
		if got := r.randint(0, 86400); got != c.daySecs {
			t.Errorf("seed %d: randint(0, 86400) = %d, want %d", c.seed, got, c.daySecs)
		}
	}
}
