package view

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
)

// pageOf writes the page of the runs at inputs, with budget bytes of images.
func pageOf(t *testing.T, budget int64, inputs ...string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(&b, inputs, nil, io.Discard, Options{ImageBudget: budget}))
	return b.String()
}

var (
	dataRe   = regexp.MustCompile(`(?s)<script type="application/json" id="realx-data">(.*?)</script>`)
	scriptRe = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	styleRe  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	blobRe   = regexp.MustCompile(`<script type="text/plain" id="img-([0-9a-f]{64})" data-type="(image/[a-z]+)">([A-Za-z0-9+/=]*)</script>`)
)

// TestPageHoldsItsDataSafely checks the page as a browser's parser meets it: the data in one
// JSON script element that no text of the model's closes, the images in elements of their
// own named by hash, and a policy that lets only the page's own script and style run.
func TestPageHoldsItsDataSafely(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, "m", 20, false)
	html := pageOf(t, DefaultImageBudget, dir)

	assert.Equal(t, 1, strings.Count(html, `<meta http-equiv="Content-Security-Policy"`))
	assert.Less(t, strings.Index(html, "Content-Security-Policy"), strings.Index(html, "<style>"), "the policy comes first")
	m := dataRe.FindStringSubmatch(html)
	require.NotNil(t, m)
	data := m[1]
	assert.NotContains(t, data, "<", "no tag can start inside the data")
	assert.NotContains(t, data, "\u2028")
	var p page
	require.NoError(t, json.Unmarshal([]byte(data), &p))
	require.Len(t, p.Samples, 20)
	q7 := p.Samples[7]
	assert.Equal(t, "q7", q7.ID)
	assert.Equal(t, hostile, q7.Records[0].Output, "the text is whole, only escaped")
	images := len(blobRe.FindAllString(html, -1))
	assert.Equal(t, 2, strings.Count(strings.ToLower(html), "</script")-images, "closing tags but the images': the data's and the script's, none of the model's")
	assert.Equal(t, 2, strings.Count(strings.ToLower(html), "<script")-images, "opening tags but the images': the data and the script")

	blobs := blobRe.FindAllStringSubmatch(html, -1)
	require.Len(t, blobs, 2, "the input image and the crop, once each")
	for _, b := range blobs {
		raw, err := base64.StdEncoding.DecodeString(b[3])
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		assert.Equal(t, b[1], hex.EncodeToString(sum[:]), "named by its hash")
		assert.Equal(t, "image/png", b[2])
	}
	assert.Equal(t, 1, p.Missing, "the image named like a path is left out")

	script := scriptRe.FindAllStringSubmatch(html, -1)
	require.Len(t, script, 1)
	style := styleRe.FindStringSubmatch(html)
	require.NotNil(t, style)
	for _, part := range []struct{ name, text string }{{"script", script[0][1]}, {"style", style[1]}} {
		sum := sha256.Sum256([]byte(part.text))
		assert.Contains(t, ContentSecurityPolicy, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", "the %s's hash", part.name)
		assert.NotContains(t, strings.ToLower(part.text), "</script", part.name)
	}
	for _, d := range []string{"default-src 'none'", "img-src data:", "base-uri 'none'", "form-action 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'"} {
		assert.Contains(t, ContentSecurityPolicy, d)
	}
	assert.NotContains(t, ContentSecurityPolicy, "unsafe")
	assert.NotRegexp(t, `innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\('on`, script[0][1],
		"the viewer writes no HTML and runs no string")
}

// TestPageImageBudget leaves out the images past the budget, and says how many.
func TestPageImageBudget(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, "m", 4, false)
	var p page
	html := pageOf(t, 0, dir)
	require.NoError(t, json.Unmarshal([]byte(dataRe.FindStringSubmatch(html)[1]), &p))
	assert.Empty(t, blobRe.FindAllString(html, -1))
	assert.Equal(t, 4+2+2, p.Missing, "four inputs, two crops sent back and returned")

	var warn bytes.Buffer
	require.NoError(t, Write(io.Discard, []string{dir}, nil, &warn, Options{ImageBudget: 1}))
	assert.Contains(t, warn.String(), "realx: view: 8 images left out of the page")
}

// TestPageOfStandardInput reads a log from standard input: its records, without images.
func TestPageOfStandardInput(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, "m", 3, false)
	log, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, Write(&b, []string{"-"}, bytes.NewReader(log), io.Discard, Options{ImageBudget: DefaultImageBudget, Title: "a <title>"}))
	var p page
	require.NoError(t, json.Unmarshal([]byte(dataRe.FindStringSubmatch(b.String())[1]), &p))
	assert.Len(t, p.Samples, 3)
	assert.Equal(t, "a <title>", p.Title)
	assert.Empty(t, blobRe.FindAllString(b.String(), -1))
}

// TestPageToolUseByBenchmark adds, for runs of several suites, the share of samples that
// called a tool in each (DeepEyesV2's Figure 7).
func TestPageToolUseByBenchmark(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, "m", 4, false)
	w, err := reports.OpenLog(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	other := &reports.Result{V: reports.SchemaVersion, Suite: "vstar", ID: "v1", Capability: "perception", Model: "m",
		Trajectory: &runners.Trajectory{Turns: []runners.Turn{{Role: runners.RoleAssistant}}}}
	require.NoError(t, w.Write(other))
	require.NoError(t, w.Close())
	var p page
	require.NoError(t, json.Unmarshal([]byte(dataRe.FindStringSubmatch(pageOf(t, 0, dir))[1]), &p))
	var titles []string
	for _, tab := range p.Tables {
		titles = append(titles, tab.Title)
		if tab.Title == "Tool use by benchmark" {
			require.Len(t, tab.Rows, 3)
			assert.Equal(t, []string{"synth", "m", "4/4", "75.0"}, tab.Rows[0][:4])
			assert.Equal(t, []string{"vstar", "m", "1", "0.0"}, tab.Rows[1][:4])
		}
	}
	assert.Equal(t, []string{"Accuracy by capability", "Tool use by benchmark", "Tool use", "Tool calls by category", "Each tool's calls",
		"Samples by number of tool calls", "Most frequent tool sequences", "Where the time went"}, titles)
}
