package python

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/realx-bench/realx/runners"
)

// The kinds of control group a sandbox can get, as Containment.Cgroup names them.
const (
	CgroupV1   = runners.CgroupV1
	CgroupV2   = runners.CgroupV2
	CgroupNone = runners.CgroupNone
)

// cfsPeriod is the CPU quota's period, in microseconds: the kernel's default, 100 ms.
const cfsPeriod = 100_000

// cgroupLimits are what one sandbox's cgroup caps; zero or less means no cap.
type cgroupLimits struct {
	memory int64   // bytes: every process, their page cache, tmpfs and shm pages
	tasks  int64   // processes and threads
	cpus   float64 // cores: CPU time per wall-clock time
}

// hierarchy is a directory under which this realx keeps its cgroups, with the controllers
// it carries: one per v1 hierarchy (memory, pids, cpu), or the one v2 directory (all three).
type hierarchy struct {
	parent      string
	controllers []string
}

// cgroupHost is what the host offers for the sandboxes' cgroups, found once per realx process
// by hostCgroups. Each realx process keeps its cgroups in a directory of its own under each
// hierarchy's parent, named by owner.
type cgroupHost struct {
	mode   string // CgroupV1, CgroupV2 or CgroupNone
	reason string // why mode is none, or what is missing (a CPU quota)
	cpu    bool   // a CPU quota can be set
	hier   []hierarchy
	own    string // the directory's name: owner.String()

	mu   sync.Mutex
	next int // names the next cgroup
	live int // cgroups not yet removed; v1 removes its own directories with the last
}

// cgroup is the control group of one sandbox.
type cgroup struct {
	host *cgroupHost
	dirs []string // parallel to host.hier
	once sync.Once
}

var (
	cgroupOnce sync.Once
	cgroupHere *cgroupHost
)

// hostCgroups finds, once, what this machine offers: cgroup v1 when realx runs as root and the
// memory and pids hierarchies are mounted, else a delegated cgroup v2 whose subtree offers the
// memory and pids controllers, else nothing (with the reason). It removes the leftovers of
// realx processes that died, first.
func hostCgroups() *cgroupHost {
	cgroupOnce.Do(func() {
		mountinfo, err1 := os.ReadFile("/proc/self/mountinfo")
		cgroups, err2 := os.ReadFile("/proc/self/cgroup")
		self, err3 := selfOwner()
		if err := errors.Join(err1, err2, err3); err != nil {
			cgroupHere = &cgroupHost{mode: CgroupNone, reason: err.Error()}
			return
		}
		cgroupHere = detectCgroups(parseMountinfo(string(mountinfo)), parseProcCgroup(string(cgroups)), self, os.Geteuid() == 0)
	})
	return cgroupHere
}

// detectCgroups chooses the cgroups of this process's sandboxes from the cgroup mounts, this
// process's cgroups (controller → path; "" is v2's) and who it is.
func detectCgroups(mounts []cgroupMount, cgroups map[string]string, self owner, root bool) *cgroupHost {
	h := &cgroupHost{mode: CgroupNone, own: self.String()}
	why1 := h.tryV1(mounts, cgroups, self, root)
	if why1 == "" {
		return h
	}
	why2 := h.tryV2(mounts, cgroups, self, root)
	if why2 == "" {
		return h
	}
	h.mode, h.hier, h.cpu = CgroupNone, nil, false
	h.reason = why1 + "; " + why2
	return h
}

// tryV1 sets h up for cgroup v1, or says why it cannot be.
func (h *cgroupHost) tryV1(mounts []cgroupMount, cgroups map[string]string, self owner, root bool) string {
	for _, ctrl := range []string{"memory", "pids", "cpu"} {
		dir := ""
		for _, m := range mounts {
			if !m.v2 && slices.Contains(m.controllers, ctrl) {
				dir = m.dir(cgroups[ctrl])
				break
			}
		}
		if dir == "" {
			if ctrl == "cpu" {
				h.reason = "cgroup v1 has no cpu hierarchy: no CPU quota"
				continue
			}
			return "cgroup v1 has no " + ctrl + " hierarchy"
		}
		if i := slices.IndexFunc(h.hier, func(x hierarchy) bool { return x.parent == dir }); i >= 0 {
			h.hier[i].controllers = append(h.hier[i].controllers, ctrl)
		} else {
			h.hier = append(h.hier, hierarchy{parent: dir, controllers: []string{ctrl}})
		}
		h.cpu = h.cpu || ctrl == "cpu"
	}
	if !root {
		return "cgroup v1 needs root"
	}
	for _, x := range h.hier {
		sweep(x.parent, self, false)
		// Can realx make its directory here? (It is made again with the first cgroup.)
		own := filepath.Join(x.parent, h.own)
		if err := os.Mkdir(own, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Sprintf("cgroup v1: %v", err)
		}
		_ = os.Remove(own)
	}
	h.mode = CgroupV1
	return ""
}

