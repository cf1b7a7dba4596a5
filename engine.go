package realx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/mcp"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

// DefaultConcurrency is an Engine's concurrency when its Config sets none.
const DefaultConcurrency = 4

// Config configures an Engine. The zero Config is usable: DefaultConcurrency samples at once,
// adapted to the endpoint, the default retries, no response cache, LLM judges as their specs
// say.
type Config struct {
	// Concurrency is the most samples (or rows) in flight at once: the ceiling of each
	// endpoint's adaptive limit (-c).
	Concurrency int
	// Throttle sets the rate limits of the model's endpoint and whether concurrency adapts to
	// it; its MaxConcurrency is Concurrency. An LLM judge's endpoint adapts alike, with no rate
	// limits unless it is the model's own endpoint (then the two share one Throttle).
	Throttle runners.ThrottleConfig
	// Retry is how the model's failed calls are retried; an LLM judge retries as its spec
	// says. Its OnRetry is called along with the Observer's Retry.
	Retry runners.RetryPolicy
	// Judges says how suites' judges are resolved, checked and built.
	Judges JudgeConfig
	// Observer sees runs as they go; nil sees nothing.
	Observer Observer
	// Log receives the messages that are not progress (a torn record dropped, a directory
	// locked by another process, verdicts that cannot be added to an old run's cache), as
	// lines; nil discards them.
	Log io.Writer
	// Connect returns the client of an endpoint; runners.NewOpenAI when nil.
	Connect func(runners.Endpoint) runners.Model
}

// Observer sees a run as it goes. Its methods may be called from many goroutines at once.
type Observer interface {
	// Endpoint lists an endpoint the run calls, before the first call.
	Endpoint(ep reports.Endpoint)
	// Begin starts the run: total samples, of which prior were finished before (their index
	// entries), cost the dollars spent so far.
	Begin(total int, prior []reports.Entry, cost float64)
	// Sample counts a finished sample's record; cost is the run's spending so far.
	Sample(r *reports.Result, cost float64)
	// Retry counts a model call that is tried again.
	Retry()
	// Note says something about the run (it is stopping, the grace period is over).
	Note(msg string)
	// End ends the run; stop says why it stopped before its end ("" when it did not).
	End(stop string)
}

// Engine runs evaluations: runs, scores, rejudges, and judge rows. It makes the models they
// call (Connect, and the LLM judges of its plans), with one Throttle per endpoint, and counts
// what they spend. It runs one of them at a time; Interrupt stops the one running
// gracefully.
type Engine struct {
	cfg      Config
	clients  *runners.Clients
	cache    *runners.Cache
	verdicts *verdictCache
	obs      Observer
	log      io.Writer

	mu     sync.Mutex
	model  *connected      // the model under test, once Connect is called
	served *runners.Served // what the preflight learned of its endpoint
	spent  runners.Usage   // the model's tokens, this run's earlier sessions included
	extra  float64         // the dollars the LLM judges cost, this session
	prices *runners.Prices // the model's
	runner *runners.Runner // the run in progress, nil when none is
	grace  func() bool     // its graceful stop (Interrupt)
	search *searchSetup    // the search tools' one Service, once a plan needs it
	// mcpServers are the MCP servers the plans started, stopped by Close; mcpSt is their
	// store (in mcpStoreDir), once a plan needs it.
	mcpServers  []*mcp.Server
	mcpSt       *store.Store
	mcpStoreDir string
}

// connected is the model under test as Connect made it.
type connected struct {
	m        *Model
	throttle *runners.Throttle
}

// New returns an Engine for cfg.
func New(cfg Config) (*Engine, error) {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Concurrency < 1 {
		return nil, fmt.Errorf("the concurrency must be at least 1, got %d", cfg.Concurrency)
	}
	cfg.Throttle.MaxConcurrency = cfg.Concurrency
	if _, err := runners.NewThrottle(cfg.Throttle); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, clients: runners.NewClients(cfg.Connect), verdicts: &verdictCache{},
		obs: cfg.Observer, log: cfg.Log}
	if e.obs == nil {
		e.obs = nopObserver{}
	}
	if e.log == nil {
		e.log = io.Discard
	}
	return e, nil
}

// UseCache answers the model's and the LLM judges' calls from the response cache c under
// mode (nil or runners.CacheOff: none), from the next call on. The Engine closes it.
func (e *Engine) UseCache(c *runners.Cache, mode runners.CacheMode) {
	e.cache = c
	e.clients.SetCache(c, mode)
}

