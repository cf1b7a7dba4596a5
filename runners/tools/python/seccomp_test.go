package python

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// seccompVerdict runs the filter for a on one system call as the kernel would, in the BPF
// interpreter of x/net/bpf: it returns the action (SECCOMP_RET_…, with the errno).
func seccompVerdict(t *testing.T, vm *bpf.VM, auditArch uint32, nr uint32, args ...uint64) uint32 {
	t.Helper()
	// struct seccomp_data {int nr; u32 arch; u64 instruction_pointer; u64 args[6];}, in the
	// machine's byte order: the kernel's filter loads 32-bit words of it in that order, where
	// x/net/bpf's loads big-endian words, so each word is stored big-endian.
	data := make([]byte, 64)
	binary.NativeEndian.PutUint32(data[0:], nr)
	binary.NativeEndian.PutUint32(data[4:], auditArch)
	for i, a := range args {
		binary.NativeEndian.PutUint64(data[16+8*i:], a)
	}
	for off := 0; off < len(data); off += 4 {
		binary.BigEndian.PutUint32(data[off:], binary.NativeEndian.Uint32(data[off:]))
	}
	v, err := vm.Run(data)
	require.NoError(t, err)
	return uint32(v)
}

func TestSeccompFilterDecisions(t *testing.T) {
	a := arch.X86_64
	prog, err := seccompProgram(a)
	require.NoError(t, err)
	vm, err := bpf.NewVM(prog)
	require.NoError(t, err)
	nr := func(name string) uint32 {
		n, ok := a.SyscallNames[name]
		require.True(t, ok, name)
		return uint32(n)
	}
	const (
		allow  = uint32(seccomp.ActionAllow)
		eperm  = uint32(seccomp.ActionErrno) | uint32(unix.EPERM)
		enosys = uint32(seccomp.ActionErrno) | uint32(unix.ENOSYS)
		kill   = uint32(seccomp.ActionKillProcess)
	)
	x86 := uint32(a.ID)
	fork := uint64(unix.SIGCHLD)
	threadFlags := uint64(unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD |
		unix.CLONE_SYSVSEM | unix.CLONE_SETTLS | unix.CLONE_PARENT_SETTID | unix.CLONE_CHILD_CLEARTID)
	cases := []struct {
		name string
		nr   uint32
		args []uint64
		want uint32
	}{
		{"read", nr("read"), nil, allow},
		{"mmap", nr("mmap"), nil, allow},
		{"fork-like clone", nr("clone"), []uint64{fork}, allow},
		{"thread clone", nr("clone"), []uint64{threadFlags}, allow},
		// The kernel reads only clone's low 32 flag bits: high bits change nothing.
		{"clone with high bits", nr("clone"), []uint64{1<<40 | fork}, allow},
		{"clone NEWUSER", nr("clone"), []uint64{unix.CLONE_NEWUSER | fork}, eperm},
		{"clone NEWNS", nr("clone"), []uint64{unix.CLONE_NEWNS | fork}, eperm},
		{"clone NEWNET", nr("clone"), []uint64{unix.CLONE_NEWNET | fork}, eperm},
		{"clone NEWPID", nr("clone"), []uint64{unix.CLONE_NEWPID | fork}, eperm},
		{"clone3", nr("clone3"), nil, enosys},
		{"personality query", nr("personality"), []uint64{0xffffffff}, allow},
		{"personality PER_LINUX", nr("personality"), []uint64{0}, allow},
		{"personality ADDR_NO_RANDOMIZE", nr("personality"), []uint64{0x0040000}, eperm},
		{"personality READ_IMPLIES_EXEC", nr("personality"), []uint64{0x0400000}, eperm},
		{"personality query with high garbage", nr("personality"), []uint64{1<<32 | 0xffffffff}, eperm},
		// Another architecture's numbers (i386's int 0x80 on x86-64) kill; x32's are refused.
		{"i386 call", 21, nil, kill},
		{"x32 call", nr("read") | 0x40000000, nil, enosys},
	}
	for _, group := range deniedSyscalls {
		for _, n := range group {
			if _, ok := a.SyscallNames[n]; ok {
				cases = append(cases, struct {
					name string
					nr   uint32
					args []uint64
					want uint32
				}{n, nr(n), nil, eperm})
			}
		}
	}
	for _, c := range cases {
		auditArch := x86
		if c.name == "i386 call" {
			auditArch = uint32(arch.I386.ID)
		}
		assert.Equal(t, fmt.Sprintf("%#x", c.want), fmt.Sprintf("%#x", seccompVerdict(t, vm, auditArch, c.nr, c.args...)), c.name)
	}
	for _, must := range []string{"unshare", "setns", "mount", "umount2", "pivot_root", "ptrace", "process_vm_readv",
		"process_vm_writev", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
		"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
		"io_uring_setup", "io_uring_enter", "io_uring_register"} {
		assert.Equal(t, eperm, seccompVerdict(t, vm, x86, nr(must)), must)
	}
}

