package runners

import (
	"fmt"
	"io"
)

// ReplyLimits bound what one reply of an endpoint may bring, so that a hostile or broken
// endpoint cannot exhaust memory: an endpoint is read through them, a reply that passes one is
// a *ReplyLimitError (inside a *ModelError) and nothing of it is kept. A zero field takes its
// default.
type ReplyLimits struct {
	// MaxBodyBytes caps the JSON body of a reply, which is held whole while it is decoded;
	// DefaultMaxBodyBytes (16 MiB) when 0, some twenty times the body of a 128k-token reply.
	// The body of an error answer (an HTTP status of 300 or more) is read to 64 KiB at most,
	// the rest left unread: only its message is kept.
	MaxBodyBytes int64
	// MaxStreamBytes caps the bytes of an event stream, its framing included (about 250
	// bytes a token); DefaultMaxStreamBytes (64 MiB) when 0, twice a 128k-token reply. Only
	// one line of it is held at a time: a line may hold three times MaxReplyBytes and 64 KiB
	// (a whole reply in one event, its text escaped), and the lines that carry no data
	// (comments, keep-alives), which are kept in case they make up an error, 1 MiB in all.
	MaxStreamBytes int64
	// MaxReplyBytes caps the model's output in one reply: its content, its reasoning, its
	// refusal and its tool calls (ids, names and arguments) together, in bytes. The default,
	// DefaultMaxReplyBytes, is 8 MiB, some ten times the text of 128k tokens.
	MaxReplyBytes int64
	// MaxToolCalls caps the native tool calls of one reply; DefaultMaxReplyToolCalls (128)
	// when 0.
	MaxToolCalls int
}

// The ReplyLimits defaults.
const (
	DefaultMaxBodyBytes      = 16 << 20
	DefaultMaxStreamBytes    = 64 << 20
	DefaultMaxReplyBytes     = 8 << 20
	DefaultMaxReplyToolCalls = 128
)

// maxErrorBody is how much of an error answer's body is read.
const maxErrorBody = 64 << 10

// maxNoDataLines caps the bytes of the lines of an event stream that carry no data: about
// twelve hours of a keep-alive comment a second.
const maxNoDataLines = 1 << 20

// maxEventLine returns the cap on one line of an event stream: room for a whole reply of
// MaxReplyBytes in one event, its text escaped as JSON (\uXXXX triples some of it), and the
// event's own fields.
func maxEventLine(l ReplyLimits) int64 { return 3*l.MaxReplyBytes + 64<<10 }

// withDefaults returns l with every zero field set to its default.
func (l ReplyLimits) withDefaults() ReplyLimits {
	orDefault(&l.MaxBodyBytes, DefaultMaxBodyBytes)
	orDefault(&l.MaxStreamBytes, DefaultMaxStreamBytes)
	orDefault(&l.MaxReplyBytes, DefaultMaxReplyBytes)
	orDefault(&l.MaxToolCalls, DefaultMaxReplyToolCalls)
	return l
}

