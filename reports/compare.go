package reports

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// CompareOptions say how Compare sets two runs side by side and when it calls a difference a
// regression.
type CompareOptions struct {
	// By is what the rows are (NewAccuracy's fields); capability when empty.
	By string `json:"by"`
	// MaxDrop is the drop in points a row may show before it is a regression: a row regresses
	// when its drop is significant and the whole interval of the difference lies below
	// -MaxDrop.
	MaxDrop float64 `json:"max_drop"`
	// Alpha is the level of the tests: the family-wise error of the McNemar tests over the
	// rows (Holm's method), and 1 - Alpha the level of the intervals; 0.05 when 0.
	Alpha float64 `json:"alpha"`
	// Resamples is the number of paired-bootstrap resamples; 10,000 when 0. Seed seeds them
	// (with each row's key), so that the same runs give the same intervals.
	Resamples int    `json:"resamples"`
	Seed      uint64 `json:"seed"`
}

// CompareInputError is a problem with Compare's inputs: an input that cannot be read, or two
// runs with no sample in common.
type CompareInputError struct{ Err error }

// Error returns the problem.
func (e *CompareInputError) Error() string { return e.Err.Error() }

// Unwrap returns the problem.
func (e *CompareInputError) Unwrap() error { return e.Err }

// Comparison is a run (New) set beside a baseline (Base) sample by sample: per row and
// overall, the difference in accuracy with its paired-bootstrap interval, McNemar's exact test,
// and whether the row regressed; and the samples that flipped each way.
type Comparison struct {
	Base string `json:"base"`
	New  string `json:"new"`
	By   string `json:"by"`
	// Rows are the groups, then Overall last.
	Rows []CompareRow `json:"rows"`
	// Aligned counts the samples both runs graded (in a repeat both graded); OnlyBase and
	// OnlyNew those one run graded alone; Ungraded those both runs have but no repeat of which
	// both graded.
	Aligned  int `json:"aligned"`
	OnlyBase int `json:"only_base"`
	OnlyNew  int `json:"only_new"`
	Ungraded int `json:"ungraded"`
	// Repeats is the most repeats a sample has in common.
	Repeats int `json:"repeats"`
	// Worse and Better are the samples whose score went down, and up.
	Worse  []Flip `json:"worse"`
	Better []Flip `json:"better"`
	// Regressed names the rows that regressed; Pass is true when none did.
	Regressed []string       `json:"regressed"`
	Pass      bool           `json:"pass"`
	Options   CompareOptions `json:"options"`
	Coverage  []Coverage     `json:"coverage"`
	Notes     []string       `json:"notes"`
	flips     int            // how many flips of each way the grids list (all when negative)
}

// CompareRow is one group's difference between the runs.
type CompareRow struct {
	Key string `json:"key"`
	// N counts the aligned samples of the group.
	N int `json:"n"`
	// Base and New are the accuracies (%) over those samples; Delta New minus Base, in points,
	// with its paired-bootstrap interval.
	Base   float64 `json:"base"`
	New    float64 `json:"new"`
	Delta  float64 `json:"delta"`
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// Worse and Better count the samples whose score went down, and up: the discordant pairs of
	// McNemar's test.
	Worse  int `json:"worse"`
	Better int `json:"better"`
	// P is McNemar's exact two-sided p-value, PHolm the same adjusted for the rows compared
	// (Holm's method).
	P     float64 `json:"p"`
	PHolm float64 `json:"p_holm"`
	// Regression is set when the drop is significant (PHolm < Alpha) and the interval lies
	// wholly below -MaxDrop.
	Regression bool `json:"regression"`
}

// Flip is a sample whose score differs between the runs: its mean over the repeats both runs
// graded, in each.
type Flip struct {
	Suite  string   `json:"suite"`
	ID     string   `json:"id"`
	Groups []string `json:"groups"`
	Base   float64  `json:"base"`
	New    float64  `json:"new"`
}

// compareSample is what Compare keeps of one sample of one run: its score in each graded
// repeat, and its groups.
type compareSample struct {
	scores map[int]float64
	groups []string
}

