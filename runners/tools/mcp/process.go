package mcp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// process is a server's command, running in a process group of its own.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *cappedBuffer
	home   string // its private HOME, removed when it stops
	// exited is closed when the command has exited (not yet reaped: its group id stays
	// reserved until stop kills the group and reaps it).
	exited chan struct{}
}

// cleanEnv is the environment every server command starts with, before the variables the user
// allows it.
func cleanEnv(home string) []string {
	return []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + home, "TMPDIR=" + home}
}

// startProcess starts cfg's command: in its own process group, killed with realx, with a clean
// environment and a private HOME, no descriptor of realx's but its pipes.
func startProcess(cfg Config) (*process, error) {
	// Marked before each start, not once: a descriptor opened without the flag since (by C
	// code, or syscall.Open) would reach the server too.
	if err := python.MarkInheritedCloseOnExec(); err != nil {
		return nil, fmt.Errorf("MCP server %s: %w", cfg.Name, err)
	}
	home, err := os.MkdirTemp("", "realx-mcp-*")
	if err != nil {
		return nil, fmt.Errorf("MCP server %s: %w", cfg.Name, err)
	}
	cmd := exec.Command(cfg.Command[0], cfg.Command[1:]...)
	cmd.Dir = cfg.Dir
	if cmd.Dir == "" {
		cmd.Dir = home
	}
	cmd.Env = append(cleanEnv(home), cfg.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &process{cmd: cmd, stderr: &cappedBuffer{max: maxStderr}, home: home, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = time.Second
	if p.stdin, err = cmd.StdinPipe(); err == nil {
		p.stdout, err = cmd.StdoutPipe()
	}
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		os.RemoveAll(home)
		return nil, fmt.Errorf("MCP server %s: starting %s: %w", cfg.Name, cfg.Command[0], err)
	}
	pid := cmd.Process.Pid
	go func() {
		// Wait for the exit without reaping, so that the group id is not reused before stop
		// has killed the group.
		var info unix.Siginfo
		for {
			err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
			if err != unix.EINTR {
				break
			}
		}
		close(p.exited)
	}()
	return p, nil
}

// stop stops the command: its standard input closed (the MCP way to end a stdio server), then
// SIGTERM to its group after a grace, then SIGKILL to its group, always, before it is reaped.
func (p *process) stop() error {
	_ = p.stdin.Close()
	pid := p.cmd.Process.Pid
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(stopGrace):
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	err := p.cmd.Wait()
	os.RemoveAll(p.home)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil // it was stopped
	}
	return err
}

// cappedBuffer keeps the last max bytes written to it.
type cappedBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.b = append(c.b, p...)
	if over := len(c.b) - c.max; over > 0 {
		c.b = bytes.Clone(c.b[over:])
	}
	return len(p), nil
}

func (c *cappedBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.b)
}

// httpClient is the client of a URL server: no proxy, bounded headers and, unless
// allowPrivate, no connection to an address that is not public (checked at each address
// dialled).
func httpClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			if allowPrivate {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%s is not an IP address", address)
			}
			if why := tasks.NonPublicAddress(ap.Addr()); why != "" {
				return fmt.Errorf("refusing to connect to %s: it %s (--allow-private-urls allows it)", ap.Addr(), why)
			}
			return nil
		},
	}
	return &http.Client{
		Transport: cappedTransport{&http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			TLSHandshakeTimeout:    10 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
			IdleConnTimeout:        90 * time.Second,
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("an MCP server may not redirect")
		},
	}
}

// maxResponse caps the body of one HTTP answer of a server: the SDK reads a JSON answer whole.
const maxResponse = 16 << 20

// cappedTransport caps the body of every answer at maxResponse.
type cappedTransport struct{ base http.RoundTripper }

func (t cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxResponse}
	}
	return resp, err
}

// cappedBody reads a body up to left bytes, and fails past them.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		b.left = -1
		return 0, fmt.Errorf("the MCP server's answer is longer than %d bytes", maxResponse)
	}
	b.left -= int64(n)
	return n, err
}
