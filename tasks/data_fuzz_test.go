package tasks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/parquet-go/parquet-go"

	"github.com/realx-bench/realx/tasks/source/hubtest"
)

// FuzzTSV reads arbitrary bytes as a VLMEvalKit TSV: nothing panics, every problem is in the
// data file at a line within it, and every image a sample has can be checked.
func FuzzTSV(f *testing.F) {
	for _, name := range []string{"quote_all.tsv", "quote_minimal.tsv"} {
		b, err := os.ReadFile(filepath.Join("testdata", "vlmevalkit", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("index\timage\tquestion\tA\tB\tanswer\n1\t2\tq\ta\t\tA\n2\t['x', \"y\\u00e9\"]\tq\t\tb\tB\n"))
	f.Add([]byte("index\tquestion\tanswer\n\"1\t\"q\"\"\"\ta\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		suite := "name: f\ndata: {path: d.tsv, images_optional: true}\njudge: {kind: choice}\n"
		fsys := fstest.MapFS{"s/suite.yaml": {Data: []byte(suite)}, "s/d.tsv": {Data: data}}
		s, err := LoadFS(fsys, "s/suite.yaml")
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Samples()
		checkPositions(t, err, "s/d.tsv", strings.Split(string(data), "\n"))
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

// FuzzParquet reads arbitrary bytes as a Parquet file: nothing panics (a panic of the decoder
// on a damaged file is reported as the file's problem), and every problem is in the data file,
// at a row within it or at none.
func FuzzParquet(f *testing.F) {
	rows := []map[string]any{
		{"id": int64(1), "question": "q?", "answer": "a", "choices": []any{"a", "b"}, "image": hubtest.ImageValue(tinyPNG, "1.png")},
		{"id": int64(2), "question": "r?", "answer": "b", "choices": []any{}, "image": nil},
	}
	for _, group := range []int{0, 1} {
		b, err := hubtest.Parquet(parquet.Group{
			"id": parquet.Int(64), "question": parquet.String(), "answer": parquet.String(),
			"choices": parquet.List(parquet.String()), "image": parquet.Optional(hubtest.Image()),
		}, rows, group)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		suite := "name: f\ndata: {path: d.parquet, images_optional: true, fields: {images: [image], choices: choices}}\njudge: {kind: choice}\n"
		fsys := fstest.MapFS{"s/suite.yaml": {Data: []byte(suite)}, "s/d.parquet": {Data: data}}
		s, err := LoadFS(fsys, "s/suite.yaml")
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Samples()
		var errs Errors
		if err != nil && !errors.As(err, &errs) {
			t.Fatalf("not an Errors value: %T %v", err, err)
		}
		for _, e := range errs {
			if e.File != "s/d.parquet" || e.Line < 0 || e.Col != 0 {
				t.Errorf("%v: not at a row of s/d.parquet", e)
			}
		}
		if ds == nil {
			return
		}
		for i := range ds.Samples {
			for _, img := range ds.Samples[i].Images {
				_ = img.Check()
			}
		}
	})
}
