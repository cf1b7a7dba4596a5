package python

import (
	"github.com/realx-bench/realx/runners"
)

// Containment describes the isolation that a Tool's sandboxes get on this host
// (runners.Containment, so that a run's manifest can record it).
type Containment = runners.Containment

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
