package python

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

var (
	probeOnce sync.Once
	probeBwrap,
	probePython string // why the sandbox or the interpreter is unusable; "" when fine
)

// probe checks once for bwrap and for /usr/bin/python3 with PIL.
func probe() {
	probeOnce.Do(func() {
		if err := checkPIL(context.Background(), DefaultInterpreter); err != nil {
			probePython = err.Error()
		}
		if _, err := exec.LookPath("bwrap"); err != nil {
			probeBwrap = "bwrap not found in PATH"
		}
	})
}

// needPython skips the test when /usr/bin/python3 with PIL is missing, or fails it when
// REALX_REQUIRE_SANDBOX=1.
func needPython(t testing.TB) {
	t.Helper()
	probe()
	skipOrFail(t, probePython)
}

// needSandbox is needPython plus bwrap.
func needSandbox(t testing.TB) {
	t.Helper()
	needPython(t)
	skipOrFail(t, probeBwrap)
}

func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if why == "" {
		return
	}
	if os.Getenv("REALX_REQUIRE_SANDBOX") == "1" {
		t.Fatalf("REALX_REQUIRE_SANDBOX=1 but the Python sandbox cannot run: %s "+
			"(apt-get install -y bubblewrap python3-pil python3-numpy python3-sympy python3-matplotlib)", why)
	}
	t.Skipf("skipping: the Python sandbox needs bwrap and /usr/bin/python3 with PIL: %s", why)
}

// testImage returns a w×h PNG whose pixel (x, y) is (x, y, 128).
func testImage(t testing.TB, w, h int) *runners.Image {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, m))
	return &runners.Image{Data: buf.Bytes(), MIME: "image/png", Width: w, Height: h}
}

