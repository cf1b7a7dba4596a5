package main

import (
	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/reports/view"
)

func viewCommand() *cli.Command {
	return &cli.Command{
		Name:      "view",
		Usage:     "write one self-contained HTML page of runs: summary tables and figures, then every sample's trajectory, with filters",
		ArgsUsage: "RUN... (run directories, results.jsonl files, or - for stdin)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the HTML file to write (required)"},
			&cli.StringFlag{Name: "title", Usage: "the page's title (default: realx view: and the runs)"},
			&cli.Float64Flag{Name: "image-budget", Value: view.DefaultImageBudget >> 20, Usage: "the most MiB of images the page holds; the page says how many it leaves out (0: none)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("view: name at least one run directory or results log (- for stdin)")
			}
			path := c.String("output")
			if path == "" {
				return usageError("view: -o FILE is required: the page to write")
			}
			if mib := c.Float64("image-budget"); mib < 0 {
				return usageError("view: --image-budget must not be negative, got %v", mib)
			}
			if in := reports.ReadsFile(c.Args().Slice(), path); in != "" {
				return usageError("view: -o %s would write over the input %s", path, in)
			}
			f, err := reports.CreateOutput(path)
			if err != nil {
				return err
			}
			defer f.Abort()
			opts := view.Options{Title: c.String("title"), ImageBudget: int64(c.Float64("image-budget") * (1 << 20))}
			if err := view.Write(f, c.Args().Slice(), c.App.Reader, c.App.ErrWriter, opts); err != nil {
				return err
			}
			return f.Commit()
		},
	}
}
