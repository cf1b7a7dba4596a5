package python

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/realx-bench/realx/runners"
)

// openInheritable opens, without close-on-exec as a parent's `exec 7<file` leaves them, a file
// for reading, a file for writing, a directory and the read end of a pipe; it returns them and a
// function that closes them.
func openInheritable(t *testing.T, secretFile, writable, dir string) ([]int, func()) {
	t.Helper()
	var fds []int
	for _, o := range []struct {
		path string
		mode int
	}{{secretFile, syscall.O_RDONLY}, {writable, syscall.O_RDWR}, {dir, syscall.O_RDONLY | syscall.O_DIRECTORY}} {
		fd, err := syscall.Open(o.path, o.mode, 0) // no O_CLOEXEC
		require.NoError(t, err)
		fds = append(fds, fd)
	}
	var p [2]int
	require.NoError(t, syscall.Pipe(p[:])) // no O_CLOEXEC
	fds = append(fds, p[0], p[1])
	return fds, func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}
}

func cloexec(t *testing.T, fd int) bool {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	require.NoError(t, err)
	return flags&unix.FD_CLOEXEC != 0
}

func TestMarkInheritedCloseOnExec(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(f, []byte("x"), 0o600))
	for name, mark := range map[string]func() error{
		"close_range":   MarkInheritedCloseOnExec,
		"/proc/self/fd": markCloseOnExecFromProc,
	} {
		t.Run(name, func(t *testing.T) {
			fds, closeFDs := openInheritable(t, f, f, dir)
			defer closeFDs()
			for _, fd := range fds {
				require.False(t, cloexec(t, fd), "fd %d starts inheritable", fd)
			}
			require.NoError(t, mark())
			for _, fd := range fds {
				assert.True(t, cloexec(t, fd), "fd %d is close-on-exec", fd)
			}
			for fd := range 3 {
				assert.False(t, cloexec(t, fd), "fd %d (stdio) is left alone", fd)
			}
		})
	}
}

// fdProbe is a cell that looks for everything reachable through descriptors: the descriptors
// of every process it can see, the contents of each descriptor it holds (read and written),
// and the parent directory of a directory descriptor. It prints one JSON line.
const fdProbe = `
import json, os, select, stat
secret = %q
links, found = {}, []
for pid in ["self"] + sorted(p for p in os.listdir("/proc") if p.isdigit()):
    try:
        names = os.listdir("/proc/%%s/fd" %% pid)
    except OSError:
        continue
    for n in names:
        try:
            links["%%s/%%s" %% (pid, n)] = os.readlink("/proc/%%s/fd/%%s" %% (pid, n))
        except OSError:
            pass
for fd in range(3, 1024):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    if stat.S_ISDIR(st.st_mode):
        try:
            up = os.open("..", os.O_RDONLY, dir_fd=fd)
            found.append("fd %%d: .. lists %%s" %% (fd, sorted(os.listdir(up))[:5]))
        except OSError:
            pass
        continue
    try:
        if stat.S_ISREG(st.st_mode):
            data = os.pread(fd, 4096, 0)
            os.pwrite(fd, b"PWNED", 0)
            found.append("fd %%d: wrote a file" %% fd)
        elif select.select([fd], [], [], 0)[0]:
            data = os.read(fd, 4096)
        else:
            data = b""
        if secret.encode() in data:
            found.append("fd %%d: read the secret" %% fd)
    except OSError:
        pass
print("FDPROBE " + json.dumps({"links": links, "found": found}))
`

type fdProbeResult struct {
	Links map[string]string `json:"links"`
	Found []string          `json:"found"`
}

func parseFDProbe(t *testing.T, stdout string) fdProbeResult {
	t.Helper()
	_, line, ok := strings.Cut(stdout, "FDPROBE ")
	require.True(t, ok, stdout)
	line, _, _ = strings.Cut(line, "\n")
	var res fdProbeResult
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(line)), &res), line)
	return res
}

// withoutDriverFDClose returns the driver with its closing of descriptors taken out.
func withoutDriverFDClose(t testing.TB) []byte {
	t.Helper()
	const def = "def _close_fds_except(keep):\n"
	src := string(driverSource)
	require.Equal(t, 1, strings.Count(src, def))
	return []byte(strings.Replace(src, def, def+"    return\n", 1))
}

