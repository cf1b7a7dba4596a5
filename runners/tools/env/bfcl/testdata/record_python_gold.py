"""Records the results BFCL's own executor gives for every gold call of the v3 multi-turn
entries, turn by turn, as SHA-256 prefixes (and the first characters, for readable diffs).

Usage: python3 record_python_gold.py ROOT DATA python_gold_results.json
ROOT is a checkout's berkeley-function-call-leaderboard directory (its bfcl_eval package, with
empty __init__.py files added where missing) at commit cd9429ccf3d4d04156affe883c495b3b047e6b64;
DATA is its bfcl_eval/data directory.
"""
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call
out = {}
for cat in ["base", "miss_func", "miss_param", "long_context"]:
    qs = [json.loads(l) for l in open(f"{sys.argv[2]}/BFCL_v3_multi_turn_{cat}.json")]
    ans = {json.loads(l)["id"]: json.loads(l)["ground_truth"] for l in open(f"{sys.argv[2]}/possible_answer/BFCL_v3_multi_turn_{cat}.json")}
    for q in qs:
        turns = []
        for gt in ans[q["id"]]:
            res, _ = execute_multi_turn_func_call(gt, q["initial_config"], q["involved_classes"], "rec", q["id"], long_context=(cat == "long_context"), is_evaL_run=True)
            turns.append([hashlib.sha256(r.encode()).hexdigest()[:16] + " " + r[:60] for r in res])
        out[q["id"]] = turns
json.dump(out, open(sys.argv[3], "w"), ensure_ascii=False, indent=0, sort_keys=True)
