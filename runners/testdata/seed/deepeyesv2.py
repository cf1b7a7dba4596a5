"""Writes deepeyesv2.json: the requests DeepEyesV2's VLMEvalKit evaluation sends for the
trajectory of TestSeedDeepEyesV2 (runners/seed_test.go), worked out from the seed's own code.

Run it by hand with Debian's python3 (python3-ipython, -matplotlib, -pil, -autopep8, -numpy):

    python3 deepeyesv2.py /path/to/Visual-Agent/DeepEyesV2 > deepeyesv2.json

It imports the seed's prompt constants (evaluation/VLMEvalKit/vlmeval/api/prompt.py) and its
client helpers (agent_utils.py: fix_python_indentation, maybe_resize_image_v2, check_white_image,
replace_image_path_resize's resize) from the checkout, and follows vllm_api.py's
generate_inner_agent: the request (system prompt, the user turn with the image and the
formatted question, temperature 0, max_tokens 20480 from eval.sh, the stop tokens), the
reply with "</code>" appended, the code cut out of it, fixed, run, and the observation. Each
cell runs in a fresh process, in IPython's InteractiveShellEmbed, the way the sandbox server's
run_notebook_code runs it (ChenShawn/MultiModal-Jupyter-Sandbox, fast_api_server.py): a
compile() check first, stdout captured, tracebacks redirected into stderr, plt.show() replaced
by a callback that saves every figure after fig.tight_layout(), ANSI codes stripped; the
namespace holds what its safety prefix imports and what the client's init cell opens. Images
are written as "[image WxH image/jpeg]".
"""

import base64
import contextlib
import io
import json
import multiprocessing
import os
import re
import sys
import tempfile
import types

SEED = sys.argv[1]
api = os.path.join(SEED, "evaluation/VLMEvalKit/vlmeval/api")


def load(path, name):
    mod = types.ModuleType(name)
    mod.__file__ = path
    exec(compile(open(path).read(), path, "exec"), mod.__dict__)
    return mod


prompt = load(os.path.join(api, "prompt.py"), "prompt")
# agent_utils makes its resize directory at import: point it somewhere harmless.
src = open(os.path.join(api, "agent_utils.py")).read().replace('"/root/LMUData_Resize/images"', repr(tempfile.mkdtemp()))
sys.modules.setdefault("requests", types.ModuleType("requests"))  # agent_utils imports it; no request is made
utils = types.ModuleType("agent_utils")
exec(compile(src, "agent_utils.py", "exec"), utils.__dict__)
CFG = prompt.AGENT_CONFIG

QUESTION = "What is the size of the image?"
REPLIES = [
    "<think>Print the size.</think>\n<code>\n```python\nprint(image_1.size)\n```",
    "<code>\n```python\nw, h = image_1.size\nw * h\n```\n</code>",
    "<code>\n```python\nsizes = [1, 2]\nprint(sizes[5])\n```",
    "<code>\n```python\nplt.imshow(image_1)\nplt.axis('off')\nplt.show()\n```",
    "<code>\n```python\nfor i in range(2):\n    print(i)\nprint('done')\n```",
    "<think> The image is 56 pixels wide. <think> <answer>56</answer>",
]


def strip_ansi(s):
    return re.sub(r'\x1B\[[0-?]*[ -/]*[@-~]', '', s)


def run_cell(state, code, out):
    """One call of the sandbox server, in its own process: the namespace restored, the cell run."""
    from IPython.terminal.embed import InteractiveShellEmbed
    import matplotlib.pyplot as plt
    from PIL import Image

    shell = InteractiveShellEmbed()
    shell.user_ns.update({"builtins": __builtins__, "os": os, "shutil": __import__("shutil"),
                          "subprocess": __import__("subprocess"), "sys": sys, "plt": plt, "Image": Image})
    shell.user_ns["image_1"] = Image.open(state)
    try:
        compile(code, "<string>", "exec")
    except SyntaxError as err:
        out.put({"stdout": "", "stderr": "SyntaxError - " + str(err), "images": []})
        return
    stdout, stderr, images = io.StringIO(), io.StringIO(), []
    orig = shell.showtraceback

    def tb(*a, **k):
        with contextlib.redirect_stdout(stderr):
            return orig(*a, **k)

    shell.showtraceback = tb
    show = plt.show

    def callback(*a, **k):
        for num in plt.get_fignums():
            fig = plt.figure(num)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, bbox_inches="tight", format="png")
            buf.seek(0)
            images.append(base64.b64encode(buf.read()).decode())
        plt.close()
        return show(*a, **k)

    plt.show = callback
    with contextlib.redirect_stdout(stdout):
        shell.run_cell(code)
    out.put({"stdout": strip_ansi(stdout.getvalue()), "stderr": strip_ansi(stderr.getvalue()), "images": images})


def execute(state, code):
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=run_cell, args=(state, utils.fix_python_indentation(code), q))
    p.start()
    res = q.get()
    p.join()
    from PIL import Image
    res["images"] = [utils.maybe_resize_image_v2(Image.open(io.BytesIO(base64.b64decode(b)))) for b in res["images"]]
    return res


def main():
    from PIL import Image
    import numpy as np

    # The input: a 64×48 JPEG, resized and saved as VLMEvalKit's replace_image_path_resize does.
    d = tempfile.mkdtemp()
    pixels = np.zeros((48, 64, 3), dtype=np.uint8)
    pixels[:, :, 0] = np.arange(64)[None, :] * 4
    pixels[:, :, 1] = np.arange(48)[:, None] * 5
    Image.fromarray(pixels).save(os.path.join(d, "in.jpg"))
    resized = utils.maybe_resize_image_v2(Image.open(os.path.join(d, "in.jpg")))
    path = os.path.join(d, "resized.jpg")
    resized.save(path)
    size = Image.open(path).size

    def image(w, h):
        return "[image %dx%d image/jpeg]" % (w, h)

    msgs = [{"role": "system", "content": [CFG["system_prompt"]]},
            {"role": "user", "content": [image(*size), CFG["user_template"].format(question=QUESTION)]}]
    requests = []
    for reply in REPLIES:
        requests.append({"messages": json.loads(json.dumps(msgs)), "temperature": 0, "max_tokens": 20480, "stop": CFG["stop_token"]})
        if CFG["code_prefix"] not in reply:
            break
        if CFG["code_suffix"] not in reply:
            reply += CFG["code_suffix"]
        code = reply
        code = code.split(CFG["code_prefix"])[1].strip()
        code = code.split(CFG["code_suffix"])[0].strip()
        if CFG["python_prefix"] in code:
            code = code.split(CFG["python_prefix"])[1].strip()
        if CFG["python_suffix"] in code:
            code = code.split(CFG["python_suffix"])[0].strip()
        res = execute(path, code)
        content = [CFG["return_template"].format(stdout=res["stdout"], stderr=res["stderr"])]
        for img in res["images"]:
            if utils.check_white_image(img):
                continue
            img = utils.maybe_resize_image_v2(img)
            content.append(image(img.width, img.height))
        msgs += [{"role": "assistant", "content": [reply]}, {"role": "user", "content": content}]
    json.dump({"input": "64x48 JPEG, red = 4x, green = 5y", "requests": requests}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
