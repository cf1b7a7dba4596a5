package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestGoldenCommands runs command lines, in order, and compares what each prints on stdout and
// on stderr with testdata/golden/NAME.stdout and NAME.stderr, as benchstat's tests do (go test
// -update writes them). The temporary directory prints as $DIR, the fake endpoint as $URL.
// The commands share one directory and one fake endpoint, so a later one reads an earlier
// one's run.
func TestGoldenCommands(t *testing.T) {
	srv := runnertest.NewServer(t)
	synth := synthAnswer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		// The LLM judge of recall.yaml: it passes q3's wrong 11, and has no verdict on q7.
		if prompt := r.Last().Text; strings.Contains(prompt, judges.AnswerBegin) {
			switch {
			case strings.Contains(prompt, "q3:"):
				return runnertest.Reply{Content: `\boxed{Yes}`}
			case strings.Contains(prompt, "q7:"):
				return runnertest.Reply{Content: "I cannot tell."}
			}
			return runnertest.Reply{Content: `\boxed{No}`}
		}
		return synth(r)
	})
	dir := t.TempDir()
	synthSuite(t, dir, 9, 4)
	writeFile(t, dir, "bad.yaml", "name: tiny\nversion: \"1\"\ndata:\n  path: synth.jsonl\ngeneration:\n  temperature: hot\n  max_tokns: 10\njudge:\n  kind: mathh\n")
	writeFile(t, dir, "rows.jsonl", `{"prediction":"B","answer":"B"}`+"\n"+`{"prediction":"A"}`+"\n"+`{"prediction":"The answer is \\boxed{\\frac{1}{2}}","answer":"0.5"}`+"\n")
	writeFile(t, dir, "recall.yaml", "strategy: llm_recall\nsteps:\n  - kind: exact\n  - {kind: llm, template: equivalence, model: judge, retries: 0}\n")
	writeFile(t, dir, "preds.jsonl", `{"id":"q0","response":"7"}`+"\n"+`{"id":"q1","response":"9"}`+"\n"+`{"id":"q2","response":"nine"}`+"\n")
	run := func(out string, args ...string) []string {
		return append([]string{"run", filepath.Join(dir, "synth.yaml"), "--model", "m", "--base-url", srv.URL(),
			"--out", filepath.Join(dir, out), "--progress", "none"}, args...)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"usage-unknown-command", []string{"bogus"}, 2},
		{"usage-bad-flag", []string{"run", "x", "-c", "many"}, 2},
		{"list", []string{"list"}, 0},
		{"list-md", []string{"list", "--format", "md"}, 0},
		{"validate-shipped", []string{"validate", "math500", "aime24"}, 0},
		{"validate-warnings", []string{"validate", "mathvista-testmini"}, 0},
		{"validate-three-mistakes", []string{"validate", filepath.Join(dir, "bad.yaml")}, 2},
		{"run-incomplete", run("run"), exitIncomplete},
		{"run-resume", run("run", "--max-error-rate", "0.2"), 0},
		{"run-repeats-csv", run("repeated", "--repeats", "2", "--seed", "1", "--format", "csv", "--max-error-rate", "0.2"), 0},
		{"run-refused", run("run", "--repeats", "3"), 2},
		{"report", []string{"report", filepath.Join(dir, "run")}, 0},
		{"report-md-by-id", []string{"report", filepath.Join(dir, "run"), "--format", "md", "--by", "id"}, 0},
		{"report-json", []string{"report", filepath.Join(dir, "run"), "--format", "json"}, 0},
		{"report-tools", []string{"report", filepath.Join(dir, "run"), "--table", "tools", "--section", "usage"}, 0}, // the time section's figures vary
		{"report-latex", []string{"report", filepath.Join(dir, "run"), filepath.Join(dir, "repeated"), "--format", "latex", "--ci",
			"--caption", "Accuracy on synth", "--label", "tab:synth"}, 0},
		{"report-paper-md", []string{"report", filepath.Join(dir, "run"), filepath.Join(dir, "repeated"), "--table", "paper", "--format", "md",
			"--by", "suite", "--rename", "m [run]=Model (run)"}, 0},
		{"report-paper-unknown-column", []string{"report", filepath.Join(dir, "run"), "--table", "paper", "--columns", "nope"}, 2},
		{"report-repeats", []string{"report", filepath.Join(dir, "repeated"), "--table", "repeats", "--k", "1,2"}, 0},
		{"report-judges", []string{"report", filepath.Join(dir, "run"), filepath.Join(dir, "repeated"), "--table", "judges"}, 0},
		{"shard-0", run("shard0", "--shard", "0/2", "--max-error-rate", "0.5"), 0},
		{"shard-1", run("shard1", "--shard", "1/2", "--max-error-rate", "0.5"), 0},
		{"merge", []string{"merge", filepath.Join(dir, "shard0"), filepath.Join(dir, "shard1"), "--out", filepath.Join(dir, "merged")}, 0},
		{"score", []string{"score", filepath.Join(dir, "synth.yaml"), "--predictions", filepath.Join(dir, "preds.jsonl"),
			"--out", filepath.Join(dir, "scored"), "--progress", "none", "--max-error-rate", "1"}, 0},
		{"score-refused", []string{"score", filepath.Join(dir, "synth.yaml"), "--predictions", filepath.Join(dir, "rows.jsonl"),
			"--id-field", "prediction", "--response-field", "prediction", "--out", filepath.Join(dir, "scored")}, 2},
		{"rejudge", []string{"rejudge", filepath.Join(dir, "run"), "--judge", "contains", "--progress", "none"}, 0},
		{"rejudge-recall", []string{"rejudge", filepath.Join(dir, "run"), "--judge", filepath.Join(dir, "recall.yaml"), "--judge-base-url", srv.URL(),
			"--out", filepath.Join(dir, "recalled"), "--progress", "none"}, 0},
		{"report-judges-recall", []string{"report", "--table", "judges", filepath.Join(dir, "run"), filepath.Join(dir, "recalled")}, 0},
		{"judge-rows", []string{"judge", "--judge", "math", "--in", filepath.Join(dir, "rows.jsonl")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := realxCLI(t, nil, tc.args...)
			assert.Equal(t, tc.code, r.code, "%v: %s", tc.args, r.stderr)
			clean := strings.NewReplacer(dir, "$DIR", srv.URL(), "$URL").Replace
			golden(t, filepath.Join("golden", tc.name+".stdout"), clean(r.stdout))
			golden(t, filepath.Join("golden", tc.name+".stderr"), clean(r.stderr))
		})
	}
	// No golden file is left without a case.
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err == nil {
		assert.Len(t, entries, 2*29, fmt.Sprint(entries))
	}
}
