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
   "image_bytes": n, "call_image_bytes": n, "reply_bytes": n, "drop_blank": bool,
   "mode": "realx" or "deepeyesv2", "soft_timeout": seconds}
      forks the kernel, which sets the rlimits (before any user code runs) and opens the images
      as image_1, image_2, ...; replies {"ok": true}, or {"ok": false, "error": why}.
  {"op": "exec", "code": str}
      runs one cell in the kernel, and replies
      {"ok": true, "images": [{"png": base64} or {"jpeg": base64}, ...], "dropped": n, "blank": n,
      "too_big": n, "error": the exception's last line or null}; or {"ok": false, "error": why}
      when the kernel's reply was garbled (then the kernel is killed and the supervisor exits).

In the deepeyesv2 mode the kernel behaves as DeepEyesV2's evaluation sandbox did (the
MultiModal-Jupyter-Sandbox server behind VLMEvalKit's agent mode, with the client's processing):
see the section of that name below.
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
import hashlib
import importlib.abc
import importlib.machinery
import inspect
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
import types

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
    "mode": "realx",
    "soft_timeout": 0,
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
    kind = "png"
    if _state["mode"] == "deepeyesv2":
        img, kind = _dv2_image(img), "jpeg"
    else:
        mp = _state["max_pixels"]
        if mp and w * h > mp:
            s = math.sqrt(mp / (w * h))
            w, h = max(1, int(w * s)), max(1, int(h * s))
            img = img.resize((w, h), Image.BILINEAR)
    if _state["drop_blank"] and _is_blank(img):
        _state["blank"] += 1
        return
    buf = io.BytesIO()
    if kind == "jpeg":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(buf, format="JPEG")  # PIL's default quality, 75, as VLMEvalKit sends them
    else:
        img.save(buf, format="PNG")
    n = buf.tell()
    if n > _state["image_bytes"] or _state["image_total"] + n > _state["call_image_bytes"]:
        _state["too_big"] += 1
        return
    _state["image_total"] += n
    _state["images"].append({kind: base64.b64encode(buf.getvalue()).decode("ascii")})


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
                if _state["mode"] == "deepeyesv2":
                    return  # Agg's: nothing to show
                fig = self.canvas.figure
                try:
                    _add_figure(fig)
                finally:
                    _close_figure(fig)

        class FigureCanvas(FigureCanvasAgg):
            manager_class = FigureManager

        def show(*args, **kwargs):
            if _state["mode"] == "deepeyesv2":
                _dv2_show()
            else:
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


# ---- the deepeyesv2 mode ------------------------------------------------------------------
#
# DeepEyesV2's evaluation ran the model's code on a Jupyter sandbox server
# (ChenShawn/MultiModal-Jupyter-Sandbox, fast_api_server.py) through VLMEvalKit's client
# (evaluation/VLMEvalKit/vlmeval/api/agent_utils.py). The deepeyesv2 mode reproduces what the
# model saw of it:
#
#   - the client passed the code through its indentation fixer and autopep8 (aggressive 2)
#     first (_dv2_fix);
#   - code that does not compile gave "SyntaxError - <error>" as stderr and nothing else;
#   - the namespace held what the server's safety prefix imported (builtins, os, shutil,
#     subprocess, sys, plt) and what the client's init cell opened (Image, image_1: the first
#     image only);
#   - each call ran in IPython's run_cell in a new process: the value of a last expression was
#     printed as "Out[1]: " and IPython's plain text of it (_dv2_pretty), a traceback as
#     IPython's verbose one without colour (_dv2_traceback), into stderr, which received
#     nothing else (writes to sys.stderr were lost), and figures never outlived the call;
#   - images came only from plt.show(), which saved every open figure after fig.tight_layout()
#     (bbox_inches="tight") and closed the current one; the client resized each with
#     smart_resize (factor 28, 3,136 to 12,845,056 pixels, bilinear), dropped the white ones
#     and sent them as JPEG (_dv2_image, _add_image);
#   - a call past its timeout was interrupted by SIGALRM with the server's TimeoutException.

