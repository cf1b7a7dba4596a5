package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

func judgeCommand() *cli.Command {
	return &cli.Command{
		Name:  "judge",
		Usage: "grade JSONL rows (prediction, answer, …) and write each back with pass, score and extracted",
		Description: `Each input row holds "prediction" (the model's output) and "answer" (the gold answer), and
where the judge needs them "question" (an LLM judge shows it), "choices", "answer_type",
"precision", "question_type" or "alternatives". Each row is written back, its fields in their order, with "pass", "score" and
"extracted" added (and "reason" when the judge gives one). A row that cannot be judged gets an
"error" field instead, is reported on stderr with its line number, and makes the exit code 1.`,
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
	js, err := readJudgeSetup(c, os.Getenv)
	if err != nil {
		return usageError("judge: %v", err)
	}
	resolved := js.resolve(spec)
	eps, problems := js.judgeEndpoints("", judgeSource{spec: &spec}, spec, resolved, js.trust)
	if len(problems) > 0 {
		return configErrors(errors.Join(problems...))
	}
	j, err := js.build(resolved)
	if err != nil {
		return usageError("judge: %v", err)
	}
	printEndpoints(c.App.ErrWriter, eps)
	if js.cacheDir != "" {
		if err := js.openCache(js.cacheDir); err != nil {
			return err
		}
		defer js.closeCache()
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
	out, file := c.App.Writer, (*outputFile)(nil)
	if path := c.String("out"); path != "" {
		if file, err = createOutput(path); err != nil {
			return err
		}
		defer file.abort()
		out = file
	}
	bw := bufio.NewWriter(out)
	br := bufio.NewReaderSize(in, 256<<10)
	failed := 0
	for line := 1; ; line++ {
		data, rerr := br.ReadBytes('\n')
		if len(bytes.TrimSpace(data)) > 0 {
			row, err := judgeRow(c, j, data)
			if err != nil {
				failed++
				fmt.Fprintf(c.App.ErrWriter, "%s:%d: %v\n", name, line, err)
			}
			if _, err := bw.Write(row); err != nil {
				return err
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				break
			}
			return rerr
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return cli.Exit(fmt.Sprintf("realx: %d row(s) could not be judged", failed), 1)
	}
	return nil
}

// outputFile is a file written under a temporary name beside its path, and renamed to it by
// commit: a command that fails leaves what was there before, and a command may write over a
// file it reads (realx judge --in X --out X). The temporary name is random and the file created
// exclusively, and the rename replaces a symbolic link at path rather than writing through it.
// A path that exists and is not a regular file (/dev/stdout) is written directly.
type outputFile struct {
	*os.File
	path string
	done bool
}

// createOutput starts writing path.
func createOutput(path string) (*outputFile, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		return &outputFile{File: f, path: path}, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &outputFile{File: f, path: path}, nil
}

// commit closes the file and puts it in place.
func (o *outputFile) commit() error {
	if o.done {
		return nil
	}
	o.done = true
	if o.Name() == o.path {
		return o.Close()
	}
	// Through the descriptor, not the name: the file made is the file changed.
	if err := errors.Join(o.Chmod(0o644), o.Close()); err != nil {
		os.Remove(o.Name())
		return err
	}
	if err := os.Rename(o.Name(), o.path); err != nil {
		os.Remove(o.Name())
		return err
	}
	return nil
}

// abort closes the file and removes it, unless it was committed.
func (o *outputFile) abort() {
	if o.done {
		return
	}
	o.done = true
	o.Close()
	if o.Name() != o.path {
		os.Remove(o.Name())
	}
}

// judgeRow grades one row and returns it, with its verdict (or its error) added, as a line.
func judgeRow(c *cli.Context, j judges.Judge, data []byte) ([]byte, error) {
	row, err := parseObject(data)
	if err != nil {
		return row.withFields(field{"error", err.Error()}), err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return row.withFields(field{"error", err.Error()}), err
	}
	s, output, err := judges.FromRow(m)
	if err != nil {
		return row.withFields(field{"error", err.Error()}), err
	}
	v, err := j.Judge(c.Context, s, output)
	if err != nil {
		return row.withFields(field{"error", err.Error()}), err
	}
	fields := []field{{"pass", v.Pass}, {"score", v.Score}, {"extracted", v.Extracted}}
	if v.Reason != "" {
		fields = append(fields, field{"reason", v.Reason})
	}
	return row.withFields(fields...), nil
}

// object is a JSON object whose members keep their order.
type object struct {
	keys   []string
	values []json.RawMessage
}

type field struct {
	key   string
	value any
}

// parseObject reads one JSON object keeping its members' order. On error the object is empty.
func parseObject(data []byte) (*object, error) {
	o := &object{}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return o, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return o, errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return &object{}, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return &object{}, err
		}
		o.keys = append(o.keys, key)
		o.values = append(o.values, v)
	}
	if _, err := dec.Token(); err != nil {
		return &object{}, err
	}
	return o, nil
}

// withFields returns o as one line of JSON with fields set: replaced in place when o has them,
// appended otherwise.
func (o *object) withFields(fields ...field) []byte {
	keys := append([]string(nil), o.keys...)
	values := append([]json.RawMessage(nil), o.values...)
	for _, f := range fields {
		raw, err := runners.MarshalPlain(f.value)
		if err != nil {
			raw, _ = runners.MarshalPlain(err.Error())
		}
		replaced := false
		for i, k := range keys {
			if k == f.key {
				values[i], replaced = raw, true
			}
		}
		if !replaced {
			keys = append(keys, f.key)
			values = append(values, raw)
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := runners.MarshalPlain(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(values[i])
	}
	b.WriteString("}\n")
	return b.Bytes()
}
