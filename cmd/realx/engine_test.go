package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// synthSuite writes a suite of n arithmetic questions to dir and returns its path. Sample qI
// asks what I plus 7 is, in one of three capabilities; the samples listed in missing name an
// image that does not exist (an input error: never sent, never retried).
func synthSuite(t *testing.T, dir string, n int, missing ...int) string {
	t.Helper()
	var data strings.Builder
	for i := range n {
		rec := map[string]any{"id": fmt.Sprintf("q%d", i), "question": fmt.Sprintf("q%d: what is %d plus 7?", i, i),
			"answer": strconv.Itoa(i + 7), "capability": []string{"add", "count", "read"}[i%3]}
		if slices.Contains(missing, i) {
			rec["image"] = "missing.png"
		}
		line, err := json.Marshal(rec)
		require.NoError(t, err)
		data.Write(append(line, '\n'))
	}
	writeFile(t, dir, "synth.jsonl", data.String())
	return writeFile(t, dir, "synth.yaml", `name: synth
data:
  path: synth.jsonl
  fields:
    images: [image]
    capability: capability
prompt:
  user: "{{.Question}}"
generation:
  temperature: 0
judge:
  kind: exact
`)
}

// synthSetup starts a fake endpoint that answers synth questions (synthAnswer) and writes a
// synthSuite of n samples to a temporary directory; it returns the endpoint, the directory and
// the suite's path.
func synthSetup(t *testing.T, n int, missing ...int) (*runnertest.Server, string, string) {
	t.Helper()
	srv := runnertest.NewServer(t)
	srv.Handle(synthAnswer(t))
	dir := t.TempDir()
	return srv, dir, synthSuite(t, dir, n, missing...)
}

var synthQuestion = regexp.MustCompile(`^q(\d+): what is (\d+) plus 7\?$`)

// synthAnswer answers a synthSuite question: right, except when (I + seed) % 4 == 3, seed
// being the request's seed (0 when it sends none), so that repeats with seeds differ.
func synthAnswer(t *testing.T) func(r *runnertest.Request) runnertest.Reply {
	return func(r *runnertest.Request) runnertest.Reply {
		m := synthQuestion.FindStringSubmatch(r.Last().Text)
		if m == nil {
			t.Errorf("fake model: not a synth question: %q", r.Last().Text)
			return runnertest.Reply{Status: 400}
		}
		i, _ := strconv.Atoi(m[1])
		seed := 0
		if s, ok := r.JSON["seed"].(float64); ok {
			seed = int(s)
		}
		answer := i + 7
		if (i+seed)%4 == 3 {
			answer++
		}
		return runnertest.Reply{Content: fmt.Sprintf("Adding up.\n<answer>%d</answer>", answer)}
	}
}

// synthID returns the sample number of a synth request, or -1.
func synthID(r *runnertest.Request) int {
	m := synthQuestion.FindStringSubmatch(r.Last().Text)
	if m == nil {
		return -1
	}
	i, _ := strconv.Atoi(m[1])
	return i
}

// faultyServer starts a fake endpoint that answers synth questions (synthAnswer), except the
// requests fault picks while the returned switch is on (it starts on).
func faultyServer(t *testing.T, fault func(r *runnertest.Request) (runnertest.Reply, bool)) (*runnertest.Server, *atomic.Bool) {
	srv := runnertest.NewServer(t)
	answer := synthAnswer(t)
	var on atomic.Bool
	on.Store(true)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if on.Load() {
			if rep, ok := fault(r); ok {
				return rep
			}
		}
		return answer(r)
	})
	return srv, &on
}

// outcomes maps each sample of a run (its last record) to what the model said and the
// verdict; records are checked to be one per key when once is set.
func outcomes(t *testing.T, dir string, once bool) map[reports.Key]string {
	t.Helper()
	out := map[reports.Key]string{}
	for _, r := range readResults(t, dir) {
		k := r.Key()
		if once {
			_, dup := out[k]
			require.False(t, dup, "two records of %s", k)
		}
		v := fmt.Sprintf("%s|%s|%v|%v", r.Output, r.Extracted, r.Pass, r.Score)
		if r.Error != nil {
			v = "error:" + string(r.Error.Class)
		}
		out[k] = v
	}
	return out
}

// report runs `realx report` with args and returns its output.
func report(t *testing.T, args ...string) string {
	t.Helper()
	r := realxCLI(t, nil, append([]string{"report"}, args...)...)
	require.Equal(t, 0, r.code, r.stderr)
	return r.stdout
}

