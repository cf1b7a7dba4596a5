package runners

import (
	"context"
	"fmt"
)

// Each calls fn(ctx, i) for i in [0, n) with at most limit calls at once, starting indices in
// order: a Pool of a fixed limit. It stops starting new calls when ctx is done or fn returns
// an error, waits for running calls, and returns the first error. The ctx given to fn is
// cancelled as soon as a call fails, so running calls can stop early. When ctx ends before
// every index was started and no call failed, Each returns context.Cause(ctx). limit < 1 and
// n < 0 are errors.
func Each(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	if limit < 1 {
		return fmt.Errorf("runners.Each: limit must be at least 1, got %d", limit)
	}
	if n < 0 {
		return fmt.Errorf("runners.Each: n must not be negative, got %d", n)
	}
	return NewPool(FixedThrottle(limit)).Run(ctx, n, fn)
}

// FixedThrottle returns a Throttle whose limit stays at limit (at least 1), with no rate
// limits: a Pool that follows it runs at most limit calls at once, whatever the calls meet.
func FixedThrottle(limit int) *Throttle {
	t, err := NewThrottle(ThrottleConfig{MaxConcurrency: max(limit, 1), Fixed: true})
	if err != nil {
		panic(err) // a positive fixed limit with no rates is always valid
	}
	return t
}
