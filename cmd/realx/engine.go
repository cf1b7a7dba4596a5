package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// The exit codes of a run that stopped before its end, or ended with samples without a
// verdict, its log intact and resumable.
const (
	exitBudget      = 3
	exitIncomplete  = 4
	exitInterrupted = 130
)

// engineFlags are the flags of `realx run` that shape how samples are scheduled: which samples
// (shard, repeats, resume), how fast (retries, rate limits, concurrency), at what cost (cache,
// budgets), and how progress is shown.
func engineFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "models", Usage: "a models file: YAML mapping model names to provider, model, base_url, api_key_env, prices, generation (default $" + modelsFileEnv + ")"},
		&cli.StringFlag{Name: "shard", Usage: "run only shard i of N (i/N, from 0); auto takes i from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID"},
		&cli.IntFlag{Name: "shards", Usage: "the number of shards N when i comes from the environment", DefaultText: "$" + shardsEnv + ", or SLURM_ARRAY_TASK_COUNT"},
		&cli.IntFlag{Name: "repeats", Usage: "run each sample K times; with a seed set, repeat i sends seed+i", DefaultText: "the suite's repeats, or once"},
		&cli.BoolFlag{Name: "retry-errors", Usage: "run again only the samples whose last record has an error (input, model, tool; a judge error is graded again without a model call)"},
		maxErrorRateFlag(),
		&cli.Float64Flag{Name: "max-cost", Usage: "start no sample once the run has cost this many US dollars (prices from --models); exit 3", DefaultText: "no limit"},
		&cli.IntFlag{Name: "max-tokens-total", Usage: "start no sample once the run has used this many tokens; exit 3", DefaultText: "no limit"},
		&cli.DurationFlag{Name: "grace", Value: defaultGrace, Usage: "after the first Ctrl-C or SIGTERM, how long the samples in flight may go on; then they are canceled, recorded as canceled, and run again on resume (0: at once)"},
		&cli.StringFlag{Name: "progress", Value: progressAuto, Usage: "progress on stderr: auto (a bar on a terminal, else lines), bar, lines, json or none"},
		&cli.IntFlag{Name: "retries", Value: runners.DefaultMaxAttempts - 1, Usage: "retries of a failed model call (429, 5xx, timeout, reset, cut stream); 0 for none"},
		&cli.DurationFlag{Name: "retry-delay", Value: runners.DefaultBaseDelay, Usage: "the first retry's backoff ceiling, doubling with each attempt (jittered; a longer Retry-After wins)"},
		&cli.DurationFlag{Name: "max-retry-wait", Value: runners.DefaultMaxWait, Usage: "the longest one request waits between its attempts, in all"},
		&cli.StringFlag{Name: "on-rate-limit", Value: string(runners.RateLimitWait), Usage: "wait (retry after Retry-After) or fail (stop the run at the first 429)"},
		&cli.IntFlag{Name: "rpm", Usage: "model requests per minute at most", DefaultText: "no cap"},
		&cli.IntFlag{Name: "tpm", Usage: "model tokens per minute at most, estimated before each request", DefaultText: "no cap"},
		&cli.BoolFlag{Name: "adaptive", Value: true, Usage: "adapt concurrency to the endpoint (halve on 429, 503, timeouts; grow back), -c being the ceiling"},
		&cli.StringFlag{Name: "cache", Value: string(runners.CacheOff), Usage: "response cache: off, read, write or readwrite"},
		&cli.StringFlag{Name: "cache-path", Usage: "the response cache's SQLite file (default USER_CACHE_DIR/realx/responses.sqlite)"},
	}
}

// maxErrorRateFlag is --max-error-rate, of run and score.
func maxErrorRateFlag() cli.Flag {
	return &cli.Float64Flag{Name: "max-error-rate", Usage: "the share of samples (0 to 1) that may end without a verdict before the command exits 4 (a run with no verdict at all always does)"}
}

// readMaxErrorRate reads --max-error-rate.
func readMaxErrorRate(c *cli.Context) (float64, error) {
	r := c.Float64("max-error-rate")
	if !(r >= 0 && r <= 1) {
		return 0, fmt.Errorf("--max-error-rate must be between 0 and 1, got %v", r)
	}
	return r, nil
}

