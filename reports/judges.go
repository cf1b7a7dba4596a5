package reports

import (
	"hash/fnv"
	"maps"
	"slices"
	"strconv"

	"github.com/realx-bench/realx/judges"
)

// RejudgeInfo names the run whose recorded outputs a run graded again (`realx rejudge`), and
// what came of it.
type RejudgeInfo struct {
	// From is the run directory graded again, as given; Run its run id.
	From string `json:"from"`
	Run  string `json:"run"`
	// Rejudged counts the records judged again (their judge changed, or had failed, or what
	// the judge reads of their sample changed: Changed of them); Copied those whose judge and
	// judge inputs were the same, or that had no output to judge.
	Rejudged int `json:"rejudged"`
	Copied   int `json:"copied"`
	Changed  int `json:"changed_inputs,omitempty"`
}

// The rows of the judge-steps table that are not steps.
const (
	RowJudgeFailure = "(judge failure)"
	RowNotJudged    = "(not judged)"
	RowNoStep       = "(no step)"
	// RowRefusal counts the samples the model refused to answer, graded wrong without a judge.
	RowRefusal = "(refusal)"
)

// JudgeStats aggregates how runs were judged: for each run, the judge's coverage (the answers
// put to it that it decided), its failures (invalid verdicts apart), the refusals, and how
// many samples each judge (or cascade step) decided; and, for each pair of runs whose judges
// graded the same outputs (a run and its rejudge, say), how far their pass/fail verdicts
// agree and the samples they disagree on. Runs are kept in the order they were first added.
type JudgeStats struct {
	// Section is the part of the report its Layout shows: one of JudgeSections, or "" for
	// all (in CSV, which holds one table, the steps).
	Section string

	runs  []string
	byRun map[string]map[Key]judged
	coverage
}

// The sections of the judge report.
const (
	JudgeSteps     = "steps"
	JudgeAgreement = "agreement"
	// JudgeSummary is each run's coverage, exclusions and refusals; JudgeDisagreements the
	// samples two runs' judges disagree on.
	JudgeSummary       = "summary"
	JudgeDisagreements = "disagreements"
)

// JudgeSections are the sections of the judge report, in the order it shows them.
var JudgeSections = []string{JudgeSummary, JudgeSteps, JudgeAgreement, JudgeDisagreements}

// judged is what JudgeStats keeps of one record.
type judged struct {
	step    string
	judgeID string
	class   ErrorClass
	pass    bool
	// refusal marks a sample graded wrong for the model's refusal; invalid a judge failure
	// whose judge answered without a valid verdict; output is a hash of the output judged.
	refusal, invalid bool
	output           uint64
}

// NewJudgeStats returns an empty aggregation.
func NewJudgeStats() *JudgeStats {
	return &JudgeStats{byRun: map[string]map[Key]judged{}, coverage: newCoverage()}
}

// AddRun adds run's column, if it is not there yet: a run without any record still has one.
func (j *JudgeStats) AddRun(run string) {
	if j.byRun[run] == nil {
		j.byRun[run] = map[Key]judged{}
		j.runs = append(j.runs, run)
		j.coverage.addRun(run)
	}
}

// Add counts r in run's column; a later record of the same sample replaces an earlier one.
func (j *JudgeStats) Add(run string, r *Result) {
	j.AddRun(run)
	m := j.byRun[run]
	if _, again := m[r.Key()]; !again {
		j.coverage.add(run, r)
	}
	e := judged{step: r.Step, judgeID: r.JudgeID, pass: r.Pass}
	if r.Error != nil {
		e.class = r.Error.Class
	}
	e.refusal = r.Refusal != "" && r.Error == nil
	e.invalid = e.class == ErrJudge && r.Reason == judges.ReasonInvalidVerdict
	h := fnv.New64a()
	h.Write([]byte(r.Output))
	e.output = h.Sum64()
	m[r.Key()] = e
}

// JudgeTable is the judge report: each run's summary and steps, and the agreement of every
// pair of runs whose judges graded the same outputs.
type JudgeTable struct {
	Runs      []JudgeRun  `json:"runs"`
	Agreement []Agreement `json:"agreement"`
	// Coverage says, for each run, how much of its expected sample set it has; Notes what a
	// reader must know (an incomplete run).
	Coverage []Coverage `json:"coverage"`
	Notes    []string   `json:"notes"`
	// Section is the part of the table text, Markdown and CSV show: one of JudgeSections, or
	// "" for all (in CSV, which holds one table, the steps). JSON holds them all.
	Section string `json:"-"`
}