// tryV2 sets h up for cgroup v2, or says why it cannot be. realx's own cgroup must offer the
// memory and pids controllers (cpu too, for a quota). A cgroup whose children have
// controllers cannot hold processes itself (but the root), so realx moves into a leaf of its
// own, realx-…/realx, when it is alone in its cgroup; as root, it may use instead the nearest
// ancestor that passes the controllers on already.
func (h *cgroupHost) tryV2(mounts []cgroupMount, cgroups map[string]string, self owner, root bool) string {
	h.hier, h.cpu, h.reason = nil, false, ""
	path, ok := cgroups[""]
	var dir, top string
	for _, m := range mounts {
		if m.v2 && ok {
			dir, top = m.dir(path), m.mountpoint
			break
		}
	}
	if dir == "" {
		return "no cgroup v2"
	}
	have := strings.Fields(readString(filepath.Join(dir, "cgroup.controllers")))
	if !slices.Contains(have, "memory") || !slices.Contains(have, "pids") {
		return fmt.Sprintf("cgroup v2: realx's cgroup %s does not offer the memory and pids controllers (it offers %q); "+
			"run realx in a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes realx …", dir, have)
	}
	enable := "+memory +pids"
	if h.cpu = slices.Contains(have, "cpu"); h.cpu {
		enable += " +cpu"
	} else {
		h.reason = "cgroup v2 offers no cpu controller: no CPU quota"
	}
	parent := dir
	if err := writeString(filepath.Join(dir, "cgroup.subtree_control"), enable); err != nil {
		procs := readPids([]string{dir})
		busy := errors.Is(err, syscall.EBUSY)
		switch {
		case busy && slices.Equal(procs, []int{self.pid}):
			leaf := filepath.Join(dir, h.own, "realx")
			if err := os.MkdirAll(leaf, 0o755); err != nil {
				return fmt.Sprintf("cgroup v2: %v", err)
			}
			if err := writeString(filepath.Join(leaf, "cgroup.procs"), strconv.Itoa(self.pid)); err != nil {
				return fmt.Sprintf("cgroup v2: moving realx into %s: %v", leaf, err)
			}
			if err := writeString(filepath.Join(dir, "cgroup.subtree_control"), enable); err != nil {
				return fmt.Sprintf("cgroup v2: %v", err)
			}
		case root:
			parent = ""
			for a := filepath.Dir(dir); strings.HasPrefix(a, top) && parent == ""; a = filepath.Dir(a) {
				on := strings.Fields(readString(filepath.Join(a, "cgroup.subtree_control")))
				if slices.Contains(on, "memory") && slices.Contains(on, "pids") && (!h.cpu || slices.Contains(on, "cpu")) {
					parent = a
				}
				if a == top {
					break
				}
			}
			if parent == "" {
				return fmt.Sprintf("cgroup v2: %s holds other processes, and no cgroup above it passes the controllers on", dir)
			}
		case busy:
			return fmt.Sprintf("cgroup v2: %s holds other processes than realx; "+
				"run realx in a cgroup of its own, e.g. systemd-run --user --scope -p Delegate=yes realx …", dir)
		default:
			return fmt.Sprintf("cgroup v2: enabling the controllers of %s: %v", dir, err)
		}
	}
	sweep(parent, self, true)
	own := filepath.Join(parent, h.own)
	if err := os.Mkdir(own, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Sprintf("cgroup v2: %v", err)
	}
	if err := writeString(filepath.Join(own, "cgroup.subtree_control"), enable); err != nil {
		return fmt.Sprintf("cgroup v2: %s: %v", own, err)
	}
	h.hier = []hierarchy{{parent: parent, controllers: []string{"memory", "pids", "cpu"}}}
	h.mode = CgroupV2
	return ""
}

