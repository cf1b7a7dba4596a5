"""realx Python driver: a supervisor, and the kernel it forks to run model-written cells.

realx starts this file as `python3 -I -B -u driver.py` (inside bubblewrap unless the user asked
for no sandbox). That process is the supervisor: it reads one JSON request per line from fd 3 and
writes one JSON reply per line to fd 4, and never runs user code. At init it forks the kernel,
which runs the cells, and which cannot reach the protocol:

  - before anything else, the supervisor closes every descriptor it inherited but 0 to 4, and
    makes itself non-dumpable (prctl PR_SET_DUMPABLE 0): the kernel, though it runs as the same
    user, can then neither read its memory nor open its descriptors through /proc, nor ptrace it;
  - the kernel closes every descriptor but 0, 1, 2 and its two pipes to the supervisor (so fds 3
    and 4 too), and its processes inherit none of them but 0, 1 and 2;
  - the supervisor reads the kernel's replies with a size cap and checks their shape; realx
    checks them again, images included.

fds 1 and 2 are Unix stream sockets to realx, which, unlike pipes, cannot be opened again for
reading through /proc/<pid>/fd. When the kernel has replied, it has flushed its output, and realx
writes a random marker to its own copy of the sandbox's end of each socket: the marker, which ends
the call's output, never enters the sandbox, so user code can neither read it nor end a call's
output early.

Requests from realx:
  {"op": "init", "images": [path, ...], "limits": {...}, "max_images": n, "max_pixels": n,
   "image_bytes": n, "call_image_bytes": n, "reply_bytes": n, "drop_blank": bool}
      forks the kernel, which sets the rlimits (before any user code runs) and opens the images
      as image_1, image_2, ...; replies {"ok": true}, or {"ok": false, "error": why}.
  {"op": "exec", "code": str}
      runs one cell in the kernel, and replies
      {"ok": true, "images": [{"png": base64}, ...], "dropped": n, "blank": n, "too_big": n,
      "error": the exception's last line or null}; or {"ok": false, "error": why} when the
      kernel's reply was garbled (then the kernel is killed and the supervisor exits).
When the kernel dies, the supervisor exits the same way: with its exit status, or with 128 plus
the signal that killed it.

Between the supervisor and the kernel, a pipe each way carries {"cell": n, "code": str} and the
kernel's {"cell": n, ...} replies; cell 0 is the init. Nothing secret passes there.

Cell output goes to fds 1 and 2 as it is written (realx captures and caps it); a traceback
is printed to stderr as IPython prints it, and its last line comes back as "error".
"""

import ast
import base64
import builtins
import importlib.abc
import importlib.machinery
import io
import json
import linecache
import math
import os
import resource
import select
import signal
import sys
import traceback

REQ_FD, REP_FD = 3, 4
BACKEND = "realx_mpl_backend"
PR_SET_DUMPABLE = 4
MAX_ERROR_CHARS = 4096


class CPUTimeExceeded(BaseException):
    """Raised in user code when a call has used up its CPU time.

    It derives from BaseException so that a bare `except Exception` in user code does not
    swallow it (the kernel sends SIGXCPU again every second until the hard limit kills it).
    """


_state = {
    "in_user": False,
    "images": [],
    "image_total": 0,
    "dropped": 0,
    "blank": 0,
    "too_big": 0,
    "max_images": 10,
    "max_pixels": 0,
    "image_bytes": 1 << 62,
    "call_image_bytes": 1 << 62,
    "drop_blank": False,
    "cpu": 0,
    "cpu_hard": 0,
    "cell": 0,
}


def _on_xcpu(signum, frame):
    if _state["in_user"]:
        raise CPUTimeExceeded("CPU time limit exceeded (%ds per call)" % _state["cpu"])


def _tasks_of(uid):
    """Counts the tasks (processes and threads) of uid that this process can see."""
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat("/proc/" + pid).st_uid == uid:
                n += len(os.listdir("/proc/%s/task" % pid))
        except OSError:
            pass
    return n


def _set_limits(lim):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if lim.get("as", 0) > 0:
        resource.setrlimit(resource.RLIMIT_AS, (lim["as"], lim["as"]))
    if lim.get("fsize", 0) > 0:
        # Past the limit a write fails with EFBIG instead of killing the kernel.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim["fsize"], lim["fsize"]))
    if lim.get("nofile", 0) > 0:
        resource.setrlimit(resource.RLIMIT_NOFILE, (lim["nofile"], lim["nofile"]))
    if lim.get("nproc", 0) > 0:
        # RLIMIT_NPROC counts every task of the user (in its user namespace): inside the
        # sandbox only the sandbox's own, without it all of the user's, hence the offset.
        n = _tasks_of(os.getuid()) + lim["nproc"]
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
    if lim.get("cpu", 0) > 0:
        _state["cpu"] = lim["cpu"]
        # The hard limit bounds the interpreter's whole life; the soft limit is moved before
        # each call to give that call its own budget (see _arm_cpu).
        _state["cpu_hard"] = lim.get("cpu_hard", 0) or 10 * lim["cpu"]
        signal.signal(signal.SIGXCPU, _on_xcpu)
        resource.setrlimit(resource.RLIMIT_CPU, (lim["cpu"], _state["cpu_hard"]))


