package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/realx-bench/realx/reports"
)

// The progress displays of `realx run --progress`.
const (
	progressAuto  = "auto"  // bar on a terminal, lines otherwise
	progressBar   = "bar"   // one line redrawn in place
	progressLines = "lines" // a plain line every progressEvery
	progressJSON  = "json"  // one JSON event per line
	progressNone  = "none"
)

// progressModes lists the values of --progress.
var progressModes = []string{progressAuto, progressBar, progressLines, progressJSON, progressNone}

// progressClock and isTerminal are the clock and the terminal check of progress displays;
// tests replace them.
var (
	progressClock = time.Now
	isTerminal    = func(w io.Writer) bool {
		f, ok := w.(*os.File)
		if !ok || os.Getenv("TERM") == "dumb" {
			return false
		}
		st, err := f.Stat()
		return err == nil && st.Mode()&os.ModeCharDevice != 0
	}
)

// How often the displays print: the bar at most every progressRedraw, lines every
// progressEvery.
const (
	progressRedraw = 200 * time.Millisecond
	progressEvery  = 30 * time.Second
)

// progress shows how a run goes on stderr: samples done of the total, accuracy so far,
// errors, tokens, cost, samples per minute and the time left. Samples finished before a resume
// count as done; the rate counts only this session's. It is the realx.Observer of the
// commands that grade, and is safe for concurrent use.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	mode string
	now  func() time.Time

	total, done, graded, errors, retries int
	correct                              float64
	tokens                               int
	cost                                 float64
	priced                               bool

	start       time.Time
	sessionDone int
	last        time.Time
	onScreen    bool // a bar line is drawn and not ended
}

// newProgress returns the display named mode ("auto" picks bar or lines from w) on w.
func newProgress(w io.Writer, mode string, priced bool) *progress {
	if mode == progressAuto || mode == "" {
		mode = progressLines
		if isTerminal(w) {
			mode = progressBar
		}
	}
	return &progress{w: w, mode: mode, now: progressClock, priced: priced}
}

// Begin starts the display: total samples of the run, of which prior were finished before,
// with the summary of their records.
func (p *progress) Begin(total int, prior []reports.Entry, cost float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.cost = total, cost
	for _, e := range prior {
		p.count(e.Class == "", e.Score, e.Tokens.Total)
	}
	now := p.now()
	p.start, p.last = now, now
	switch p.mode {
	case progressJSON:
		p.event(map[string]any{"event": "start", "total": total, "done": p.done, "todo": total - p.done})
	case progressBar:
		p.draw(now)
	}
}

// count adds a finished sample to the figures. p.mu is held.
func (p *progress) count(graded bool, score float64, tokens int) {
	p.done++
	p.tokens += tokens
	if graded {
		p.graded++
		p.correct += score
	} else {
		p.errors++
	}
}

// Sample counts a finished sample; cost is the run's spending so far.
func (p *progress) Sample(r *reports.Result, cost float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count(r.Graded(), r.Score, r.Tokens.Total)
	p.sessionDone++
	p.cost = cost
	now := p.now()
	switch p.mode {
	case progressJSON:
		ev := p.stats(now)
		ev["event"], ev["suite"], ev["id"], ev["repeat"] = "sample", r.Suite, r.ID, r.Repeat
		ev["sample_tokens"] = r.Tokens.Total
		if r.Error != nil {
			ev["error"] = r.Error.Class // no verdict: no pass or score, as in the results log
		} else {
			ev["pass"], ev["score"] = r.Pass, r.Score
		}
		p.event(ev)
	case progressBar:
		if now.Sub(p.last) >= progressRedraw || p.done == p.total {
			p.last = now
			p.draw(now)
		}
	case progressLines:
		if now.Sub(p.last) >= progressEvery {
			p.last = now
			fmt.Fprintln(p.w, "realx: "+p.line(now))
		}
	}
}

// Retry counts a model call that is tried again.
func (p *progress) Retry() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retries++
}

// Note prints a message between progress lines (as a "note" event in JSON), whatever the
// display, none included.
func (p *progress) Note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case progressJSON:
		p.event(map[string]any{"event": "note", "message": msg})
		return
	case progressBar:
		p.endLine()
	}
	fmt.Fprintln(p.w, "realx: "+msg)
	if p.mode == progressBar {
		p.draw(p.last)
	}
}

