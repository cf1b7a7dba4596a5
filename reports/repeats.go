package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// Repeats aggregates runs whose samples were run several times (realx run --repeats K): per
// group and run, the mean accuracy over repeats with its spread across repeats, pass@k by the
// unbiased estimator of Chen et al. (2021), τ2-bench's pass^k (every one of k repeats passes),
// and the accuracy of a majority vote over the extracted answers. Records without a verdict are counted apart and never as wrong.
type Repeats struct {
	by     string
	ks     []int
	runs   []string
	seen   map[string]bool
	suites map[string]bool
	groups map[groupKey]bool
	cells  map[cellKey]map[sampleKey][]attempt
	total  map[string]map[sampleKey][]attempt
	coverage
}

type sampleKey struct{ suite, id string }

// attempt is one repeat of one sample.
type attempt struct {
	repeat    int
	graded    bool
	pass      bool
	score     float64
	extracted string
}

// NewRepeats returns an empty aggregation grouped by field (see NewAccuracy). ks are the k of
// the pass@k columns; when empty, the table shows pass@1 and pass@K for the largest K.
func NewRepeats(by string, ks []int) (*Repeats, error) {
	if by == "" {
		by = "capability"
	}
	if _, err := groupValues(&Result{}, by); err != nil {
		return nil, err
	}
	for _, k := range ks {
		if k < 1 {
			return nil, fmt.Errorf("pass@%d: k must be at least 1", k)
		}
	}
	return &Repeats{
		by: by, ks: ks, seen: map[string]bool{}, suites: map[string]bool{}, groups: map[groupKey]bool{},
		cells: map[cellKey]map[sampleKey][]attempt{}, total: map[string]map[sampleKey][]attempt{},
		coverage: newCoverage(),
	}, nil
}

// AddRun adds run's column, if it is not there yet: a run without any record still has one.
func (a *Repeats) AddRun(run string) {
	if !a.seen[run] {
		a.seen[run] = true
		a.runs = append(a.runs, run)
		a.total[run] = map[sampleKey][]attempt{}
		a.coverage.addRun(run)
	}
}

// By returns the field the rows are grouped by.
func (a *Repeats) By() string { return a.by }

// Add counts r in run's column.
func (a *Repeats) Add(run string, r *Result) {
	a.AddRun(run)
	a.coverage.add(run, r)
	a.suites[r.Suite] = true
	at := attempt{repeat: r.Repeat, graded: r.Graded(), pass: r.Pass, score: r.Score, extracted: strings.TrimSpace(r.Extracted)}
	sk := sampleKey{r.Suite, r.ID}
	for _, m := range cellsOf(r, a.by, run, a.cells, a.groups, func() map[sampleKey][]attempt { return map[sampleKey][]attempt{} }) {
		m[sk] = append(m[sk], at)
	}
	a.total[run][sk] = append(a.total[run][sk], at)
}

// RepeatTable is repeat statistics per group and run, with an overall row per run.
type RepeatTable struct {
	By string `json:"by"`
	// K are the k of the pass@k columns.
	K    []int       `json:"k"`
	Runs []string    `json:"runs"`
	Rows []RepeatRow `json:"rows"`
	// Coverage says, for each run, how much of its expected sample set it has; Notes what a
	// reader must know (an incomplete run).
	Coverage []Coverage `json:"coverage"`
	Notes    []string   `json:"notes"`
}

// RepeatRow is one group's repeat statistics in one run.
type RepeatRow struct {
	Key string `json:"key"`
	Run string `json:"run"`
	// ExpectedSamples is how many samples the group should have, -1 when unknown.
	ExpectedSamples int `json:"-"`
	RepeatStats
}

