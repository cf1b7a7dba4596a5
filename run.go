package realx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/tasks"
)

// The reasons a run stops before its end (Outcome.Stop).
const (
	// StopInterrupt: Interrupt, or the run's context ended.
	StopInterrupt = runners.StopInterrupt
	// StopCost and StopTokens: a budget is used up (Run.MaxCost, Run.MaxTokens).
	StopCost   = "max-cost"
	StopTokens = "max-tokens-total"
)

// DefaultGrace is how long the samples in flight may go on after Interrupt when a Run sets no
// Grace: long enough for most model calls in flight to end (and their tokens, already paid
// for, to be kept), short enough for a Kubernetes pod's default 30 s termination grace period
// to see realx exit on its own, its log flushed, before SIGKILL.
const DefaultGrace = 25 * time.Second

// Run is one run of plans into a run directory: what it evaluates (its manifest), how much of
// it (shard, repeats), within what budget, and how it resumes.
type Run struct {
	// Dir is the run directory. A directory that holds the same run is resumed: its samples
	// without a finished record run, the others are kept. Any other run there is refused.
	Dir string
	// Model is the model the plans' agents call (Engine.Connect); nil for a run that grades
	// its plans' Predictions, whose model Label names.
	Model *Model
	Label string
	// Repeats runs each sample so many times (repeat i of a sample with seed+i, when a seed
	// is set); 0 takes each suite's repeats, or once.
	Repeats int
	// Shard is the part of the samples the run covers; nil for every sample.
	Shard *reports.Shard
	// RetryErrors runs only the samples whose last record has an error (a judge error is
	// graded again without a model call); a directory with no run is refused.
	RetryErrors bool
	// MaxCost and MaxTokens stop the run from starting samples once it has cost so many US
	// dollars (the model's tokens at its prices, and the LLM judges' calls at theirs) or used
	// so many of the model's tokens, the run's earlier sessions included; 0 for no limit.
	MaxCost   float64
	MaxTokens int
	// Grace is how long the samples in flight may go on after Interrupt; DefaultGrace when 0,
	// none when negative.
	Grace time.Duration
	// Command, Version, Concurrency and Limit are recorded in the manifest: the command line
	// (without credentials in its URLs), the harness version, -c and --limit.
	Command     []string
	Version     string
	Concurrency int
	Limit       int
}

// Outcome says how a session of a run ended.
type Outcome struct {
	// Dir is the run directory.
	Dir string
	// Samples is the number of the run's samples (times their repeats, in the shard); Ran
	// counts the records this session wrote.
	Samples, Ran int
	// Stop says why the session stopped before the run's end: StopInterrupt, StopCost or
	// StopTokens; "" when it did not.
	Stop string
	// Budget says which budget was used up, and how far, when Stop is StopCost or StopTokens.
	Budget string
	// NotRun counts the samples without a record; Failed those whose last record has no
	// verdict, by error class.
	NotRun int
	Failed map[reports.ErrorClass]int
	// Repeated is set when the run repeats its samples.
	Repeated bool
}

// Unfinished returns how many samples have no verdict: not run, or failed.
func (o *Outcome) Unfinished() int {
	n := o.NotRun
	for _, k := range o.Failed {
		n += k
	}
	return n
}

// ConfigError is a problem with what a run was asked to do, found before any model call: a
// directory that holds another run, a damaged log, a budget in dollars without prices. The
// realx command exits 2 on it.
type ConfigError struct{ Err error }

// Error returns the problem.
func (e *ConfigError) Error() string { return e.Err.Error() }

// Unwrap returns the problem.
func (e *ConfigError) Unwrap() error { return e.Err }

// Problems are the problems of suites, judge files or data that a command was given, each
// told on a line of its own, most at their file:line:col. The realx command exits 2 on them.
type Problems []error

// Error lists the problems, one a line.
func (ps Problems) Error() string { return errors.Join(ps...).Error() }

