package runners

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ThrottleConfig says how hard a Throttle lets a run press on one endpoint.
type ThrottleConfig struct {
	// RPM caps model calls per minute; 0 means no cap. Calls are spread evenly: at most
	// RPM/60 (at least one) go at once, and the rest follow at the rate.
	RPM int
	// TPM caps tokens per minute, prompt and completion together; 0 means no cap. A call's
	// tokens are estimated before it is sent (EstimateTokens) and corrected from its
	// answer's Usage; at most TPM/60 go at once.
	TPM int

	// MaxConcurrency is the most samples a Pool runs at once (the -c flag), the ceiling of
	// the adaptive limit. It must be at least 1.
	MaxConcurrency int
	// MinConcurrency is the floor of the adaptive limit; 0 means 1.
	MinConcurrency int
	// InitialConcurrency is where the adaptive limit starts; 0 means MaxConcurrency. Until
	// the first decrease the limit grows by one with every successful call (slow start);
	// after it, by one for every limit successful calls (AIMD's additive increase).
	InitialConcurrency int
	// Fixed turns adaptive concurrency off: the limit stays at MaxConcurrency.
	Fixed bool
	// LatencyFactor is how much slower than usual the endpoint must get for the limit to
	// halve: when the median latency of a window of successful calls (as many calls as the
	// limit, at least 16) exceeds the baseline (the lowest window median seen, or the median
	// that caused the last decrease) by this factor. 0 means 2; a negative factor turns the
	// latency signal off, leaving 429s, 503s and timeouts as the only signals.
	LatencyFactor float64

	// EstimateTokens estimates a request's tokens for TPM before it is sent; EstimateTokens
	// when nil.
	EstimateTokens func(*ChatRequest) int
	// Clock tells the time and waits; SystemClock when nil.
	Clock Clock
}

// minLatencyWindow is the fewest successful calls whose median latency is compared with the
// baseline.
const minLatencyWindow = 16

// Throttle paces the calls to one endpoint and sets how many samples may run against it.
//
// WithThrottle puts calls through it: each waits for the requests-per-minute and
// tokens-per-minute limiters and for any pause the endpoint asked for (Retry-After, or
// rate-limit headers saying nothing is left until a reset), and its outcome feeds adaptive
// concurrency (AIMD): the limit halves on a 429 or 503, a timeout, rate-limit headers saying
// less than a tenth is left, or latency rising past LatencyFactor, at most once per round of
// calls (an outcome of a call started before the last decrease does not decrease it again),
// and grows back by one per round of successful calls, up to MaxConcurrency. A Pool follows
// the limit.
//
// Share one Throttle among everything that calls the same endpoint with the same key (the
// agent's model and an LLM judge on the same endpoint). A Throttle is safe for concurrent
// use.
type Throttle struct {
	cfg      ThrottleConfig
	clock    Clock
	estimate func(*ChatRequest) int
	rpm, tpm *rate.Limiter

	mu          sync.Mutex
	limit       int
	slowStart   bool
	epoch       uint64 // counts decreases
	successes   int    // successful calls since the last change of the limit
	window      []time.Duration
	baseline    time.Duration
	pausedUntil time.Time
	changed     chan struct{} // closed at the next change of the limit
	stats       ThrottleStats
}

// ThrottleStats counts what a Throttle did, for progress displays and run summaries.
type ThrottleStats struct {
	// Limit is the current concurrency limit.
	Limit int
	// Calls counts calls that went through; RateLimited the 429 answers among them,
	// Overloaded the 503 answers and timeouts, NearLimit the answers whose rate-limit
	// headers said less than a tenth of the requests or tokens was left, and SlowedDown the
	// windows of calls whose median latency passed LatencyFactor times the baseline.
	Calls, RateLimited, Overloaded, NearLimit, SlowedDown int
	// Decreases and Increases count changes of the limit.
	Decreases, Increases int
	// Waited is the total time calls spent waiting for the rate limiters and pauses.
	Waited time.Duration
}

