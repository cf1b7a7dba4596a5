package python

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	dir    string
	images []string // paths as the driver sees them

	mu      sync.Mutex
	proc    *process
	started bool // an interpreter was started before
	closed  bool
}

// NewSession prepares a session for images (image_1 is images[0]): it checks the configuration
// and writes the images to a private temporary directory, without starting the interpreter.
func NewSession(cfg Config, images []*runners.Image) (*Session, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "realx-python-")
	if err != nil {
		return nil, err
	}
	s := &Session{cfg: cfg, dir: dir}
	if err := s.writeFiles(images); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// writeFiles lays out the session directory: driver.py, images/image_N.ext and, when unsafe,
// the working directory work/. When realx runs as root the sandbox runs as cfg.UID, so the
// files are made readable (and work/ writable) for it; the names stay unlisted to others.
func (s *Session) writeFiles(images []*runners.Image) error {
	root := os.Geteuid() == 0
	if err := os.WriteFile(filepath.Join(s.dir, "driver.py"), driverSource, 0o644); err != nil {
		return err
	}
	imgDir := filepath.Join(s.dir, "images")
	if err := os.Mkdir(imgDir, 0o711); err != nil {
		return err
	}
	names := make([]string, len(images))
	for i, img := range images {
		if img == nil || len(img.Data) == 0 {
			return fmt.Errorf("image_%d is empty", i+1)
		}
		names[i] = fmt.Sprintf("image_%d%s", i+1, imageExt(img.MIME))
		if err := os.WriteFile(filepath.Join(imgDir, names[i]), img.Data, 0o644); err != nil {
			return err
		}
	}
	s.images = s.cfg.imagePaths(s.dir, names)
	if s.cfg.Unsafe {
		work := filepath.Join(s.dir, "work")
		if err := os.Mkdir(work, 0o700); err != nil {
			return err
		}
		if root {
			if err := os.Chown(work, s.cfg.UID, s.cfg.GID); err != nil {
				return err
			}
		}
	}
	return os.Chmod(s.dir, 0o711)
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
	return os.RemoveAll(s.dir)
}

// process is one running interpreter.
type process struct {
	cmd       *exec.Cmd
	launch    *launch  // its cgroup, released by kill
	req       *os.File // our end of the driver's fd 3
	files     []*os.File
	replies   chan []byte // one line per reply; closed at the end of fd 4
	out, errs *capture
	stop      chan struct{} // closed by kill
	exited    chan struct{} // closed when the process has been reaped
	killOnce  sync.Once
}

// startLocked starts an interpreter and loads the images.
func (s *Session) startLocked(ctx context.Context) error {
	l, err := s.cfg.launch(s.dir)
	if err != nil {
		return fmt.Errorf("python sandbox: %w", err)
	}
	cmd := l.cmd
	var ours, theirs []*os.File
	pipe := func() (r, w *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			panic(err) // only when out of file descriptors; recovered below
		}
		return r, w
	}
	var p *process
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("python sandbox: pipes: %v", r)
			}
		}()
		reqR, reqW := pipe()
		repR, repW := pipe()
		outR, outW := pipe()
		errR, errW := pipe()
		ours = []*os.File{reqW, repR, outR, errR}
		theirs = []*os.File{reqR, repW, outW, errW}
		cmd.Stdout, cmd.Stderr = outW, errW
		cmd.ExtraFiles = []*os.File{reqR, repW} // fds 3 and 4
		p = &process{
			cmd: cmd, launch: l, req: reqW, files: ours,
			replies: make(chan []byte), out: newCapture(s.cfg.MaxOutputBytes), errs: newCapture(s.cfg.MaxOutputBytes),
			stop: make(chan struct{}), exited: make(chan struct{}),
		}
		return l.start()
	}()
	for _, f := range theirs {
		f.Close()
	}
	if err != nil {
		for _, f := range ours {
			f.Close()
		}
		return fmt.Errorf("python sandbox: starting %s: %w", cmd.Path, err)
	}
	go p.out.run(ours[2])
	go p.errs.run(ours[3])
	go p.readReplies(ours[1])
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
		"max_images": s.cfg.MaxImages,
		"max_pixels": max(s.cfg.MaxImagePixels, 0),
		"drop_blank": s.cfg.DropBlankImages,
	}
	line, st := p.roundTrip(ctx, init, s.cfg.StartTimeout)
	var rep driverReply
	if st == replied {
		if err := json.Unmarshal(line, &rep); err != nil {
			st = garbled
		}
	}
	if st == replied && rep.OK {
		s.proc = p
		return nil
	}
	p.kill()
	why := strings.TrimSpace(p.errs.take())
	switch {
	case st == replied:
		why = rep.Err + "\n" + why
	case st == timedOut:
		why = fmt.Sprintf("no answer within %s\n%s", s.cfg.StartTimeout, why)
	case st == cancelled:
		return ctx.Err()
	default:
		why = exitText(p.cmd.ProcessState) + "\n" + why
	}
	return fmt.Errorf("python sandbox did not start: %s", strings.TrimSpace(why))
}