// The environment variables a shard is read from.
const (
	shardsEnv        = "REALX_SHARDS"
	k8sIndexEnv      = "JOB_COMPLETION_INDEX"
	slurmIndexEnv    = "SLURM_ARRAY_TASK_ID"
	slurmCountEnv    = "SLURM_ARRAY_TASK_COUNT"
	slurmMinIndexEnv = "SLURM_ARRAY_TASK_MIN"
)

// defaultGrace is --grace: long enough for most model calls in flight to end (and their
// tokens, already paid for, to be kept), short enough for a Kubernetes pod's default 30 s
// termination grace period to see realx exit on its own, its log flushed, before SIGKILL.
const defaultGrace = 25 * time.Second

// engineOptions are the engine flags, checked.
type engineOptions struct {
	shard *reports.Shard
	// repeats is --repeats, 0 when not given (each suite's repeats apply).
	repeats     int
	retryErrors bool
	// maxErrorRate is --max-error-rate.
	maxErrorRate float64
	maxCost      float64
	maxTokens    int
	progress     string
	// grace is how long samples in flight may go on after the first interrupt.
	grace     time.Duration
	retry     runners.RetryPolicy
	throttle  runners.ThrottleConfig
	cacheMode runners.CacheMode
	cachePath string
}

// readEngineOptions reads and checks the engine flags; every problem is a usage error.
func readEngineOptions(c *cli.Context, getenv func(string) string) (*engineOptions, []string, error) {
	o := &engineOptions{repeats: c.Int("repeats"), retryErrors: c.Bool("retry-errors"),
		maxCost: c.Float64("max-cost"), maxTokens: c.Int("max-tokens-total"), progress: c.String("progress"),
		grace: c.Duration("grace")}
	var problems, notes []string
	shard, note, err := shardFromFlags(c.String("shard"), c.Int("shards"), getenv)
	if err != nil {
		problems = append(problems, err.Error())
	}
	o.shard = shard
	if note != "" {
		notes = append(notes, note)
	}
	if c.Int("repeats") < 0 {
		problems = append(problems, "--repeats cannot be negative")
	}
	if o.maxErrorRate, err = readMaxErrorRate(c); err != nil {
		problems = append(problems, err.Error())
	}
	if o.maxCost < 0 || o.maxTokens < 0 {
		problems = append(problems, "--max-cost and --max-tokens-total cannot be negative")
	}
	if !slices.Contains(progressModes, o.progress) {
		problems = append(problems, fmt.Sprintf("--progress %q: want one of %s", o.progress, strings.Join(progressModes, ", ")))
	}
	if c.Int("retries") < 0 {
		problems = append(problems, "--retries cannot be negative")
	}
	if o.grace < 0 {
		problems = append(problems, "--grace cannot be negative")
	}
	onRateLimit, err := runners.ParseRateLimitMode(c.String("on-rate-limit"))
	if err != nil {
		problems = append(problems, "--on-rate-limit: "+err.Error())
	}
	o.retry = runners.RetryPolicy{MaxAttempts: c.Int("retries") + 1, BaseDelay: c.Duration("retry-delay"),
		MaxWait: c.Duration("max-retry-wait"), OnRateLimit: onRateLimit}
	o.throttle = runners.ThrottleConfig{RPM: c.Int("rpm"), TPM: c.Int("tpm"), MaxConcurrency: c.Int("concurrency"), Fixed: !c.Bool("adaptive")}
	if o.throttle.RPM < 0 || o.throttle.TPM < 0 {
		problems = append(problems, "--rpm and --tpm cannot be negative")
	}
	if o.cacheMode, err = runners.ParseCacheMode(c.String("cache")); err != nil {
		problems = append(problems, "--cache: "+err.Error())
	}
	o.cachePath = c.String("cache-path")
	if o.cachePath == "" && o.cacheMode != runners.CacheOff {
		dir, err := os.UserCacheDir()
		if err != nil {
			problems = append(problems, fmt.Sprintf("--cache %s: no user cache directory (%v); give --cache-path", o.cacheMode, err))
		}
		o.cachePath = filepath.Join(dir, "realx", "responses.sqlite")
	}
	if len(problems) > 0 {
		return nil, nil, errors.New(strings.Join(problems, "; "))
	}
	return o, notes, nil
}