DV2_IMAGE_FACTOR, DV2_MIN_PIXELS, DV2_MAX_PIXELS = 28, 4 * 28 * 28, 16384 * 28 * 28
DV2_TB_WIDTH = 75  # IPython's header width without a terminal


class TimeoutException(Exception):
    """The sandbox server's exception for a call past its timeout."""


def _dv2_fix(code):
    """Returns code as DeepEyesV2's client sent it: every line stripped and blank ones dropped,
    re-indented by four spaces after each line ending in ":" and one level less for a line
    starting with except, elif, else or finally (never otherwise), dedented, stripped and
    passed through autopep8 with aggressive 2. On any failure the code is sent as it is."""
    try:
        import textwrap

        import autopep8

        out, depth = [], 0
        for line in (l.strip() for l in code.split("\n")):
            if not line:
                continue
            if line.startswith(("except", "elif", "else", "finally")):
                depth = max(0, depth - 1)
            out.append("    " * depth + line)
            if line.endswith(":"):
                depth += 1
        return autopep8.fix_code(textwrap.dedent("\n".join(out)).strip(), options={"aggressive": 2})
    except Exception:
        return code


def _dv2_size(h, w):
    """qwen_vl_utils' smart_resize with DeepEyesV2's bounds; height first."""
    f = DV2_IMAGE_FACTOR
    h_bar, w_bar = max(f, round(h / f) * f), max(f, round(w / f) * f)
    if h_bar * w_bar > DV2_MAX_PIXELS:
        beta = math.sqrt(h * w / DV2_MAX_PIXELS)
        h_bar, w_bar = math.floor(h / beta / f) * f, math.floor(w / beta / f) * f
    elif h_bar * w_bar < DV2_MIN_PIXELS:
        beta = math.sqrt(DV2_MIN_PIXELS / (h * w))
        h_bar, w_bar = math.ceil(h * beta / f) * f, math.ceil(w * beta / f) * f
    return h_bar, w_bar


def _dv2_image(img):
    """Resizes a shown image as DeepEyesV2's client did (maybe_resize_image_v2)."""
    from PIL import Image

    h, w = _dv2_size(img.height, img.width)
    if (h, w) == (img.height, img.width):
        return img
    return img.resize((w, h), Image.BILINEAR)