// Cache returns the response cache in use, nil when there is none.
func (e *Engine) Cache() *runners.Cache { return e.clients.Cache() }

// Close closes the response cache, the verdict cache and the search tools' corpus.
func (e *Engine) Close() error {
	err := errors.Join(e.closeVerdicts(), e.closeSearch(), e.closeMCP())
	if e.cache != nil {
		err = errors.Join(err, e.cache.Close())
	}
	return err
}

// Connect returns the model under test as the Engine's runs call it: every call paced by its
// endpoint's Throttle (whose limit sets how many samples run at once), retried under
// Config.Retry, its tokens counted against the run's budget at m.Prices, answered from the
// response cache when it is on. A 429 under runners.RateLimitFail ends the run. Plans take
// the returned model (PlanOptions.Model), and a Run takes m.
func (e *Engine) Connect(m *Model) (runners.Model, error) {
	cfg := e.cfg.Throttle
	t, err := e.clients.Throttle(m.Endpoint, cfg)
	if err != nil {
		return nil, err
	}
	policy := e.cfg.Retry
	onRetry := policy.OnRetry
	policy.OnRetry = func(ev runners.RetryEvent) {
		e.obs.Retry()
		if onRetry != nil {
			onRetry(ev)
		}
	}
	client, err := e.clients.Model(m.Endpoint, runners.CallPolicy{Retry: policy, Throttle: cfg, Observe: e.countModel})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.model, e.prices = &connected{m: m, throttle: t}, m.Prices
	e.mu.Unlock()
	return client, nil
}

// countModel counts an answer of the model under test against the budget, and ends the run at
// a 429 under runners.RateLimitFail, and at an error that every request would meet
// (runners.Unusable: the key refused, no such model, nothing listening), rather than record
// it against every sample.
func (e *Engine) countModel(resp *runners.ChatResponse, err error) {
	switch {
	case err == nil:
		e.mu.Lock()
		e.spent = e.spent.Add(resp.Usage.Counted())
		e.mu.Unlock()
	case errors.Is(err, runners.ErrRateLimited):
		e.fail(fmt.Errorf("%w; the run stops (finished samples are kept: run the same command again to resume, or use --on-rate-limit wait)", err))
	case runners.Unusable(err) != "":
		e.mu.Lock()
		m, served := e.model, e.served
		e.mu.Unlock()
		ee := &runners.EndpointError{Problem: runners.Unusable(err), Err: err}
		if m != nil {
			ee.URL, ee.Model = runners.RedactURL(m.m.Endpoint.BaseURL), m.m.Endpoint.Model
		}
		lists := ""
		if served != nil && !served.Listed && len(served.Models) > 0 {
			lists = fmt.Sprintf(" (it lists %s)", strings.Join(served.Models, ", "))
		}
		e.fail(fmt.Errorf("%w%s; the run stops, the samples in flight not recorded (finished samples are kept: run the same command again to resume once the endpoint is right)", ee, lists))
	}
}

// preflight checks, before a run's first sample, that the endpoint of m can serve it
// (runners.Preflight): nothing listening there, a key it refuses, a model or path it does not
// have end the run at once, with a *runners.EndpointError, rather than after every sample
// failed in turn. With a response cache that answers (read, readwrite), such a finding is a
// warning: the run may be answered from the cache alone. A check that could not be made (a
// timeout, a 5xx) is noted, and the run goes on.
func (e *Engine) preflight(ctx context.Context, m *Model) error {
	served, err := runners.Preflight(ctx, m.Endpoint, runners.NewOpenAI(m.Endpoint))
	var ee *runners.EndpointError
	mode := e.clients.CacheMode()
	switch {
	case errors.As(err, &ee) && (mode == runners.CacheRead || mode == runners.CacheReadWrite):
		e.obs.Note(fmt.Sprintf("warning: %v; the run goes on, answered from the response cache where it can", err))
	case ee != nil:
		return err
	case err != nil:
		e.obs.Note(fmt.Sprintf("note: the model endpoint could not be checked before the run (%v); the run goes on", err))
	}
	e.mu.Lock()
	e.served = served
	e.mu.Unlock()
	return nil
}

