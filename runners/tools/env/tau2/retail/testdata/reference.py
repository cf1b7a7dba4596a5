"""Writes reference.json: what tau2's own retail tools answer, for the Go tests to match.

It runs the published Python (tau2-bench's src/tau2/domains/retail/{data_model,tools}.py
from a checkout) with stand-ins for the few tau2 modules those files import, calls the tools
as tau2's Environment.get_response does ("Error: …" for an exception, json.dumps of the
model_dump for a model) and hashes the database as tau2's get_db_hash does. Needs pydantic 2
and docstring_parser (for the tool schemas).

    python3 reference.py TAU2_CHECKOUT DOCSTRING_PARSER_DIR > reference.json
"""
import hashlib, inspect, json, os, sys, tempfile, types
from typing import List

tau2, dsp = sys.argv[1], sys.argv[2]
sys.path.insert(0, dsp)
from docstring_parser import parse
from pydantic import BaseModel, ConfigDict, Field, create_model

retail_dir = os.path.join(tau2, "data/tau2/domains/retail")

# Stand-ins for the tau2 modules data_model.py and tools.py import.
def module(name, **attrs):
    m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m; return m
class DB(BaseModel):
    model_config = ConfigDict(extra="forbid")
    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls.model_validate(json.load(f))
class ToolType:
    READ = "read"; WRITE = "write"; THINK = "think"; GENERIC = "generic"
def is_tool(tool_type=ToolType.READ, mutates_state=None):
    def mark(f):
        f.__tool__ = True
        return f
    return mark
class ToolKitBase:
    def __init__(self, db=None):
        self.db = db
for name in ["tau2", "tau2.environment", "tau2.domains", "tau2.domains.retail"]:
    module(name, __path__=[])
module("tau2.environment.db", DB=DB)
module("tau2.environment.toolkit", ToolKitBase=ToolKitBase, ToolType=ToolType, is_tool=is_tool)
module("tau2.domains.retail.utils", RETAIL_DB_PATH=os.path.join(retail_dir, "db.json"))
def load(name, path):
    m = types.ModuleType(name); sys.modules[name] = m
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), m.__dict__)
    return m
src = os.path.join(tau2, "src/tau2/domains/retail")
dm = load("tau2.domains.retail.data_model", os.path.join(src, "data_model.py"))
tl = load("tau2.domains.retail.tools", os.path.join(src, "tools.py"))

def fresh():
    return tl.RetailTools(dm.RetailDB.load(os.path.join(retail_dir, "db.json")))

def to_json_str(resp):  # tau2's Environment.to_json_str
    def p(r):
        if isinstance(r, BaseModel): return r.model_dump()
        if isinstance(r, str) or r is None: return r
        if isinstance(r, (int, float, bool)): return str(r)
        if isinstance(r, list): return [p(i) for i in r]
        if isinstance(r, dict): return {k: p(v) for k, v in r.items()}
        raise ValueError(type(r))
    return resp if isinstance(resp, str) else json.dumps(p(resp), default=str)

def call(tools, name, args):
    try:
        resp = getattr(tools, name)(**args)
    except Exception as e:
        resp = f"Error: {e}"
    return to_json_str(resp)

def db_hash(tools):
    return hashlib.sha256(json.dumps(tools.db.model_dump(), sort_keys=True, default=str).encode()).hexdigest()

def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()

# The tool schemas, as tau2's Tool.openai_schema builds them.
def schema(func):
    sig, doc = inspect.signature(func), parse(func.__doc__ or "")
    described = {p.arg_name: p.description for p in doc.params}
    fields = {n: (p.annotation, Field(..., description=described.get(n)))
              for n, p in sig.parameters.items() if n != "self"}
    desc = doc.short_description + ("\n\n" + doc.long_description if doc.long_description else "")
    return {"name": func.__name__, "description": desc,
            "parameters": create_model("parameters", **fields).model_json_schema()}