def _dv2_show():
    """plt.show() as the sandbox server replaced it: every open figure saved, the current one
    closed."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    from PIL import Image

    for num in plt.get_fignums():
        fig = plt.figure(num)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, bbox_inches="tight", format="png")
        buf.seek(0)
        _add_image(Image.open(buf))
    plt.close()


def _dv2_namespace(ns, paths):
    """Fills ns as the server's safety prefix and the client's init cell left it."""
    import shutil
    import subprocess

    import matplotlib.pyplot as plt
    from PIL import Image

    ns.update({"builtins": builtins, "os": os, "shutil": shutil, "subprocess": subprocess, "sys": sys, "plt": plt,
               "Image": Image})
    ns.pop("display", None)
    builtins.display = _dv2_display
    if paths:
        img = Image.open(paths[0])
        img.load()
        ns["image_1"] = img
    import autopep8  # noqa: F401 - loaded now rather than in the first call


def _dv2_display(*objs, **kwargs):
    """IPython's display() in a terminal: each object's plain text, printed."""
    for obj in objs:
        print(_dv2_pretty(obj))


# IPython's plain-text printer, for the types it prints its own way: containers broken one item a
# line (indented by their brackets) when they do not fit in 79 columns, types and functions by
# name, objects without a repr of their own as <module.Class at 0x…>; repr for the rest.

DV2_WIDTH = 79
DV2_MAX_SEQ = 1000


def _dv2_doc(obj, seen):
    """Returns obj as a document: a string, or [open, items, close] whose items are documents
    separated by ", " that break one a line."""
    t = type(obj)
    if id(obj) in seen and t in (list, tuple, dict, set, frozenset):
        return {list: "[...]", tuple: "(...)", dict: "{...}"}.get(t, t.__name__ + "(...)")
    if t in (list, tuple) or t in (set, frozenset) or t is dict:
        seen = seen | {id(obj)}
        if t is dict:
            items = [[_dv2_doc(k, seen), ": ", _dv2_doc(v, seen)] for k, v in list(obj.items())[:DV2_MAX_SEQ]]
        else:
            elems = list(obj)
            if t in (set, frozenset):
                try:
                    elems = sorted(elems)
                except Exception:
                    pass
            items = [_dv2_doc(v, seen) for v in elems[:DV2_MAX_SEQ]]
        if len(obj) > DV2_MAX_SEQ:
            items.append("...")
        if t is list:
            return ["[", items, "]"]
        if t is tuple:
            return ["(", items, ",)" if len(obj) == 1 else ")"]
        if t is dict:
            return ["{", items, "}"]
        if not obj:
            return t.__name__ + "()"
        if t is set:
            return ["{", items, "}"]
        return ["frozenset({", items, "})"]
    if isinstance(obj, type):
        mod = getattr(obj, "__module__", None)
        name = getattr(obj, "__qualname__", obj.__name__)
        return name if mod in (None, "builtins", "__builtin__", "exceptions") else mod + "." + name
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        mod = getattr(obj, "__module__", None)
        name = getattr(obj, "__qualname__", obj.__name__)
        if mod not in (None, "builtins", "__builtin__", "exceptions"):
            name = mod + "." + name
        try:
            name += str(inspect.signature(obj))
        except (ValueError, TypeError):
            pass
        return "<function %s>" % name
    if t.__repr__ is object.__repr__:
        return "<%s.%s at 0x%x>" % (t.__module__, t.__qualname__, id(obj))
    return repr(obj)


def _dv2_flat(doc):
    if isinstance(doc, str):
        return doc
    if len(doc) == 3 and isinstance(doc[1], list):
        return doc[0] + ", ".join(_dv2_flat(d) for d in doc[1]) + doc[2]
    return "".join(_dv2_flat(d) for d in doc)


def _dv2_render(doc, indent, col, out, trail):
    """Appends doc at column col to out, breaking the groups that do not fit (with the text
    that follows them up to the next break, trail characters)."""
    if isinstance(doc, str):
        out.append(doc)
        return col + len(doc.split("\n")[-1]) if "\n" in doc else col + len(doc)
    if not (len(doc) == 3 and isinstance(doc[1], list)):
        for i, d in enumerate(doc):
            col = _dv2_render(d, indent, col, out, trail if i == len(doc) - 1 else 0)
        return col
    flat = _dv2_flat(doc)
    if "\n" not in flat and col + len(flat) + trail <= DV2_WIDTH:
        out.append(flat)
        return col + len(flat)
    open_, items, close = doc
    out.append(open_)
    inner = indent + len(open_)
    col += len(open_)
    for i, item in enumerate(items):
        last = i == len(items) - 1
        if i:
            out.append(",\n" + " " * inner)
            col = inner
        col = _dv2_render(item, inner, col, out, len(close) + trail if last else 1)
    out.append(close)
    return col + len(close)


def _dv2_pretty(obj):
    """IPython's plain text of obj."""
    out = []
    _dv2_render(_dv2_doc(obj, frozenset()), 0, 0, out, 0)
    return "".join(out)


# IPython's verbose ("Context") traceback without colour, as the sandbox printed it: a rule, the
# exception's name with "Traceback (most recent call last)" right-aligned to 75 columns, each
# frame as "File <name>:<line>[, in <function>(<arguments>)]" and its lines of context (the
# pieces of code around the failing one, two before and two after, within the function; one
# and one for an exception that led to another), and "<name>: <message>".


