package python

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Paths inside the sandbox.
const (
	sandboxDir       = "/realx"
	sandboxDriver    = sandboxDir + "/driver.py"
	sandboxImagesDir = sandboxDir + "/images"
	sandboxTmp       = "/tmp"
)

// hostDirs are the top-level directories the sandbox sees, read-only, when they exist on the
// host: as directories, or as the same symlinks (merged /usr, whose targets are in usrDirs).
var hostDirs = []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// usrDirs are the parts of /usr the sandbox sees, read-only, when they exist: programs,
// libraries and Python's packages, and of /usr/share what Python, numpy, PIL and matplotlib
// read (fonts and their configuration, matplotlib's data, time zones, messages, libmagic's
// database; OpenCV's cascades when installed). Not /usr/local/etc, /usr/include, /usr/src nor
// the rest of /usr/share. The interpreter's own paths are added when they are elsewhere
// (pythonPaths).
var usrDirs = []string{
	"/usr/bin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32",
	"/usr/share/fontconfig", "/usr/share/fonts", "/usr/share/matplotlib", "/usr/share/zoneinfo",
	"/usr/share/locale", "/usr/share/file", "/usr/share/opencv4",
}

// hostEtc are the files and directories of /etc that the dynamic linker, Python, PIL and
// matplotlib read. Nothing else of /etc is visible: no passwd, hosts, resolv.conf or ssl.
var hostEtc = []string{
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
	"/etc/localtime", "/etc/fonts", "/etc/matplotlibrc", "/etc/python3", "/etc/python3.11",
	"/etc/python3.12", "/etc/python3.13", "/etc/mime.types",
}

// sandboxEnv is the whole environment of the interpreter (and of bwrap itself, whose pid 1 in
// the sandbox would otherwise show the harness's environment in /proc/1/environ).
func sandboxEnv(home string) []string {
	return []string{
		"HOME=" + home,
		"TMPDIR=" + home,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
		"LC_ALL=C.UTF-8",
		"MPLBACKEND=module://realx_mpl_backend",
		"MPLCONFIGDIR=" + filepath.Join(home, ".matplotlib"),
		// One BLAS/OpenMP thread: each thread counts against RLIMIT_NPROC and reserves address
		// space, and samples already run in parallel.
		"OPENBLAS_NUM_THREADS=1",
		"OMP_NUM_THREADS=1",
		"MKL_NUM_THREADS=1",
	}
}

// protections lists what a test leaves out of the sandbox, to show that each one is what
// stops its attack. Only tests set it.
type protections struct {
	seccomp, disableUserns, cgroup, usrAllowlist bool
}

// launch is one start of the interpreter: its command, and what start puts it under.
type launch struct {
	cmd *exec.Cmd
	// host, when not nil, gives the sandbox a cgroup with limits, made by start, whose v1
	// files go to uid and gid (when not -1).
	host     *cgroupHost
	limits   cgroupLimits
	uid, gid int
	cg       *cgroup
	// seccomp is the filter bwrap loads; seccompArg is the index in cmd.Args of the number of
	// the descriptor it reads it from, known only once the session's own files are set.
	seccomp    []byte
	seccompArg int
}

