// Package python owns the code tool that agentic models call to run Python: one stateful
// interpreter per sample, sandboxed by bubblewrap, with the sample's images pre-loaded as
// image_1, image_2, …; the driver program that runs inside it; the remote backend that speaks to an
// existing DeepEyesV2-style Jupyter sandbox over HTTP; and Classify, which sorts a code call into
// DeepEyesV2's tool categories (crop, mark, numeric, other).
//
// Sandbox. Each interpreter runs as `python3 -I -B -u driver.py` under bwrap with every namespace
// unshared (no network: the network namespace has no interfaces), a root built from read-only
// binds of the parts of /usr that Python reads (/usr/bin, /usr/lib*, fonts and matplotlib's data
// of /usr/share, the interpreter's own sys.path; not /usr/local/etc, /usr/include or /usr/src)
// and the few files of /etc that Python, PIL and matplotlib read (never /, /root, /home or the
// harness's temp files), a private size-capped tmpfs at /tmp (the working directory and HOME),
// the images and the driver copied read-only under /realx from sealed memfds (bwrap's
// --ro-bind-data: nothing of a session is written to disk), an environment holding only what the
// code needs (never the harness's variables, so no API keys), no capabilities, and rlimits on
// address space, CPU time, tasks, file size and open files, set before any user code runs. When
// realx runs as root the sandbox runs as an unprivileged uid (65534 by default), because the
// kernel does not apply RLIMIT_NPROC to root.
//
// Kernel hardening. A seccomp filter refuses what Python never needs and exploits do (new
// namespaces, mounts, ptrace and other processes' memory, keyrings, bpf, perf_event_open,
// userfaultfd, io_uring, modules, kexec, reboot, swap, turning off address-space randomisation;
// calls of another architecture kill), and bwrap's --disable-userns leaves no user namespace to
// make. Where the host allows it (realx as root with cgroup v1, or a delegated cgroup v2) each
// sandbox also gets a cgroup of its own, entered before any of its code runs, that caps the
// memory of all its processes together with their /tmp and /dev/shm files, its tasks and its CPU
// time (Config.SandboxMemoryBytes, SandboxTasks, SandboxCPUs); killing the interpreter kills all
// of it and removes it, and a realx that starts removes the cgroups dead realx processes left.
// Tool.Containment says which of these protections the host gave, and why not; realx run records
// it in the run's manifest and warns when it is weaker than full.
//
// Protocol. No descriptor that realx inherited reaches the sandbox: NewSession marks them all
// close-on-exec (MarkInheritedCloseOnExec, which realx also calls at start), and the driver
// closes every descriptor it does not own before any user code runs. realx talks to the driver
// over its own pipes (fds 3 and 4). The driver is a supervisor that never runs user code: it
// makes itself non-dumpable, so that code running as the same user can neither read its memory
// nor open its descriptors through /proc, nor ptrace it, and forks the kernel that runs the
// cells, which keeps none of the supervisor's descriptors. fds 1 and 2 are Unix stream sockets,
// which, unlike pipes, cannot be opened again for reading through /proc: they are captured per
// call and capped. Once the driver replied, realx ends the call's output with a random marker
// that it writes itself into its copy of the sandbox's end of each socket: the marker never
// enters the sandbox. realx reads the replies with a size cap and checks them (at most
// MaxImages images, PNG or, in the deepeyesv2 mode, JPEG, with sizes read from the images' own
// headers, within MaxImagePixels and a byte cap per image and per call); a reply that breaks them, like a crashed kernel, stops the
// interpreter with an error that says why.
//
// A call that outlives its wall-clock timeout, or an interpreter that dies, is killed with its
// whole process tree and reported to the model as an error; the next call of the sample starts a
// fresh interpreter (variables are lost, the images are loaded again) and says so. Without bwrap,
// New refuses to run code unless Config.Unsafe (the --unsafe-no-sandbox flag) is set, which runs
// a plain subprocess with the same rlimits and environment but no isolation; the driver and the
// images are then written to a private directory, which Close removes, or else the next realx.
//
// Images. plt.show(), display(obj), figures left open at the end of a cell (as Jupyter's inline
// backend shows them) and a PIL image or figure as a cell's last expression come back as PNG
// images, at most Config.MaxImages per call, downscaled to Config.MaxImagePixels, and within 64
// MiB per call (an image past it is dropped with a note). White images (every channel ≥ 250)
// are dropped when Config.DropBlankImages, as DeepEyesV2's evaluation drops them.
//
// Modes. Config.Mode ModeDeepEyesV2 makes the kernel behave as DeepEyesV2's evaluation sandbox
// did (its Jupyter server and VLMEvalKit's client): the code passes the client's indentation
// fixer and autopep8 first; the namespace holds builtins, os, shutil, subprocess, sys, plt, Image
// and image_1 (the first image only); a value prints as IPython's "Out[1]: …", an exception as
// IPython's traceback without colour, a syntax error as "SyntaxError - …"; writes to sys.stderr
// are lost; images come only from plt.show() (every open figure after fig.tight_layout()),
// resized with smart_resize (bilinear) and sent as JPEG quality 75; a call past CallTimeout gets
// the server's TimeoutException, and its kernel is killed a second later with the server's
// "TimeOutError: code execution timed out". ModeRealx is the plain kernel above.
package python