def _arm_cpu():
    if not _state["cpu"]:
        return
    ru = resource.getrusage(resource.RUSAGE_SELF)
    used = int(math.ceil(ru.ru_utime + ru.ru_stime))
    soft = min(used + _state["cpu"], _state["cpu_hard"])
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, _state["cpu_hard"]))
    except (ValueError, OSError):
        pass  # user code lowered the hard limit; keep what is there


# ---- images -------------------------------------------------------------------------------

def _is_blank(img):
    """Reports whether every channel of every pixel is >= 250 (DeepEyesV2's white image)."""
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    ext = img.getextrema()
    if img.mode == "L":
        ext = (ext,)
    return all(lo >= 250 for lo, _ in ext)


def _add_image(img):
    from PIL import Image

    if len(_state["images"]) >= _state["max_images"]:
        _state["dropped"] += 1
        return
    if img.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    w, h = img.size
    if w <= 0 or h <= 0:
        _state["dropped"] += 1
        return
    mp = _state["max_pixels"]
    if mp and w * h > mp:
        s = math.sqrt(mp / (w * h))
        w, h = max(1, int(w * s)), max(1, int(h * s))
        img = img.resize((w, h), Image.BILINEAR)
    if _state["drop_blank"] and _is_blank(img):
        _state["blank"] += 1
        return
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    n = buf.tell()
    if n > _state["image_bytes"] or _state["image_total"] + n > _state["call_image_bytes"]:
        _state["too_big"] += 1
        return
    _state["image_total"] += n
    _state["images"].append({"png": base64.b64encode(buf.getvalue()).decode("ascii")})


def _add_figure(fig):
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    buf.seek(0)
    _add_image(Image.open(buf))


def _is_pil(obj):
    m = sys.modules.get("PIL.Image")
    return m is not None and isinstance(obj, m.Image)


def _is_figure(obj):
    m = sys.modules.get("matplotlib.figure")
    return m is not None and isinstance(obj, m.Figure)


def _emit(obj):
    """Shows obj as Jupyter would: images and figures as images, anything else as its repr."""
    if obj is None:
        return
    if _is_pil(obj):
        _add_image(obj)
    elif _is_figure(obj):
        _add_figure(obj)
        _close_figure(obj)
    else:
        print(repr(obj))


def display(*objs, **kwargs):
    """Shows each object: a PIL image or a matplotlib figure as an image, else its repr."""
    for obj in objs:
        _emit(obj)


def _close_figure(fig):
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)


def _flush_figures():
    """Shows and closes every open pyplot figure, as plt.show() and Jupyter's inline backend do."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in plt.get_fignums():
        fig = plt.figure(num)
        try:
            _add_figure(fig)
        finally:
            plt.close(fig)


class _BackendFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Provides the matplotlib backend named by MPLBACKEND=module://realx_mpl_backend.

    It is Agg whose show() hands the figures back to the model instead of opening a window.
    """

    def find_spec(self, name, path, target=None):
        if name == BACKEND:
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from matplotlib.backend_bases import FigureManagerBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        class FigureManager(FigureManagerBase):
            def show(self):
                fig = self.canvas.figure
                try:
                    _add_figure(fig)
                finally:
                    _close_figure(fig)

        class FigureCanvas(FigureCanvasAgg):
            manager_class = FigureManager

        def show(*args, **kwargs):
            _flush_figures()

        module.FigureCanvas = FigureCanvas
        module.FigureManager = FigureManager
        module.show = show
        module.backend_version = "realx"


# ---- cells --------------------------------------------------------------------------------

def _user_traceback(tb):
    """Drops the driver's own frames from the front of a traceback."""
    me = os.path.abspath(__file__)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == me:
        tb = tb.tb_next
    return tb


_KERNEL_PID = None  # set in the kernel


def _exit_if_forked():
    """Ends a child that user code forked with os.fork() and that returned into the driver."""
    if os.getpid() != _KERNEL_PID:
        os._exit(0)


