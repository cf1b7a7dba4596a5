package realx

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// Judge is a judge an Engine built (NewJudge): the judge, its spec as it runs, and the
// endpoints of its LLM judges.
type Judge struct {
	judges.Judge
	// Spec is the judge's spec with the Engine's JudgeConfig applied (JudgeConfig.Resolve).
	Spec tasks.JudgeSpec
	// Endpoints are those of its LLM judges, as listed before the first call.
	Endpoints []reports.Endpoint

	connected []runners.Endpoint
}

// NewJudge returns the judge spec declares, built with the Engine's machinery (its LLM judges'
// calls go through the same Throttles, retries, cache and accounting as a model's). spec was
// read from suite (when not nil) or from its own file (tasks.LoadJudgeFile), whose positions
// its problems are given at; an LLM judge that would send a key to an endpoint a suite or
// judge file chose is refused before it is built (see JudgeConfig.endpoints).
func (e *Engine) NewJudge(suite *tasks.Suite, spec tasks.JudgeSpec) (*Judge, error) {
	j, resolved, eps, conn, err := e.newJudge(suite, spec)
	if err != nil {
		return nil, err
	}
	return &Judge{Judge: j, Spec: resolved, Endpoints: eps, connected: conn}, nil
}

// rowsChunk is how many rows are read, judged and written at a time.
const rowsChunk = 256

// row is one input row of JudgeRows: its line, and the line written for it.
type row struct {
	line int
	in   []byte
	out  []byte
	err  error
}

// JudgeRows grades JSONL rows read from in (named name in messages) with j, and writes each
// back to out, its fields in their order, with "pass", "score" and "extracted" added (and
// "reason" when the judge gives one). Each row holds "prediction" (the model's output) and
// "answer" (the gold answer), and where the judge needs them "question", "choices",
// "answer_type", "precision", "question_type" or "alternatives" (judges.FromRow). A row that
// cannot be judged gets an "error" field instead, and is reported on warn with its line. Rows
// are judged as many at once as the judge's endpoint allows, and written in order. JudgeRows
// returns how many rows could not be judged.
func (e *Engine) JudgeRows(ctx context.Context, j *Judge, in io.Reader, name string, out io.Writer, warn io.Writer) (int, error) {
	bw := bufio.NewWriter(out)
	br := bufio.NewReaderSize(in, 256<<10)
	var rows []row
	line, eof, failed := 0, false, 0
	next := func(n int) (int, error) {
		rows = rows[:0]
		for len(rows) < n && !eof {
			data, err := br.ReadBytes('\n')
			if len(data) > 0 {
				line++
			}
			if len(bytes.TrimSpace(data)) > 0 {
				rows = append(rows, row{line: line, in: data})
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					return 0, err
				}
				eof = true
			}
		}
		return len(rows), nil
	}
	work := func(ctx context.Context, i int) error {
		r := &rows[i]
		r.out, r.err = judgeRow(ctx, j.Judge, r.in)
		return nil
	}
	err := e.inChunks(ctx, j.connected, rowsChunk, next, work, func(n int) error {
		for _, r := range rows[:n] {
			if r.err != nil {
				failed++
				fmt.Fprintf(warn, "%s:%d: %v\n", name, r.line, r.err)
			}
			if _, err := bw.Write(r.out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return failed, err
	}
	return failed, bw.Flush()
}

// judgeRow grades one row and returns it, with its verdict (or its error) added, as a line.
func judgeRow(ctx context.Context, j judges.Judge, data []byte) ([]byte, error) {
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
	v, err := j.Judge(ctx, s, output)
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
