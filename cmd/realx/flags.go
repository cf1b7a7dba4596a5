package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
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
		graceFlag(),
		progressFlag(),
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

// concurrencyFlag is -c, of run, score, rejudge and judge; what says what runs at once.
func concurrencyFlag(what string) cli.Flag {
	return &cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: realx.DefaultConcurrency, Usage: what + " in flight at once"}
}

// graceFlag is --grace, of run and score.
func graceFlag() cli.Flag {
	return &cli.DurationFlag{Name: "grace", Value: realx.DefaultGrace, Usage: "after the first Ctrl-C or SIGTERM, how long the samples in flight may go on; then they are canceled, recorded as canceled, and run again on resume (0: at once)"}
}

// progressFlag is --progress, of run, score and rejudge.
func progressFlag() cli.Flag {
	return &cli.StringFlag{Name: "progress", Value: reports.ProgressAuto, Usage: "progress on stderr: auto (a bar on a terminal, else lines), bar, lines, json or none"}
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

// schedule are the flags of the commands that grade samples: -c, --progress and --grace.
type schedule struct {
	concurrency int
	progress    string
	// grace is how long samples in flight may go on after the first interrupt.
	grace time.Duration
}

// readSchedule reads and checks -c, --progress and --grace (each where the command has it),
// returning the problems it finds.
func readSchedule(c *cli.Context) (schedule, []string) {
	s := schedule{concurrency: c.Int("concurrency"), progress: c.String("progress"), grace: c.Duration("grace")}
	var problems []string
	if s.concurrency < 1 {
		problems = append(problems, "-c must be at least 1")
	}
	if s.progress != "" && !slices.Contains(reports.ProgressModes, s.progress) {
		problems = append(problems, fmt.Sprintf("--progress %q: want one of %s", s.progress, strings.Join(reports.ProgressModes, ", ")))
	}
	if s.grace < 0 {
		problems = append(problems, "--grace cannot be negative")
	}
	return s, problems
}

// engineOptions are the engine flags of run, checked.
type engineOptions struct {
	schedule
	shard *reports.Shard
	// repeats is --repeats, 0 when not given (each suite's repeats apply).
	repeats     int
	retryErrors bool
	// maxErrorRate is --max-error-rate.
	maxErrorRate float64
	maxCost      float64
	maxTokens    int
	retry        runners.RetryPolicy
	throttle     runners.ThrottleConfig
	cacheMode    runners.CacheMode
	cachePath    string
}

// readEngineOptions reads and checks the engine flags; every problem is a usage error.
func readEngineOptions(c *cli.Context, getenv func(string) string) (*engineOptions, []string, error) {
	o := &engineOptions{repeats: c.Int("repeats"), retryErrors: c.Bool("retry-errors"),
		maxCost: c.Float64("max-cost"), maxTokens: c.Int("max-tokens-total")}
	var notes []string
	sched, problems := readSchedule(c)
	o.schedule = sched
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
	if c.Int("retries") < 0 {
		problems = append(problems, "--retries cannot be negative")
	}
	onRateLimit, err := runners.ParseRateLimitMode(c.String("on-rate-limit"))
	if err != nil {
		problems = append(problems, "--on-rate-limit: "+err.Error())
	}
	o.retry = runners.RetryPolicy{MaxAttempts: c.Int("retries") + 1, BaseDelay: c.Duration("retry-delay"),
		MaxWait: c.Duration("max-retry-wait"), OnRateLimit: onRateLimit}
	o.throttle = runners.ThrottleConfig{RPM: c.Int("rpm"), TPM: c.Int("tpm"), Fixed: !c.Bool("adaptive")}
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

// judgeFlags are the flags of run, score, rejudge and judge that say where LLM judges are
// asked and where their verdicts are kept.
func judgeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "judge-model", EnvVars: []string{"REALX_JUDGE_MODEL"}, Usage: "the LLM judge's model (PROVIDER:MODEL or a name with --judge-base-url); overrides the suite's"},
		&cli.StringFlag{Name: "judge-base-url", EnvVars: []string{"REALX_JUDGE_BASE_URL"}, Usage: "the LLM judge's OpenAI-compatible base URL; overrides the suite's"},
		&cli.StringFlag{Name: "judge-api-key-env", EnvVars: []string{"REALX_JUDGE_API_KEY_ENV"}, Usage: "the environment variable holding the LLM judge's API key; overrides the suite's"},
		&cli.StringFlag{Name: "judge-cache", Usage: "the directory of the LLM judge's verdict cache (default: the run directory)"},
		&cli.DurationFlag{Name: "judge-timeout", Value: judges.DefaultTimeout, Usage: "time limit of one LLM judge request"},
		&cli.DurationFlag{Name: "judge-retry-wait", Value: judges.DefaultBackoff, Usage: "the wait before an LLM judge request is tried again (doubling for each further try)"},
		trustFlagOf(),
	}
}

