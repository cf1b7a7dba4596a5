"""Records the results, errors and states of the published Python classes TicketAPI, TradingBot,
TravelAPI and VehicleControlAPI on the call sequences of python_calls_h17b.json (rewritten in place
of its results).

Usage: python3 record_python_calls.py ROOT IN.json OUT.json, ROOT as for record_python_gold.py.
"""
import copy, json, sys, importlib
root, infile, outfile = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, root)
mods = {"TicketAPI": "ticket_api", "TradingBot": "trading_bot", "TravelAPI": "travel_booking", "VehicleControlAPI": "vehicle_control"}
seqs = json.load(open(infile))
def dumps(v): return json.dumps(v, sort_keys=True, default=str)
for s in seqs:
    cls = getattr(importlib.import_module("bfcl_eval.eval_checker.multi_turn_eval.func_source_code." + mods[s["class"]]), s["class"])
    inst = cls()
    inst._load_scenario(copy.deepcopy(s["scenario"] or {}), long_context=s["long_context"])
    for c in s["calls"]:
        c.pop("result", None); c.pop("error", None)
        try:
            r = getattr(inst, c["method"])(**c["args"])
            c["result"] = dumps(r)
        except Exception as e:
            c["error"] = str(e)
    s["state"] = dumps({k: v for k, v in vars(inst).items() if not k.startswith("_")})
json.dump(seqs, open(outfile, "w"), indent=1, ensure_ascii=False)
