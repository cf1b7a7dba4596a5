package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
)

// exitRegression is the exit code of `realx compare` when a row regressed.
const exitRegression = 1

// compareCommand is `realx compare BASE NEW`.
func compareCommand() *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "set a run beside a baseline sample by sample: per-capability differences with paired-bootstrap intervals and McNemar's exact test, the samples that flipped, and a gate for CI (exit 1 on a significant regression)",
		ArgsUsage: "BASE NEW (run directories or results logs)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "by", Value: "capability", Usage: "rows by capability, suite, … or metadata.FIELD (and overall)"},
			&cli.Float64Flag{Name: "max-drop", Usage: "the drop in points a row (overall or a capability) may show: it regresses only when its whole interval lies below -PTS"},
			&cli.Float64Flag{Name: "alpha", Value: 0.05, Usage: "the level of the tests (family-wise over the rows, Holm's method); the intervals are at 1-alpha"},
			&cli.IntFlag{Name: "resamples", Value: 10_000, Usage: "paired-bootstrap resamples (with a fixed seed: the same runs give the same intervals)"},
			&cli.IntFlag{Name: "flips", Value: 20, Usage: "how many samples that went each way to list in text and md (-1: all)"},
			formatFlag("the comparison's format (md is ready to post as a pull-request comment)", "f"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file instead of stdout"},
			&cli.StringFlag{Name: "junit", Usage: "also write the comparison as JUnit XML to this file: a test case per row, failed when it regressed"},
			&cli.IntFlag{Name: "decimals", Value: 1, Usage: "decimals of percentages in text and md"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageError("compare: name two runs, BASE and NEW (got %d)", c.NArg())
			}
			o := reports.CompareOptions{By: c.String("by"), MaxDrop: c.Float64("max-drop"), Alpha: c.Float64("alpha"),
				Resamples: c.Int("resamples"), Seed: 15}
			switch {
			case o.MaxDrop < 0:
				return usageError("compare: --max-drop must be 0 or more points, got %g", o.MaxDrop)
			case o.Alpha <= 0 || o.Alpha >= 1:
				return usageError("compare: --alpha must be between 0 and 1, got %g", o.Alpha)
			case o.Resamples < 100:
				return usageError("compare: --resamples must be at least 100, got %d", o.Resamples)
			}
			args := c.Args().Slice()
			for _, path := range []string{c.String("output"), c.String("junit")} {
				if in := reports.ReadsFile(args, path); path != "" && in != "" {
					return usageError("compare: %s would write over the input %s", path, in)
				}
			}
			cmp, err := reports.Compare(args[0], args[1], c.App.Reader, c.App.ErrWriter, o)
			var bad *reports.CompareInputError
			switch {
			case errors.As(err, &bad):
				return usageError("compare: %v", err)
			case err != nil:
				return usageError("compare: --by: %v", err)
			}
			cmp.ShowFlips(c.Int("flips"))
			write := func(w io.Writer) error { return reports.Write(w, cmp, c.String("format"), c.Int("decimals")) }
			if err := writeTo(c, c.String("output"), write); err != nil {
				return err
			}
			if path := c.String("junit"); path != "" {
				err := writeTo(c, path, func(w io.Writer) error { return reports.WriteJUnit(w, cmp, c.Int("decimals")) })
				if err != nil {
					return err
				}
			}
			if !cmp.Pass {
				return cli.Exit("realx: compare: regression: "+strings.Join(regressions(cmp), "; "), exitRegression)
			}
			return nil
		},
	}
}

// regressions describes the rows of cmp that regressed.
func regressions(cmp *reports.Comparison) []string {
	var out []string
	for _, r := range cmp.Rows {
		if r.Regression {
			out = append(out, fmt.Sprintf("%s %+.1f points [%+.1f, %+.1f], p (Holm) %.3g", r.Key, r.Delta, r.CILow, r.CIHigh, r.PHolm))
		}
	}
	return out
}

// writeTo calls write with stdout when path is empty, else with the file at path, written
// whole or not at all.
func writeTo(c *cli.Context, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(c.App.Writer)
	}
	f, err := reports.CreateOutput(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}
