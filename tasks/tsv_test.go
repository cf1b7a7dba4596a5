package tasks

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vlmevalkitSuite reads the TSV files of testdata/vlmevalkit (written by make.py with pandas,
// as VLMEvalKit writes its benchmarks) with VLMEvalKit's defaults: no field mapped.
const vlmevalkitSuite = "name: v\ndata: {path: %s, capability: perception}\njudge: {kind: choice}\n" +
	"capabilities: [{name: perception}]\n"

// TestVLMEvalKitTSV reads a TSV written the way VLMEvalKit writes its benchmarks (every cell
// quoted, as dump() writes them; or only those that need it, as pandas does by default and the
// hosted files are): the index is the id, the option columns are the choices up to the last
// one filled, a row's image given as another row's index is that row's image, a Python list
// of base64 images is the row's images, and the other columns are metadata.
func TestVLMEvalKitTSV(t *testing.T) {
	t.Parallel()
	var first []Sample
	for _, file := range []string{"quote_all.tsv", "quote_minimal.tsv"} {
		t.Run(file, func(t *testing.T) {
			s, err := loadBeside(t, file)
			require.NoError(t, err)
			ds, err := s.Samples()
			require.NoError(t, err)
			require.Len(t, ds.Samples, 4)

			a := ds.Samples[0]
			assert.Equal(t, "0", a.ID)
			assert.Equal(t, "What colour is \"this\"?\tLook\nclosely.", a.Question, "a quoted cell keeps its tab, quote and line break")
			assert.Equal(t, []string{"red", "blue", "green", "white"}, a.Choices)
			assert.Equal(t, "A", a.Answer)
			assert.Equal(t, map[string]any{"hint": "A plain square.", "category": "colour", "l2-category": "perception"}, a.Metadata,
				"the option columns and the image are not metadata")
			assert.Equal(t, "perception", a.Capability)
			require.Len(t, a.Images, 1)

			b := ds.Samples[1]
			assert.Equal(t, []string{"yes", "no"}, b.Choices, "the options stop at the first empty one")
			assert.Equal(t, map[string]any{"hint": nil, "category": "colour", "l2-category": "reasoning"}, b.Metadata, "an empty cell is null")
			require.Len(t, b.Images, 1)
			assert.Equal(t, a.Images[0].Ref, b.Images[0].Ref, "the image given by another row's index is that row's")

			c := ds.Samples[2]
			require.Len(t, c.Images, 2, "a Python list of images")
			assert.Equal(t, []string{"the first", "the second"}, c.Choices)
			assert.Equal(t, "Which one's blue?", c.Question)

			d := ds.Samples[3]
			assert.Equal(t, []string{"1", "2", "3"}, d.Choices, "numbers as written")

			colours := map[string]bool{}
			for _, sm := range ds.Samples {
				for _, img := range sm.Images {
					require.NoError(t, img.Check())
					data, typ, err := img.Read(context.Background())
					require.NoError(t, err)
					assert.Equal(t, "image/png", typ)
					m, err := png.Decode(bytes.NewReader(data))
					require.NoError(t, err)
					r, g, bl, _ := m.At(0, 0).RGBA()
					colours[fmt.Sprintf("%d,%d,%d", r>>8, g>>8, bl>>8)] = true
				}
			}
			assert.Equal(t, map[string]bool{"255,0,0": true, "0,0,255": true}, colours)

			if first == nil {
				first = ds.Samples
				return
			}
			for i := range first {
				assert.Equal(t, first[i].Question, ds.Samples[i].Question)
				assert.Equal(t, first[i].Choices, ds.Samples[i].Choices)
				assert.Equal(t, first[i].Metadata, ds.Samples[i].Metadata)
				assert.Equal(t, len(first[i].Images), len(ds.Samples[i].Images))
			}
		})
	}
}

// loadBeside copies a TSV of testdata/vlmevalkit beside a suite in a temporary directory and
// loads it.
func loadBeside(t *testing.T, file string) (*Suite, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vlmevalkit", file))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, file), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(fmt.Sprintf(vlmevalkitSuite, file)), 0o644))
	return LoadFile(filepath.Join(dir, "suite.yaml"))
}

func TestTSVProblems(t *testing.T) {
	t.Parallel()
	suite := "name: t\ndata: {path: d.tsv}\njudge: {kind: choice}\n"
	_, err := samples(t, suite, "index\tquestion\tA\tB\tC\tanswer\n"+
		"1\tq\tx\t\tz\tA\n"+ // a gap in the options
		"2\tq\tx\ty\n"+ // a row too short
		"1\tq\tx\ty\t\tB\n") // a repeated index
	assert.Equal(t, []string{
		`2: sample "1": option column B is empty but C is not: the options' letters would not be the file's`,
		`3: invalid CSV: wrong number of fields`,
		`4: duplicate id "1" (first at line 2)`,
	}, dataErrors(t, err))

	ds, err := samples(t, "name: t\ndata: {path: d.tsv, fields: {choices: opts, id: qid}}\njudge: {kind: choice}\n",
		"qid\tquestion\topts\tA\tanswer\n7\tq\t[\"a\", \"b\"]\tnot an option\tA\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, ds.Samples[0].Choices, "a mapped choices field wins over the option columns")
	assert.Equal(t, "not an option", ds.Samples[0].Metadata["A"])
}

func TestParsePyList(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]any{
		`[]`:                       {},
		`['a', "b's", 'c\'d']`:     {"a", "b's", "c'd"},
		`[1, -2.5, True, None]`:    {numberOf("1", 1), numberOf("-2.5", -2.5), true, nil},
		` [u'\u00e9\n', 'x',] `:    {"é\n", "x"},
		`['tab\there', "q\"uote"]`: {"tab\there", `q"uote`},
	} {
		got, ok := parsePyList(in)
		if assert.True(t, ok, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{`[`, `['a'`, `['a' 'b']`, `[a]`, `['a'] x`, `[[1]]`, `['\x4']`, `[1e]`} {
		_, ok := parsePyList(in)
		assert.False(t, ok, in)
	}
}