// shardFromFlags works out the shard from --shard and --shards and the environment:
//   - --shard i/N names it;
//   - --shard auto, or a shard count from --shards or REALX_SHARDS, takes i from
//     JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (less
//     SLURM_ARRAY_TASK_MIN), and N from --shards, REALX_SHARDS or SLURM_ARRAY_TASK_COUNT;
//   - otherwise the run covers every sample, with a note when it runs in an array job, since
//     an array of whole runs is more often a mistake than a wish.
func shardFromFlags(flag string, shards int, getenv func(string) string) (*reports.Shard, string, error) {
	if shards < 0 {
		return nil, "", errors.New("--shards cannot be negative")
	}
	count, countFrom := shards, "--shards"
	if count == 0 {
		if v := getenv(shardsEnv); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, "", fmt.Errorf("%s=%q: want a positive number", shardsEnv, v)
			}
			count, countFrom = n, shardsEnv
		}
	}
	if flag != "" && flag != "auto" {
		s, err := reports.ParseShard(flag)
		if err != nil {
			return nil, "", fmt.Errorf("--shard: %v", err)
		}
		if count != 0 && count != s.Count && countFrom == "--shards" {
			return nil, "", fmt.Errorf("--shard %s and --shards %d disagree", flag, count)
		}
		return s, "", nil
	}
	index, indexFrom, err := shardIndexFromEnv(getenv)
	if err != nil {
		return nil, "", err
	}
	if flag == "" && count == 0 {
		if indexFrom != "" {
			return nil, fmt.Sprintf("%s is set but the run covers every sample; give --shard auto (or --shards N) to split it", indexFrom), nil
		}
		return nil, "", nil
	}
	if indexFrom == "" {
		return nil, "", fmt.Errorf("--shard auto: neither %s nor %s is set", k8sIndexEnv, slurmIndexEnv)
	}
	if count == 0 && indexFrom == slurmIndexEnv {
		if v := getenv(slurmCountEnv); v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				count = n
			}
		}
	}
	if count == 0 {
		return nil, "", fmt.Errorf("--shard auto: the number of shards is unknown; give --shards N or set %s", shardsEnv)
	}
	s := &reports.Shard{Index: index, Count: count}
	if err := s.Check(); err != nil {
		return nil, "", fmt.Errorf("%s=%d: %v", indexFrom, index, err)
	}
	return s, "", nil
}

// shardIndexFromEnv returns the array index of a Kubernetes Indexed Job or a Slurm job array,
// and the variable it came from ("" when there is none).
func shardIndexFromEnv(getenv func(string) string) (int, string, error) {
	for _, name := range []string{k8sIndexEnv, slurmIndexEnv} {
		v := getenv(name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return 0, "", fmt.Errorf("%s=%q: want a number", name, v)
		}
		if name == slurmIndexEnv {
			if m, err := strconv.Atoi(getenv(slurmMinIndexEnv)); err == nil {
				i -= m
			}
		}
		return i, name, nil
	}
	return 0, "", nil
}

// job is one repeat of one sample of one suite to run.
type job struct {
	p      *plan
	s      *tasks.Sample
	repeat int
	// judged, when set, is the sample's record whose judge failed: the job grades its output
	// again instead of calling the model.
	judged *reports.Result
}

// key returns the key of j's record.
func (j job) key() reports.Key {
	return reports.Key{Suite: j.p.suite.Name, ID: j.s.ID, Repeat: j.repeat}
}

// engine runs the samples of `realx run`: it owns the model's middleware (seeds per repeat,
// cache, retries, throttle), the budget and the stop of a run.
type engine struct {
	opts     *engineOptions
	prices   *reports.Prices
	throttle *runners.Throttle
	cache    *runners.Cache
	progress *progress

	mu     sync.Mutex
	spent  runners.Usage // by the run's earlier sessions (from the log) and this one
	stop   string        // why no new sample starts; "" while they do
	fatal  error         // what ended the run
	cancel context.CancelCauseFunc
}

