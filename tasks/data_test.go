package tasks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samples writes a suite and its data file into a temporary directory and reads the samples.
func samples(t *testing.T, suite, data string) (*Dataset, error) {
	t.Helper()
	dir := t.TempDir()
	ds, err := writeSuite(t, dir, suite, data).Samples()
	if ds != nil {
		assert.Equal(t, filepath.Join(dir, filepath.Base(ds.Path)), ds.Path)
	}
	return ds, err
}

// dataErrors returns err's problems as "line: message", without the file.
func dataErrors(t *testing.T, err error) []string {
	t.Helper()
	var errs Errors
	require.ErrorAs(t, err, &errs)
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return out
}

func TestJSONL(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: j\ndata: {path: d.jsonl}\njudge: {kind: em}\n", ""+
		`{"id": 1, "question": "How many?", "answer": 27.0, "level": 3, "tags": ["x"]}`+"\n"+
		"\n"+
		`{"id": "b", "question": "Who?", "answer": "x"}`+"\r\n"+
		`{"id": "c", "question": 12, "answer": ["Paris", "paris, France", 7]}`+"\n"+
		`{"id": "d", "question": "yes?", "answer": true}`) // no final newline
	require.NoError(t, err)
	require.Len(t, ds.Samples, 4)

	a := ds.Samples[0]
	assert.Equal(t, "1", a.ID)
	assert.Equal(t, "How many?", a.Question)
	assert.Equal(t, "27.0", a.Answer, "a number keeps its literal text")
	assert.Nil(t, a.Alternatives)
	assert.Equal(t, map[string]any{"level": json.Number("3"), "tags": []any{"x"}}, a.Metadata,
		"every field not mapped, by its name")
	assert.Equal(t, ds.Path+":1", a.Source)

	assert.Equal(t, ds.Path+":3", ds.Samples[1].Source, "blank lines count")

	c := ds.Samples[2]
	assert.Equal(t, "12", c.Question)
	assert.Equal(t, "Paris", c.Answer)
	assert.Equal(t, []string{"paris, France", "7"}, c.Alternatives)
	assert.Equal(t, []string{"Paris", "paris, France", "7"}, c.Answers())

	assert.Equal(t, "true", ds.Samples[3].Answer)
	assert.Regexp(t, `^[0-9a-f]{64}$`, ds.Digest)
}

func TestJSONLBadLinesAreReportedAndTheRestLoad(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: j\ndata: {path: d.jsonl}\njudge: {kind: em}\n", ""+
		`{"id": 1, "question": "ok", "answer": "a"}`+"\n"+
		`{"id": 2, "question": "broken"`+"\n"+
		`{"id": 1, "question": "again"}`+"\n"+
		`{"question": "no id"}`+"\n"+
		`{"id": 5, "answer": "a"}`+"\n"+
		`[1, 2]`+"\n"+
		`{"id": 7, "question": "ok too"} {"id": 8}`+"\n"+
		`{"id": {"x": 1}, "question": "object id"}`+"\n"+
		`{"id": "", "question": "empty id"}`+"\n"+
		`{"id": 10, "question": "last", "answer": "a"}`+"\n")
	require.NotNil(t, ds)
	assert.Equal(t, []string{
		"2: invalid JSON: unexpected EOF",
		`3: duplicate id "1" (first at line 1)`,
		`4: missing id field "id"`,
		`5: sample "5": missing question field "question"`,
		"6: record is not an object: got a list",
		"7: invalid JSON: unexpected data after the value",
		`8: id field "id": expected a string or number, got an object`,
		`9: id field "id" is empty`,
	}, dataErrors(t, err))
	var ids []string
	for _, sm := range ds.Samples {
		ids = append(ids, sm.ID)
	}
	assert.Equal(t, []string{"1", "10"}, ids)
	assert.Contains(t, err.Error(), filepath.Base(ds.Path)+":3: duplicate id")
}

