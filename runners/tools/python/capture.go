package python

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// capture reads one output stream of an interpreter (its fd 1 or 2) for the interpreter's whole
// life and cuts it into calls: realx writes a per-call marker into the stream after each cell,
// and what came before the marker is that call's output. It never blocks the writer: past the cap it keeps the
// head and the tail and counts what it dropped in between.
type capture struct {
	limit int

	mu      sync.Mutex
	cur     capped
	pending []byte // unscanned bytes that may be the start of the marker
	marker  []byte
	found   chan string // receives the call's output when the marker is seen
	eof     chan struct{}
}

func newCapture(limit int) *capture {
	return &capture{limit: limit, cur: newCapped(limit), eof: make(chan struct{})}
}

// run copies r until EOF.
func (c *capture) run(r io.Reader) {
	defer close(c.eof)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			c.write(buf[:n])
		}
		if err != nil {
			c.mu.Lock()
			c.cur.write(c.pending)
			c.pending = nil
			c.mu.Unlock()
			return
		}
	}
}

func (c *capture) write(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.marker == nil {
		c.cur.write(p)
		return
	}
	data := append(c.pending, p...)
	c.pending = nil
	if i := bytes.Index(data, c.marker); i >= 0 {
		c.cur.write(data[:i])
		c.found <- c.cur.String()
		rest := data[i+len(c.marker):]
		c.cur = newCapped(c.limit)
		c.marker, c.found = nil, nil
		c.cur.write(rest)
		return
	}
	keep := min(len(c.marker)-1, len(data))
	c.cur.write(data[:len(data)-keep])
	c.pending = append([]byte(nil), data[len(data)-keep:]...)
}

// expect registers the marker that ends the coming call's output and returns the channel that
// receives that output.
func (c *capture) expect(marker string) <-chan string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.marker = []byte(marker)
	c.found = make(chan string, 1)
	return c.found
}

// take returns what was captured since the last marker (after a crash or timeout, when no
// marker will come) and forgets the marker.
func (c *capture) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.write(c.pending)
	c.pending = nil
	s := c.cur.String()
	c.cur = newCapped(c.limit)
	c.marker, c.found = nil, nil
	return s
}

// capped keeps the first and the last bytes of what is written to it, up to limit in all.
type capped struct {
	limit, tailCap int
	head, tail     []byte
	total          int64
}

func newCapped(limit int) capped {
	return capped{limit: limit, tailCap: limit / 4}
}

func (b *capped) write(p []byte) {
	b.total += int64(len(p))
	if room := b.limit - b.tailCap - len(b.head); room > 0 {
		n := min(room, len(p))
		b.head = append(b.head, p[:n]...)
		p = p[n:]
	}
	if len(p) == 0 {
		return
	}
	if len(p) >= b.tailCap {
		b.tail = append(b.tail[:0], p[len(p)-b.tailCap:]...)
		return
	}
	b.tail = append(b.tail, p...)
	if len(b.tail) > 2*b.tailCap {
		b.tail = append(b.tail[:0], b.tail[len(b.tail)-b.tailCap:]...)
	}
}

// String renders the kept bytes, with a note where bytes were dropped, as valid UTF-8.
func (b *capped) String() string {
	tail := b.tail
	if len(tail) > b.tailCap {
		tail = tail[len(tail)-b.tailCap:]
	}
	head := b.head
	if b.total == int64(len(head)+len(tail)) {
		return string(bytes.ToValidUTF8(append(head[:len(head):len(head)], tail...), []byte("\uFFFD")))
	}
	// Cut at rune boundaries so that the note does not split a character.
	for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
		if utf8.RuneStart(head[i]) {
			if !utf8.FullRune(head[i:]) {
				head = head[:i]
			}
			break
		}
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	dropped := b.total - int64(len(head)+len(tail))
	return fmt.Sprintf("%s\n[… %d bytes truncated …]\n%s",
		bytes.ToValidUTF8(head, []byte("\uFFFD")), dropped, bytes.ToValidUTF8(tail, []byte("\uFFFD")))
}