// Unwrap returns the problems.
func (ps Problems) Unwrap() []error { return ps }

// configError returns a ConfigError of a message.
func configError(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// DefaultDir returns the run directory of a run of model (its label) on plans in the working
// directory: runs/MODEL/SUITE+SUITE…, and shard-I-of-N under it for a shard.
func DefaultDir(model string, plans []*Plan, shard *reports.Shard) string {
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = p.Suite.Name
	}
	out := filepath.Join("runs", safeName(model), strings.Join(names, "+"))
	if shard != nil {
		out = filepath.Join(out, fmt.Sprintf("shard-%d-of-%d", shard.Index, shard.Count))
	}
	return out
}

// safeName turns a model name into a directory name.
func safeName(s string) string {
	var b strings.Builder
	unsafe := false
	for _, c := range s {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			if !unsafe {
				b.WriteByte('_')
			}
			unsafe = true
			continue
		}
		unsafe = false
		b.WriteRune(c)
	}
	if out := b.String(); out != "" && out != "." && out != ".." {
		return out
	}
	return "model"
}

// stamp sets what every manifest records of the command that made it: a new run id, the
// time, the harness version, the command line and the working directory.
func (r *Run) stamp(m *reports.Manifest, now time.Time) {
	m.V, m.Run, m.Created, m.Realx = reports.SchemaVersion, reports.NewRunID(now), now.UTC(), r.Version
	m.Command, m.Workdir = runners.RedactArgs(r.Command), workdir()
}

// workdir returns the directory realx runs in, recorded in manifests so that the relative
// paths they hold can be found again from elsewhere; "" when it cannot be told.
func workdir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return wd
}

// repeats returns how many times the samples of p run: once for predictions, else r.Repeats,
// else the suite's repeats, else once.
func (r *Run) repeats(p *Plan) int {
	if p.Predictions != nil {
		return 1
	}
	if r.Repeats > 0 {
		return r.Repeats
	}
	return max(p.Suite.Repeats, 1)
}

// manifest returns the manifest of r on plans.
func (r *Run) manifest(plans []*Plan) *reports.Manifest {
	m := &reports.Manifest{Concurrency: r.Concurrency, Limit: r.Limit, Shard: r.Shard}
	r.stamp(m, time.Now())
	var eps []reports.Endpoint
	switch {
	case r.Model != nil:
		m.Model = reports.ModelInfo{Name: r.Model.Label, BaseURL: runners.RedactURL(r.Model.Endpoint.BaseURL),
			APIKeyEnv: r.Model.KeyEnv, Prices: r.Model.Prices}
		eps = append(eps, r.Model.Describe())
	case len(plans) > 0 && plans[0].Predictions != nil:
		preds := plans[0].Predictions
		m.Model = reports.ModelInfo{Name: r.Label, Predictions: preds.Path, PredictionsDigest: preds.Digest}
	}
	if r.Repeats > 1 {
		m.Repeats = r.Repeats
	}
	for _, p := range plans {
		info := p.SuiteInfo()
		if k := r.repeats(p); k > 1 {
			info.Repeats = k
		}
		if r.Shard != nil {
			info.ShardSamples = p.capabilities(r.Shard)
		}
		m.Suites = append(m.Suites, info)
		m.Judges = append(m.Judges, p.JudgeInfo())
	}
	m.Endpoints = endpointsOf(plans, eps...)
	return m
}

// job is one repeat of one sample of one plan to run.
type job struct {
	p      *Plan
	s      *tasks.Sample
	repeat int
	// judged, when set, is the sample's record whose judge failed: the job grades its output
	// again instead of calling the model.
	judged *reports.Result
}

// key returns the key of j's record.
func (j job) key() reports.Key {
	return reports.Key{Suite: j.p.Suite.Name, ID: j.s.ID, Repeat: j.repeat}
}

