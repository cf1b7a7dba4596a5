package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
)

// benchSuites are the suites of the generated run, with their capabilities.
var benchSuites = []struct {
	name string
	caps []string
}{
	{"vstar", []string{"direct_attributes", "relative_position"}},
	{"hrbench-4k", []string{"FSP", "FCP"}},
	{"mathvista", []string{"algebraic reasoning", "geometry reasoning", "scientific reasoning"}},
	{"mmsearch", []string{"news", "knowledge"}},
}

// writeBenchRun writes a run directory of n records into dir: its manifest, and a results log
// of agentic records of about 840 bytes each (a question, a code call that crops, its output,
// the final answer; with calls more code calls, about 250 bytes each), one in 97 an error,
// made from a fixed seed. It returns the log's size.
func writeBenchRun(tb testing.TB, dir string, n, calls int) int64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(15, 1))
	m := &reports.Manifest{V: 1, Run: "bench", Model: reports.ModelInfo{Name: "bench-model"}}
	per := n / len(benchSuites)
	for i, s := range benchSuites {
		count := per
		if i == len(benchSuites)-1 {
			count = n - per*(len(benchSuites)-1)
		}
		caps := map[string]int{}
		for j := range count {
			caps[s.caps[j%len(s.caps)]]++
		}
		m.Suites = append(m.Suites, reports.SuiteInfo{Name: s.name, Version: "1", Samples: count, Capabilities: caps})
	}
	if err := reports.WriteManifest(dir, m); err != nil {
		tb.Fatal(err)
	}
	w, err := reports.CreateLog(filepath.Join(dir, reports.ResultsFile))
	if err != nil {
		tb.Fatal(err)
	}
	for i, s := range m.Suites {
		caps := benchSuites[i].caps
		for j := range s.Samples {
			pass := rng.Float64() < 0.7
			score := 0.0
			if pass {
				score = 1
			}
			x, y := rng.IntN(900), rng.IntN(900)
			code := fmt.Sprintf("img = Image.open('/data/image_0.jpg')\ncrop = img.crop((%d, %d, %d, %d))\nprint(crop.size)", x, y, x+120, y+120)
			r := &reports.Result{V: reports.SchemaVersion, Run: "bench", Suite: s.Name, SuiteVersion: "1", ID: fmt.Sprint(j),
				Capability: caps[j%len(caps)], Model: "bench-model", Answer: "B", Output: "<think>Blue.</think><answer>B</answer>",
				Verdict: judges.Verdict{Extracted: "B", Pass: pass, Score: score, JudgeID: "mcq-7c1e2a", Step: "mcq"},
				Tokens:  runners.Usage{Prompt: 1800 + rng.IntN(400), Completion: 150 + rng.IntN(100)}, LatencyMS: int64(900 + rng.IntN(600)),
				Trajectory: &runners.Trajectory{Stop: runners.StopAnswer, Turns: []runners.Turn{
					{Role: "user", Text: "Umbrella colour? (A) red (B) blue", Images: []string{"9f2c5e4a1b7d3e6f8a0c2b4d6e8f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f"}},
					{Role: "assistant", Text: "Zoom in.", Calls: []runners.Call{{Name: "python", Arguments: code,
						DurationMS: int64(200 + rng.IntN(300)), Output: "(240, 240)", Kind: "crop"}}},
					{Role: "assistant", Text: "<think>Blue.</think><answer>B</answer>"},
				}},
			}
			for range calls {
				t := &r.Trajectory.Turns[1]
				t.Calls = append(t.Calls, t.Calls[0])
				r.Trajectory.Turns = append(r.Trajectory.Turns[:2], append([]runners.Turn{{Role: "assistant", Text: "Zoom in again."}}, r.Trajectory.Turns[2:]...)...)
			}
			r.Stop = r.Trajectory.Stop
			if j%97 == 5 {
				r.Verdict = judges.Verdict{}
				r.Error = &reports.Failure{Class: reports.ErrModel, Message: "endpoint returned 503 after 3 tries"}
			}
			if err := w.Write(r); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, reports.ResultsFile))
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// BenchmarkReport100k runs `realx report` (the accuracy table, in text) over a run of 100,000
// agentic records (an 84 MB log, generated first), in-process as main would. It reports the
// log's size, its throughput and the peak of the Go heap (live objects and unused span space,
// sampled every millisecond) while the command ran.
func BenchmarkReport100k(b *testing.B) { benchReport(b, 100_000, 0) }

// BenchmarkReport10k is BenchmarkReport100k over 10,000 records, to show how time and memory
// grow with the number of records.
func BenchmarkReport10k(b *testing.B) { benchReport(b, 10_000, 0) }

// BenchmarkReport10kLong is BenchmarkReport10k over records ten times as long (33 more code
// calls each: an 84 MB log again), to show how they grow with the size of the trajectories.
func BenchmarkReport10kLong(b *testing.B) { benchReport(b, 10_000, 33) }

func benchReport(b *testing.B, n, calls int) {
	dir := b.TempDir()
	size := writeBenchRun(b, dir, n, calls)
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			if v := samples[0].Value.Uint64() + samples[1].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	b.SetBytes(size)
	for b.Loop() {
		var errs strings.Builder
		err := run(context.Background(), nil, []string{"realx", "report", dir}, strings.NewReader(""), io.Discard, &errs)
		if err != nil {
			b.Fatal(err, errs.String())
		}
	}
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(size)/1e6, "log-MB")
	b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
}