func TestJSONObjectOfRecordsKeepsFileOrder(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: j\ndata: {path: d.json, fields: {choices: choices}}\njudge: {kind: em}\n", `{
  "10": {"question": "ten", "answer": 10, "choices": null},
  "2": {
    "question": "two",
    "answer": "2",
    "choices": ["a", 2.50]
  },
  "1": {"question": "one", "answer": "1", "id": "not the key"}
}`)
	require.NoError(t, err)
	require.Len(t, ds.Samples, 3)
	var ids []string
	for _, sm := range ds.Samples {
		ids = append(ids, sm.ID)
	}
	assert.Equal(t, []string{"10", "2", "1"}, ids, "the object's keys, in file order")
	assert.Equal(t, ds.Path+":2", ds.Samples[0].Source)
	assert.Equal(t, ds.Path+":3", ds.Samples[1].Source, "the line where the record's key stands")
	assert.Equal(t, ds.Path+":8", ds.Samples[2].Source)
	assert.Nil(t, ds.Samples[0].Choices, "null choices: not a multiple-choice question")
	assert.Equal(t, []string{"a", "2.50"}, ds.Samples[1].Choices)
	assert.Equal(t, "not the key", ds.Samples[2].Metadata["id"], "the key is the id; an id field is metadata")
}

func TestJSONArrayAndErrors(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: j\ndata: {path: d.json, fields: {id: qid}}\njudge: {kind: em}\n",
		"[\n  {\"qid\": \"a\", \"question\": \"q\", \"answer\": 1},\n  {\"qid\": \"b\", \"answer\": 1},\n  {\"qid\": \"a\", \"question\": \"q\"}\n]\n")
	require.NotNil(t, ds)
	assert.Equal(t, []string{`3: sample "b": missing question field "question"`, `4: duplicate id "a" (first at line 2)`}, dataErrors(t, err))
	require.Len(t, ds.Samples, 1)

	_, err = samples(t, "name: j\ndata: {path: d.json}\njudge: {kind: em}\n", "[\n {\"id\": 1, \"question\": \"q\", \"answer\": 1},\n {\"id\": 2,, }\n]")
	assert.Equal(t, []string{"3: invalid JSON: invalid character ',' looking for beginning of object key string"}, dataErrors(t, err))

	_, err = samples(t, "name: j\ndata: {path: d.json}\njudge: {kind: em}\n", `"just a string"`)
	assert.Equal(t, []string{"1: expected an array of records or an object of records by id"}, dataErrors(t, err))

	_, err = samples(t, "name: j\ndata: {path: d.json}\njudge: {kind: em}\n", "[]\n[]")
	assert.Equal(t, []string{"2: invalid JSON: unexpected data after the records"}, dataErrors(t, err))

	_, err = samples(t, "name: j\ndata: {path: d.json}\njudge: {kind: em}\n", "[]")
	assert.Equal(t, []string{"0: no records"}, dataErrors(t, err))
}

func TestCSV(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: c\ndata: {path: d.csv, images_optional: true, fields: {choices: options, images: [images], alternatives: also}}\njudge: {kind: em}\n",
		"\xef\xbb\xbfid,question,answer,options,images,also,note\n"+
			`1,"What, exactly?",27.0,"[""red"", ""blue"", 3]","[""a.png"",""b.png""]",[not json,n`+"\n"+
			`2,"Two`+"\n"+`lines",B,,one.png,x,"[1, 2]"`+"\n"+
			`3,short row`+"\n"+
			`4,"ok",D,[],,,`+"\n")
	require.NotNil(t, ds)
	assert.Equal(t, []string{"5: invalid CSV: wrong number of fields"}, dataErrors(t, err))
	require.Len(t, ds.Samples, 3)

	a := ds.Samples[0]
	assert.Equal(t, "1", a.ID, "the byte-order mark is not part of the first column's name")
	assert.Equal(t, "What, exactly?", a.Question)
	assert.Equal(t, "27.0", a.Answer)
	assert.Equal(t, []string{"red", "blue", "3"}, a.Choices, "a cell holding a JSON array is a list")
	require.Len(t, a.Images, 2)
	assert.Equal(t, "b.png", a.Images[1].Ref)
	assert.Equal(t, []string{"[not json"}, a.Alternatives, "a cell that only starts with [ is text")
	assert.Equal(t, map[string]any{"note": "n"}, a.Metadata)

	b := ds.Samples[1]
	assert.Equal(t, "Two\nlines", b.Question)
	assert.Equal(t, ds.Path+":3", b.Source, "a record's first line")
	assert.Nil(t, b.Choices, "an empty cell is no choices")
	assert.Equal(t, "B", b.Answer)
	assert.Equal(t, []any{json.Number("1"), json.Number("2")}, b.Metadata["note"])

	assert.Equal(t, ds.Path+":6", ds.Samples[2].Source)
	assert.Empty(t, ds.Samples[2].Choices)
}

func TestCSVHeaderProblems(t *testing.T) {
	t.Parallel()
	_, err := samples(t, "name: c\ndata: {path: d.csv}\njudge: {kind: em}\n", "")
	assert.Equal(t, []string{"0: no header row"}, dataErrors(t, err))

	_, err = samples(t, "name: c\ndata: {path: d.csv}\njudge: {kind: em}\n", "id,question,id,answer\n1,q,2,a\n")
	assert.Equal(t, []string{`1: column 3 repeats the name "id" of column 1`}, dataErrors(t, err))
}

func TestFieldPathsAndMetadata(t *testing.T) {
	t.Parallel()
	suite := `name: f
capabilities: [{name: perception}, {name: search}, {name: math}]
data:
  path: d.jsonl
  capability: math
  images_optional: true
  fields:
    id: meta.pid
    question: turns.0.text
    answer: gold.value
    images: [media.images, media.cover]
    capability: meta.skills
    metadata: [meta, level, img.path, absent.field]
judge: {kind: em}
`
	ds, err := samples(t, suite, ""+
		`{"meta": {"pid": 17, "skills": ["perception", "search"], "task": "vqa"}, "turns": [{"text": "What?"}], "gold": {"value": 4}, "media": {"images": ["a.png", "b.png"], "cover": "c.png"}, "level": 2, "img.path": "x"}`+"\n"+
		`{"meta": {"pid": 18}, "turns": [{"text": "And?"}], "gold": {"value": "5"}, "media": {"images": null}}`+"\n"+
		`{"meta": {"pid": 19, "skills": "cooking"}, "turns": [{"text": "Eh?"}], "gold": {"value": "6"}}`+"\n")
	assert.Equal(t, []string{`3: sample "19": capability "cooking" is not one of the suite's capabilities (perception, search, math)`}, dataErrors(t, err))
	require.Len(t, ds.Samples, 2)

	a := ds.Samples[0]
	assert.Equal(t, "17", a.ID)
	assert.Equal(t, "What?", a.Question)
	assert.Equal(t, "4", a.Answer)
	assert.Equal(t, "perception+search", a.Capability, "a list of capabilities, joined with +")
	require.Len(t, a.Images, 3)
	assert.Equal(t, []string{"a.png", "b.png", "c.png"}, []string{a.Images[0].Ref, a.Images[1].Ref, a.Images[2].Ref})
	assert.Equal(t, map[string]any{
		"pid": json.Number("17"), "skills": []any{"perception", "search"}, "task": "vqa", // meta's keys, merged
		"level": json.Number("2"), // under the last segment
		"path":  "x",              // a key holding a dot is found as it is
	}, a.Metadata)

	b := ds.Samples[1]
	assert.Equal(t, "math", b.Capability, "data.capability when the record has none")
	assert.Empty(t, b.Images, "images_optional: a record may have none")
	assert.Equal(t, "5", b.Answer)
}

