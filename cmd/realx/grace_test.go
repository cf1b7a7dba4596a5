package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners/runnertest"
)

// canceledRecords returns the records of a run that say their sample was interrupted.
func canceledRecords(t *testing.T, dir string) []*reports.Result {
	t.Helper()
	var out []*reports.Result
	for _, r := range readResults(t, dir) {
		if r.Error != nil && r.Error.Class == reports.ErrCanceled {
			out = append(out, r)
		}
	}
	return out
}

// stallingServer starts a fake endpoint that answers synth questions at once until it has
// answered fast of them, then stalls every later request for an hour (until its client goes
// away); started is closed when the first stalled request has arrived.
func stallingServer(t *testing.T, fast int) (srv *runnertest.Server, started <-chan struct{}) {
	srv = runnertest.NewServer(t)
	answer := synthAnswer(t)
	ch := make(chan struct{})
	var once sync.Once
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		rep := answer(r)
		if r.Seq > fast {
			once.Do(func() { close(ch) })
			rep.Delay = time.Hour
		}
		return rep
	})
	return srv, ch
}

// TestGracePeriod interrupts a run whose endpoint stalls: no sample starts after the
// interrupt, and once --grace is over the samples in flight are canceled — recorded as
// interrupted, the finished ones kept — and the run exits 130 instead of waiting for the
// endpoint. Resuming runs the canceled samples again and finishes the run.
func TestGracePeriod(t *testing.T) {
	srv, stalled := stallingServer(t, 4)
	ctx, in := interruptible(t)
	go func() {
		<-stalled
		in.signal()
	}()
	dir := t.TempDir()
	suite := synthSuite(t, dir, 20)
	out := filepath.Join(dir, "run")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "2", "--adaptive=false",
		"--out", out, "--progress", "none", "--grace", "200ms", "--retries", "0"}
	ended := make(chan cliResult, 1)
	go func() { ended <- realxCtx(t, ctx, in, args...) }()
	var r cliResult
	select {
	case r = <-ended:
	case <-time.After(time.Minute): // the endpoint would stall for an hour
		in.signal()
		t.Fatalf("the run was still waiting for its samples a minute after the interrupt, with --grace 200ms: %s", (<-ended).stderr)
	}
	require.Equal(t, exitInterrupted, r.code, r.stderr)
	assert.Contains(t, r.stderr, "those in flight have 200ms to finish (--grace)")
	assert.Contains(t, r.stderr, "the grace period is over: canceling the samples in flight")

	sent := len(srv.Requests())
	assert.LessOrEqual(t, sent, 4+2, "no sample starts after the interrupt")
	canceled := canceledRecords(t, out)
	require.NotEmpty(t, canceled, "the stalled samples are recorded")
	for _, c := range canceled {
		assert.Contains(t, c.Error.Message, "interrupted: the run was stopped before this sample finished")
	}
	results := readResults(t, out)
	assert.Len(t, results, sent, "every sample sent is recorded: finished, or canceled")
	assert.Len(t, results, 4+len(canceled))
	assert.Contains(t, r.stderr, fmt.Sprintf("samples not run (%d of them canceled)", len(canceled)))

	srv.Handle(synthAnswer(t))
	r = realxCLI(t, nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "4 samples finished, 16 to run")
	final := outcomes(t, out, false)
	assert.Len(t, final, 20)
	for k, v := range final {
		assert.NotContains(t, v, "error:", k)
	}
}

// TestSIGTERMEndsARunWithinItsGrace sends SIGTERM to a realx process whose endpoint stalls:
// the process ends by itself, exit 130, with the samples in flight recorded as canceled. The
// time it takes is bounded only loosely (the grace period is 300 ms; the limit is a minute,
// against the hour the endpoint would stall).
func TestSIGTERMEndsARunWithinItsGrace(t *testing.T) {
	srv, stalled := stallingServer(t, 2)
	dir := t.TempDir()
	suite := synthSuite(t, dir, 10)
	out := filepath.Join(dir, "run")
	cmd := realxProcess(t, "run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "2", "--adaptive=false",
		"--out", out, "--progress", "none", "--grace", "300ms", "--retries", "0")
	<-stalled
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%v: %s", err, cmd.Stderr)
		assert.Equal(t, exitInterrupted, exit.ExitCode(), cmd.Stderr)
	case <-time.After(time.Minute):
		t.Fatalf("realx is still running a minute after SIGTERM with --grace 300ms: %s", cmd.Stderr)
	}
	assert.NotEmpty(t, canceledRecords(t, out))
	assert.Len(t, readResults(t, out), len(srv.Requests()))
}