// untimed returns the JSON tool-usage table tools without its times, which are each run's own.
func untimed(t *testing.T, tools string) string {
	t.Helper()
	var tab reports.ToolTable
	require.NoError(t, json.Unmarshal([]byte(tools), &tab))
	for i := range tab.Rows {
		tab.Rows[i].Time = reports.TimeSplit{}
	}
	for i := range tab.PerTool {
		tab.PerTool[i].DurationMS = 0
	}
	data, err := json.Marshal(tab)
	require.NoError(t, err)
	return string(data)
}

// TestResume runs a suite whose endpoint fails some samples, then runs the same command again:
// only the failed samples run (an input error too, free since it fails before any call);
// --retry-errors runs only them; another command into the same directory is refused; the
// report counts each sample once; a run that ends with samples without a verdict exits 4,
// unless --max-error-rate allows them.
func TestResume(t *testing.T) {
	srv, broken := faultyServer(t, func(r *runnertest.Request) (runnertest.Reply, bool) {
		return runnertest.Reply{Status: 400, Body: `{"error":{"message":"bad request","type":"invalid_request_error"}}`}, synthID(r)%5 == 1
	})
	dir := t.TempDir()
	suite := synthSuite(t, dir, 30, 2)
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "3", "--out", out, "--progress", "none"}

	r := realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: 30 samples, 30 run now, 7 without a verdict, 0 not run")
	assert.Contains(t, r.stderr, "realx: incomplete: 7 of 30 samples without a verdict (1 input, 6 model); run the same command again to retry them")
	assert.Contains(t, r.stdout, "overall", "the summary is printed all the same")
	first := outcomes(t, out, true)
	assert.Equal(t, "error:input", first[reports.Key{Suite: "synth", ID: "q2"}])
	assert.Equal(t, "error:model", first[reports.Key{Suite: "synth", ID: "q1"}])
	assert.Len(t, srv.Requests(), 29, "the sample with a missing image is never sent")

	// The same command again runs the six model errors and the input error (which makes no
	// request), nothing else; they fail again.
	r = realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "resuming "+out+": 23 samples finished, 7 to run")
	assert.Len(t, srv.Requests(), 29+6)

	// Another model, another suite file or another shard into the same directory is refused.
	for _, other := range [][]string{
		{"--model", "m2"},
		{"--shard", "0/2"},
		{"--repeats", "2"},
		{"--temperature", "0.5"},
	} {
		r = realxCLI(t, nil, append(slices.Clone(args), other...)...)
		assert.Equal(t, 2, r.code, "%v: %s", other, r.stderr)
		assert.Contains(t, r.stderr, "holds another run", other)
	}
	assert.Len(t, srv.Requests(), 35, "no request from a refused run")

	// With the endpoint mended, --retry-errors runs just the seven again; the report counts
	// 30 samples once each. One sample in 30 without a verdict is within --max-error-rate 0.05.
	broken.Store(false)
	r = realxCLI(t, nil, append(slices.Clone(args), "--retry-errors", "--max-error-rate", "0.05")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "23 samples finished, 7 to run")
	assert.Contains(t, r.stderr, "30 samples, 7 run now, 1 without a verdict, 0 not run")
	assert.Len(t, readResults(t, out), 30+7+7, "records are appended, never rewritten")
	final := outcomes(t, out, false)
	assert.Len(t, final, 30)
	assert.Equal(t, "Adding up.\n<answer>8</answer>|8|true|1", final[reports.Key{Suite: "synth", ID: "q1"}])

	var table reports.Table
	require.NoError(t, json.Unmarshal([]byte(report(t, out, "--format", "json")), &table))
	assert.Equal(t, 29, table.Overall.Cells[0].Graded)
	assert.Equal(t, 1, table.Overall.Cells[0].Errored)

	// Nothing is left but the missing image: the same command calls the model no more, and
	// exits 4 without --max-error-rate.
	n := len(srv.Requests())
	r = realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Len(t, srv.Requests(), n)
	assert.Contains(t, r.stderr, "30 samples, 1 run now")
	assert.Contains(t, r.stderr, "incomplete: 1 of 30 samples without a verdict (1 input)")
	r = realxCLI(t, nil, append(slices.Clone(args), "--max-error-rate", "0.03")...)
	assert.Equal(t, exitIncomplete, r.code, "1/30 is more than 0.03")
	assert.Contains(t, r.stderr, "more than --max-error-rate 0.03 allows")
}

// TestRunRefusesAForeignDirectory refuses a directory with a log and no manifest, and
// --retry-errors on a directory with no run.
func TestRunRefusesAForeignDirectory(t *testing.T) {
	srv := runnertest.NewServer(t)
	dir := t.TempDir()
	suite := synthSuite(t, dir, 3)
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--retry-errors")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "holds no run to retry")
	require.NoError(t, os.MkdirAll(out, 0o755))
	writeFile(t, out, reports.ResultsFile, "")
	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "has a results log but no manifest.json")
	assert.Empty(t, srv.Requests())
}