// specFromJudgeFlag returns the judge --judge names: the judge in a YAML file (read as strictly
// as a suite's judge section; fromFile is then true), or a bare kind. --judge-template gives an
// llm kind its prompt: a shipped template's name, or a template file.
func specFromJudgeFlag(c *cli.Context) (spec tasks.JudgeSpec, fromFile bool, err error) {
	arg := c.String("judge")
	if st, serr := os.Stat(arg); serr == nil && !st.IsDir() {
		if c.IsSet("judge-template") {
			return spec, true, fmt.Errorf("--judge-template does not go with a judge file (%s): put the template in it", arg)
		}
		jf, err := tasks.LoadJudgeFile(arg)
		if err != nil {
			return spec, true, err
		}
		return jf.Spec, true, nil
	}
	spec.Kind = arg
	switch t := c.String("judge-template"); {
	case t == "":
	case slices.Contains(judges.Templates(), t):
		spec.Template = t
	default:
		data, err := os.ReadFile(t)
		if err != nil {
			return spec, false, fmt.Errorf("--judge-template %s: not a shipped template (%s), and %w", t, strings.Join(judges.Templates(), ", "), err)
		}
		spec.TemplateFile, spec.TemplateText = t, string(data)
	}
	return spec, false, nil
}

// readJudgeConfig reads the judge flags into how an Engine builds judges; getenv reads API
// keys, and models (a models file's entries, nil for none) gives LLM judges their prices.
func readJudgeConfig(c *cli.Context, getenv func(string) string, models map[string]runners.ModelEntry) (realx.JudgeConfig, error) {
	jc := realx.JudgeConfig{
		Override: judges.Override{Model: c.String("judge-model"), BaseURL: c.String("judge-base-url"), APIKeyEnv: c.String("judge-api-key-env")},
		CacheDir: c.String("judge-cache"), Timeout: c.Duration("judge-timeout"), Backoff: c.Duration("judge-retry-wait"),
		Getenv: getenv, Trust: c.Bool(realx.TrustFlag),
	}
	if jc.Timeout <= 0 {
		return jc, errors.New("--judge-timeout must be positive")
	}
	if jc.Backoff == 0 {
		jc.Backoff = -1 // no wait
	}
	jc.Prices = func(model string) *runners.Prices {
		for name, e := range models {
			if name == model || e.Model == model {
				return e.Prices
			}
		}
		return nil
	}
	return jc, nil
}

// trustFlagOf is --trust-suite-endpoints, of run, score, rejudge and judge.
func trustFlagOf() cli.Flag {
	return &cli.BoolFlag{Name: realx.TrustFlag, Usage: "send an API key to an LLM judge endpoint that a suite or judge file names (base_url); without it such a suite is refused before any call"}
}

// given returns the value of flag name when it was given on the command line, else nil, so
// that an unset flag leaves the suite's setting alone (and a flag set to 0 still counts).
func given[T any](c *cli.Context, name string, get func(string) T) *T {
	if !c.IsSet(name) {
		return nil
	}
	v := get(name)
	return &v
}
