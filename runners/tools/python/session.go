package python

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/realx-bench/realx/runners"
)

//go:embed driver.py
var driverSource []byte

// ErrClosed is returned by Exec on a closed session.
var ErrClosed = errors.New("python session is closed")

// Result is what one cell did.
type Result struct {
	// Stdout and Stderr are what the cell wrote to its standard output and error (its own
	// prints, the processes it started, a traceback), each capped. Stderr also carries the
	// notes for the model about a timeout, a crash or a restarted interpreter.
	Stdout, Stderr string
	// Images are the images the cell showed, as PNG.
	Images []*runners.Image
	// DroppedImages counts the images not returned: over Config.MaxImages, or blank.
	DroppedImages int
	// Error is empty when the cell ran to its end. Otherwise it is the last line of the
	// exception ("ZeroDivisionError: division by zero"), or says the call timed out or the
	// interpreter crashed.
	Error string
	// Restarted reports that the call ran in a fresh interpreter because the previous one was
	// killed: the variables of earlier calls are gone (the images are loaded again).
	Restarted bool
	// Duration is the wall-clock time of the call, including a restart.
	Duration time.Duration
}

// Session is one sample's Python interpreter: a stateful kernel whose variables survive from
// one Exec to the next, with the sample's images pre-loaded. It starts the interpreter on the
// first Exec (or Start), and again after a timeout or a crash. Its methods may be called from
// several goroutines; calls run one at a time.
type Session struct {
	cfg    Config
	limits replyLimits
	images []string // paths as the driver sees them
	// The driver and the images: sealed memfds bound into the sandbox, or, when unsafe, files in
	// the private directory dir, locked by lock (see files.go).
	data []boundFile
	dir  string
	lock *os.File

	mu      sync.Mutex
	proc    *process
	started bool // an interpreter was started before
	closed  bool
}

// NewSession prepares a session for images (image_1 is images[0]): it checks the configuration
// and prepares the driver and the images for the sandbox (in memory; without the sandbox, in a
// private temporary directory), without starting the interpreter. The first call in a process
// also marks the descriptors the process inherited close-on-exec (MarkInheritedCloseOnExec) and
// removes the temporary directories of a realx that was killed.
func NewSession(cfg Config, images []*runners.Image) (*Session, error) {
	return newSession(cfg, images, driverSource)
}

// newSession is NewSession with the driver's source; tests pass hostile drivers.
func newSession(cfg Config, images []*runners.Image, driver []byte) (*Session, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if err := closeInheritedOnce(); err != nil {
		return nil, err
	}
	removeLeftoversOnce()
	s := &Session{cfg: cfg, limits: cfg.replyLimits()}
	if err := s.sessionFiles(driver, images); err != nil {
		s.removeFiles()
		return nil, err
	}
	return s, nil
}

// removeFiles closes the memfds and removes the private directory, if any.
func (s *Session) removeFiles() error {
	for _, b := range s.data {
		b.f.Close()
	}
	s.data = nil
	if s.dir == "" {
		return nil
	}
	err := os.RemoveAll(s.dir)
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

func imageExt(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/bmp":
		return ".bmp"
	}
	return ""
}

// Start starts the interpreter now, if it is not running, and loads the images; Exec does
// that itself when needed. A returned error means the sandbox could not start.
func (s *Session) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.proc != nil {
		return nil
	}
	return s.startLocked(ctx)
}