// interruptible returns a context and the interrupt that stops it, as main makes them.
func interruptible(t *testing.T) (context.Context, *interrupt) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, newInterrupt(cancel)
}

// realxCtx is realxCLI with a context and the interrupt that stops it.
func realxCtx(t *testing.T, ctx context.Context, in *interrupt, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(ctx, in, append([]string{"realx"}, args...), strings.NewReader(""), &out, &errOut)
	code := exitCode(err, &errOut)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// TestInterrupt stops a run with one interrupt (the samples in flight finish within --grace
// and are recorded), then with two (those in flight are canceled, and recorded as such); each
// time the run exits 130 and the same command finishes it.
func TestInterrupt(t *testing.T) {
	for _, signals := range []int{1, 2} {
		t.Run(strconv.Itoa(signals), func(t *testing.T) {
			srv := runnertest.NewServer(t)
			answer := synthAnswer(t)
			ctx, in := interruptible(t)
			var once sync.Once
			srv.Handle(func(r *runnertest.Request) runnertest.Reply {
				rep := answer(r)
				if r.Seq == 6 {
					once.Do(func() {
						for range signals {
							in.signal()
						}
					})
				}
				if r.Seq >= 6 {
					rep.Delay = 50 * time.Millisecond
				}
				return rep
			})
			dir := t.TempDir()
			suite := synthSuite(t, dir, 40)
			out := filepath.Join(dir, "run")
			args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "3", "--adaptive=false", "--out", out, "--progress", "none"}
			r := realxCtx(t, ctx, in, args...)
			require.Equal(t, exitInterrupted, r.code, r.stderr)
			assert.Contains(t, r.stderr, "run the same command again to resume")
			sent := len(srv.Requests())
			recorded := len(readResults(t, out))
			canceled := len(canceledRecords(t, out))
			assert.Less(t, sent, 12, "no new samples after the interrupt")
			if signals == 1 {
				assert.Contains(t, r.stderr, "those in flight have 25s to finish (--grace)")
				assert.Equal(t, sent, recorded, "every sample in flight was recorded")
				assert.Zero(t, canceled, "every sample in flight finished")
			} else {
				assert.GreaterOrEqual(t, recorded, sent, "every sample in flight was recorded")
				assert.Positive(t, canceled, "the samples in flight were canceled")
				assert.LessOrEqual(t, canceled, 3)
			}

			r = realxCLI(t, nil, args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stderr, fmt.Sprintf("%d samples finished, %d to run", recorded-canceled, 40-recorded+canceled))
			assert.Len(t, outcomes(t, out, canceled == 0), 40)
		})
	}
}

// TestInterruptOutsideARun cancels a command that cannot stop gracefully at the first
// interrupt.
func TestInterruptOutsideARun(t *testing.T) {
	t.Parallel()
	ctx, in := interruptible(t)
	in.signal()
	assert.Error(t, ctx.Err())
}

