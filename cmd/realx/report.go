package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "report accuracy per capability (or any field) for run directories or results logs",
		ArgsUsage: "RUN... (run directories, results.jsonl files, or - for stdin)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "table", Aliases: []string{"t"}, Value: "capability", Usage: "capability (accuracy per group), paper (runs as rows, capabilities or suites as columns, several suites side by side: the table of a paper; the default of --format latex), tools (tool usage per group: tool-call rate, categories of calls, each tool, calls per sample, frequent sequences, time; --by suite for each benchmark), search (share of samples that searched, searches per sample by kind, store hits and misses, search recall), repeats (mean ± std over repeats, pass@k, majority vote) or judges (judge coverage, exclusions and refusals, samples decided per judge step, agreement and disagreements between judges of the same outputs)"},
			&cli.IntSliceFlag{Name: "k", Usage: "the k of pass@k columns in --table repeats (default 1 and the number of repeats)"},
			&cli.StringFlag{Name: "by", Value: "capability", Usage: "group rows by capability, suite, model, stop, judge_step, error … or metadata.FIELD"},
			formatFlag("the table's format", "f"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file instead of stdout"},
			&cli.IntFlag{Name: "decimals", Value: 1, Usage: "decimals of percentages in text and md"},
			&cli.StringFlag{Name: "section", Usage: "print one table of a report of several: with --table judges, summary, steps, agreement or disagreements, every disagreement listed (CSV holds one table: the steps unless another is named); with --table tools, " + orList(reports.ToolSections) + " (CSV: the usage unless another)"},
			&cli.BoolFlag{Name: "common", Usage: "count in every column only the samples that every run graded, so that runs side by side count the same samples"},
			&cli.StringFlag{Name: "plots", Usage: "also draw figures into this directory, each as SVG and PNG: accuracy per group and run, tool calls by category, tool calls per sample, accuracy by number of calls"},
			&cli.BoolFlag{Name: "require-complete", Usage: "exit 4 when a run lacks a verdict for a sample it should have (missing, or an error), or its expected count is unknown: for CI"},
			&cli.StringSliceFlag{Name: "rows", Usage: "with --table paper: the rows, in order, by run label or model (runs of one model over different suites share a row)"},
			&cli.StringSliceFlag{Name: "columns", Usage: "with --table paper: the columns, in order: SUITE (all its columns), SUITE/CAPABILITY or SUITE/overall"},
			&cli.StringFlag{Name: "order", Usage: "with --table paper: sort the rows by name, average, or a column (SUITE for its overall, SUITE/CAPABILITY), best first"},
			&cli.BoolFlag{Name: "ci", Usage: "with --table paper: ± half the width of each figure's 95% interval"},
			&cli.BoolFlag{Name: "average", Usage: "with --table paper: a column of each row's mean over its suites (each suite weighing the same)"},
			&cli.StringSliceFlag{Name: "rename", Usage: "with --table paper: KEY=NAME prints a run, row, suite (SUITE), column (SUITE/CAPABILITY, SUITE/overall) under NAME"},
			&cli.StringFlag{Name: "caption", Usage: "with --table paper: the table's caption (LaTeX), its title (text, md)"},
			&cli.StringFlag{Name: "label", Usage: "with --table paper: the LaTeX table's \\label"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("report: name at least one run directory or results log (- for stdin)")
			}
			name := c.String("table")
			if !c.IsSet("table") && c.String("format") == "latex" {
				name = "paper" // the table a paper prints
			}
			table, err := newReport(name, c.String("by"), c.IntSlice("k"))
			if err != nil {
				return err
			}
			if _, ok := table.(*reports.Paper); ok {
				if table, err = paperReport(c); err != nil {
					return err
				}
			} else {
				for _, f := range paperFlags {
					if c.IsSet(f) {
						return usageError("report: --%s goes with --table paper (or --format latex)", f)
					}
				}
			}
			if section := c.String("section"); section != "" {
				if err := setSection(table, section); err != nil {
					return err
				}
			}
			var figures func() error
			if dir := c.String("plots"); dir != "" {
				if table, figures, err = withPlots(table, c.String("by"), dir); err != nil {
					return err
				}
			}
			opts := reports.PrintOptions{Format: c.String("format"), Decimals: c.Int("decimals"), Common: c.Bool("common")}
			write := func(w io.Writer) ([]reports.Coverage, error) {
				covs, err := reports.PrintWith(w, c.Args().Slice(), c.App.Reader, c.App.ErrWriter, table, opts)
				var nf *reports.NoFieldError
				var po *reports.PaperOptionError
				if errors.As(err, &nf) || errors.As(err, &po) {
					return nil, usageError("report: %v", err)
				}
				return covs, err
			}
			var covs []reports.Coverage
			if path := c.String("output"); path == "" {
				if covs, err = write(c.App.Writer); err != nil {
					return err
				}
			} else {
				if in := reports.ReadsFile(c.Args().Slice(), path); in != "" {
					return usageError("report: -o %s would write over the input %s", path, in)
				}
				f, err := reports.CreateOutput(path)
				if err != nil {
					return err
				}
				defer f.Abort()
				if covs, err = write(f); err != nil {
					return err
				}
				if err := f.Commit(); err != nil {
					return err
				}
			}
			if figures != nil {
				if err := figures(); err != nil {
					return err
				}
			}
			if c.Bool("require-complete") {
				return requireComplete(covs)
			}
			return nil
		},
	}
}