// launch prepares the interpreter's start for a session: when unsafe, dir holds driver.py,
// images/ and work/; in the sandbox, data are the driver and the images, which the caller
// passes as fds 5, 6, … (after the protocol's fds 3 and 4). The caller sets the command's
// standard output and error and ExtraFiles (fds 3, 4, then data's), calls start, and release
// once the process has exited.
func (c *Config) launch(dir string, data []boundFile) (*launch, error) {
	py := []string{c.Interpreter, "-I", "-B", "-u"}
	if c.Unsafe {
		work := filepath.Join(dir, "work")
		cmd := exec.Command(c.Interpreter, append(py[1:], filepath.Join(dir, "driver.py"))...)
		cmd.Dir = work
		cmd.Env = sandboxEnv(work)
		c.credentials(cmd)
		return &launch{cmd: cmd}, nil
	}
	paths, err := pythonPaths(c.Interpreter)
	if err != nil {
		return nil, err
	}
	l := &launch{}
	args := []string{"--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--cap-drop", "ALL"}
	if ok, _ := bwrapDisablesUserns(c.Bwrap); ok && !c.without.disableUserns {
		args = append(args, "--disable-userns")
	}
	if filter, _ := seccompFilter(); filter != nil && !c.without.seccomp {
		args = append(args, "--seccomp", "")
		l.seccomp, l.seccompArg = filter, len(args) // bwrap's Args[0] is its path
	}
	for _, d := range hostDirs {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				args = append(args, "--symlink", target, d)
			}
		case fi.IsDir():
			args = append(args, "--ro-bind", d, d)
		}
	}
	binds := slices.Concat(usrDirs, paths)
	if c.without.usrAllowlist {
		binds = []string{"/usr"}
	}
	for _, p := range binds {
		args = append(args, "--ro-bind-try", p, p)
	}
	for _, p := range hostEtc {
		args = append(args, "--ro-bind-try", p, p)
	}
	// /dev holds only the usual devices and is read-only but for /dev/shm (which
	// multiprocessing needs); /dev/shm and /tmp are tmpfs of at most TmpBytes each.
	size := func() {
		if c.TmpBytes > 0 {
			args = append(args, "--size", strconv.FormatInt(c.TmpBytes, 10))
		}
	}
	args = append(args, "--dev", "/dev")
	size()
	args = append(args, "--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--proc", "/proc")
	size()
	args = append(args,
		"--tmpfs", sandboxTmp,
	)
	for i, b := range data {
		args = append(args, "--ro-bind-data", strconv.Itoa(5+i), b.dest)
	}
	args = append(args,
		"--remount-ro", "/",
		"--chdir", sandboxTmp,
		"--clearenv",
	)
	env := sandboxEnv(sandboxTmp)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		args = append(args, "--setenv", k, v)
	}
	args = append(args, "--")
	args = append(args, py...)
	args = append(args, sandboxDriver)
	l.cmd = exec.Command(c.Bwrap, args...)

	if !c.without.cgroup {
		l.host, l.limits, l.uid, l.gid = hostCgroups(), c.cgroupLimits(), -1, c.GID
		if os.Geteuid() == 0 {
			l.uid = c.UID
		}
	}
	l.cmd.Dir = "/"
	l.cmd.Env = env
	c.credentials(l.cmd)
	return l, nil
}

// credentials sets how cmd starts: in its own process group, killed if realx dies and, when
// realx runs as root, as the unprivileged c.UID. Pdeathsig (and bwrap's --die-with-parent)
// is tied by the kernel to the OS thread that started the process, which the Go runtime keeps
// alive unless a goroutine exits while locked to it; this package locks none.
func (c *Config) credentials(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(c.UID), Gid: uint32(c.GID), Groups: []uint32{}}
	}
}

