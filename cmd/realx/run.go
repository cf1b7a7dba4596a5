package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

func runCommand(in *interrupt) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run suites against a model and grade every sample",
		ArgsUsage: "SUITE...",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "a preset (deepeyesv2-7b, deepeyes-7b, skywork-r1v4, qwen2.5-vl-7b-native … see docs/models.md), a name from --models, PROVIDER:MODEL (openai, openrouter, vllm, sglang, ollama) or a model name with --base-url"},
			&cli.StringFlag{Name: "base-url", Usage: "the endpoint's OpenAI-compatible base URL, e.g. http://localhost:8000/v1"},
			&cli.StringFlag{Name: "api-key-env", Usage: "the environment variable holding the API key (default: the provider's, e.g. OPENAI_API_KEY)"},
			&cli.StringFlag{Name: "label", Usage: "the model's name in results and reports (default: the model name)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the run directory (default runs/MODEL/SUITE)"},
			concurrencyFlag("samples"),
			&cli.IntFlag{Name: "limit", Usage: "run only the first N samples of each suite", DefaultText: "every sample"},
			&cli.Float64Flag{Name: "temperature", Usage: "sampling temperature", DefaultText: "the suite's"},
			&cli.Float64Flag{Name: "top-p", Usage: "nucleus sampling", DefaultText: "the suite's"},
			&cli.IntFlag{Name: "max-tokens", Usage: "completion tokens per turn", DefaultText: "the suite's"},
			&cli.IntFlag{Name: "seed", Usage: "sampling seed", DefaultText: "the suite's"},
			&cli.BoolFlag{Name: "stream", Usage: "ask for server-sent-event streams", DefaultText: "the suite's, else false"},
			&cli.StringFlag{Name: "extra", Usage: `extra request body fields as a JSON object, e.g. '{"top_k":20}'`},
			&cli.IntFlag{Name: "max-pixels", Usage: "scale images down to at most this many pixels", DefaultText: "the suite's, else none"},
			&cli.IntFlag{Name: "min-pixels", Usage: "scale images up to at least this many pixels", DefaultText: "the suite's, else none"},
			&cli.IntFlag{Name: "image-factor", Usage: "round image sides to multiples of this (28 for Qwen2.5-VL)", DefaultText: "the suite's, else none"},
			&cli.StringFlag{Name: "image-root", Usage: "the directory relative image paths resolve against"},
			dataCacheFlag(),
			&cli.StringFlag{Name: "tool-images", Usage: "the image the tools work on: sent (the image the model saw) or original (the file, at full resolution)", DefaultText: "the suite's, else sent"},
			&cli.BoolFlag{Name: "allow-private-urls", Usage: "let image URLs, and the pages and images the search tools fetch, reach loopback, link-local and private addresses (refused by default)"},
			&cli.DurationFlag{Name: "request-timeout", Value: 10 * time.Minute, Usage: "time limit of one model request"},
			formatFlag("format of the summary printed at the end"),
		}, slices.Concat(agentFlags(), userFlags(), searchFlags(), mcpFlags(), engineFlags(), judgeFlags())...),
		Action: func(c *cli.Context) error {
			return runSuites(c, in)
		},
	}
}

// runSettings are the run's flags that change how samples are put to the model.
type runSettings struct {
	gen    tasks.Generation
	images tasks.ImagePolicy
}