// RepeatStats sums up the repeats of a set of samples. Accuracies are percentages.
type RepeatStats struct {
	// Samples counts the samples with at least one graded repeat.
	Samples int `json:"samples"`
	// Repeats is the largest number of repeats of a sample.
	Repeats int `json:"repeats"`
	// Errors counts the records without a verdict.
	Errors int `json:"errors"`
	// PerRepeat is the accuracy of each repeat index over its graded samples; null for a
	// repeat with none, which Mean and Std leave out.
	PerRepeat []*float64 `json:"per_repeat"`
	// Mean is the mean of the per-repeat accuracies; Std their sample standard deviation,
	// undefined with fewer than two repeats graded.
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	// PassAt holds pass@k for each k of the table.
	PassAt []PassAtK `json:"pass_at"`
	// PassHat holds pass^k for each k of the table: τ2-bench's measure of consistency, the
	// mean over samples of C(c, k)/C(n, k) (PassHatK), the chance that k of a sample's n
	// graded repeats, c of which passed, all pass.
	PassHat []PassAtK `json:"pass_hat"`
	// Majority is the accuracy of the most frequent extracted answer of each sample (empty
	// answers do not vote; a tie goes to the answer given at the lowest repeat index).
	Majority float64 `json:"majority"`
}

// graded reports whether the statistics have a sample with a graded repeat: without one,
// Mean and Majority are undefined.
func (st *RepeatStats) graded() bool { return st.Samples > 0 }

// spread reports whether Std is defined: at least two repeats have an accuracy.
func (st *RepeatStats) spread() bool {
	n := 0
	for _, acc := range st.PerRepeat {
		if acc != nil {
			n++
		}
	}
	return n >= 2
}

// MarshalJSON encodes r with null for the figures that are undefined: mean and majority
// without a graded sample, std with fewer than two repeats graded.
func (r RepeatRow) MarshalJSON() ([]byte, error) {
	out := struct {
		Key       string     `json:"key"`
		Run       string     `json:"run"`
		Expected  *int       `json:"expected_samples"`
		Samples   int        `json:"samples"`
		Repeats   int        `json:"repeats"`
		Errors    int        `json:"errors"`
		PerRepeat []*float64 `json:"per_repeat"`
		Mean      *float64   `json:"mean"`
		Std       *float64   `json:"std"`
		PassAt    []PassAtK  `json:"pass_at"`
		PassHat   []PassAtK  `json:"pass_hat"`
		Majority  *float64   `json:"majority"`
	}{Key: r.Key, Run: r.Run, Samples: r.Samples, Repeats: r.Repeats, Errors: r.Errors,
		PerRepeat: r.PerRepeat, PassAt: r.PassAt, PassHat: r.PassHat}
	if r.ExpectedSamples >= 0 {
		out.Expected = &r.ExpectedSamples
	}
	if r.graded() {
		out.Mean, out.Majority = &r.Mean, &r.Majority
	}
	if r.spread() {
		out.Std = &r.Std
	}
	return runners.MarshalPlain(out)
}

// PassAtK is the mean over samples of the unbiased pass@k estimate 1 − C(n−c, k)/C(n, k),
// where n is a sample's graded repeats and c its passes; samples with fewer than k graded
// repeats are left out, and Samples counts those kept.
type PassAtK struct {
	K       int     `json:"k"`
	Value   float64 `json:"value"`
	Samples int     `json:"samples"`
}

// MarshalJSON encodes p with a null value when no sample has k graded repeats.
func (p PassAtK) MarshalJSON() ([]byte, error) {
	out := struct {
		K       int      `json:"k"`
		Value   *float64 `json:"value"`
		Samples int      `json:"samples"`
	}{K: p.K, Samples: p.Samples}
	if p.Samples > 0 {
		out.Value = &p.Value
	}
	return runners.MarshalPlain(out)
}

