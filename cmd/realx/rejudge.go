package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
)

func rejudgeCommand() *cli.Command {
	return &cli.Command{
		Name:      "rejudge",
		Usage:     "grade a run's recorded outputs again, with another judge, without calling the model",
		ArgsUsage: "RUN",
		Description: `The run's suites are loaded again from the sources its manifest names (or --suite) for
the questions and gold answers; a suite file or data file that changed since the run is refused
unless --allow-changed-data. A sample is judged again when its judge changed (its record's
judge id is not the new judge's), when its judge failed, or, with --allow-changed-data, when
what the judge reads of it changed (its gold answers, choices, question or metadata); every
other record is copied, and the command says how many of each. LLM
verdicts come from the judge cache when it holds them: the run's own cache is read, and new
verdicts are added to it (and to the new run's), so that grading the same run again with the
same judge asks nobody. The result is a new run directory, built beside --out under a hidden
name of its own (.OUT.rejudging-RANDOM, for this user alone) and renamed to --out when
complete: an interrupted rejudge leaves nothing at --out, and the same command goes on with
the verdicts it had. The old run is never rewritten.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "judge", Aliases: []string{"j"}, Usage: "the new judge: a kind (llm, math, em …) or a YAML file holding a judge (default: each suite's own)"},
			&cli.StringFlag{Name: "judge-template", Usage: "the llm judge's prompt: a shipped template (equivalence, simpleqa, option) or a template file"},
			&cli.StringSliceFlag{Name: "suite", Usage: "a suite (shipped name or YAML file) to load instead of the one the manifest names, matched by name"},
			&cli.BoolFlag{Name: "allow-changed-data", Usage: "grade against the suite and data as they are now, though their files changed since the run: every sample whose gold answers, choices, question or metadata changed is judged again (the new manifest records the new digests)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the new run directory (default RUN-rejudged, or RUN-rejudged-N when taken)"},
			concurrencyFlag("samples judged"),
			progressFlag(),
			formatFlag("format of the summary printed at the end"),
		}, judgeFlags()...),
		Action: rejudgeRun,
	}
}

func rejudgeRun(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("rejudge: name exactly one run directory")
	}
	sched, problems := readSchedule(c)
	if len(problems) > 0 {
		return usageError("rejudge: %s", strings.Join(problems, "; "))
	}
	if c.IsSet("judge-template") && c.String("judge") == "" {
		return usageError("rejudge: --judge-template needs --judge llm")
	}
	rj := realx.Rejudge{Src: c.Args().First(), Out: c.String("out"), Suites: c.StringSlice("suite"),
		AllowChangedData: c.Bool("allow-changed-data"), Command: commandLine(c), Version: version}
	if c.String("judge") != "" {
		spec, _, err := specFromJudgeFlag(c)
		if err != nil {
			return configErrors(err)
		}
		rj.Judge = &spec
	}
	jc, err := readJudgeConfig(c, os.Getenv, nil)
	if err != nil {
		return usageError("rejudge: %v", err)
	}
	eng, err := realx.New(realx.Config{Concurrency: sched.concurrency, Judges: jc,
		Observer: reports.NewProgress(c.App.ErrWriter, sched.progress, false), Log: c.App.ErrWriter})
	if err != nil {
		return usageError("rejudge: %v", err)
	}
	defer eng.Close()
	res, err := eng.Rejudge(c.Context, rj)
	if err != nil {
		return commandError("rejudge", err)
	}
	if res.Stop != "" {
		return cli.Exit(fmt.Sprintf("realx: interrupted; nothing was written to %s (the unfinished rejudge is in %s, the verdicts given so far cached): run the same command again to go on", res.Out, res.Work), exitInterrupted)
	}
	fmt.Fprintf(c.App.ErrWriter, "realx: %d samples: %d judged again (%d judge failures), %d copied; results in %s\n",
		res.Rejudged+res.Copied, res.Rejudged, res.Failed, res.Copied, res.Out)
	if rj.AllowChangedData {
		fmt.Fprintf(c.App.ErrWriter, "realx: %d judged again because their gold answers, choices, question or metadata changed with the data\n", res.Changed)
	}
	if res.Unknown > 0 {
		fmt.Fprintf(c.App.ErrWriter, "realx: %d records name a sample their suite no longer has: copied as they were\n", res.Unknown)
	}
	return reports.PrintAccuracy(c.App.Writer, []string{res.Out}, c.App.ErrWriter, c.String("format"))
}