// TestShardsMergeLikeOneRun runs a suite in one piece and in four shards (named by flag, by a
// Kubernetes Indexed Job's environment and by a Slurm array's), merges the shards and checks
// that every report of the merged run is byte for byte the one-piece run's.
func TestShardsMergeLikeOneRun(t *testing.T) {
	srv, dir, suite := synthSetup(t, 60, 4)
	base := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "4", "--progress", "none", "--repeats", "2", "--seed", "1",
		"--max-error-rate", "0.1"}
	whole := filepath.Join(dir, "whole")
	r := realxCLI(t, nil, append(slices.Clone(base), "--out", whole)...)
	require.Equal(t, 0, r.code, r.stderr)

	var shards []string
	seen := 0
	for i := range 4 {
		out := filepath.Join(dir, fmt.Sprintf("shard%d", i))
		args := append(slices.Clone(base), "--out", out)
		switch i {
		case 1:
			t.Setenv("JOB_COMPLETION_INDEX", "1")
			t.Setenv("REALX_SHARDS", "4")
			args = append(args, "--shard", "auto")
		case 2:
			t.Setenv("JOB_COMPLETION_INDEX", "")
			t.Setenv("REALX_SHARDS", "")
			t.Setenv("SLURM_ARRAY_TASK_ID", "3")
			t.Setenv("SLURM_ARRAY_TASK_MIN", "1")
			t.Setenv("SLURM_ARRAY_TASK_COUNT", "4")
			args = append(args, "--shard", "auto")
		default:
			args = append(args, "--shard", fmt.Sprintf("%d/4", i))
		}
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		t.Setenv("SLURM_ARRAY_TASK_ID", "")
		m, err := reports.ReadManifest(out)
		require.NoError(t, err)
		require.Equal(t, &reports.Shard{Index: i, Count: 4}, m.Shard)
		n := len(readResults(t, out))
		assert.Positive(t, n)
		seen += n
		shards = append(shards, out)
	}
	assert.Equal(t, 120, seen, "the shards split the samples")

	merged := filepath.Join(dir, "merged")
	slices.Reverse(shards) // the order of the arguments does not matter
	r = realxCLI(t, nil, "merge", shards[0], shards[1], shards[2], shards[3], "--out", merged)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "120 records")
	assert.NotContains(t, r.stderr, "warning")

	// A directory holding the shards names them all.
	holder := filepath.Join(dir, "artifacts")
	require.NoError(t, os.MkdirAll(holder, 0o755))
	for i, s := range shards {
		require.NoError(t, os.Rename(s, filepath.Join(holder, fmt.Sprintf("realx-shard-%d", i))))
		shards[i] = filepath.Join(holder, fmt.Sprintf("realx-shard-%d", i))
	}
	r = realxCLI(t, nil, "merge", holder, "--out", filepath.Join(dir, "merged2"))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "merged 4 runs")
	// Whole runs of the same run merge too, each sample once.
	r = realxCLI(t, nil, "merge", dir, "--out", filepath.Join(dir, "merged3"))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "merged 3 runs into "+filepath.Join(dir, "merged3")+": 120 records, 240 samples found in more than one")

	for _, table := range []string{"capability", "tools", "repeats"} {
		for _, format := range []string{"text", "md", "csv", "json"} {
			args := []string{"--table", table, "--format", format}
			if table == "tools" {
				args = append(args, "--section", "usage") // the time section's figures are each run's own
			}
			want := report(t, append([]string{whole}, args...)...)
			got := report(t, append([]string{merged}, args...)...)
			if table == "tools" && format == "json" {
				want, got = untimed(t, want), untimed(t, got)
			}
			assert.Equal(t, want, got, "report --table %s --format %s", table, format)
		}
	}
	assert.Equal(t, outcomes(t, whole, true), outcomes(t, merged, true))

	// A shard missing is refused; --partial merges what is there.
	r = realxCLI(t, nil, "merge", shards[0], shards[1], "--out", filepath.Join(dir, "part"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "are missing")
	r = realxCLI(t, nil, "merge", shards[0], shards[1], "--out", filepath.Join(dir, "part"), "--partial")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: shards")
	// Shards of another run are refused.
	r = realxCLI(t, nil, "merge", whole, filepath.Join(dir, "part"), "--out", filepath.Join(dir, "mixed"))
	assert.Equal(t, 0, r.code, "the same run in pieces merges: %s", r.stderr)
}

