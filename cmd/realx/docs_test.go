package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

// TestKubernetesExample runs the commands of docs/k8s as the Indexed Job and the merge Job
// would, against the fake endpoint and a synthetic suite: every shard, then the merge.
func TestKubernetesExample(t *testing.T) {
	type container struct {
		Args []string `yaml:"args"`
		Env  []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"env"`
	}
	type job struct {
		Kind string `yaml:"kind"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Template       struct {
				Spec struct {
					Containers []container `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	read := func(name string) job {
		f, err := os.Open(repoFile("docs", "k8s", name))
		require.NoError(t, err)
		defer f.Close()
		dec := yaml.NewDecoder(f)
		for {
			var j job
			require.NoError(t, dec.Decode(&j), "no Job in %s", name)
			if j.Kind == "Job" {
				return j
			}
		}
	}
	srv, dir, suite := synthSetup(t, 40)
	// local puts the example's paths and endpoint on this machine.
	local := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			switch {
			case i > 0 && args[i-1] == "--base-url":
				a = srv.URL()
			case i > 0 && args[i-1] == "--image-root":
				a = dir
			case i == 1 && args[0] == "run":
				a = suite
			}
			out[i] = strings.ReplaceAll(a, "/runs/", dir+"/runs/")
		}
		return out
	}

	shards := read("realx-indexed-job.yaml")
	require.Equal(t, "Indexed", shards.Spec.CompletionMode)
	c := shards.Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		t.Setenv(e.Name, e.Value)
	}
	require.Equal(t, fmt.Sprint(shards.Spec.Completions), os.Getenv("REALX_SHARDS"))
	for i := range shards.Spec.Completions {
		index := fmt.Sprint(i)
		t.Setenv("JOB_COMPLETION_INDEX", index)
		var args []string
		for _, a := range local(c.Args) {
			args = append(args, strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", index)) // as the kubelet expands it
		}
		r := realxCLI(t, nil, append(args, "--progress", "none")...)
		require.Equal(t, 0, r.code, "shard %d: %s", i, r.stderr)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "")

	merge := read("realx-merge-job.yaml").Spec.Template.Spec.Containers[0]
	r := realxCLI(t, nil, local(merge.Args)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "merged 8 runs")
	assert.Contains(t, r.stdout, "| overall ")
	assert.Len(t, outcomes(t, filepath.Join(dir, "runs", "mathvista", "qwen2.5-vl-7b-merged"), true), 40)
}

// TestGitHubActionsExample runs the commands of docs/github-actions as the matrix jobs and the
// merge job would, against the fake endpoint and a synthetic suite.
func TestGitHubActionsExample(t *testing.T) {
	var wf struct {
		Env  map[string]string `yaml:"env"`
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Name string `yaml:"name"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data, err := os.ReadFile(repoFile("docs", "github-actions", "realx-shards.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &wf))

	srv, dir, suite := synthSetup(t, 30)
	models := writeFile(t, dir, "models.yaml", fmt.Sprintf("fake:\n  base_url: %s\n  prices: {input: 1, output: 2}\n", srv.URL()))
	expr := regexp.MustCompile(`\$\{\{\s*([\w.]+)\s*\}\}`)
	// command turns a step's script into realx's arguments, as Actions and the shell would.
	command := func(script string, values map[string]string) []string {
		script = expr.ReplaceAllStringFunc(script, func(m string) string {
			name := expr.FindStringSubmatch(m)[1]
			v, ok := values[name]
			require.True(t, ok, "no value for %s", name)
			return v
		})
		var args []string
		for _, f := range strings.Fields(script) {
			args = append(args, strings.Trim(f, `"`))
		}
		require.Equal(t, "bin/realx", args[0])
		for i, a := range args {
			if a == ".github/realx-models.yaml" {
				args[i] = models
			}
		}
		return args[1:]
	}
	values := map[string]string{"inputs.suite": suite, "inputs.model": "fake",
		"env.SHARDS": wf.Env["SHARDS"], "env.MAX_COST": wf.Env["MAX_COST"]}
	shardJob := wf.Jobs["shard"]
	require.Len(t, shardJob.Strategy.Matrix.Shard, 4)
	require.Equal(t, "4", wf.Env["SHARDS"])
	run := ""
	for _, s := range shardJob.Steps {
		if strings.HasPrefix(s.Name, "Run shard") {
			run = s.Run
		}
	}
	require.NotEmpty(t, run)
	for _, shard := range shardJob.Strategy.Matrix.Shard {
		values["matrix.shard"] = fmt.Sprint(shard)
		args := command(run, values)
		for i, a := range args {
			if a == "run" && i > 0 && args[i-1] == "--out" {
				// download-artifact puts artifact realx-shard-N in shards/realx-shard-N.
				args[i] = filepath.Join(dir, "shards", "realx-shard-"+values["matrix.shard"])
			}
		}
		r := realxCLI(t, nil, append(args, "--progress", "none")...)
		require.Equal(t, 0, r.code, r.stderr)
	}
	for _, s := range wf.Jobs["merge"].Steps {
		if s.Name != "Merge" {
			continue
		}
		args := command(s.Run, values)
		for i, a := range args {
			if a == "shards" || a == "merged" {
				args[i] = filepath.Join(dir, a)
			}
		}
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "merged 4 runs")
	}
	assert.Len(t, outcomes(t, filepath.Join(dir, "merged"), true), 30)
}

// TestSecurityDocCitesTests keeps docs/SECURITY.md true to the tests: every test it cites, as
// `path/to/file_test.go: TestA, FuzzB`, is a func of that name in that file; no test name
// appears outside such a citation; and each of the fourteen holes of issue 8, numbered (#1)
// to (#14) in the tables, is in a row that cites a test.
func TestSecurityDocCitesTests(t *testing.T) {
	doc, err := os.ReadFile(repoFile("docs", "SECURITY.md"))
	require.NoError(t, err)
	citation := regexp.MustCompile("`([\\w./-]+_test\\.go): ((?:Test|Fuzz)\\w+(?:, (?:Test|Fuzz)\\w+)*)`")
	cites := func(text string) [][]string { return citation.FindAllStringSubmatch(text, -1) }
	all := cites(string(doc))
	require.NotEmpty(t, all, "docs/SECURITY.md cites no test")
	sources := map[string]string{}
	for _, c := range all {
		file := c[1]
		if _, ok := sources[file]; !ok {
			data, err := os.ReadFile(repoFile(filepath.FromSlash(file)))
			if !assert.NoError(t, err, "docs/SECURITY.md cites %s", file) {
				continue
			}
			sources[file] = string(data)
		}
		for _, name := range strings.Split(c[2], ", ") {
			declared := regexp.MustCompile(`(?m)^func ` + name + `\(`).MatchString(sources[file])
			assert.True(t, declared, "docs/SECURITY.md cites %s, which is not a func of %s", name, file)
		}
	}
	rest := citation.ReplaceAllString(string(doc), "")
	assert.Empty(t, regexp.MustCompile(`\b(?:Test|Fuzz)[A-Z]\w*`).FindAllString(rest, -1),
		"test names outside a citation `path_test.go: TestName`")

	hole := regexp.MustCompile(`\(#(\d+)\)`)
	var holes []int
	for _, line := range strings.Split(string(doc), "\n") {
		for _, m := range hole.FindAllStringSubmatch(line, -1) {
			n, _ := strconv.Atoi(m[1])
			holes = append(holes, n)
			assert.True(t, strings.HasPrefix(line, "|") && len(cites(line)) > 0, "hole #%d is in a table row that cites a test: %s", n, line)
		}
	}
	slices.Sort(holes)
	want := make([]int, 14)
	for i := range want {
		want[i] = i + 1
	}
	assert.Equal(t, want, slices.Compact(holes), "the holes of issue 8 that docs/SECURITY.md places")
}

// TestParityListsEveryAuditPoint keeps docs/parity.md true to the fidelity audit
// (shared/research/fidelity.md, beside the repository, when it is there): every point of the
// audit, named by its first words, has its row, and every row has a status; each option the
// page names is one realx reads.
func TestParityListsEveryAuditPoint(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "parity.md"))
	require.NoError(t, err)
	parity := strings.ToLower(string(b))
	for _, row := range regexp.MustCompile(`(?m)^\| [^|]+ \| (\S+) \|`).FindAllStringSubmatch(string(b), -1) {
		if row[1] != "status" && row[1] != "---" && row[1] != "flag" && !strings.HasPrefix(row[1], "`") && !strings.HasPrefix(row[1], "—") {
			assert.Contains(t, []string{"exact", "on", "unknown"}, row[1], "row %q", row[0])
		}
	}
	for _, opt := range []string{"python-mode", "crop", "on-call-error", "tool-images"} {
		assert.Contains(t, parity, "`--"+opt+"`")
		assert.NotNil(t, findFlag(runCommand(nil).Flags, opt), opt)
	}
	var audit []byte
	for _, p := range []string{filepath.Join("..", "..", "..", "shared"), filepath.Join("..", "..", "..", "..", "shared")} {
		if audit, err = os.ReadFile(filepath.Join(p, "research", "fidelity.md")); err == nil {
			break
		}
	}
	if audit == nil {
		t.Skip("shared/research/fidelity.md is not beside the repository")
	}
	cut := regexp.MustCompile(`[:;.(]`)
	key := func(s string) string {
		s = cut.Split(s, 2)[0]
		w := strings.Fields(s)
		return strings.ToLower(strings.Join(w[:min(3, len(w))], " "))
	}
	text := string(audit)
	var points []string
	for _, line := range strings.Split(text, "\n") {
		if p, ok := strings.CutPrefix(line, "- "); ok {
			points = append(points, key(p))
		}
	}
	if _, top, ok := strings.Cut(text, "## Top 10"); ok {
		_, items, _ := strings.Cut(top, "\n")
		for _, it := range strings.Split(strings.ReplaceAll(items, "\n", " "), ";") {
			if it = strings.TrimSpace(it); it != "" {
				points = append(points, key(it))
			}
		}
	}
	require.NotEmpty(t, points)
	for _, p := range points {
		assert.Contains(t, parity, p, "docs/parity.md has no row for the audit point %q", p)
	}
}

// findFlag returns the flag called name among flags, or nil.
func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range append(flags, agentFlags()...) {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// TestGitHubActionsGate runs the commands of docs/github-actions/realx-gate.yml as its jobs
// would, from the repository's root: the baseline job's run, then the gate job's run and
// compare; the comparison passes (the same recording, the same store: no regression), and
// its Markdown and JUnit files are written. (TestCompareGate makes the step fail.)
func TestGitHubActionsGate(t *testing.T) {
	needSandbox(t)
	var wf struct {
		On   map[string]any    `yaml:"on"`
		Env  map[string]string `yaml:"env"`
		Jobs map[string]struct {
			If    string `yaml:"if"`
			Steps []struct {
				Name string `yaml:"name"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data, err := os.ReadFile(repoFile("docs", "github-actions", "realx-gate.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &wf))
	require.Contains(t, wf.On, "pull_request")
	require.Contains(t, wf.Jobs["gate"].If, "pull_request")

	dir := t.TempDir()
	expr := regexp.MustCompile(`\$\{\{\s*([\w.]+)\s*\}\}`)
	// command turns a step's script into realx's arguments, as Actions and the shell would, the
	// repository's paths made relative to this package and the outputs put in dir.
	command := func(script string) []string {
		script = expr.ReplaceAllStringFunc(script, func(m string) string {
			name := strings.TrimPrefix(expr.FindStringSubmatch(m)[1], "env.")
			v, ok := wf.Env[name]
			require.True(t, ok, "no value for %s", m)
			return v
		})
		args := strings.Fields(script)
		require.Equal(t, "bin/realx", args[0], script)
		for i, a := range args {
			switch {
			case a == wf.Env["RECORDING"]:
				args[i] = repoFile(filepath.FromSlash(a))
			case a == wf.Env["BASELINE"] || strings.HasPrefix(a, "runs/") || strings.HasPrefix(a, "comparison."):
				args[i] = filepath.Join(dir, filepath.FromSlash(a))
			}
		}
		return args[1:]
	}
	step := func(job, name string) []string {
		for _, s := range wf.Jobs[job].Steps {
			if s.Name == name {
				return command(s.Run)
			}
		}
		t.Fatalf("no step %q in job %s", name, job)
		return nil
	}
	r := realxCLI(t, nil, step("baseline", "Make the baseline")...)
	require.Equal(t, 0, r.code, r.stderr)
	r = realxCLI(t, nil, step("gate", "Run the suite")...)
	require.Equal(t, 0, r.code, r.stderr)
	compare := step("gate", "Compare with the baseline")
	r = realxCLI(t, nil, compare...)
	require.Equal(t, 0, r.code, r.stderr)
	md, err := os.ReadFile(filepath.Join(dir, "comparison.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "**realx compare baseline → candidate: no significant regression**")
	junit, err := os.ReadFile(filepath.Join(dir, "comparison.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<testsuites name="realx compare" tests="`)
	assert.Contains(t, string(junit), `failures="0"`)

}
