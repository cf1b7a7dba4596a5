package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestViewAndShowARun runs the agent suite as DeepEyes (a zoom, then an answer full of markup
// and an escape sequence), then writes its page with `realx view` and prints its sample with
// `realx show`: the page holds the input image and the crop, the terminal gets the model's
// text with its escape sequence made inert, the crop's path beside the original's.
func TestViewAndShowARun(t *testing.T) {
	srv := runnertest.NewServer(t)
	answer := "<answer><script>alert(1)</script>8\x1b]0;pwned\x07</answer>"
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if r.Seq == 1 {
			return runnertest.Reply{Content: "<think>Closer.</think>\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [280, 0, 560, 210]}}\n</tool_call>"}
		}
		return runnertest.Reply{Content: answer}
	})
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", agentSuite, "--model", "m", "--base-url", srv.URL(), "--out", run, "--progress", "none", "--protocol", "deepeyes")
	require.Equal(t, 0, r.code, r.stderr)

	page := filepath.Join(dir, "page.html")
	r = realxCLI(t, nil, "view", run, "-o", page, "--title", "NBA")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), `<meta http-equiv="Content-Security-Policy"`)
	images := regexp.MustCompile(`<script type="text/plain" id="img-[0-9a-f]{64}" data-type="image/(png|jpeg)">`).FindAllString(string(html), -1)
	assert.Len(t, images, 2, "the input image and the crop")
	assert.NotContains(t, string(html), "<script>alert(1)")
	assert.Contains(t, string(html), `\u003cscript\u003ealert(1)`)

	r = realxCLI(t, nil, "show", run, "nba")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "═══ agent-demo / nba")
	assert.Contains(t, r.stdout, "▸ tool call: image_zoom_in_tool (crop)")
	assert.Contains(t, r.stdout, `"bbox_2d": [280, 0, 560, 210]`)
	assert.Regexp(t, `original 1: .*/run/blobs/[0-9a-f]{64}\n\s+returned 1: .*/run/blobs/[0-9a-f]{64}`, r.stdout)
	assert.Contains(t, r.stdout, `<script>alert(1)</script>8\x1b]0;pwned\x07`)
	assert.NotContains(t, r.stdout, "\x1b")
	for _, m := range regexp.MustCompile(`returned 1: (\S+)`).FindAllStringSubmatch(r.stdout, -1) {
		assert.FileExists(t, m[1])
	}

	r = realxCLI(t, nil, "report", run, "--table", "tools", "--section", "categories", "-f", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "overall,m,1,100.0,0.0,0.0,0.0,0.0,0.0,0.0", "the zoom is a crop")
}

// TestViewAndShowUsage refuses what they cannot do: no run, no -o, -o over the run's log, a
// sample the run does not have (exit 1).
func TestViewAndShowUsage(t *testing.T) {
	dir := t.TempDir()
	run := writeRunDir(t, filepath.Join(dir, "a"), "m", record("q1", true, ""))
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"view"}, 2, "view: name at least one run directory"},
		{[]string{"view", run}, 2, "view: -o FILE is required"},
		{[]string{"view", run, "-o", filepath.Join(run, reports.ResultsFile)}, 2, "would write over the input"},
		{[]string{"view", run, "-o", filepath.Join(dir, "p.html"), "--image-budget", "-1"}, 2, "--image-budget must not be negative"},
		{[]string{"show", run}, 2, "show: give a run and a sample id"},
		{[]string{"show", run, "q2"}, 1, `realx: show: ` + run + ` has no record of sample "q2"`},
		{[]string{"show", run, "q1", "--repeat", "1"}, 1, `has no record of sample "q1"`},
	} {
		r := realxCLI(t, nil, tc.args...)
		assert.Equal(t, tc.code, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.msg, tc.args)
	}
	r := realxCLI(t, nil, "show", run, "q1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "═══ s / q1"), r.stdout)
}
