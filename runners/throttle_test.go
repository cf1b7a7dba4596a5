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
	"github.com/realx-bench/realx/runners/runnertest"
)

// schedModelFunc is a Model made of a function.
type schedModelFunc func(ctx context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error)

func (f schedModelFunc) Chat(ctx context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error) {
	return f(ctx, req)
}

func schedOK(usage int) runners.Model {
	return schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
		return &runners.ChatResponse{Content: "ok", Usage: runners.Usage{Total: usage}}, nil
	})
}

func schedFail(err error) runners.Model {
	return schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) { return nil, err })
}

func mustThrottle(t *testing.T, cfg runners.ThrottleConfig) *runners.Throttle {
	t.Helper()
	th, err := runners.NewThrottle(cfg)
	require.NoError(t, err)
	return th
}

func TestThrottleHalvesOn429AndGrowsBack(t *testing.T) {
	clock := runnertest.NewClock()
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 16, LatencyFactor: -1, Clock: clock})
	ctx := context.Background()
	assert.Equal(t, 16, th.Limit())

	// Two calls in flight together both meet a 429: the limit halves once, not twice,
	// since the second call started before the first decrease.
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(2)
	blocked := runners.WithThrottle(schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
		started.Done()
		<-release
		return nil, statusErr(429, 0)
	}), th)
	changed := th.Changed()
	var done sync.WaitGroup
	for range 2 {
		done.Add(1)
		go func() {
			defer done.Done()
			_, _ = blocked.Chat(ctx, helloReq)
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	assert.Equal(t, 8, th.Limit())
	select {
	case <-changed:
	default:
		t.Fatal("Changed was not closed by the decrease")
	}

	// A 429 from a call started after the decrease halves it again, down to the floor.
	limited := runners.WithThrottle(schedFail(statusErr(429, 0)), th)
	for _, want := range []int{4, 2, 1, 1} {
		_, err := limited.Chat(ctx, helloReq)
		require.Error(t, err)
		assert.Equal(t, want, th.Limit())
	}

	// Then it grows by one per limit successful calls, up to the ceiling.
	ok := runners.WithThrottle(schedOK(0), th)
	calls := 0
	for th.Limit() < 16 {
		before := th.Limit()
		for range before {
			_, err := ok.Chat(ctx, helloReq)
			require.NoError(t, err)
			calls++
		}
		assert.Equal(t, before+1, th.Limit())
	}
	assert.Equal(t, 120, calls, "1+2+…+15 calls from 1 to 16")
	for range 100 {
		_, _ = ok.Chat(ctx, helloReq)
	}
	assert.Equal(t, 16, th.Limit(), "never above the ceiling")
	st := th.Stats()
	assert.Equal(t, 6, st.RateLimited)
	assert.Equal(t, 4, st.Decreases)
	assert.Equal(t, 15, st.Increases)
}

func TestThrottleSlowStartsThenHalvesOnTimeoutsAnd503(t *testing.T) {
	clock := runnertest.NewClock()
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 64, InitialConcurrency: 4, LatencyFactor: -1, Clock: clock})
	ok := runners.WithThrottle(schedOK(0), th)
	for range 10 {
		_, _ = ok.Chat(context.Background(), helloReq)
	}
	assert.Equal(t, 14, th.Limit(), "one more per success until the first decrease")

	timeout := &runners.ModelError{Retryable: true, Err: context.DeadlineExceeded}
	_, _ = runners.WithThrottle(schedFail(timeout), th).Chat(context.Background(), helloReq)
	assert.Equal(t, 7, th.Limit())
	_, _ = runners.WithThrottle(schedFail(statusErr(503, 0)), th).Chat(context.Background(), helloReq)
	assert.Equal(t, 3, th.Limit())
	_, _ = runners.WithThrottle(schedFail(statusErr(500, 0)), th).Chat(context.Background(), helloReq)
	_, _ = runners.WithThrottle(schedFail(statusErr(400, 0)), th).Chat(context.Background(), helloReq)
	_, _ = runners.WithThrottle(schedFail(errors.New("bad tool schema")), th).Chat(context.Background(), helloReq)
	assert.Equal(t, 3, th.Limit(), "500s, 400s and other errors say nothing about load")

	for range 3 {
		_, _ = ok.Chat(context.Background(), helloReq)
	}
	assert.Equal(t, 4, th.Limit(), "additive increase after the first decrease")
}