// jobs returns every job of r on plans: repeat 0 of every sample first, so that a run stopped
// early has whole repeats.
func (r *Run) jobs(plans []*Plan) []job {
	var all []job
	for k := 0; ; k++ {
		more := false
		for _, p := range plans {
			if k >= r.repeats(p) {
				continue
			}
			more = true
			for i := range p.Samples {
				if s := &p.Samples[i]; r.Shard.Has(p.Suite.Name, s.ID) {
					all = append(all, job{p: p, s: s, repeat: k})
				}
			}
		}
		if !more {
			return all
		}
	}
}

// Run runs plans as r says, into r.Dir, resuming the run it holds, and returns how the session
// ended. Samples run as many at once as the Throttle of the model's endpoint allows (of the
// LLM judge's, for a run that grades predictions), each record written as its sample finishes.
// Before anything is written, one cheap request checks the model's endpoint (Engine.preflight,
// runners.Preflight) when the Engine makes its client (Config.Connect nil). A sample's failure
// is recorded in its record, and the run goes on; the returned error is a *ConfigError (before
// any model call) or a run-fatal error (a *runners.EndpointError: nothing listens at the
// endpoint, it refuses the key, it has no such model, found by the preflight or by a sample;
// the log cannot be written; a 429 under runners.RateLimitFail), with the samples in flight
// then canceled and not recorded. A
// run stopped by Interrupt, by its context or by its budget returns no error: Outcome.Stop
// says why, and running it again resumes it.
func (e *Engine) Run(ctx context.Context, plans []*Plan, r Run) (*Outcome, error) {
	if r.MaxCost > 0 && r.Model != nil && r.Model.Prices == nil {
		return nil, configError("--max-cost needs the prices of %s: give them in a models file (--models) under prices: {input: USD, output: USD} per million tokens", r.Model.Label)
	}
	m := r.manifest(plans)
	if slices.ContainsFunc(plans, func(p *Plan) bool { return p.search }) {
		info, err := e.searchInfo()
		if err != nil {
			return nil, err
		}
		m.Search = info
	}
	if r.Model != nil && e.cfg.Connect == nil {
		// Before the run directory is made: a mistyped URL leaves nothing behind that the
		// corrected command would find to be another run.
		if err := e.preflight(ctx, r.Model); err != nil {
			return nil, err
		}
	}
	unlock, err := reports.LockRun(ctx, r.Dir, e.log)
	if err != nil {
		return nil, err
	}
	defer unlock()
	d, err := openRun(r.Dir, m, r.RetryErrors)
	if err != nil {
		return nil, err
	}
	if d.Cut != nil {
		e.logf("realx: note: %s:%d: the last record was cut short when the run was stopped (%d bytes, no newline): it is dropped, and its sample runs again",
			d.Path(), d.Cut.Line, d.Cut.Bytes)
	}
	if err := e.OpenVerdicts(r.Dir); err != nil {
		d.Log.Close()
		return nil, err
	}
	defer e.closeVerdicts()
	blobs := &reports.Blobs{Dir: filepath.Join(r.Dir, reports.BlobsDir)}
	for _, p := range plans {
		if p.Agent != nil {
			p.Agent.Blobs = blobs
		}
	}
	all := r.jobs(plans)
	jobs, regrade, finished, err := pending(d, all, r.RetryErrors)
	if err != nil {
		d.Log.Close()
		return nil, err
	}
	e.mu.Lock()
	e.spent, e.extra = d.Index.Tokens, 0
	e.mu.Unlock()
	for _, ep := range m.Endpoints {
		e.obs.Endpoint(ep)
	}
	if d.Resumed {
		what := "resuming"
		if r.RetryErrors {
			what = "retrying the errors of"
		}
		regraded := ""
		if regrade > 0 {
			regraded = fmt.Sprintf(" (%d of them judge failures, graded again without a model call)", regrade)
		}
		e.obs.Note(fmt.Sprintf("%s %s: %d samples finished, %d to run%s", what, r.Dir, len(finished), len(jobs), regraded))
	}
	e.obs.Begin(len(finished)+len(jobs), finished, e.cost())
	out := &Outcome{Dir: r.Dir, Samples: len(all)}
	for _, p := range plans {
		out.Repeated = out.Repeated || r.repeats(p) > 1
	}
	out.Stop, out.Ran, err = e.execute(ctx, jobs, d, r, judgeEndpoints(plans))
	e.obs.End(out.Stop)
	if cerr := d.Log.Close(); err == nil {
		err = cerr
	}
	if m.Search != nil && (m.Search.Mode == string(search.Record) || m.Search.Mode == string(search.ReplayOrLive)) {
		err = errors.Join(err, e.recordStoreDigest(d))
	}
	if err != nil {
		return out, err
	}
	if out.Stop == StopCost || out.Stop == StopTokens {
		out.Budget = e.budgetText(r, out.Stop)
	}
	out.NotRun, out.Failed, err = summarize(d.Path(), all)
	return out, err
}