// openSession starts a session with one 64×48 image; tweak adjusts the config.
func openSession(t testing.TB, tweak func(*Config)) *Session {
	t.Helper()
	cfg := Config{CallTimeout: 20 * time.Second}
	if tweak != nil {
		tweak(&cfg)
	}
	if !cfg.Unsafe {
		needSandbox(t)
	} else {
		needPython(t)
	}
	s, err := NewSession(cfg, []*runners.Image{testImage(t, 64, 48)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func run(t testing.TB, s *Session, code string) *Result {
	t.Helper()
	r, err := s.Exec(context.Background(), code)
	require.NoError(t, err)
	return r
}

// assertFreshKernel checks that the next call runs in a fresh kernel, with the images loaded
// again.
func assertFreshKernel(t *testing.T, s *Session) {
	t.Helper()
	r := run(t, s, "image_1.size")
	assert.True(t, r.Restarted)
	assert.Equal(t, "(64, 48)\n", r.Stdout)
}

func secret(t testing.TB) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "realx-secret-" + hex.EncodeToString(b[:])
}

func TestNoNetwork(t *testing.T) {
	s := openSession(t, nil)
	// A listener on the host's loopback: reachable from any process that shares the host's
	// network namespace, whatever the machine's internet access.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := run(t, s, fmt.Sprintf(`
import socket
def attempt(name, f):
    try:
        f()
        print(name, "OK")
    except OSError as e:
        print(name, "failed:", e)
def connect(addr):
    c = socket.socket()
    c.settimeout(3)
    c.connect(addr)
attempt("host", lambda: connect(("127.0.0.1", %d)))
attempt("internet", lambda: connect(("1.1.1.1", 53)))
attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
print("interfaces", sorted(n for _, n in socket.if_nameindex()))
`, port))
	assert.Empty(t, r.Error, r.Stderr)
	assert.Contains(t, r.Stdout, "host failed:")
	assert.Contains(t, r.Stdout, "internet failed:")
	assert.Contains(t, r.Stdout, "dns failed:")
	assert.Contains(t, r.Stdout, "interfaces ['lo']")
}

func TestNoHostFilesNorEnvironment(t *testing.T) {
	s := openSession(t, nil)
	value := secret(t)
	t.Setenv("REALX_TEST_SECRET", value)
	t.Setenv("OPENAI_API_KEY", value)
	name := ".realx-test-" + secret(t)
	paths := []string{filepath.Join(t.TempDir(), "secret.txt"), "/root/" + name}
	if home, err := os.UserHomeDir(); err == nil && home != "/root" {
		paths = append(paths, filepath.Join(home, name))
	}
	var made []string
	for _, p := range paths {
		if os.WriteFile(p, []byte(value), 0o644) == nil {
			made = append(made, p)
			defer os.Remove(p)
		}
	}
	require.NotEmpty(t, made)
	list, _ := json.Marshal(made)
	// The session's interpreter starts now, with the secret in realx's environment.
	r := run(t, s, fmt.Sprintf(`
import os, json
for p in json.loads(%q):
    try:
        print("READ", p, open(p).read())
    except OSError as e:
        print("denied", p, type(e).__name__)
found = [k for k, v in os.environ.items() if %q in v]
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            if %q.encode() in open("/proc/%%s/environ" %% pid, "rb").read():
                found.append("/proc/%%s/environ" %% pid)
        except OSError:
            pass
print("found", found)
print("root", sorted(os.listdir("/")))
`, list, value, value))
	assert.Empty(t, r.Error, r.Stderr)
	assert.NotContains(t, r.Stdout, "READ")
	assert.Contains(t, r.Stdout, "found []")
	assert.NotContains(t, r.Stdout, "'root'")
	assert.NotContains(t, r.Stdout, "'home'")
	assert.NotContains(t, r.Stdout, value)
}

// TestRootRunsTheSandboxUnprivileged: when realx runs as root, the code runs as DefaultUID
// (nobody), not as root, so that RLIMIT_NPROC applies and no file of root's is its own.
func TestRootRunsTheSandboxUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: realx does not run as root here, and the sandbox runs as its user")
	}
	s := openSession(t, nil)
	r := run(t, s, "import os\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())")
	assert.Equal(t, fmt.Sprintf("%d %d %d []\n", DefaultUID, DefaultUID, DefaultUID), r.Stdout, r.Stderr)
}

func TestNoWritesOutsideTmp(t *testing.T) {
	s := openSession(t, func(c *Config) { c.FileSizeBytes = 8 << 20; c.TmpBytes = 16 << 20 })
	r := run(t, s, `
import os
for p in ["/usr/realx-test", "/etc/realx-test", "/realx/images/new.png", "/realx/images/image_1.png", "/realx/driver.py", "/realx-test", "/dev/realx-test"]:
    try:
        with open(p, "a") as f:
            f.write("x")
        print("WROTE", p)
    except OSError as e:
        print("denied", p, e.strerror)
with open("/tmp/ok.txt", "w") as f:
    f.write("fine")
print("tmp", open("/tmp/ok.txt").read(), os.getcwd())
`)
	assert.Empty(t, r.Error, r.Stderr)
	assert.NotContains(t, r.Stdout, "WROTE")
	assert.Equal(t, 7, strings.Count(r.Stdout, "denied /"), r.Stdout)
	assert.Contains(t, r.Stdout, "tmp fine /tmp")
	// No file may pass FileSizeBytes, and /dev/shm (like /tmp) is a small private tmpfs.
	r = run(t, s, `
try:
    with open("/tmp/big", "wb") as f:
        for _ in range(100):
            f.write(b"x" * (1 << 20))
except OSError as e:
    print("full", e.strerror)
import os
os.remove("/tmp/big")
`)
	assert.Empty(t, r.Error, r.Stderr)
	assert.Contains(t, r.Stdout, "full File too large")
	r = run(t, s, `
n = 0
try:
    while n < 64:
        with open("/dev/shm/f%d" % n, "wb") as f:
            f.write(b"x" * (5 << 20))
        n += 1
except OSError as e:
    print("shm full after", n, e.strerror)
`)
	assert.Contains(t, r.Stdout, "shm full after 3 No space left on device")
}

func TestForkBombStopped(t *testing.T) {
	s := openSession(t, func(c *Config) { c.MaxProcs = 16; c.CallTimeout = 3 * time.Second })
	// Forks until fork fails; the 300 bound only keeps a broken sandbox from hurting the machine.
	r := run(t, s, `
import os, time
n = 0
try:
    while n < 300:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
    print("NOT STOPPED", n)
except OSError as e:
    print("fork failed after", n, e.strerror)
`)
	require.Empty(t, r.Error, r.Stderr)
	require.Contains(t, r.Stdout, "fork failed after", "without the limit the bomb below would hurt the machine")
	// A real bomb: every process forks forever. The limit holds it; the timeout kills it all.
	r = run(t, s, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass")
	assert.Equal(t, "timeout after 3s", r.Error)
	r = run(t, s, "print(image_1.size)")
	assert.True(t, r.Restarted)
	assert.Equal(t, "(64, 48)\n", r.Stdout)
}

func TestMemoryBombStopped(t *testing.T) {
	s := openSession(t, func(c *Config) { c.MemoryBytes = 512 << 20 })
	r := run(t, s, "x = bytearray(3 << 30)")
	assert.Equal(t, "MemoryError", r.Error)
	assert.Contains(t, r.Stderr, "MemoryError")
	r = run(t, s, "x = []\nwhile True:\n    x.append(bytearray(8 << 20))")
	assert.Equal(t, "MemoryError", r.Error)
	r = run(t, s, "del x\nprint('alive')")
	assert.Equal(t, "alive\n", r.Stdout)
	assert.False(t, r.Restarted)
}

// TestEndlessLoopStoppedByCPULimit shows what stops code that spins: the CPU limit, which
// counts the interpreter's CPU time, not the wall clock, so that a loaded machine changes
// nothing but how long the test takes. The wall-clock timeout is out of its way, at two
// minutes: were the CPU limit gone, the calls would end by that timeout instead, and the
// assertions on the error would fail. Past a call's budget its code gets CPUTimeExceeded,
// which `except Exception` does not catch, and the kernel lives on with its state. Each call
// has a budget of its own: without it, the kernel would signal again one second of CPU time
// after the last signal, too soon for the second call's 1.5 s. The hard limit, ten budgets
// over the interpreter's life, kills a kernel that swallows the exception, and the next call
// gets a fresh one.
func TestEndlessLoopStoppedByCPULimit(t *testing.T) {
	s := openSession(t, func(c *Config) { c.CPUSeconds = 2; c.CallTimeout = 2 * time.Minute })
	const exceeded = "CPUTimeExceeded: CPU time limit exceeded (2s per call)"
	run(t, s, "x = 41")
	r := run(t, s, "while True:\n    pass")
	assert.Equal(t, exceeded, r.Error)
	assert.Contains(t, r.Stderr, exceeded)
	assert.False(t, r.Restarted)
	r = run(t, s, "import time\nt0 = time.process_time()\nwhile time.process_time() - t0 < 1.5:\n    pass\nx + 1")
	assert.Empty(t, r.Error, r.Stderr)
	assert.Equal(t, "42\n", r.Stdout)
	r = run(t, s, "try:\n    while True:\n        pass\nexcept Exception:\n    print('swallowed')")
	assert.Equal(t, exceeded, r.Error)
	assert.NotContains(t, r.Stdout, "swallowed")
	r = run(t, s, "import resource\nprint(x, resource.getrlimit(resource.RLIMIT_CPU)[1])")
	assert.Equal(t, "41 20\n", r.Stdout, "the kernel kept its state; the hard limit is ten budgets")
	assert.False(t, r.Restarted)
	// Code that catches CPUTimeExceeded (a BaseException) and spins on is killed at the hard
	// limit; the code lowers it to a second from now, to spare the test the whole of it.
	r = run(t, s, `
import math, resource
used = resource.getrusage(resource.RUSAGE_SELF)
hard = math.ceil(used.ru_utime + used.ru_stime) + 1
resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
`)
	assert.Contains(t, r.Error, "process crashed")
	assertFreshKernel(t, s)
}

func TestSleepStoppedByTimeoutThenFreshKernel(t *testing.T) {
	s := openSession(t, func(c *Config) { c.CallTimeout = 2 * time.Second })
	run(t, s, "x = 41")
	r := run(t, s, "import time\nprint('before', flush=True)\ntime.sleep(1000)")
	assert.Equal(t, "timeout after 2s", r.Error)
	assert.Contains(t, r.Stdout, "before")
	assert.Contains(t, r.Stderr, "timeout after 2s")
	// The call lasted its timeout and was then stopped, not waited out. The upper bound is
	// far from both the 2 s timeout and the 1000 s sleep, so that no load can break it.
	assert.GreaterOrEqual(t, r.Duration, 2*time.Second)
	assert.Less(t, r.Duration, 5*time.Minute)
	r = run(t, s, "print(image_1.size)\nx")
	assert.True(t, r.Restarted)
	assert.Contains(t, r.Stderr, "restarted")
	assert.Equal(t, "(64, 48)\n", r.Stdout)
	assert.Equal(t, "NameError: name 'x' is not defined", r.Error)
	r = run(t, s, "1 + 1")
	assert.False(t, r.Restarted)
	assert.Equal(t, "2\n", r.Stdout)
}

func TestCrashThenFreshKernel(t *testing.T) {
	s := openSession(t, nil)
	run(t, s, "x = 41")
	r := run(t, s, "import os, signal\nprint('dying', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)")
	assert.Contains(t, r.Error, "process crashed")
	assert.Contains(t, r.Stdout, "dying")
	r = run(t, s, "import os\nos._exit(3)")
	assert.Contains(t, r.Error, "process crashed: exit status 3")
	assertFreshKernel(t, s)
}

func TestHugeOutputCapped(t *testing.T) {
	s := openSession(t, func(c *Config) { c.MaxOutputBytes = 1000 })
	r := run(t, s, "import os, sys\nprint('a' * 10**6)\nos.write(2, b'b' * 10**6)\nprint('end')")
	assert.Empty(t, r.Error)
	assert.Less(t, len(r.Stdout), 1100)
	assert.Contains(t, r.Stdout, "bytes truncated")
	assert.True(t, strings.HasSuffix(r.Stdout, "aaa\nend\n"), r.Stdout[len(r.Stdout)-20:])
	assert.Less(t, len(r.Stderr), 1100)
	assert.Contains(t, r.Stderr, "[… 999000 bytes truncated …]")
}

func TestStatePersists(t *testing.T) {
	s := openSession(t, nil)
	r := run(t, s, "x = 41")
	assert.Empty(t, r.Stdout)
	r = run(t, s, "x + 1")
	assert.Equal(t, "42\n", r.Stdout)
	r = run(t, s, "def f(y):\n    return y * 2\nimport numpy as np")
	r = run(t, s, "print(f(x), np.arange(3).sum())")
	assert.Equal(t, "82 3\n", r.Stdout)
	r = run(t, s, "x + 1;")
	assert.Empty(t, r.Stdout, "a trailing semicolon hides the value, as in Jupyter")
	r = run(t, s, "1/0")
	assert.Equal(t, "ZeroDivisionError: division by zero", r.Error)
	assert.Contains(t, r.Stderr, "Traceback (most recent call last):\n  File \"<cell-")
	assert.NotContains(t, r.Stderr, "driver.py")
	r = run(t, s, "print(x")
	assert.Contains(t, r.Error, "SyntaxError")
	r = run(t, s, "x")
	assert.Equal(t, "41\n", r.Stdout)
}

func TestImagesComeBack(t *testing.T) {
	s := openSession(t, nil)
	check := func(r *Result, w, h int) {
		t.Helper()
		require.Empty(t, r.Error, r.Stderr)
		require.Len(t, r.Images, 1)
		img := r.Images[0]
		assert.Equal(t, "image/png", img.MIME)
		m, err := png.Decode(bytes.NewReader(img.Data))
		require.NoError(t, err)
		assert.Equal(t, image.Pt(w, h), m.Bounds().Size())
		assert.Equal(t, w, img.Width)
		assert.Equal(t, h, img.Height)
	}
	check(run(t, s, "image_1.crop((0, 0, 10, 10))"), 10, 10)
	check(run(t, s, "display(image_1.rotate(90, expand=True))"), 48, 64)
	r := run(t, s, "import matplotlib.pyplot as plt\nplt.imshow(image_1)\nplt.show()")
	require.Len(t, r.Images, 1, r.Stderr)
	r = run(t, s, "fig, ax = plt.subplots()\nax.plot([1, 2, 3])")
	require.Len(t, r.Images, 1, "figures left open show at the end of the cell")
	r = run(t, s, "fig = plt.figure(figsize=(2, 1), dpi=50)\nfig.show()")
	require.Len(t, r.Images, 1, r.Stderr)
	r = run(t, s, "for i in range(12):\n    display(image_1)")
	assert.Len(t, r.Images, 10)
	assert.Equal(t, 2, r.DroppedImages)
	assert.Contains(t, r.Stderr, "2 more image(s)")
	r = run(t, s, "print('no images')")
	assert.Empty(t, r.Images)
}

func TestBlankImagesDroppedWhenAsked(t *testing.T) {
	s := openSession(t, func(c *Config) { c.DropBlankImages = true; c.MaxImagePixels = 100 })
	r := run(t, s, "display(Image.new('RGB', (20, 20), (255, 251, 250)))\nimage_1")
	require.Len(t, r.Images, 1)
	assert.Equal(t, 1, r.DroppedImages)
	assert.LessOrEqual(t, r.Images[0].Width*r.Images[0].Height, 100, "downscaled to MaxImagePixels")
}

func TestOutputOfOtherFDsAndProcessesDoesNotCorruptProtocol(t *testing.T) {
	s := openSession(t, nil)
	r := run(t, s, `
import os, subprocess, sys
os.write(1, b'{"ok": false, "error": "forged"}\n')
print('{"ok": false}')
os.system("echo from-shell; echo shell-err >&2; echo to-fd-3 >&3; echo to-fd-4 >&4")
subprocess.run([sys.executable, "-c", "import os; os.write(1, b'child1 '); os.write(2, b'child2 ')"])
sys.stdout = open(os.devnull, "w")
os.close(1)
`)
	assert.Empty(t, r.Error, r.Stderr)
	assert.Contains(t, r.Stdout, `{"ok": false, "error": "forged"}`)
	assert.Contains(t, r.Stdout, "from-shell")
	assert.Contains(t, r.Stdout, "child1")
	assert.Contains(t, r.Stderr, "shell-err")
	assert.Contains(t, r.Stderr, "child2")
	assert.Equal(t, 2, strings.Count(r.Stderr, "Bad file descriptor"), "fds 3 and 4 are not inherited: %s", r.Stderr)
	// A background process printing after its cell ended, and a forked copy of the kernel.
	r = run(t, s, "import subprocess\np = subprocess.Popen(['sh', '-c', 'sleep 0.2; echo late'])\nimport os\npid = os.fork()\nprint('forked', pid == 0)")
	assert.Empty(t, r.Error, r.Stderr)
	time.Sleep(500 * time.Millisecond)
	r = run(t, s, "print('next')")
	assert.Empty(t, r.Error, r.Stderr)
	assert.Contains(t, r.Stdout, "next")
	r = run(t, s, "image_1.size")
	assert.Equal(t, "(64, 48)\n", r.Stdout)
	assert.False(t, r.Restarted)
}

func TestContextCancelKillsTheCall(t *testing.T) {
	s := openSession(t, nil)
	run(t, s, "pass") // the kernel is started: the deadline below falls in the call, however slow the start
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := s.Exec(ctx, "import time\ntime.sleep(100)")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	r := run(t, s, "1")
	assert.True(t, r.Restarted)
}

func TestUnsafeBackendWorksWithoutBwrap(t *testing.T) {
	s := openSession(t, func(c *Config) { c.Unsafe = true; c.Bwrap = "/nonexistent/bwrap"; c.CallTimeout = 3 * time.Second })
	r := run(t, s, "import os\nx = 41\nprint(image_1.size, os.environ.get('HOME') == os.getcwd())")
	assert.Empty(t, r.Error, r.Stderr)
	assert.Equal(t, "(64, 48) True\n", r.Stdout)
	r = run(t, s, "x + 1")
	assert.Equal(t, "42\n", r.Stdout)
	r = run(t, s, "image_1.crop((0, 0, 10, 10))")
	require.Len(t, r.Images, 1)
	r = run(t, s, "import time\ntime.sleep(100)")
	assert.Equal(t, "timeout after 3s", r.Error)
	r = run(t, s, "x = bytearray(8 << 30)")
	assert.Equal(t, "MemoryError", r.Error)
	assert.True(t, r.Restarted)
}

func TestNewRefusesWithoutBwrapUnlessUnsafe(t *testing.T) {
	_, err := New(Config{Bwrap: "/nonexistent/bwrap"})
	require.ErrorIs(t, err, ErrNoSandbox)
	assert.Contains(t, err.Error(), "--unsafe-no-sandbox")
	_, err = NewSession(Config{Bwrap: "realx-no-such-bwrap"}, nil)
	require.ErrorIs(t, err, ErrNoSandbox)

	_, err = New(Config{Unsafe: true, Interpreter: "/nonexistent/python3"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/python3")

	needPython(t)
	tool, err := New(Config{Unsafe: true, Bwrap: "/nonexistent/bwrap"})
	require.NoError(t, err)
	assert.Equal(t, "code", tool.Def().Name)
}

func TestNewRefusesAnInterpreterWithoutPIL(t *testing.T) {
	py := filepath.Join(t.TempDir(), "python3")
	require.NoError(t, os.WriteFile(py, []byte("#!/bin/sh\necho 'No module named PIL' >&2\nexit 1\n"), 0o755))
	_, err := New(Config{Unsafe: true, Interpreter: py})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot import PIL")
}

func TestToolThroughTheRunnersInterface(t *testing.T) {
	needSandbox(t)
	var tool runners.Tool
	tool, err := New(Config{Name: "python"})
	require.NoError(t, err)
	def := tool.Def()
	assert.Equal(t, "python", def.Name)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(def.Parameters, &schema))
	assert.Equal(t, []any{"code"}, schema["required"])

	inst, err := tool.Open(context.Background(), &runners.ToolEnv{SampleID: "s1", Images: []*runners.Image{testImage(t, 64, 48)}})
	require.NoError(t, err)
	defer inst.Close()
	obs, err := inst.Call(context.Background(), json.RawMessage(`{"code": "crop = image_1.crop((0, 0, 32, 24))\ncrop.resize((64, 48))"}`))
	require.NoError(t, err)
	assert.Equal(t, KindCrop, obs.Kind)
	assert.Len(t, obs.Images, 1)
	assert.Equal(t, "(1 image)", obs.Text)
	obs, err = inst.Call(context.Background(), json.RawMessage(`{"code": "import math\nprint(math.sqrt(2) * 3)\n1/0"}`))
	require.NoError(t, err)
	assert.Equal(t, KindNumeric, obs.Kind)
	assert.Equal(t, "ZeroDivisionError: division by zero", obs.Error)
	assert.Equal(t, "4.242640687119286\n", obs.Stdout)
	assert.True(t, strings.HasPrefix(obs.Text, "4.242640687119286\nstderr:\nTraceback"), obs.Text)
	obs, err = inst.Call(context.Background(), json.RawMessage(`"print('bare string')"`))
	require.NoError(t, err)
	assert.Equal(t, "bare string\n", obs.Stdout)
	obs, err = inst.Call(context.Background(), json.RawMessage(`{"cmd": "print(1)"}`))
	require.NoError(t, err)
	assert.Contains(t, obs.Error, `"code" is missing`)
	obs, err = inst.Call(context.Background(), json.RawMessage(`{"code": "x = 1"}`))
	require.NoError(t, err)
	assert.Equal(t, "(no output)", obs.Text)
	require.NoError(t, inst.Close())
	_, err = inst.Call(context.Background(), json.RawMessage(`{"code": "1"}`))
	require.ErrorIs(t, err, ErrClosed)
}

func TestSessionsRunInParallel(t *testing.T) {
	needSandbox(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := NewSession(Config{}, []*runners.Image{testImage(t, 10+i, 10)})
			if !assert.NoError(t, err) {
				return
			}
			defer s.Close()
			for j := range 3 {
				r, err := s.Exec(context.Background(), fmt.Sprintf("n = %d\nprint(image_1.size[0], n)", j))
				if assert.NoError(t, err) {
					assert.Equal(t, fmt.Sprintf("%d %d\n", 10+i, j), r.Stdout)
				}
			}
		}()
	}
	wg.Wait()
}

func TestCloseRemovesFilesAndKills(t *testing.T) {
	s := openSession(t, nil)
	r := run(t, s, "import subprocess\np = subprocess.Popen(['sleep', '300'])\nprint(p.pid)")
	require.Empty(t, r.Error)
	pid := s.proc.cmd.Process.Pid
	require.Empty(t, s.dir, "the sandbox has no files on disk")
	memfd := s.data[0].f
	require.NoError(t, s.Close())
	_, err := memfd.Stat()
	assert.ErrorIs(t, err, os.ErrClosed, "the memfds are closed")
	assert.Error(t, exec.Command("kill", "-0", fmt.Sprint(pid)).Run(), "bwrap is gone")
	out, _ := exec.Command("pgrep", "-f", "^sleep 300$").Output()
	assert.Empty(t, strings.TrimSpace(string(out)), "the sandbox's processes are gone")
}

func BenchmarkWarmCall(b *testing.B) {
	s := openSession(b, nil)
	run(b, s, "1")
	b.ResetTimer()
	for b.Loop() {
		r, err := s.Exec(context.Background(), "x = 1+1")
		if err != nil || r.Error != "" {
			b.Fatal(err, r.Error)
		}
	}
}

func BenchmarkOpenSession(b *testing.B) {
	needSandbox(b)
	img := testImage(b, 640, 480)
	for b.Loop() {
		s, err := NewSession(Config{}, []*runners.Image{img})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		_ = s.Close()
	}
}

// TestDeepEyesV2Mode: the kernel as DeepEyesV2's sandbox ran it. A call past its timeout is
// interrupted with the server's TimeoutException, in an IPython traceback, and the kernel lives
// on; one that kills its kernel reads as the server's answer to a killed call; writes to
// sys.stderr are lost; display() prints; only image_1 is loaded; the namespace has the server's
// imports.
func TestDeepEyesV2Mode(t *testing.T) {
	t.Parallel()
	s := openSession(t, func(c *Config) { c.Mode = ModeDeepEyesV2; c.CallTimeout = 2 * time.Second })
	ctx := context.Background()
	res, err := s.Exec(ctx, "x = 7\nwhile True:\n    pass")
	require.NoError(t, err)
	assert.Contains(t, res.Stderr, "TimeoutException                          Traceback (most recent call last)\n")
	assert.True(t, strings.HasSuffix(res.Stderr, "\nTimeoutException: Timed out!\n"), res.Stderr)
	assert.NotContains(t, res.Stderr, "driver.py")
	res, err = s.Exec(ctx, "import sys\nprint(x, sorted(k for k in ('os', 'sys', 'shutil', 'subprocess', 'plt', 'builtins', 'Image', 'image_1', 'image_2') if k in globals()))\nprint('lost', file=sys.stderr)\ndisplay([1, 2])")
	require.NoError(t, err)
	assert.Equal(t, "7 ['Image', 'builtins', 'image_1', 'os', 'plt', 'shutil', 'subprocess', 'sys']\n[1, 2]\n", res.Stdout)
	assert.Empty(t, res.Stderr)
	res, err = s.Exec(ctx, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
	require.NoError(t, err)
	assert.Equal(t, "", res.Stdout)
	assert.Equal(t, "TimeOutError: code execution timed out", res.Stderr)
	assert.Contains(t, res.Error, "process crashed")
}

// TestDeepEyesV2ModeMatchesIPython runs cells through the deepeyesv2 mode and through
// testdata/ipython_reference.py, which runs them as DeepEyesV2's client and sandbox server did,
// under the interpreter's IPython (Debian's python3-ipython), and compares stdout and stderr
// byte for byte (object addresses aside): values printed as Out[1], containers broken as
// IPython breaks them, types, functions and objects without a repr, tracebacks of the cell, of
// a function, of the standard library and chained ones, code the fixer rewrites. It skips when
// the interpreter has no IPython.
func TestDeepEyesV2ModeMatchesIPython(t *testing.T) {
	t.Parallel()
	if err := exec.Command(DefaultInterpreter, "-c", "import IPython, autopep8").Run(); err != nil {
		t.Skipf("skipping: %s cannot import IPython and autopep8 (Debian: python3-ipython, python3-autopep8)", DefaultInterpreter)
	}
	cells := []string{
		"print('hi')", "1+1", `{"b": 1, "a": list(range(30))}`, "[[1,2]]*20", `{i: "v"*10 for i in range(10)}`,
		"set(range(40))", "(1,)", "class Foo:\n    pass\nFoo()", "int", "def g(x, *a, k=1, **kw):\n    return x\ng",
		"try:\n    1/0\nexcept Exception as e:\n    raise ValueError(\"wrapped\")", "import json\njson.loads(\"{bad\")",
		"raise KeyError(\"x\")", "raise ValueError()", "a=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\nh=8\n1/0\nz=1\ny=2\nx=3\nw=4",
		"x = [1, 2]; x", "import numpy as np\nnp.arange(12).reshape(3, 4)", `"a" * 100`, "print(\"a\")\n5",
		"[list(range(12)) for _ in range(3)]", "for i in range(2):\n    print(i)\nprint('done')", "if x",
		"def f(a):\nreturn a / 0\nf(3)", "import numpy as np\narr = np.array([True, False])\nprint(arr[arr == True])",
	}
	s := openSession(t, func(c *Config) { c.Mode = ModeDeepEyesV2 })
	var got []map[string]string
	for _, c := range cells {
		res, err := s.Exec(context.Background(), c)
		require.NoError(t, err)
		got = append(got, map[string]string{"stdout": res.Stdout, "stderr": res.Stderr})
	}
	in, err := json.Marshal(cells)
	require.NoError(t, err)
	cmd := exec.Command(DefaultInterpreter, filepath.Join("testdata", "ipython_reference.py"))
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "MPLBACKEND=Agg", "HOME=" + t.TempDir()}
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []map[string]string
	require.NoError(t, json.Unmarshal(out, &want))
	addr := regexp.MustCompile(`0x[0-9a-f]+`)
	for i, c := range cells {
		for _, k := range []string{"stdout", "stderr"} {
			assert.Equal(t, addr.ReplaceAllString(want[i][k], "0x…"), addr.ReplaceAllString(got[i][k], "0x…"), "%s of %q", k, c)
		}
	}
}