// Table returns the aggregated table: for each group (sorted) every run, then the overall
// rows.
func (a *Repeats) Table() *RepeatTable {
	ks := a.ks
	if len(ks) == 0 {
		most := 1
		for _, m := range a.total {
			for _, ats := range m {
				most = max(most, len(ats))
			}
		}
		ks = []int{1}
		if most > 1 {
			ks = append(ks, most)
		}
	}
	t := &RepeatTable{By: a.by, K: ks, Runs: append([]string(nil), a.runs...)}
	multi := len(a.suites) > 1
	for _, g := range sortedGroups(a.groups) {
		for _, run := range a.runs {
			if m := a.cells[cellKey{g, run}]; m != nil {
				row := RepeatRow{Key: g.label(multi), Run: run, ExpectedSamples: -1, RepeatStats: repeatStats(m, ks)}
				if samples, _, ok := a.coverage.expected[run].group(g, a.by); ok {
					row.ExpectedSamples = samples
				}
				t.Rows = append(t.Rows, row)
			}
		}
	}
	for _, run := range a.runs {
		t.Rows = append(t.Rows, RepeatRow{Key: OverallKey, Run: run, ExpectedSamples: a.coverage.of(run).ExpectedSamples,
			RepeatStats: repeatStats(a.total[run], ks)})
	}
	t.Coverage, t.Notes = a.coverage.all(), a.coverage.lines()
	return t
}

// repeatStats computes the statistics of samples; it visits them in sorted order, so that
// sums do not depend on map order.
func repeatStats(samples map[sampleKey][]attempt, ks []int) RepeatStats {
	keys := make([]sampleKey, 0, len(samples))
	for k := range samples {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y sampleKey) int {
		return CompareKeys(Key{Suite: x.suite, ID: x.id}, Key{Suite: y.suite, ID: y.id})
	})
	st := RepeatStats{PassAt: make([]PassAtK, len(ks)), PassHat: make([]PassAtK, len(ks))}
	var sums []float64
	var counts []int
	var majority float64
	for _, k := range keys {
		ats := samples[k]
		slices.SortFunc(ats, func(x, y attempt) int { return x.repeat - y.repeat })
		st.Repeats = max(st.Repeats, len(ats))
		n, c := 0, 0
		for _, at := range ats {
			if !at.graded {
				st.Errors++
				continue
			}
			for len(sums) <= at.repeat {
				sums, counts = append(sums, 0), append(counts, 0)
			}
			sums[at.repeat] += at.score
			counts[at.repeat]++
			n++
			if at.pass {
				c++
			}
		}
		if n == 0 {
			continue
		}
		st.Samples++
		majority += majorityScore(ats)
		for i, kk := range ks {
			if n >= kk {
				st.PassAt[i].Value += PassAt(n, c, kk)
				st.PassAt[i].Samples++
				st.PassHat[i].Value += PassHatK(n, c, kk)
				st.PassHat[i].Samples++
			}
		}
	}
	var accs []float64
	for r := range sums {
		if counts[r] == 0 {
			st.PerRepeat = append(st.PerRepeat, nil)
			continue
		}
		acc := 100 * sums[r] / float64(counts[r])
		st.PerRepeat = append(st.PerRepeat, &acc)
		accs = append(accs, acc)
	}
	st.Mean, st.Std = meanStd(accs)
	for i, kk := range ks {
		st.PassAt[i].K, st.PassHat[i].K = kk, kk
		if st.PassAt[i].Samples > 0 {
			st.PassAt[i].Value *= 100 / float64(st.PassAt[i].Samples)
			st.PassHat[i].Value *= 100 / float64(st.PassHat[i].Samples)
		}
	}
	if st.Samples > 0 {
		st.Majority = 100 * majority / float64(st.Samples)
	}
	return st
}

// PassAt returns the unbiased estimate of pass@k for a sample with n graded attempts of which
// c passed (Chen et al. 2021): 1 − C(n−c, k)/C(n, k), computed as a product for stability.
func PassAt(n, c, k int) float64 {
	if n-c < k {
		return 1
	}
	p := 1.0
	for i := n - c + 1; i <= n; i++ {
		p *= 1 - float64(k)/float64(i)
	}
	return 1 - p
}

// PassHatK returns pass^k of a sample graded n times with c passes (τ2-bench's): C(c, k) /
// C(n, k), the chance that k of its repeats drawn without replacement all pass; 0 when k
// exceeds n.
func PassHatK(n, c, k int) float64 {
	if k < 0 || k > n || c > n || c < k {
		return 0
	}
	p := 1.0
	for i := 0; i < k; i++ {
		p *= float64(c-i) / float64(n-i)
	}
	return p
}