// Compare reads two runs (run directories, results logs, or "-" for stdin) and sets new beside
// base sample by sample, as o says; warnings go to warn. Samples align by suite and id, and
// within a sample by repeat: a sample counts the repeats both runs graded, its score in each
// run the mean over them, so that a sample run k times is one paired observation, never k.
// An input that cannot be read, or runs with no sample in common, is a *CompareInputError.
func Compare(base, new string, stdin io.Reader, warn io.Writer, o CompareOptions) (*Comparison, error) {
	if o.By == "" {
		o.By = "capability"
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.Resamples == 0 {
		o.Resamples = 10_000
	}
	if _, err := groupValues(&Result{}, o.By); err != nil {
		return nil, err
	}
	runs := [2]map[sampleKey]*compareSample{{}, {}}
	var labels [2]string
	covs := newCoverage()
	i := -1
	begin := func(in *Input) error {
		i++
		labels[i] = in.Label
		covs.Expect(in.Label, ExpectedOf(in.Manifest))
		return nil
	}
	err := scanRuns([]string{base, new}, stdin, warn, readModeOf(leanAlways{}, o.By), nil, begin, func(in *Input, r *Result) error {
		covs.add(in.Label, r)
		if !r.Graded() {
			return nil
		}
		k := sampleKey{r.Suite, r.ID}
		s := runs[i][k]
		if s == nil {
			groups, _ := groupValues(r, o.By)
			s = &compareSample{scores: map[int]float64{}, groups: groups}
			runs[i][k] = s
		}
		s.scores[r.Repeat] = r.Score
		return nil
	})
	if err != nil {
		return nil, &CompareInputError{err}
	}
	c := &Comparison{Base: labels[0], New: labels[1], By: o.By, Options: o, Coverage: covs.all(), flips: -1}
	multi := map[string]bool{}
	for k := range runs[0] {
		multi[k.suite] = true
	}
	for k := range runs[1] {
		multi[k.suite] = true
	}
	type pair struct {
		key    sampleKey
		groups []string
		b, n   float64
	}
	var pairs []pair
	for k, b := range runs[0] {
		n, ok := runs[1][k]
		if !ok {
			c.OnlyBase++
			continue
		}
		var sb, sn float64
		count := 0
		for rep, score := range b.scores {
			if other, ok := n.scores[rep]; ok {
				sb += score
				sn += other
				count++
			}
		}
		if count == 0 {
			c.Ungraded++
			continue
		}
		groups := make([]string, len(b.groups))
		for j, g := range b.groups {
			groups[j] = groupKey{k.suite, g}.label(len(multi) > 1)
		}
		pairs = append(pairs, pair{key: k, groups: groups, b: sb / float64(count), n: sn / float64(count)})
		c.Repeats = max(c.Repeats, count)
	}
	for k := range runs[1] {
		if _, ok := runs[0][k]; !ok {
			c.OnlyNew++
		}
	}
	if len(pairs) == 0 {
		return nil, &CompareInputError{fmt.Errorf("%s and %s have no graded sample in common (%d graded in the first alone, %d in the second alone)",
			labels[0], labels[1], c.OnlyBase, c.OnlyNew)}
	}
	slices.SortFunc(pairs, func(x, y pair) int { return compareSamples(x.key, y.key) })
	c.Aligned = len(pairs)
	byGroup := map[string][]int{}
	for j, p := range pairs {
		for _, g := range p.groups {
			byGroup[g] = append(byGroup[g], j)
		}
		flip := Flip{Suite: p.key.suite, ID: p.key.id, Groups: p.groups, Base: p.b, New: p.n}
		switch {
		case p.n < p.b:
			c.Worse = append(c.Worse, flip)
		case p.n > p.b:
			c.Better = append(c.Better, flip)
		}
	}
	row := func(key string, idx []int) CompareRow {
		r := CompareRow{Key: key, N: len(idx)}
		d := make([]float64, len(idx))
		var sb, sn float64
		for j, i := range idx {
			p := pairs[i]
			sb += p.b
			sn += p.n
			d[j] = p.n - p.b
			switch {
			case d[j] < 0:
				r.Worse++
			case d[j] > 0:
				r.Better++
			}
		}
		n := float64(len(idx))
		r.Base, r.New = 100*sb/n, 100*sn/n
		r.Delta = r.New - r.Base
		r.P = mcNemar(r.Worse, r.Better)
		lo, hi := pairedBootstrap(d, o.Resamples, o.Alpha, o.Seed, key)
		r.CILow, r.CIHigh = 100*lo, 100*hi
		return r
	}
	for _, g := range slices.SortedFunc(maps.Keys(byGroup), NaturalCompare) {
		c.Rows = append(c.Rows, row(g, byGroup[g]))
	}
	all := make([]int, len(pairs))
	for j := range all {
		all[j] = j
	}
	c.Rows = append(c.Rows, row(OverallKey, all))
	holm(c.Rows)
	for j := range c.Rows {
		r := &c.Rows[j]
		r.Regression = r.Delta < 0 && r.PHolm < o.Alpha && r.CIHigh < -o.MaxDrop
		if r.Regression {
			c.Regressed = append(c.Regressed, r.Key)
		}
	}
	c.Pass = len(c.Regressed) == 0
	c.Notes = c.notes(covs.lines())
	return c, nil
}

// leanAlways is a LeanReport, for readModeOf: Compare reads records leanly.
type leanAlways struct{ Report }

func (leanAlways) Lean() bool { return true }

// mcNemar returns McNemar's exact two-sided p-value for worse and better discordant pairs: the
// binomial test of the smaller count among worse + better at one half.
func mcNemar(worse, better int) float64 {
	n := worse + better
	if n == 0 {
		return 1
	}
	b := distuv.Binomial{N: float64(n), P: 0.5}
	return math.Min(1, 2*b.CDF(float64(min(worse, better))))
}

// holm sets the rows' PHolm: their p-values adjusted by Holm's step-down method, which keeps
// the chance of any false regression among the rows at Alpha.
func holm(rows []CompareRow) {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rows[a].P, rows[b].P) })
	m := float64(len(rows))
	running := 0.0
	for rank, i := range order {
		running = math.Max(running, math.Min(1, (m-float64(rank))*rows[i].P))
		rows[i].PHolm = running
	}
}

