package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// The progress displays of a run (`realx run --progress`).
const (
	ProgressAuto  = "auto"  // bar on a terminal, lines otherwise
	ProgressBar   = "bar"   // one line redrawn in place
	ProgressLines = "lines" // a plain line every progressEvery, from the start
	ProgressJSON  = "json"  // one JSON event per line
	ProgressNone  = "none"
)

// ProgressModes lists the progress displays.
var ProgressModes = []string{ProgressAuto, ProgressBar, ProgressLines, ProgressJSON, ProgressNone}

// IsTerminal reports whether w is a terminal that can redraw a line: a file whose descriptor
// is a terminal (not /dev/null, a pipe or a file), with TERM other than "dumb".
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// How often the displays print: the bar at most every progressRedraw, lines every
// progressEvery.
const (
	progressRedraw = 200 * time.Millisecond
	progressEvery  = 30 * time.Second
)

// Progress shows how a run goes, on a terminal or in a log: samples done of the total,
// accuracy so far, errors, tokens, cost, samples per minute and the time left. Samples
// finished before a resume count as done; the rate counts only this session's. It has the
// methods of a realx.Observer, and is safe for concurrent use.
type Progress struct {
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

	// tick makes the ticker of the lines display; stop ends its goroutine, which closes
	// stopped when it is gone.
	tick    func(d time.Duration) (<-chan time.Time, func())
	stop    chan struct{}
	stopped chan struct{}
}

// NewProgress returns the display named mode (one of ProgressModes; "auto" or "" picks bar on
// a terminal, else lines) on w; priced says whether the run's cost is known.
func NewProgress(w io.Writer, mode string, priced bool) *Progress {
	return newProgress(w, mode, priced, IsTerminal(w), time.Now, systemTicker)
}

// systemTicker returns the ticks of a time.Ticker of period d, and its stop.
func systemTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// newProgress is NewProgress with the terminal check, the clock and the ticker given.
func newProgress(w io.Writer, mode string, priced, terminal bool, now func() time.Time, tick func(time.Duration) (<-chan time.Time, func())) *Progress {
	if mode == ProgressAuto || mode == "" {
		mode = ProgressLines
		if terminal {
			mode = ProgressBar
		}
	}
	return &Progress{w: w, mode: mode, now: now, priced: priced, tick: tick}
}

// Begin starts the display: total samples of the run, of which prior were finished before,
// with the summary of their records.
func (p *Progress) Begin(total int, prior []Entry, cost float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.cost = total, cost
	for _, e := range prior {
		p.count(e.Class == "", e.Score, e.Tokens.Total)
	}
	now := p.now()
	p.start, p.last = now, now
	switch p.mode {
	case ProgressJSON:
		p.event(map[string]any{"event": "start", "total": total, "done": p.done, "todo": total - p.done})
	case ProgressBar:
		p.draw(now)
	case ProgressLines:
		if p.stop == nil && p.tick != nil {
			ticks, stop := p.tick(progressEvery)
			p.stop, p.stopped = make(chan struct{}), make(chan struct{})
			go p.heartbeat(ticks, stop, p.stop, p.stopped)
		}
	}
}

// heartbeat prints the progress line at each tick, until done is closed: a run whose first
// samples take minutes (long agent loops, a slow endpoint) still says it is alive and how far
// it is. It closes gone when it returns.
func (p *Progress) heartbeat(ticks <-chan time.Time, stop func(), done <-chan struct{}, gone chan<- struct{}) {
	defer close(gone)
	defer stop()
	for {
		select {
		case <-done:
			return
		case <-ticks:
			p.mu.Lock()
			now := p.now()
			p.last = now
			fmt.Fprintln(p.w, "realx: "+p.line(now))
			p.mu.Unlock()
		}
	}
}

// endHeartbeat stops the heartbeat, if it runs, and waits for it to be gone. p.mu is not held.
func (p *Progress) endHeartbeat() {
	p.mu.Lock()
	stop, stopped := p.stop, p.stopped
	p.stop, p.stopped = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped
	}
}

// count adds a finished sample to the figures. p.mu is held.
func (p *Progress) count(graded bool, score float64, tokens int) {
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
func (p *Progress) Sample(r *Result, cost float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count(r.Graded(), r.Score, r.Tokens.Total)
	p.sessionDone++
	p.cost = cost
	now := p.now()
	switch p.mode {
	case ProgressJSON:
		ev := p.stats(now)
		ev["event"], ev["suite"], ev["id"], ev["repeat"] = "sample", r.Suite, r.ID, r.Repeat
		ev["sample_tokens"] = r.Tokens.Total
		if r.Error != nil {
			ev["error"] = r.Error.Class // no verdict: no pass or score, as in the results log
		} else {
			ev["pass"], ev["score"] = r.Pass, r.Score
		}
		p.event(ev)
	case ProgressBar:
		if now.Sub(p.last) >= progressRedraw || p.done == p.total {
			p.last = now
			p.draw(now)
		}
	}
}

// Retry counts a model call that is tried again.
func (p *Progress) Retry() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retries++
}

// Note prints a message between progress lines (as a "note" event in JSON), whatever the
// display, none included.
func (p *Progress) Note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case ProgressJSON:
		p.event(map[string]any{"event": "note", "message": msg})
		return
	case ProgressBar:
		p.endLine()
	}
	fmt.Fprintln(p.w, "realx: "+msg)
	if p.mode == ProgressBar {
		p.draw(p.last)
	}
}

// Endpoint lists an endpoint the run calls (as an "endpoint" event in JSON), whatever the
// display, none included.
func (p *Progress) Endpoint(ep Endpoint) {
	if p.mode != ProgressJSON {
		p.Note("endpoint: " + ep.String())
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.event(map[string]any{"event": "endpoint", "endpoint": ep})
}

// End ends the display with a last summary; reason says why the run stopped ("" when it
// finished).
func (p *Progress) End(reason string) {
	p.endHeartbeat()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	switch p.mode {
	case ProgressJSON:
		ev := p.stats(now)
		ev["event"] = "end"
		if reason != "" {
			ev["stopped"] = reason
		}
		p.event(ev)
	case ProgressBar:
		p.draw(now)
		p.endLine()
	case ProgressLines:
		if p.sessionDone > 0 {
			fmt.Fprintln(p.w, "realx: "+p.line(now))
		}
	}
}

// stats returns the counters for a JSON event. p.mu is held.
func (p *Progress) stats(now time.Time) map[string]any {
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
func (p *Progress) rate(now time.Time) (perMinute float64, eta time.Duration, ok bool) {
	elapsed := now.Sub(p.start)
	if p.sessionDone == 0 || elapsed <= 0 {
		return 0, 0, false
	}
	perMinute = float64(p.sessionDone) / elapsed.Minutes()
	left := float64(p.total - p.done)
	return perMinute, time.Duration(left / perMinute * float64(time.Minute)), true
}

// line is the progress in words. p.mu is held.
func (p *Progress) line(now time.Time) string {
	parts := []string{fmt.Sprintf("%d/%d samples", p.done, p.total)}
	parts = append(parts, p.figures(now)...)
	return strings.Join(parts, ", ")
}

// figures are the figures both displays show. p.mu is held.
func (p *Progress) figures(now time.Time) []string {
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
func (p *Progress) draw(now time.Time) {
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
func (p *Progress) endLine() {
	if p.onScreen {
		fmt.Fprintln(p.w)
		p.onScreen = false
	}
}

// event writes one JSON event. p.mu is held.
func (p *Progress) event(ev map[string]any) {
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
