package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoldAnswerRequired makes a record without a gold answer a data error at its line: it
// could not be graded.
func TestGoldAnswerRequired(t *testing.T) {
	t.Parallel()
	ds, err := samples(t, "name: g\ndata: {path: d.jsonl, fields: {alternatives: also}}\njudge: {kind: em}\n", ""+
		`{"id": 1, "question": "q", "answer": "a"}`+"\n"+
		`{"id": 2, "question": "q"}`+"\n"+
		`{"id": 3, "question": "q", "answer": null}`+"\n"+
		`{"id": 4, "question": "q", "answer": ""}`+"\n"+
		`{"id": 5, "question": "q", "answer": []}`+"\n"+
		`{"id": 6, "question": "q", "also": ["b"]}`+"\n"+
		`{"id": 7, "question": "q", "answer": {"x": 1}}`+"\n")
	require.NotNil(t, ds)
	const fix = ` (a record without one cannot be graded; a suite whose records carry none maps data.fields.answer to "")`
	assert.Equal(t, []string{
		`2: sample "2": no gold answer: field "answer" is missing` + fix,
		`3: sample "3": no gold answer: field "answer" is null` + fix,
		`4: sample "4": no gold answer: field "answer" is empty` + fix,
		`5: sample "5": no gold answer: field "answer" is empty` + fix,
		`7: sample "7": field "answer": expected a string, a number or a list of them, got an object`,
	}, dataErrors(t, err))
	require.Len(t, ds.Samples, 2)
	assert.Equal(t, []string{"b"}, ds.Samples[1].Answers(), "an alternative is a gold answer")
}

// TestNoGoldSuite loads a suite that says its records carry no gold answer (answer mapped to
// nothing), with a warning at that key.
func TestNoGoldSuite(t *testing.T) {
	t.Parallel()
	for _, mapping := range []string{`answer: ""`, "answer: null", "answer:"} {
		t.Run(mapping, func(t *testing.T) {
			suite := "name: g\ndata:\n  path: d.jsonl\n  fields:\n    " + mapping + "\njudge: {kind: em}\n"
			dir := t.TempDir()
			s := writeSuite(t, dir, suite, `{"id": 1, "question": "q"}`+"\n"+`{"id": 2, "question": "q", "answer": "not gold"}`+"\n")
			ds, err := s.Samples()
			require.NoError(t, err)
			require.Len(t, ds.Samples, 2)
			assert.Empty(t, ds.Samples[1].Answers(), "the answer field is not read")
			assert.NotContains(t, ds.Samples[1].Metadata, "answer", "nor kept where templates see it")

			w := ds.Warnings
			require.Len(t, w, 1)
			assert.Equal(t, 5, w[0].Line)
			assert.Contains(t, w[0].Msg, "data.fields.answer is empty: the samples have no gold answer")
		})
	}
	ds, err := samples(t, "name: g\ndata: {path: d.jsonl}\njudge: {kind: em}\n", `{"id": 1, "question": "q", "answer": "a"}`)
	require.NoError(t, err)
	assert.Empty(t, ds.Warnings)
}

// TestImagesRequired makes a record whose image fields are there but hold no image a data
// error, unless the suite says images are optional; a record without them has no image on
// purpose.
func TestImagesRequired(t *testing.T) {
	t.Parallel()
	data := "" +
		`{"id": 1, "question": "q", "answer": "a", "image": "a.png"}` + "\n" +
		`{"id": 2, "question": "q", "answer": "a", "image": ""}` + "\n" +
		`{"id": 3, "question": "q", "answer": "a", "image": null}` + "\n" +
		`{"id": 4, "question": "q", "answer": "a"}` + "\n" +
		`{"id": 5, "question": "q", "answer": "a", "image": []}` + "\n" +
		`{"id": 6, "question": "q", "answer": "a", "image": ["a.png", " "]}` + "\n" +
		`{"id": 7, "question": "q", "answer": "a", "image": null, "extra": "b.png"}` + "\n"
	const fix = " (set data.images_optional: true when some samples have none)"
	ds, err := samples(t, "name: i\ndata: {path: d.jsonl, fields: {images: [image]}}\njudge: {kind: em}\n", data)
	require.NotNil(t, ds)
	assert.Equal(t, []string{
		`2: sample "2": no image: field "image" is empty` + fix,
		`3: sample "3": no image: field "image" is null` + fix,
		`5: sample "5": no image: field "image" is empty` + fix,
		`6: sample "6": image field "image": item 1 is empty`,
		`7: sample "7": no image: field "image" is null` + fix,
	}, dataErrors(t, err))
	assert.Empty(t, ds.Warnings)

	_, err = samples(t, "name: i\ndata: {path: d.jsonl, fields: {images: [image, extra]}}\njudge: {kind: em}\n", data)
	assert.Equal(t, []string{
		`2: sample "2": no image: none of the image fields "image", "extra" holds one` + fix,
		`3: sample "3": no image: none of the image fields "image", "extra" holds one` + fix,
		`5: sample "5": no image: none of the image fields "image", "extra" holds one` + fix,
		`6: sample "6": image field "image": item 1 is empty`,
	}, dataErrors(t, err), "one image among the fields is enough")

	ds, err = samples(t, "name: i\ndata: {path: d.jsonl, images_optional: true, fields: {images: [image]}}\njudge: {kind: em}\n", data)
	assert.Equal(t, []string{`6: sample "6": image field "image": item 1 is empty`}, dataErrors(t, err))
	assert.Len(t, ds.Samples, 6)

	// An image field that no record has is likely misspelt: a warning at its mapping.
	ds, err = samples(t, "name: i\ndata:\n  path: d.jsonl\n  fields:\n    images: [image, img]\njudge: {kind: em}\n", data)
	require.Error(t, err)
	require.Len(t, ds.Warnings, 1)
	assert.Equal(t, 5, ds.Warnings[0].Line)
	assert.Equal(t, `data.fields.images[1]: no record has the field "img", so no image comes from it`, ds.Warnings[0].Msg)
}