def _dv2_pieces(lines, tree):
    """Splits a source into the ranges of lines that make its statements (stack_data's
    pieces): a simple statement, or the header of a compound one, with the lines in between;
    blank lines at their ends taken off."""

    def line_range(node):
        start = node.lineno
        for d in getattr(node, "decorator_list", ()):
            start = min(start, d.lineno)
        return start, node.end_lineno + 1

    def split(stmt, start, end):
        for _, body in ast.iter_fields(stmt):
            if isinstance(body, list) and body and isinstance(body[0], (ast.stmt, ast.excepthandler, getattr(ast, "match_case", ()))):
                groups = {}
                for node in body:
                    if isinstance(node, getattr(ast, "match_case", ())):
                        r = (node.pattern.lineno, node.body[-1].end_lineno + 1)
                    else:
                        r = line_range(node)
                    groups.setdefault(r, node)
                for (s0, e0) in sorted(groups):
                    for s1, e1 in split(groups[(s0, e0)], s0, e0):
                        if start < s1:
                            yield start, s1
                        if s1 < e1:
                            yield s1, e1
                        start = e1
        yield start, end

    pieces = [(a, b) for a, b in split(tree, 1, len(lines) + 1) if b > a]
    merged = pieces[:1]
    for a, b in pieces[1:]:
        if a < merged[-1][1]:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))

    def blank(i):
        return 0 < i <= len(lines) and not lines[i - 1].strip()

    out = []
    for a, b in merged:
        while a < b and blank(a):
            a += 1
        while b > a and blank(b - 1):
            b -= 1
        if a < b:
            out.append(range(a, b))
    return out


def _dv2_scope(tree, code):
    """The line range of the function or class whose code runs, or of the whole module."""
    if code.co_name != "<module>":
        best = None
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == code.co_name:
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if start <= code.co_firstlineno <= node.end_lineno and (best is None or start >= best[0]):
                    best = (start, node.end_lineno + 1)
        if best:
            return best
    return 1, 1 << 30


def _dv2_frame_lines(filename, lineno, code, context):
    """The context lines of one frame, formatted."""
    lines = linecache.getlines(filename)
    if not lines or lineno is None or lineno > len(lines):
        return []
    lines = [l.rstrip("\n") for l in lines]
    try:
        tree = ast.parse("\n".join(lines))
        pieces = _dv2_pieces(lines, tree)
        lo, hi = _dv2_scope(tree, code)
        pieces = [p for p in pieces if p.start >= lo and p.stop <= hi]
    except (SyntaxError, ValueError, RecursionError):
        pieces = [range(i, i + 1) for i in range(1, len(lines) + 1)]
    at = next((i for i, p in enumerate(pieces) if lineno in p), None)
    if at is None:
        return []
    after = (context - 1) // 2
    before = context - 1 - after
    shown = pieces[max(0, at - before):at + 1 + after]
    rows = []
    for p in shown:
        nums = list(p)
        if p is not pieces[at] and len(nums) > 6:
            nums = nums[:3] + [None] + nums[-2:]
        rows.extend(nums)
    texts = [lines[n - 1] for n in rows if n is not None]
    import textwrap

    dedented = textwrap.dedent("\n".join(texts)).splitlines()
    cut = len(texts[0]) - len(dedented[0]) if texts and dedented else 0
    out = []
    for n in rows:
        if n is None:
            out.append("   (...)\n")
        elif n == lineno:
            num = str(n)
            pad = 7 - len(num)
            arrow = "-" * (pad - 2) + "> " if pad >= 2 else ">" if pad == 1 else ""
            out.append(arrow + num + " " + lines[n - 1][cut:] + "\n")
        else:
            out.append("%7d %s\n" % (n, lines[n - 1][cut:]))
    return out


def _dv2_filename(filename):
    home = os.path.expanduser("~")
    if home not in ("", "/") and filename.startswith(home + os.sep):
        return "~" + filename[len(home):]
    return filename


def _dv2_record(tb, context):
    frame, lineno = tb.tb_frame, tb.tb_lineno
    code = frame.f_code
    link = "File %s:%s" % (_dv2_filename(code.co_filename), lineno)
    name = getattr(code, "co_qualname", code.co_name)
    if name != "<module>":
        args, varargs, varkw, loc = inspect.getargvalues(frame)
        try:
            link += ", in " + name + inspect.formatargvalues(args, varargs, varkw, loc, formatvalue=lambda v: "")
        except KeyError:
            link += ", in %s(***failed resolving arguments***)" % name
    return link + "\n" + "".join(_dv2_frame_lines(code.co_filename, lineno, code, context))


