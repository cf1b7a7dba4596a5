package main

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// This file makes and checks the shipped example suite benchmarks/mmsearch-mini: its flag
// images (drawn here), its search store and its recorded DeepEyesV2-style trajectory (both
// made by running the suite against a scripted model: `go test ./cmd/realx -update` writes
// them), and runs it end to end with the deepeyesv2 and r1v4 protocols and as `make demo` does.

// mmsearchDir is the example suite's directory.
var mmsearchDir = repoFile("benchmarks", "mmsearch-mini")

// mmsearchRecording is the recorded trajectory that `make demo` replays.
var mmsearchRecording = filepath.Join(mmsearchDir, "recordings", "deepeyesv2-style.jsonl")

// flagDesign draws a national flag: the colour at (x, y), both in [0, 1).
type flagDesign struct {
	name string
	w, h int
	draw func(x, y float64) color.RGBA
}

// hex is the colour 0xRRGGBB.
func hex(c uint32) color.RGBA { return color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 255} }

// flagDesigns are the flags of the suite, after their official specifications (proportions
// and colours rounded).
var flagDesigns = []flagDesign{
	{"japan", 336, 224, func(x, y float64) color.RGBA { // 2:3, a disc 3/5 of the height across
		if math.Hypot((x-0.5)*1.5, y-0.5) < 0.3 {
			return hex(0xBC002D)
		}
		return hex(0xFFFFFF)
	}},
	{"sweden", 336, 210, func(x, y float64) color.RGBA { // 10:16, the cross 5:2:9 and 4:2:4
		if (x >= 5.0/16 && x < 7.0/16) || (y >= 0.4 && y < 0.6) {
			return hex(0xFECC02)
		}
		return hex(0x006AA7)
	}},
	{"switzerland", 224, 224, func(x, y float64) color.RGBA { // square, arms 6/32 wide, 20/32 long
		arm := func(a, b float64) bool { return a >= 13.0/32 && a < 19.0/32 && b >= 6.0/32 && b < 26.0/32 }
		if arm(x, y) || arm(y, x) {
			return hex(0xFFFFFF)
		}
		return hex(0xDA291C)
	}},
	{"germany", 336, 201, func(_, y float64) color.RGBA { // 3:5
		switch {
		case y < 1.0/3:
			return hex(0x000000)
		case y < 2.0/3:
			return hex(0xDD0000)
		}
		return hex(0xFFCE00)
	}},
	{"bangladesh", 336, 201, func(x, y float64) color.RGBA { // 3:5, the disc 1/5 of the length wide, at 9/20
		if math.Hypot((x-0.45)*5.0/3, y-0.5) < 1.0/3 {
			return hex(0xF42A41)
		}
		return hex(0x006A4E)
	}},
	{"ukraine", 336, 224, func(_, y float64) color.RGBA { // 2:3
		if y < 0.5 {
			return hex(0x0057B7)
		}
		return hex(0xFFD700)
	}},
}

// drawFlag renders f at w×h as PNG, each pixel the colour at its centre.
func drawFlag(t *testing.T, f flagDesign, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, f.draw((float64(x)+0.5)/float64(w), (float64(y)+0.5)/float64(h)))
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// updating reports whether the test runs with -update (runnertest.Golden's flag).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// mmsearchSample is what the scripted models say of one sample: the flag the image search
// finds, the query that looks the fact up, the page holding it, and the answer.
type mmsearchSample struct {
	question, title, query, url, found, answer string
}

// mmsearchSamples are the suite's samples as the scripted models answer them.
var mmsearchSamples = []mmsearchSample{
	{"In what year was this flag made the official national flag", "Flag of Japan", "Japan national flag official law year", "https://encyclopedia.example/wiki/Flag_of_Japan",
		"The Act on National Flag and Anthem made the Hinomaru the national flag in 1999.", "1999"},
	{"What is the capital city of the country whose flag is shown?", "Flag of Sweden", "Sweden capital city", "https://encyclopedia.example/wiki/Sweden",
		"Stockholm is the capital and largest city of Sweden.", "Stockholm"},
	{"Which city is the seat of the federal government", "Flag of Switzerland", "Switzerland seat of the federal government", "https://encyclopedia.example/wiki/Switzerland",
		"Switzerland names no capital, but Bern is its federal city, the seat of the Federal Council.", "Bern"},
	{"In which year did the present-day federal republic", "Flag of Germany", "Federal Republic of Germany flag adopted year", "https://encyclopedia.example/wiki/Flag_of_Germany",
		"The Federal Republic of Germany took up the black, red and gold tricolour in 1949.", "1949"},
	{"On what date was the current design of this flag officially adopted?", "Flag of Bangladesh", "flag of Bangladesh officially adopted date", "https://encyclopedia.example/wiki/Flag_of_Bangladesh",
		"The current design of the flag of Bangladesh was officially adopted on 17 January 1972.", "17 January 1972"},
	{"What is the capital of the country whose flag this is?", "Flag of Ukraine", "Ukraine capital", "https://encyclopedia.example/wiki/Ukraine",
		"Kyiv is the capital and largest city of Ukraine.", "Kyiv"},
}