// recordStoreDigest writes the digest of the search store, which the session wrote to, into
// the run's manifest.
func (e *Engine) recordStoreDigest(d *reports.RunDir) error {
	info, err := e.searchInfo()
	if err != nil || info == nil {
		return err
	}
	d.Manifest.Search = info
	return reports.WriteManifest(d.Dir, d.Manifest)
}

// openRun opens the run directory for the run m describes (reports.OpenRun), its refusals
// made configuration errors that say what to do.
func openRun(dir string, m *reports.Manifest, retryErrors bool) (*reports.RunDir, error) {
	d, err := reports.OpenRun(dir, m, retryErrors)
	var other *reports.OtherRunError
	var damaged *reports.DamagedLogError
	var bad *reports.ManifestError
	switch {
	case err == nil:
		return d, nil
	case errors.As(err, &other):
		return nil, &ConfigError{Err: fmt.Errorf("%w; choose another --out, or run the same command as it:\n  %s", err, strings.Join(other.Command, " "))}
	case errors.Is(err, reports.ErrNoManifest):
		return nil, &ConfigError{Err: fmt.Errorf("%s %w; choose another --out", dir, err)}
	case errors.Is(err, reports.ErrNoRun):
		return nil, &ConfigError{Err: fmt.Errorf("--retry-errors: %s %w to retry", dir, err)}
	case errors.As(err, &damaged):
		return nil, &ConfigError{Err: fmt.Errorf("%w; realx does not resume over it, since the samples of such lines would run again as if never recorded. Keep a copy of the file, then mend or delete the lines it cannot read and run the same command again, or start afresh with another --out", err)}
	case errors.As(err, &bad):
		return nil, &ConfigError{Err: err}
	}
	return nil, err
}