func readRunSettings(c *cli.Context) (*runSettings, error) {
	rs := &runSettings{}
	rs.gen.Temperature = given(c, "temperature", c.Float64)
	rs.gen.TopP = given(c, "top-p", c.Float64)
	rs.gen.MaxTokens = given(c, "max-tokens", c.Int)
	rs.gen.Seed = given(c, "seed", c.Int)
	rs.gen.Stream = given(c, "stream", c.Bool)
	var problems []string
	for _, p := range rs.gen.Check() {
		problems = append(problems, fmt.Sprintf("--%s %s", strings.ReplaceAll(p.Key, "_", "-"), p.Msg))
	}
	if extra := c.String("extra"); extra != "" {
		if err := json.Unmarshal([]byte(extra), &rs.gen.Extra); err != nil {
			problems = append(problems, fmt.Sprintf("--extra: want a JSON object: %v", err))
		}
	}
	rs.images = tasks.ImagePolicy{MaxPixels: c.Int("max-pixels"), MinPixels: c.Int("min-pixels"), Factor: c.Int("image-factor"), Tools: c.String("tool-images")}
	if t := rs.images.Tools; t != "" && t != tasks.ToolImagesSent && t != tasks.ToolImagesOriginal {
		problems = append(problems, fmt.Sprintf("--tool-images %q is not one of sent, original", t))
	}
	if rs.images.MaxPixels < 0 || rs.images.MinPixels < 0 || rs.images.Factor < 0 {
		problems = append(problems, "--max-pixels, --min-pixels and --image-factor cannot be negative")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return rs, nil
}

// checkExtra returns the problems of generation g, the suite's with the models file's and the
// command line's over it, that the endpoint client would find only when sending a request: a
// parameter set both as a field (--temperature, the suite's generation, the models file) and
// in extra, or an extra key the client writes itself.
func checkExtra(suite string, g tasks.Generation) []string {
	var out []string
	for _, c := range runners.ExtraConflicts(g) {
		if c.Owned {
			out = append(out, fmt.Sprintf("realx: run: suite %s: generation extra cannot set %q, which realx writes itself", suite, c.Key))
			continue
		}
		flag := "--" + strings.ReplaceAll(c.Key, "_", "-")
		out = append(out, fmt.Sprintf("realx: run: suite %s: %s is set both as a generation parameter (%s, the suite or the models file) and in extra (--extra, the suite or the models file); set it once", suite, c.Key, flag))
	}
	return out
}

func runSuites(c *cli.Context, in *interrupt) error {
	if c.NArg() == 0 {
		return usageError("run: name at least one suite (a shipped name or a YAML file)")
	}
	if c.Int("limit") < 0 {
		return usageError("run: --limit cannot be negative")
	}
	settings, err := readRunSettings(c)
	if err != nil {
		return usageError("run: %v", err)
	}
	opts, notes, err := readEngineOptions(c, os.Getenv)
	if err != nil {
		return usageError("run: %v", err)
	}
	for _, n := range notes {
		fmt.Fprintln(c.App.ErrWriter, "realx: note:", n)
	}
	var model *realx.Model
	var models map[string]runners.ModelEntry
	var connect func(runners.Endpoint) runners.Model
	if file := c.String("replay-model"); file != "" {
		if model, connect, err = replayedModel(c, file); err == nil && c.String("models") != "" {
			models, err = runners.ReadModels(c.String("models"))
		}
	} else {
		model, models, err = modelFromFlags(c, os.Getenv)
	}
	if err != nil {
		return usageError("run: %v", err)
	}
	model.Endpoint.Timeout = c.Duration("request-timeout")
	jc, err := readJudgeConfig(c, os.Getenv, models)
	if err != nil {
		return usageError("run: %v", err)
	}
	searchCfg, err := readSearchConfig(c, os.Getenv, models)
	if err != nil {
		return usageError("run: %v", err)
	}
	mcpCfg, err := readMCPConfig(c)
	if err != nil {
		return usageError("run: %v", err)
	}
	progress := reports.NewProgress(c.App.ErrWriter, opts.progress, model.Prices != nil)
	eng, err := realx.New(realx.Config{Concurrency: opts.concurrency, Throttle: opts.throttle, Retry: opts.retry,
		Judges: jc, Observer: progress, Log: c.App.ErrWriter, Connect: connect})
	if err != nil {
		return usageError("run: %v", err)
	}
	defer eng.Close()
	client, err := eng.Connect(model)
	if err != nil {
		return usageError("run: %v", err)
	}
	user, err := connectUser(c, eng, models, os.Getenv)
	if err != nil {
		return usageError("run: %v", err)
	}
	var recorder *runners.Recorder
	if file := c.String("record-model"); file != "" {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return usageError("run: --record-model: %v", err)
		}
		defer f.Close()
		recorder = runners.NewRecorder(client, f)
		client = recorder
	}

	// Every suite is loaded and checked, its judge and its agent built, before the first
	// model call.
	var plans []*realx.Plan
	var problems []error
	for _, arg := range c.Args().Slice() {
		s, ds, err := realx.LoadSuiteWith(arg, suiteOptions(c))
		if err != nil {
			problems = append(problems, err)
			continue
		}
		spec, err := agentSpec(c, s, model.Protocol)
		if err != nil {
			problems = append(problems, err) // each problem names its flag, or its place in the suite
			continue
		}
		gen := model.Generation.Merge(settings.gen)
		po := realx.PlanOptions{Limit: c.Int("limit"), ImageRoot: c.String("image-root"),
			AllowPrivateURLs: c.Bool("allow-private-urls"), Model: client, Agent: &spec, Generation: gen, Images: model.Images.Merge(settings.images),
			Tools: toolsConfig(c), ToolError: toolError(c, s, spec, s.Agent.Tools), Search: searchCfg, MCP: mcpCfg}
		if err := user.use(s, spec, &po); err != nil {
			problems = append(problems, err)
			continue
		}
		p, err := eng.NewPlan(s, ds, po)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		for _, msg := range checkExtra(s.Name, s.Generation.Merge(gen)) {
			problems = append(problems, errors.New(msg))
		}
		plans = append(plans, p)
	}
	if len(problems) > 0 {
		return configErrors(errors.Join(problems...))
	}
	noteUnusedSearchFlags(c, eng)
	if opts.cacheMode != runners.CacheOff {
		cache, err := runners.OpenCache(opts.cachePath)
		if err != nil {
			return usageError("run: %v", err)
		}
		eng.UseCache(cache, opts.cacheMode)
	}
	out := c.String("out")
	if out == "" {
		out = realx.DefaultDir(model.Label, plans, opts.shard)
	}
	warnContainment(c.App.ErrWriter, plans)
	in.drains(eng.Interrupt)
	res, err := eng.Run(c.Context, plans, realx.Run{Dir: out, Model: model, Repeats: opts.repeats, Shard: opts.shard,
		RetryErrors: opts.retryErrors, MaxCost: opts.maxCost, MaxTokens: opts.maxTokens, Grace: graceOf(opts.grace),
		Command: commandLine(c), Version: version, Concurrency: opts.concurrency, Limit: c.Int("limit")})
	if err != nil {
		return commandError("run", err)
	}
	stderr := c.App.ErrWriter
	if cache := eng.Cache(); cache != nil {
		cs := cache.Stats()
		fmt.Fprintf(stderr, "realx: response cache %s: %d hits, %d misses, %d stored\n", cache.Path(), cs.Hits, cs.Misses, cs.Writes)
	}
	if file := c.String("replay-model"); file != "" {
		fmt.Fprintf(stderr, "realx: the model's turns were replayed from %s: no model was called\n", file)
	}
	if recorder != nil {
		if err := recorder.Err(); err != nil {
			return err
		}
	}
	printSearchCounts(stderr, eng)
	// A replayed model has no endpoint to push back: its replies' latencies (microseconds)
	// may still swing enough for the throttle to lower concurrency, which says nothing.
	if ts := eng.ThrottleStats(); ts.Decreases > 0 && c.String("replay-model") == "" {
		fmt.Fprintf(stderr, "realx: concurrency lowered %d times, %d at the end (answers: %d rate-limited, %d overloaded, %d near the rate limit; %d times its latency rose)\n",
			ts.Decreases, ts.Limit, ts.RateLimited, ts.Overloaded, ts.NearLimit, ts.SlowedDown)
	}
	nFailed := res.Unfinished() - res.NotRun
	fmt.Fprintf(stderr, "realx: %d samples, %d run now, %d without a verdict, %d not run; results in %s\n", res.Samples, res.Ran, nFailed, res.NotRun, out)
	if err := reports.PrintAccuracy(c.App.Writer, []string{out}, stderr, c.String("format")); err != nil {
		return err
	}
	if res.Repeated {
		t, err := reports.NewRepeats("capability", nil)
		if err != nil {
			return err
		}
		if err := reports.Print(c.App.Writer, []string{out}, nil, stderr, t, c.String("format"), 1); err != nil {
			return err
		}
	}
	return exitOf(res, opts.maxErrorRate,
		"run the same command again to retry them (a judge failure is graded again, without a model call), or add --retry-errors to retry only them")
}

