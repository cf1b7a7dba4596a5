package bfcl

// pyRandom reproduces Python's random.Random for an integer seed: the MT19937 generator seeded
// by init_by_array over the seed's 32-bit words, and the randint, random and uniform built on
// it. TradingBot, TravelAPI and VehicleControlAPI draw from one seeded with a fixed value, and
// their results (ids, timestamps, temperatures) are those draws.
type pyRandom struct {
	mt  [624]uint32
	idx int
}

// newPyRandom returns the generator random.Random(seed) makes; a negative seed counts as its
// absolute value, as in CPython.
func newPyRandom(seed int) *pyRandom {
	if seed < 0 {
		seed = -seed
	}
	n := uint64(seed)
	key := []uint32{uint32(n)}
	if hi := uint32(n >> 32); hi != 0 {
		key = append(key, hi)
	}
	r := &pyRandom{}
	r.initByArray(key)
	return r
}

func (r *pyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = 624
}

func (r *pyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(624, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= 624 {
			r.mt[0] = r.mt[623]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = 623; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= 624 {
			r.mt[0] = r.mt[623]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
	r.idx = 624
}

// uint32 is genrand_uint32: the next tempered 32-bit output.
func (r *pyRandom) uint32() uint32 {
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	if r.idx >= 624 {
		for kk := 0; kk < 624; kk++ {
			y := (r.mt[kk] & upper) | (r.mt[(kk+1)%624] & lower)
			v := r.mt[(kk+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= matrixA
			}
			r.mt[kk] = v
		}
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// random is random.random(): a float in [0, 1) with 53 random bits.
func (r *pyRandom) random() float64 {
	a, b := r.uint32()>>5, r.uint32()>>6
	return (float64(a)*67108864.0 + float64(b)) * (1.0 / 9007199254740992.0)
}

// uniform is random.uniform(a, b): a + (b-a) * random().
func (r *pyRandom) uniform(a, b float64) float64 { return a + (b-a)*r.random() }

// getrandbits is random.getrandbits(k) for 0 < k <= 64: 32-bit words, least significant first,
// the last one shifted down to the bits left.
func (r *pyRandom) getrandbits(k int) uint64 {
	if k <= 32 {
		return uint64(r.uint32() >> (32 - k))
	}
	var out uint64
	for shift := 0; k > 0; shift += 32 {
		w := r.uint32()
		if k < 32 {
			w >>= 32 - k
		}
		out |= uint64(w) << shift
		k -= 32
	}
	return out
}

// randbelow is Random._randbelow(n) for n > 0: getrandbits(n.bit_length()) until below n.
func (r *pyRandom) randbelow(n uint64) uint64 {
	k := 0
	for m := n; m > 0; m >>= 1 {
		k++
	}
	x := r.getrandbits(k)
	for x >= n {
		x = r.getrandbits(k)
	}
	return x
}

// randint is random.randint(a, b) for a <= b: a + _randbelow(b-a+1).
func (r *pyRandom) randint(a, b int) int { return a + int(r.randbelow(uint64(b-a+1))) }
