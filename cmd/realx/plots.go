package main

import (
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/reports/plots"
)

// withPlots returns table reading its runs also into the tables the figures of --plots draw
// (accuracy grouped by `by`, tool usage), and the function that draws them into dir once the
// runs are read.
func withPlots(table reports.Report, by, dir string) (reports.Report, func() error, error) {
	acc, err := reports.NewAccuracy(by)
	if err != nil {
		return nil, nil, usageError("--by: %v", err)
	}
	tools, err := reports.NewToolUsage(by)
	if err != nil {
		return nil, nil, usageError("--by: %v", err)
	}
	draw := func() error {
		figs, err := plots.Figures(acc.Table(), tools.Table())
		if err != nil {
			return err
		}
		_, err = plots.WriteDir(dir, figs)
		return err
	}
	return reports.Tee(table, acc, tools), draw, nil
}