// Exec runs code as one cell. Problems of the code itself (an exception, a timeout, a crash of
// the interpreter) are in the Result; a returned error means the sandbox failed (it could not
// start) or ctx ended, and then the interpreter was killed.
func (s *Session) Exec(ctx context.Context, code string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	t0 := time.Now()
	res := &Result{}
	if s.proc == nil {
		res.Restarted = s.started
		if err := s.startLocked(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.execLocked(ctx, code, res); err != nil {
		return nil, err
	}
	if res.Restarted {
		res.Stderr = "Note: the Python kernel was restarted because the previous call failed: variables defined before are lost (the images are loaded again as image_1, …).\n" + res.Stderr
	}
	res.Duration = time.Since(t0)
	return res, nil
}

// Close kills the interpreter and removes the session's files.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
	return s.removeFiles()
}

// process is one running interpreter.
type process struct {
	cmd    *exec.Cmd
	launch *launch    // its cgroup, released by kill
	req    *os.File   // our end of the driver's fd 3
	files  []*os.File // our ends of its fds 3, 4, 1 and 2
	// ends are the sandbox's ends of its fds 1 and 2, which realx keeps to write the end of
	// each call's output: the marker never enters the sandbox.
	ends []*os.File
	// rep reads the replies from our end of fd 4, at most limit bytes a line.
	rep       *bufio.Reader
	limit     int
	out, errs *capture
	exited    chan struct{} // closed when the process has been reaped
	killOnce  sync.Once
}

// startLocked starts an interpreter and loads the images.
func (s *Session) startLocked(ctx context.Context) error {
	l, err := s.cfg.launch(s.dir, s.data)
	if err != nil {
		return fmt.Errorf("python sandbox: %w", err)
	}
	cmd := l.cmd
	var ours, theirs []*os.File
	closeAll := func(files []*os.File) {
		for _, f := range files {
			f.Close()
		}
	}
	// fds 3 and 4 are pipes (nothing in the sandbox but the supervisor ever holds them); fds
	// 1 and 2 are sockets (see streamPair).
	for _, mk := range []func() (*os.File, *os.File, error){
		func() (*os.File, *os.File, error) { r, w, err := os.Pipe(); return w, r, err },
		os.Pipe,
		func() (*os.File, *os.File, error) { return streamPair("python-stdout") },
		func() (*os.File, *os.File, error) { return streamPair("python-stderr") },
	} {
		o, t, err := mk()
		if err != nil {
			closeAll(ours)
			closeAll(theirs)
			return fmt.Errorf("python sandbox: %w", err)
		}
		ours, theirs = append(ours, o), append(theirs, t)
	}
	cmd.Stdout, cmd.Stderr = theirs[2], theirs[3]
	cmd.ExtraFiles = []*os.File{theirs[0], theirs[1]} // fds 3 and 4, then the bound files
	for _, b := range s.data {
		// bwrap reads each from its current offset, so that a restart needs it rewound.
		if _, err := b.f.Seek(0, io.SeekStart); err != nil {
			closeAll(ours)
			closeAll(theirs)
			return fmt.Errorf("python sandbox: %w", err)
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, b.f)
	}
	p := &process{
		cmd: cmd, launch: l, req: ours[0], files: ours,
		rep: bufio.NewReaderSize(ours[1], 64<<10), limit: s.limits.readLimit(),
		out: newCapture(s.cfg.MaxOutputBytes), errs: newCapture(s.cfg.MaxOutputBytes), exited: make(chan struct{}),
	}
	err = l.start()
	closeAll(theirs[:2])
	if err != nil {
		closeAll(theirs[2:])
		closeAll(ours)
		return fmt.Errorf("python sandbox: starting %s: %w", cmd.Path, err)
	}
	p.ends = theirs[2:]
	go p.out.run(ours[2])
	go p.errs.run(ours[3])
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	s.started = true

	init := map[string]any{
		"op":     "init",
		"images": s.images,
		"limits": map[string]int64{
			"as":     max(s.cfg.MemoryBytes, 0),
			"cpu":    max(s.cfg.CPUSeconds, 0),
			"nproc":  max(s.cfg.MaxProcs, 0),
			"fsize":  max(s.cfg.FileSizeBytes, 0),
			"nofile": max(s.cfg.MaxOpenFiles, 0),
		},
		"max_images":       s.limits.maxImages,
		"max_pixels":       s.limits.maxPixels,
		"image_bytes":      s.limits.imageBytes,
		"call_image_bytes": s.limits.callBytes,
		"reply_bytes":      s.limits.line,
		"drop_blank":       s.cfg.DropBlankImages,
		"mode":             s.cfg.Mode,
		"soft_timeout":     0.0,
	}
	if s.cfg.Mode == ModeDeepEyesV2 {
		init["soft_timeout"] = s.cfg.CallTimeout.Seconds()
	}
	line, st := p.roundTrip(ctx, init, s.cfg.StartTimeout)
	var ready driverReply
	if st == replied {
		if err := json.Unmarshal(line, &ready); err != nil {
			st = garbled
		}
	}
	if st == replied && ready.OK {
		s.proc = p
		return nil
	}
	p.kill()
	why := strings.TrimSpace(p.errs.take())
	switch {
	case st == replied:
		why = capString(ready.Err, s.cfg.MaxOutputBytes) + "\n" + why
	case st == timedOut:
		why = fmt.Sprintf("no answer within %s\n%s", s.cfg.StartTimeout, why)
	case st == cancelled:
		return ctx.Err()
	case st == garbled:
		why = "its reply was garbled\n" + why
	default:
		why = exitText(p.cmd.ProcessState) + "\n" + why
	}
	return fmt.Errorf("python sandbox did not start: %s", strings.TrimSpace(why))
}

type roundTripStatus int

const (
	replied   roundTripStatus = iota
	timedOut                  // no reply in time
	crashed                   // the driver's pipes closed: it died
	garbled                   // the reply was not the driver's (set by the caller), or too long
	cancelled                 // ctx ended
)

// roundTrip sends one request and reads its reply, in the calling goroutine: a deadline on fd
// 4 stands for the timeout and for ctx. A reply over p.limit bytes is garbled, and reading
// stops there, so that realx's memory stays bounded whatever the sandbox writes.
func (p *process) roundTrip(ctx context.Context, msg any, timeout time.Duration) ([]byte, roundTripStatus) {
	data, err := json.Marshal(msg)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	if _, err := p.req.Write(append(data, '\n')); err != nil {
		return nil, crashed
	}
	f := p.files[1]
	if err := f.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, crashed
	}
	expired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = f.SetReadDeadline(time.Unix(1, 0))
		close(expired)
	})
	line, err := readLine(p.rep, p.limit)
	if !stop() && err == nil {
		<-expired // so that the deadline it set does not outlive this call
	}
	switch {
	case err == nil:
		return line, replied
	case errors.Is(err, errReplyTooLong):
		return nil, garbled
	case errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil:
		return nil, cancelled
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, timedOut
	}
	return nil, crashed
}