// Endpoint lists an endpoint the run calls (as an "endpoint" event in JSON), whatever the
// display, none included.
func (p *progress) Endpoint(ep reports.Endpoint) {
	if p.mode != progressJSON {
		p.Note("endpoint: " + ep.String())
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.event(map[string]any{"event": "endpoint", "endpoint": ep})
}

// End ends the display with a last summary; reason says why the run stopped ("" when it
// finished).
func (p *progress) End(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	switch p.mode {
	case progressJSON:
		ev := p.stats(now)
		ev["event"] = "end"
		if reason != "" {
			ev["stopped"] = reason
		}
		p.event(ev)
	case progressBar:
		p.draw(now)
		p.endLine()
	case progressLines:
		if p.sessionDone > 0 {
			fmt.Fprintln(p.w, "realx: "+p.line(now))
		}
	}
}

// stats returns the counters for a JSON event. p.mu is held.
func (p *progress) stats(now time.Time) map[string]any {
	ev := map[string]any{"done": p.done, "total": p.total, "errors": p.errors, "tokens": p.tokens,
		"retries": p.retries, "elapsed_s": round3(now.Sub(p.start).Seconds())}
	if p.graded > 0 {
		ev["accuracy"] = round3(100 * p.correct / float64(p.graded))
	}
	if p.priced {
		ev["cost_usd"] = round3(p.cost)
	}
	if rate, eta, ok := p.rate(now); ok {
		ev["per_minute"], ev["eta_s"] = round3(rate), round3(eta.Seconds())
	}
	return ev
}

// round3 rounds x to three decimals, for events that read well.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// rate returns this session's samples per minute and the time left at that rate.
func (p *progress) rate(now time.Time) (perMinute float64, eta time.Duration, ok bool) {
	elapsed := now.Sub(p.start)
	if p.sessionDone == 0 || elapsed <= 0 {
		return 0, 0, false
	}
	perMinute = float64(p.sessionDone) / elapsed.Minutes()
	left := float64(p.total - p.done)
	return perMinute, time.Duration(left / perMinute * float64(time.Minute)), true
}

// line is the progress in words. p.mu is held.
func (p *progress) line(now time.Time) string {
	parts := []string{fmt.Sprintf("%d/%d samples", p.done, p.total)}
	parts = append(parts, p.figures(now)...)
	return strings.Join(parts, ", ")
}

// figures are the figures both displays show. p.mu is held.
func (p *progress) figures(now time.Time) []string {
	var out []string
	if p.graded > 0 {
		out = append(out, fmt.Sprintf("accuracy %.1f%%", 100*p.correct/float64(p.graded)))
	}
	out = append(out, fmt.Sprintf("%d errors", p.errors))
	if p.retries > 0 {
		out = append(out, fmt.Sprintf("%d retries", p.retries))
	}
	out = append(out, humanCount(p.tokens)+" tokens")
	if p.priced {
		out = append(out, fmt.Sprintf("$%.2f", p.cost))
	}
	if rate, eta, ok := p.rate(now); ok {
		out = append(out, fmt.Sprintf("%.1f/min", rate))
		if p.done < p.total {
			out = append(out, "ETA "+eta.Round(time.Second).String())
		}
	}
	return out
}

// draw redraws the bar line as of now. p.mu is held.
func (p *progress) draw(now time.Time) {
	const width = 24
	filled := 0
	if p.total > 0 {
		filled = width * p.done / p.total
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	line := fmt.Sprintf("%d/%d %s %s", p.done, p.total, bar, strings.Join(p.figures(now), " │ "))
	fmt.Fprint(p.w, "\r\x1b[2K"+line)
	p.onScreen = true
}

// endLine ends a drawn bar line. p.mu is held.
func (p *progress) endLine() {
	if p.onScreen {
		fmt.Fprintln(p.w)
		p.onScreen = false
	}
}

// event writes one JSON event. p.mu is held.
func (p *progress) event(ev map[string]any) {
	data, err := json.Marshal(ev)
	if err != nil {
		return
	}
	p.w.Write(append(data, '\n'))
}

// humanCount writes n with a k or M suffix above a thousand.
func humanCount(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
