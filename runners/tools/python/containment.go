package python

import (
	"fmt"
	"strings"
)

// Containment describes the isolation that a Tool's sandboxes get on this host, as a run's
// manifest records it. The protections it lists come on their own where the host allows them;
// Weaknesses says what is missing, and why.
type Containment struct {
	// Sandbox is "bwrap", or "none" when the interpreter runs as a plain process
	// (Config.Unsafe, --unsafe-no-sandbox).
	Sandbox string `json:"sandbox"`
	// Cgroup is the control group each sandbox gets: CgroupV1, CgroupV2 or CgroupNone.
	Cgroup string `json:"cgroup"`
	// CgroupReason says why there is none, or what it lacks.
	CgroupReason string `json:"cgroup_reason,omitempty"`
	// MemoryBytes, Tasks and CPUs are the cgroup's limits (Config.SandboxMemoryBytes,
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

// Containment returns the isolation of the tool's sandboxes on this host. The first call
// finds the host's cgroups, removing those that dead realx processes left.
func (t *Tool) Containment() Containment { return t.cfg.containment() }

// containment returns the isolation that c's sandboxes get on this host.
func (c *Config) containment() Containment {
	if c.Unsafe {
		return Containment{Sandbox: "none", Cgroup: CgroupNone, CgroupReason: "no sandbox",
			SeccompReason: "no sandbox", DisableUsernsReason: "no sandbox"}
	}
	k := Containment{Sandbox: "bwrap"}
	h := hostCgroups()
	k.Cgroup, k.CgroupReason = h.mode, h.reason
	if h.mode != CgroupNone {
		lim := c.cgroupLimits()
		k.MemoryBytes, k.Tasks = max(lim.memory, 0), max(lim.tasks, 0)
		if h.cpu {
			k.CPUs = max(lim.cpus, 0)
		}
	}
	filter, why := seccompFilter()
	k.Seccomp, k.SeccompReason = filter != nil, why
	k.DisableUserns, k.DisableUsernsReason = bwrapDisablesUserns(c.Bwrap)
	return k
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
