package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the shipped suites: size, capabilities, tools, judge, paper numbers and whether their data is here",
		ArgsUsage: " ",
		Description: `A suite whose data ships with it counts its samples from the data; one whose data is pulled
(data.source) gives the count its suite declares, and says whether its data is in the data
cache (realx data pull SUITE puts it there). Paper numbers are those the suite says a run
should reproduce: the model, the figure, and where it is printed (--format json has them all).`,
		Flags: []cli.Flag{
			formatFlag("the listing's format"),
			dataCacheFlag(),
		},
		Action: func(c *cli.Context) error {
			var suites []suiteSummary
			g := &reports.Grid{Header: []string{"suite", "capabilities", "tools", "judge", "paper", "data", "samples"}, Left: 6}
			for _, name := range benchmarks.List() {
				s, err := benchmarks.Load(name)
				if err != nil {
					return fmt.Errorf("shipped suite %s: %w", name, err)
				}
				if dc := c.String("data-cache"); dc != "" {
					s.SetDataCache(dc)
				}
				sum, err := summarize(name, s)
				if err != nil {
					return fmt.Errorf("shipped suite %s: %w", name, err)
				}
				suites = append(suites, sum)
				g.Rows = append(g.Rows, sum.row())
			}
			return reports.Write(c.App.Writer, reports.Listing{Grid: g, Value: suites}, c.String("format"), 0)
		},
	}
}

// suiteSummary is what realx list shows of a suite.
type suiteSummary struct {
	Name    string `json:"suite"`
	Version string `json:"version"`
	// Samples is the number of samples: counted in the data, or declared by its source (0
	// when it declares none).
	Samples      int                 `json:"samples"`
	Capabilities []string            `json:"capabilities"`
	Tools        []string            `json:"tools"`
	Judge        string              `json:"judge"`
	Paper        []tasks.PaperNumber `json:"paper"`
	// Data is "shipped", "pulled" or "not pulled".
	Data string `json:"data"`
	// Source names a pulled suite's source.
	Source string `json:"source,omitempty"`
}

// summarize says what realx list shows of suite s, named name.
func summarize(name string, s *tasks.Suite) (suiteSummary, error) {
	sum := suiteSummary{Name: name, Version: s.Version, Judge: judgeName(s.Judge), Paper: s.Paper, Data: "shipped",
		Capabilities: []string{}, Tools: []string{}}
	if sum.Paper == nil {
		sum.Paper = []tasks.PaperNumber{}
	}
	for _, cp := range s.Capabilities {
		sum.Capabilities = append(sum.Capabilities, cp.Name)
	}
	sum.Tools = append(sum.Tools, s.Agent.Tools...)
	if p, ok := runners.ProtocolByName(s.Agent.Protocol); ok && len(s.Agent.Tools) == 0 && s.Agent.Protocol != "" {
		sum.Tools = append(sum.Tools, p.DefaultTools()...)
	}
	if src := s.Data.Source; src != nil {
		st, err := s.PullStatus()
		if err != nil {
			return sum, err
		}
		sum.Samples, sum.Source, sum.Data = src.Samples, src.Name(), "not pulled"
		if st.Pulled() {
			sum.Data = "pulled"
		}
		return sum, nil
	}
	ds, err := s.Samples()
	if err != nil {
		return sum, err
	}
	sum.Samples = len(ds.Samples)
	return sum, nil
}

// maxListedPaper is how many of a suite's paper numbers (whole-suite accuracies) a listing row
// shows, the rest counted as "+N more" (`realx list --format json` has them all).
const maxListedPaper = 3

// row is the summary as a row of the listing.
func (sum suiteSummary) row() []string {
	samples := strconv.Itoa(sum.Samples)
	if sum.Samples == 0 && sum.Data != "shipped" {
		samples = "?"
	}
	var paper []string
	more := 0
	for _, p := range sum.Paper {
		if p.Capability != "" || p.MetricName() != "accuracy" || len(paper) == maxListedPaper {
			more++
			continue
		}
		paper = append(paper, fmt.Sprintf("%s %s", p.Model, strconv.FormatFloat(p.Value, 'f', -1, 64)))
	}
	if more > 0 {
		paper = append(paper, fmt.Sprintf("+%d more", more))
	}
	return []string{sum.Name, orDash(strings.Join(sum.Capabilities, ", ")), orDash(strings.Join(sum.Tools, ", ")),
		sum.Judge, orDash(strings.Join(paper, ", ")), sum.Data, samples}
}

// judgeName names a suite's judge: its kind, or its cascade's steps.
func judgeName(j tasks.JudgeSpec) string {
	if !j.IsCascade() {
		return j.Kind
	}
	steps := make([]string, len(j.Steps))
	for i, st := range j.Steps {
		steps[i] = st.Kind
	}
	return strings.Join(steps, " → ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