func TestChoicesAndImagesMustBeLists(t *testing.T) {
	t.Parallel()
	_, err := samples(t, "name: f\ndata: {path: d.jsonl, fields: {choices: c, images: [i]}}\njudge: {kind: em}\n", ""+
		`{"id": 1, "question": "q", "answer": "a", "i": "a.png", "c": {"A": "x"}}`+"\n"+
		`{"id": 2, "question": "q", "answer": "a", "i": "a.png", "c": ["x", {"y": 1}]}`+"\n"+
		`{"id": 3, "question": "q", "answer": "a", "i": 5}`+"\n"+
		`{"id": 4, "question": "q", "answer": "a", "i": ["a.png", 5]}`+"\n"+
		`{"id": 5, "question": ["q"], "answer": "a", "i": "a.png"}`+"\n"+
		`{"id": 6, "question": "q", "answer": "a", "i": "a.png", "c": "[\"x\", \"y\"]"}`+"\n")
	assert.Equal(t, []string{
		`1: sample "1": choices field "c": expected a list of strings or numbers, got an object`,
		`2: sample "2": field "c": item 1: expected a string or a number, got an object`,
		`3: sample "3": image field "i": expected a string or a list of strings, got the number 5`,
		`4: sample "4": image field "i": item 1: expected a string, got the number 5`,
		`5: sample "5": question field "question": expected a string, got a list`,
	}, dataErrors(t, err))
}

