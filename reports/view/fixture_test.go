package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
)

// hostile is an answer full of markup and script: if any of it ran, it would set
// window.pwned or change the page's title.
const hostile = `<script>window.pwned = 1; document.title = "pwned"</script>` +
	`<img src=x onerror="window.pwned = 2">` +
	`<a href="javascript:window.pwned = 3">click</a>` +
	`</script><script>window.pwned = 4</script>` +
	`<svg onload="window.pwned = 5"></svg><iframe srcdoc="<script>parent.pwned = 6</script>"></iframe>` +
	`<!-- <style>body { display: none }</style> -->` + "\u2028\u2029 \x1b[2J"

// pngOf returns a w×h PNG of one colour.
func pngOf(t testing.TB, w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// writeRun writes a run of n samples to dir: in four capabilities, each with an image; every
// other one crops it with code and gets the crop back, every third searches; a third are
// wrong, one in fifty failed, and sample 7 answers with hostile markup, also in its tool
// name, its code, the gold and the judge's reason. flip changes which samples are wrong.
func writeRun(t testing.TB, dir, model string, n int, flip bool) {
	require.NoError(t, reports.WriteManifest(dir, &reports.Manifest{V: reports.SchemaVersion, Run: "run-" + model,
		Model: reports.ModelInfo{Name: model}, Suites: []reports.SuiteInfo{{Name: "synth", Samples: n}}}))
	blobs := &reports.Blobs{Dir: filepath.Join(dir, reports.BlobsDir)}
	input, err := blobs.Put(pngOf(t, 64, 48, color.RGBA{0x20, 0x60, 0xa0, 0xff}))
	require.NoError(t, err)
	crop, err := blobs.Put(pngOf(t, 16, 12, color.RGBA{0xe0, 0x90, 0x10, 0xff}))
	require.NoError(t, err)
	w, err := reports.OpenLog(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	caps := []string{"perception", "search", "reasoning", "ocr"}
	for i := range n {
		id := fmt.Sprintf("q%d", i)
		pass := i%3 != 0
		if flip && i%5 == 0 {
			pass = !pass
		}
		r := &reports.Result{V: reports.SchemaVersion, Run: "run-" + model, Suite: "synth", ID: id, Capability: caps[i%len(caps)],
			Model: model, Answer: fmt.Sprintf("answer %d", i), Output: fmt.Sprintf("<answer>%d</answer>", i),
			Verdict: judges.Verdict{Extracted: fmt.Sprint(i), Pass: pass, Step: "rule", JudgeID: "j1"},
			Tokens:  runners.Usage{Prompt: 300, Completion: 40, Total: 340}, LatencyMS: 800, Stop: runners.StopAnswer}
		if pass {
			r.Score = 1
		}
		tr := &runners.Trajectory{Stop: runners.StopAnswer, WallMS: 1500, ToolOpenMS: 30, Turns: []runners.Turn{
			{Role: runners.RoleUser, Text: fmt.Sprintf("Question %d: what is in the image?", i), Images: []string{input}},
		}}
		var calls []runners.Call
		if i%2 == 0 {
			calls = append(calls, runners.Call{Name: "code", Kind: "crop", DurationMS: 200,
				Arguments: `{"code": "crop = image_1.crop((10, 10, 26, 22))\ncrop.show()"}`, Output: "", Images: []string{crop}})
		}
		if i%3 == 0 {
			calls = append(calls, runners.Call{Name: "search", DurationMS: 100, Arguments: fmt.Sprintf(`{"query": "what is %d"}`, i),
				Output: "1. [A page](https://example.org)\nsnippet"})
		}
		if len(calls) > 0 {
			tr.Turns = append(tr.Turns,
				runners.Turn{Role: runners.RoleAssistant, Text: "<think>Let me look.</think>", LatencyMS: 400,
					Usage: &runners.Usage{Prompt: 150, Completion: 20, Total: 170}, Calls: calls},
				runners.Turn{Role: runners.RoleUser, Text: "Code execution result:", Images: calls[0].Images})
		}
		tr.Turns = append(tr.Turns, runners.Turn{Role: runners.RoleAssistant, Text: r.Output, LatencyMS: 400,
			Usage: &runners.Usage{Prompt: 150, Completion: 20, Total: 170}})
		r.Trajectory = tr
		if i == 7 {
			r.Output, r.Answer, r.Reason, r.Extracted = hostile, hostile, hostile, hostile
			tr.Turns[len(tr.Turns)-1].Text = hostile
			tr.Turns[len(tr.Turns)-1].Reasoning = hostile
			tr.Turns[len(tr.Turns)-1].Calls = []runners.Call{{Name: hostile, Arguments: `{"code": ` + jsonString(hostile) + `}`,
				Output: hostile, Error: hostile, Images: []string{"../../../etc/passwd", crop}}}
			r.Metadata = map[string]any{"note": hostile}
		}
		if i%50 == 49 {
			r.Error = &reports.Failure{Class: reports.ErrModel, Message: "HTTP 500"}
		}
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
}

// jsonString returns s as a JSON string.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