func TestThrottleHalvesOnRisingLatency(t *testing.T) {
	clock := runnertest.NewClock()
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 16, Clock: clock})
	latency := 100 * time.Millisecond
	m := runners.WithThrottle(schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
		clock.Advance(latency)
		return &runners.ChatResponse{Content: "ok"}, nil
	}), th)
	run := func(n int) {
		for range n {
			_, err := m.Chat(context.Background(), helloReq)
			require.NoError(t, err)
		}
	}
	run(16) // the baseline window
	assert.Equal(t, 16, th.Limit())
	latency = 190 * time.Millisecond
	run(16)
	assert.Equal(t, 16, th.Limit(), "under twice the baseline")
	latency = 250 * time.Millisecond
	run(16)
	assert.Equal(t, 8, th.Limit(), "over twice the baseline")
	run(16)
	assert.Equal(t, 9, th.Limit(), "the slower latency is the new baseline; additive increase goes on")
	latency = 600 * time.Millisecond
	run(16)
	assert.Less(t, th.Limit(), 8, "over twice the new baseline")
	st := th.Stats()
	assert.Equal(t, 2, st.SlowedDown, "each halving was for latency")
	assert.Equal(t, st.Decreases, st.SlowedDown)
	assert.Zero(t, st.RateLimited+st.Overloaded+st.NearLimit)

	fixed := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 16, Fixed: true, Clock: clock})
	m = runners.WithThrottle(schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
		clock.Advance(latency)
		latency *= 2
		return nil, statusErr(429, 0)
	}), fixed)
	run = func(n int) {
		for range n {
			_, _ = m.Chat(context.Background(), helloReq)
		}
	}
	run(40)
	assert.Equal(t, 16, fixed.Limit(), "a fixed limit does not move")
}

// noteCallTimes returns a Model that notes the clock's time at each call and answers with usage
// tokens.
func noteCallTimes(clock *runnertest.Clock, usage int) (runners.Model, *[]time.Duration) {
	var times []time.Duration
	start := clock.Now()
	return schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
		times = append(times, clock.Now().Sub(start))
		return &runners.ChatResponse{Content: "ok", Usage: runners.Usage{Total: usage}}, nil
	}), &times
}

// maxInWindow returns the most times that fall in any window of length w.
func maxInWindow(times []time.Duration, w time.Duration) int {
	best, j := 0, 0
	for i := range times {
		for times[i]-times[j] >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// paced makes n calls one after the other through a throttle of cfg on a fake clock, each
// answered with usage tokens, and returns when each reached the model and the throttle.
func paced(t *testing.T, cfg runners.ThrottleConfig, usage, n int) ([]time.Duration, *runners.Throttle) {
	t.Helper()
	clock := runnertest.NewClock()
	cfg.Clock = clock
	th := mustThrottle(t, cfg)
	inner, times := noteCallTimes(clock, usage)
	m := runners.WithThrottle(inner, th)
	for range n {
		_, err := m.Chat(context.Background(), helloReq)
		require.NoError(t, err)
	}
	return *times, th
}

func TestThrottleHoldsRPM(t *testing.T) {
	times, th := paced(t, runners.ThrottleConfig{MaxConcurrency: 8, RPM: 120}, 10, 300)
	assert.LessOrEqual(t, maxInWindow(times, time.Minute), 120+2, "RPM plus the burst of a second's worth")
	assert.InDelta(t, 149.0, times[299].Seconds(), 0.01, "two a second, the first two at once")
	assert.InDelta(t, 149.0, th.Stats().Waited.Seconds(), 0.01)
}

// TestThrottleHoldsTPM checks the correction from Usage both ways. 6000 tokens a minute is
// 100 a second, with a burst of 100.
func TestThrottleHoldsTPM(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		estimate, usage, calls int
		last                   float64 // seconds, when the last call goes
	}{
		// Estimated at 50, each call uses 150: the next calls wait for the rest, 1.5 s a call.
		{"under-estimated", 50, 150, 100, 150},
		// Estimated at 300, each call uses 100: it waits 2 s for the estimate, then the 200
		// given back refill the bucket, so calls come every 2 s (without the refund, every 3 s).
		{"over-estimated", 300, 100, 60, 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			estimate := func(*runners.ChatRequest) int { return tc.estimate }
			times, _ := paced(t, runners.ThrottleConfig{MaxConcurrency: 8, TPM: 6000, EstimateTokens: estimate}, tc.usage, tc.calls)
			assert.LessOrEqual(t, maxInWindow(times, time.Minute), 6000/tc.usage+2)
			assert.InDelta(t, tc.last, times[tc.calls-1].Seconds(), 2)
		})
	}
}

