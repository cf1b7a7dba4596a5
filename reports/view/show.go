package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
)

// ShowOptions say which records of a sample Show prints.
type ShowOptions struct {
	// Suite picks the sample of that suite, "" any suite's.
	Suite string
	// Repeat picks that repeat, -1 every one.
	Repeat int
}

// NotFoundError is Show's error for a sample the run has no record of.
type NotFoundError struct {
	Input, ID string
}

// Error names the sample and the run.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s has no record of sample %q", e.Input, e.ID)
}

// Show prints the trajectory of sample id in the run at input (a run directory, a results log,
// or "-" for stdin), every repeat and suite of it that o lets through, for a terminal: the
// question and its images (as paths under the run's blobs/), each turn, each tool call with
// its code or query, its output and the images it returned, the stop, the answer, the gold,
// the verdict and the judge's reasoning. Whatever the model wrote is printed through
// reports.Printable, so that no escape sequence of its own reaches the terminal.
func Show(w io.Writer, input string, stdin io.Reader, warn io.Writer, id string, o ShowOptions) error {
	blobs := blobsOf(input)
	found := 0
	bw := bufio.NewWriter(w)
	err := reports.ScanInputs([]string{input}, stdin, warn, func(in *reports.Input, r *reports.Result) error {
		if r.ID != id || (o.Suite != "" && r.Suite != o.Suite) || (o.Repeat >= 0 && r.Repeat != o.Repeat) {
			return nil
		}
		if found > 0 {
			fmt.Fprintln(bw)
		}
		found++
		printRecord(bw, in, r, blobs)
		return nil
	})
	if err != nil {
		return err
	}
	if found == 0 {
		return &NotFoundError{Input: input, ID: id}
	}
	return bw.Flush()
}

// printer writes a record's parts, indented.
type printer struct {
	w     io.Writer
	blobs string
}

// line writes a line of text made of parts, as given (realx's own words and printable
// fields).
func (p printer) line(indent int, parts ...string) {
	fmt.Fprintln(p.w, strings.Repeat("  ", indent)+strings.Join(parts, ""))
}

// text writes model text under a label, each line indented, escaped by reports.Printable.
func (p printer) text(indent int, label, text string) {
	if label != "" {
		p.line(indent, label+":")
		indent++
	}
	pad := strings.Repeat("  ", indent)
	for _, l := range strings.Split(strings.TrimRight(reports.Printable(text), "\n"), "\n") {
		fmt.Fprintln(p.w, pad+l)
	}
}

// images writes the paths of images by hash, under a label.
func (p printer) images(indent int, label string, hashes []string) {
	for i, h := range hashes {
		where := reports.Printable(h)
		if p.blobs != "" && hashRe.MatchString(h) {
			where = filepath.Join(p.blobs, h)
		}
		p.line(indent, fmt.Sprintf("%s %d: %s", label, i+1, where))
	}
}

func seconds(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 2, 64) + " s" }

func usage(u *runners.Usage) string {
	return fmt.Sprintf("%d tokens (%d in, %d out)", u.Total, u.Prompt, u.Completion)
}

