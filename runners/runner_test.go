package runners_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

// TestRunnerStop stops starting jobs once a job calls Stop; the jobs in flight finish.
func TestRunnerStop(t *testing.T) {
	t.Parallel()
	r := runners.NewRunner(runners.FixedThrottle(1))
	var ran atomic.Int64
	stop, err := r.Run(context.Background(), 10, func(ctx context.Context, i int) error {
		ran.Add(1)
		if i == 3 {
			assert.True(t, r.Stop("budget"))
			assert.False(t, r.Stop("other"), "the first reason stands")
		}
		return ctx.Err()
	})
	require.NoError(t, err)
	assert.Equal(t, "budget", stop)
	assert.Equal(t, int64(4), ran.Load())
}

// TestRunnerInterrupt stops starting jobs at an interrupt and cancels those in flight with
// ErrGraceOver once the grace period is over; a second interrupt is the caller's to act on.
func TestRunnerInterrupt(t *testing.T) {
	t.Parallel()
	r := runners.NewRunner(runners.FixedThrottle(2))
	assert.False(t, r.Interrupt(time.Hour, nil), "no run is running")
	started := make(chan struct{}, 10)
	var over atomic.Bool
	var causes []error
	causeCh := make(chan error, 10)
	go func() {
		<-started
		<-started
		assert.True(t, r.Interrupt(20*time.Millisecond, func() { over.Store(true) }))
		assert.False(t, r.Interrupt(20*time.Millisecond, nil), "interrupted already")
	}()
	stop, err := r.Run(context.Background(), 10, func(ctx context.Context, i int) error {
		started <- struct{}{}
		<-ctx.Done() // a job that would never end on its own
		causeCh <- context.Cause(ctx)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, runners.StopInterrupt, stop)
	close(causeCh)
	for c := range causeCh {
		causes = append(causes, c)
	}
	assert.Len(t, causes, 2, "no job starts after the interrupt")
	for _, c := range causes {
		assert.ErrorIs(t, c, runners.ErrGraceOver)
		assert.ErrorIs(t, c, context.Canceled)
	}
	assert.True(t, over.Load())
}

// TestRunnerFail cancels the jobs in flight with the run's fatal error as the cause, starts no
// other job, and returns the error; an error returned by a job fails the run the same way.
func TestRunnerFail(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := runners.NewRunner(runners.FixedThrottle(2))
	var ran atomic.Int64
	stop, err := r.Run(context.Background(), 100, func(ctx context.Context, i int) error {
		ran.Add(1)
		if i == 1 {
			r.Fail(boom)
			assert.True(t, r.Failed())
			return nil
		}
		<-ctx.Done()
		assert.ErrorIs(t, context.Cause(ctx), boom)
		return nil
	})
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, stop)
	assert.LessOrEqual(t, ran.Load(), int64(3))

	r = runners.NewRunner(runners.FixedThrottle(1))
	_, err = r.Run(context.Background(), 5, func(ctx context.Context, i int) error {
		if i == 2 {
			return boom
		}
		return nil
	})
	assert.ErrorIs(t, err, boom)
}

// TestRunnerContextEnds: a context that ends stops the run as an interrupt, its jobs canceled.
func TestRunnerContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r := runners.NewRunner(runners.FixedThrottle(1))
	stop, err := r.Run(ctx, 5, func(ctx context.Context, i int) error {
		if i == 1 {
			cancel()
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, runners.StopInterrupt, stop)
}