// JudgeRun is how one run was judged.
type JudgeRun struct {
	Run string `json:"run"`
	// Samples counts the run's records (a sample per repeat); Expected those it should have
	// (nil when unknown); Graded those with a verdict.
	Samples  int  `json:"samples"`
	Expected *int `json:"expected"`
	Graded   int  `json:"graded"`
	// Steps counts the graded samples each step decided, by step name, sorted.
	Steps []StepCount `json:"steps"`
	// JudgeFailures counts the samples the judge could not decide; NotJudged those that had
	// no answer to judge (model, input, tool errors; canceled).
	JudgeFailures int `json:"judge_failures"`
	NotJudged     int `json:"not_judged"`
	// JudgeIDs are the judges that graded the run, sorted.
	JudgeIDs []string `json:"judge_ids"`
	// Refusals counts the graded samples the model refused to answer (graded wrong without a
	// judge, and in no step). InvalidVerdicts counts the judge failures whose judge answered
	// without a valid verdict; like every judge failure they are excluded from the scores,
	// not scored 0.
	Refusals        int `json:"refusals"`
	InvalidVerdicts int `json:"invalid_verdicts"`
	// Judged counts the answers put to the judge: the graded samples but the refusals, and
	// the judge failures. JudgeCoverage is the share of them the judge decided, in [0, 1];
	// nil when it was put none.
	Judged        int      `json:"judged"`
	JudgeCoverage *float64 `json:"judge_coverage"`
}

// StepCount is how many samples a step decided, and how many of them it passed. Under
// llm_recall the passes of a step after the first are the fails it recalled.
type StepCount struct {
	Step    string `json:"step"`
	Samples int    `json:"samples"`
	Passes  int    `json:"passes"`
}

// Agreement compares the verdicts of two runs on the samples both graded.
type Agreement struct {
	A string `json:"a"`
	B string `json:"b"`
	// Samples counts the samples both runs graded; Agree those with the same verdict,
	// Disagree the others. PassA and PassB count each run's passes among them.
	Samples  int `json:"samples"`
	Agree    int `json:"agree"`
	Disagree int `json:"disagree"`
	PassA    int `json:"pass_a"`
	PassB    int `json:"pass_b"`
	// Kappa is Cohen's κ of the pass/fail verdicts; nil when it is undefined (no sample, or
	// both runs gave one same verdict to every sample).
	Kappa *float64 `json:"kappa"`
	// DifferentOutputs counts the samples both runs graded whose outputs differ (the runs'
	// own answers, not one answer judged twice): they are left out, as are refusals, which no
	// judge decided.
	DifferentOutputs int `json:"different_outputs"`
	// Disagreements are the samples of Disagree, in canonical order (CompareKeys).
	Disagreements []Disagreement `json:"disagreements"`
}

// Disagreement is a sample two runs' judges graded differently: each run's verdict, and the
// step that gave it.
type Disagreement struct {
	Suite  string `json:"suite"`
	ID     string `json:"id"`
	Repeat int    `json:"repeat"`
	PassA  bool   `json:"pass_a"`
	PassB  bool   `json:"pass_b"`
	StepA  string `json:"step_a"`
	StepB  string `json:"step_b"`
}

// Table returns the report.
func (j *JudgeStats) Table() *JudgeTable {
	t := &JudgeTable{Runs: []JudgeRun{}, Agreement: []Agreement{}}
	for _, run := range j.runs {
		jr := j.runStats(run)
		if cv := j.coverage.of(run); cv.Known() {
			jr.Expected = &cv.Expected
		}
		t.Runs = append(t.Runs, jr)
	}
	t.Coverage, t.Notes = j.coverage.all(), j.coverage.lines()
	for i, a := range j.runs {
		for _, b := range j.runs[i+1:] {
			if ag, ok := j.agreement(a, b); ok {
				t.Agreement = append(t.Agreement, ag)
			}
		}
	}
	return t
}

func (j *JudgeStats) runStats(run string) JudgeRun {
	jr := JudgeRun{Run: run}
	steps, ids := map[string]StepCount{}, map[string]bool{}
	for _, e := range j.byRun[run] {
		jr.Samples++
		if e.judgeID != "" {
			ids[e.judgeID] = true
		}
		switch {
		case e.class == ErrJudge:
			jr.JudgeFailures++
			if e.invalid {
				jr.InvalidVerdicts++
			}
		case e.class != "":
			jr.NotJudged++
		case e.refusal:
			jr.Graded++
			jr.Refusals++
		default:
			jr.Graded++
			step := e.step
			if step == "" {
				step = RowNoStep
			}
			sc := steps[step]
			sc.Samples++
			if e.pass {
				sc.Passes++
			}
			steps[step] = sc
		}
	}
	for _, s := range slices.Sorted(maps.Keys(steps)) {
		sc := steps[s]
		sc.Step = s
		jr.Steps = append(jr.Steps, sc)
	}
	jr.JudgeIDs = slices.Sorted(maps.Keys(ids))
	jr.Judged = jr.Graded - jr.Refusals + jr.JudgeFailures
	if jr.Judged > 0 {
		c := float64(jr.Graded-jr.Refusals) / float64(jr.Judged)
		jr.JudgeCoverage = &c
	}
	return jr
}

