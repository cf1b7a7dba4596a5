package python

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultName          = "code"
	DefaultInterpreter   = "/usr/bin/python3"
	DefaultMemoryBytes   = 4 << 30
	DefaultCPUSeconds    = 60
	DefaultMaxProcs      = 64
	DefaultFileSizeBytes = 64 << 20
	DefaultTmpBytes      = 512 << 20
	DefaultCallTimeout   = 60 * time.Second
	DefaultStartTimeout  = 30 * time.Second
	DefaultMaxOutput     = 64 << 10
	DefaultMaxImages     = 10
	// DefaultMaxImagePixels is Qwen2.5-VL's largest image, 16384·28² pixels, as in DeepEyesV2.
	DefaultMaxImagePixels = 16384 * 28 * 28
	// DefaultSandboxCPUs is the CPU quota of a sandbox, in cores.
	DefaultSandboxCPUs = 1.0
	// DefaultUID is the uid (and gid) the sandbox runs as when realx runs as root: nobody.
	DefaultUID = 65534
)

// The modes of Config.Mode.
const (
	ModeRealx      = "realx"
	ModeDeepEyesV2 = "deepeyesv2"
)

// deepEyesV2Grace is how long past CallTimeout a call of the deepeyesv2 mode may run before its
// kernel is killed: the sandbox server interrupted the code at the timeout and killed its
// process a second later.
const deepEyesV2Grace = time.Second

// ErrNoSandbox is returned by New when bubblewrap is missing and Config.Unsafe is not set.
var ErrNoSandbox = errors.New("bubblewrap (bwrap) not found: install it, or pass --unsafe-no-sandbox to run model code without a sandbox")

// Config configures the local Python tool. A zero field takes its default; a negative limit
// means no limit.
type Config struct {
	// Name is the function declared to the model; default "code" (Skywork-R1V4's name).
	Name string
	// Interpreter is the Python that runs the code; default /usr/bin/python3. It needs PIL
	// (Debian: python3-pil) to pre-load the images.
	Interpreter string
	// Bwrap is the bubblewrap binary; default "bwrap" from PATH.
	Bwrap string
	// Unsafe runs the interpreter as a plain subprocess, with the rlimits and the clean
	// environment but no isolation: the code can read and write what the user running realx
	// can (as root, what the unprivileged UID can) and reach the network.
	Unsafe bool

	// MemoryBytes is RLIMIT_AS of the interpreter and each process it starts; default 4 GiB.
	// Importing numpy, PIL, matplotlib and sympy and drawing a plot takes about 0.3 GB of
	// address space; one HR-Bench 8K image (7680×4320) as a float64 array takes 0.8 GB more.
	MemoryBytes int64
	// CPUSeconds is the CPU time of one call (RLIMIT_CPU's soft limit, moved before each call);
	// default 60. Past it the call gets a CPUTimeExceeded exception and the kernel lives on.
	// The hard limit, 10 × CPUSeconds over the interpreter's life, kills it.
	CPUSeconds int64
	// MaxProcs is RLIMIT_NPROC: processes and threads the code may have at once; default 64.
	MaxProcs int64
	// FileSizeBytes is RLIMIT_FSIZE, the largest file the code may write; default 64 MiB.
	FileSizeBytes int64
	// TmpBytes is the size of the sandbox's private /tmp, and of its /dev/shm; default 512 MiB.
	// Unused when Unsafe.
	TmpBytes int64
	// MaxOpenFiles is RLIMIT_NOFILE; default 256.
	MaxOpenFiles int64

	// SandboxMemoryBytes caps the memory of the whole sandbox, where the host gives it a
	// cgroup (Containment says whether): all its processes together, with the page cache they
	// fill and the files in /tmp and /dev/shm, which are memory too. Default MemoryBytes plus
	// twice TmpBytes; none when MemoryBytes is negative. Past it the kernel kills the largest
	// process of the sandbox (or refuses the tmpfs write).
	SandboxMemoryBytes int64
	// SandboxTasks caps the processes and threads of the whole sandbox (pids.max), where it
	// has a cgroup; default MaxProcs + 8, for bwrap's two processes and the driver's; none
	// when MaxProcs is negative.
	SandboxTasks int64
	// SandboxCPUs is the CPU time the whole sandbox may use per second of wall-clock time, in
	// cores, where it has a cgroup with a CPU quota; default 1. A process left running after
	// a call (a daemon started with setsid) shares it with the next calls, and is killed with
	// the sandbox.
	SandboxCPUs float64

	// CallTimeout is the wall-clock time of one call; default 60 s, as in DeepEyesV2's
	// evaluation. A call still running then is killed with its interpreter.
	CallTimeout time.Duration
	// StartTimeout bounds starting an interpreter and loading the images; default 30 s.
	StartTimeout time.Duration
	// MaxOutputBytes caps stdout and stderr, each, per call; default 64 KiB. The head and the
	// tail are kept around a "[… N bytes truncated …]" note.
	MaxOutputBytes int
	// MaxImages caps the images one call returns; default 10, as DeepEyesV2.
	MaxImages int
	// MaxImagePixels downscales larger returned images (keeping the aspect ratio); default
	// 16384·28².
	MaxImagePixels int64
	// DropBlankImages drops returned images whose every channel is ≥ 250, as DeepEyesV2's
	// evaluation does.
	DropBlankImages bool
	// Mode is how the kernel behaves: ModeDeepEyesV2 as DeepEyesV2's evaluation sandbox did
	// (see the package doc), or ModeRealx (also when empty). ModeDeepEyesV2 needs autopep8 in
	// the interpreter (Debian: python3-autopep8).
	Mode string

	// UID and GID are the ids the interpreter runs as when realx runs as root; default 65534.
	// They are never 0: the kernel exempts root from RLIMIT_NPROC.
	UID, GID int

	// without leaves protections out, for the tests that show what each one stops.
	without protections
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Interpreter == "" {
		c.Interpreter = DefaultInterpreter
	}
	if c.Bwrap == "" {
		c.Bwrap = "bwrap"
	}
	// Limits: zero means the default, negative means none.
	for _, f := range []struct {
		p *int64
		v int64
	}{
		{&c.MemoryBytes, DefaultMemoryBytes}, {&c.CPUSeconds, DefaultCPUSeconds},
		{&c.MaxProcs, DefaultMaxProcs}, {&c.FileSizeBytes, DefaultFileSizeBytes},
		{&c.TmpBytes, DefaultTmpBytes}, {&c.MaxOpenFiles, 256},
		{&c.MaxImagePixels, DefaultMaxImagePixels},
	} {
		if *f.p == 0 {
			*f.p = f.v
		}
	}
	positive(&c.CallTimeout, DefaultCallTimeout)
	positive(&c.StartTimeout, DefaultStartTimeout)
	positive(&c.MaxOutputBytes, DefaultMaxOutput)
	positive(&c.MaxImages, DefaultMaxImages)
	positive(&c.UID, DefaultUID)
	positive(&c.GID, DefaultUID)
	// The sandbox's cgroup takes its limits from the per-process ones, and has none where
	// they have none.
	if c.SandboxMemoryBytes == 0 {
		c.SandboxMemoryBytes = -1
		if c.MemoryBytes > 0 {
			c.SandboxMemoryBytes = c.MemoryBytes + 2*max(c.TmpBytes, 0)
		}
	}
	if c.SandboxTasks == 0 {
		c.SandboxTasks = -1
		if c.MaxProcs > 0 {
			c.SandboxTasks = c.MaxProcs + 8
		}
	}
	if c.SandboxCPUs == 0 {
		c.SandboxCPUs = DefaultSandboxCPUs
	}
	if c.Mode == "" {
		c.Mode = ModeRealx
	}
	return c
}