// driverReply is the driver's answer to a request.
type driverReply struct {
	OK     bool          `json:"ok"`
	Err    string        `json:"error"` // init: why it failed; exec: the exception's last line
	Images []driverImage `json:"images"`
	// Dropped counts images over the cap; Blank counts the blank ones dropped.
	Dropped int `json:"dropped"`
	Blank   int `json:"blank"`
}

type driverImage struct {
	PNG    string `json:"png"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

type roundTripStatus int

const (
	replied   roundTripStatus = iota
	timedOut                  // no reply in time
	crashed                   // the driver's pipes closed: it died
	garbled                   // the reply was not JSON
	cancelled                 // ctx ended
)

// roundTrip sends one request and waits for its reply.
func (p *process) roundTrip(ctx context.Context, msg any, timeout time.Duration) ([]byte, roundTripStatus) {
	data, err := json.Marshal(msg)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	if _, err := p.req.Write(append(data, '\n')); err != nil {
		return nil, crashed
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line, ok := <-p.replies:
		if !ok {
			return nil, crashed
		}
		return line, replied
	case <-timer.C:
		return nil, timedOut
	case <-ctx.Done():
		return nil, cancelled
	}
}

// readReplies passes each line of fd 4 to p.replies until EOF or kill.
func (p *process) readReplies(f *os.File) {
	defer close(p.replies)
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return
		}
		select {
		case p.replies <- line:
		case <-p.stop:
			return
		}
	}
}

// kill kills the interpreter with its process group (and, in bwrap, its whole pid namespace),
// reaps it and closes the pipes. The output captured so far stays readable.
func (p *process) kill() {
	p.killOnce.Do(func() {
		close(p.stop)
		if pid := p.cmd.Process.Pid; pid > 0 {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.launch.release() // kills what is left in the sandbox's cgroup, and removes it
		// The pipes reach EOF once every process of the sandbox is gone; a process that left
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
	line, st := p.roundTrip(ctx, map[string]string{"op": "exec", "code": code, "marker": marker}, s.cfg.CallTimeout)
	var rep driverReply
	if st == replied {
		if err := json.Unmarshal(line, &rep); err != nil || !rep.OK {
			st = garbled
		}
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
			res.Error = "process crashed: the driver's reply was garbled (the code wrote to the protocol's file descriptor)"
		default:
			res.Error = "process crashed: " + exitText(p.cmd.ProcessState)
		}
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf(
			"Error: %s. The Python kernel was stopped; the next call starts a fresh one, without the variables defined so far.", res.Error))
		return nil
	}
	// The driver wrote the markers before replying, so they are in the pipes already.
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
	res.Error = rep.Err
	for _, im := range rep.Images {
		data, err := base64.StdEncoding.DecodeString(im.PNG)
		if err != nil {
			continue
		}
		res.Images = append(res.Images, &runners.Image{Data: data, MIME: "image/png", Width: im.Width, Height: im.Height})
	}
	res.DroppedImages = rep.Dropped + rep.Blank
	if rep.Dropped > 0 {
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf("Note: %d more image(s) not shown: at most %d per call.", rep.Dropped, s.cfg.MaxImages))
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
