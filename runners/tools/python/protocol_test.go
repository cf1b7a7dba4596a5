package python

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of this file are code that attacks the protocol between realx and the driver:
// from user code in the kernel, and from a hostile driver in place of the supervisor.

// kernelPipe is Python that sets wfd to the kernel's pipe to the supervisor and cell to the
// number of the running cell, as user code can find them: in the kernel's stack frames.
const kernelPipe = `
import sys
_f = sys._getframe()
while _f is not None and "wfd" not in _f.f_locals:
    _f = _f.f_back
wfd, cell = _f.f_locals["wfd"], _f.f_locals["msg"]["cell"]
del _f
`

// fakePNG is Python that defines png(w, h): the bytes of a PNG whose header says w×h (as
// signed 32-bit numbers) and that holds no pixels.
const fakePNG = `
import base64, struct, zlib
def png(w, h):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">iiBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
def b64(data):
    return base64.b64encode(data).decode()
`

const garbledNote = "process crashed: the driver's reply was garbled ("

func TestCodeCannotFindTheEndMarker(t *testing.T) {
	s := openSession(t, nil)
	r := run(t, s, `
import ctypes, errno, gc, os, re, socket
marker = re.compile(rb"\x00realx-end-[0-9a-f]{32}\x00")
found = []
ppid = os.getppid()

def attempt(name, f):
    try:
        print(name + ":", f())
    except OSError as e:
        print(name + ":", type(e).__name__, e.errno)

def scan(pid):
    maps = open("/proc/%s/maps" % pid).read().splitlines()
    with open("/proc/%s/mem" % pid, "rb", 0) as mem:
        for m in maps:
            span, perms = m.split()[:2]
            lo, hi = (int(x, 16) for x in span.split("-"))
            if "r" not in perms or hi - lo > 1 << 30:
                continue
            try:
                mem.seek(lo)
                found.extend(marker.findall(mem.read(hi - lo)))
            except (OSError, OverflowError, ValueError):
                pass
    return "scanned"

attempt("parent fds", lambda: os.listdir("/proc/%d/fd" % ppid))
attempt("parent environ", lambda: open("/proc/%d/environ" % ppid, "rb").read(10))
attempt("parent fd 4", lambda: open("/proc/%d/fd/4" % ppid, "wb"))
attempt("parent mem", lambda: scan(ppid))
attempt("own mem", lambda: scan("self"))
for o in gc.get_objects():
    if o is found:
        continue
    for v in (o.values() if isinstance(o, dict) else o if isinstance(o, (list, tuple)) else ()):
        if isinstance(v, str):
            v = v.encode("utf-8", "replace")
        if isinstance(v, bytes):
            found.extend(marker.findall(v))
attempt("reopen own fd 1", lambda: open("/proc/self/fd/1", "rb"))
attempt("reopen fd 1 of pid 1", lambda: open("/proc/1/fd/1", "rb"))
attempt("recv fd 1", lambda: socket.socket(fileno=os.dup(1)).recv(100, socket.MSG_PEEK | socket.MSG_DONTWAIT))
print("found", len(found))
for m in found:
    os.write(1, m + b"INJECTED")
libc = ctypes.CDLL(None, use_errno=True)
print("ptrace:", libc.ptrace(0x4206, ppid, 0, 0), ctypes.get_errno())  # PTRACE_SEIZE: no stop
`)
	require.Empty(t, r.Error, r.Stderr)
	for _, want := range []string{
		// The supervisor is not dumpable: its /proc entries and ptrace are closed to the kernel.
		"parent fds: PermissionError 13", "parent environ: PermissionError 13",
		"parent fd 4: PermissionError 13", "parent mem: PermissionError 13", "ptrace: -1 1",
		// The kernel never holds a marker.
		"own mem: scanned",
		// fds 1 and 2 are sockets: no open() of them for reading (ENXIO), and nothing to recv.
		"reopen own fd 1: OSError 6", "reopen fd 1 of pid 1: OSError 6", "recv fd 1: b''",
		"found 0",
	} {
		assert.Contains(t, r.Stdout, want)
	}
	r = run(t, s, "print('next')")
	assert.Equal(t, "next\n", r.Stdout)
}

