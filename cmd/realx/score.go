package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
)

func scoreCommand(in *interrupt) *cli.Command {
	return &cli.Command{
		Name:      "score",
		Usage:     "grade a published predictions file against a suite's gold answers, with no model calls",
		ArgsUsage: "SUITE",
		Description: `The predictions file is JSONL, a JSON array, or a JSON object of records keyed by id (as
MathVista publishes its results). Each record's --id-field names the sample; its
--response-field is graded as the model's output. Samples with no prediction are recorded as
input errors, never as wrong answers; the command exits 4 when more than --max-error-rate of
the samples have no verdict. A response that is a list or an object is graded as Python's
str() writes it ([1, 2]), as official scorers do. The result is an ordinary run directory, in a
directory that does not hold another run; the same command resumes a score that was stopped,
and LLM verdicts it has (the judge cache in --out) are not asked for again.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "predictions", Aliases: []string{"p"}, Usage: "the predictions file"},
			&cli.StringFlag{Name: "id-field", Value: "id", Usage: "the field holding the sample id (a JSON object's keys serve when absent)"},
			&cli.StringFlag{Name: "response-field", Value: "response", Usage: "the field holding the output to grade"},
			&cli.StringFlag{Name: "label", Usage: "the model's name in reports (default: the predictions file's name)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the run directory to write"},
			formatFlag("format of the summary printed at the end"),
			&cli.StringFlag{Name: "judge", Aliases: []string{"j"}, Usage: "grade with this judge instead of the suite's: a kind (mathvista, math …) or a YAML file holding a judge (mathvista with extract: [llm], a cascade …)"},
			maxErrorRateFlag(),
			dataCacheFlag(),
			concurrencyFlag("samples graded"),
			progressFlag(),
			graceFlag(),
		}, judgeFlags()...),
		Action: func(c *cli.Context) error { return scorePredictions(c, in) },
	}
}

func scorePredictions(c *cli.Context, in *interrupt) error {
	if c.NArg() != 1 {
		return usageError("score: name exactly one suite")
	}
	predPath, out := c.String("predictions"), c.String("out")
	if predPath == "" || out == "" {
		return usageError("score: --predictions and --out are required")
	}
	maxErrorRate, err := readMaxErrorRate(c)
	if err != nil {
		return usageError("score: %v", err)
	}
	sched, problems := readSchedule(c)
	if len(problems) > 0 {
		return usageError("score: %s", strings.Join(problems, "; "))
	}
	s, ds, err := realx.LoadSuiteWith(c.Args().First(), suiteOptions(c))
	if err != nil {
		return configErrors(err)
	}
	if c.String("judge") != "" {
		spec, _, err := specFromJudgeFlag(c)
		if err != nil {
			return configErrors(err)
		}
		s.Judge = spec
	}
	jc, err := readJudgeConfig(c, os.Getenv, nil)
	if err != nil {
		return usageError("score: %v", err)
	}
	preds, err := realx.ReadPredictions(predPath, c.String("id-field"), c.String("response-field"))
	if err != nil {
		return configErrors(err)
	}
	label := c.String("label")
	if label == "" {
		label = strings.TrimSuffix(filepath.Base(predPath), filepath.Ext(predPath))
	}
	eng, err := realx.New(realx.Config{Concurrency: sched.concurrency, Judges: jc,
		Observer: reports.NewProgress(c.App.ErrWriter, sched.progress, false), Log: c.App.ErrWriter})
	if err != nil {
		return usageError("score: %v", err)
	}
	defer eng.Close()
	p, err := eng.NewPlan(s, ds, realx.PlanOptions{Predictions: preds})
	if err != nil {
		return configErrors(err)
	}
	in.drains(eng.Interrupt)
	res, err := eng.Run(c.Context, []*realx.Plan{p}, realx.Run{Dir: out, Label: label, Grace: graceOf(sched.grace),
		Command: commandLine(c), Version: version, Concurrency: sched.concurrency})
	var other *reports.OtherRunError
	if errors.As(err, &other) || errors.Is(err, reports.ErrNoManifest) {
		return usageError("score: %s holds a run already (%s); choose another --out (or remove it)", out, reports.HoldsRun(out))
	}
	if err != nil {
		return commandError("score", err)
	}
	stderr := c.App.ErrWriter
	missing, extra := preds.Missing(p)
	if missing > 0 {
		fmt.Fprintf(stderr, "realx: %d of %d samples have no prediction (recorded as input errors)\n", missing, len(p.Samples))
	}
	if extra > 0 {
		fmt.Fprintf(stderr, "realx: %d predictions name no sample of %s\n", extra, s.Name)
	}
	if err := reports.PrintAccuracy(c.App.Writer, []string{out}, stderr, c.String("format")); err != nil {
		return err
	}
	return exitOf(res, maxErrorRate, "score again into a new --out with the missing predictions, or allow them with --max-error-rate")
}
