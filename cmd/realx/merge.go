package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
)

// mergeCommand is `realx merge SHARD... --out DIR`.
func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "make one run from the shards of a run (or pieces of it run apart)",
		ArgsUsage: "SHARD... (run directories, or directories holding them)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the merged run directory (must not hold a run)"},
			&cli.BoolFlag{Name: "partial", Usage: "merge even when shards of the run are missing"},
			formatFlag("format of the accuracy table printed at the end"),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("merge: name the run directories of the shards")
			}
			out := c.String("out")
			if out == "" {
				return usageError("merge: --out is required")
			}
			dirs, err := reports.ExpandRuns(c.Args().Slice())
			if err != nil {
				return usageError("merge: %v", err)
			}
			sum, err := reports.Merge(out, dirs, reports.MergeOptions{Partial: c.Bool("partial"), Command: dropShardFlags})
			var me *reports.MergeError
			if errors.As(err, &me) {
				return usageError("merge: %v", err)
			}
			if err != nil {
				return err
			}
			stderr := c.App.ErrWriter
			sum.Unreadable.Warn(stderr, "left out of the merged run")
			if len(sum.MissingShards) > 0 {
				var names []string
				for _, i := range sum.MissingShards {
					names = append(names, fmt.Sprint(i))
				}
				fmt.Fprintf(stderr, "realx: warning: shards %s are missing\n", strings.Join(names, ", "))
			}
			if sum.Records < sum.Expected {
				fmt.Fprintf(stderr, "realx: warning: %d of %d samples have no record (resume the shards that stopped, then merge again)\n", sum.Expected-sum.Records, sum.Expected)
			}
			fmt.Fprintf(stderr, "realx: merged %d runs into %s: %d records, %d samples found in more than one\n", len(dirs), out, sum.Records, sum.Duplicates)
			return reports.PrintAccuracy(c.App.Writer, []string{out}, stderr, c.String("format"))
		},
	}
}

// dropShardFlags removes --shard and --shards (with their values) from a command line: the
// command of a merged run is that of the run of every sample.
func dropShardFlags(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if strings.HasPrefix(args[i], "-") && (name == "shard" || name == "shards") {
			if !hasValue {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}