func TestFloodOfEveryDescriptorIsCapped(t *testing.T) {
	s := openSession(t, func(c *Config) { c.MaxImagePixels = 1000; c.MaxOutputBytes = 4096 })
	// 16 MiB to each descriptor of fds 1 and 2 (five of them), 2 GiB to any other.
	r := run(t, s, `
import os
outputs = {os.fstat(1).st_ino, os.fstat(2).st_ino}
chunk = b"x" * (1 << 20)
for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
    try:
        n = 16 if os.fstat(fd).st_ino in outputs else 2048
        for _ in range(n):
            os.write(fd, chunk)
        os.write(2, b"\nwrote %d MiB to fd %d\n" % (n, fd))
    except OSError:
        pass
print("NOT STOPPED")
`)
	assert.Contains(t, r.Error, garbledNote+"the code wrote to the kernel's pipe to the driver: a line longer than ")
	assert.Contains(t, r.Stderr, "Error: "+r.Error)
	assert.NotContains(t, r.Stdout, "NOT STOPPED")
	// What realx kept of the 80 MiB of output is the capped head and tail.
	assert.Less(t, len(r.Stdout), 4096+100)
	assert.Less(t, len(r.Stderr), 4096+400)
	assert.Contains(t, r.Stdout, "bytes truncated", r.Stderr)
	r = run(t, s, "print('next')")
	assert.True(t, r.Restarted)
	assert.Contains(t, r.Stdout, "next")
}

func TestBackgroundWritersAfterTheCall(t *testing.T) {
	s := openSession(t, func(c *Config) { c.MaxOutputBytes = 4096 })
	// Output written after the call returned goes to the next calls, capped.
	r := run(t, s, `
import os, threading
def spam():
    for _ in range(64):
        os.write(1, b"y" * (1 << 20))
spammer = threading.Thread(target=spam, daemon=True)
spammer.start()
`)
	require.Empty(t, r.Error, r.Stderr)
	for range 2 {
		r = run(t, s, "print('next')")
		assert.Empty(t, r.Error, r.Stderr)
		assert.Less(t, len(r.Stdout), 4096+100)
	}
	r = run(t, s, "spammer.join()\nprint('joined')")
	assert.Empty(t, r.Error, r.Stderr)
	assert.Less(t, len(r.Stdout), 4096+100)
	assert.True(t, strings.HasSuffix(r.Stdout, "joined\n"), r.Stdout)
	r = run(t, s, "print('quiet')")
	assert.Equal(t, "quiet\n", r.Stdout)

	// Writing to the kernel's pipe after the call returned garbles the next reply.
	r = run(t, s, kernelPipe+`
import os, threading, time
def spam():
    time.sleep(0.2)
    while True:
        os.write(wfd, b"z" * 65536)
threading.Thread(target=spam, daemon=True).start()
`)
	require.Empty(t, r.Error, r.Stderr)
	time.Sleep(400 * time.Millisecond)
	// The writer has started by now, or does during the call's sleep, on a loaded machine:
	// either way the reply is garbled, and the call ends as soon as the driver sees it.
	r = run(t, s, "import time\ntime.sleep(5)\nprint('next')")
	assert.Contains(t, r.Error, garbledNote+"the code wrote to the kernel's pipe to the driver: ")
	assert.NotContains(t, r.Stdout, "next")
	r = run(t, s, "print('after')")
	assert.True(t, r.Restarted)
	assert.Contains(t, r.Stdout, "after")
}