// start makes the sandbox's cgroup, where the host allows one, and starts the process in it:
// on v2 the process is created inside it; v1 cannot do that, so a shell writes itself into
// the cgroup, then becomes bwrap, before any code of the sandbox runs. The seccomp filter goes
// to bwrap as the descriptor after the session's ExtraFiles. On failure the cgroup is removed.
func (l *launch) start() (err error) {
	defer func() {
		if err != nil {
			l.release()
		}
	}()
	cmd := l.cmd
	if h := l.host; h != nil && h.mode != CgroupNone {
		if l.cg, err = h.newCgroup(l.limits, l.uid, l.gid); err != nil {
			return err
		}
		if h.mode == CgroupV1 {
			var script strings.Builder
			for _, p := range l.cg.procsFiles() {
				fmt.Fprintf(&script, "echo $$ >%s && ", shellQuote(p))
			}
			script.WriteString(`exec "$0" "$@"`)
			cmd.Args = append([]string{"/bin/sh", "-c", script.String(), cmd.Path}, cmd.Args[1:]...)
			cmd.Path = "/bin/sh"
			if l.seccompArg > 0 {
				l.seccompArg += 3 // -c, the script, bwrap's path
			}
		}
	}
	if l.seccompArg > 0 {
		f, err := seccompFile(l.seccomp)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Args[l.seccompArg] = strconv.Itoa(3 + len(cmd.ExtraFiles))
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	if l.cg != nil && l.cg.host.mode == CgroupV2 {
		fd, err := unix.Open(l.cg.dirs[0], unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
		defer unix.Close(fd)
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
	}
	return cmd.Start()
}

// release kills whatever still runs in the sandbox's cgroup and removes it. It may be called
// more than once.
func (l *launch) release() {
	if l.cg != nil {
		l.cg.remove()
	}
}

// cgroupLimits returns the limits of a sandbox's cgroup.
func (c *Config) cgroupLimits() cgroupLimits {
	return cgroupLimits{memory: c.SandboxMemoryBytes, tasks: c.SandboxTasks, cpus: c.SandboxCPUs}
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var interpreterPaths sync.Map // interpreter → []string

// pythonPaths returns what the interpreter reads that usrDirs does not cover, asked once of
// the interpreter itself: the entries of its sys.path (/usr/local/lib/python3.11/dist-packages
// for Debian's), and for a prefix outside /usr (a venv, pyenv, /opt) its bin, lib, lib64 and
// pyvenv.cfg, and the directory of the executable the path resolves to.
func pythonPaths(interpreter string) ([]string, error) {
	if paths, ok := interpreterPaths.Load(interpreter); ok {
		return paths.([]string), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, interpreter, "-I", "-c",
		`import json, os, sys; print(json.dumps({"path": sys.path, "exe": os.path.realpath(sys.executable), `+
			`"prefixes": [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]}))`)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	out, err := cmd.Output()
	var got struct {
		Path     []string `json:"path"`
		Exe      string   `json:"exe"`
		Prefixes []string `json:"prefixes"`
	}
	if err == nil {
		err = json.Unmarshal(out, &got)
	}
	if err != nil { // not kept: the next start asks again
		return nil, fmt.Errorf("python interpreter %s: reading its paths: %w", interpreter, err)
	}
	covered := func(p string) bool {
		for _, d := range slices.Concat(usrDirs, hostDirs) {
			if p == d || strings.HasPrefix(p, d+"/") {
				return true
			}
		}
		return false
	}
	var paths []string
	add := func(p string) {
		if p = filepath.Clean(p); filepath.IsAbs(p) && p != "/" && !covered(p) && !slices.Contains(paths, p) {
			if _, err := os.Stat(p); err == nil {
				paths = append(paths, p)
			}
		}
	}
	for _, p := range got.Path {
		add(p)
	}
	for _, prefix := range got.Prefixes {
		if prefix == "/" || prefix == "/usr" || covered(prefix) {
			continue
		}
		for _, sub := range []string{"bin", "lib", "lib64", "pyvenv.cfg"} {
			add(filepath.Join(prefix, sub))
		}
	}
	add(filepath.Dir(got.Exe))
	interpreterPaths.Store(interpreter, paths)
	return paths, nil
}

var bwrapVersions sync.Map // bwrap path → bwrapVersion

type bwrapVersion struct {
	ok     bool
	reason string
}

// bwrapDisablesUserns reports whether bwrap has --disable-userns (0.8.0 and later), or says
// why not, asking `bwrap --version` once.
func bwrapDisablesUserns(bwrap string) (bool, string) {
	if v, ok := bwrapVersions.Load(bwrap); ok {
		return v.(bwrapVersion).ok, v.(bwrapVersion).reason
	}
	out, err := exec.Command(bwrap, "--version").Output()
	v := bwrapVersion{}
	f := strings.Fields(string(out))
	switch {
	case err != nil:
		v.reason = fmt.Sprintf("%s --version: %v", bwrap, err)
	case len(f) < 2:
		v.reason = fmt.Sprintf("%s --version: %q", bwrap, out)
	case versionAtLeast(f[len(f)-1], 0, 8):
		v.ok = true
	default:
		v.reason = fmt.Sprintf("bubblewrap %s lacks --disable-userns (0.8.0)", f[len(f)-1])
	}
	bwrapVersions.Store(bwrap, v)
	return v.ok, v.reason
}

// versionAtLeast reports whether version "X.Y[.Z]" is at least major.minor.
func versionAtLeast(version string, major, minor int) bool {
	f := strings.Split(version, ".")
	if len(f) < 2 {
		return false
	}
	x, err1 := strconv.Atoi(f[0])
	y, err2 := strconv.Atoi(f[1])
	return err1 == nil && err2 == nil && (x > major || x == major && y >= minor)
}

// imagePaths returns where the driver will find the images, in order.
func (c *Config) imagePaths(dir string, names []string) []string {
	base := sandboxImagesDir
	if c.Unsafe {
		base = filepath.Join(dir, "images")
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(base, n)
	}
	return out
}