// The reasons a run stops early.
const (
	stopInterrupt = "interrupt"
	stopCost      = "max-cost"
	stopTokens    = "max-tokens-total"
)

// newEngine sets up the engine of a run of model under opts.
func newEngine(opts *engineOptions, model *modelSpec) (*engine, error) {
	e := &engine{opts: opts, prices: model.Prices}
	if opts.maxCost > 0 && model.Prices == nil {
		return nil, fmt.Errorf("--max-cost needs the prices of %s: give them in a models file (--models) under prices: {input: USD, output: USD} per million tokens", model.Label)
	}
	var err error
	if e.throttle, err = runners.NewThrottle(opts.throttle); err != nil {
		return nil, err
	}
	if opts.cacheMode != runners.CacheOff {
		if e.cache, err = runners.OpenCache(opts.cachePath); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// close releases the cache.
func (e *engine) close() error {
	if e.cache != nil {
		return e.cache.Close()
	}
	return nil
}

// client returns the model behind ep as the run calls it: answers from the cache when it is
// on, every call paced by the throttle and retried.
func (e *engine) client(ep runners.Endpoint) runners.Model {
	policy := e.opts.retry
	policy.OnRetry = func(runners.RetryEvent) {
		if p := e.progress; p != nil {
			p.retry()
		}
	}
	var m runners.Model = runners.NewOpenAI(ep)
	m = runners.WithThrottle(m, e.throttle)
	m = runners.WithRetry(m, policy)
	m = &meter{m: m, e: e}
	return runners.WithCache(m, e.cache, e.opts.cacheMode, runners.EndpointID(ep))
}

// meter is a Model that counts the tokens the endpoint answered with (cache hits never reach
// it) against the run's budget, and turns a 429 under --on-rate-limit fail into the end of
// the run.
type meter struct {
	m runners.Model
	e *engine
}

// Chat sends req and counts its tokens.
func (m *meter) Chat(ctx context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error) {
	resp, err := m.m.Chat(ctx, req)
	if err == nil {
		m.e.addSpent(resp.Usage)
	} else if errors.Is(err, runners.ErrRateLimited) {
		m.e.fail(fmt.Errorf("%w; the run stops (finished samples are kept: run the same command again to resume, or use --on-rate-limit wait)", err))
	}
	return resp, err
}

// addSpent counts u against the budget.
func (e *engine) addSpent(u runners.Usage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.spent = e.spent.Add(u.Counted())
}

// cost returns what the run has cost so far, in US dollars.
func (e *engine) cost() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.prices.Cost(e.spent)
}

// overBudget returns the budget the run has used up, or "".
func (e *engine) overBudget() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.opts.maxCost > 0 && e.prices.Cost(e.spent) >= e.opts.maxCost:
		return stopCost
	case e.opts.maxTokens > 0 && e.spent.Total >= e.opts.maxTokens:
		return stopTokens
	}
	return ""
}

// halt stops the run from starting samples, for reason; it reports whether this call did it.
func (e *engine) halt(reason string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stop != "" {
		return false
	}
	e.stop = reason
	return true
}

// stopped returns why no new sample starts, "" while they do.
func (e *engine) stopped() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stop
}

// fail ends the run with err: no sample starts, and the samples in flight are canceled.
func (e *engine) fail(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fatal == nil {
		e.fatal = err
		if e.cancel != nil {
			e.cancel(err)
		}
	}
}

// failed reports whether a run-fatal error has ended the run.
func (e *engine) failed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fatal != nil
}

// runState is a run directory opened for a run: its manifest, log and the samples it has.
type runState struct {
	dir      string
	manifest *reports.Manifest
	log      *reports.Writer
	index    *reports.Index
	resumed  bool
}

