package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools"
	"github.com/realx-bench/realx/tasks"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// TestValidateThreeMistakes reports all three problems of a suite at once, each with its line
// and column, and exits 2.
func TestValidateThreeMistakes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", `{"id":"1","question":"1+1?","answer":"2"}`+"\n")
	suite := writeFile(t, dir, "suite.yaml", `name: tiny
version: "1"
data:
  path: data.jsonl
generation:
  temperature: hot
  max_tokns: 10
judge:
  kind: mathh
`)
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code, r.stdout+r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	require.Len(t, lines, 3, r.stderr)
	pos := regexp.MustCompile(`^` + regexp.QuoteMeta(suite) + `:(\d+):(\d+): `)
	want := []struct {
		line, col, text string
	}{
		{"6", "16", "temperature"},
		{"7", "3", "max_tokns"},
		{"9", "9", "mathh"},
	}
	for i, l := range lines {
		m := pos.FindStringSubmatch(l)
		require.NotNil(t, m, "line %q has no file:line:col", l)
		assert.Equal(t, want[i].line, m[1], l)
		assert.Equal(t, want[i].col, m[2], l)
		assert.Contains(t, l, want[i].text)
	}
}

// TestValidateShippedSuites checks that every shipped suite validates: those whose data ships
// with their data, those whose data is pulled against an empty cache, where each is valid and
// warned of only (TestSuitesRunOnFixtures validates and runs each on a pulled fixture).
func TestValidateShippedSuites(t *testing.T) {
	t.Setenv(tasks.DataCacheEnv, t.TempDir())
	names := benchmarks.List()
	require.GreaterOrEqual(t, len(names), 27)
	r := realxCLI(t, nil, append([]string{"validate"}, names...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, fmt.Sprintf("ok: %d suite(s)", len(names)))
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		assert.Contains(t, line, "warning:", "only warnings: %s", line)
	}
}