// graceOf returns --grace as a realx.Run takes it: 0 (none) is negative there.
func graceOf(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// exitOf returns the error, and so the exit code, of a run or score that ended as res says:
// 130 when it was interrupted, 3 when its budget stopped it, 4 when it ended with more samples
// without a verdict than maxRate allows (incomplete; what says how to mend it), else none.
func exitOf(res *realx.Outcome, maxRate float64, what string) error {
	canceled := res.Failed[reports.ErrCanceled]
	switch res.Stop {
	case realx.StopInterrupt:
		return cli.Exit(fmt.Sprintf("realx: interrupted with %d samples not run (%d of them canceled); run the same command again to resume",
			res.NotRun+canceled, canceled), exitInterrupted)
	case realx.StopCost, realx.StopTokens:
		return cli.Exit(fmt.Sprintf("realx: stopped: %s; %d samples not run. The run resumes when the same command is run again with a larger budget", res.Budget, res.NotRun), exitBudget)
	}
	return incomplete(res.Failed, res.NotRun, res.Samples, maxRate, what)
}

// incomplete returns the exit-4 error of a run or score of total samples that ended with
// samples without a verdict — failed counts them by error class, notRun counts those without
// a record — when they are more than maxRate of the samples, or when no sample has a verdict;
// what says how to mend it. It returns nil otherwise.
func incomplete(failed map[reports.ErrorClass]int, notRun, total int, maxRate float64, what string) error {
	var parts []string
	n := notRun
	for _, class := range slices.Sorted(maps.Keys(failed)) {
		n += failed[class]
		parts = append(parts, fmt.Sprintf("%d %s", failed[class], class))
	}
	if notRun > 0 {
		parts = append(parts, fmt.Sprintf("%d not run", notRun))
	}
	if n == 0 || (n < total && float64(n) <= maxRate*float64(total)) {
		return nil
	}
	msg := fmt.Sprintf("realx: incomplete: %d of %d samples without a verdict (%s)", n, total, strings.Join(parts, ", "))
	switch {
	case n == total:
		msg = fmt.Sprintf("realx: incomplete: none of the %d samples has a verdict (%s)", total, strings.Join(parts, ", "))
	case maxRate > 0:
		msg += fmt.Sprintf(", more than --max-error-rate %g allows", maxRate)
	default:
		what += "; --max-error-rate R accepts a share R of samples without a verdict"
	}
	return cli.Exit(msg+"; "+what, exitIncomplete)
}

// warnContainment prints, once, a warning line for each way the plans' python sandboxes are
// weaker than full on this host (no cgroup, and why; no sandbox at all).
func warnContainment(w io.Writer, plans []*realx.Plan) {
	var seen []string
	for _, p := range plans {
		if k := p.Sandbox(); k != nil {
			if msg := k.Warning(); msg != "" && !slices.Contains(seen, msg) {
				seen = append(seen, msg)
				fmt.Fprintf(w, "realx: warning: %s\n", msg)
			}
		}
	}
}