// pairedBootstrap returns the percentile interval, at level 1 - alpha, of the mean of the
// paired differences d, from resamples resamples of the samples drawn with replacement. The
// draws come from a generator seeded by seed and key, so that the interval is the same for the
// same differences. When the differences take few values (pass/fail samples: -1, 0, 1), a
// resample is drawn as the counts of each value (a multinomial, as binomials in turn), which
// is the same distribution as drawing each sample, at a cost that does not grow with n.
func pairedBootstrap(d []float64, resamples int, alpha float64, seed uint64, key string) (lo, hi float64) {
	h := fnv.New64a()
	h.Write([]byte(key))
	src := rand.NewPCG(seed, h.Sum64())
	rng := rand.New(src)
	n := len(d)
	counts := map[float64]int{}
	for _, v := range d {
		counts[v]++
	}
	values := slices.Sorted(maps.Keys(counts))
	means := make([]float64, resamples)
	for b := range means {
		sum := 0.0
		if len(values) <= 16 {
			left, p := n, 1.0
			for _, v := range values[:len(values)-1] {
				q := float64(counts[v]) / float64(n)
				k := 0
				if left > 0 && q > 0 {
					k = int(distuv.Binomial{N: float64(left), P: math.Min(1, q/p), Src: src}.Rand())
				}
				sum += float64(k) * v
				left -= k
				p -= q
			}
			sum += float64(left) * values[len(values)-1]
		} else {
			for range n {
				sum += d[rng.IntN(n)]
			}
		}
		means[b] = sum / float64(n)
	}
	slices.Sort(means)
	return quantile(means, alpha/2), quantile(means, 1-alpha/2)
}

// quantile returns the q-quantile of sorted xs, interpolated between order statistics.
func quantile(xs []float64, q float64) float64 {
	pos := q * float64(len(xs)-1)
	i := int(math.Floor(pos))
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
}

// notes returns the notes under the comparison: the samples it counts, how repeats count, the
// tests and the gate; then the runs' coverage.
func (c *Comparison) notes(coverage []string) []string {
	o := c.Options
	out := []string{fmt.Sprintf("n counts the %d samples both runs graded (%d graded by %s alone, %d by %s alone, %d without a repeat graded in both); figures are accuracy (%%) over them",
		c.Aligned, c.OnlyBase, c.Base, c.OnlyNew, c.New, c.Ungraded)}
	if c.Repeats > 1 {
		out = append(out, fmt.Sprintf("samples align by id and repeat: a sample's score in each run is its mean over the repeats both runs graded (up to %d), and the sample is one paired observation in the tests, not one per repeat", c.Repeats))
	}
	level := strconv.FormatFloat(100*(1-o.Alpha), 'f', -1, 64)
	out = append(out,
		fmt.Sprintf("Δ: new minus base, in points, with its %s%% paired-bootstrap interval (%d resamples of the samples, a fixed seed); worse/better: the samples whose score went down/up", level, o.Resamples),
		fmt.Sprintf("p: McNemar's exact test (a sign test of the per-sample differences); p (Holm): adjusted for the %d rows compared", len(c.Rows)),
		fmt.Sprintf("a row regresses when new is lower, p (Holm) < %s and the whole interval lies below -%s points (--max-drop)", strconv.FormatFloat(o.Alpha, 'f', -1, 64), strconv.FormatFloat(o.MaxDrop, 'f', -1, 64)))
	return append(out, coverage...)
}

