package tasks

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzData is the data file of the suites FuzzLoadSuite loads, as d.jsonl, d.json and d.csv.
var fuzzData = map[string]string{
	"d.jsonl": `{"id": "1", "question": "1+1?", "answer": 2, "image": "i.png", "choices": ["2", "3"]}` + "\n",
	"d.json":  `{"a": {"question": "q", "answer": [1, "one"]}}`,
	"d.csv":   "id,question,answer\n1,q,a\n",
}

// FuzzLoadSuite puts arbitrary bytes through the strict loader and validation, and the data
// of a suite that loads through Samples: nothing panics or runs away (an alias bomb, an alias
// inside what it names), and every problem is in the file it names, at a position within it.
func FuzzLoadSuite(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("../benchmarks/*/suite.yaml")
	for _, name := range append(seeds, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("name: a\ndata: {path: d.jsonl, fields: {images: [image], choices: choices}}\njudge: {kind: em}\nprompt: {user: \"{{image 1}}{{.Question}}\"}\n"))
	f.Add([]byte("name: a\ndata: {path: d.json}\njudge: {kind: llm, template_file: t.tmpl}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"s/suite.yaml": {Data: data}, "s/t.tmpl": {Data: []byte("{{.Question}} {{.Answer}}")}, "s/i.png": {Data: tinyPNG}}
		for name, d := range fuzzData {
			fsys["s/"+name] = &fstest.MapFile{Data: []byte(d)}
		}
		s, err := LoadFS(fsys, "s/suite.yaml")
		checkPositions(t, err, "s/suite.yaml", yamlLines.Split(string(data), -1))
		if s == nil || !s.CanReadData() {
			return
		}
		s.SetDataCache("/nonexistent/realx-fuzz-cache") // a data.source is never pulled here
		ds, err := s.Samples()
		if d, ok := fuzzData[s.Data.Path]; ok {
			checkPositions(t, err, "s/"+s.Data.Path, strings.Split(d, "\n"))
		}
		if ds == nil {
			return
		}
		for i := range ds.Samples {
			_, _ = s.Render(&ds.Samples[i])
			for _, img := range ds.Samples[i].Images {
				_ = img.Check()
			}
		}
	})
}

// FuzzDataFile reads arbitrary bytes as a suite's JSONL, JSON or CSV data file: nothing
// panics, and every problem is in the data file, at a line within it.
func FuzzDataFile(f *testing.F) {
	for name, d := range fuzzData {
		f.Add([]byte(d), strings.TrimPrefix(filepath.Ext(name), "."))
	}
	for _, name := range []string{"../benchmarks/math500/test.jsonl", "../benchmarks/aime24/test.jsonl"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		f.Add(append(line, '\n'), "jsonl")
	}
	f.Add([]byte("id,question,answer,choices\n1,\"q\"\"x\",a,\"[1, 2]\"\n2,q\n"), "csv")
	f.Add([]byte("[\n{\"id\": 1, \"question\": \"q\", \"answer\": null},\n{\"id\": 1}\n]"), "json")
	f.Fuzz(func(t *testing.T, data []byte, format string) {
		suite := "name: f\ndata: {path: d.dat, format: " + format + ", fields: {images: [image], choices: choices, capability: c}}\njudge: {kind: em}\n"
		fsys := fstest.MapFS{"s/suite.yaml": {Data: []byte(suite)}, "s/d.dat": {Data: data}}
		s, err := LoadFS(fsys, "s/suite.yaml")
		if err != nil || !s.CanReadData() {
			return // a format that is none of the three, or not a YAML scalar
		}
		_, err = s.Samples()
		if s.Data.Format != "parquet" { // rows, not lines: FuzzParquet checks them
			checkPositions(t, err, "s/d.dat", strings.Split(string(data), "\n"))
		}
	})
}

// yamlLines splits a YAML file into its lines, as YAML counts them.
var yamlLines = regexp.MustCompile(`\r\n|\r|\n|\x{85}|\x{2028}|\x{2029}`)

// checkPositions fails unless every problem of err is an *Error in file, at one of its lines
// (or at none), and at a column within its line.
func checkPositions(t *testing.T, err error, file string, lines []string) {
	t.Helper()
	if err == nil {
		return
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("not an Errors value: %T %v", err, err)
	}
	for _, e := range errs {
		switch {
		case e.File != file:
			t.Errorf("%v: in %s, not %s", e, e.File, file)
		case e.Line < 0 || e.Line > len(lines):
			t.Errorf("%v: line %d of %d", e, e.Line, len(lines))
		case e.Line == 0 && e.Col != 0:
			t.Errorf("%v: a column without a line", e)
		case e.Line > 0 && (e.Col < 0 || e.Col > len(lines[e.Line-1])+1):
			t.Errorf("%v: column %d of a line of %d bytes", e, e.Col, len(lines[e.Line-1]))
		}
	}
}