// TestValidateDataErrors reports bad data records with the data file's line numbers.
func TestValidateDataErrors(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"2"}
{"id":"1","question":"q2","answer":"3"}
not json
`)
	suite := writeFile(t, dir, "suite.yaml", "name: tiny\ndata:\n  path: data.jsonl\njudge:\n  kind: exact\n")
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, data+":2:")
	assert.Contains(t, r.stderr, data+":3:")
}

// TestUnknownSuite is a configuration error.
func TestUnknownSuite(t *testing.T) {
	r := realxCLI(t, nil, "validate", "no-such-suite")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no-such-suite")
}

// TestValidateReportsEverythingAtOnce: a template error does not hide the judge's, the agent's
// or the data's problems.
func TestValidateReportsEverythingAtOnce(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"2"}
{"id":"1","question":"q2","answer":"3"}
{"id":"3","answer":"3"}
`)
	suite := writeFile(t, dir, "suite.yaml", `name: tiny
data:
  path: data.jsonl
prompt:
  user: "{{.Questoin}}"
judge:
  kind: emm
agent:
  protocol: hermes
  tools: [searcher]
`)
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	for _, want := range []string{
		suite + `:5:9: prompt.user: can't evaluate field Questoin`,
		suite + `:7:9: unknown judge kind "emm"`,
		suite + `:10:11: unknown tool "searcher"`,
		data + `:2: duplicate id "1"`,
		data + `:3: sample "3": missing question field "question"`,
	} {
		assert.Contains(t, r.stderr, want)
	}

	// A problem in the data section itself leaves the records unread: read with a misspelt
	// mapping, every one would be wrong.
	suite = writeFile(t, dir, "suite2.yaml", "name: tiny\ndata:\n  path: data.jsonl\n  fields:\n    questoin: q\njudge:\n  kind: em\n")
	r = realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown field "questoin"`)
	assert.NotContains(t, r.stderr, data)
}

// TestValidateRendersEveryPrompt: a prompt that places an image the samples lack fails at
// validate time, at the first records' lines, with a count.
func TestValidateRendersEveryPrompt(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, `{"id":"%d","question":"q","answer":"a","image":"a.png"}`+"\n", i)
	}
	data := writeFile(t, dir, "data.jsonl", b.String())
	suite := writeFile(t, dir, "suite.yaml", "name: tiny\ndata:\n  path: data.jsonl\n  fields:\n    images: [image]\nprompt:\n  user: \"{{image 3}}{{.Question}}\"\njudge:\n  kind: em\n")
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, data+": the prompt cannot be rendered for 5 of 5 samples (the first 3 are listed)\n"+
		data+`:1: sample "0": prompt.user: image 3: the sample has 1 image(s)`+"\n"+
		data+`:2: sample "1": prompt.user: image 3: the sample has 1 image(s)`+"\n"+
		data+`:3: sample "2": prompt.user: image 3: the sample has 1 image(s)`+"\n")
}

// TestValidateGoldAndImages: a record without a gold answer, or with an empty image field, is
// a data error at its line; a suite that says it has no gold answers loads, with a warning.
func TestValidateGoldAndImages(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.png", "\x89PNG\r\n\x1a\n")
	data := writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"a","image":"a.png"}
{"id":"2","question":"q","image":"a.png"}
{"id":"3","question":"q","answer":"a","image":""}
{"id":"4","question":"q","answer":"a","image":null}
`)
	suite := writeFile(t, dir, "suite.yaml", "name: tiny\ndata:\n  path: data.jsonl\n  fields:\n    images: [image]\njudge:\n  kind: em\n")
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, data+`:2: sample "2": no gold answer: field "answer" is missing`)
	assert.Contains(t, r.stderr, data+`:3: sample "3": no image: field "image" is empty`)
	assert.Contains(t, r.stderr, data+`:4: sample "4": no image: field "image" is null`)

	suite = writeFile(t, dir, "nogold.yaml", "name: tiny\ndata:\n  path: data.jsonl\n  images_optional: true\n  fields:\n    images: [image]\n    answer: \"\"\njudge:\n  kind: em\n")
	r = realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, suite+":7:13: warning: data.fields.answer is empty: the samples have no gold answer")
	assert.Contains(t, r.stdout, "ok: 1 suite(s), 1 warning(s)")
}

// TestValidateRefusesWhatRunRefuses: a tool run cannot build is refused by validate as by
// run, with the same message; every tool validate passes is one run builds.
func TestValidateRefusesWhatRunRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"a"}`+"\n")
	suite := writeFile(t, dir, "suite.yaml", "name: tiny\ndata:\n  path: data.jsonl\njudge:\n  kind: em\nagent:\n  protocol: r1v4\n  tools: [search]\n")
	const want = `:8:11: protocol r1v4 cannot carry tool "search"`
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, suite+want)

	srv := runnertest.NewServer(t)
	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "run"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, suite+want)
	assert.Empty(t, srv.Requests())

	for name := range runners.ToolFunctions {
		for _, proto := range runners.Protocols {
			if ps := runners.CheckAgent(tasks.AgentSpec{Protocol: proto, Tools: []string{name}}); len(ps) == 0 {
				assert.Contains(t, tools.Names(), name, "validate passes tool %s with protocol %s, which run cannot build", name, proto)
			}
		}
	}
}

// TestValidateWarnsWithoutBubblewrap: a suite that runs Python on a machine without bwrap
// validates, with a warning that run will refuse it.
func TestValidateWarnsWithoutBubblewrap(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	r := realxCLI(t, nil, "validate", agentSuite)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, agentSuite+":21:11: warning: tool python: bubblewrap (bwrap) not found")
	assert.Contains(t, r.stderr, "until then realx run refuses this suite")
}

// TestValidateMissingImages looks for image files, without reading them: missing ones are a
// warning naming how many, and --image-root says where they are.
func TestValidateMissingImages(t *testing.T) {
	r := realxCLI(t, nil, "validate", "mathvista-testmini")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "mathvista-testmini/testmini.json: warning: 995 of 1000 images are missing: their samples will fail as input errors; "+
		"if the images are elsewhere, give their directory with --image-root (mathvista-testmini/testmini.json:2: image \"images/1.jpg\"")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)

	dir, images := t.TempDir(), t.TempDir()
	writeFile(t, images, "a.png", "\x89PNG\r\n\x1a\n")
	data := writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"a","image":"a.png"}`+"\n"+`{"id":"2","question":"q","answer":"a","image":"data:image/png;base64,!!"}`+"\n")
	suite := writeFile(t, dir, "suite.yaml", "name: tiny\ndata:\n  path: data.jsonl\n  fields:\n    images: [image]\njudge:\n  kind: em\n")
	r = realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, data+": warning: 2 of 2 images cannot be read (1 missing)")
	assert.Contains(t, r.stderr, data+`:1: image "a.png": stat `+filepath.Join(dir, "a.png")+": no such file or directory")
	assert.Contains(t, r.stderr, data+`:2: image "data:image/png;base64,!!": invalid base64`)

	r = realxCLI(t, nil, "validate", "--image-root", images, suite)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, data+": warning: 1 of 2 images cannot be read: their samples will fail as input errors (")
	assert.NotContains(t, r.stderr, "a.png")
}