// judgeModel returns the model behind an LLM judge's endpoint, retried under retry (the
// judge's own policy): through the same machinery as the model under test, its cost counted
// at the judge model's prices (JudgeConfig.Prices).
func (e *Engine) judgeModel(ep runners.Endpoint, retry runners.RetryPolicy) (runners.Model, error) {
	prices := e.cfg.Judges.pricesOf(ep.Model)
	onRetry := retry.OnRetry
	retry.OnRetry = func(ev runners.RetryEvent) {
		e.obs.Retry()
		if onRetry != nil {
			onRetry(ev)
		}
	}
	// The judge's endpoint adapts its concurrency like the model's, but has no rate limits
	// of its own; a judge on the model's endpoint shares the model's Throttle.
	cfg := runners.ThrottleConfig{MaxConcurrency: e.cfg.Concurrency, Fixed: e.cfg.Throttle.Fixed}
	return e.clients.Model(ep, runners.CallPolicy{Retry: retry, Throttle: cfg, Observe: func(resp *runners.ChatResponse, err error) {
		if err == nil && prices != nil {
			e.mu.Lock()
			e.extra += prices.Cost(resp.Usage.Counted())
			e.mu.Unlock()
		}
	}})
}

// ThrottleStats returns what the Throttle of the model's endpoint did so far.
func (e *Engine) ThrottleStats() runners.ThrottleStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.model == nil {
		return runners.ThrottleStats{}
	}
	return e.model.throttle.Stats()
}

// Spent returns the model's tokens (this run's earlier sessions included) and the run's cost
// in US dollars: the model's tokens at its prices, and this session's LLM judge calls at
// theirs.
func (e *Engine) Spent() (runners.Usage, float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.spent, e.prices.Cost(e.spent) + e.extra
}

// cost returns the run's cost so far.
func (e *Engine) cost() float64 {
	_, c := e.Spent()
	return c
}

// Interrupt stops the run in progress gracefully, as the first Ctrl-C does: no sample starts
// any more, and those in flight have the Run's Grace to finish; then they are canceled
// (recorded as canceled, run again on resume). It reports whether a run was in progress and
// is now stopping; when it returns false, the caller stops whatever runs by canceling its
// context.
func (e *Engine) Interrupt() bool {
	e.mu.Lock()
	grace := e.grace
	e.mu.Unlock()
	return grace != nil && grace()
}

// fail ends the run in progress with err.
func (e *Engine) fail(err error) {
	e.mu.Lock()
	r := e.runner
	e.mu.Unlock()
	if r != nil {
		r.Fail(err)
	}
}

// begin makes r the run in progress, whose graceful stop is grace (which reports whether it
// stopped the run); end clears it.
func (e *Engine) begin(r *runners.Runner, grace func() bool) (end func()) {
	e.mu.Lock()
	e.runner, e.grace = r, grace
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		e.runner, e.grace = nil, nil
		e.mu.Unlock()
	}
}

// newRunner returns a Runner that follows the Throttle of the model's endpoint, or, for runs
// with no model, of the first of eps (the LLM judges' endpoints), or a fixed limit of
// Config.Concurrency when there is none.
func (e *Engine) newRunner(eps []runners.Endpoint) (*runners.Runner, error) {
	e.mu.Lock()
	model := e.model
	e.mu.Unlock()
	if model != nil {
		return runners.NewRunner(model.throttle), nil
	}
	if len(eps) > 0 {
		t, err := e.clients.Throttle(eps[0], runners.ThrottleConfig{MaxConcurrency: e.cfg.Concurrency, Fixed: e.cfg.Throttle.Fixed})
		if err != nil {
			return nil, err
		}
		return runners.NewRunner(t), nil
	}
	return runners.NewRunner(runners.FixedThrottle(e.cfg.Concurrency)), nil
}

// logf writes a line to the Engine's log.
func (e *Engine) logf(format string, args ...any) {
	fmt.Fprintf(e.log, format+"\n", args...)
}

// nopObserver sees nothing: its methods do nothing.
type nopObserver struct{}

func (nopObserver) Endpoint(reports.Endpoint)           {}
func (nopObserver) Begin(int, []reports.Entry, float64) {}
func (nopObserver) Sample(*reports.Result, float64)     {}
func (nopObserver) Retry()                              {}
func (nopObserver) Note(string)                         {}
func (nopObserver) End(string)                          {}