// mmsearchSampleOf returns the sample a request is about, by its question.
func mmsearchSampleOf(t *testing.T, r *runnertest.Request) mmsearchSample {
	for _, s := range mmsearchSamples {
		if strings.Contains(r.Messages[1].Text, s.question) {
			return s
		}
	}
	t.Errorf("the scripted model got a question it does not know: %q", r.Messages[1].Text)
	return mmsearchSample{}
}

// assistantTurns counts the assistant turns of a request's conversation.
func assistantTurns(r *runnertest.Request) int {
	n := 0
	for _, m := range r.Messages {
		if m.Role == "assistant" {
			n++
		}
	}
	return n
}

// deepEyesV2Style is the scripted model whose replies the shipped recording holds: in
// DeepEyesV2's format, it looks at the image in Python, searches with it, searches by words,
// and answers. It was written for realx; no trained model wrote it.
func deepEyesV2Style(t *testing.T) func(r *runnertest.Request) runnertest.Reply {
	return func(r *runnertest.Request) runnertest.Reply {
		s := mmsearchSampleOf(t, r)
		var reply string
		switch assistantTurns(r) {
		case 0:
			reply = "<think>Let me look at the image first: its size, and the colour at its centre.</think>\n<code>\n```python\nw, h = image_1.size\nprint(w, h)\nprint(image_1.convert('RGB').getpixel((w // 2, h // 2)))\n```\n</code>"
		case 1:
			reply = "<think>It is a national flag. An image search will tell which one.</think>\n<tool_call>\n{\"name\": \"image_search\"}\n</tool_call>"
		case 2:
			reply = "<think>The image search finds the " + s.title + ". Now I need the fact the question asks for.</think>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"" + s.query + "\"}}\n</tool_call>"
		default:
			reply = "<think>" + s.found + "</think>\n<answer>" + s.answer + "</answer>"
		}
		return runnertest.Reply{Content: reply, FinishReason: "stop", Usage: &runners.Usage{Prompt: 900 + 300*assistantTurns(r), Completion: 60}}
	}
}

// r1v4Style is a scripted model in R1V4's format: it searches with the image, by words, visits
// the page, and answers.
func r1v4Style(t *testing.T) func(r *runnertest.Request) runnertest.Reply {
	return func(r *runnertest.Request) runnertest.Reply {
		s := mmsearchSampleOf(t, r)
		calls := []string{
			`{"name": "image_search", "arguments": {"image_paths": ["image_1"]}}`,
			`{"name": "text_search", "arguments": {"queries": ["` + s.query + `"]}}`,
			`{"name": "web_visit", "arguments": {"urls": ["` + s.url + `"]}}`,
		}
		if n := assistantTurns(r); n < len(calls) {
			return runnertest.Reply{Content: "<think>I need to look this up.</think>\n<tool_call>" + calls[n] + "</tool_call>"}
		}
		return runnertest.Reply{Content: "<think>" + s.found + "</think>\n<answer>" + s.answer + "</answer>"}
	}
}

// TestMMSearchMiniImages draws the suite's flags: the corpus's at their full size, the
// questions' at five sixths of it, so that a question's flag is found by its perceptual hash
// but is not the corpus's file.
func TestMMSearchMiniImages(t *testing.T) {
	for _, f := range flagDesigns {
		runnertest.Golden(t, filepath.Join(mmsearchDir, "corpus", "images", "flag-"+f.name+".png"), drawFlag(t, f, f.w, f.h))
		runnertest.Golden(t, filepath.Join(mmsearchDir, "images", "q-"+f.name+".png"), drawFlag(t, f, f.w*5/6, f.h*5/6))
	}
}

