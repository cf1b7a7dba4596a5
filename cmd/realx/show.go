package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports/view"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print one sample's trajectory: question, turns, tool calls and what they returned, answer, gold and verdict",
		ArgsUsage: "RUN ID (a run directory, a results.jsonl file, or - for stdin; the sample's id)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "suite", Usage: "the sample of this suite, when several suites of the run have its id"},
			&cli.IntFlag{Name: "repeat", Value: -1, Usage: "this repeat of the sample (from 0; default every repeat)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageError("show: give a run and a sample id: realx show RUN ID")
			}
			o := view.ShowOptions{Suite: c.String("suite"), Repeat: c.Int("repeat")}
			err := view.Show(c.App.Writer, c.Args().Get(0), c.App.Reader, c.App.ErrWriter, c.Args().Get(1), o)
			var nf *view.NotFoundError
			if errors.As(err, &nf) {
				return cli.Exit("realx: show: "+nf.Error(), 1)
			}
			return err
		},
	}
}