// NewThrottle returns a Throttle for cfg.
func NewThrottle(cfg ThrottleConfig) (*Throttle, error) {
	switch {
	case cfg.MaxConcurrency < 1:
		return nil, fmt.Errorf("throttle: the concurrency must be at least 1, got %d", cfg.MaxConcurrency)
	case cfg.RPM < 0 || cfg.TPM < 0:
		return nil, fmt.Errorf("throttle: negative rate limit (rpm %d, tpm %d)", cfg.RPM, cfg.TPM)
	case cfg.MinConcurrency < 0 || cfg.InitialConcurrency < 0:
		return nil, fmt.Errorf("throttle: negative concurrency (min %d, initial %d)", cfg.MinConcurrency, cfg.InitialConcurrency)
	}
	if cfg.MinConcurrency == 0 {
		cfg.MinConcurrency = 1
	}
	cfg.MinConcurrency = min(cfg.MinConcurrency, cfg.MaxConcurrency)
	if cfg.InitialConcurrency == 0 || cfg.Fixed {
		cfg.InitialConcurrency = cfg.MaxConcurrency
	}
	cfg.InitialConcurrency = min(max(cfg.InitialConcurrency, cfg.MinConcurrency), cfg.MaxConcurrency)
	if cfg.LatencyFactor == 0 {
		cfg.LatencyFactor = 2
	}
	t := &Throttle{
		cfg:       cfg,
		clock:     clockOr(cfg.Clock),
		estimate:  cfg.EstimateTokens,
		limit:     cfg.InitialConcurrency,
		slowStart: cfg.InitialConcurrency < cfg.MaxConcurrency,
		changed:   make(chan struct{}),
	}
	if t.estimate == nil {
		t.estimate = EstimateTokens
	}
	if cfg.RPM > 0 {
		t.rpm = perMinute(cfg.RPM)
	}
	if cfg.TPM > 0 {
		t.tpm = perMinute(cfg.TPM)
	}
	return t, nil
}

// perMinute returns a limiter of n events a minute, with a burst of a second's worth.
func perMinute(n int) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(float64(n)/60), max(1, n/60))
}

// Limit returns how many samples may run at once now.
func (t *Throttle) Limit() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit
}

// Changed returns a channel that is closed when the limit next changes.
func (t *Throttle) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

// Stats returns what t did so far.
func (t *Throttle) Stats() ThrottleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Limit = t.limit
	return s
}

// WithThrottle returns m with every call paced by t and its outcome reported to t.
func WithThrottle(m Model, t *Throttle) Model {
	return &throttled{m: m, t: t}
}

type throttled struct {
	m Model
	t *Throttle
}

// Chat waits for t's limiters, sends req and reports the outcome.
func (m *throttled) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	t := m.t
	tokens := 0
	if t.tpm != nil {
		tokens = max(1, t.estimate(req))
	}
	if err := t.wait(ctx, tokens); err != nil {
		return nil, err
	}
	t.mu.Lock()
	epoch := t.epoch
	t.mu.Unlock()

	start := t.clock.Now()
	resp, err := m.m.Chat(ctx, req)
	end := t.clock.Now()
	if t.tpm != nil && err == nil {
		if used := resp.Usage.Counted().Total; used > 0 {
			t.correct(end, used-tokens)
		}
	}
	t.observe(ctx, epoch, end, end.Sub(start), resp, err)
	return resp, err
}