schemas = [schema(f) for n, f in tl.RetailTools.__dict__.items() if getattr(f, "__tool__", False)]

# Table cases: (name, setup calls, call). Each runs on a fresh database.
db = json.load(open(os.path.join(retail_dir, "db.json")))
def other_variant(product_id, item_id, available=True):
    for vid, v in db["products"][product_id]["variants"].items():
        if vid != item_id and v["available"] == available:
            return vid
def cheaper_variant(order_id):
    for it in db["orders"][order_id]["items"]:
        for vid, v in db["products"][it["product_id"]]["variants"].items():
            if v["available"] and v["price"] < it["price"]:
                return {"item_ids": [it["item_id"]], "new_item_ids": [vid]}
def item(order_id, i):
    it = db["orders"][order_id]["items"][i]
    return it["item_id"], it["product_id"]

PENDING_GC = "#W6779827"      # pending, paid by gift card; its user also has a credit card
PENDING_DUP = "#W9093821"     # pending, an item twice
DELIVERED = "#W4817420"       # delivered, paid by the user's only (gift) card
DELIVERED_DUP = "#W1840144"   # delivered, an item twice
PROCESSED = "#W2611340"
DELIVERED_CC = "#W4250821"    # delivered, paid by credit card; its user has another card, PayPal and a gift card
PENDING_CC = "#W1080318"      # pending, paid by credit card; its user's gift card covers it
PENDING_CC_POOR = "#W8367380" # pending, paid by credit card; its user's gift card does not cover it
pg_user = db["orders"][PENDING_GC]["user_id"]
pg_gift = db["orders"][PENDING_GC]["payment_history"][0]["payment_method_id"]
pg_cc = next(k for k in db["users"][pg_user]["payment_methods"] if k.startswith("credit_card"))
a0, ap0 = item(PENDING_GC, 0); a1, ap1 = item(PENDING_GC, 1)
d0, dp0 = item(DELIVERED, 0); d1, dp1 = item(DELIVERED, 1)
dd_user = db["orders"][DELIVERED_DUP]["user_id"]
dd_pay = db["orders"][DELIVERED_DUP]["payment_history"][0]["payment_method_id"]
dup_item = "8590708195"; dup_product = next(i["product_id"] for i in db["orders"][DELIVERED_DUP]["items"] if i["item_id"] == dup_item)
pd_user = db["orders"][PENDING_DUP]["user_id"]
pd_pay = db["orders"][PENDING_DUP]["payment_history"][0]["payment_method_id"]
pd_dup = "3557711149"; pd_product = next(i["product_id"] for i in db["orders"][PENDING_DUP]["items"] if i["item_id"] == pd_dup)
addr = {"address1": "1 Main St", "address2": "", "city": "Springfield", "state": "IL", "country": "USA", "zip": "62701"}
d_gift = db["orders"][DELIVERED]["payment_history"][0]["payment_method_id"]

