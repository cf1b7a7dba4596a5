package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/tasks"
)

func scoreCommand() *cli.Command {
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
directory that does not hold a run already.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "predictions", Aliases: []string{"p"}, Usage: "the predictions file"},
			&cli.StringFlag{Name: "id-field", Value: "id", Usage: "the field holding the sample id (a JSON object's keys serve when absent)"},
			&cli.StringFlag{Name: "response-field", Value: "response", Usage: "the field holding the output to grade"},
			&cli.StringFlag{Name: "label", Usage: "the model's name in reports (default: the predictions file's name)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the run directory to write"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "format of the summary printed at the end: text, md, csv, json"},
			&cli.StringFlag{Name: "judge", Aliases: []string{"j"}, Usage: "grade with this judge instead of the suite's: a kind (mathvista, math …) or a YAML file holding a judge (mathvista with extract: [llm], a cascade …)"},
			maxErrorRateFlag(),
		}, judgeFlags()...),
		Action: scorePredictions,
	}
}

func scorePredictions(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("score: name exactly one suite")
	}
	predPath, out := c.String("predictions"), c.String("out")
	if predPath == "" || out == "" {
		return usageError("score: --predictions and --out are required")
	}
	if f := c.String("format"); !validFormat(f) {
		return usageError("score: unknown --format %q (want one of %s)", f, strings.Join(reports.Formats, ", "))
	}
	maxErrorRate, err := readMaxErrorRate(c)
	if err != nil {
		return usageError("score: %v", err)
	}
	for _, f := range []string{reports.ManifestFile, reports.ResultsFile} {
		if _, err := os.Lstat(filepath.Join(out, f)); err == nil {
			return usageError("score: %s holds a run already (%s); choose another --out (or remove it)", out, f)
		}
	}
	s, ds, err := loadSuite(c.Args().First())
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
	js, err := readJudgeSetup(c, os.Getenv)
	if err != nil {
		return usageError("score: %v", err)
	}
	p, err := newPlan(s, ds, 0, js)
	if err != nil {
		return configErrors(err)
	}
	preds, err := readPredictions(predPath, c.String("id-field"), c.String("response-field"))
	if err != nil {
		return configErrors(err)
	}
	digest, err := fileDigest(predPath)
	if err != nil {
		return err
	}
	label := c.String("label")
	if label == "" {
		label = strings.TrimSuffix(filepath.Base(predPath), filepath.Ext(predPath))
	}

	runID := reports.NewRunID(time.Now())
	m := &reports.Manifest{
		V: reports.SchemaVersion, Run: runID, Created: time.Now().UTC(), Realx: version,
		Command: commandLine(c), Workdir: workdir(),
		Suites:    []reports.SuiteInfo{p.suiteInfo()},
		Model:     reports.ModelInfo{Name: label, Predictions: predPath, PredictionsDigest: digest},
		Judges:    []reports.JudgeInfo{p.judgeInfo()},
		Endpoints: p.endpoints,
	}
	printEndpoints(c.App.ErrWriter, p.endpoints)
	if err := reports.WriteManifest(out, m); err != nil {
		return err
	}
	if err := js.openCache(out); err != nil {
		return err
	}
	defer js.closeCache()
	log, err := reports.CreateLog(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		return err
	}
	missing, failed := 0, map[reports.ErrorClass]int{}
	for i := range p.samples {
		sm := &p.samples[i]
		res := p.newResult(runID, label, sm)
		output, ok := preds[sm.ID]
		if !ok {
			missing++
			fail(res, reports.ErrInput, fmt.Errorf("no prediction for sample %q in %s", sm.ID, predPath))
		} else {
			p.grade(c.Context, res, sm, output)
		}
		if res.Error != nil {
			failed[res.Error.Class]++
		}
		if err := log.Write(res); err != nil {
			log.Close()
			return err
		}
	}
	if err := log.Close(); err != nil {
		return err
	}
	if missing > 0 {
		fmt.Fprintf(c.App.ErrWriter, "realx: %d of %d samples have no prediction (recorded as input errors)\n", missing, len(p.samples))
	}
	if extra := len(preds) - (len(p.samples) - missing); extra > 0 {
		fmt.Fprintf(c.App.ErrWriter, "realx: %d predictions name no sample of %s\n", extra, s.Name)
	}
	if err := printAccuracy(c.App.Writer, []string{out}, nil, c.App.ErrWriter, c.String("format")); err != nil {
		return err
	}
	return incomplete(failed, 0, len(p.samples), maxErrorRate,
		"score again into a new --out with the missing predictions, or allow them with --max-error-rate")
}

// fileDigest returns the hex SHA-256 of the file at path.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readPredictions maps sample id → the output to grade. A record without the id or the
// response field is an error (one line for all the records that lack it); a null response is
// an empty output; any other value that is not a string is written as Python's str() writes
// it (judges.PyStr).
func readPredictions(path, idField, responseField string) (map[string]string, error) {
	records, err := tasks.ReadRecords(path, "")
	if err != nil {
		return nil, err
	}
	preds := make(map[string]string, len(records))
	var problems tasks.Errors
	var noID, noResponse []int
	for _, r := range records {
		id := r.Key
		if v, ok := r.Value[idField]; ok {
			id, _ = tasks.Text(v)
		}
		if id == "" {
			noID = append(noID, r.Line)
			continue
		}
		v, ok := r.Value[responseField]
		if !ok {
			noResponse = append(noResponse, r.Line)
			continue
		}
		out := judges.PyStr(v)
		if _, dup := preds[id]; dup {
			problems = append(problems, &tasks.Error{File: path, Line: r.Line, Msg: fmt.Sprintf("a second prediction for %q", id)})
			continue
		}
		preds[id] = out
	}
	if len(noID) > 0 {
		problems = append(problems, missingField(path, noID, fmt.Sprintf("no %q field to name the sample (--id-field)", idField)))
	}
	if len(noResponse) > 0 {
		problems = append(problems, missingField(path, noResponse, fmt.Sprintf("no %q field to grade (--response-field)", responseField)))
	}
	if len(problems) > 0 {
		problems.Sort()
		return nil, problems
	}
	return preds, nil
}

// missingField is the one problem of the records at lines that lack a field: "record has msg"
// for one, "N records have msg, at lines 1, 2, 3 …" for more.
func missingField(path string, lines []int, msg string) *tasks.Error {
	if len(lines) == 1 {
		return &tasks.Error{File: path, Line: lines[0], Msg: "record has " + msg}
	}
	shown := make([]string, 0, 3)
	for _, l := range lines[:min(3, len(lines))] {
		shown = append(shown, strconv.Itoa(l))
	}
	more := ""
	if len(lines) > 3 {
		more = " …"
	}
	return &tasks.Error{File: path, Line: lines[0], Msg: fmt.Sprintf("%d records have %s, at lines %s%s", len(lines), msg, strings.Join(shown, ", "), more)}
}
