package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/tasks"
)

func judgeCommand() *cli.Command {
	return &cli.Command{
		Name:  "judge",
		Usage: "grade JSONL rows (prediction, answer, …) and write each back with pass, score and extracted",
		Description: `Each input row holds "prediction" (the model's output) and "answer" (the gold answer, or a list
of them: the first and its alternatives), and where the judge needs them "question" (an LLM
judge shows it), "choices" (a list, or an object from letters to options), "answer_type",
"precision", "question_type" or "alternatives". Each row is written back, its fields in their order, with "pass", "score" and
"extracted" added (and "reason" when the judge gives one). A row that cannot be judged gets an
"error" field instead, is reported on stderr with its line number, and makes the exit code 1.
Rows are judged as many at once as -c and the LLM judge's endpoint allow, and written in order.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "judge", Aliases: []string{"j"}, Usage: "the judge kind (mathvista, math, choice, em, f1, llm …), or a YAML file holding a judge (a cascade; the rule flags below do not go with it)"},
			&cli.StringFlag{Name: "judge-template", Usage: "the llm judge's prompt: a shipped template (equivalence, simpleqa, option) or a template file"},
			&cli.StringFlag{Name: "in", Aliases: []string{"i"}, Usage: "the JSONL file to read (default stdin)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the JSONL file to write (default stdout), put in place once every row is written: it may be the --in file"},
			&cli.StringSliceFlag{Name: "extract", Usage: "answer extractors, in order (answer_tag, boxed, answer_is, last_number …)"},
			&cli.Float64Flag{Name: "rel-tol", Usage: "relative tolerance of numeric comparisons", DefaultText: fmt.Sprintf("the judge's (%g for math and numeric)", judges.DefaultRelTol)},
			&cli.Float64Flag{Name: "abs-tol", Usage: "absolute tolerance of numeric comparisons", DefaultText: fmt.Sprintf("the judge's (%g for math and numeric)", judges.DefaultAbsTol)},
			&cli.Float64Flag{Name: "threshold", Usage: "pass threshold of scored judges (f1, anls, bleu1, rougeL)", DefaultText: "the judge's: 1 for f1, 0.5 for anls, bleu1 and rougeL"},
			&cli.StringFlag{Name: "pattern", Usage: "the regular expression of the regex judge"},
			&cli.BoolFlag{Name: "case-sensitive", Usage: "keep case when comparing strings"},
			concurrencyFlag("rows judged"),
		}, judgeFlags()...),
		Action: judgeRows,
	}
}

// ruleFlags are the flags of realx judge that set a rule judge's parameters.
var ruleFlags = []string{"extract", "rel-tol", "abs-tol", "threshold", "pattern", "case-sensitive"}

// judgeSpec builds the judge declared by the flags: --judge and --judge-template (see
// specFromJudgeFlag), with the rule parameters of a kind from their flags.
func judgeSpec(c *cli.Context) (tasks.JudgeSpec, error) {
	spec, fromFile, err := specFromJudgeFlag(c)
	if err != nil {
		return spec, err
	}
	if fromFile {
		var given []string
		for _, name := range ruleFlags {
			if c.IsSet(name) {
				given = append(given, "--"+name)
			}
		}
		if len(given) > 0 {
			return spec, fmt.Errorf("%s do not go with a judge file (%s): set them in it", strings.Join(given, ", "), c.String("judge"))
		}
		return spec, nil
	}
	spec.Extract = c.StringSlice("extract")
	spec.Pattern = c.String("pattern")
	spec.CaseSensitive = c.Bool("case-sensitive")
	spec.RelTol = given(c, "rel-tol", c.Float64)
	spec.AbsTol = given(c, "abs-tol", c.Float64)
	spec.Threshold = given(c, "threshold", c.Float64)
	return spec, nil
}

func judgeRows(c *cli.Context) error {
	if c.String("judge") == "" {
		return usageError("judge: --judge KIND is required (one of %v)", judges.Kinds())
	}
	spec, err := judgeSpec(c)
	if err != nil {
		return configErrors(err)
	}
	jc, err := readJudgeConfig(c, os.Getenv, nil)
	if err != nil {
		return usageError("judge: %v", err)
	}
	sched, problems := readSchedule(c)
	if len(problems) > 0 {
		return usageError("judge: %s", strings.Join(problems, "; "))
	}
	eng, err := realx.New(realx.Config{Concurrency: sched.concurrency, Judges: jc, Log: c.App.ErrWriter})
	if err != nil {
		return usageError("judge: %v", err)
	}
	defer eng.Close()
	j, err := eng.NewJudge(nil, spec)
	if errors.As(err, new(*tasks.Error)) {
		return configErrors(err) // positioned in the judge file
	} else if err != nil {
		return usageError("judge: %v", err)
	}
	for _, ep := range j.Endpoints {
		fmt.Fprintf(c.App.ErrWriter, "realx: endpoint: %s\n", ep)
	}
	if jc.CacheDir != "" {
		if err := eng.OpenVerdicts(jc.CacheDir); err != nil {
			return err
		}
	}
	in, name := c.App.Reader, "<stdin>"
	if path := c.String("in"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, path
	}
	out, file := c.App.Writer, (*reports.OutputFile)(nil)
	if path := c.String("out"); path != "" {
		if file, err = reports.CreateOutput(path); err != nil {
			return err
		}
		defer file.Abort()
		out = file
	}
	failed, err := eng.JudgeRows(c.Context, j, in, name, out, c.App.ErrWriter)
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.Commit(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return cli.Exit(fmt.Sprintf("realx: %d row(s) could not be judged", failed), 1)
	}
	return nil
}