// Title says in a line what the comparison found.
func (c *Comparison) Title() string {
	if c.Pass {
		return fmt.Sprintf("realx compare %s → %s: no significant regression", c.Base, c.New)
	}
	var parts []string
	for _, r := range c.Rows {
		if r.Regression {
			parts = append(parts, fmt.Sprintf("%s %s points (p = %s)", r.Key, formatDelta(r.Delta, 1), formatP(r.PHolm)))
		}
	}
	return fmt.Sprintf("realx compare %s → %s: regression in %s", c.Base, c.New, strings.Join(parts, ", "))
}

// formatP writes a p-value with three significant digits.
func formatP(p float64) string {
	if p < 0.0001 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

// ShowFlips sets how many samples of each way the text and Markdown grids list (all when
// negative).
func (c *Comparison) ShowFlips(n int) { c.flips = n }

// Grids returns the table of rows, then the samples that flipped each way.
func (c *Comparison) Grids(decimals int) []*Grid {
	level := strconv.FormatFloat(100*(1-c.Options.Alpha), 'f', -1, 64)
	g := &Grid{Title: c.Title(), Header: []string{c.By, "n", "base", "new", "Δ", level + "% CI of Δ", "worse", "better", "p", "p (Holm)", "verdict"},
		Notes: c.Notes}
	for _, r := range c.Rows {
		verdict := "ok"
		if r.Regression {
			verdict = "REGRESSION"
		}
		g.Rows = append(g.Rows, []string{r.Key, strconv.Itoa(r.N), formatPct(r.Base, decimals), formatPct(r.New, decimals),
			formatDelta(r.Delta, decimals), "[" + formatDelta(r.CILow, decimals) + ", " + formatDelta(r.CIHigh, decimals) + "]",
			strconv.Itoa(r.Worse), strconv.Itoa(r.Better), formatP(r.P), formatP(r.PHolm), verdict})
	}
	out := []*Grid{g}
	if len(c.Worse)+len(c.Better) == 0 {
		return out
	}
	f := &Grid{Title: fmt.Sprintf("Samples that changed: %d worse, %d better", len(c.Worse), len(c.Better)), Fold: true,
		Header: []string{"change", "sample", c.By, "base", "new"}, Left: 3}
	regressed := func(fl Flip) bool {
		return slices.ContainsFunc(fl.Groups, func(g string) bool { return slices.Contains(c.Regressed, g) })
	}
	list := func(way string, flips []Flip) {
		// The samples of the rows that regressed first, where a reviewer looks.
		flips = slices.Clone(flips)
		slices.SortStableFunc(flips, func(a, b Flip) int {
			switch ra, rb := regressed(a), regressed(b); {
			case ra && !rb:
				return -1
			case rb && !ra:
				return 1
			}
			return 0
		})
		shown := flips
		if c.flips >= 0 && len(flips) > c.flips {
			shown = flips[:c.flips]
		}
		for _, fl := range shown {
			f.Rows = append(f.Rows, []string{way, Key{Suite: fl.Suite, ID: fl.ID}.String(), strings.Join(fl.Groups, ", "),
				formatScore(fl.Base, decimals), formatScore(fl.New, decimals)})
		}
		if len(shown) < len(flips) {
			f.Notes = append(f.Notes, fmt.Sprintf("%d more %s samples (--flips -1 lists all; --format json has them)", len(flips)-len(shown), way))
		}
	}
	list("worse", c.Worse)
	list("better", c.Better)
	return append(out, f)
}

// formatScore writes a sample's score: pass or fail when it is one, else its mean.
func formatScore(v float64, decimals int) string {
	switch v {
	case 1:
		return "pass"
	case 0:
		return "fail"
	}
	return strconv.FormatFloat(v, 'f', decimals+1, 64)
}

// CSV returns the rows, figures with four decimals.
func (c *Comparison) CSV(int) *Grid {
	g := &Grid{Header: []string{c.By, "n", "base", "new", "delta", "ci_low", "ci_high", "worse", "better", "p", "p_holm", "regression"}}
	for _, r := range c.Rows {
		g.Rows = append(g.Rows, []string{r.Key, strconv.Itoa(r.N), formatPct(r.Base, 4), formatPct(r.New, 4), formatPct(r.Delta, 4),
			formatPct(r.CILow, 4), formatPct(r.CIHigh, 4), strconv.Itoa(r.Worse), strconv.Itoa(r.Better),
			strconv.FormatFloat(r.P, 'g', -1, 64), strconv.FormatFloat(r.PHolm, 'g', -1, 64), strconv.FormatBool(r.Regression)})
	}
	return g
}
