package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
			dirs, err := expandRuns(c.Args().Slice())
			if err != nil {
				return usageError("merge: %v", err)
			}
			sum, err := reports.Merge(out, dirs, reports.MergeOptions{Partial: c.Bool("partial")})
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

// expandRuns replaces each argument that is not a run directory (it has no manifest.json) by
// the run directories directly inside it, in name order: `realx merge runs/qwen/math500` takes
// the shard-I-of-N directories a sharded run writes there, or the artifacts a CI job
// downloaded, with no shell to expand a pattern. Hidden directories (an unfinished rejudge's)
// are not runs. A run directory that also holds runs — the default directory of a run of the
// whole suite holds its shards' — is refused unless one of those runs is named too: merging
// it alone, or with its shards, is for the user to say.
func expandRuns(args []string) ([]string, error) {
	named := map[string]bool{}
	for _, arg := range args {
		named[filepath.Clean(arg)] = true
	}
	var dirs []string
	for _, arg := range args {
		subs, err := runsIn(arg)
		if isRun(arg) {
			if len(subs) > 0 && !slices.ContainsFunc(subs, func(s string) bool { return named[filepath.Clean(s)] }) {
				names := make([]string, len(subs))
				for i, s := range subs {
					names[i] = filepath.Base(s)
				}
				pattern := filepath.Join(arg, "*")
				if strings.HasPrefix(names[0], "shard-") {
					pattern = filepath.Join(arg, "shard-*")
				}
				return nil, fmt.Errorf("%s is a run, and holds other runs too (%s); name what to merge: %s (the runs inside it), or %s %s (it with them)",
					arg, strings.Join(names, ", "), pattern, arg, pattern)
			}
			dirs = append(dirs, arg)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s is not a run directory: %w", arg, err)
		}
		if len(subs) == 0 {
			return nil, fmt.Errorf("%s holds no run (no %s in it or in its directories)", arg, reports.ManifestFile)
		}
		dirs = append(dirs, subs...)
	}
	return dirs, nil
}

// isRun reports whether dir is a run directory.
func isRun(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, reports.ManifestFile))
	return err == nil
}

// runsIn returns the run directories directly inside dir, in name order, hidden ones left out.
func runsIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && isRun(sub) {
			runs = append(runs, sub)
		}
	}
	return runs, nil
}