// agreement compares the judges of runs a and b on the samples both graded from the same
// output (refusals, which no judge decided, left out); false when they share none.
func (j *JudgeStats) agreement(a, b string) (Agreement, bool) {
	ag := Agreement{A: a, B: b, Disagreements: []Disagreement{}}
	var both, onlyA, onlyB, neither int
	for k, ea := range j.byRun[a] {
		eb, ok := j.byRun[b][k]
		switch {
		case !ok || ea.class != "" || eb.class != "" || ea.refusal || eb.refusal:
			continue
		case ea.output != eb.output:
			ag.DifferentOutputs++
			continue
		case ea.pass != eb.pass:
			ag.Disagreements = append(ag.Disagreements, Disagreement{Suite: k.Suite, ID: k.ID, Repeat: k.Repeat,
				PassA: ea.pass, PassB: eb.pass, StepA: ea.step, StepB: eb.step})
		}
		switch {
		case ea.pass && eb.pass:
			both++
		case ea.pass:
			onlyA++
		case eb.pass:
			onlyB++
		default:
			neither++
		}
	}
	ag.Samples = both + onlyA + onlyB + neither
	if ag.Samples == 0 {
		return ag, false
	}
	ag.Agree, ag.Disagree = both+neither, onlyA+onlyB
	ag.PassA, ag.PassB = both+onlyA, both+onlyB
	ag.Kappa = CohenKappa(both, onlyA, onlyB, neither)
	slices.SortFunc(ag.Disagreements, func(x, y Disagreement) int {
		return CompareKeys(Key{x.Suite, x.ID, x.Repeat}, Key{y.Suite, y.ID, y.Repeat})
	})
	return ag, true
}

// CohenKappa returns Cohen's κ of two raters' pass/fail verdicts, given the counts of samples
// both passed, only the first passed, only the second passed, and neither passed:
// κ = (pₒ − pₑ)/(1 − pₑ), pₒ the observed agreement and pₑ the agreement expected by chance
// from each rater's pass rate. It returns nil when κ is undefined: no samples, or pₑ = 1 (both
// raters gave one same verdict to every sample).
func CohenKappa(both, onlyA, onlyB, neither int) *float64 {
	n := float64(both + onlyA + onlyB + neither)
	if n == 0 {
		return nil
	}
	po := float64(both+neither) / n
	pa, pb := float64(both+onlyA)/n, float64(both+onlyB)/n
	pe := pa*pb + (1-pa)*(1-pb)
	if pe >= 1 {
		return nil
	}
	k := (po - pe) / (1 - pe)
	return &k
}