// hardTimeout is how long realx waits for a call before it kills the kernel.
func (c *Config) hardTimeout() time.Duration {
	if c.Mode == ModeDeepEyesV2 {
		return c.CallTimeout + deepEyesV2Grace
	}
	return c.CallTimeout
}

// positive sets *p to v unless it is positive.
func positive[T int | time.Duration](p *T, v T) {
	if *p <= 0 {
		*p = v
	}
}

// resolve fills in the defaults and finds the binaries: the interpreter must exist, and so must
// bwrap unless Unsafe.
func (c Config) resolve() (Config, error) {
	c = c.withDefaults()
	if c.Mode != ModeRealx && c.Mode != ModeDeepEyesV2 {
		return c, fmt.Errorf("python sandbox mode %q is not one of %s, %s", c.Mode, ModeDeepEyesV2, ModeRealx)
	}
	if !c.Unsafe {
		p, err := exec.LookPath(c.Bwrap)
		if err != nil {
			return c, ErrNoSandbox
		}
		c.Bwrap = p
	}
	st, err := os.Stat(c.Interpreter)
	if err != nil {
		return c, fmt.Errorf("python interpreter: %w (set the interpreter path to a Python with PIL, e.g. Debian's /usr/bin/python3)", err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return c, fmt.Errorf("python interpreter %s is not an executable file", c.Interpreter)
	}
	return c, nil
}

// checkPIL runs the interpreter once to see that it can import PIL, which pre-loading the
// images needs (a pyenv or venv Python often lacks it).
func checkPIL(ctx context.Context, interpreter string) error {
	return checkImport(ctx, interpreter, "PIL.Image", "python3-pil")
}

// checkImport runs the interpreter once to see that it can import module, which Debian's
// package pkg provides.
func checkImport(ctx context.Context, interpreter, module, pkg string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, interpreter, "-I", "-c", "import "+module)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("python interpreter %s cannot import %s (install %s, or set the interpreter path): %v: %s",
			interpreter, module, pkg, err, strings.TrimSpace(string(out)))
	}
	return nil
}
