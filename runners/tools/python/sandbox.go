package python

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Paths inside the sandbox.
const (
	sandboxDir       = "/realx"
	sandboxDriver    = sandboxDir + "/driver.py"
	sandboxImagesDir = sandboxDir + "/images"
	sandboxTmp       = "/tmp"
)

// hostDirs are the top-level directories the sandbox sees, read-only, when they exist on the
// host: as directories, or as the same symlinks (merged /usr).
var hostDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

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

// command builds the interpreter's command for a session: when unsafe, dir holds driver.py,
// images/ and work/; in the sandbox, data are the driver and the images, which the caller
// passes as fds 5, 6, … (after the protocol's fds 3 and 4).
func (c *Config) command(dir string, data []boundFile) *exec.Cmd {
	py := []string{c.Interpreter, "-I", "-B", "-u"}
	var cmd *exec.Cmd
	if c.Unsafe {
		work := filepath.Join(dir, "work")
		cmd = exec.Command(c.Interpreter, append(py[1:], filepath.Join(dir, "driver.py"))...)
		cmd.Dir = work
		cmd.Env = sandboxEnv(work)
	} else {
		args := []string{
			"--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
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
		cmd = exec.Command(c.Bwrap, args...)
		cmd.Dir = "/"
		cmd.Env = env
	}
	// Pdeathsig (and bwrap's --die-with-parent) kill the sandbox if realx dies. The kernel
	// ties it to the OS thread that started the process, which the Go runtime keeps alive
	// unless a goroutine exits while locked to it; this package locks none.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(c.UID), Gid: uint32(c.GID), Groups: []uint32{}}
	}
	return cmd
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