def _dv2_exception(e, tb, context):
    name = type(e).__name__
    parts = [name + "Traceback (most recent call last)".rjust(DV2_TB_WIDTH - len(name))]
    me = os.path.abspath(__file__)
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) != me:  # the driver's own frames
            parts.append(_dv2_record(tb, context))
        tb = tb.tb_next
    try:
        value = str(e)
    except Exception:
        value = "<unprintable %s object>" % name
    parts.append("%s: %s" % (name, value))
    return parts


def _dv2_traceback(e, tb):
    """The traceback of e as IPython printed it, without colour, with a final newline."""
    blocks = [_dv2_exception(e, tb, 5)]
    seen, cur = set(), e
    while True:
        nxt = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        why = ("\nThe above exception was the direct cause of the following exception:\n" if cur.__cause__ else
               "\nDuring handling of the above exception, another exception occurred:\n")
        blocks.append([why])
        blocks.append(_dv2_exception(nxt, nxt.__traceback__, 3))
        cur = nxt
    parts = ["-" * DV2_TB_WIDTH]
    for b in reversed(blocks):
        parts.extend(b)
    return "\n".join(parts) + "\n"


class _Sink(io.TextIOBase):
    """Where writes to sys.stderr went in the sandbox: nowhere."""

    def writable(self):
        return True

    def write(self, s):
        return len(s)


def _on_alarm(signum, frame):
    if _state["in_user"]:
        raise TimeoutException("Timed out!")


def _dv2_run_cell(ns, code):
    """Runs one cell as the deepeyesv2 mode says. Returns None, or the error's last line."""
    code = _dv2_fix(code)
    try:
        compile(code, "<string>", "exec")
    except SyntaxError as e:
        sys.stderr.write("SyntaxError - %s" % e)
        return "SyntaxError: %s" % e
    except ValueError as e:  # null bytes
        sys.stderr.write("SyntaxError - %s" % e)
        return "SyntaxError: %s" % e
    text = code if code.endswith("\n") else code + "\n"
    filename = "<ipython-input-1-%s>" % hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    err = None
    real_err = sys.stderr
    sys.stderr = _Sink()
    soft = _state["soft_timeout"]
    try:
        _state["in_user"] = True
        _arm_cpu()
        if soft:
            signal.setitimer(signal.ITIMER_REAL, soft)
        exec(compile(tree, filename, "exec"), ns)
        value = eval(compile(last, filename, "eval"), ns) if last is not None else None
        _state["in_user"] = False
        _exit_if_forked()
        if value is not None:
            ns["_"] = value
            text = _dv2_pretty(value)
            print("Out[1]: " + ("\n" if "\n" in text else "") + text)
    except BaseException as e:  # noqa: B902 - SystemExit, the timeout and CPUTimeExceeded too
        _state["in_user"] = False
        _exit_if_forked()
        try:
            real_err.write(_dv2_traceback(e, _user_traceback(e.__traceback__)))
        except Exception:
            pass
        err = "".join(traceback.format_exception_only(type(e), e)).strip().split("\n")[-1]
    finally:
        _state["in_user"] = False
        if soft:
            signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stderr = real_err
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            try:
                plt.close("all")  # the server's process, and its figures, ended with the call
            except Exception:
                pass
    return err


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
        _state["soft_timeout"] = float(init.get("soft_timeout") or 0)
        if init.get("mode") == "deepeyesv2":
            _state["mode"] = "deepeyesv2"
            signal.signal(signal.SIGALRM, _on_alarm)
            _dv2_namespace(ns, init.get("images") or [])
        else:
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
        run = _dv2_run_cell if _state["mode"] == "deepeyesv2" else _run_cell
        err = run(ns, msg.get("code", ""))
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