// wait waits until a call of tokens estimated tokens may go: after any pause, and when
// both limiters allow it. On a ctx that ends first, it gives the reservations back.
func (t *Throttle) wait(ctx context.Context, tokens int) error {
	t.mu.Lock()
	pause := t.pausedUntil
	t.mu.Unlock()
	start := t.clock.Now()
	if d := pause.Sub(start); d > 0 {
		if err := t.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	now := t.clock.Now()
	var res []*rate.Reservation
	var delay time.Duration
	if t.rpm != nil {
		delay, res = reserve(t.rpm, now, 1, res)
	}
	if t.tpm != nil {
		var d time.Duration
		d, res = reserve(t.tpm, now, tokens, res)
		delay = max(delay, d)
	}
	if err := t.clock.Sleep(ctx, delay); err != nil {
		at := t.clock.Now()
		for _, r := range res {
			r.CancelAt(at)
		}
		return err
	}
	if waited := t.clock.Now().Sub(start); waited > 0 {
		t.mu.Lock()
		t.stats.Waited += waited
		t.mu.Unlock()
	}
	return nil
}

// reserve reserves n events from lim at now, in pieces of at most lim's burst, and returns
// how long to wait for the last piece, with the reservations appended to res.
func reserve(lim *rate.Limiter, now time.Time, n int, res []*rate.Reservation) (time.Duration, []*rate.Reservation) {
	var delay time.Duration
	for n > 0 {
		k := min(n, lim.Burst())
		r := lim.ReserveN(now, k)
		res = append(res, r)
		delay = max(delay, r.DelayFrom(now))
		n -= k
	}
	return delay, res
}

// correct takes diff more tokens from the TPM limiter, or gives -diff back, once a call's
// real usage is known.
func (t *Throttle) correct(now time.Time, diff int) {
	switch {
	case diff > 0:
		reserve(t.tpm, now, diff, nil) // the debt delays the calls that come next
	case diff < 0:
		// A negative reservation puts tokens back, up to the burst (golang.org/x/time/rate
		// caps the bucket at its burst on the next reservation; TestThrottleHoldsTPM
		// checks this).
		t.tpm.ReserveN(now, diff)
	}
}

// observe feeds the outcome of a call to the adaptive limit. epoch is the number of
// decreases when the call started.
func (t *Throttle) observe(ctx context.Context, epoch uint64, now time.Time, latency time.Duration, resp *ChatResponse, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stats.Calls++
	if err != nil {
		var me *ModelError
		if !errors.As(err, &me) {
			return
		}
		if me.RetryAfter > 0 {
			t.pausedUntil = later(t.pausedUntil, now.Add(me.RetryAfter))
		}
		switch {
		case me.Status == http.StatusTooManyRequests:
			t.stats.RateLimited++
		case me.Status == http.StatusServiceUnavailable,
			me.Status == 0 && me.Retryable && ctx.Err() == nil && errors.Is(me, context.DeadlineExceeded):
			t.stats.Overloaded++
		default:
			return
		}
		if epoch == t.epoch {
			t.decrease()
		}
		return
	}
	if rl := rateLimitOf(resp); rl != nil {
		if rl.RemainingRequests == 0 && rl.ResetRequests > 0 {
			t.pausedUntil = later(t.pausedUntil, now.Add(rl.ResetRequests))
		}
		if rl.RemainingTokens == 0 && rl.ResetTokens > 0 {
			t.pausedUntil = later(t.pausedUntil, now.Add(rl.ResetTokens))
		}
		if (low(rl.RemainingRequests, rl.LimitRequests) || low(rl.RemainingTokens, rl.LimitTokens)) && epoch == t.epoch {
			t.stats.NearLimit++
			t.decrease()
			return
		}
	}
	if t.cfg.Fixed {
		return
	}
	if t.cfg.LatencyFactor > 0 {
		t.window = append(t.window, latency)
		if len(t.window) >= max(t.limit, minLatencyWindow) {
			slices.Sort(t.window)
			median := t.window[len(t.window)/2]
			t.window = t.window[:0]
			switch {
			case t.baseline == 0 || median < t.baseline:
				t.baseline = median
			case float64(median) > t.cfg.LatencyFactor*float64(t.baseline):
				t.baseline = median
				t.stats.SlowedDown++
				t.decrease()
				return
			}
		}
	}
	t.successes++
	if t.limit < t.cfg.MaxConcurrency && (t.slowStart || t.successes >= t.limit) {
		t.setLimit(t.limit + 1)
		t.stats.Increases++
	}
}

// decrease halves the limit. t.mu is held.
func (t *Throttle) decrease() {
	t.epoch++
	t.slowStart = false
	t.window = t.window[:0]
	if t.cfg.Fixed || t.limit <= t.cfg.MinConcurrency {
		return
	}
	t.setLimit(max(t.cfg.MinConcurrency, t.limit/2))
	t.stats.Decreases++
}

// setLimit sets the limit and wakes whoever waits for a change. t.mu is held.
func (t *Throttle) setLimit(n int) {
	t.limit = n
	t.successes = 0
	close(t.changed)
	t.changed = make(chan struct{})
}

func rateLimitOf(resp *ChatResponse) *RateLimit {
	if resp == nil {
		return nil
	}
	return resp.RateLimit
}

// low reports whether remaining is under a tenth of limit, both known.
func low(remaining, limit int) bool {
	return remaining >= 0 && limit > 0 && remaining*10 < limit
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// DefaultCompletionTokens is the completion EstimateTokens counts for a request that sets no
// max_tokens.
const DefaultCompletionTokens = 256

// EstimateTokens returns a rough count of the tokens req will use, for rate limiting before
// the answer says: a token per 4 bytes of text, tool calls and tool declarations, 4 per
// message, an image's 28×28-pixel patches (85 when its size is unknown), and the completion:
// Generation.MaxTokens, or DefaultCompletionTokens when it is not set.
func EstimateTokens(req *ChatRequest) int {
	bytes, images := 0, 0
	for _, m := range req.Messages {
		for _, p := range m.Parts {
			bytes += len(p.Text)
			if img := p.Image; img != nil {
				if img.Width > 0 && img.Height > 0 {
					images += (img.Width*img.Height + 783) / 784
				} else {
					images += 85
				}
			}
		}
		for _, c := range m.ToolCalls {
			bytes += len(c.Name) + len(c.Arguments)
		}
	}
	for _, d := range req.Tools {
		bytes += len(d.Name) + len(d.Description) + len(d.Parameters)
	}
	completion := DefaultCompletionTokens
	if mt := req.Generation.MaxTokens; mt != nil && *mt > 0 {
		completion = *mt
	}
	return (bytes+3)/4 + 4*len(req.Messages) + images + completion
}

// Pool runs indexed calls, like Each, with as many at once as its Throttle's limit allows
// at each moment: when the limit drops, running calls go on and new ones wait until fewer
// than the limit run. Several Runs on one Pool share its limit. A Pool is safe for
// concurrent use.
type Pool struct {
	t *Throttle

	mu      sync.Mutex
	running int
	freed   chan struct{} // closed when a call ends
}

// NewPool returns a Pool that follows t's limit.
func NewPool(t *Throttle) *Pool {
	return &Pool{t: t, freed: make(chan struct{})}
}

// Running returns how many calls run now.
func (p *Pool) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Run calls fn(ctx, i) for i in [0, n), starting indices in order. It stops starting calls
// when ctx is done or fn returns an error, waits for running calls, and returns the first
// error. The ctx given to fn is cancelled as soon as a call fails. When ctx ends before
// every index was started and no call failed, Run returns context.Cause(ctx). n < 0 is an
// error.
func (p *Pool) Run(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	if n < 0 {
		return fmt.Errorf("runners.Pool: n must not be negative, got %d", n)
	}
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	started := 0
	for ; started < n; started++ {
		if !p.acquire(gctx) {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer p.release()
			if err := fn(gctx, i); err != nil {
				once.Do(func() {
					first = err
					cancel(err)
				})
			}
		}(started)
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if started < n {
		return context.Cause(ctx)
	}
	return nil
}

// acquire waits for a free slot and takes it; it returns false when ctx ends first.
func (p *Pool) acquire(ctx context.Context) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		changed := p.t.Changed()
		p.mu.Lock()
		if p.running < p.t.Limit() {
			p.running++
			p.mu.Unlock()
			return true
		}
		freed := p.freed
		p.mu.Unlock()
		select {
		case <-freed:
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

func (p *Pool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	close(p.freed)
	p.freed = make(chan struct{})
}
