package reports

import (
	"fmt"
	"strconv"
)

// This file lays out the parts of the judge report that summarise a judge as EvalScope's
// JudgeSummary does: each run's coverage, exclusions and refusals, and the samples two runs'
// judges disagree on.

// MaxDisagreementsListed is how many disagreements of a pair of runs the text and Markdown
// report lists when it shows every section; --section disagreements, CSV and JSON list all.
const MaxDisagreementsListed = 20

// SummaryGrid lays out each run's judge summary: the answers put to the judge, those it
// decided and their share (its coverage), the samples excluded from the scores for a judge
// failure (not scored 0), those of them whose judge gave no valid verdict, and the refusals
// (graded wrong without a judge).
func (t *JudgeTable) SummaryGrid(decimals int) *Grid {
	g := &Grid{Header: []string{"run", "judged", "verdicts", "coverage %", "excluded", "invalid verdicts", "refusals"}}
	for _, r := range t.Runs {
		coverage := "–"
		if r.JudgeCoverage != nil {
			coverage = formatPct(100**r.JudgeCoverage, decimals)
		}
		g.Rows = append(g.Rows, []string{r.Run, strconv.Itoa(r.Judged), strconv.Itoa(r.Judged - r.JudgeFailures), coverage,
			strconv.Itoa(r.JudgeFailures), strconv.Itoa(r.InvalidVerdicts), strconv.Itoa(r.Refusals)})
	}
	return g
}

// SummaryCSV lays out each run's judge summary for machines; the coverage is in percent,
// empty when the judge was put no answer.
func (t *JudgeTable) SummaryCSV() *Grid {
	g := &Grid{Header: []string{"run", "judged", "verdicts", "coverage_percent", "excluded", "invalid_verdicts", "refusals"}}
	for _, r := range t.Runs {
		coverage := ""
		if r.JudgeCoverage != nil {
			coverage = formatPct(100**r.JudgeCoverage, 4)
		}
		g.Rows = append(g.Rows, []string{r.Run, strconv.Itoa(r.Judged), strconv.Itoa(r.Judged - r.JudgeFailures), coverage,
			strconv.Itoa(r.JudgeFailures), strconv.Itoa(r.InvalidVerdicts), strconv.Itoa(r.Refusals)})
	}
	return g
}

// DisagreementsGrid lays out the samples each pair of runs' judges disagree on, at most limit
// of a pair (all when limit is 0) and a row saying how many more there are (which --section
// disagreements lists); nil when they disagree on none.
func (t *JudgeTable) DisagreementsGrid(limit int) *Grid {
	for _, a := range t.Agreement {
		if len(a.Disagreements) > 0 {
			return t.disagreementsGrid(limit)
		}
	}
	return nil
}

// disagreementsGrid lays out the disagreements of each pair of runs, with no rows when there
// is none.
func (t *JudgeTable) disagreementsGrid(limit int) *Grid {
	g := &Grid{Header: []string{"runs", "sample", "A", "B"}, Left: 4}
	for _, a := range t.Agreement {
		runs := a.A + " vs " + a.B
		for i, d := range a.Disagreements {
			if limit > 0 && i == limit {
				g.Rows = append(g.Rows, []string{runs, fmt.Sprintf("… %d more", len(a.Disagreements)-limit), "", ""})
				break
			}
			g.Rows = append(g.Rows, []string{runs, Key{d.Suite, d.ID, d.Repeat}.String(), verdictCell(d.PassA, d.StepA), verdictCell(d.PassB, d.StepB)})
		}
	}
	return g
}

// verdictCell writes a verdict and the step that gave it: "pass (math)".
func verdictCell(pass bool, step string) string {
	v := "fail"
	if pass {
		v = "pass"
	}
	if step == "" {
		return v
	}
	return v + " (" + step + ")"
}

// DisagreementsCSV lays out every disagreement of every pair of runs for machines.
func (t *JudgeTable) DisagreementsCSV() *Grid {
	g := &Grid{Header: []string{"a", "b", "suite", "id", "repeat", "pass_a", "pass_b", "step_a", "step_b"}}
	for _, a := range t.Agreement {
		for _, d := range a.Disagreements {
			g.Rows = append(g.Rows, []string{a.A, a.B, d.Suite, d.ID, strconv.Itoa(d.Repeat),
				strconv.FormatBool(d.PassA), strconv.FormatBool(d.PassB), d.StepA, d.StepB})
		}
	}
	return g
}