// pending splits the run's jobs into those to run now and the finished ones' entries. A job
// runs when its sample has no record yet (not with retryErrors, which runs only samples that
// have one) or when its last record is not finished (reports.Entry.Finished): an input error
// (checked again before any model call), an infrastructure error or a canceled sample. A judge
// error is not run again but graded again: its job carries the record, read from the log,
// whose output is judged (regrade counts how many).
func pending(d *reports.RunDir, all []job, retryErrors bool) (run []job, regrade int, finished []reports.Entry, err error) {
	var judged []reports.Entry
	at := map[reports.Key]int{}
	for _, j := range all {
		e, ok := d.Index.Lookup(j.key())
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
	f, err := os.Open(d.Path())
	if err != nil {
		return nil, 0, nil, err
	}
	defer f.Close()
	err = reports.ReadRecords(f, d.Path(), judged, func(r *reports.Result) error {
		run[at[r.Key()]].judged = r
		return nil
	})
	return run, len(judged), finished, err
}

// execute runs jobs as many at once as the Throttle of the run's endpoint allows, writing each
// record to the log as it finishes, and returns why it stopped early ("" when it did not) and
// how many records it wrote. It stops starting jobs when a budget is used up (grading a judge
// failure again is not stopped), and lets those in flight finish. At an Interrupt it stops
// starting jobs too, and gives those in flight r.Grace to finish; then, or when ctx ends, they
// are canceled and recorded as canceled, so that a resumed run does them again. A failure to
// write the log, or a 429 under runners.RateLimitFail, ends the run with an error, the samples
// in flight canceled and not recorded.
func (e *Engine) execute(ctx context.Context, jobs []job, d *reports.RunDir, r Run, judgeEPs []runners.Endpoint) (string, int, error) {
	runner, err := e.newRunner(judgeEPs)
	if err != nil {
		return "", 0, err
	}
	grace := r.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	grace = max(grace, 0)
	end := e.begin(runner, func() bool {
		noted := make(chan struct{}) // the grace period's end is told after its start
		defer close(noted)
		if !runner.Interrupt(grace, func() {
			<-noted
			e.obs.Note("the grace period is over: canceling the samples in flight (they run again on resume)")
		}) {
			return false
		}
		e.obs.Note(fmt.Sprintf("stopping: no new samples start; those in flight have %s to finish (--grace), then they are canceled (Ctrl-C again to cancel them now)", grace))
		return true
	})
	defer end()
	runID, model := d.Manifest.Run, d.Manifest.Model.Name
	var mu sync.Mutex
	ran := 0
	stop, err := runner.Run(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		if reason := e.overBudget(r); reason != "" && j.judged == nil { // grading again costs no model call
			runner.Stop(reason)
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
			if runner.Failed() {
				return nil // stopped by the run's fatal error: not recorded, run again on resume
			}
			interrupted(res)
		}
		if err := d.Log.Write(res); err != nil {
			return fmt.Errorf("writing the results log: %w", err)
		}
		mu.Lock()
		ran++
		mu.Unlock()
		e.obs.Sample(res, e.cost())
		if reason := e.overBudget(r); reason != "" && runner.Stop(reason) {
			e.obs.Note(fmt.Sprintf("%s: no new samples start; waiting for those in flight", e.budgetText(r, reason)))
		}
		return nil
	})
	return stop, ran, err
}

// interrupted marks res, the record of a sample canceled by an interrupt before it finished,
// as canceled: it has no verdict, keeps what the sample did so far (its trajectory, its
// tokens), and runs again when the run resumes.
func interrupted(res *reports.Result) {
	res.Error = &reports.Failure{Class: reports.ErrCanceled,
		Message: "interrupted: the run was stopped before this sample finished; it runs again when the run resumes (" + res.Error.Message + ")"}
}

// overBudget returns the budget of r the run has used up, or "".
func (e *Engine) overBudget(r Run) string {
	tokens, cost := e.Spent()
	switch {
	case r.MaxCost > 0 && cost >= r.MaxCost:
		return StopCost
	case r.MaxTokens > 0 && tokens.Total >= r.MaxTokens:
		return StopTokens
	}
	return ""
}

// budgetText says which budget of r the run used up.
func (e *Engine) budgetText(r Run, reason string) string {
	tokens, cost := e.Spent()
	if reason == StopCost {
		return fmt.Sprintf("the run has cost $%.4f, --max-cost is $%g", cost, r.MaxCost)
	}
	return fmt.Sprintf("the run has used %d tokens, --max-tokens-total is %d", tokens.Total, r.MaxTokens)
}

// summarize counts, among the run's jobs, those without a record and, by error class, those
// whose last record has no verdict.
func summarize(path string, all []job) (notRun int, failed map[reports.ErrorClass]int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	ix, err := reports.IndexLog(f, path, nil)
	if err != nil {
		return 0, nil, err
	}
	failed = map[reports.ErrorClass]int{}
	for _, j := range all {
		e, ok := ix.Lookup(j.key())
		switch {
		case !ok:
			notRun++
		case e.Class != "":
			failed[e.Class]++
		}
	}
	return notRun, failed, nil
}