cases = [
    ("calculate", [], "calculate", {"expression": "(457.81 + 3203.76) * 2 / 3"}),
    ("calculate int", [], "calculate", {"expression": "2 + 2"}),
    ("calculate floor power", [], "calculate", {"expression": "-7 // 2 ** 2 - .5"}),
    ("calculate bad characters", [], "calculate", {"expression": "2 + x"}),
    ("calculate division by zero", [], "calculate", {"expression": "1 / 0"}),
    ("calculate float division by zero", [], "calculate", {"expression": "1.5 / (2 - 2)"}),
    ("calculate syntax", [], "calculate", {"expression": "1 +"}),
    ("calculate unclosed", [], "calculate", {"expression": "(1 + 2"}),
    ("calculate unmatched", [], "calculate", {"expression": "1 + 2)"}),
    ("calculate empty", [], "calculate", {"expression": ""}),
    ("calculate leading zeros", [], "calculate", {"expression": "007 + 1"}),
    ("calculate comma", [], "calculate", {"expression": "(1 2)"}),
    ("calculate call", [], "calculate", {"expression": "2 (3)"}),
    ("calculate tuple", [], "calculate", {"expression": "()"}),
    ("calculate complex", [], "calculate", {"expression": "(-8) ** (1 / 3)"}),
    ("calculate big int", [], "calculate", {"expression": "2 ** 100 / 3"}),
    ("calculate overflow", [], "calculate", {"expression": "10 ** 400 * 1.0"}),
    ("calculate half even", [], "calculate", {"expression": "2.675 + 0"}),
    ("find by name zip", [], "find_user_id_by_name_zip", {"first_name": "NOAH", "last_name": "brown", "zip": "80279"}),
    ("find by name zip not found", [], "find_user_id_by_name_zip", {"first_name": "Noah", "last_name": "Brown", "zip": "00000"}),
    ("find by email", [], "find_user_id_by_email", {"email": "Noah.Brown7922@example.com"}),
    ("find by email not found", [], "find_user_id_by_email", {"email": "nobody@example.com"}),
    ("order details", [], "get_order_details", {"order_id": PENDING_GC}),
    ("order details not found", [], "get_order_details", {"order_id": "W6779827"}),
    ("product details", [], "get_product_details", {"product_id": ap0}),
    ("product details not found", [], "get_product_details", {"product_id": a0}),
    ("item details", [], "get_item_details", {"item_id": a0}),
    ("item details not found", [], "get_item_details", {"item_id": ap0}),
    ("user details", [], "get_user_details", {"user_id": pg_user}),
    ("user details not found", [], "get_user_details", {"user_id": "nobody_1"}),
    ("list product types", [], "list_all_product_types", {}),
    ("transfer", [], "transfer_to_human_agents", {"summary": "wants a refund"}),
    ("unexpected argument", [], "get_order_details", {"order_id": PENDING_GC, "verbose": "yes"}),
    ("missing argument", [], "get_order_details", {}),
    ("missing arguments", [], "find_user_id_by_name_zip", {"first_name": "Noah"}),
    ("missing three arguments", [], "find_user_id_by_name_zip", {}),
    ("cancel gift card", [], "cancel_pending_order", {"order_id": PENDING_GC, "reason": "no longer needed"}),
    ("cancel bad reason", [], "cancel_pending_order", {"order_id": PENDING_GC, "reason": "too expensive"}),
    ("cancel not pending", [], "cancel_pending_order", {"order_id": PROCESSED, "reason": "ordered by mistake"}),
    ("cancel not found", [], "cancel_pending_order", {"order_id": "#W0", "reason": "ordered by mistake"}),
    ("cancel after payment change", [("modify_pending_order_payment", {"order_id": PENDING_GC, "payment_method_id": pg_cc})],
        "cancel_pending_order", {"order_id": PENDING_GC, "reason": "ordered by mistake"}),
    ("modify address", [], "modify_pending_order_address", dict(order_id=PENDING_GC, **addr)),
    ("modify address not pending", [], "modify_pending_order_address", dict(order_id=DELIVERED, **addr)),
    ("modify address after item change", [("modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [other_variant(ap0, a0)], "payment_method_id": pg_cc})],
        "modify_pending_order_address", dict(order_id=PENDING_GC, **addr)),
    ("modify user address", [], "modify_user_address", dict(user_id=pg_user, **addr)),
    ("modify user address not found", [], "modify_user_address", dict(user_id="nobody_1", **addr)),
    ("modify items two products", [], "modify_pending_order_items",
        {"order_id": PENDING_GC, "item_ids": [a0, a1], "new_item_ids": [other_variant(ap0, a0), other_variant(ap1, a1)], "payment_method_id": pg_cc}),
    ("modify items gift card", [], "modify_pending_order_items",
        {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [other_variant(ap0, a0)], "payment_method_id": pg_gift}),
    ("modify items refund to gift card", [], "modify_pending_order_items",
        dict(order_id=PENDING_GC, payment_method_id=pg_gift, **cheaper_variant(PENDING_GC))),
    ("modify items duplicate", [], "modify_pending_order_items",
        {"order_id": PENDING_DUP, "item_ids": [pd_dup, pd_dup], "new_item_ids": [other_variant(pd_product, pd_dup), other_variant(pd_product, pd_dup)], "payment_method_id": pd_pay}),
    ("modify items none", [], "modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [], "new_item_ids": [], "payment_method_id": pg_cc}),
    ("modify items too many", [], "modify_pending_order_items",
        {"order_id": PENDING_GC, "item_ids": [a0, a0], "new_item_ids": [other_variant(ap0, a0)] * 2, "payment_method_id": pg_cc}),
    ("modify items count mismatch", [], "modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [], "payment_method_id": pg_cc}),
    ("modify items same item", [], "modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [a0], "payment_method_id": pg_cc}),
    ("modify items other product", [], "modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [a1], "payment_method_id": pg_cc}),
    ("modify items unavailable", [], "modify_pending_order_items",
        {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [other_variant(ap0, a0, available=False)], "payment_method_id": pg_cc}),
    ("modify items bad payment", [], "modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [other_variant(ap0, a0)], "payment_method_id": "paypal_0"}),
    ("modify items twice", [("modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [other_variant(ap0, a0)], "payment_method_id": pg_cc})],
        "modify_pending_order_items", {"order_id": PENDING_GC, "item_ids": [a1], "new_item_ids": [other_variant(ap1, a1)], "payment_method_id": pg_cc}),
    ("modify payment", [], "modify_pending_order_payment", {"order_id": PENDING_GC, "payment_method_id": pg_cc}),
    ("modify payment to gift card", [], "modify_pending_order_payment", {"order_id": PENDING_CC, "payment_method_id": "gift_card_3749819"}),
    ("modify payment gift card short", [], "modify_pending_order_payment", {"order_id": PENDING_CC_POOR, "payment_method_id": "gift_card_1994993"}),
    ("modify payment same", [], "modify_pending_order_payment", {"order_id": PENDING_GC, "payment_method_id": pg_gift}),
    ("modify payment not found", [], "modify_pending_order_payment", {"order_id": PENDING_GC, "payment_method_id": "credit_card_0"}),
    ("modify payment twice", [("modify_pending_order_payment", {"order_id": PENDING_GC, "payment_method_id": pg_cc})],
        "modify_pending_order_payment", {"order_id": PENDING_GC, "payment_method_id": pg_gift}),
    ("modify payment not pending", [], "modify_pending_order_payment", {"order_id": DELIVERED, "payment_method_id": d_gift}),
    ("return", [], "return_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d1, d0], "payment_method_id": d_gift}),
    ("return duplicate", [], "return_delivered_order_items", {"order_id": DELIVERED_DUP, "item_ids": [dup_item, dup_item], "payment_method_id": dd_pay}),
    ("return too many", [], "return_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0, d0], "payment_method_id": d_gift}),
    ("return not delivered", [], "return_delivered_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "payment_method_id": pg_gift}),
    ("return other card", [], "return_delivered_order_items", {"order_id": DELIVERED_CC, "item_ids": [item(DELIVERED_CC, 0)[0]], "payment_method_id": "paypal_7425862"}),
    ("return to gift card", [], "return_delivered_order_items", {"order_id": DELIVERED_CC, "item_ids": [item(DELIVERED_CC, 0)[0]], "payment_method_id": "gift_card_6052478"}),
    ("return bad payment", [], "return_delivered_order_items", {"order_id": DELIVERED_CC, "item_ids": [item(DELIVERED_CC, 0)[0]], "payment_method_id": "gift_card_0"}),
    ("return twice", [("return_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0], "payment_method_id": d_gift})],
        "return_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d1], "payment_method_id": d_gift}),
    ("exchange", [], "exchange_delivered_order_items",
        {"order_id": DELIVERED_DUP, "item_ids": [dup_item, dup_item], "new_item_ids": [other_variant(dup_product, dup_item)] * 2, "payment_method_id": dd_pay}),
    ("exchange none", [], "exchange_delivered_order_items", {"order_id": DELIVERED_DUP, "item_ids": [], "new_item_ids": [], "payment_method_id": dd_pay}),
    ("exchange same item", [], "exchange_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0], "new_item_ids": [d0], "payment_method_id": d_gift}),
    ("exchange too many", [], "exchange_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0, d0], "new_item_ids": [d0, d0], "payment_method_id": d_gift}),
    ("exchange count mismatch", [], "exchange_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0], "new_item_ids": [], "payment_method_id": d_gift}),
    ("exchange other product", [], "exchange_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0], "new_item_ids": [d1], "payment_method_id": d_gift}),
    ("exchange unknown product", [], "exchange_delivered_order_items", {"order_id": DELIVERED, "item_ids": [d0], "new_item_ids": ["1"], "payment_method_id": d_gift}),
    ("exchange unavailable", [], "exchange_delivered_order_items",
        {"order_id": DELIVERED, "item_ids": [d1], "new_item_ids": [other_variant(dp1, d1, available=False)], "payment_method_id": d_gift}),
    ("exchange gift card short", [], "exchange_delivered_order_items",
        {"order_id": DELIVERED, "item_ids": [d1], "new_item_ids": [max((v for v in db["products"][dp1]["variants"].values() if v["available"]), key=lambda v: v["price"])["item_id"]], "payment_method_id": d_gift}),
    ("exchange not delivered", [], "exchange_delivered_order_items", {"order_id": PENDING_GC, "item_ids": [a0], "new_item_ids": [a0], "payment_method_id": pg_gift}),
]
# More expressions for calculate: Python's arithmetic and errors at their edges.
for expr in ["3 ** 2 ** 2", "-2 ** 0.5", "2 ** -1", "0 ** -1", "2 ** 1000", "10 ** 309 / 10 ** 308",
             "10 ** 400 / 3", "8.5 // -3", "-8 // 3", "7 // -2", "1 // 0", "1.0 // 0", "0.0 // 1", "-0.001",
             "1 ++ 2", "1 -- 2", "- - 1", "() + 1", "1 + ()", "() * 2", "1.5 (2)", "() ()", "(1) (2", "10.0 ** 400",
             "1e308", "5. + .5", "01.5", "00", "1 . 5", "1..2", "1.2.3", ".", "+", "1 */ 2", "   7", "((1)",
             "(1))", "100 - 99.99", "0.1 + 0.2", "1 / 3", "123456789012345678", "0.000012345 * 1",
             "99999999999999999999.0 * 10", "1e-320", "0.125 + 0", "0.375 + 0", "-(2.5)"]:
    cases.append(("calculate " + expr, [], "calculate", {"expression": expr}))
out_cases = []
for name, setup, tool, args in cases:
    t = fresh()
    for s_tool, s_args in setup:
        call(t, s_tool, s_args)
    out = call(t, tool, args)
    out_cases.append({"name": name, "setup": [{"name": n, "arguments": a} for n, a in setup],
                      "call": {"name": tool, "arguments": args}, "output": out, "hash": db_hash(t)})

# Every task's gold actions, in order, on a fresh database, as tau2's evaluator runs them.
tasks = json.load(open(os.path.join(retail_dir, "tasks.json")))
out_tasks = []
for task in tasks:
    t = fresh()
    outputs = []
    for a in task["evaluation_criteria"]["actions"] or []:
        o = call(t, a["name"], a["arguments"])
        outputs.append(o if o.startswith("Error: ") else sha(o))
    out_tasks.append({"id": task["id"], "outputs": outputs, "hash": db_hash(t)})

print(json.dumps({"initial_hash": db_hash(fresh()), "schemas": schemas, "cases": out_cases, "tasks": out_tasks}, indent=1))