def _run_cell(ns, code):
    """Runs one cell like Jupyter. Returns None, or the error's last line."""
    _state["cell"] += 1
    filename = "<cell-%d>" % _state["cell"]
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        tree = ast.parse(code, filename, "exec")
    except (SyntaxError, ValueError) as e:
        lines = traceback.format_exception_only(type(e), e)
        sys.stderr.write("".join(lines))
        return lines[-1].strip()
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    try:
        _state["in_user"] = True
        _arm_cpu()
        exec(compile(tree, filename, "exec"), ns)
        value = eval(compile(last, filename, "eval"), ns) if last is not None else None
        _state["in_user"] = False
        _exit_if_forked()
        if value is not None:
            ns["_"] = value
            _emit(value)
        _flush_figures()
    except BaseException as e:  # noqa: B902 - SystemExit and CPUTimeExceeded too
        _state["in_user"] = False
        _exit_if_forked()
        lines = traceback.format_exception(type(e), e, _user_traceback(e.__traceback__))
        try:
            sys.stderr.write("".join(lines))
        except Exception:
            pass
        return lines[-1].strip()
    finally:
        _state["in_user"] = False
    return None


def _load_images(ns, paths):
    try:
        from PIL import Image
    except ImportError:
        if paths:
            raise
        return
    ns["Image"] = Image
    for i, p in enumerate(paths, 1):
        img = Image.open(p)
        img.load()
        ns["image_%d" % i] = img


# ---- the kernel ---------------------------------------------------------------------------

def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def _kernel(init, rfd, wfd):
    """Runs the cells that come over rfd, replying over wfd, until rfd ends."""
    global _KERNEL_PID
    _KERNEL_PID = os.getpid()
    _close_fds_except({0, 1, 2, rfd, wfd})
    try:
        _set_dumpable(1)  # its own processes may read its /proc entries, as usual
    except OSError:
        pass

    def reply(obj):
        _write_all(wfd, (json.dumps(obj) + "\n").encode())

    # Copies of the original fds 1 and 2: restored after every cell, in case user code
    # redirected or closed them.
    saved_out, saved_err = os.dup(1), os.dup(2)
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdin = open(os.devnull)
    sys.meta_path.insert(0, _BackendFinder())
    try:
        import faulthandler

        faulthandler.enable(file=os.fdopen(os.dup(saved_err), "w"))
    except Exception:
        pass
    ns = {"__name__": "__main__", "__builtins__": builtins, "display": display}
    try:
        _set_limits(init.get("limits") or {})
        for k in ("max_images", "max_pixels", "image_bytes", "call_image_bytes"):
            if k in init:
                _state[k] = init[k]
        _state["drop_blank"] = bool(init.get("drop_blank"))
        _load_images(ns, init.get("images") or [])
    except BaseException as e:
        reply({"cell": 0, "ok": False, "error": "".join(traceback.format_exception_only(type(e), e)).strip()})
        return
    reply({"cell": 0, "ok": True})

    r = io.BufferedReader(os.fdopen(rfd, "rb", buffering=0), 1 << 16)
    while True:
        line = r.readline()
        if not line:
            return
        msg = json.loads(line)
        _state["images"], _state["image_total"] = [], 0
        _state["dropped"], _state["blank"], _state["too_big"] = 0, 0, 0
        err = _run_cell(ns, msg.get("code", ""))
        sys.stdout, sys.stderr = real_stdout, real_stderr
        for fd, saved, stream in ((1, saved_out, real_stdout), (2, saved_err, real_stderr)):
            try:
                stream.flush()
            except Exception:
                pass
            os.dup2(saved, fd)
        if err is not None and len(err) > MAX_ERROR_CHARS:
            err = err[:MAX_ERROR_CHARS] + "…"
        reply({"cell": msg["cell"], "images": _state["images"], "dropped": _state["dropped"],
               "blank": _state["blank"], "too_big": _state["too_big"], "error": err})
        _state["images"] = []


# ---- the supervisor -----------------------------------------------------------------------

def _close_fds_except(keep):
    """Closes every open descriptor of the process that is not in keep."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: close the ranges between the kept ones
        lo = 0
        for k in sorted(keep) + [max(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 1 << 16)]:
            os.closerange(lo, k)
            lo = k + 1
        return
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _set_dumpable(flag):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, flag, 0, 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "prctl(PR_SET_DUMPABLE): " + os.strerror(e))


class _Garbled(Exception):
    """The kernel's reply is not one the kernel writes: user code wrote to its pipe."""


WROTE = "the code wrote to the kernel's pipe to the driver: "


