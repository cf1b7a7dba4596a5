package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/tasks"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check suites and their data; print every problem as file:line:col and exit 2",
		Description: `Everything run checks before its first model call is checked, and every problem is printed at
once: the suite file, its judge, agent and search blocks (the corpus read, the store opened),
every data record, and every sample's prompt.
Warnings (exit 0) say what run allows but is likely a mistake: image files that are missing
(looked for, never read; a missing image fails its sample as an input error), records without
a gold answer in a suite that says it has none, no bubblewrap for a suite that runs Python.`,
		ArgsUsage: "SUITE...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "image-root", Usage: "the directory relative image paths resolve against, as run's --image-root"},
			dataCacheFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("validate: name at least one suite (a shipped name or a YAML file)")
			}
			var problems []error
			var warnings tasks.Errors
			for _, arg := range c.Args().Slice() {
				o := suiteOptions(c)
				o.AllowNotPulled = true
				s, ds, err := realx.ReadSuiteWith(arg, o)
				if err != nil {
					problems = append(problems, err)
				}
				if s == nil {
					continue
				}
				if ps := realx.CheckSearch(s); len(ps) > 0 {
					problems = append(problems, ps.Err())
				}
				if root := c.String("image-root"); root != "" {
					s.SetImageRoot(root)
				}
				warnings = append(warnings, realx.Warnings(s, ds, c.IsSet("image-root"))...)
			}
			printWarnings(c.App.ErrWriter, warnings)
			if len(problems) > 0 {
				return configErrors(errors.Join(problems...))
			}
			fmt.Fprintf(c.App.Writer, "ok: %d suite(s)", c.NArg())
			if len(warnings) > 0 {
				fmt.Fprintf(c.App.Writer, ", %d warning(s)", len(warnings))
			}
			fmt.Fprintln(c.App.Writer)
			return nil
		},
	}
}

// printWarnings writes each warning as "file:line:col: warning: message".
func printWarnings(w io.Writer, warnings tasks.Errors) {
	for _, e := range warnings {
		out := *e
		out.Msg = "warning: " + e.Msg
		fmt.Fprintln(w, out.Error())
	}
}
