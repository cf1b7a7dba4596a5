package runners

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// StopInterrupt is the reason Interrupt stops a Runner for.
const StopInterrupt = "interrupt"

// ErrGraceOver is the cause of the jobs' context when the grace period of an Interrupt runs
// out: the jobs still in flight are canceled.
var ErrGraceOver = fmt.Errorf("the grace period after the interrupt is over: %w", context.Canceled)

// Runner runs the jobs of a run, as many at once as its Throttle's limit allows (a Pool),
// starting them in order, until every job has run or the run stops. A run stops in one of four
// ways, each telling the jobs apart from one another:
//
//   - Stop(reason): no job starts any more; those in flight finish (a budget is used up).
//   - Interrupt(grace): no job starts any more; those in flight have grace to finish, then
//     their context is canceled with ErrGraceOver (the first Ctrl-C of a run).
//   - Fail(err): no job starts any more, and those in flight are canceled with err as the
//     cause (a run-fatal error: the endpoint refuses the run's key, the log cannot be written).
//   - The context given to Run ends: those in flight are canceled (a second Ctrl-C).
//
// A Runner is made for one run (its Run is called once); it is safe for concurrent use.
type Runner struct {
	pool *Pool

	mu          sync.Mutex
	stop        string
	fatal       error
	cancel      context.CancelCauseFunc // the context of the jobs in flight, while Run runs
	interrupted bool
	grace       *time.Timer
}

// NewRunner returns a Runner that follows t's limit.
func NewRunner(t *Throttle) *Runner {
	return &Runner{pool: NewPool(t)}
}

// Run calls work(ctx, i) for i in [0, n), starting indices in order, skipping those whose turn
// comes after the run stopped. It returns why the run stopped before its end — Stop's reason,
// StopInterrupt for an Interrupt or for ctx ending — or "" when every job ran, and the
// run-fatal error: Fail's, or the first error work returned (which fails the run too). A job
// whose context was canceled can tell why from context.Cause.
func (r *Runner) Run(ctx context.Context, n int, work func(ctx context.Context, i int) error) (string, error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	err := r.pool.Run(runCtx, n, func(ctx context.Context, i int) error {
		if r.Stopped() != "" || r.Failed() || ctx.Err() != nil {
			return nil
		}
		if err := work(ctx, i); err != nil {
			r.Fail(err)
			return err
		}
		return nil
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancel, r.interrupted = nil, false
	if r.grace != nil {
		r.grace.Stop()
		r.grace = nil
	}
	switch {
	case r.fatal != nil:
		return r.stop, r.fatal
	case ctx.Err() != nil:
		return StopInterrupt, nil
	case err != nil && !errors.Is(err, context.Canceled):
		return r.stop, err
	}
	return r.stop, nil
}

// Stop stops the run from starting jobs, for reason; the jobs in flight go on. It reports
// whether this call stopped it (false when it had stopped already).
func (r *Runner) Stop(reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.halt(reason)
}

// halt is Stop; r.mu is held.
func (r *Runner) halt(reason string) bool {
	if r.stop != "" {
		return false
	}
	r.stop = reason
	return true
}

// Stopped returns why no job starts any more, "" while they do.
func (r *Runner) Stopped() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// Interrupt stops the running run from starting jobs (StopInterrupt, unless it had stopped
// for another reason already) and gives the jobs in flight grace to finish; then it calls over
// (when not nil) and cancels them with ErrGraceOver. It reports whether it did: false when no
// run is running, or when this run was interrupted already, for the caller to stop it harder
// (by canceling the context given to Run).
func (r *Runner) Interrupt(grace time.Duration, over func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil || r.interrupted {
		return false
	}
	r.interrupted = true
	r.halt(StopInterrupt)
	cancel := r.cancel
	r.grace = time.AfterFunc(grace, func() {
		if over != nil {
			over()
		}
		cancel(ErrGraceOver)
	})
	return true
}

// Fail ends the run with err: no job starts any more, and those in flight are canceled with
// err as the cause. The first error wins.
func (r *Runner) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal != nil {
		return
	}
	r.fatal = err
	if r.cancel != nil {
		r.cancel(err)
	}
}

// Failed reports whether a run-fatal error has ended the run.
func (r *Runner) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatal != nil
}
