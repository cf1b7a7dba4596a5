package runners_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

func TestEachBoundsConcurrencyAndVisitsEveryIndexOnce(t *testing.T) {
	const n, limit = 200, 4
	var running, peak atomic.Int64
	visits := make([]atomic.Int64, n)
	err := runners.Each(context.Background(), n, limit, func(ctx context.Context, i int) error {
		cur := running.Add(1)
		defer running.Add(-1)
		for {
			old := peak.Load()
			if cur <= old || peak.CompareAndSwap(old, cur) {
				break
			}
		}
		visits[i].Add(1)
		time.Sleep(200 * time.Microsecond) // give the other workers a chance to overlap
		return nil
	})
	require.NoError(t, err)
	assert.LessOrEqual(t, peak.Load(), int64(limit), "more calls at once than the limit")
	assert.Greater(t, peak.Load(), int64(1), "calls never overlapped, so the test proves nothing")
	for i := range visits {
		assert.Equal(t, int64(1), visits[i].Load(), "index %d", i)
	}
}

func TestEachStartsIndicesInOrder(t *testing.T) {
	var mu sync.Mutex
	var started []int
	err := runners.Each(context.Background(), 50, 1, func(_ context.Context, i int) error {
		mu.Lock()
		started = append(started, i)
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	want := make([]int, 50)
	for i := range want {
		want[i] = i
	}
	assert.Equal(t, want, started)
}

func TestEachStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int64
	var sawCancel atomic.Int64
	var firstTwo sync.WaitGroup
	firstTwo.Add(2)
	err := runners.Each(context.Background(), 1000, 3, func(ctx context.Context, i int) error {
		calls.Add(1)
		switch {
		case i == 2:
			firstTwo.Wait() // fail only once calls 0 and 1 are running
			return boom
		case i < 2:
			firstTwo.Done()
			// Calls running alongside the failing one see their context cancelled.
			select {
			case <-ctx.Done():
				sawCancel.Add(1)
			case <-time.After(5 * time.Second):
			}
		}
		return nil
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, int64(3), calls.Load(), "started calls after an error")
	assert.Equal(t, int64(2), sawCancel.Load(), "running calls were not cancelled")
}

func TestEachReturnsFirstError(t *testing.T) {
	first := errors.New("first")
	err := runners.Each(context.Background(), 10, 1, func(_ context.Context, i int) error {
		if i == 2 {
			return first
		}
		if i > 2 {
			return errors.New("later")
		}
		return nil
	})
	require.ErrorIs(t, err, first)
}

func TestEachRespectsCancel(t *testing.T) {
	// Once ctx is cancelled no call starts: only those already past their start (at most
	// limit, the cancelling one among them) may still run fn. Counting calls up to a fixed
	// number would be wrong, since the other slot may run many calls while the cancelling
	// call is descheduled between its count and its cancel.
	const limit = 2
	ctx, cancel := context.WithCancel(context.Background())
	var calls, late atomic.Int64
	var cancelled atomic.Bool
	err := runners.Each(ctx, 1000, limit, func(ctx context.Context, i int) error {
		if cancelled.Load() {
			late.Add(1)
		}
		if calls.Add(1) == 10 {
			cancel()
			cancelled.Store(true)
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, late.Load(), int64(limit), "calls started after the cancel")
	assert.Less(t, calls.Load(), int64(1000))
}

func TestEachCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	why := errors.New("shutting down")
	cancel(why)
	var calls atomic.Int64
	err := runners.Each(ctx, 10, 2, func(context.Context, int) error {
		calls.Add(1)
		return nil
	})
	require.ErrorIs(t, err, why)
	assert.Zero(t, calls.Load())
}

func TestEachCancelAfterAllDoneIsNotAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	err := runners.Each(ctx, 3, 3, func(_ context.Context, i int) error {
		if i == 2 {
			cancel() // the last call cancels, but nothing is left to start
		}
		return nil
	})
	// The call that cancelled may be the last one started, or the others may not have started yet.
	if err != nil {
		require.ErrorIs(t, err, context.Canceled)
	}
}

func TestEachBadArguments(t *testing.T) {
	fn := func(context.Context, int) error { return nil }
	require.Error(t, runners.Each(context.Background(), 3, 0, fn))
	require.Error(t, runners.Each(context.Background(), -1, 1, fn))
	require.NoError(t, runners.Each(context.Background(), 0, 1, fn))
}