// TestSamplesTryThePrompt renders each sample's prompt as the data is read: a prompt that
// places an image the samples do not have is reported at the first few records' lines, with
// a count.
func TestSamplesTryThePrompt(t *testing.T) {
	t.Parallel()
	var data strings.Builder
	for i := range 5 {
		data.WriteString(`{"id": "s` + string(rune('0'+i)) + `", "question": "q", "answer": "a", "image": "a.png"}` + "\n")
	}
	suite := "name: p\ndata: {path: d.jsonl, fields: {images: [image]}}\nprompt:\n  user: \"{{image 3}}{{.Question}}\"\njudge: {kind: em}\n"
	ds, err := samples(t, suite, data.String())
	require.NotNil(t, ds)
	assert.Equal(t, []string{
		`1: sample "s0": prompt.user: image 3: the sample has 1 image(s)`,
		`2: sample "s1": prompt.user: image 3: the sample has 1 image(s)`,
		`3: sample "s2": prompt.user: image 3: the sample has 1 image(s)`,
		"0: the prompt cannot be rendered for 5 of 5 samples (the first 3 are listed)",
	}, dataErrors(t, err))
	assert.Empty(t, ds.Samples)

	// As many failures as are listed: no count.
	_, err = samples(t, suite, `{"id": "a", "question": "q", "answer": "a", "image": ["1.png", "2.png", "3.png"]}`+"\n"+
		`{"id": "b", "question": "q", "answer": "a", "image": "1.png"}`+"\n")
	assert.Equal(t, []string{`2: sample "b": prompt.user: image 3: the sample has 1 image(s)`}, dataErrors(t, err))

	// A template that does not load is reported by the load, once, not on every sample.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(data.String()), 0o644))
	file := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(suite, "{{.Question}}", "{{.Questoin}}", 1)), 0o644))
	s, err := LoadFile(file)
	require.Error(t, err)
	assert.True(t, s.CanReadData())
	ds, err = s.Samples()
	require.NoError(t, err)
	assert.Len(t, ds.Samples, 5)
}

// TestCanReadData is false when the data section has a problem, so that a misspelt field
// mapping does not make every record an error.
func TestCanReadData(t *testing.T) {
	t.Parallel()
	for suite, want := range map[string]bool{
		"name: c\ndata: {path: d.jsonl}\njudge: {kind: em}\n":                           true,
		"name: C\ndata: {path: d.jsonl}\njudge: {kind: emm}\nprompt: {user: '{{.X}'}\n": true,
		"name: c\ndata: {path: d.jsonl, fields: {questoin: q}}\njudge: {kind: em}\n":    false,
		"name: c\ndata: {path: d.jsonl, fields: {images: image}}\njudge: {kind: em}\n":  false,
		"name: c\ndata: {path: d.txt}\njudge: {kind: em}\n":                             false,
		"name: c\ndata: {format: jsonl}\njudge: {kind: em}\n":                           false,
		"name: c\ndata: {path: d.jsonl, capability: x}\ncapabilities: [{name: y}]\n":    false,
		"name: c\ndata: {path: d.jsonl}\ndata: {path: e.jsonl}\njudge: {kind: em}\n":    false,
	} {
		s, _ := loadString(t, suite)
		require.NotNil(t, s, suite)
		assert.Equal(t, want, s.CanReadData(), suite)
	}
}

// TestImageRefCheck finds what would make Read fail without reading files.
func TestImageRefCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.png"), tinyPNG, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir.png"), 0o755))
	for ref, want := range map[string]string{
		"ok.png":                                 "",
		"missing.png":                            "no such file or directory",
		"empty.png":                              "empty",
		"dir.png":                                "is not a regular file",
		"http://127.0.0.1:1/x.png":               "", // never fetched
		"data:image/png;base64,!!!!":             "invalid base64",
		"data:text/plain;base64,aGVsbG8=":        "not an image",
		"file://" + filepath.Join(dir, "ok.png"): "file: URLs are not read",
		filepath.Join(dir, "ok.png"):             "", // absolute, beneath the directory
		"/etc/hostname":                          "an absolute path outside",
		"../ok.png":                              "climbs out of",
	} {
		err := ImageRef{Ref: ref, tree: diskTree(dir, suiteDir)}.Check()
		if want == "" {
			assert.NoError(t, err, ref)
			continue
		}
		var ie *ImageError
		require.ErrorAs(t, err, &ie, ref)
		assert.Contains(t, err.Error(), want, ref)
	}

	fsys := fstest.MapFS{"s/img/ok.png": {Data: tinyPNG}}
	assert.NoError(t, ImageRef{Ref: "ok.png", tree: tree{fsys: fsys, dir: "s"}, base: "img"}.Check())
	assert.ErrorIs(t, ImageRef{Ref: "img/no.png", tree: tree{fsys: fsys, dir: "s"}}.Check(), os.ErrNotExist)
}
