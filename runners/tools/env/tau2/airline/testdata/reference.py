"""Writes reference.json: what tau2-bench's own airline tools answer, for airline's Go tests.

Runs the published Python (src/tau2/domains/airline/{data_model,tools}.py of a tau2-bench
checkout) on realx's shipped database, with small stand-ins for the tau2 modules those two
files import. Each call is made as tau2's Environment.get_response makes it: "Error: <message>"
for an exception, json.dumps of the model_dump for a model. Needs pydantic 2.

    python3 reference.py TAU2_CHECKOUT > reference.json

For every task it records each gold action's output (its SHA-256 and whether it failed) and
the SHA-256 of the database afterwards, written compactly in field order
(json.dumps(model_dump(), separators=(",", ":"), ensure_ascii=False)): realx's state of the
same database must have that hash. "cases" are further calls, each on a fresh database.
"""
import gzip, hashlib, json, os, re, sys, types
from pydantic import BaseModel, ConfigDict

src = os.path.join(sys.argv[1], "src")
here = os.path.dirname(os.path.abspath(__file__))


def stand_in(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


class DB(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolType:
    READ, WRITE, THINK, GENERIC = "read", "write", "think", "generic"


def is_tool(tool_type=ToolType.READ, **_):
    return lambda f: f


class ToolKitBase:
    def __init__(self, db=None):
        self.db = db


class Logger:
    def __getattr__(self, _):
        return lambda *a, **k: None


for pkg in ["tau2", "tau2.domains", "tau2.domains.airline", "tau2.environment"]:
    stand_in(pkg, __path__=[])
stand_in("tau2.domains.airline.utils", AIRLINE_DB_PATH="")
stand_in("tau2.environment.db", DB=DB)
stand_in("tau2.environment.toolkit", ToolKitBase=ToolKitBase, ToolType=ToolType, is_tool=is_tool)
stand_in("loguru", logger=Logger())


def load(name, path):
    m = types.ModuleType(name)
    sys.modules[name] = m
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), m.__dict__)
    return m


dm = load("tau2.domains.airline.data_model", os.path.join(src, "tau2/domains/airline/data_model.py"))
tools = load("tau2.domains.airline.tools", os.path.join(src, "tau2/domains/airline/tools.py"))

with gzip.open(os.path.join(here, "..", "data", "db.json.gz")) as f:
    published = json.load(f)


def fresh():
    return tools.AirlineTools(dm.FlightDB.model_validate(published))


def to_json_str(resp):
    """tau2's Environment.to_json_str."""
    def proc(r):
        if isinstance(r, BaseModel):
            return r.model_dump()
        if isinstance(r, (int, float, bool)):
            return str(r)
        if isinstance(r, list):
            return [proc(i) for i in r]
        if isinstance(r, tuple):
            return tuple(proc(i) for i in r)
        if isinstance(r, dict):
            return {k: proc(v) for k, v in r.items()}
        return r
    return resp if isinstance(resp, str) else json.dumps(proc(resp), default=str)


def call(t, name, args):
    try:
        return to_json_str(getattr(t, name)(**args)), False
    except Exception as e:
        # pydantic's messages link to its version's documentation: written as the version
        # tau2-bench locks (uv.lock: pydantic 2.12.4) writes them.
        return re.sub(r"errors\.pydantic\.dev/[0-9.]+/", "errors.pydantic.dev/2.12/", f"Error: {e}"), True


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def state(t):
    return sha(json.dumps(t.db.model_dump(), separators=(",", ":"), ensure_ascii=False))


out = {"initial": state(fresh()), "tasks": [], "cases": []}
with open(os.path.join(here, "..", "data", "tasks.json")) as f:
    for task in json.load(f):
        t = fresh()
        outputs = []
        for a in task["evaluation_criteria"]["actions"]:
            text, failed = call(t, a["name"], a["arguments"])
            outputs.append({"sha256": sha(text), "error": failed})
        out["tasks"].append({"id": task["id"], "outputs": outputs, "state": state(t)})

CASES = [
    ("search_onestop_flight", {"origin": "JFK", "destination": "SEA", "date": "2024-05-25"}),
    ("search_onestop_flight", {"origin": "ORD", "destination": "PHL", "date": "2024-05-26"}),
    ("search_direct_flight", {"origin": "JFK", "destination": "ATL", "date": "2024-05-16"}),
    ("get_user_details", {"user_id": "mia_li_3668"}),
    ("get_user_details", {"user_id": "nobody_1"}),
    ("get_reservation_details", {"reservation_id": "4WQ150"}),
    ("list_all_airports", {}),
    ("get_flight_status", {"flight_number": "HAT001", "date": "2024-05-01"}),
    ("calculate", {"expression": "(1200 - 350) * 0.15 / 7"}),
    ("calculate", {"expression": "2 ** 10 // 3"}),
    ("calculate", {"expression": "1 / 0"}),
    ("send_certificate", {"user_id": "mia_li_3668", "amount": 150}),
    ("send_certificate", {"user_id": "mia_li_3668", "amount": 150.0}),
    ("send_certificate", {"user_id": "mia_li_3668", "amount": 99.5}),
    ("book_reservation", {"user_id": "mia_li_3668", "origin": "JFK", "destination": "ATL", "flight_type": "one_way", "cabin": "economy", "flights": [{"flight_number": "HAT057", "date": "2024-05-16"}], "passengers": [{"first_name": "Mia", "last_name": "Li", "dob": "1990-04-05"}], "payment_methods": [{"payment_id": "credit_card_4421486", "amount": 1}], "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no"}),
    ("book_reservation", {"user_id": "mia_li_3668", "origin": "JFK", "destination": "ATL", "flight_type": "both_ways", "cabin": "first", "flights": [], "passengers": [], "payment_methods": [], "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no"}),
    ("cancel_reservation", {"reservation_id": "4WQ150"}),
    ("update_reservation_baggages", {"reservation_id": "4WQ150", "total_baggages": 3, "nonfree_baggages": 2, "payment_id": "gift_card_3576581"}),
    ("update_reservation_flights", {"reservation_id": "4WQ150", "cabin": "economy", "flights": [{"flight_number": "HAT170", "date": "2024-05-22"}, {"flight_number": "HAT022", "date": "2024-05-26"}], "payment_id": "gift_card_3576581"}),
    ("update_reservation_passengers", {"reservation_id": "4WQ150", "passengers": [{"first_name": "A", "last_name": "B", "dob": "2000-01-01"}]}),
]
for name, args in CASES:
    t = fresh()
    text, failed = call(t, name, args)
    out["cases"].append({"name": name, "arguments": args, "sha256": sha(text), "error": failed, "text": text[:300], "state": state(t)})

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
