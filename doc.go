// Package realx runs evaluations. It owns the orchestration of a run: a suite's samples
// (package tasks) are put to a model through its agent (runners), graded by the suite's judge
// (judges) and recorded in a run directory (reports), with as many samples in flight as the
// endpoint takes, resuming a stopped run, repeating and sharding its samples and stopping at a
// budget. It owns nothing below that: the schema, the model client, the tools, the judges and
// the records are the other packages'.
//
// Every command of the realx CLI that grades goes through one Engine: run puts samples to a
// model, score grades a predictions file (a Plan with Predictions), rejudge grades a run's
// recorded outputs again, and judge grades JSONL rows. An Engine gives every model it calls,
// the model under test and the LLM judges alike, the same endpoint machinery (runners.Clients:
// throttling, adaptive concurrency, retries with Retry-After, the response cache) and counts
// their tokens and cost against the run's budget. The search tools of a run's plans answer from
// one search service the Engine makes (SearchConfig over the suite's search block; the run's
// manifest records it). A Go program does what `realx run` does in a few lines:
//
//	eng, _ := realx.New(realx.Config{Concurrency: 8})
//	defer eng.Close()
//	model := &realx.Model{Label: "qwen", Endpoint: runners.Endpoint{BaseURL: url, Model: "qwen"}}
//	client, _ := eng.Connect(model)
//	suite, data, _ := realx.LoadSuite("math500")
//	plan, _ := eng.NewPlan(suite, data, realx.PlanOptions{Model: client})
//	out, _ := eng.Run(ctx, []*realx.Plan{plan}, realx.Run{Dir: "runs/qwen/math500", Model: model})
//
// Running the same Run again resumes it. docs/library.md says more, and Example runs it.
//
// The package sits above reports and below cmd/realx in the one-way flow of the packages
// (tasks ← runners ← judges ← reports ← realx ← cmd). Its messages are the realx command's:
// where a setting comes from a flag, they name the flag.
package realx
