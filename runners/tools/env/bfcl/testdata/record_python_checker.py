"""Records BFCL's multi-turn checker's verdicts (multi_turn_checker, and the irrelevance checker
the leaderboard leaves out) on altered replays of every entry's gold calls (gzip the output).

Usage: python3 record_python_checker.py ROOT DATA python_checker_verdicts.json
ROOT is a checkout's berkeley-function-call-leaderboard directory (its bfcl_eval package, with
empty __init__.py files added where missing) at commit cd9429ccf3d4d04156affe883c495b3b047e6b64;
DATA is its bfcl_eval/data directory.
"""
import ast, copy, json, sys
sys.path.insert(0, sys.argv[1])
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker, multi_turn_irrelevance_checker

def wrong_arg(calls):
    for t, turn in enumerate(calls):
        for i, src in enumerate(turn):
            node = ast.parse(src, mode="eval").body
            for kw in node.keywords:
                if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    kw.value.value += "_x"
                    out = copy.deepcopy(calls)
                    out[t][i] = ast.unparse(node)
                    return out
    return None

def variants(gold):
    out = {"gold": gold}
    nonempty = [t for t, turn in enumerate(gold) if turn]
    if nonempty:
        v = copy.deepcopy(gold); v[nonempty[-1]] = []; out["skip_last"] = v
        v = copy.deepcopy(gold); v[nonempty[0]] = v[nonempty[0]] + [v[nonempty[0]][0]]; out["extra_call"] = v
        v = copy.deepcopy(gold); v[nonempty[0]] = v[nonempty[0]] + ["no_such_fn(a=1)"]; out["error_call"] = v
    w = wrong_arg(gold)
    if w:
        out["wrong_arg"] = w
    for t, turn in enumerate(gold):
        if len(turn) >= 2:
            v = copy.deepcopy(gold); v[t][0], v[t][1] = v[t][1], v[t][0]; out["swap"] = v
            break
    for t, turn in enumerate(gold[:-1]):
        if not turn and gold[t + 1]:
            v = copy.deepcopy(gold); v[t] = list(gold[t + 1]); out["early"] = v
            break
    return out

res = {}
n = 0
for cat in ["base", "miss_func", "miss_param", "long_context"]:
    qs = [json.loads(l) for l in open(f"{sys.argv[2]}/BFCL_v3_multi_turn_{cat}.json")]
    ans = {json.loads(l)["id"]: json.loads(l)["ground_truth"] for l in open(f"{sys.argv[2]}/possible_answer/BFCL_v3_multi_turn_{cat}.json")}
    for q in qs:
        gold = ans[q["id"]]
        res[q["id"]] = []
        for name, model in variants(gold).items():
            n += 1
            decoded = [[turn] if turn else [] for turn in model]
            r = multi_turn_checker(decoded, gold, q, cat, f"m{n}")
            irr = multi_turn_irrelevance_checker(decoded, gold)
            res[q["id"]].append({"variant": name, "model": model, "valid": r["valid"],
                                 "error_type": r.get("error_type", ""), "irrelevance_valid": irr["valid"]})
json.dump(res, open(sys.argv[3], "w"), indent=0, sort_keys=True)
print(n)