func TestIndexIDs(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: f\ndata: {path: d.jsonl, fields: {id: \"#\", question: prompt}}\njudge: {kind: em}\n",
		`{"prompt": "a", "answer": 1}`+"\n\n"+`{"prompt": "b", "answer": 2}`+"\n")
	require.NoError(t, err)
	require.Len(t, ds.Samples, 2)
	assert.Equal(t, "0", ds.Samples[0].ID)
	assert.Equal(t, "1", ds.Samples[1].ID)
	assert.Equal(t, map[string]any{}, ds.Samples[0].Metadata)
}

func TestSamplesMissingDataFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(file, []byte("name: m\ndata: {path: nowhere.jsonl}\njudge: {kind: em}\n"), 0o644))
	s, err := LoadFile(file)
	require.NoError(t, err)
	ds, err := s.Samples()
	assert.Nil(t, ds)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestMathVistaTestmini(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../benchmarks/mathvista-testmini/testmini.json")
	require.NoError(t, err)
	suite := `name: mathvista-check
data:
  path: testmini.json
  fields:
    choices: choices
    images: [image]
    capability: metadata.task
judge: {kind: mathvista}
`
	fsys := fstest.MapFS{"mv/suite.yaml": {Data: []byte(suite)}, "mv/testmini.json": {Data: data}}
	s, err := LoadFS(fsys, "mv/suite.yaml")
	require.NoError(t, err)
	assert.Equal(t, "json", s.Data.Format)

	ds, err := s.Samples()
	require.NoError(t, err)
	require.Len(t, ds.Samples, 1000)
	for i, sm := range ds.Samples {
		require.Equal(t, strconv.Itoa(i+1), sm.ID, "ids in file order")
		md, ok := sm.Metadata["metadata"].(map[string]any)
		require.True(t, ok, "sample %s keeps its metadata object", sm.ID)
		require.NotEmpty(t, md["task"], "sample %s", sm.ID)
		require.Equal(t, md["task"], sm.Capability)
		require.Len(t, sm.Images, 1)
	}
	first := ds.Samples[0]
	assert.Equal(t, "1.2", first.Answer)
	assert.Equal(t, json.Number("1"), first.Metadata["precision"])
	assert.Equal(t, "mv/testmini.json:2", first.Source)
	assert.Equal(t, "mv/images/1.jpg", first.Images[0].Path())

	multi := 0
	for _, sm := range ds.Samples {
		if len(sm.Choices) > 0 {
			multi++
		}
	}
	assert.Equal(t, 540, multi)
}