// kill kills the interpreter with its process group (and, in bwrap, its whole pid namespace),
// reaps it and closes the pipes and sockets. The output captured so far stays readable.
func (p *process) kill() {
	p.killOnce.Do(func() {
		if pid := p.cmd.Process.Pid; pid > 0 {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.launch.release() // kills what is left in the sandbox's cgroup, and removes it
		for _, f := range p.ends {
			f.Close()
		}
		// The sockets reach EOF once every process of the sandbox is gone; a process that left
		// the group (possible only without bwrap) may hold them open, so do not wait long.
		deadline := time.After(2 * time.Second)
		for _, c := range []*capture{p.out, p.errs} {
			select {
			case <-c.eof:
			case <-deadline:
			}
		}
		for _, f := range p.files {
			f.Close()
		}
	})
}

// exitText describes how the interpreter ended.
func exitText(st *os.ProcessState) string {
	if st == nil {
		return "the process did not exit"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return killedBy(ws.Signal())
	}
	// bwrap reports a child killed by a signal as 128+signal.
	code := st.ExitCode()
	if code > 128 && code < 128+65 {
		return killedBy(syscall.Signal(code - 128))
	}
	return fmt.Sprintf("exit status %d", code)
}

func killedBy(sig syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGKILL: "SIGKILL (a limit, or a kill)",
		syscall.SIGSEGV: "SIGSEGV (segmentation fault)",
		syscall.SIGABRT: "SIGABRT (aborted)",
		syscall.SIGBUS:  "SIGBUS (bus error)",
		syscall.SIGFPE:  "SIGFPE (arithmetic error)",
		syscall.SIGILL:  "SIGILL (illegal instruction)",
		syscall.SIGTERM: "SIGTERM",
		syscall.SIGXCPU: "SIGXCPU (CPU time limit)",
		syscall.SIGXFSZ: "SIGXFSZ (file size limit)",
		syscall.SIGPIPE: "SIGPIPE",
	}
	if n, ok := names[sig]; ok {
		return "killed by " + n
	}
	return fmt.Sprintf("killed by signal %d (%s)", int(sig), sig)
}