// TestSeccompNamesExist catches a misspelt name, which the filter would leave out silently:
// every denied call exists on x86-64, but the few that only i386 has.
func TestSeccompNamesExist(t *testing.T) {
	for _, group := range deniedSyscalls {
		for _, n := range group {
			_, x86 := arch.X86_64.SyscallNames[n]
			_, i386 := arch.I386.SyscallNames[n]
			assert.True(t, x86 || i386, n)
		}
	}
}

func TestSeccompFilterAsBwrapReadsIt(t *testing.T) {
	data, why := seccompFilter()
	if data == nil {
		t.Skipf("skipping: no seccomp filter here: %s", why)
	}
	require.Zero(t, len(data)%8, "an array of 8-byte struct sock_filter")
	// The first instruction loads seccomp_data.arch: BPF_LD|BPF_W|BPF_ABS, k = 4.
	assert.Equal(t, uint16(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS), binary.NativeEndian.Uint16(data[0:]))
	assert.Equal(t, uint32(4), binary.NativeEndian.Uint32(data[4:]))
	f, err := seccompFile(data)
	require.NoError(t, err)
	defer f.Close()
	back, err := os.ReadFile(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	require.NoError(t, err)
	assert.Equal(t, data, back)
}

// hardeningProbe is Python that tries, inside the sandbox, what a hardened sandbox refuses,
// and prints one line per attempt: the errno (0: it worked), or for commands what they did.
const hardeningProbe = `
import ctypes, os, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(r):
    return 0 if r >= 0 else ctypes.get_errno()
def in_child(f):  # a namespace made here would change what the next attempts can do
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, str(f()).encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    return os.read(r, 100).decode()
print("unshare", in_child(lambda: errno_of(libc.unshare(0x10000000))))  # CLONE_NEWUSER
r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)                # clone(CLONE_NEWUSER|SIGCHLD)
if r == 0:
    os._exit(0)
if r > 0:
    os.waitpid(r, 0)
print("clone", errno_of(r))
os.makedirs("/tmp/m", exist_ok=True)
print("mount", errno_of(libc.mount(b"none", b"/tmp/m", b"tmpfs", 0, None)))
r = subprocess.run(["unshare", "-Urm", "sh", "-c", "mount -t tmpfs none /tmp/m && echo mounted"],
                   capture_output=True, text=True)
print("nested-mount", "mounted" if "mounted" in r.stdout else "refused")
sleeper = subprocess.Popen(["sleep", "30"])
attach = subprocess.run([sys.executable, "-c",
    "import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); "
    "r = libc.ptrace(16, int(sys.argv[1]), 0, 0); print(0 if r == 0 else ctypes.get_errno())",
    str(sleeper.pid)], capture_output=True, text=True)
print("ptrace-sibling", attach.stdout.strip() or attach.stderr.strip())
sleeper.kill()
print("seccomp-mode", [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0])
`

// hardening runs hardeningProbe in a sandbox without some protections and returns its lines
// by name.
func hardening(t *testing.T, without protections) map[string]string {
	t.Helper()
	s := openSession(t, func(c *Config) { c.without = without })
	r := run(t, s, hardeningProbe)
	require.Empty(t, r.Error, r.Stderr)
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		k, v, _ := strings.Cut(line, " ")
		out[k] = v
	}
	return out
}

func TestSandboxRefusesNamespacesMountsAndPtrace(t *testing.T) {
	eperm, enospc := fmt.Sprint(int(unix.EPERM)), fmt.Sprint(int(unix.ENOSPC))
	t.Run("full", func(t *testing.T) {
		got := hardening(t, protections{})
		// EPERM is the seccomp filter's answer; without it, --disable-userns answers ENOSPC.
		assert.Equal(t, eperm, got["unshare"], "unshare(CLONE_NEWUSER)")
		assert.Equal(t, eperm, got["clone"], "clone(CLONE_NEWUSER)")
		assert.Equal(t, eperm, got["mount"])
		assert.Equal(t, "refused", got["nested-mount"], "unshare -Urm then mount")
		assert.Equal(t, eperm, got["ptrace-sibling"])
		assert.Equal(t, "2", got["seccomp-mode"], "a seccomp filter is loaded")
	})
	t.Run("without seccomp, user namespaces are still disabled", func(t *testing.T) {
		got := hardening(t, protections{seccomp: true})
		assert.Equal(t, enospc, got["unshare"], "--disable-userns leaves no user namespace to make")
		assert.Equal(t, enospc, got["clone"])
		assert.Equal(t, "refused", got["nested-mount"])
		assert.Equal(t, "0", got["seccomp-mode"])
	})
	t.Run("control: without both, the probe gets through", func(t *testing.T) {
		got := hardening(t, protections{seccomp: true, disableUserns: true})
		assert.Equal(t, "0", got["unshare"])
		assert.Equal(t, "mounted", got["nested-mount"])
		if _, err := os.Stat("/proc/sys/kernel/yama/ptrace_scope"); err != nil { // no Yama: siblings may be traced
			assert.Equal(t, "0", got["ptrace-sibling"])
		}
	})
}