// StepsGrid lays out the judge steps: a row per step (and for refusals, judge failures and
// samples not judged), for each run the number of samples and their share of the run's
// samples.
func (t *JudgeTable) StepsGrid(decimals int) *Grid {
	g := &Grid{Header: []string{"step"}}
	rows := map[string][]int{}
	add := func(row string, i, n int) {
		if rows[row] == nil {
			rows[row] = make([]int, len(t.Runs))
		}
		rows[row][i] += n
	}
	for i, r := range t.Runs {
		g.Header = append(g.Header, r.Run, "%")
		for _, s := range r.Steps {
			add(s.Step, i, s.Samples)
		}
		add(RowRefusal, i, r.Refusals)
		add(RowJudgeFailure, i, r.JudgeFailures)
		add(RowNotJudged, i, r.NotJudged)
	}
	var names []string
	for name := range rows {
		if name != RowRefusal && name != RowJudgeFailure && name != RowNotJudged {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	line := func(name string, counts []int) []string {
		out := []string{name}
		for i, n := range counts {
			share := "–"
			if t.Runs[i].Samples > 0 {
				share = formatPct(100*float64(n)/float64(t.Runs[i].Samples), decimals)
			}
			out = append(out, strconv.Itoa(n), share)
		}
		return out
	}
	for _, name := range append(names, RowRefusal, RowJudgeFailure, RowNotJudged) {
		g.Rows = append(g.Rows, line(name, rows[name]))
	}
	counts := make([]int, len(t.Runs))
	for i, r := range t.Runs {
		counts[i] = r.Samples
	}
	total := line("total", counts)
	for i, r := range t.Runs {
		exp := -1
		if r.Expected != nil {
			exp = *r.Expected
		}
		total[1+2*i] = nOf(r.Samples, exp, r.JudgeFailures == 0 && r.NotJudged == 0 && (exp < 0 || r.Samples >= exp))
	}
	g.Rows = append(g.Rows, total)
	g.Notes = t.Notes
	return g
}

// AgreementGrid lays out the agreement of each pair of runs, and how many samples they left
// out because their outputs differ; nil when there is no pair.
func (t *JudgeTable) AgreementGrid(decimals int) *Grid {
	if len(t.Agreement) == 0 {
		return nil
	}
	return t.agreementGrid(decimals)
}

// agreementGrid lays out the agreement of each pair of runs, with no rows when there is none.
func (t *JudgeTable) agreementGrid(decimals int) *Grid {
	g := &Grid{Header: []string{"runs", "samples", "agree %", "disagree", "pass A", "pass B", "κ", "outputs differ"}}
	for _, a := range t.Agreement {
		kappa := "–"
		if a.Kappa != nil {
			kappa = strconv.FormatFloat(*a.Kappa, 'f', decimals+2, 64)
		}
		g.Rows = append(g.Rows, []string{a.A + " vs " + a.B, strconv.Itoa(a.Samples),
			formatPct(100*float64(a.Agree)/float64(a.Samples), decimals), strconv.Itoa(a.Disagree),
			strconv.Itoa(a.PassA), strconv.Itoa(a.PassB), kappa, strconv.Itoa(a.DifferentOutputs)})
	}
	return g
}

// StepsCSV lays out the judge steps in long form for machines: a line per run and step (and
// for refusals, judge failures and samples not judged), with the share of the run's samples
// in percent (empty when the run has none).
func (t *JudgeTable) StepsCSV() *Grid {
	g := &Grid{Header: []string{"run", "step", "samples", "percent"}}
	for _, r := range t.Runs {
		line := func(step string, n int) {
			share := ""
			if r.Samples > 0 {
				share = formatPct(100*float64(n)/float64(r.Samples), 4)
			}
			g.Rows = append(g.Rows, []string{r.Run, step, strconv.Itoa(n), share})
		}
		for _, s := range r.Steps {
			line(s.Step, s.Samples)
		}
		line(RowRefusal, r.Refusals)
		line(RowJudgeFailure, r.JudgeFailures)
		line(RowNotJudged, r.NotJudged)
	}
	return g
}

// AgreementCSV lays out the agreement of each pair of runs for machines; κ is empty when it
// is undefined.
func (t *JudgeTable) AgreementCSV() *Grid {
	g := &Grid{Header: []string{"a", "b", "samples", "agree", "disagree", "pass_a", "pass_b", "agree_percent", "kappa", "different_outputs"}}
	for _, a := range t.Agreement {
		kappa := ""
		if a.Kappa != nil {
			kappa = strconv.FormatFloat(*a.Kappa, 'f', 4, 64)
		}
		g.Rows = append(g.Rows, []string{a.A, a.B, strconv.Itoa(a.Samples), strconv.Itoa(a.Agree),
			strconv.Itoa(a.Disagree), strconv.Itoa(a.PassA), strconv.Itoa(a.PassB),
			formatPct(100*float64(a.Agree)/float64(a.Samples), 4), kappa, strconv.Itoa(a.DifferentOutputs)})
	}
	return g
}

// Grids returns the grids of t's Section: when Section is "", the summary, the steps, then,
// when two runs' judges graded the same outputs, the agreement and (when they disagree on
// any) the disagreements; or one of them alone.
func (t *JudgeTable) Grids(decimals int) []*Grid {
	switch t.Section {
	case JudgeSummary:
		return []*Grid{t.SummaryGrid(decimals)}
	case JudgeAgreement:
		return []*Grid{t.agreementGrid(decimals)}
	case JudgeDisagreements:
		return []*Grid{t.disagreementsGrid(0)}
	case JudgeSteps:
		return []*Grid{t.StepsGrid(decimals)}
	}
	grids := []*Grid{t.SummaryGrid(decimals), t.StepsGrid(decimals)}
	if ag := t.AgreementGrid(decimals); ag != nil {
		grids = append(grids, ag)
	}
	if dg := t.DisagreementsGrid(MaxDisagreementsListed); dg != nil {
		grids = append(grids, dg)
	}
	return grids
}

// CSV returns the one table of CSV: the steps in long form, or the section Section asks for.
func (t *JudgeTable) CSV(int) *Grid {
	switch t.Section {
	case JudgeSummary:
		return t.SummaryCSV()
	case JudgeAgreement:
		return t.AgreementCSV()
	case JudgeDisagreements:
		return t.DisagreementsCSV()
	}
	return t.StepsCSV()
}

// Layout returns the judge table aggregated so far, its Section the one set on j. JSON always
// holds every section.
func (j *JudgeStats) Layout() Layout {
	t := j.Table()
	t.Section = j.Section
	return t
}