// majorityScore returns the score of the most frequent non-empty extracted answer among the
// graded attempts (sorted by repeat), taken from its first attempt; ties go to the answer
// given first. With no non-empty answer it is the first graded attempt's score.
func majorityScore(ats []attempt) float64 {
	votes := map[string]int{}
	first := map[string]int{}
	best, bestVotes := -1, 0
	for i, at := range ats {
		if !at.graded || at.extracted == "" {
			continue
		}
		if _, ok := first[at.extracted]; !ok {
			first[at.extracted] = i
		}
		votes[at.extracted]++
	}
	for i, at := range ats {
		if !at.graded || at.extracted == "" || first[at.extracted] != i {
			continue
		}
		if v := votes[at.extracted]; v > bestVotes {
			best, bestVotes = i, v
		}
	}
	if best < 0 {
		for _, at := range ats {
			if at.graded {
				return at.score
			}
		}
		return 0
	}
	return ats[best].score
}

// meanStd returns the mean of xs and their sample standard deviation (0 for fewer than two).
func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// Grid lays t out for printing, percentages with decimals digits; "–" for the figures that
// are undefined (no graded sample; a spread with fewer than two repeats graded).
func (t *RepeatTable) Grid(decimals int) *Grid { return t.grid(decimals, false) }

// grid is Grid, or for CSV (csv) empty cells where a figure is undefined, the samples a number
// and the expected samples in a column of their own.
func (t *RepeatTable) grid(decimals int, csv bool) *Grid {
	none := "–"
	if csv {
		none = ""
	}
	g := &Grid{Header: []string{t.By, "run", "samples", "repeats", "mean", "± std"}, Left: 2}
	if !csv {
		g.Notes = t.Notes
	}
	for _, k := range t.K {
		g.Header = append(g.Header, "pass@"+strconv.Itoa(k))
	}
	for _, k := range t.K {
		if k > 1 { // pass^1 is pass@1
			g.Header = append(g.Header, "pass^"+strconv.Itoa(k))
		}
	}
	most := 1
	for _, r := range t.Rows {
		most = max(most, r.Repeats)
	}
	g.Header = append(g.Header, "maj@"+strconv.Itoa(most), "errors")
	if csv {
		g.Header = append(g.Header, "expected_samples")
	}
	pct := func(v float64, defined bool) string {
		if !defined {
			return none
		}
		return formatPct(v, decimals)
	}
	for _, r := range t.Rows {
		samples := nOf(r.Samples, r.ExpectedSamples, r.Errors == 0 && (r.ExpectedSamples < 0 || r.Samples >= r.ExpectedSamples))
		if csv {
			samples = strconv.Itoa(r.Samples)
		}
		row := []string{r.Key, r.Run, samples, strconv.Itoa(r.Repeats),
			pct(r.Mean, r.graded()), pct(r.Std, r.spread())}
		for _, p := range r.PassAt {
			row = append(row, pct(p.Value, p.Samples > 0))
		}
		for _, p := range r.PassHat {
			if p.K > 1 {
				row = append(row, pct(p.Value, p.Samples > 0))
			}
		}
		row = append(row, pct(r.Majority, r.graded()), strconv.Itoa(r.Errors))
		if csv {
			exp := ""
			if r.ExpectedSamples >= 0 {
				exp = strconv.Itoa(r.ExpectedSamples)
			}
			row = append(row, exp)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// Grids returns t's grid (Grid).
func (t *RepeatTable) Grids(decimals int) []*Grid { return []*Grid{t.Grid(decimals)} }

// CSV lays t out for machines: four decimals, and empty cells where text has "–".
func (t *RepeatTable) CSV(int) *Grid { return t.grid(4, true) }

// Layout returns the repeats table aggregated so far.
func (a *Repeats) Layout() Layout { return a.Table() }