// TestRealXBenchMapping reads records shaped as RealX-Bench's: accepted answers joined by
// " or ", and 0/1 capability flags whose "+" join is the sample's capability.
func TestRealXBenchMapping(t *testing.T) {
	t.Parallel()
	suite := "name: rx\ncapabilities: [{name: perception}, {name: search}, {name: reason}]\n" +
		"data: {path: d.jsonl, fields: {id: \"#\", question: query, answer_separator: \" or \", capability_flags: [perception, search, reason]}}\njudge: {kind: em}\n"
	ds, err := samples(t, suite, `{"query": "q1", "answer": "Paris or paris, France", "perception": 1, "search": 1, "reason": 1}`+"\n"+
		`{"query": "q2", "answer": "red", "perception": 1, "search": 0, "reason": false}`+"\n"+
		`{"query": "q3", "answer": "x", "perception": 2}`+"\n")
	assert.Equal(t, []string{`3: sample "2": capability flag "perception": expected 0 or 1, got the number 2`}, dataErrors(t, err))
	require.Len(t, ds.Samples, 2)
	assert.Equal(t, []string{"Paris", "paris, France"}, ds.Samples[0].Answers())
	assert.Equal(t, "perception+search+reason", ds.Samples[0].Capability)
	assert.Equal(t, "perception", ds.Samples[1].Capability)
	assert.Equal(t, json.Number("1"), ds.Samples[1].Metadata["perception"], "the flags stay metadata")
}

// TestCapabilityNames names flag combinations and renames the values of a capability field:
// RealX-Bench's "perception+search+reason" is its "integration", V*'s direct_attributes is
// "attribute"; a capability not named stays as it is. MMSearch-R1's candidate answers, a JSON
// list in a string, are alternatives.
func TestCapabilityNames(t *testing.T) {
	t.Parallel()
	suite := "name: rx\ncapabilities: [{name: perception}, {name: search}, {name: reason}, {name: integration}]\n" +
		"data:\n  path: d.jsonl\n  capability_names: {perception+search+reason: integration}\n" +
		"  fields: {id: \"#\", question: query, alternatives: candidates, capability_flags: [perception, search, reason]}\njudge: {kind: em}\n"
	ds, err := samples(t, suite, `{"query": "q1", "answer": "Spain", "candidates": "[\"ES\", \"Kingdom of Spain\"]", "perception": 1, "search": 1, "reason": 1}`+"\n"+
		`{"query": "q2", "answer": "red", "candidates": "crimson", "perception": 1, "search": 1, "reason": 0}`+"\n")
	require.NoError(t, err)
	require.Len(t, ds.Samples, 2)
	assert.Equal(t, "integration", ds.Samples[0].Capability)
	assert.Equal(t, []string{"Spain", "ES", "Kingdom of Spain"}, ds.Samples[0].Answers())
	assert.Equal(t, "perception+search", ds.Samples[1].Capability)
	assert.Equal(t, []string{"red", "crimson"}, ds.Samples[1].Answers())

	suite = "name: vstar\ncapabilities: [{name: attribute}, {name: spatial}]\n" +
		"data:\n  path: d.jsonl\n  capability_names: {direct_attributes: attribute, relative_position: spatial}\n  fields: {capability: category}\njudge: {kind: em}\n"
	ds, err = samples(t, suite, `{"id": "a", "question": "q", "answer": "A", "category": "direct_attributes"}`+"\n"+
		`{"id": "b", "question": "q", "answer": "B", "category": "relative_position"}`+"\n"+
		`{"id": "c", "question": "q", "answer": "B", "category": "counting"}`+"\n")
	assert.Equal(t, []string{`3: sample "c": capability "counting" is not one of the suite's capabilities (attribute, spatial)`}, dataErrors(t, err))
	require.Len(t, ds.Samples, 2)
	assert.Equal(t, "attribute", ds.Samples[0].Capability)
	assert.Equal(t, "spatial", ds.Samples[1].Capability)
}
