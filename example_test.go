package realx_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// Example runs the first 20 MATH-500 problems against a fake endpoint, each twice, in shard 0
// of 2 and within a token budget: the run is interrupted, run again (which resumes it), and its
// run directory reports as `realx report` shows it.
func Example() {
	srv := runnertest.Listen() // a fake OpenAI-compatible endpoint
	defer srv.Close()
	dir, err := os.MkdirTemp("", "realx-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	eng, err := realx.New(realx.Config{Concurrency: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	model := &realx.Model{Label: "fake", Endpoint: runners.Endpoint{BaseURL: srv.URL(), Model: runnertest.ModelID}}
	client, err := eng.Connect(model)
	if err != nil {
		log.Fatal(err)
	}
	suite, data, err := realx.LoadSuite("math500")
	if err != nil {
		log.Fatal(err)
	}
	plan, err := eng.NewPlan(suite, data, realx.PlanOptions{Limit: 20, Model: client})
	if err != nil {
		log.Fatal(err)
	}
	srv.Handle(answers(plan, eng)) // right but for every fourth problem; the 8th request interrupts the run
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: model, Repeats: 2,
		Shard: &reports.Shard{Index: 0, Count: 2}, MaxTokens: 1_000_000}
	out, err := eng.Run(context.Background(), []*realx.Plan{plan}, run)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("stopped: %s\n", out.Stop)
	out, err = eng.Run(context.Background(), []*realx.Plan{plan}, run) // the same run again: it resumes
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("resumed: %d samples, %d without a verdict\n", out.Samples, out.Unfinished())
	if err := reports.PrintAccuracy(os.Stdout, []string{run.Dir}, os.Stderr, "text"); err != nil {
		log.Fatal(err)
	}
	// Output:
	// stopped: interrupt
	// resumed: 16 samples, 0 without a verdict
	// ┌──────────────────────┬───────┬─────┬────────────────┐
	// │ capability           │  fake │   n │         95% CI │
	// ├──────────────────────┼───────┼─────┼────────────────┤
	// │ Geometry             │ 100.0 │ 1/1 │ [100.0, 100.0] │
	// │ Intermediate Algebra │  50.0 │ 2/2 │   [0.0, 100.0] │
	// │ Number Theory        │ 100.0 │ 2/2 │ [100.0, 100.0] │
	// │ Prealgebra           │ 100.0 │ 1/1 │ [100.0, 100.0] │
	// │ Precalculus          │ 100.0 │ 2/2 │ [100.0, 100.0] │
	// │ overall              │  87.5 │ 8/8 │  [63.0, 100.0] │
	// └──────────────────────┴───────┴─────┴────────────────┘
	// note: accuracy is the mean over the repeats of each sample (up to 2); n counts samples, and the 95% interval is clustered by sample (the standard error of the per-sample means), not 2 × n draws
}

// answers returns a fake model that answers the plan's problems: right, but for every fourth
// one; its 8th request interrupts eng's run, as a first Ctrl-C does.
func answers(plan *realx.Plan, eng *realx.Engine) func(*runnertest.Request) runnertest.Reply {
	return func(r *runnertest.Request) runnertest.Reply {
		if r.Seq == 8 {
			eng.Interrupt()
		}
		for i, s := range plan.Samples {
			if strings.HasPrefix(r.Last().Text, s.Question) {
				answer := s.Answer
				if i%4 == 3 {
					answer += "+1"
				}
				return runnertest.Reply{Content: "The final answer is $\\boxed{" + answer + "}$."}
			}
		}
		return runnertest.Reply{Status: 400}
	}
}
