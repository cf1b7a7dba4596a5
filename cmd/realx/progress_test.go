package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
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

// withProgressEnv sets the progress clock and terminal check for one test.
func withProgressEnv(t *testing.T, clock func() time.Time, terminal bool) {
	oldClock, oldTerm := progressClock, isTerminal
	progressClock = clock
	isTerminal = func(io.Writer) bool { return terminal }
	t.Cleanup(func() { progressClock, isTerminal = oldClock, oldTerm })
}

func progressResult(id string, pass bool, class reports.ErrorClass) *reports.Result {
	r := &reports.Result{V: 1, Suite: "s", ID: id, Verdict: judges.Verdict{Pass: pass}, Tokens: runners.Usage{Total: 1500}}
	if pass {
		r.Score = 1
	}
	if class != "" {
		r.Error = &reports.Failure{Class: class}
	}
	return r
}

// TestProgressDisplays drives each display with a clock that moves ten seconds a reading.
func TestProgressDisplays(t *testing.T) {
	prior := []reports.Entry{{Key: reports.Key{Suite: "s", ID: "0"}, Score: 1, Tokens: runners.Usage{Total: 1000}}}
	drive := func(mode string, terminal bool) string {
		withProgressEnv(t, fakeClock(10*time.Second), terminal)
		var buf bytes.Buffer
		p := newProgress(&buf, mode, true)
		p.Begin(4, prior, 0.5)
		p.Sample(progressResult("1", true, ""), 0.75)
		p.Retry()
		p.Note("a note")
		p.Sample(progressResult("2", false, reports.ErrModel), 1)
		p.End("")
		return buf.String()
	}
	assert.Equal(t, `{"done":1,"event":"start","todo":3,"total":4}
{"accuracy":100,"cost_usd":0.75,"done":2,"elapsed_s":10,"errors":0,"eta_s":20,"event":"sample","id":"1","pass":true,"per_minute":6,"repeat":0,"retries":0,"sample_tokens":1500,"score":1,"suite":"s","tokens":2500,"total":4}
{"event":"note","message":"a note"}
{"accuracy":100,"cost_usd":1,"done":3,"elapsed_s":20,"error":"model","errors":1,"eta_s":10,"event":"sample","id":"2","per_minute":6,"repeat":0,"retries":1,"sample_tokens":1500,"suite":"s","tokens":4000,"total":4}
{"accuracy":100,"cost_usd":1,"done":3,"elapsed_s":30,"errors":1,"eta_s":15,"event":"end","per_minute":4,"retries":1,"tokens":4000,"total":4}
`, drive(progressJSON, false))

	// Lines every 30 seconds (none here before the end) and at the end; auto picks lines off a
	// terminal.
	assert.Equal(t, `realx: a note
realx: 3/4 samples, accuracy 100.0%, 1 errors, 1 retries, 4.0k tokens, $1.00, 4.0/min, ETA 15s
`, drive(progressAuto, false))

	// A bar redrawn in place on a terminal.
	bar := drive(progressAuto, true)
	assert.True(t, strings.HasPrefix(bar, "\r\x1b[2K1/4 ██████░░░░░░░░░░░░░░░░░░ accuracy 100.0% │ 0 errors │ 1.0k tokens │ $0.50"), "%q", bar)
	assert.Contains(t, bar, "\r\x1b[2K2/4 ████████████░░░░░░░░░░░░ accuracy 100.0% │ 0 errors │ 2.5k tokens │ $0.75 │ 6.0/min │ ETA 20s")
	assert.Contains(t, bar, "\nrealx: a note\n")
	assert.True(t, strings.HasSuffix(bar, "ETA 15s\n"), "%q", bar)

	assert.Equal(t, "realx: a note\n", drive(progressNone, true), "notes only")
}

// TestRunProgressJSON checks the events of a whole run: a start, one per sample, an end.
func TestRunProgressJSON(t *testing.T) {
	withProgressEnv(t, fakeClock(time.Second), false)
	srv, dir, suite := synthSetup(t, 5)
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "1", "--out", filepath.Join(dir, "run"), "--progress", "json")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	require.GreaterOrEqual(t, len(lines), 8)
	assert.Equal(t, `{"endpoint":{"role":"model","model":"m","url":"`+srv.URL()+`","url_from":"--base-url"},"event":"endpoint"}`, lines[0])
	lines = lines[1:]
	assert.Equal(t, `{"done":0,"event":"start","todo":5,"total":5}`, lines[0])
	for i := 1; i <= 5; i++ {
		assert.Contains(t, lines[i], `"event":"sample"`)
	}
	assert.Contains(t, lines[6], `"event":"end"`)
	assert.Contains(t, lines[6], `"accuracy":80`)
	assert.Contains(t, lines[6], `"done":5`)
}
