"""Writes deepeyes.json: the requests DeepEyes' V* evaluation (eval/eval_vstar.py) sends for the
trajectory of TestSeedDeepEyes (runners/seed_test.go), worked out from the seed's own code.

Run it by hand with Debian's python3 (python3-pil):

    python3 deepeyes.py /path/to/Visual-Agent/DeepEyes > deepeyes.json

It takes the prompt constants and smart_resize from the checkout's eval/eval_vstar.py and builds
the messages as its process() does: the system prompt, the user turn with the image and
instruction_prompt_before formatted with the question and the option string, temperature 0,
max_tokens 10240, the stop token; for a zoom, the crop of the original image by PIL, resized
bicubic to smart_resize of the box's size, sent as PNG in "<tool_response>", the crop, the
instruction, "</tool_response>". Images are written as "[image WxH MIME]"; the input image is
112×84, a size its model's processor keeps, so that it is sent as it is in both.
"""

import ast
import io
import json
import sys

from PIL import Image

src = open(sys.argv[1] + "/eval/eval_vstar.py").read()
ns = {"math": __import__("math")}
for node in ast.parse(src).body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in (
            "IMAGE_FACTOR", "MIN_PIXELS", "MAX_PIXELS", "instruction_prompt_system", "USER_PROMPT_V2",
            "instruction_prompt_before", "user_prompt", "abc_map"):
        exec(compile(ast.Module([node], []), "eval_vstar.py", "exec"), ns)
    if isinstance(node, ast.FunctionDef) and node.name in ("round_by_factor", "ceil_by_factor", "floor_by_factor", "smart_resize"):
        exec(compile(ast.Module([node], []), "eval_vstar.py", "exec"), ns)

question, options = "What colour is the corner?", ["red", "blue"]
option_str = "\n"
for i in range(len(options)):
    option_str += ns["abc_map"][i + 1] + '. ' + options[i] + '\n'
prompt = ns["instruction_prompt_before"].format(question=question, options=option_str)
img = Image.new("RGB", (112, 84), (200, 30, 30))
msgs = [{"role": "system", "content": [ns["instruction_prompt_system"]]},
        {"role": "user", "content": ["[image 112x84 image/png]", prompt]}]
replies = ["<think>The corner is small.</think>\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [0, 0, 56, 42], \"label\": \"corner\"}}\n</tool_call>",
           "<think>It is red.</think>\n<answer>A</answer>"]
requests = []
for reply in replies:
    requests.append({"messages": json.loads(json.dumps(msgs)), "temperature": 0, "max_tokens": 10240, "stop": ["<|im_end|>"]})
    if "<tool_call>" not in reply:
        break
    action = eval(reply.split("<tool_call>")[1].split("</tool_call>")[0].strip())
    left, top, right, bottom = action["arguments"]["bbox_2d"]
    crop = img.crop((left, top, right, bottom))
    w, h = ns["smart_resize"]((right - left), (bottom - top), factor=ns["IMAGE_FACTOR"])
    crop = crop.resize((w, h), resample=Image.BICUBIC)
    msgs += [{"role": "assistant", "content": [reply]},
             {"role": "user", "content": ["<tool_response>", "[image %dx%d image/png]" % crop.size, ns["user_prompt"], "</tool_response>"]}]
json.dump({"requests": requests}, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