// TestValidateUnreadableData names the suite's data.path.
func TestValidateUnreadableData(t *testing.T) {
	dir := t.TempDir()
	suite := writeFile(t, dir, "suite.yaml", "name: tiny\ndata:\n  path: nope.jsonl\njudge:\n  kind: em\n")
	r := realxCLI(t, nil, "validate", suite)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, suite+":3:9: data.path: open "+filepath.Join(dir, "nope.jsonl")+": no such file or directory")
}

// TestFlagHelpDefaults: a flag whose default is the suite's says so, rather than "(default: 0)".
func TestFlagHelpDefaults(t *testing.T) {
	r := realxCLI(t, nil, "run", "--help")
	require.Equal(t, 0, r.code, r.stderr)
	for _, flag := range []string{"--max-turns", "--max-tool-calls", "--max-sample-tokens", "--sample-timeout"} {
		var line string
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.Contains(l, flag+" ") {
				line = l
			}
		}
		require.NotEmpty(t, line, flag)
		assert.Equal(t, 1, strings.Count(line, "default"), line)
		assert.Contains(t, line, "(default: the suite's, else ", line)
	}
	r = realxCLI(t, nil, "validate", "--help")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "--image-root value")
	assert.NotContains(t, r.stdout, "(default: ")
}

// TestMissingSuiteFile says "no such file" for an argument that names a file, and lists the
// shipped suites for one that names a suite.
func TestMissingSuiteFile(t *testing.T) {
	dir := t.TempDir()
	for _, arg := range []string{"nosuch.yaml", "nosuch.YML", filepath.Join(dir, "suite")} {
		r := realxCLI(t, nil, "validate", arg)
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, arg+": no such file")
		assert.NotContains(t, r.stderr, "not a YAML file")
	}
	r := realxCLI(t, nil, "validate", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, dir+": a directory with no suite.yaml in it")

	r = realxCLI(t, nil, "validate", "math5000")
	assert.Equal(t, 2, r.code)
	assert.Regexp(t, `no suite "math5000": the shipped suites are aime24, aime25, amc23, .*math500, .*mathvista-testmini, `, r.stderr)
}

// TestList shows every shipped suite with its size.
func TestList(t *testing.T) {
	r := realxCLI(t, nil, "list", "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"suite,capabilities,tools,judge,paper,data,samples\n", ",-,mathvista,\"claude-2 26.4, deepeyesv2-7b 71.9, deepeyes-7b 70.1, +6 more\",shipped,1000\n", ",-,math,-,shipped,500\n",
		"aime24,competition math,-,math,-,shipped,30\n", "aime25,competition math,-,math,-,shipped,30\n", "amc23,competition math,-,math,-,shipped,40\n"} {
		assert.Contains(t, r.stdout, want)
	}
}