// TestInheritedDescriptorsDoNotReachTheSandbox runs the test binary again as a realx that
// inherits, without close-on-exec, a root-only file, a writable file, a directory and a pipe
// holding a secret (as from `(exec 7<secret 8<>file 9<dir; realx run …)`), with either layer
// of protection taken out: the descriptors marked close-on-exec in realx, or the driver
// closing what it does not own. Either alone keeps every descriptor from the code; without
// both, the code reads the secret, writes the file and lists the directory's parent.
func TestInheritedDescriptorsDoNotReachTheSandbox(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	value := secret(t)
	secretFile := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte(value), 0o600))
	writable := filepath.Join(dir, "writable")
	require.NoError(t, os.WriteFile(writable, []byte(value), 0o644))
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))

	for _, tc := range []struct {
		name          string
		goOff, pyOff  bool
		wantReachable bool
	}{
		{name: "realx marks them close-on-exec", pyOff: true},
		{name: "the driver closes them", goOff: true},
		{name: "neither (the probe works)", goOff: true, pyOff: true, wantReachable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(writable, []byte(value), 0o644))
			files := openFiles(t, secretFile, writable, sub)
			r, w, err := os.Pipe()
			require.NoError(t, err)
			_, err = w.WriteString(value)
			require.NoError(t, err)
			files = append(files, r, w)
			// As fds 10 to 14 of the helper: the sandbox's own fds 3, 4, … would replace lower ones.
			out := runHelper(t, "fds", append(make([]*os.File, 7), files...), fmt.Sprintf("REALX_HELPER_GO_OFF=%t", tc.goOff),
				fmt.Sprintf("REALX_HELPER_PY_OFF=%t", tc.pyOff), "REALX_HELPER_SECRET="+value)
			for _, f := range files {
				f.Close()
			}
			res := parseFDProbe(t, out)
			content, err := os.ReadFile(writable)
			require.NoError(t, err)
			if tc.wantReachable {
				found := strings.Join(res.Found, "\n")
				assert.Contains(t, found, "read the secret", out)
				assert.Contains(t, found, "wrote a file", out)
				assert.Contains(t, found, ".. lists ['secret', 'sub', 'writable']", out)
				assert.Contains(t, fmt.Sprint(res.Links), dir)
				return
			}
			assert.Empty(t, res.Found, out)
			assert.NotContains(t, fmt.Sprint(res.Links), dir)
			assert.Equal(t, value, string(content), "the writable file is untouched")
			if !tc.goOff {
				assert.Contains(t, out, "CLOEXEC [true true true true true]", "realx marked fds 10 to 14 close-on-exec")
			}
		})
	}
}

func openFiles(t *testing.T, paths ...string) []*os.File {
	t.Helper()
	var files []*os.File
	for i, p := range paths {
		flag := os.O_RDONLY
		if i == 1 {
			flag = os.O_RDWR
		}
		f, err := os.OpenFile(p, flag, 0)
		require.NoError(t, err)
		files = append(files, f)
	}
	return files
}

// runHelper runs TestHelperProcess in a new process of the test binary, with files as its fds
// 3, 4, … (inheritable, as os/exec passes ExtraFiles; nil for a closed one) and env added, and
// returns its stdout.
func runHelper(t *testing.T, kind string, files []*os.File, env ...string) string {
	t.Helper()
	cmd := helperCommand(t, kind, files, env...)
	out, err := cmd.Output()
	require.NoError(t, err, "helper %s: %s", kind, out)
	return string(out)
}

func helperCommand(t *testing.T, kind string, files []*os.File, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(append(os.Environ(), "REALX_PYTHON_HELPER="+kind), env...)
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	return cmd
}

// TestHelperProcess is not a test: it is the process that runHelper starts, a stand-in for
// realx (REALX_PYTHON_HELPER says what it does). Without that variable it does nothing.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv("REALX_PYTHON_HELPER") {
	case "fds":
		helperFDs(t)
	case "session":
		helperSession(t)
	}
}

// helperFDs probes, from the sandbox, the descriptors this process inherited.
func helperFDs(t *testing.T) {
	driver := driverSource
	if os.Getenv("REALX_HELPER_GO_OFF") == "true" {
		inheritedOnce.Do(func() {})
	}
	if os.Getenv("REALX_HELPER_PY_OFF") == "true" {
		driver = withoutDriverFDClose(t)
	}
	s, err := newSession(Config{CallTimeout: 20 * time.Second}, nil, driver)
	require.NoError(t, err)
	defer s.Close()
	var flags []bool
	for fd := 10; fd <= 14; fd++ {
		flags = append(flags, cloexec(t, fd))
	}
	fmt.Printf("CLOEXEC %v\n", flags)
	r, err := s.Exec(context.Background(), fmt.Sprintf(fdProbe, os.Getenv("REALX_HELPER_SECRET")))
	require.NoError(t, err)
	require.Empty(t, r.Error, r.Stderr)
	fmt.Print(r.Stdout)
}

// helperSession opens an unsafe session (which writes its files to a directory), prints the
// directory and waits until its stdin closes, or it is killed.
func helperSession(t *testing.T) {
	s, err := NewSession(Config{Unsafe: true}, []*runners.Image{testImage(t, 8, 8)})
	require.NoError(t, err)
	fmt.Printf("DIR %s\n", s.dir)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	s.Close()
}
