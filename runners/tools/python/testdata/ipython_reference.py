"""Runs cells as DeepEyesV2's evaluation did, for TestDeepEyesV2ModeMatchesIPython: reads a JSON
list of cells on stdin and writes a JSON list of {"stdout", "stderr"}.

Each cell goes through the client's indentation fixer and autopep8 (the driver's, which
runners/seed_test.go holds to VLMEvalKit's fix_python_indentation), then through the sandbox server's run_notebook_code
(ChenShawn/MultiModal-Jupyter-Sandbox, fast_api_server.py) in a process of its own: a compile()
check, IPython's InteractiveShellEmbed.run_cell with stdout captured and tracebacks redirected
into stderr, ANSI codes stripped. This is the reference's logic restated, not its code.
"""

import contextlib
import io
import json
import multiprocessing
import re
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import driver  # noqa: E402


def fix(code):
    """The client's fixer: the driver's own (the seed test checks it against the seed's)."""
    return driver._dv2_fix(code)


def run(code, q):
    from IPython.terminal.embed import InteractiveShellEmbed

    shell = InteractiveShellEmbed()
    try:
        compile(code, "<string>", "exec")
    except SyntaxError as e:
        q.put({"stdout": "", "stderr": "SyntaxError - " + str(e)})
        return
    out, err = io.StringIO(), io.StringIO()
    show = shell.showtraceback

    def traceback(*a, **k):
        with contextlib.redirect_stdout(err):
            return show(*a, **k)

    shell.showtraceback = traceback
    with contextlib.redirect_stdout(out):
        shell.run_cell(code)
    strip = lambda s: re.sub(r"\x1B\[[0-?]*[ -/]*[@-~]", "", s)
    q.put({"stdout": strip(out.getvalue()), "stderr": strip(err.getvalue())})


if __name__ == "__main__":
    results = []
    for cell in json.load(sys.stdin):
        q = multiprocessing.Queue()
        p = multiprocessing.Process(target=run, args=(fix(cell), q))
        p.start()
        results.append(q.get())
        p.join()
    json.dump(results, sys.stdout)