// openRun opens the run directory dir for the run described by m: a new directory gets m;
// a directory holding the same run (reports.RunDiff) is resumed, keeping its manifest; any
// other is refused with a usage error, so that two runs never share one log. A log with a
// line that cannot be read, but for a torn last line, is refused too (indexRun); a torn last
// line, the record a killed run was writing, is dropped with a note on warn.
func openRun(dir string, m *reports.Manifest, retryErrors bool, warn io.Writer) (*runState, error) {
	st := &runState{dir: dir, manifest: m}
	prev, err := reports.ReadManifest(dir)
	switch {
	case err == nil:
		// A manifest written before base URLs were recorded without credentials compares as
		// if it had been.
		cmp := *prev
		cmp.Model.BaseURL = runners.RedactURL(prev.Model.BaseURL)
		if diff := reports.RunDiff(&cmp, m, true); len(diff) > 0 {
			return nil, usageError("run: %s holds another run (%s); choose another --out, or run the same command as it:\n  %s",
				dir, strings.Join(diff, "; "), strings.Join(runners.RedactArgs(prev.Command), " "))
		}
		st.manifest, st.resumed = prev, true
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Lstat(filepath.Join(dir, reports.ResultsFile)); serr == nil {
			return nil, usageError("run: %s has a results log but no %s; choose another --out", dir, reports.ManifestFile)
		}
		if retryErrors {
			return nil, usageError("run: --retry-errors: %s holds no run to retry", dir)
		}
		if err := reports.WriteManifest(dir, m); err != nil {
			return nil, err
		}
	default:
		return nil, usageError("run: %v", err)
	}
	path := filepath.Join(dir, reports.ResultsFile)
	// The log is read before it is opened for writing, so that a damaged one is left as it is.
	if st.resumed && exists(path) {
		if st.index, err = indexRun(path); err != nil {
			return nil, err
		}
	}
	if st.log, err = reports.OpenLog(path); err != nil {
		return nil, err
	}
	if cut := st.log.Cut(); cut != nil || st.index == nil {
		if cut != nil {
			fmt.Fprintf(warn, "realx: note: %s:%d: the last record was cut short when the run was stopped (%d bytes, no newline): it is dropped, and its sample runs again\n",
				path, cut.Line, cut.Bytes)
		}
		if st.index, err = indexRun(path); err != nil {
			st.log.Close()
			return nil, err
		}
	}
	return st, nil
}

// indexRun indexes the results log at path for a resumed run. A line that cannot be read,
// other than a torn last line (which OpenLog drops), is a damaged log: an error naming the
// file and the line, since resuming over it would run its sample again and bury what the line
// held.
func indexRun(path string) (*reports.Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var bad reports.BadLines
	ix, err := reports.IndexLog(f, path, bad.Add)
	if err != nil {
		return nil, err
	}
	if se := bad.Damaged(); se != nil {
		more := ""
		if n := bad.Len(); n > 1 {
			more = fmt.Sprintf(" (%d lines of it cannot be read)", n)
		}
		return nil, cli.Exit(fmt.Sprintf("realx: run: %v: the results log is damaged%s; realx does not resume over it, since the samples of such lines would run again as if never recorded. Keep a copy of the file, then mend or delete the lines it cannot read and run the same command again, or start afresh with another --out",
			se, more), 2)
	}
	return ix, nil
}