// execLocked runs one cell in the running interpreter and fills res.
func (s *Session) execLocked(ctx context.Context, code string, res *Result) error {
	p := s.proc
	marker := newMarker()
	outC, errC := p.out.expect(marker), p.errs.expect(marker)
	line, st := p.roundTrip(ctx, map[string]string{"op": "exec", "code": code}, s.cfg.hardTimeout())
	var why string // what was garbled
	var out *execReply
	switch st {
	case replied:
		var err error
		if out, err = parseExecReply(line, s.limits, s.cfg.MaxOutputBytes, s.cfg.Mode == ModeDeepEyesV2); err != nil {
			st, why = garbled, err.Error()
		}
	case garbled:
		why = fmt.Sprintf("a reply over %d bytes", s.limits.readLimit())
	}
	if st != replied {
		if st == crashed {
			// Let it finish dying, to report its own exit status rather than our kill.
			select {
			case <-p.exited:
			case <-time.After(time.Second):
			}
		}
		p.kill()
		s.proc = nil
		res.Stdout, res.Stderr = p.out.take(), p.errs.take()
		switch st {
		case cancelled:
			return ctx.Err()
		case timedOut:
			res.Error = fmt.Sprintf("timeout after %s", s.cfg.CallTimeout)
		case garbled:
			res.Error = fmt.Sprintf("process crashed: the driver's reply was garbled (%s)", why)
		default:
			res.Error = "process crashed: " + exitText(p.cmd.ProcessState)
		}
		if s.cfg.Mode == ModeDeepEyesV2 {
			// The sandbox server answered a call whose process it had to kill, or that died,
			// with this and nothing else.
			res.Stdout, res.Stderr = "", "TimeOutError: code execution timed out"
			return nil
		}
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf(
			"Error: %s. The Python kernel was stopped; the next call starts a fresh one, without the variables defined so far.", res.Error))
		return nil
	}
	// The kernel flushed its output before it replied, so everything it wrote is in the
	// sockets, before the markers.
	for _, f := range p.ends {
		_, _ = f.Write([]byte(marker))
	}
	wait := time.NewTimer(5 * time.Second)
	defer wait.Stop()
	for _, c := range []struct {
		ch  <-chan string
		cap *capture
		dst *string
	}{{outC, p.out, &res.Stdout}, {errC, p.errs, &res.Stderr}} {
		select {
		case *c.dst = <-c.ch:
		case <-wait.C:
			*c.dst = c.cap.take()
		}
	}
	res.Error = out.err
	res.Images = out.images
	res.DroppedImages = out.dropped + out.blank + out.tooBig
	if out.dropped > 0 {
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf("Note: %d more image(s) not shown: at most %d per call.", out.dropped, s.cfg.MaxImages))
	}
	if out.tooBig > 0 {
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf("Note: %d image(s) not shown: at most %d bytes of PNG per image and %d per call.",
			out.tooBig, s.limits.imageBytes, s.limits.callBytes))
	}
	return nil
}

func appendLine(s, line string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s + line + "\n"
}

// newMarker returns a fresh end-of-call marker: NUL bytes around 128 random bits, which user
// output does not contain by chance.
func newMarker() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "\x00realx-end-" + hex.EncodeToString(b[:]) + "\x00"
}
