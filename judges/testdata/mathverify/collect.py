"""Writes cases.jsonl: the gold/prediction cases of Math-Verify's test suite, as realx judge rows.

Math-Verify (huggingface/Math-Verify, Apache-2.0) tests its grader with pytest parametrize
tables. This script reads those tables without Math-Verify, SymPy or pytest installed (their
names are stubbed) and writes one JSON line per case:

  {"id": "test_all.py::test_latex_notation[3]", "answer": GOLD, "prediction": PRED,
   "expected": 1, "config": {...}}

"answer" and "prediction" are the strings the test passes to parse(), unchanged; "expected" is
what verify() must return; "config" holds the test's non-default settings (match_types,
precision, strict, allow_set_relation_comp, boxed_match_priority), for the reader: realx grades
every case with its one math judge.

Usage: python3 collect.py MATH_VERIFY_CHECKOUT > cases.jsonl
"""
import json
import os
import sys
import types


class _Mark:
    def parametrize(self, names, values, **_):
        def deco(f):
            f.cases = ([n.strip() for n in names.split(",")], values)
            return f
        return deco


def _stub(name, **attrs):
    m = types.ModuleType(name)
    m.__getattr__ = lambda attr: (lambda *a, **k: None)
    for k, v in attrs.items():
        setattr(m, k, v)
    sys.modules[name] = m


_stub("pytest", mark=_Mark())
for name in ("sympy", "math_verify", "math_verify.grader", "math_verify.parser",
             "latex2sympy2_extended", "tests", "unittest.mock"):
    _stub(name)
_stub("tests.test_all", compare_strings=None)

# The settings each test function passes to compare_strings (tests/test_all.py): its
# match_types, and precision where the table does not give it. test_yujianll.py calls parse()
# and verify() with their defaults instead.
SETTINGS = {
    "test_number_extraction": {"match_types": ["expr"]},
    "test_simple_fraction_notation": {},
    "test_sets_handling": {},
    "test_latex_notation": {"match_types": ["latex"]},
    "test_percent_notation": {},
    "test_latex_notation_math": {"match_types": ["latex"]},
    "test_relations_math": {"match_types": ["latex"]},
    "test_matrix_extraction": {"match_types": ["latex"]},
    "test_complex_math_expressions": {},
    "test_math_extraction_edge_cases": {},
    "test_math_extraction_additional_cases": {},
    "test_set_rel_assymetry": {"match_types": ["latex"]},
    "test_float_precision": {"precision": 5},
    "test_sqrt_precision": {"precision": 5},
    "test_symbols": {"precision": 5},
    "test_boxed": {},
    "test_numina_cases": {},
    "test_open_thoughts": {},
    "test_strict_variable_comparison": {},
}
YUJIANLL = {"boxed_match_priority": 50}
FILES = ["test_all.py", "test_boxed.py", "test_numina_cases.py", "test_open_thoughts.py",
         "test_strict.py", "test_yujianll.py"]


def cases(root):
    for fname in FILES:
        path = os.path.join(root, "tests", fname)
        scope = {"__name__": "collect"}
        with open(path, encoding="utf-8") as f:
            exec(compile(f.read(), path, "exec"), scope)
        for name, fn in scope.items():
            if not callable(fn) or not hasattr(fn, "cases"):
                continue
            names, values = fn.cases
            for i, vals in enumerate(values):
                row = dict(zip(names, vals))
                config = dict(YUJIANLL if fname == "test_yujianll.py" else SETTINGS[name])
                for key in ("precision", "strict", "allow_set_relation_comp"):
                    if key in row:
                        config[key] = row[key]
                expected = row["expected"] if "expected" in row else row["result"]
                yield {"id": f"{fname}::{name}[{i}]", "answer": row["gold"],
                       "prediction": row["pred"], "expected": int(expected), "config": config}
        if fname == "test_all.py":
            # test_precision's one call of compare_strings on strings.
            yield {"id": "test_all.py::test_precision[0]", "answer": "$\\frac{1}{3}$",
                   "prediction": "0.3333$", "expected": 1, "config": {"precision": 4}}


if __name__ == "__main__":
    for case in cases(sys.argv[1]):
        print(json.dumps(case, ensure_ascii=False))