// printRecord prints record r of input in.
func printRecord(w io.Writer, in *reports.Input, r *reports.Result, blobs string) {
	p := printer{w: w, blobs: blobs}
	head := fmt.Sprintf("%s / %s", reports.Printable(r.Suite), reports.Printable(r.ID))
	if r.Repeat > 0 {
		head += fmt.Sprintf(" (repeat %d)", r.Repeat)
	}
	head += " · capability " + reports.Printable(r.Capability) + " · " + reports.Printable(in.Label)
	if r.Run != "" {
		head += " · run " + reports.Printable(r.Run)
	}
	p.line(0, "═══ ", head)
	tr := r.Trajectory
	var original string
	if tr != nil {
		turns := tr.Turns
		if len(turns) > 0 && turns[0].Role == runners.RoleUser {
			p.text(0, "question", turns[0].Text)
			p.images(1, "image", turns[0].Images)
			if len(turns[0].Images) > 0 {
				original = turns[0].Images[0]
			}
			turns = turns[1:]
		}
		for i, t := range turns {
			printTurn(p, i+1, &t, original)
		}
		stop := "stopped: " + string(tr.Stop)
		if tr.StopDetail != "" {
			stop += " (" + reports.Printable(tr.StopDetail) + ")"
		}
		if tr.Truncated {
			stop += " · some text was cut to the record's caps"
		}
		p.line(0, stop)
	}
	p.text(0, "answer", r.Output)
	p.text(0, "gold", r.Answer)
	switch {
	case r.Error != nil:
		p.text(0, "error ("+string(r.Error.Class)+")", r.Error.Message)
	default:
		verdict := "wrong"
		if r.Pass {
			verdict = "correct"
		}
		p.line(0, "verdict: ", verdict, " · score ", strconv.FormatFloat(r.Score, 'g', -1, 64), " · extracted \"", reports.Printable(r.Extracted), "\"")
	}
	if r.Step != "" || r.JudgeID != "" {
		p.line(0, "judge: ", reports.Printable(r.Step), " ", reports.Printable(r.JudgeID))
	}
	if r.Reason != "" {
		p.text(0, "judge's reasoning", r.Reason)
	}
	stats := []string{usage(&r.Tokens), "model " + seconds(r.LatencyMS)}
	if tr != nil {
		use := reports.UseOf(r)
		stats = append(stats, fmt.Sprintf("%d turns", use.Turns), fmt.Sprintf("%d tool calls", use.Calls), "tools "+seconds(use.ToolMS+use.OpenMS))
		if use.WallMS > 0 {
			stats = append(stats, "wall "+seconds(use.WallMS))
		}
	}
	p.line(0, strings.Join(stats, " · "))
}

// printTurn prints turn t, the i-th after the question.
func printTurn(p printer, i int, t *runners.Turn, original string) {
	head := fmt.Sprintf("─── turn %d · %s", i, reports.Printable(string(t.Role)))
	if t.Role != runners.RoleAssistant {
		head += " (what the model was sent)"
	}
	if t.LatencyMS > 0 {
		head += " · " + seconds(t.LatencyMS)
	}
	if t.Usage != nil {
		head += " · " + usage(t.Usage)
	}
	if t.Cached {
		head += " · from the cache"
	}
	if t.Truncated {
		head += " · cut to the record's caps"
	}
	p.line(0, head)
	if t.Reasoning != "" {
		p.text(1, "reasoning", t.Reasoning)
	}
	if t.Text != "" {
		p.text(1, "", t.Text)
	}
	p.images(1, "image", t.Images)
	for _, c := range t.Calls {
		name := c.Name
		if name == "" {
			name = "(none)"
		}
		head := "▸ tool call: " + reports.Printable(name)
		if c.Kind != "" && c.Kind != c.Name {
			head += " (" + reports.Printable(c.Kind) + ")"
		}
		p.line(1, head, " · ", seconds(c.DurationMS))
		printArguments(p, c.Arguments)
		if c.Output != "" {
			p.text(2, "output", c.Output)
		}
		if c.Error != "" {
			p.text(2, "error", c.Error)
		}
		if len(c.Images) > 0 {
			if original != "" {
				p.images(2, "original", []string{original})
			}
			p.images(2, "returned", c.Images)
		}
	}
}

// printArguments prints a call's arguments: its code or query as text, others as given.
func printArguments(p printer, args string) {
	if a := strings.TrimSpace(args); a == "" || a == "{}" {
		return
	}
	var fields map[string]any
	if json.Unmarshal([]byte(args), &fields) == nil {
		if code, ok := fields["code"].(string); ok {
			p.text(2, "code", code)
			return
		}
		if q, ok := fields["query"].(string); ok {
			p.text(2, "query", q)
			return
		}
	}
	p.text(2, "arguments", args)
}