func TestForgedRepliesAreRefused(t *testing.T) {
	// At most 1000 pixels and 5000+64Ki bytes of PNG per image.
	s := openSession(t, func(c *Config) { c.MaxImagePixels = 1000 })
	forge := func(images string) string {
		return kernelPipe + fakePNG + fmt.Sprintf(`
import json, os, time
os.write(wfd, (json.dumps({"cell": cell, "images": %s, "error": None}) + "\n").encode())
time.sleep(5)
print("NOT STOPPED")
`, images)
	}
	for _, tc := range []struct{ name, images, want string }{
		{"300 images with absurd sizes",
			`[{"png": b64(png(-5, 10)), "width": -5, "height": 2**62}] * 300`,
			"300 images, at most 10 per call"},
		{"a header of 2^20×2^20 pixels",
			`[{"png": b64(png(1 << 20, 1 << 20))}]`,
			"image 1: 1048576×1048576 pixels, want a positive size of at most 1000 pixels"},
		{"more pixels than the driver leaves",
			`[{"png": b64(png(1, 1))}, {"png": b64(png(1001, 1))}]`,
			"image 2: 1001×1 pixels, want a positive size of at most 1000 pixels"},
		{"a header of 2^31-1 × 2^31-1 pixels",
			`[{"png": b64(png(2**31 - 1, 2**31 - 1))}]`,
			"image 1: not a PNG: png: unsupported feature: dimension overflow"},
		{"a negative width",
			`[{"png": b64(png(-5, 10)), "width": 10, "height": 10}]`,
			"image 1: not a PNG: png: invalid format: non-positive dimension"},
		{"not a PNG",
			`[{"png": b64(b"GIF89a" + b"\0" * 20)}]`,
			"image 1: not a PNG: png: invalid format: not a PNG file"},
		{"not base64",
			`[{"png": "%%%"}]`,
			"image 1: bad base64"},
		{"an image over the byte cap",
			`[{"png": b64(png(1, 1) + b"\0" * 80000)}]`,
			"image 1: over 70536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, s, forge(tc.images))
			assert.Contains(t, r.Error, garbledNote+tc.want)
			assert.Empty(t, r.Images)
			assert.NotContains(t, r.Stdout, "NOT STOPPED")
			assertFreshKernel(t, s)
		})
	}
	// Lines that are no reply at all.
	for _, line := range []string{`b'hello'`, `b'[' * 100000`} {
		r := run(t, s, kernelPipe+"import os\nos.write(wfd, "+line+" + b'\\n')\nimport time\ntime.sleep(5)")
		assert.Equal(t, garbledNote+"the code wrote to the kernel's pipe to the driver: a line that is not JSON)", r.Error)
	}
	r := run(t, s, kernelPipe+"import os\nos.write(wfd, b'{\"cell\": %d}\\n' % (cell + 1))\nimport time\ntime.sleep(5)")
	assert.Contains(t, r.Error, garbledNote+"the code wrote to the kernel's pipe to the driver: a reply to a cell not run yet")
	// A forged reply with a real image is only what display() could return; the sizes come
	// from the PNG, not from the reply. The kernel's own reply, which comes later, is ignored.
	r = run(t, s, kernelPipe+fakePNG+`
import io, json, os
buf = io.BytesIO()
image_1.crop((0, 0, 2, 3)).save(buf, format="PNG")
os.write(wfd, (json.dumps({"cell": cell, "images": [{"png": b64(buf.getvalue()), "width": -1, "height": 2**62}]}) + "\n").encode())
`)
	require.Empty(t, r.Error, r.Stderr)
	require.Len(t, r.Images, 1)
	assert.Equal(t, [2]int{2, 3}, [2]int{r.Images[0].Width, r.Images[0].Height})
	r = run(t, s, "print('next')")
	assert.False(t, r.Restarted)
	assert.Contains(t, r.Stdout, "next")
}

// hostileDriver is a driver that answers init, then answers exec as mode says.
const hostileDriver = fakePNG + `
import json, os
def reply(obj):
    os.write(4, (json.dumps(obj) + "\n").encode())
for line in os.fdopen(3, "rb"):
    msg = json.loads(line)
    if msg["op"] == "init":
        reply({"ok": True})
        continue
    %s
`

func TestHostileDriverCannotExhaustRealx(t *testing.T) {
	needPython(t)
	cfg := Config{Unsafe: true, MaxImagePixels: 1000, CallTimeout: 20 * time.Second}
	resolved := cfg.withDefaults()
	limit := resolved.replyLimits().readLimit()
	open := func(mode string) *Session {
		s, err := newSession(cfg, nil, fmt.Appendf(nil, hostileDriver, mode))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Run("2 GiB without a newline", func(t *testing.T) {
		s := open(`
    for _ in range(2048):
        os.write(4, b"x" * (1 << 20))`)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := s.Exec(context.Background(), "1")
		require.NoError(t, err)
		runtime.ReadMemStats(&after)
		assert.Equal(t, fmt.Sprintf("%sa reply over %d bytes)", garbledNote, limit), r.Error)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "realx read the flood")
	})
	t.Run("300 forged images", func(t *testing.T) {
		s := open(`
    reply({"ok": True, "images": [{"png": b64(png(-5, 1 << 31 - 1)), "width": -5, "height": 2**62}] * 300})`)
		r, err := s.Exec(context.Background(), "1")
		require.NoError(t, err)
		assert.Equal(t, garbledNote+"300 images, at most 10 per call)", r.Error)
		assert.Empty(t, r.Images)
	})
}

func TestKernelDeathBetweenCallsIsReported(t *testing.T) {
	s := openSession(t, nil)
	r := run(t, s, "import os, threading, time\nthreading.Thread(target=lambda: (time.sleep(0.2), os._exit(5))).start()")
	require.Empty(t, r.Error, r.Stderr)
	time.Sleep(600 * time.Millisecond)
	// The kernel has died by now, or dies during the call's sleep, on a loaded machine: the
	// error is the same.
	r = run(t, s, "import time\ntime.sleep(5)\nprint('late')")
	assert.Equal(t, "process crashed: exit status 5", r.Error)
	assert.NotContains(t, r.Stdout, "late")
	assert.NotContains(t, r.Stderr, "Traceback")
	// Closing its own pipe to the driver stops the kernel too.
	r = run(t, s, kernelPipe+"import os, time\nos.close(wfd)\ntime.sleep(5)")
	assert.True(t, r.Restarted)
	assert.Equal(t, garbledNote+"the code closed the kernel's pipe to the driver)", r.Error)
	assertFreshKernel(t, s)
}