// paperFlags are the flags of the paper table alone.
var paperFlags = []string{"rows", "columns", "order", "ci", "average", "rename", "caption", "label"}

// paperReport returns the paper table the flags describe.
func paperReport(c *cli.Context) (*reports.Paper, error) {
	o := reports.PaperOptions{By: c.String("by"), Rows: c.StringSlice("rows"), Columns: c.StringSlice("columns"),
		Order: c.String("order"), CI: c.Bool("ci"), Average: c.Bool("average"), Caption: c.String("caption"),
		Label: c.String("label"), Decimals: c.Int("decimals"), Rename: map[string]string{}}
	for _, kv := range c.StringSlice("rename") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageError("report: --rename %q: want KEY=NAME", kv)
		}
		o.Rename[k] = v
	}
	p, err := reports.NewPaper(o)
	if err != nil {
		return nil, usageError("report: --by: %v", err)
	}
	return p, nil
}

// requireComplete returns the exit-4 error of --require-complete when a run falls short of
// its expected sample set, or cannot tell what that set is.
func requireComplete(covs []reports.Coverage) error {
	var problems []string
	for _, cv := range covs {
		switch {
		case !cv.Complete():
			problems = append(problems, fmt.Sprintf("%s: %s", cv.Run, cv.Problem()))
		case !cv.Known():
			problems = append(problems, fmt.Sprintf("%s: how many samples it should have is unknown (give its run directory, whose manifest says)", cv.Run))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return cli.Exit("realx: report: --require-complete: "+strings.Join(problems, "; "), exitIncomplete)
}

// setSection makes table show only its section named by --section.
func setSection(table reports.Report, section string) error {
	switch t := table.(type) {
	case *reports.JudgeStats:
		if !slices.Contains(reports.JudgeSections, section) {
			return usageError("report: unknown --section %q (want %s)", section, orList(reports.JudgeSections))
		}
		t.Section = section
	case *reports.ToolUsage:
		if !slices.Contains(reports.ToolSections, section) {
			return usageError("report: unknown --section %q of --table tools (want %s)", section, orList(reports.ToolSections))
		}
		t.Section = section
	default:
		return usageError("report: --section goes with --table judges or tools")
	}
	return nil
}

// newReport returns the empty report named by --table, grouped by --by.
func newReport(name, by string, ks []int) (reports.Report, error) {
	rep, err := reports.NewReport(name, by, ks)
	var unknown *reports.UnknownTableError
	switch {
	case errors.As(err, &unknown):
		return nil, usageError("report: unknown --table %q (want %s)", name, orList(reports.Tables))
	case err != nil:
		return nil, usageError("--by: %v", err)
	}
	return rep, nil
}

// orList writes names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
