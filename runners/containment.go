package runners

import (
	"fmt"
	"strings"
)

// The kinds of control group a sandbox can get, as Containment.Cgroup names them.
const (
	CgroupV1   = "v1"
	CgroupV2   = "v2"
	CgroupNone = "none"
)

// Containment describes the isolation that a tool's sandboxes get on this host (the python
// tool's: package runners/tools/python), as a run's manifest records it. The protections it lists come on their own where the host allows them;
// Weaknesses says what is missing, and why.
type Containment struct {
	// Sandbox is "bwrap", or "none" when the interpreter runs as a plain process
	// (the tool's unsafe mode, --unsafe-no-sandbox).
	Sandbox string `json:"sandbox"`
	// Cgroup is the control group each sandbox gets: CgroupV1, CgroupV2 or CgroupNone.
	Cgroup string `json:"cgroup"`
	// CgroupReason says why there is none, or what it lacks.
	CgroupReason string `json:"cgroup_reason,omitempty"`
	// MemoryBytes, Tasks and CPUs are the cgroup's limits (the tool's SandboxMemoryBytes,
	// SandboxTasks, SandboxCPUs); 0 when not set.
	MemoryBytes int64   `json:"memory_bytes,omitempty"`
	Tasks       int64   `json:"tasks,omitempty"`
	CPUs        float64 `json:"cpus,omitempty"`
	// Seccomp reports the seccomp filter (namespaces, mounts, ptrace, keyrings, bpf,
	// perf_event_open, userfaultfd, io_uring, modules, kexec, reboot, swap, personality);
	// SeccompReason says why there is none.
	Seccomp       bool   `json:"seccomp"`
	SeccompReason string `json:"seccomp_reason,omitempty"`
	// DisableUserns reports that code in the sandbox cannot make user namespaces of its own
	// (bwrap's --disable-userns), besides the seccomp filter's refusal; DisableUsernsReason
	// says why not.
	DisableUserns       bool   `json:"disable_userns"`
	DisableUsernsReason string `json:"disable_userns_reason,omitempty"`
}

// Weaknesses lists, in words, what the sandbox lacks on this host against a full one; none
// when it has everything.
func (k Containment) Weaknesses() []string {
	if k.Sandbox == "none" {
		return []string{"no sandbox: model code runs as a plain process that can read and write your files and reach the network"}
	}
	var out []string
	switch {
	case k.Cgroup == CgroupNone:
		out = append(out, fmt.Sprintf("no cgroup (%s): the processes of a sample share no memory, task or CPU limit, each has only its rlimits", k.CgroupReason))
	case k.CgroupReason != "":
		out = append(out, k.CgroupReason)
	}
	if !k.Seccomp {
		out = append(out, fmt.Sprintf("no seccomp filter (%s)", k.SeccompReason))
	}
	if !k.DisableUserns {
		out = append(out, fmt.Sprintf("user namespaces not disabled (%s)", k.DisableUsernsReason))
	}
	return out
}

// Warning returns one line saying how the sandbox is weaker than a full one, or "".
func (k Containment) Warning() string {
	w := k.Weaknesses()
	if len(w) == 0 {
		return ""
	}
	return "python sandbox weaker than full: " + strings.Join(w, "; ")
}