func TestThrottlePausesForRetryAfter(t *testing.T) {
	clock := runnertest.NewClock()
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 8, Clock: clock})
	_, err := runners.WithThrottle(schedFail(statusErr(429, 20*time.Second)), th).Chat(context.Background(), helloReq)
	require.Error(t, err)
	inner, times := noteCallTimes(clock, 0)
	_, err = runners.WithThrottle(inner, th).Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{20 * time.Second}, *times, "every call waits out the pause the endpoint asked for")
}

func TestThrottleWaitEndsWithTheContext(t *testing.T) {
	clock := runnertest.NewClock()
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 8, RPM: 1, Clock: clock})
	m := runners.WithThrottle(schedOK(0), th)
	_, err := m.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = m.Chat(ctx, helloReq)
	require.ErrorIs(t, err, context.Canceled)
	// The canceled call gave its reservation back: the next one waits one interval, not two.
	_, err = m.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{time.Minute}, clock.Sleeps())
}

func TestNewThrottleChecksItsConfig(t *testing.T) {
	for _, cfg := range []runners.ThrottleConfig{
		{},
		{MaxConcurrency: 4, RPM: -1},
		{MaxConcurrency: 4, MinConcurrency: -1},
	} {
		_, err := runners.NewThrottle(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 4, MinConcurrency: 9, InitialConcurrency: 20})
	assert.Equal(t, 4, th.Limit())
}

func TestEstimateTokens(t *testing.T) {
	maxTokens := 1000
	req := &runners.ChatRequest{
		Messages: []runners.Message{
			runners.TextMessage(runners.RoleSystem, "12345678"),
			{Role: runners.RoleUser, Parts: []runners.Part{{Text: "abcd"}, {Image: &runners.Image{Width: 1000, Height: 1000}}, {Image: &runners.Image{}}}},
		},
	}
	assert.Equal(t, (12+3)/4+8+1276+85+runners.DefaultCompletionTokens, runners.EstimateTokens(req))
	req.Generation.MaxTokens = &maxTokens
	assert.Equal(t, (12+3)/4+8+1276+85+1000, runners.EstimateTokens(req))
}

// TestPoolFollowsTheLimit holds calls open and checks that the pool starts no more than
// the limit allows, that a decrease stops new starts until fewer calls than the new limit
// run, and that an increase starts one more at once.
func TestPoolFollowsTheLimit(t *testing.T) {
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 4, LatencyFactor: -1})
	pool := runners.NewPool(th)
	var running, peak atomic.Int64
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- pool.Run(context.Background(), 40, func(ctx context.Context, i int) error {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			<-release
			running.Add(-1)
			return nil
		})
	}()
	settle := func(n int64, why string) {
		t.Helper()
		require.Eventually(t, func() bool { return running.Load() == n }, 5*time.Second, time.Millisecond, why)
		time.Sleep(20 * time.Millisecond) // time for a wrong start to show
		require.Equal(t, n, running.Load(), why)
	}
	settle(4, "no more than the limit")
	assert.Equal(t, 4, pool.Running())

	_, _ = runners.WithThrottle(schedFail(statusErr(429, 0)), th).Chat(context.Background(), helloReq)
	require.Equal(t, 2, th.Limit())
	release <- struct{}{}
	settle(3, "the limit is 2: no new start with 3 running")
	release <- struct{}{}
	settle(2, "nor with 2")
	release <- struct{}{}
	settle(2, "one new start once 1 runs")

	ok := runners.WithThrottle(schedOK(0), th)
	for range 2 {
		_, _ = ok.Chat(context.Background(), helloReq)
	}
	require.Equal(t, 3, th.Limit())
	settle(3, "the increase starts one more call without any call ending")
	close(release)
	require.NoError(t, <-done)
	assert.Equal(t, int64(4), peak.Load())
	assert.Equal(t, 0, pool.Running())
}