// orDefault sets *v to def when it is not positive.
func orDefault[T int | int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ReplyLimitError is the error of a reply that passed one of its ReplyLimits, or of a turn
// with more tool calls than Limits.MaxTurnCalls. Over-long output is the model's doing (or its
// server's): the agent ends the sample with StopReplyLimit and grades it as a failure, and
// WithRetry does not try again.
type ReplyLimitError struct {
	// What names the limit: "body" (a JSON body), "stream" (an event stream), "event" (one
	// line of an event stream), "non-data lines" (the lines of an event stream that carry no
	// data), "output" (content, reasoning, refusal and tool calls) or "tool calls" (their
	// number).
	What string
	// Limit is the cap that was passed, in bytes or calls.
	Limit int64
}

// Error says which cap the reply passed.
func (e *ReplyLimitError) Error() string {
	switch e.What {
	case "body":
		return fmt.Sprintf("the reply's body is larger than the cap of %s", sizeText(e.Limit))
	case "stream":
		return fmt.Sprintf("the reply's event stream is larger than the cap of %s", sizeText(e.Limit))
	case "output":
		return fmt.Sprintf("the reply's output (content, reasoning, refusal and tool calls) is larger than the cap of %s", sizeText(e.Limit))
	case "event":
		return fmt.Sprintf("a line of the reply's event stream is longer than the cap of %s", sizeText(e.Limit))
	case "non-data lines":
		return fmt.Sprintf("the reply's event stream has more than the cap of %s of lines that carry no data", sizeText(e.Limit))
	}
	return fmt.Sprintf("the reply has more than the cap of %d %s", e.Limit, e.What)
}

// sizeText returns n bytes in the largest binary unit that writes it whole, or to a tenth.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// capReader reads at most limit bytes of r; past them it fails with err (or ends, when err is
// nil), without reading more than one byte beyond the limit.
type capReader struct {
	r    io.ReadCloser
	left int64
	err  error
	hit  bool
}

// newCapReader returns r read to limit bytes; err is the error past them, nil to end there
// silently.
func newCapReader(r io.ReadCloser, limit int64, err error) *capReader {
	return &capReader{r: r, left: limit, err: err}
}

// Read reads from the underlying reader within the cap.
func (c *capReader) Read(p []byte) (int, error) {
	if c.hit {
		return 0, c.over()
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		n, c.hit = int(c.left), true
		c.left = 0
		return n, c.over()
	}
	c.left -= int64(n)
	return n, err
}

func (c *capReader) over() error {
	if c.err == nil {
		return io.EOF
	}
	return c.err
}

// Close closes the underlying reader.
func (c *capReader) Close() error { return c.r.Close() }

// Limits cap what one sample may show the model and keep in its record, so that neither a
// model nor its tools can exhaust memory or disk. A zero field takes its default; the
// defaults leave every seed protocol's normal runs as they are.
type Limits struct {
	// MaxTurnCalls caps the tool calls of one reply, in any protocol; a reply with more ends
	// the sample with StopReplyLimit, running none of them. DefaultMaxReplyToolCalls (128)
	// when 0.
	MaxTurnCalls int
	// MaxObservationImages and MaxObservationImageBytes cap the images that the tool results
	// of one turn show the model: their number and their bytes as sent. Images past a cap are
	// not shown (nor stored), and the observation says so. Defaults 32 and 16 MiB:
	// DeepEyesV2's code shows up to 10 images in a call, and a crop is well under 1 MB.
	MaxObservationImages     int
	MaxObservationImageBytes int64
	// MaxSampleImages and MaxSampleImageBytes cap the tool-result images of a whole sample,
	// which every later request of the sample carries again; the sample's own images do not
	// count. Defaults 128 and 64 MiB: ten turns of ten images each fit.
	MaxSampleImages     int
	MaxSampleImageBytes int64
	// MaxRecordedText caps each text the trajectory keeps of a tool call (its arguments,
	// output and error) and of a message sent to the model, in bytes; default 8 KiB. The model
	// gets them whole.
	MaxRecordedText int
	// MaxTurnRecord caps the text the trajectory keeps of one turn (the model's text and
	// reasoning with its calls, or a message sent to it); default 1 MiB. MaxTrajectoryRecord
	// caps the text of the whole trajectory; default 4 MiB. Text past a cap is cut around a
	// note "[… N bytes truncated …]", and the turn and the trajectory are marked Truncated.
	MaxTurnRecord       int
	MaxTrajectoryRecord int
	// MaxErrorText caps the text of an error Run returns, in bytes; default 4 KiB.
	MaxErrorText int
}

// The Limits defaults.
const (
	DefaultMaxObservationImages     = 32
	DefaultMaxObservationImageBytes = 16 << 20
	DefaultMaxSampleImages          = 128
	DefaultMaxSampleImageBytes      = 64 << 20
	DefaultMaxRecordedText          = 8 << 10
	DefaultMaxTurnRecord            = 1 << 20
	DefaultMaxTrajectoryRecord      = 4 << 20
	DefaultMaxErrorText             = 4 << 10
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	orDefault(&l.MaxTurnCalls, DefaultMaxReplyToolCalls)
	orDefault(&l.MaxObservationImages, DefaultMaxObservationImages)
	orDefault(&l.MaxObservationImageBytes, DefaultMaxObservationImageBytes)
	orDefault(&l.MaxSampleImages, DefaultMaxSampleImages)
	orDefault(&l.MaxSampleImageBytes, DefaultMaxSampleImageBytes)
	orDefault(&l.MaxRecordedText, DefaultMaxRecordedText)
	orDefault(&l.MaxTurnRecord, DefaultMaxTurnRecord)
	orDefault(&l.MaxTrajectoryRecord, DefaultMaxTrajectoryRecord)
	orDefault(&l.MaxErrorText, DefaultMaxErrorText)
	return l
}

// CapText returns s cut to about n bytes as the record cuts text: its head and its tail around
// "[… N bytes truncated …]", no rune split. Tools cap what they return with it.
func CapText(s string, n int) string { return capText(s, n) }