class _Lines:
    """Splits what a descriptor delivers into lines of at most cap bytes (0: any length)."""

    def __init__(self, fd, cap=0):
        self.fd, self.cap = fd, cap
        self.buf = bytearray()
        self.scanned = 0  # the bytes of buf known to hold no newline

    def pop(self):
        """Returns the next whole line, without its newline, or None."""
        i = self.buf.find(b"\n", self.scanned)
        if i < 0:
            self.scanned = len(self.buf)
            if self.cap and len(self.buf) > self.cap:
                raise _Garbled(WROTE + "a line longer than %d bytes" % self.cap)
            return None
        line = bytes(self.buf[:i])
        del self.buf[:i + 1]
        self.scanned = 0
        if self.cap and len(line) > self.cap:
            raise _Garbled(WROTE + "a line longer than %d bytes" % self.cap)
        return line

    def fill(self):
        """Reads what the descriptor has (waiting for something); False at its end."""
        data = os.read(self.fd, 1 << 16)
        self.buf += data
        return bool(data)


class _Kernel:
    """The supervisor's handle on the kernel process."""

    def __init__(self, init):
        from_sup, to_k = os.pipe()
        from_k, to_sup = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _kernel(init, from_sup, to_sup)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(from_sup)
        os.close(to_sup)
        self.pid, self.fd = pid, to_k
        self.lines = _Lines(from_k, init.get("reply_bytes") or 0)
        try:
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None  # then poll() wakes up now and then to look

    def send(self, obj):
        try:
            _write_all(self.fd, (json.dumps(obj) + "\n").encode())
        except BrokenPipeError:
            self.die_alike()  # it died between calls

    def dead(self):
        """Reports whether the kernel has exited, without waiting."""
        if self.pidfd is not None:
            return bool(select.select([self.pidfd], [], [], 0)[0])
        return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def poll(self, fd):
        """Waits until fd is readable (True) or the kernel has exited (False)."""
        fds = [fd] if self.pidfd is None else [fd, self.pidfd]
        while True:
            ready = select.select(fds, [], [], None if self.pidfd is not None else 0.05)[0]
            if fd in ready:
                return True
            if ready or self.dead():
                return False

    def die_alike(self):
        """Exits the supervisor the way the kernel ended."""
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(128 - code if code < 0 else code)

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def reply_to(self, cell):
        """Returns the kernel's reply to cell. Raises _Garbled for any other line, and exits
        like the kernel when it dies first."""
        while True:
            line = self.lines.pop()
            if line is not None:
                try:
                    rep = json.loads(line)
                except (ValueError, RecursionError):
                    raise _Garbled(WROTE + "a line that is not JSON")
                if not isinstance(rep, dict) or type(rep.get("cell")) is not int:
                    raise _Garbled(WROTE + "a line that is not a reply")
                if rep["cell"] == cell:
                    return rep
                if rep["cell"] > cell:
                    raise _Garbled(WROTE + "a reply to a cell not run yet")
                continue  # an earlier cell's reply, after a forged one
            if not self.poll(self.lines.fd):
                self.die_alike()
            if not self.lines.fill():
                # Its end of the pipe is closed: it is dying, or user code closed it.
                if select.select([self.pidfd] if self.pidfd is not None else [], [], [], 1)[0] or self.dead():
                    self.die_alike()
                raise _Garbled("the code closed the kernel's pipe to the driver")


def main():
    _close_fds_except({0, 1, 2, REQ_FD, REP_FD})

    def reply(obj):
        _write_all(REP_FD, (json.dumps(obj) + "\n").encode())

    requests = _Lines(REQ_FD)
    kernel = None
    cell = 0
    try:
        _set_dumpable(0)
    except Exception as e:
        reply({"ok": False, "error": "the driver cannot protect itself from the code it runs: %s" % e})
        return
    while True:
        line = requests.pop()
        if line is None:
            # A kernel that dies between calls is seen at the next exec.
            if not requests.fill():
                if kernel is not None:
                    kernel.kill()
                return
            continue
        msg = json.loads(line)
        op = msg.get("op")
        try:
            if op == "init" and kernel is None:
                kernel = _Kernel(msg)
                rep = kernel.reply_to(0)
                reply({"ok": rep.get("ok") is True, "error": rep.get("error")})
            elif op == "exec" and kernel is not None:
                cell += 1
                kernel.send({"cell": cell, "code": msg.get("code", "")})
                rep = kernel.reply_to(cell)
                reply({"ok": True, "images": rep.get("images"), "dropped": rep.get("dropped"),
                       "blank": rep.get("blank"), "too_big": rep.get("too_big"), "error": rep.get("error")})
            else:
                reply({"ok": False, "error": "unexpected op %r" % op})
        except _Garbled as e:
            kernel.kill()
            reply({"ok": False, "error": str(e)})
            return


if __name__ == "__main__":
    main()