// todo splits the run's jobs into those to run now and the finished ones' entries. A job runs
// when its sample has no record yet (not with retryErrors, which runs only samples that have
// one) or when its last record is not finished (reports.Entry.Finished): an input error (checked
// again before any model call), an infrastructure error or a canceled sample. A judge error is
// not run again but graded again: its job carries the record, read from the log, whose output
// is judged (rejudge counts how many).
func (st *runState) todo(all []job, retryErrors bool) (run []job, rejudge int, finished []reports.Entry, err error) {
	var judged []reports.Entry
	at := map[reports.Key]int{}
	for _, j := range all {
		e, ok := st.index.Lookup(j.key())
		switch {
		case !ok:
			if !retryErrors {
				run = append(run, j)
			}
		case e.Finished():
			finished = append(finished, e)
		case e.Class == reports.ErrJudge:
			at[j.key()] = len(run)
			judged = append(judged, e)
			run = append(run, j)
		default:
			run = append(run, j)
		}
	}
	if len(judged) == 0 {
		return run, 0, finished, nil
	}
	path := filepath.Join(st.dir, reports.ResultsFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	defer f.Close()
	err = reports.ReadRecords(f, path, judged, func(r *reports.Result) error {
		run[at[r.Key()]].judged = r
		return nil
	})
	return run, len(judged), finished, err
}

// outcome says how a session of a run ended.
type outcome struct {
	// ran counts the records this session wrote.
	ran int
	// stop is why the session stopped early ("" when every job ran).
	stop string
}

// errGraceOver is why the samples in flight are canceled when --grace runs out.
var errGraceOver = fmt.Errorf("the grace period after the interrupt is over: %w", context.Canceled)

// execute runs jobs with the throttle's concurrency (at most -c), writing each result to log
// as it finishes. It stops starting jobs when a budget is used up, and lets those in flight
// finish. At the first interrupt it stops starting jobs too, and gives those in flight
// --grace to finish; then, or when ctx ends (the second interrupt), they are canceled and
// recorded as canceled (interrupted), so that a resumed run does them again. A failure to
// write the log, or a 429 under --on-rate-limit fail, ends the run with an error, the samples
// in flight canceled and not recorded.
func (e *engine) execute(ctx context.Context, jobs []job, runID, model string, log *reports.Writer) (outcome, error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	e.mu.Lock()
	e.cancel = cancel
	e.mu.Unlock()
	done := make(chan struct{})
	defer close(done)
	if soft := softStop(ctx); soft != nil {
		go func() {
			select {
			case <-soft:
			case <-done:
				return
			}
			e.halt(stopInterrupt)
			e.progress.note("stopping: no new samples start; those in flight have %s to finish (--grace), then they are canceled (Ctrl-C again to cancel them now)", e.opts.grace)
			grace := time.NewTimer(e.opts.grace)
			defer grace.Stop()
			select {
			case <-grace.C:
				e.progress.note("the grace period is over: canceling the samples in flight (they run again on resume)")
				cancel(errGraceOver)
			case <-done:
			}
		}()
	}
	var mu sync.Mutex
	ran := 0
	pool := runners.NewPool(e.throttle)
	err := pool.Run(runCtx, len(jobs), func(ctx context.Context, i int) error {
		if e.stopped() != "" || ctx.Err() != nil {
			return nil
		}
		j := jobs[i]
		if reason := e.overBudget(); reason != "" && j.judged == nil { // grading again is free
			e.halt(reason)
			return nil
		}
		var res *reports.Result
		if j.judged != nil {
			res = j.p.regrade(ctx, runID, j.judged, j.s)
		} else {
			res = j.p.evaluate(ctx, runID, model, j.s, j.repeat)
		}
		res.Repeat = j.repeat
		if res.Error != nil && (ctx.Err() != nil || res.Error.Class == reports.ErrCanceled) {
			if e.failed() {
				return nil // stopped by the run's fatal error: not recorded, run again on resume
			}
			interrupted(res)
		}
		if err := log.Write(res); err != nil {
			return fmt.Errorf("writing the results log: %w", err)
		}
		mu.Lock()
		ran++
		mu.Unlock()
		e.progress.sample(res, e.cost())
		if reason := e.overBudget(); reason != "" && e.halt(reason) {
			e.progress.note("%s: no new samples start; waiting for those in flight", e.budgetText(reason))
		}
		return nil
	})
	e.mu.Lock()
	fatal := e.fatal
	e.cancel = nil
	e.mu.Unlock()
	out := outcome{ran: ran, stop: e.stopped()}
	switch {
	case fatal != nil:
		return out, fatal
	case ctx.Err() != nil:
		out.stop = stopInterrupt
		return out, nil
	case err != nil && !errors.Is(err, context.Canceled):
		return out, err
	}
	return out, nil
}

// interrupted marks res, the record of a sample canceled by an interrupt before it finished,
// as canceled: it has no verdict, keeps what the sample did so far (its trajectory, its
// tokens), and runs again when the run resumes.
func interrupted(res *reports.Result) {
	res.Error = &reports.Failure{Class: reports.ErrCanceled,
		Message: "interrupted: the run was stopped before this sample finished; it runs again when the run resumes (" + res.Error.Message + ")"}
}

// repeats returns how many times the samples of p run: --repeats, else the suite's repeats,
// else once.
func (e *engine) repeats(p *plan) int {
	if e.opts.repeats > 0 {
		return e.opts.repeats
	}
	return max(p.suite.Repeats, 1)
}

// budgetText says which budget a run used up.
func (e *engine) budgetText(reason string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if reason == stopCost {
		return fmt.Sprintf("the run has cost $%.4f, --max-cost is $%g", e.prices.Cost(e.spent), e.opts.maxCost)
	}
	return fmt.Sprintf("the run has used %d tokens, --max-tokens-total is %d", e.spent.Total, e.opts.maxTokens)
}

// runPlans runs plans with model into the run directory (--out), resuming it when it holds
// the same run, then prints the summary and the accuracy table (and the repeats table when
// samples are repeated).
func (e *engine) runPlans(c *cli.Context, plans []*plan, model *modelSpec) error {
	out := c.String("out")
	if out == "" {
		names := make([]string, len(plans))
		for i, p := range plans {
			names[i] = p.suite.Name
		}
		out = filepath.Join("runs", safeName(model.Label), strings.Join(names, "+"))
		if s := e.opts.shard; s != nil {
			out = filepath.Join(out, fmt.Sprintf("shard-%d-of-%d", s.Index, s.Count))
		}
	}
	now := time.Now()
	m := &reports.Manifest{
		V: reports.SchemaVersion, Run: reports.NewRunID(now), Created: now.UTC(), Realx: version,
		Command: commandLine(c), Workdir: workdir(),
		Model:       reports.ModelInfo{Name: model.Label, BaseURL: runners.RedactURL(model.Endpoint.BaseURL), APIKeyEnv: model.KeyEnv, Prices: model.Prices},
		Concurrency: c.Int("concurrency"), Limit: c.Int("limit"), Shard: e.opts.shard,
	}
	if e.opts.repeats > 1 {
		m.Repeats = e.opts.repeats
	}
	repeated := false
	for _, p := range plans {
		info := p.suiteInfo()
		info.Generation = p.agent.Generation
		if r := e.repeats(p); r > 1 {
			info.Repeats, repeated = r, true
		}
		m.Suites = append(m.Suites, info)
		m.Judges = append(m.Judges, p.judgeInfo())
	}
	m.Endpoints = endpointsOf(plans, model.endpoint())
	unlock, err := lockRun(c.Context, out, c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := openRun(out, m, e.opts.retryErrors, c.App.ErrWriter)
	if err != nil {
		return err
	}
	closeJudges, err := openJudgeCaches(plans, out)
	if err != nil {
		st.log.Close()
		return err
	}
	defer closeJudges()
	blobs := &reports.Blobs{Dir: filepath.Join(out, reports.BlobsDir)}
	for _, p := range plans {
		p.agent.Blobs = blobs
	}
	// Repeat 0 of every sample first, so that a run stopped early has whole repeats.
	var all []job
	for r := 0; ; r++ {
		more := false
		for _, p := range plans {
			if r >= e.repeats(p) {
				continue
			}
			more = true
			for i := range p.samples {
				if s := &p.samples[i]; e.opts.shard.Has(p.suite.Name, s.ID) {
					all = append(all, job{p: p, s: s, repeat: r})
				}
			}
		}
		if !more {
			break
		}
	}
	jobs, rejudge, finished, err := st.todo(all, e.opts.retryErrors)
	if err != nil {
		st.log.Close()
		return err
	}
	e.spent = st.index.Tokens
	stderr := c.App.ErrWriter
	e.progress = newProgress(stderr, e.opts.progress, e.prices != nil)
	for _, ep := range m.Endpoints {
		e.progress.endpoint(ep)
	}
	if st.resumed {
		what := "resuming"
		if e.opts.retryErrors {
			what = "retrying the errors of"
		}
		regraded := ""
		if rejudge > 0 {
			regraded = fmt.Sprintf(" (%d of them judge failures, graded again without a model call)", rejudge)
		}
		e.progress.note("%s %s: %d samples finished, %d to run%s", what, out, len(finished), len(jobs), regraded)
	}
	e.progress.begin(len(finished)+len(jobs), finished, e.cost())
	res, err := e.execute(c.Context, jobs, st.manifest.Run, model.Label, st.log)
	e.progress.end(res.stop)
	if cerr := st.log.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if e.cache != nil {
		cs := e.cache.Stats()
		fmt.Fprintf(stderr, "realx: response cache %s: %d hits, %d misses, %d stored\n", e.cache.Path(), cs.Hits, cs.Misses, cs.Writes)
	}
	if ts := e.throttle.Stats(); ts.Decreases > 0 {
		fmt.Fprintf(stderr, "realx: the endpoint pushed back (%d rate-limited, %d overloaded): concurrency lowered %d times, %d at the end\n",
			ts.RateLimited, ts.Overloaded, ts.Decreases, ts.Limit)
	}
	left, failed, err := summarize(out, all)
	if err != nil {
		return err
	}
	nFailed := 0
	for _, n := range failed {
		nFailed += n
	}
	fmt.Fprintf(stderr, "realx: %d samples, %d run now, %d without a verdict, %d not run; results in %s\n", len(all), res.ran, nFailed, left, out)
	if err := reports.PrintAccuracy(c.App.Writer, []string{out}, stderr, c.String("format")); err != nil {
		return err
	}
	if repeated {
		t, err := reports.NewRepeats("capability", nil)
		if err != nil {
			return err
		}
		if err := reports.Print(c.App.Writer, []string{out}, nil, stderr, t, c.String("format"), 1); err != nil {
			return err
		}
	}
	switch res.stop {
	case stopInterrupt:
		return cli.Exit(fmt.Sprintf("realx: interrupted with %d samples not run (%d of them canceled); run the same command again to resume",
			left+failed[reports.ErrCanceled], failed[reports.ErrCanceled]), exitInterrupted)
	case stopCost, stopTokens:
		return cli.Exit(fmt.Sprintf("realx: stopped: %s; %d samples not run. The run resumes when the same command is run again with a larger budget", e.budgetText(res.stop), left), exitBudget)
	}
	return incomplete(failed, left, len(all), e.opts.maxErrorRate,
		"run the same command again to retry them (a judge failure is graded again, without a model call), or add --retry-errors to retry only them")
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

// summarize counts, among the run's jobs, those without a record and, by error class, those
// whose last record has no verdict.
func summarize(dir string, all []job) (left int, failed map[reports.ErrorClass]int, err error) {
	f, err := os.Open(filepath.Join(dir, reports.ResultsFile))
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	ix, err := reports.IndexLog(f, f.Name(), nil)
	if err != nil {
		return 0, nil, err
	}
	failed = map[reports.ErrorClass]int{}
	for _, j := range all {
		e, ok := ix.Lookup(j.key())
		switch {
		case !ok:
			left++
		case e.Class != "":
			failed[e.Class]++
		}
	}
	return left, failed, nil
}

// interrupt is the two-stage stop of main: the first signal asks a command that can stop
// gracefully (softStop) to start no more work, or cancels the context of one that cannot; the
// next cancels it.
type interrupt struct {
	mu     sync.Mutex
	n      int
	soft   chan struct{}
	drains bool
	cancel context.CancelFunc
}

// newInterrupt returns an interrupt whose hard stop calls cancel.
func newInterrupt(cancel context.CancelFunc) *interrupt {
	return &interrupt{soft: make(chan struct{}), cancel: cancel}
}

// signal takes one interrupt.
func (in *interrupt) signal() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.n++
	if in.n == 1 && in.drains {
		close(in.soft)
		return
	}
	in.cancel()
}

type interruptKey struct{}

// withInterrupt returns ctx carrying in.
func withInterrupt(ctx context.Context, in *interrupt) context.Context {
	return context.WithValue(ctx, interruptKey{}, in)
}

// softStop returns the channel closed at the first interrupt, and from then on lets the first
// interrupt stop the caller gracefully instead of canceling ctx; nil when ctx carries no
// interrupt.
func softStop(ctx context.Context) <-chan struct{} {
	in, _ := ctx.Value(interruptKey{}).(*interrupt)
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.drains = true
	return in.soft
}
