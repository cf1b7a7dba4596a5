# Usage: python3 record_python_declarations.py FUNC_DOC_DIR OUT.json, with /tmp/bfcl_utils.py,
# /tmp/bfcl_types.py and /tmp/bfcl_prompts.py the commit's bfcl_eval/model_handler/utils.py,
# constants/type_mappings.py and constants/default_prompts.py.
# Records BFCL's own declarations of the multi-turn functions: the OpenAI tool of each function
# (func_doc_language_specific_pre_processing then convert_to_tool, model style OpenAI) and the
# prompting-mode system prompt of an entry's functions (system_prompt_pre_processing_chat_model).
import ast, copy, enum, json, re, sys
src = open("/tmp/bfcl_utils.py").read()
tree = ast.parse(src)
want = {"_cast_to_openai_type", "convert_to_tool", "func_doc_language_specific_pre_processing",
        "_get_language_specific_hint", "system_prompt_pre_processing_chat_model"}
mod = ast.Module(body=[n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in want], type_ignores=[])
class ModelStyle(enum.Enum):
    OpenAI_Completions = "oc"; OpenAI_Responses = "or"; Mistral = "m"; GOOGLE = "g"; OSSMODEL = "o"; Anthropic = "a"
    COHERE = "c"; AMAZON = "am"; NOVITA_AI = "n"; WRITER = "w"; FIREWORK_AI = "f"; NEXUS = "nx"; GORILLA = "go"
ns = {"copy": copy, "re": re, "ModelStyle": ModelStyle, "json": json}
exec(open("/tmp/bfcl_types.py").read(), ns)
exec(open("/tmp/bfcl_prompts.py").read(), ns)
exec(compile(mod, "utils", "exec"), ns)
docs = sys.argv[1]
files = {"GorillaFileSystem": "gorilla_file_system.json", "MathAPI": "math_api.json", "MessageAPI": "message_api.json",
         "TwitterAPI": "posting_api.json", "TicketAPI": "ticket_api.json", "TradingBot": "trading_bot.json",
         "TravelAPI": "travel_booking.json", "VehicleControlAPI": "vehicle_control.json"}
out = {"tools": {}, "system": {}}
for cls, f in files.items():
    funcs = [json.loads(l) for l in open(f"{docs}/{f}")]
    funcs = ns["func_doc_language_specific_pre_processing"](funcs, "multi_turn_base")
    tools = ns["convert_to_tool"](funcs, ns["GORILLA_TO_OPENAPI"], ModelStyle.OpenAI_Responses)
    out["tools"][cls] = [{"name": t["name"], "description": t["description"], "parameters": t["parameters"]} for t in tools]
for classes in (["TwitterAPI", "GorillaFileSystem"], ["MathAPI", "MessageAPI"]):
    funcs = []
    for c in classes:
        funcs += [json.loads(l) for l in open(f"{docs}/{files[c]}")]
    funcs = ns["func_doc_language_specific_pre_processing"](funcs, "multi_turn_base")
    prompts = ns["system_prompt_pre_processing_chat_model"]([{"role": "user", "content": "q"}], funcs, "multi_turn_base")
    out["system"]["+".join(classes)] = prompts[0]["content"]
json.dump(out, open(sys.argv[2], "w"), indent=1, ensure_ascii=False)