// newCgroup makes a sandbox's cgroup with limits lim. On v1, when the sandbox runs as uid
// (≥ 0), its cgroup.procs files are given to uid and gid, so that the sandbox's first process
// can write itself into them before it execs bwrap.
func (h *cgroupHost) newCgroup(lim cgroupLimits, uid, gid int) (*cgroup, error) {
	g := &cgroup{host: h}
	err := func() error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.next++
		h.live++
		for _, x := range h.hier {
			own := filepath.Join(x.parent, h.own)
			if err := os.Mkdir(own, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			d := filepath.Join(own, "s"+strconv.Itoa(h.next))
			if err := os.Mkdir(d, 0o755); err != nil {
				return err
			}
			g.dirs = append(g.dirs, d)
		}
		return nil
	}()
	if err == nil {
		err = g.limit(lim)
	}
	if err == nil && h.mode == CgroupV1 && uid >= 0 {
		for _, p := range g.procsFiles() {
			if err = os.Chown(p, uid, gid); err != nil {
				break
			}
		}
	}
	if err != nil {
		g.remove()
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	return g, nil
}

// limit writes lim into the cgroup's files.
func (g *cgroup) limit(lim cgroupLimits) error {
	type setting struct {
		ctrl, file, value string
		optional          bool // missing on some kernels (no swap accounting)
	}
	var set []setting
	v2 := g.host.mode == CgroupV2
	if lim.memory > 0 {
		m := strconv.FormatInt(lim.memory, 10)
		if v2 {
			set = append(set, setting{"memory", "memory.max", m, false}, setting{"memory", "memory.swap.max", "0", true})
		} else {
			// No swap: the limit counts memory and swap together where the kernel accounts
			// swap, and a swappiness of 0 keeps the cgroup's anonymous and tmpfs pages in RAM.
			set = append(set, setting{"memory", "memory.limit_in_bytes", m, false},
				setting{"memory", "memory.memsw.limit_in_bytes", m, true}, setting{"memory", "memory.swappiness", "0", true})
		}
	}
	if lim.tasks > 0 {
		set = append(set, setting{"pids", "pids.max", strconv.FormatInt(lim.tasks, 10), false})
	}
	if lim.cpus > 0 && g.host.cpu {
		quota := max(int64(math.Round(lim.cpus*cfsPeriod)), 1000)
		if v2 {
			set = append(set, setting{"cpu", "cpu.max", fmt.Sprintf("%d %d", quota, cfsPeriod), false})
		} else {
			set = append(set, setting{"cpu", "cpu.cfs_period_us", strconv.Itoa(cfsPeriod), false},
				setting{"cpu", "cpu.cfs_quota_us", strconv.FormatInt(quota, 10), false})
		}
	}
	for _, s := range set {
		err := writeString(filepath.Join(g.dir(s.ctrl), s.file), s.value)
		if err != nil && !(s.optional && (errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.EINVAL))) {
			return err
		}
	}
	return nil
}

// dir returns the cgroup's directory in the hierarchy of controller ctrl.
func (g *cgroup) dir(ctrl string) string {
	for i, x := range g.host.hier {
		if slices.Contains(x.controllers, ctrl) {
			return g.dirs[i]
		}
	}
	return g.dirs[0]
}

// procsFiles returns the cgroup.procs files that a process writes its pid into to join the
// cgroup: one per hierarchy.
func (g *cgroup) procsFiles() []string {
	out := make([]string, len(g.dirs))
	for i, d := range g.dirs {
		out[i] = filepath.Join(d, "cgroup.procs")
	}
	return out
}

// pids returns the processes in the cgroup, in any of its hierarchies.
func (g *cgroup) pids() []int { return readPids(g.dirs) }

// remove kills every process in the cgroup and removes it. It may be called more than once.
func (g *cgroup) remove() {
	g.once.Do(func() {
		killCgroup(g.dirs, g.host.mode == CgroupV2)
		for _, d := range g.dirs {
			rmdirCgroup(d)
		}
		h := g.host
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.live--; h.live == 0 && h.mode == CgroupV1 {
			for _, x := range h.hier {
				_ = os.Remove(filepath.Join(x.parent, h.own))
			}
		}
	})
}

// killCgroup kills the processes in the cgroup dirs (the same cgroup in several hierarchies)
// with SIGKILL, again until none is left, for at most 5 s. On v2 cgroup.kill kills the whole
// subtree at once, a fork bomb included.
func killCgroup(dirs []string, v2 bool) {
	if len(dirs) == 0 {
		return
	}
	if v2 {
		_ = writeString(filepath.Join(dirs[0], "cgroup.kill"), "1")
	}
	deadline := time.Now().Add(5 * time.Second)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 50*time.Millisecond) {
		pids := readPids(dirs)
		if len(pids) == 0 || time.Now().After(deadline) {
			return
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(delay)
	}
}

// rmdirCgroup removes an empty cgroup directory, waiting up to 2 s for the processes that are
// exiting to leave it.
func rmdirCgroup(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 50*time.Millisecond) {
		err := os.Remove(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) || !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return
		}
		time.Sleep(delay)
	}
}