func TestPoolRunsEveryIndexOnceInOrderAndStopsOnError(t *testing.T) {
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 1, Fixed: true})
	var order []int
	require.NoError(t, runners.NewPool(th).Run(context.Background(), 50, func(_ context.Context, i int) error {
		order = append(order, i)
		return nil
	}))
	want := make([]int, 50)
	for i := range want {
		want[i] = i
	}
	assert.Equal(t, want, order)

	th = mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 4, Fixed: true})
	boom := errors.New("boom")
	var calls atomic.Int64
	err := runners.NewPool(th).Run(context.Background(), 1000, func(ctx context.Context, i int) error {
		calls.Add(1)
		if i == 2 {
			return boom
		}
		<-ctx.Done() // running calls see the cancellation
		return nil
	})
	require.ErrorIs(t, err, boom)
	assert.Less(t, calls.Load(), int64(8))

	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("stopped by the user")
	err = runners.NewPool(th).Run(ctx, 1000, func(_ context.Context, i int) error {
		if i == 5 {
			cancel(stop)
		}
		return nil
	})
	require.ErrorIs(t, err, stop, "indices left unstarted: the context's cause")

	err = runners.NewPool(th).Run(context.Background(), -1, nil)
	require.Error(t, err)
	require.NoError(t, runners.NewPool(th).Run(context.Background(), 0, nil))
}

func TestThrottleHeedsRateLimitHeaders(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Script(
		runnertest.Reply{Content: "a", Header: map[string]string{
			"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "50", "x-ratelimit-reset-requests": "6m0s",
			"x-ratelimit-limit-tokens": "30000", "x-ratelimit-remaining-tokens": "2000", "x-ratelimit-reset-tokens": "1.5s",
		}},
		runnertest.Reply{Content: "b", Header: map[string]string{"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20ms"}},
		runnertest.Reply{Content: "c"},
	)
	client := runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: runnertest.ModelID})
	resp, err := client.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, &runners.RateLimit{LimitRequests: 100, RemainingRequests: 50, LimitTokens: 30000, RemainingTokens: 2000,
		ResetRequests: 6 * time.Minute, ResetTokens: 1500 * time.Millisecond}, resp.RateLimit)
	resp, err = client.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, &runners.RateLimit{LimitRequests: -1, RemainingRequests: 0, LimitTokens: -1, RemainingTokens: -1,
		ResetRequests: 20 * time.Millisecond}, resp.RateLimit)
	resp, err = client.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Nil(t, resp.RateLimit)

	// Under a tenth left halves the limit; nothing left pauses every call until the reset.
	clock := runnertest.NewClock()
	th := mustThrottle(t, runners.ThrottleConfig{MaxConcurrency: 16, LatencyFactor: -1, Clock: clock})
	rl := &runners.RateLimit{LimitRequests: 100, RemainingRequests: 9, LimitTokens: -1, RemainingTokens: -1}
	m := runners.WithThrottle(schedModelFunc(func(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
		return &runners.ChatResponse{Content: "ok", RateLimit: rl}, nil
	}), th)
	_, err = m.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, 8, th.Limit())
	assert.Equal(t, 1, th.Stats().NearLimit)
	rl = &runners.RateLimit{LimitRequests: 100, RemainingRequests: 50, LimitTokens: 1000, RemainingTokens: 0, ResetTokens: 7 * time.Second}
	_, err = m.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, 4, th.Limit())
	_, err = m.Chat(context.Background(), helloReq)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{7 * time.Second}, clock.Sleeps(), "the call after waits for the reset")
}
