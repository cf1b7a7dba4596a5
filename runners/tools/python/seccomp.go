package python

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// deniedSyscalls are the system calls the sandbox's seccomp filter answers with EPERM, by what
// they would reach: none of them is needed to run Python, numpy, sympy, PIL or matplotlib.
// Names that the architecture lacks (iopl on arm64, say) are left out.
var deniedSyscalls = [][]string{
	// New namespaces (clone with namespace flags and clone3 are handled apart).
	{"unshare", "setns"},
	// Mounts and the root.
	{"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
		"fsmount", "fspick", "mount_setattr"},
	// Other processes: their memory and descriptors.
	{"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"},
	// The kernel's keyrings.
	{"keyctl", "add_key", "request_key"},
	// Kernel interfaces with a long record of exploits.
	{"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
		"modify_ldt", "vm86", "vm86old", "uselib", "lookup_dcookie"},
	// The machine: kernel modules and images, power, swap, clocks, accounting, quotas, logs.
	{"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
		"get_kernel_syms", "query_module", "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
		"syslog", "settimeofday", "clock_settime", "clock_adjtime", "iopl", "ioperm", "vhangup",
		"nfsservctl", "_sysctl", "sysfs", "ustat", "fanotify_init"},
	// Files by handle, past the sandbox's mounts (the "shocker" escape).
	{"open_by_handle_at", "name_to_handle_at"},
}

// namespaceFlags are clone's flags that make new namespaces: CLONE_NEWNS, NEWCGROUP, NEWUTS,
// NEWIPC, NEWUSER, NEWPID and NEWNET. (CLONE_NEWTIME exists only for clone3 and unshare,
// which are denied whole.)
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// The personas the sandbox may ask for: the plain Linux ones (PER_LINUX, PER_LINUX32), and
// 0xffffffff, which reads the persona without changing it.
const (
	perLinux         = 0x0000
	perLinux32       = 0x0008
	personalityQuery = 0xffffffff
)

// seccompPolicy is the filter's policy for the architecture a: the denied calls fail with
// EPERM; clone fails with EPERM when it asks for a namespace (clone's flags are in its first
// argument on every architecture the library knows); clone3, whose flags sit in a structure a
// filter cannot read, fails with ENOSYS, so that glibc falls back to clone; personality may
// only read the persona or set the plain Linux one (PER_LINUX, PER_LINUX32), never turn off
// address-space randomisation or make data executable. Every other call is allowed.
func seccompPolicy(a *arch.Info) seccomp.Policy {
	var names []string
	for _, group := range deniedSyscalls {
		for _, n := range group {
			if _, ok := a.SyscallNames[n]; ok {
				names = append(names, n)
			}
		}
	}
	eperm := seccomp.ActionErrno | seccomp.Action(unix.EPERM)
	return seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{Names: names, Action: eperm},
			{Names: []string{"clone3"}, Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS)},
			{Action: eperm, NamesWithCondtions: []seccomp.NameWithConditions{
				{Name: "clone", Conditions: seccomp.ArgumentConditions{
					{Argument: 0, Operation: seccomp.BitsSet, Value: namespaceFlags},
				}},
				// An int argument: the kernel reads the low 32 bits. Garbage in the high ones
				// makes every comparison unequal, so the call is refused, never let through.
				{Name: "personality", Conditions: seccomp.ArgumentConditions{
					{Argument: 0, Operation: seccomp.NotEqual, Value: perLinux},
					{Argument: 0, Operation: seccomp.NotEqual, Value: perLinux32},
					{Argument: 0, Operation: seccomp.NotEqual, Value: personalityQuery},
				}},
			}},
		},
	}
}

// seccompProgram assembles the policy for architecture a into the filter's instructions. A
// system call made with another architecture's convention (i386's int 0x80 on x86-64, whose
// numbers differ) kills the process: the library's own check would let such calls take the
// default action, allow. The library answers x32 calls with ENOSYS.
func seccompProgram(a *arch.Info) ([]bpf.Instruction, error) {
	p := seccompPolicy(a)
	body, err := p.Assemble()
	if err != nil {
		return nil, err
	}
	return append([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(a.ID), SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)},
	}, body...), nil
}

// sockFilters encodes instructions as bwrap reads them from --seccomp's descriptor: the raw
// array of struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}, in the machine's byte order.
func sockFilters(prog []bpf.Instruction) ([]byte, error) {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 8*len(raw))
	for _, r := range raw {
		out = binary.NativeEndian.AppendUint16(out, r.Op)
		out = append(out, r.Jt, r.Jf)
		out = binary.NativeEndian.AppendUint32(out, r.K)
	}
	return out, nil
}

var (
	seccompOnce   sync.Once
	seccompBytes  []byte
	seccompReason string // why there is no filter; "" when there is one
)

// seccompFilter returns the filter for this machine as bwrap reads it, built once, or why
// there is none: the kernel has no seccomp, or the library has no system-call table for the
// architecture.
func seccompFilter() ([]byte, string) {
	seccompOnce.Do(func() {
		status, err := os.ReadFile("/proc/self/status")
		if err != nil || !strings.Contains(string(status), "\nSeccomp:") {
			seccompReason = "the kernel has no seccomp"
			return
		}
		a, err := arch.GetInfo("")
		if err != nil {
			seccompReason = fmt.Sprintf("no seccomp filter for this architecture: %v", err)
			return
		}
		prog, err := seccompProgram(a)
		if err == nil {
			seccompBytes, err = sockFilters(prog)
		}
		if err != nil {
			seccompReason = fmt.Sprintf("assembling the seccomp filter: %v", err)
		}
	})
	return seccompBytes, seccompReason
}

// seccompFile returns a fresh memory file holding the filter, read from its start, for one
// bwrap (each needs its own: they read it from the shared offset).
func seccompFile(data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("realx-seccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("seccomp filter: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "realx-seccomp")
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("seccomp filter: %w", err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("seccomp filter: %w", err)
	}
	return f, nil
}
