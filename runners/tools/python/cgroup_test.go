package python

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needCgroup skips the test when this host gives the sandboxes no cgroup, saying why (realx
// not root, no delegated cgroup v2), or when it lacks the controllers named.
func needCgroup(t *testing.T, controllers ...string) *cgroupHost {
	t.Helper()
	h := hostCgroups()
	if h.mode == CgroupNone {
		t.Skipf("skipping: no cgroup for the sandboxes on this host: %s", h.reason)
	}
	for _, c := range controllers {
		if c == "cpu" && !h.cpu {
			t.Skipf("skipping: the sandboxes' cgroup has no CPU quota here: %s", h.reason)
		}
	}
	return h
}

// sessionCgroup starts s and returns its cgroup.
func sessionCgroup(t *testing.T, s *Session) *cgroup {
	t.Helper()
	run(t, s, "pass")
	require.NotNil(t, s.proc.launch.cg, "the sandbox has a cgroup")
	return s.proc.launch.cg
}

// cgroupValue reads a number from the cgroup's file of controller ctrl ("max" is -1).
func cgroupValue(t *testing.T, g *cgroup, ctrl, file string) int64 {
	t.Helper()
	s := strings.TrimSpace(readString(filepath.Join(g.dir(ctrl), file)))
	if s == "max" {
		return -1
	}
	n, err := strconv.ParseInt(strings.Fields(s + " x")[0], 10, 64)
	require.NoError(t, err, "%s/%s: %q", g.dir(ctrl), file, s)
	return n
}

// cgroupStat reads one key of a flat-keyed cgroup file (cpu.stat, memory.stat).
func cgroupStat(g *cgroup, ctrl, file, key string) int64 {
	for _, line := range strings.Split(readString(filepath.Join(g.dir(ctrl), file)), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// started returns the start time of each of pids (field 22 of /proc/PID/stat), so that gone
// can tell a process that lives on from a new one that took its pid.
func started(pids []int) map[int]string {
	out := map[int]string{}
	for _, p := range pids {
		out[p] = statField(p, 22)
	}
	return out
}

// statField returns field n (from 1) of /proc/pid/stat, or "" when it cannot be read.
func statField(pid, n int) string {
	stat := readString(fmt.Sprintf("/proc/%d/stat", pid))
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(stat[i+1:]) // from field 3, the state
	if n-3 >= len(fields) {
		return ""
	}
	return fields[n-3]
}

// gone reports whether the process pid that started at start has exited: it no longer
// exists (its stat cannot be read, or another process started later holds its pid), or it
// is a zombie that its new parent has not reaped yet (the sandbox's processes are reparented
// when bwrap dies).
func gone(pid int, start string) bool {
	if syscall.Kill(pid, 0) == syscall.ESRCH {
		return true
	}
	state, now := statField(pid, 3), statField(pid, 22)
	return state == "" || state == "Z" || state == "X" || now != start
}

func TestCgroupHoldsTheWholeSandboxAndGoesWithIt(t *testing.T) {
	needCgroup(t)
	s := openSession(t, nil)
	g := sessionCgroup(t, s)
	pids := g.pids()
	starts := started(pids)
	// bwrap, its pid 1 in the sandbox and the interpreter: the first was placed before it ran
	// anything, the others were born inside.
	assert.GreaterOrEqual(t, len(pids), 3, "pids %v", pids)
	assert.Contains(t, pids, s.proc.cmd.Process.Pid)
	assert.Equal(t, int64(DefaultMemoryBytes+2*DefaultTmpBytes), cgroupValue(t, g, "memory", memoryFile(g, "max")))
	assert.Equal(t, int64(DefaultMaxProcs+8), cgroupValue(t, g, "pids", "pids.max"))
	dirs := g.dirs
	require.NoError(t, s.Close())
	for _, d := range dirs {
		assert.NoDirExists(t, d)
	}
	// A process leaves cgroup.procs inside do_exit, a moment before it becomes a zombie: the
	// cgroup is empty when Close returns, and each of its processes is past running user code.
	for _, p := range pids {
		assert.Eventually(t, func() bool { return gone(p, starts[p]) }, 2*time.Second, time.Millisecond, "pid %d is gone", p)
	}
}

// memoryFile names the memory controller's file for what: its limit ("max"), the peak of
// its use ("peak") or its use now ("current").
func memoryFile(g *cgroup, what string) string {
	if g.host.mode == CgroupV2 {
		return "memory." + what
	}
	return map[string]string{"max": "memory.limit_in_bytes", "peak": "memory.max_usage_in_bytes", "current": "memory.usage_in_bytes"}[what]
}

func TestCgroupBoundsTheMemoryOfAllProcesses(t *testing.T) {
	needCgroup(t)
	// Four children of 400 MB each, under RLIMIT_AS of 1 GiB each: 1.6 GB against the
	// sandbox's 1 GiB + 2 × 64 MiB. (The probe, 4 × 1.5 GB against 4 GiB, scaled down.)
	s := openSession(t, func(c *Config) { c.MemoryBytes, c.TmpBytes = 1<<30, 64<<20 })
	g := sessionCgroup(t, s)
	limit := cgroupValue(t, g, "memory", memoryFile(g, "max"))
	require.Equal(t, int64(1<<30+2*64<<20), limit)
	r := run(t, s, `
import subprocess, sys
hold = "b = b'x' * (400 << 20); print('held', flush=True); import time; time.sleep(3)"
kids = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range(4)]
print("exits", sorted(k.wait() for k in kids))
`)
	t.Logf("stdout %q stderr %q error %q", r.Stdout, r.Stderr, r.Error)
	// Either the kernel killed children (-9), or the interpreter itself: the call crashed.
	if r.Error == "" {
		assert.Contains(t, r.Stdout, "exits [-9", "a child was killed for memory")
	} else {
		assert.Contains(t, r.Error, "crashed")
	}
	if g.host.mode == CgroupV1 || fileExists(filepath.Join(g.dir("memory"), "memory.peak")) {
		peak := cgroupValue(t, g, "memory", memoryFile(g, "peak"))
		assert.LessOrEqual(t, peak, limit)
		assert.Greater(t, peak, int64(400<<20), "the children were charged to the sandbox's cgroup")
	}
	// realx lives on, and so does the session: the next call runs.
	r = run(t, s, "print(1 + 1)")
	assert.Equal(t, "2\n", r.Stdout)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestCgroupCountsTmpfsAsMemory(t *testing.T) {
	needCgroup(t)
	s := openSession(t, func(c *Config) { c.SandboxMemoryBytes = 256 << 20 })
	g := sessionCgroup(t, s)
	// Files of 50 MB, under RLIMIT_FSIZE's 64 MiB.
	fill := `
def fill(path, mb):
    try:
        for i in range(0, mb, 50):
            with open("%s%d" % (path, i), "wb") as f:
                for _ in range(50):
                    f.write(b"\1" * (1 << 20))
        return "ok"
    except OSError as e:
        return "failed: %s" % e
`
	r := run(t, s, fill+`print("tmp", fill("/tmp/a", 100))`)
	require.Equal(t, "tmp ok\n", r.Stdout, r.Stderr)
	// The file's pages are charged to the sandbox, though no process maps them.
	assert.GreaterOrEqual(t, cgroupValue(t, g, "memory", memoryFile(g, "current")), int64(100<<20))
	// /dev/shm's 512 MiB do not fit in what is left of the sandbox's 256 MiB.
	r = run(t, s, fill+`print("shm", fill("/dev/shm/b", 300))`)
	t.Logf("stdout %q error %q", r.Stdout, r.Error)
	assert.NotContains(t, r.Stdout, "shm ok")
	assert.True(t, strings.Contains(r.Stdout, "shm failed") || strings.Contains(r.Error, "crashed"), "the write failed or the kernel killed the writer")
}

func TestCgroupBoundsAForkBomb(t *testing.T) {
	needCgroup(t)
	// No RLIMIT_NPROC: only the cgroup's pids.max stops the bomb.
	s := openSession(t, func(c *Config) { c.MaxProcs, c.SandboxTasks = -1, 40 })
	g := sessionCgroup(t, s)
	r := run(t, s, `
import os, time
n, err = 0, ""
for _ in range(300):
    try:
        pid = os.fork()
    except OSError as e:
        err = str(e)
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    n += 1
print("forked", n, err)
`)
	require.Empty(t, r.Error, r.Stderr)
	var n int
	_, err := fmt.Sscanf(r.Stdout, "forked %d", &n)
	require.NoError(t, err, r.Stdout)
	assert.Less(t, n, 40, r.Stdout)
	assert.Contains(t, r.Stdout, "Resource temporarily unavailable")
	assert.LessOrEqual(t, cgroupValue(t, g, "pids", "pids.current"), int64(40))
	pids := g.pids()
	starts := started(pids)
	require.NoError(t, s.Close())
	// A process leaves cgroup.procs inside do_exit, a moment before it becomes a zombie: the
	// cgroup is empty when Close returns, and each of its processes is past running user code.
	for _, p := range pids {
		assert.Eventually(t, func() bool { return gone(p, starts[p]) }, 2*time.Second, time.Millisecond, "pid %d is gone", p)
	}
}

func TestCgroupThrottlesADaemonAndKillsItWithTheSession(t *testing.T) {
	needCgroup(t, "cpu")
	s := openSession(t, func(c *Config) { c.SandboxCPUs = 0.05 })
	g := sessionCgroup(t, s)
	r := run(t, s, `
import subprocess, sys
d = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("daemon started")
`)
	require.Equal(t, "daemon started\n", r.Stdout, r.Stderr)
	// The daemon outlives the call and spins; the quota of 5 ms per 100 ms throttles it. The
	// wait is bounded generously, for a loaded machine: it ends as soon as the daemon is.
	deadline := time.Now().Add(time.Minute)
	for cgroupStat(g, "cpu", "cpu.stat", "nr_throttled") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	assert.Positive(t, cgroupStat(g, "cpu", "cpu.stat", "nr_throttled"), "the cgroup's CPU quota throttled the daemon")
	pids := g.pids()
	starts := started(pids)
	require.NoError(t, s.Close())
	// A process leaves cgroup.procs inside do_exit, a moment before it becomes a zombie: the
	// cgroup is empty when Close returns, and each of its processes is past running user code.
	for _, p := range pids {
		assert.Eventually(t, func() bool { return gone(p, starts[p]) }, 2*time.Second, time.Millisecond, "pid %d is gone", p)
	}
}

func TestSweepRemovesWhatDeadRealxProcessesLeft(t *testing.T) {
	h := needCgroup(t)
	self, err := selfOwner()
	require.NoError(t, err)
	// A pid that is surely dead: a child that was reaped.
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	leftover := owner{ns: self.ns, pid: dead.Process.Pid, start: 1}
	// Another live process's: this process with another start time is not it.
	alive := owner{ns: self.ns, pid: os.Getpid(), start: self.start}
	sleeper := exec.Command("sleep", "300")
	require.NoError(t, sleeper.Start())
	var dirs []string
	for _, x := range h.hier {
		d := filepath.Join(x.parent, leftover.String(), "s1")
		require.NoError(t, os.MkdirAll(d, 0o755))
		dirs = append(dirs, d)
		require.NoError(t, writeString(filepath.Join(d, "cgroup.procs"), strconv.Itoa(sleeper.Process.Pid)))
		if h.mode == CgroupV2 {
			break
		}
	}
	keep := filepath.Join(h.hier[0].parent, alive.String()+"-kept")
	require.NoError(t, os.Mkdir(keep, 0o755))
	defer os.Remove(keep)
	for _, x := range h.hier {
		sweep(x.parent, self, h.mode == CgroupV2)
	}
	err = sleeper.Wait()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "killed", "the leftover's process was killed")
	for _, d := range dirs {
		assert.NoDirExists(t, filepath.Dir(d))
	}
	assert.DirExists(t, keep, "not a name realx wrote")
}

func TestOwnerNames(t *testing.T) {
	o := owner{ns: 4026531836, pid: 1234, start: 99887766}
	assert.Equal(t, "realx-4026531836-1234-99887766", o.String())
	back, ok := parseOwner(o.String())
	assert.True(t, ok)
	assert.Equal(t, o, back)
	for _, bad := range []string{"realx", "realx-1-2", "realx-1-2-3-4", "realx-a-2-3", "other-1-2-3", "s1"} {
		_, ok := parseOwner(bad)
		assert.False(t, ok, bad)
	}
	self, err := selfOwner()
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), self.pid)
	start, ok := startTime(os.Getpid())
	assert.True(t, ok)
	assert.Equal(t, self.start, start)
}

func TestParseCgroupFiles(t *testing.T) {
	mounts := parseMountinfo(`25 30 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
33 25 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 25 0:30 /docker/abc /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
36 25 0:31 / /sys/fs/cgroup/unified\040dir rw,relatime - cgroup2 cgroup2 rw
37 30 8:1 / / rw - ext4 /dev/sda1 rw`)
	require.Len(t, mounts, 4)
	assert.Equal(t, []string{"memory"}, mounts[0].controllers)
	assert.Equal(t, []string{"cpu"}, mounts[1].controllers)
	assert.True(t, mounts[3].v2)
	assert.Equal(t, "/sys/fs/cgroup/unified dir", mounts[3].mountpoint)

	cg := parseProcCgroup("4:memory:/process_api/x\n2:cpu,cpuacct:/\n8:pids:/docker/abc/inner\n0::/user.slice/a.scope\n")
	assert.Equal(t, "/process_api/x", cg["memory"])
	assert.Equal(t, "/", cg["cpuacct"])
	assert.Equal(t, "/user.slice/a.scope", cg[""])
	assert.Equal(t, "/sys/fs/cgroup/memory/process_api/x", mounts[0].dir(cg["memory"]))
	assert.Equal(t, "/sys/fs/cgroup/cpu,cpuacct", mounts[1].dir(cg["cpu"]))
	assert.Equal(t, "/sys/fs/cgroup/pids/inner", mounts[2].dir(cg["pids"]), "relative to the mounted root")
	assert.Equal(t, "", mounts[2].dir("/docker/abcdef"), "outside the mounted root")
}

func TestDetectCgroupsSaysWhyNot(t *testing.T) {
	dir := t.TempDir()
	v1 := []cgroupMount{
		{mountpoint: filepath.Join(dir, "memory"), root: "/", controllers: []string{"memory"}},
		{mountpoint: filepath.Join(dir, "pids"), root: "/", controllers: []string{"pids"}},
		{mountpoint: filepath.Join(dir, "unified"), root: "/", v2: true},
	}
	for _, m := range v1 {
		require.NoError(t, os.MkdirAll(m.mountpoint, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "unified", "cgroup.controllers"), []byte("cpu io\n"), 0o644))
	self := owner{1, 2, 3}
	cg := map[string]string{"memory": "/", "pids": "/", "": "/"}

	h := detectCgroups(v1, cg, self, false)
	assert.Equal(t, CgroupNone, h.mode)
	assert.Contains(t, h.reason, "cgroup v1 needs root")
	assert.Contains(t, h.reason, "does not offer the memory and pids controllers")

	h = detectCgroups(v1[:1], cg, self, true)
	assert.Contains(t, h.reason, "cgroup v1 has no pids hierarchy")

	h = detectCgroups(v1, cg, self, true)
	assert.Equal(t, CgroupV1, h.mode)
	assert.False(t, h.cpu)
	assert.Contains(t, h.reason, "no CPU quota")
	assert.NoDirExists(t, filepath.Join(dir, "memory", self.String()), "made with the first cgroup")

	// A delegated v2 cgroup, alone in its cgroup (here plain files stand for the kernel's).
	v2 := filepath.Join(dir, "unified", "user", "realx.scope")
	own := filepath.Join(v2, self.String())
	require.NoError(t, os.MkdirAll(own, 0o755))
	for _, f := range []string{filepath.Join(v2, "cgroup.subtree_control"), filepath.Join(own, "cgroup.subtree_control")} {
		require.NoError(t, os.WriteFile(f, nil, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(v2, "cgroup.controllers"), []byte("cpu memory pids\n"), 0o644))
	h = detectCgroups(v1[2:], map[string]string{"": "/user/realx.scope"}, self, false)
	assert.Equal(t, CgroupV2, h.mode, h.reason)
	assert.True(t, h.cpu)
	assert.Equal(t, v2, h.hier[0].parent)
	assert.Equal(t, "+memory +pids +cpu", readString(filepath.Join(own, "cgroup.subtree_control")))
}

// TestCgroupV2StartsInsideAndKillsAll starts processes through launch in a v2 cgroup: the
// first is created inside it (clone3's CLONE_INTO_CGROUP), its children, a setsid one
// included, are born there, and release kills them all with cgroup.kill. This host's v2
// hierarchy may offer no controller: the limits are left out, placement and kill are not.
func TestCgroupV2StartsInsideAndKillsAll(t *testing.T) {
	var dir, path string
	for _, m := range parseMountinfo(readString("/proc/self/mountinfo")) {
		if m.v2 {
			path = parseProcCgroup(readString("/proc/self/cgroup"))[""]
			dir = m.dir(path)
			break
		}
	}
	if dir == "" || os.Geteuid() != 0 {
		t.Skip("skipping: needs root and a cgroup v2 hierarchy, to make cgroups in it without delegation")
	}
	self, err := selfOwner()
	require.NoError(t, err)
	h := &cgroupHost{mode: CgroupV2, own: self.String() + "-v2test",
		hier: []hierarchy{{parent: dir, controllers: []string{"memory", "pids", "cpu"}}}}
	defer os.Remove(filepath.Join(dir, h.own))
	l := &launch{cmd: exec.Command("/bin/sh", "-c", "sleep 300 & setsid sleep 300 & wait"), host: h, uid: -1}
	(&Config{UID: DefaultUID, GID: DefaultUID}).credentials(l.cmd)
	require.NoError(t, l.start())
	pid := l.cmd.Process.Pid
	waited := make(chan error, 1)
	go func() { waited <- l.cmd.Wait() }()
	defer l.release() // when an assertion fails first
	assert.Contains(t, readString(fmt.Sprintf("/proc/%d/cgroup", pid)), "0::"+filepath.Join(path, h.own, "s1")+"\n")
	var pids []int
	for deadline := time.Now().Add(time.Minute); len(pids) < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		pids = l.cg.pids()
	}
	require.Len(t, pids, 3, "sh and its two sleeps")
	starts := started(pids)
	l.release()
	<-waited
	for _, p := range pids {
		assert.True(t, gone(p, starts[p]), "pid %d is gone", p)
	}
	assert.NoDirExists(t, l.cg.dirs[0])
}
