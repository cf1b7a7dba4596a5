"""Writes data.jsonl, the suite's samples, from BFCL v3's published multi-turn files.

Usage: python3 convert.py DIR, where DIR holds bfcl_eval/data of ShishirPatil/gorilla's
berkeley-function-call-leaderboard at the commit SOURCE.md names. Each sample keeps the entry's
id, its category (the suite's capability), the first user turn as its question, the state the
bfcl environment opens from (involved classes, initial configuration, long-context flag), the
later user turns (the missing-function category's empty turn becomes BFCL's message that adds
held-out functions back, naming them to reveal; the pythonic protocol puts their documents
before it, as BFCL's prompting mode does), and the gold calls per turn.
"""
import json
import sys
from pathlib import Path

CATEGORIES = ["base", "miss_func", "miss_param", "long_context"]
DOCS = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
}
# BFCL's default_prompts.py: the held-out turn's text.
ADDED_FC = "I have updated some more functions you can choose from. What about now?"


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def main(root):
    root = Path(root)
    out = open(Path(__file__).with_name("data.jsonl"), "w")
    for cat in CATEGORIES:
        questions = lines(root / f"BFCL_v3_multi_turn_{cat}.json")
        answers = {a["id"]: a for a in lines(root / "possible_answer" / f"BFCL_v3_multi_turn_{cat}.json")}
        for q in questions:
            funcs = []
            for c in q["involved_classes"]:
                funcs.extend(lines(root / "multi_turn_func_doc" / DOCS[c]))
            held = {}
            for turn, names in q.get("missed_function", {}).items():
                held[turn] = []
                for name in names:
                    for i, f in enumerate(funcs):
                        if f["name"] == name:
                            held[turn].append(f)
                            funcs.pop(i)
                            break
            turns = []
            for i, turn in enumerate(q["question"]):
                text = "\n\n".join(m["content"] for m in turn)
                if str(i) in held:
                    names = [f["name"] for f in held[str(i)]]
                    turns.append({"content": ADDED_FC, "reveal": names})
                else:
                    turns.append({"content": text})
            rec = {
                "id": q["id"],
                "category": cat,
                "question": turns[0]["content"],
                "state": {
                    "involved_classes": q["involved_classes"],
                    "initial_config": q["initial_config"],
                    "long_context": cat == "long_context",
                },
                "turns": turns[1:],
                "ground_truth": answers[q["id"]]["ground_truth"],
            }
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