// readPids returns the processes listed in the cgroup.procs files of dirs, each once. Those
// of other pid namespaces, listed as 0, are left out: kill(0) would signal realx's own group.
func readPids(dirs []string) []int {
	var out []int
	for _, d := range dirs {
		for _, f := range strings.Fields(readString(filepath.Join(d, "cgroup.procs"))) {
			if p, err := strconv.Atoi(f); err == nil && p > 0 && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// owner identifies a realx process across pid reuse: its pid namespace, pid and start time
// (in clock ticks after boot). It names the process's cgroup directories.
type owner struct {
	ns    uint64
	pid   int
	start uint64
}

func (o owner) String() string { return fmt.Sprintf("realx-%d-%d-%d", o.ns, o.pid, o.start) }

// parseOwner reads a directory name that owner.String wrote.
func parseOwner(name string) (owner, bool) {
	f := strings.Split(strings.TrimPrefix(name, "realx-"), "-")
	if len(f) != 3 || !strings.HasPrefix(name, "realx-") {
		return owner{}, false
	}
	ns, err1 := strconv.ParseUint(f[0], 10, 64)
	pid, err2 := strconv.Atoi(f[1])
	start, err3 := strconv.ParseUint(f[2], 10, 64)
	return owner{ns, pid, start}, errors.Join(err1, err2, err3) == nil
}

// selfOwner returns this process's owner.
func selfOwner() (owner, error) {
	link, err := os.Readlink("/proc/self/ns/pid") // "pid:[4026531836]"
	if err != nil {
		return owner{}, err
	}
	ns, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(link, "pid:["), "]"), 10, 64)
	if err != nil {
		return owner{}, fmt.Errorf("/proc/self/ns/pid: %q", link)
	}
	start, ok := startTime(os.Getpid())
	if !ok {
		return owner{}, errors.New("/proc/self/stat: no start time")
	}
	return owner{ns, os.Getpid(), start}, nil
}

// startTime returns when process pid started, in clock ticks after boot.
func startTime(pid int) (uint64, bool) {
	stat := readString(fmt.Sprintf("/proc/%d/stat", pid))
	// The command name, in parentheses, may hold spaces and parentheses itself.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:]) // from the state, field 3
	if len(f) < 20 {
		return 0, false
	}
	t, err := strconv.ParseUint(f[19], 10, 64) // field 22
	return t, err == nil
}

// sweep removes the cgroup directories that dead realx processes left under parent, killing
// what still runs in them. A directory whose owner lived in another pid namespace cannot be
// told dead or alive: it is removed only when nothing runs in it.
func sweep(parent string, self owner, v2 bool) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		o, ok := parseOwner(e.Name())
		if !ok || !e.IsDir() || o == self {
			continue
		}
		sameNS := o.ns == self.ns
		if start, alive := startTime(o.pid); sameNS && alive && start == o.start {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		subs, _ := os.ReadDir(dir)
		for _, s := range subs {
			if !s.IsDir() {
				continue
			}
			sub := filepath.Join(dir, s.Name())
			if sameNS {
				killCgroup([]string{sub}, v2)
			}
			_ = os.Remove(sub)
		}
		_ = os.Remove(dir)
	}
}

// cgroupMount is a mounted cgroup hierarchy.
type cgroupMount struct {
	mountpoint  string
	root        string // the cgroup of the hierarchy mounted there
	v2          bool
	controllers []string // v1's
}

// dir returns where the cgroup at path (as /proc/self/cgroup writes it) is under this mount,
// or "" when it is outside what is mounted.
func (m cgroupMount) dir(path string) string {
	if path == "" {
		return ""
	}
	rel, ok := strings.CutPrefix(path, m.root)
	if !ok || (m.root != "/" && rel != "" && rel[0] != '/') {
		return ""
	}
	return filepath.Join(m.mountpoint, rel)
}

// parseMountinfo returns the cgroup mounts in a /proc/self/mountinfo.
func parseMountinfo(text string) []cgroupMount {
	var out []cgroupMount
	for _, line := range strings.Split(text, "\n") {
		left, right, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(left), strings.Fields(right)
		if !ok || len(f) < 5 || len(g) < 3 {
			continue
		}
		m := cgroupMount{mountpoint: unescapeMount(f[4]), root: unescapeMount(f[3])}
		switch g[0] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			for _, o := range strings.Split(g[2], ",") {
				if o == "memory" || o == "pids" || o == "cpu" {
					m.controllers = append(m.controllers, o)
				}
			}
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// unescapeMount decodes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseProcCgroup returns the cgroup of each controller in a /proc/self/cgroup; v2's is "".
func parseProcCgroup(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[1] == "" {
			out[""] = f[2]
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			out[c] = f[2]
		}
	}
	return out
}

// readString returns the content of a file, or "" when it cannot be read.
func readString(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(data)
}

// writeString writes s to a cgroup file, which must exist.
func writeString(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
