# Records the results BFCL's own executor gives for every gold call of the v3 multi-turn
# entries, turn by turn, as sha256 prefixes (and the first characters, for readable diffs).
import hashlib, json, sys
sys.path.insert(0, "/tmp/pybfcl/berkeley-function-call-leaderboard")
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call
out = {}
for cat in ["base", "miss_func", "miss_param", "long_context"]:
    qs = [json.loads(l) for l in open(f"/tmp/bfcl/q_{cat}.json")]
    ans = {json.loads(l)["id"]: json.loads(l)["ground_truth"] for l in open(f"/tmp/bfcl/a_{cat}.json")}
    for q in qs:
        turns = []
        for gt in ans[q["id"]]:
            res, _ = execute_multi_turn_func_call(gt, q["initial_config"], q["involved_classes"], "rec", q["id"], long_context=(cat == "long_context"), is_evaL_run=True)
            turns.append([hashlib.sha256(r.encode()).hexdigest()[:16] + " " + r[:60] for r in res])
        out[q["id"]] = turns
json.dump(out, open(sys.argv[1], "w"), ensure_ascii=False, indent=0, sort_keys=True)
