package reports

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
)

// fakeClock returns a clock that moves step on at each reading, from a fixed time.
func fakeClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
}

func progressResult(id string, pass bool, class ErrorClass) *Result {
	r := &Result{V: 1, Suite: "s", ID: id, Verdict: judges.Verdict{Pass: pass}, Tokens: runners.Usage{Total: 1500}}
	if pass {
		r.Score = 1
	}
	if class != "" {
		r.Error = &Failure{Class: class}
	}
	return r
}

// TestProgressDisplays drives each display with a clock that moves ten seconds a reading.
func TestProgressDisplays(t *testing.T) {
	t.Parallel()
	prior := []Entry{{Key: Key{Suite: "s", ID: "0"}, Score: 1, Tokens: runners.Usage{Total: 1000}}}
	drive := func(mode string, terminal bool) string {
		var buf bytes.Buffer
		p := newProgress(&buf, mode, true, terminal, fakeClock(10*time.Second), noTicks)
		p.Begin(4, prior, 0.5)
		p.Sample(progressResult("1", true, ""), 0.75)
		p.Retry()
		p.Note("a note")
		p.Sample(progressResult("2", false, ErrModel), 1)
		p.End("")
		return buf.String()
	}
	assert.Equal(t, `{"done":1,"event":"start","todo":3,"total":4}
{"accuracy":100,"cost_usd":0.75,"done":2,"elapsed_s":10,"errors":0,"eta_s":20,"event":"sample","id":"1","pass":true,"per_minute":6,"repeat":0,"retries":0,"sample_tokens":1500,"score":1,"suite":"s","tokens":2500,"total":4}
{"event":"note","message":"a note"}
{"accuracy":100,"cost_usd":1,"done":3,"elapsed_s":20,"error":"model","errors":1,"eta_s":10,"event":"sample","id":"2","per_minute":6,"repeat":0,"retries":1,"sample_tokens":1500,"suite":"s","tokens":4000,"total":4}
{"accuracy":100,"cost_usd":1,"done":3,"elapsed_s":30,"errors":1,"eta_s":15,"event":"end","per_minute":4,"retries":1,"tokens":4000,"total":4}
`, drive(ProgressJSON, false))

	// Lines every 30 seconds (none here before the end) and at the end; auto picks lines off a
	// terminal.
	assert.Equal(t, `realx: a note
realx: 3/4 samples, accuracy 100.0%, 1 errors, 1 retries, 4.0k tokens, $1.00, 4.0/min, ETA 15s
`, drive(ProgressAuto, false))

	// A bar redrawn in place on a terminal.
	bar := drive(ProgressAuto, true)
	assert.True(t, strings.HasPrefix(bar, "\r\x1b[2K1/4 ██████░░░░░░░░░░░░░░░░░░ accuracy 100.0% │ 0 errors │ 1.0k tokens │ $0.50"), "%q", bar)
	assert.Contains(t, bar, "\r\x1b[2K2/4 ████████████░░░░░░░░░░░░ accuracy 100.0% │ 0 errors │ 2.5k tokens │ $0.75 │ 6.0/min │ ETA 20s")
	assert.Contains(t, bar, "\nrealx: a note\n")
	assert.True(t, strings.HasSuffix(bar, "ETA 15s\n"), "%q", bar)

	assert.Equal(t, "realx: a note\n", drive(ProgressNone, true), "notes only")
}

// noTicks is a ticker that never ticks.
func noTicks(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }

// TestProgressHeartbeat: the lines display prints a line at each tick of its ticker, every 30
// seconds, from the start: before the first sample ends too, and without one ending at all.
func TestProgressHeartbeat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ticks := make(chan time.Time)
	stopped := false
	var period time.Duration
	ticker := func(d time.Duration) (<-chan time.Time, func()) {
		period = d
		return ticks, func() { stopped = true }
	}
	p := newProgress(&buf, ProgressLines, false, false, fakeClock(10*time.Second), ticker)
	p.Begin(3, nil, 0)
	ticks <- time.Time{}
	ticks <- time.Time{} // taken once the first line is written
	p.End("")            // waits for the second
	assert.Equal(t, progressEvery, period)
	assert.True(t, stopped, "End stops the ticker")
	assert.Equal(t, "realx: 0/3 samples, 0 errors, 0 tokens\nrealx: 0/3 samples, 0 errors, 0 tokens\n", buf.String(),
		"no sample has ended, and the run says where it is")
}

// TestTerminalCheck: a file that is not a terminal — /dev/null, as `2>/dev/null` gives — and a
// writer that is no file at all get lines, not a bar.
func TestTerminalCheck(t *testing.T) {
	t.Parallel()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	assert.False(t, IsTerminal(null), "/dev/null is a character device, but no terminal")
	assert.False(t, IsTerminal(&bytes.Buffer{}))
	assert.Equal(t, ProgressLines, NewProgress(null, ProgressAuto, false).mode)
}