// TestMMSearchMiniDeepEyesV2 runs the suite end to end with the deepeyesv2 protocol against
// the fake endpoint, its code in the sandbox, its searches recorded from the offline corpus:
// every answer right. The store it records and the model's replies are the shipped store and
// recording (`go test -update` writes them).
func TestMMSearchMiniDeepEyesV2(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	srv := runnertest.NewServer(t)
	srv.Handle(deepEyesV2Style(t))
	store, recording := filepath.Join(dir, "store"), filepath.Join(dir, "recording.jsonl")
	r := realxCLI(t, nil, "run", filepath.Join(mmsearchDir, "suite.yaml"), "--model", "deepeyesv2-style", "--base-url", srv.URL(),
		"--out", filepath.Join(dir, "run"), "--progress", "none", "-c", "1", "--search", "record", "--search-store", store, "--record-model", recording)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `│ overall +│ +100\.0 │ 6/6 │`, r.stdout)
	assert.Contains(t, r.stderr, "realx: searches (record): ")
	tools := report(t, filepath.Join(dir, "run"), "--table", "tools", "--format", "csv")
	assert.Contains(t, tools, "overall,deepeyesv2-style,6,100.0,3.00,0.0,4.00,")
	perTool := report(t, filepath.Join(dir, "run"), "--table", "tools", "--section", "per-tool", "--format", "csv")
	for _, tool := range []string{"code", "image_search", "search"} {
		assert.Contains(t, perTool, "deepeyesv2-style,"+tool+",6,1.00,33.3,100.0,0.0,", "one call of each tool per sample")
	}
	searches := report(t, filepath.Join(dir, "run"), "--table", "search", "--format", "csv")
	assert.Contains(t, searches, "overall,deepeyesv2-style,6,100.0,1.00,1.00,0.00,")
	assert.True(t, strings.HasSuffix(searches, ",100.0,6,6\n"), "every sample finds its gold documents:\n%s", searches)

	got, err := os.ReadFile(recording)
	require.NoError(t, err)
	runnertest.Golden(t, mmsearchRecording, got)
	shipped := filepath.Join(mmsearchDir, "store")
	if updating() {
		require.NoError(t, os.RemoveAll(shipped))
	}
	files := 0
	require.NoError(t, filepath.WalkDir(store, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(store, p)
		require.NoError(t, err)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		runnertest.Golden(t, filepath.Join(shipped, rel), b)
		files++
		return nil
	}))
	require.NoError(t, filepath.WalkDir(shipped, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files--
		}
		return err
	}))
	assert.Zero(t, files, "the shipped store holds files the recorded store does not")
}

// TestMMSearchMiniR1V4 runs the suite end to end with the r1v4 protocol against the fake
// endpoint: image search with image_paths, text search, page visits, from the offline corpus.
func TestMMSearchMiniR1V4(t *testing.T) {
	dir := t.TempDir()
	srv := runnertest.NewServer(t)
	srv.Handle(r1v4Style(t))
	r := realxCLI(t, nil, "run", "mmsearch-mini", "--model", "r1v4-style", "--base-url", srv.URL(), "--out", filepath.Join(dir, "run"),
		"--progress", "none", "--protocol", "r1v4", "--tools", "image_search,text_search,web_visit")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `│ overall +│ +100\.0 │ 6/6 │`, r.stdout)
	assert.Contains(t, r.stderr, "realx: searches (live): ")
	searches := report(t, filepath.Join(dir, "run"), "--table", "search", "--format", "csv")
	assert.Contains(t, searches, "overall,r1v4-style,6,100.0,1.00,1.00,1.00,")
	assert.True(t, strings.HasSuffix(searches, ",100.0,6,6\n"), searches)
}

// TestMMSearchMiniDemo runs what `make demo` runs: the shipped suite, its model's turns
// replayed from the shipped recording, its code in the sandbox, its searches replayed from the
// shipped store, with no endpoint and no network; then the accuracy and tool tables.
func TestMMSearchMiniDemo(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "demo")
	r := realxCLI(t, nil, "run", "mmsearch-mini", "--replay-model", mmsearchRecording, "--label", "deepeyesv2-style",
		"--search", "replay", "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `│ overall +│ +100\.0 │ 6/6 │`, r.stdout)
	assert.Contains(t, r.stderr, "realx: the model's turns were replayed from "+mmsearchRecording)
	assert.Contains(t, r.stderr, "0 missing from it, 0 asked live, 0 recorded")
	tools := report(t, out, "--table", "tools")
	assert.Regexp(t, `│ deepeyesv2-style │ search +│ +6 │`, tools, "each tool's calls")
	assert.Contains(t, tools, "│ code:other → image_search → search │       6 │", "the sequence of every sample")
	results := readResults(t, out)
	require.Len(t, results, 6)
	for _, res := range results {
		require.True(t, res.Graded(), "%s: %+v", res.ID, res.Error)
		assert.Contains(t, res.Trajectory.Turns[2].Text, "Code execution result:\nstdout:\n```\n", "the code ran")
	}
}