// TestShardFromFlags reads the shard from flags and the environment.
func TestShardFromFlags(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		flag   string
		shards int
		env    []string
		want   string // i/N, "" for none, or "error: …" / "note: …"
	}{
		{"", 0, nil, ""},
		{"2/5", 0, nil, "2/5"},
		{"2/5", 4, nil, "error: disagree"},
		{"5/5", 0, nil, "error: want 0 ≤ i < N"},
		{"auto", 0, []string{"JOB_COMPLETION_INDEX", "3", "REALX_SHARDS", "8"}, "3/8"},
		{"", 8, []string{"JOB_COMPLETION_INDEX", "3"}, "3/8"},
		{"", 0, []string{"REALX_SHARDS", "8", "JOB_COMPLETION_INDEX", "3"}, "3/8"},
		{"auto", 0, []string{"JOB_COMPLETION_INDEX", "3"}, "error: number of shards is unknown"},
		{"auto", 0, []string{"SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "5"}, "4/5"},
		{"auto", 0, []string{"SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "5"}, "4/5"},
		{"auto", 0, []string{"SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "5"}, "error: want 0 ≤ i < N"},
		{"auto", 0, nil, "error: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID"},
		{"", 0, []string{"SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "5"}, "note: SLURM_ARRAY_TASK_ID is set but the run covers every sample"},
		{"", 0, []string{"REALX_SHARDS", "x"}, "error: want a positive number"},
	} {
		s, note, err := shardFromFlags(tc.flag, tc.shards, env(tc.env...))
		switch {
		case strings.HasPrefix(tc.want, "error: "):
			assert.ErrorContains(t, err, strings.TrimPrefix(tc.want, "error: "), tc)
		case strings.HasPrefix(tc.want, "note: "):
			require.NoError(t, err)
			assert.Nil(t, s)
			assert.Contains(t, note, strings.TrimPrefix(tc.want, "note: "))
		case tc.want == "":
			require.NoError(t, err)
			assert.Nil(t, s, tc)
		default:
			require.NoError(t, err, tc)
			assert.Equal(t, tc.want, s.String(), tc)
		}
	}
}

// TestRepeats runs every sample four times with a seed: repeat i sends seed+i, records carry
// their repeat index, and the repeats table gives mean ± std, pass@k and majority vote.
func TestRepeats(t *testing.T) {
	srv, dir, suite := synthSetup(t, 8)
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--repeats", "4", "--seed", "10", "--out", out, "--progress", "none", "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	seeds := map[int][]int{}
	for _, req := range srv.Requests() {
		seeds[synthID(req)] = append(seeds[synthID(req)], int(req.JSON["seed"].(float64)))
	}
	for i := range 8 {
		slices.Sort(seeds[i])
		assert.Equal(t, []int{10, 11, 12, 13}, seeds[i], "sample %d", i)
	}
	results := readResults(t, out)
	require.Len(t, results, 32)
	repeats := map[int]int{}
	for _, res := range results {
		repeats[res.Repeat]++
	}
	assert.Equal(t, map[int]int{0: 8, 1: 8, 2: 8, 3: 8}, repeats)
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, 4, m.Repeats)
	// Sample i is wrong when (i + seed) % 4 == 3: exactly one seed of four for each, so
	// every repeat scores 75%, pass@4 is 100%, pass^4 0% (no sample passes all four) and the
	// majority is right.
	assert.Contains(t, r.stdout, "capability,run,samples,repeats,mean,± std,pass@1,pass@4,pass^4,maj@4,errors,expected_samples\n")
	assert.Contains(t, r.stdout, "overall,m,8,4,75.0000,0.0000,75.0000,100.0000,0.0000,100.0000,0,8\n")
	// Accuracy counts samples, the mean over their repeats: 8 of 8 samples (32 records), and
	// every sample right 3 times in 4, so the interval clustered by sample is 75 to 75.
	assert.Contains(t, r.stdout, "overall,m,8,8,4,32,0,0,32,true,24,75.0000,75.0000,75.0000,0,0.0000\n")
	got := report(t, out, "--table", "repeats", "--k", "1,2", "--format", "json")
	var table reports.RepeatTable
	require.NoError(t, json.Unmarshal([]byte(got), &table))
	overall := table.Rows[len(table.Rows)-1]
	assert.Equal(t, reports.PassAtK{K: 1, Value: 75, Samples: 8}, overall.PassAt[0])

	// A suite asks for repeats itself; --repeats overrides it.
	data, err := os.ReadFile(suite)
	require.NoError(t, err)
	writeFile(t, dir, "synth.yaml", string(data)+"repeats: 3\n")
	for flag, want := range map[string]int{"": 3, "2": 2} {
		out := filepath.Join(dir, "suite-repeats"+flag)
		args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none", "--limit", "2"}
		if flag != "" {
			args = append(args, "--repeats", flag)
		}
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Len(t, readResults(t, out), 2*want)
		assert.Contains(t, r.stdout, "maj@"+strconv.Itoa(want))
		m, err := reports.ReadManifest(out)
		require.NoError(t, err)
		assert.Equal(t, want, m.Suites[0].Repeats)
	}
	assert.Equal(t, reports.PassAtK{K: 2, Value: 100, Samples: 8}, overall.PassAt[1], "with one failure in four, every pair has a pass")
}

// TestBudgets stops a run when its token budget or its cost budget is used up: exit 3, no
// sample starts after, the log is intact, and the same command with a larger budget finishes.
func TestBudgets(t *testing.T) {
	srv := runnertest.NewServer(t)
	answer := synthAnswer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		rep := answer(r)
		rep.Usage = &runners.Usage{Prompt: 90, Completion: 10, Total: 100}
		return rep
	})
	dir := t.TempDir()
	suite := synthSuite(t, dir, 20)
	models := writeFile(t, dir, "models.yaml", fmt.Sprintf(`# prices in USD per million tokens
cheap:
  model: fake-model
  base_url: %s
  prices: {input: 1000, output: 10000}
`, srv.URL()))

	out := filepath.Join(dir, "tokens")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "1", "--out", out, "--progress", "none"}
	r := realxCLI(t, nil, append(slices.Clone(args), "--max-tokens-total", "500")...)
	require.Equal(t, exitBudget, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the run has used 500 tokens, --max-tokens-total is 500; 15 samples not run")
	assert.Len(t, readResults(t, out), 5)
	assert.Len(t, srv.Requests(), 5)
	// The budget counts the run's earlier sessions: the same budget starts nothing.
	r = realxCLI(t, nil, append(slices.Clone(args), "--max-tokens-total", "500")...)
	require.Equal(t, exitBudget, r.code, r.stderr)
	assert.Len(t, srv.Requests(), 5)
	r = realxCLI(t, nil, append(slices.Clone(args), "--max-tokens-total", "5000")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, outcomes(t, out, true), 20)

	// Each sample costs 90×1000/1e6 + 10×10000/1e6 = $0.19: $0.5 lets three start.
	out = filepath.Join(dir, "cost")
	r = realxCLI(t, nil, "run", suite, "--models", models, "--model", "cheap", "-c", "1", "--out", out, "--progress", "json", "--max-cost", "0.5")
	require.Equal(t, exitBudget, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the run has cost $0.5700, --max-cost is $0.5")
	assert.Len(t, readResults(t, out), 3)
	assert.Contains(t, r.stderr, `"cost_usd":0.57`)
	assert.Contains(t, r.stderr, `"stopped":"max-cost"`)
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, "cheap", m.Model.Name)
	assert.Equal(t, &reports.Prices{Input: 1000, Output: 10000}, m.Model.Prices)

	// Without prices, --max-cost is a usage error.
	r = realxCLI(t, nil, append(slices.Clone(args), "--max-cost", "1")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--max-cost needs the prices of m")
}

// TestModelsFile resolves --model from a models file: the entry's endpoint, model name, key
// variable and generation (under the command line's); flags over the entry; errors with lines.
func TestModelsFile(t *testing.T) {
	srv, dir, suite := synthSetup(t, 2)
	t.Setenv("REALX_TEST_MODEL_KEY", "sk-test")
	models := writeFile(t, dir, "models.yaml", fmt.Sprintf(`qwen:
  model: fake-model
  base_url: %s
  api_key_env: REALX_TEST_MODEL_KEY
  generation:
    max_tokens: 77
    temperature: 0.6
    extra: {top_k: 20}
gpt:
  provider: openai
  model: gpt-4o-2024-08-06
`, srv.URL()))
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--models", models, "--model", "qwen", "--temperature", "0.1", "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	for _, req := range srv.Requests() {
		assert.Equal(t, "fake-model", req.Model)
		assert.Equal(t, "Bearer sk-test", req.Header.Get("Authorization"))
		assert.Equal(t, 77.0, req.JSON["max_tokens"])
		assert.Equal(t, 0.1, req.JSON["temperature"], "the command line wins")
		assert.Equal(t, 20.0, req.JSON["top_k"])
	}
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, "qwen", m.Model.Name)
	assert.Equal(t, "REALX_TEST_MODEL_KEY", m.Model.APIKeyEnv)

	// REALX_MODELS names the file too; an entry of a provider needs its key.
	t.Setenv("REALX_MODELS", models)
	t.Setenv("OPENAI_API_KEY", "")
	r = realxCLI(t, nil, "run", suite, "--model", "gpt", "--out", filepath.Join(dir, "gpt"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "model gpt: --model \"openai:gpt-4o-2024-08-06\" needs an API key in the environment variable OPENAI_API_KEY")
	t.Setenv("REALX_MODELS", "")

	r = realxCLI(t, nil, "run", suite, "--models", models, "--model", "nope", "--out", filepath.Join(dir, "x"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--model "nope" is not in `+models+" (it has gpt, qwen)")

	bad := writeFile(t, dir, "bad.yaml", "a:\n  provider: openai\n  price: {input: 1}\nb:\n  model: x\n")
	r = realxCLI(t, nil, "run", suite, "--models", bad, "--model", "a", "--out", filepath.Join(dir, "x"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, bad+`:3:3: unknown field "price" in a; did you mean "prices"?`)
	bad = writeFile(t, dir, "bad2.yaml", "a:\n  provider: nope\nb:\n  model: x\n")
	r = realxCLI(t, nil, "run", suite, "--models", bad, "--model", "a", "--out", filepath.Join(dir, "x"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `model a: unknown provider "nope"`)
	assert.Contains(t, r.stderr, "model b: give a provider or a base_url")
}

// TestFaultyEndpoint runs 500 samples against an endpoint that fails one request in five —
// 429 with Retry-After, 500, 503, timeouts, connection resets and streams cut short, in turn —
// and gets every sample answered, with the results of a clean run.
func TestFaultyEndpoint(t *testing.T) {
	dir := t.TempDir()
	suite := synthSuite(t, dir, 500)
	const timeout = 100 * time.Millisecond
	runOnce := func(faulty bool) map[reports.Key]string {
		srv := runnertest.NewServer(t)
		h := synthAnswer(t)
		if faulty {
			h = runnertest.Faults(h, 5, runnertest.TransientFaults(timeout, 20*time.Millisecond)...)
		}
		srv.Handle(h)
		out := filepath.Join(dir, fmt.Sprintf("faulty-%v", faulty))
		limit := time.Minute // a clean run under the race detector may take longer than timeout
		if faulty {
			limit = timeout
		}
		r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--stream", "-c", "16", "--out", out,
			"--request-timeout", limit.String(), "--retry-delay", "2ms", "--progress", "none")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "500 samples, 500 run now, 0 without a verdict, 0 not run")
		if faulty {
			assert.GreaterOrEqual(t, len(srv.Requests()), 600, "one request in five failed and was retried")
			assert.Regexp(t, `concurrency lowered [1-9]\d* times, \d+ at the end \(answers: \d+ rate-limited, \d+ overloaded, \d+ near the rate limit; \d+ times its latency rose\)`, r.stderr)
		} else {
			assert.Len(t, srv.Requests(), 500)
		}
		return outcomes(t, out, true)
	}
	assert.Equal(t, runOnce(false), runOnce(true))
}

// TestRateLimitFail stops the run at the first 429 under --on-rate-limit fail: exit 1 with
// a clear message, the rate-limited sample not recorded, and the run resumable.
func TestRateLimitFail(t *testing.T) {
	srv, limited := faultyServer(t, func(r *runnertest.Request) (runnertest.Reply, bool) {
		return runnertest.Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}}, r.Seq == 4
	})
	dir := t.TempDir()
	suite := synthSuite(t, dir, 10)
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "1", "--out", out, "--progress", "none"}
	r := realxCLI(t, nil, append(slices.Clone(args), "--on-rate-limit", "fail")...)
	require.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "rate limited by the model endpoint (on-rate-limit=fail)")
	assert.Contains(t, r.stderr, "run the same command again to resume")
	assert.Len(t, readResults(t, out), 3)
	limited.Store(false)
	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, outcomes(t, out, true), 10)
}

// TestCache runs a suite twice with the response cache on: the second run, into another
// directory, sends no request and gets the same results.
func TestCache(t *testing.T) {
	srv, dir, suite := synthSetup(t, 12)
	cache := filepath.Join(dir, "cache", "responses.sqlite")
	run := func(out string, extra ...string) cliResult {
		args := append([]string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, out),
			"--cache", "readwrite", "--cache-path", cache, "--progress", "none"}, extra...)
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		return r
	}
	r := run("first", "--repeats", "2", "--seed", "3")
	assert.Contains(t, r.stderr, "0 hits, 24 misses, 24 stored")
	require.Len(t, srv.Requests(), 24)
	r = run("second", "--repeats", "2", "--seed", "3")
	assert.Contains(t, r.stderr, "24 hits, 0 misses")
	assert.Len(t, srv.Requests(), 24, "the second run makes no request")
	assert.Equal(t, outcomes(t, filepath.Join(dir, "first"), true), outcomes(t, filepath.Join(dir, "second"), true))
	for _, res := range readResults(t, filepath.Join(dir, "second")) {
		require.NotNil(t, res.Trajectory)
		for _, turn := range res.Trajectory.Turns {
			if turn.Role == "assistant" {
				assert.True(t, turn.Cached, "sample %s: the second run's replies come from the cache", res.ID)
			}
		}
	}
	// Another seed is another request.
	run("third", "--seed", "4", "--limit", "2")
	assert.Len(t, srv.Requests(), 26)
}

// TestOneRunPerDirectory makes a run wait while another process holds its directory (a pod
// replacing one that is still shutting down), then go on.
func TestOneRunPerDirectory(t *testing.T) {
	srv, dir, suite := synthSetup(t, 4)
	out := filepath.Join(dir, "run")
	var held bytes.Buffer
	unlock, err := reports.LockRun(context.Background(), out, &held)
	require.NoError(t, err)
	assert.Empty(t, held.String())
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		err := run(context.Background(), nil, []string{"realx", "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out,
			"--progress", "none"}, strings.NewReader(""), io.Discard, &stderr)
		code <- exitCode(err, &stderr)
	}()
	waitFor(t, func() bool { return strings.Contains(stderr.String(), "waiting for it to end") })
	assert.Empty(t, srv.Requests(), "nothing runs while the directory is held")
	unlock()
	require.Equal(t, 0, <-code, stderr.String())
	assert.Contains(t, stderr.String(), "another realx is running in "+out+"; waiting for it to end")
	assert.Len(t, outcomes(t, out, true), 4)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestResumeRegradesJudgeFailures grades the recorded output of a sample whose judge failed
// again when the run resumes (and under --retry-errors), without calling the model under test;
// the budget does not count the regraded record's tokens twice.
func TestResumeRegradesJudgeFailures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", arithData)
	suite := writeFile(t, dir, "suite.yaml", arithSuite)
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: arithReplies[r.Last().Text], Usage: &runners.Usage{Prompt: 90, Completion: 10, Total: 100}}
	})
	judge := newFakeJudge(t)
	judge.setFailing(func(p string) bool { return strings.Contains(p, "What is 1+1?") || strings.Contains(p, "What is 9-9?") })
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", model.URL(), "--out", out, "--progress", "none",
		"--judge-base-url", judge.srv.URL(), "--judge-retry-wait", "1ms"}

	r := realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "incomplete: 2 of 6 samples without a verdict (2 judge)")
	require.Len(t, model.Requests(), 6)
	first := byID(t, out)
	require.NotNil(t, first["q5"].Error)
	assert.Equal(t, reports.ErrJudge, first["q5"].Error.Class)

	// The judge still fails on q6: both are graded again, neither is sent to the model.
	judge.setFailing(func(p string) bool { return strings.Contains(p, "What is 9-9?") })
	r = realxCLI(t, nil, append(slices.Clone(args), "--retry-errors")...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "4 samples finished, 2 to run (2 of them judge failures, graded again without a model call)")
	assert.Len(t, model.Requests(), 6, "no model call for a judge failure")
	again := byID(t, out)
	assert.Nil(t, again["q5"].Error)
	assert.True(t, again["q5"].Pass)
	assert.Equal(t, "two", again["q5"].Output)
	assert.Equal(t, first["q5"].Tokens, again["q5"].Tokens, "the output's tokens are kept")
	assert.Equal(t, first["q5"].Trajectory, again["q5"].Trajectory, "and its trajectory")
	assert.Equal(t, reports.ErrJudge, again["q6"].Error.Class)

	judge.setFailing(func(string) bool { return false })
	r = realxCLI(t, nil, append(slices.Clone(args), "--max-tokens-total", "700")...)
	require.Equal(t, 0, r.code, "6 samples of 100 tokens: the regraded records are not counted again: %s", r.stderr)
	assert.Contains(t, r.stderr, "5 samples finished, 1 to run (1 of them judge failures")
	assert.Len(t, model.Requests(), 6)
	assert.Len(t, readResults(t, out), 6+2+1)
	assert.True(t, byID(t, out)["q6"].Pass)
}

// TestResumeRepairsInputErrors runs a suite whose image is missing, then runs it again once
// the image is there: the input error is run again (it made no model call) and graded.
func TestResumeRepairsInputErrors(t *testing.T) {
	srv, dir, suite := synthSetup(t, 4, 2)
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none"}
	r := realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, byID(t, out)["q2"].Error.Message, "give --image-root DIR")
	require.Len(t, srv.Requests(), 3)

	var png bytes.Buffer
	require.NoError(t, pngEncode(&png))
	writeFile(t, dir, "missing.png", png.String())
	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 samples finished, 1 to run")
	require.Len(t, srv.Requests(), 4)
	assert.Equal(t, 1, srv.Requests()[3].Last().Images)
	assert.True(t, byID(t, out)["q2"].Pass)
}

// TestNoGoldAnswerIsAnInputError records the samples of a suite without gold answers as input
// errors, without a model call.
func TestNoGoldAnswerIsAnInputError(t *testing.T) {
	srv, dir, _ := synthSetup(t, 0)
	writeFile(t, dir, "nogold.jsonl", `{"id":"q0","question":"q0: what is 0 plus 7?"}`+"\n")
	suite := writeFile(t, dir, "nogold.yaml", "name: nogold\ndata: {path: nogold.jsonl, fields: {answer: \"\"}}\nprompt: {user: \"{{.Question}}\"}\njudge: {kind: exact}\n")
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none")
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	res := byID(t, out)["q0"]
	require.NotNil(t, res.Error)
	assert.Equal(t, reports.ErrInput, res.Error.Class)
	assert.Contains(t, res.Error.Message, "sample q0 has no gold answer")
	assert.Empty(t, srv.Requests(), "a sample that cannot be graded is not sent")
}

// pngEncode writes a small PNG image to w.
func pngEncode(w io.Writer) error {
	return png.Encode(w, image.NewRGBA(image.Rect(0, 0, 8, 8)))
}
