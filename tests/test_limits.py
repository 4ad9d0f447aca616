"""Bounds on rule expressions: refused at file:line:col, and what passes runs on every engine."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import D, frame, record
from hpr_cli.main import cli
from hpr_rules.engines import evaluate
from hpr_rules.errors import RuleError
from hpr_rules.language import load_rulebook
from hpr_rules.language.expr import MAX_DEPTH, MAX_LENGTH, ExprSyntaxError, parse

ROOT = Path(__file__).resolve().parents[1]
SCOPE = "condition: salary_scale <= max_salary_scale and physically_demanding"
RULE = "max_function_tenure.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def rules_with_scope(tmp_path, condition: str, rule: str = RULE) -> Path:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    for p in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(p, d / p.name)
    text = (d / rule).read_text(encoding="utf-8")
    assert SCOPE in text
    (d / rule).write_text(text.replace(SCOPE, f"condition: {condition}"), encoding="utf-8")
    return d


def scope_line_col(d: Path, rule: str = RULE) -> tuple[int, int]:
    lines = (d / rule).read_text(encoding="utf-8").splitlines()
    i = next(i for i, t in enumerate(lines) if t.strip().startswith("condition:") and "scope" in lines[i - 1])
    return i + 1, lines[i].index("condition:") + len("condition: ") + 1


@pytest.mark.parametrize("condition, message", [
    ("(" * 150 + "physically_demanding" + ")" * 150, f"expression nested more than {MAX_DEPTH} levels deep"),
    (" or ".join(["physically_demanding"] * 1000), f"expression longer than {MAX_LENGTH:,} characters"),
    (" or ".join(["physically_demanding"] * 60), f"expression nested more than {MAX_DEPTH} levels deep"),
    ("not " * 300 + "physically_demanding", f"expression nested more than {MAX_DEPTH} levels deep"),
    ("max(" * 150 + "1, 2" + ")" * 150 + " > 0", f"expression nested more than {MAX_DEPTH} levels deep"),
    ("salary_scale " + "+ 1 " * 300 + "> 0", f"expression nested more than {MAX_DEPTH} levels deep"),
])
def test_pathological_expressions_are_errors_at_their_place(tmp_path, condition, message):
    d = rules_with_scope(tmp_path, condition)
    r = run("rules", "validate", d)
    assert r.exit_code == 2, r.output
    line, col = scope_line_col(d)
    assert f"{RULE}:{line}:" in r.stderr and message in r.stderr
    assert "Traceback" not in r.output and "RecursionError" not in r.output
    # the column points into the expression, never before it
    reported = int(r.stderr.split(f"{RULE}:{line}:")[1].split(":")[0])
    assert col <= reported <= col + len(condition)


def test_what_passes_the_limits_runs_on_every_engine(tmp_path):
    # the deepest accepted shapes: a chain of 'or' and nested parentheses, each just inside MAX_DEPTH
    chain = " or ".join(["salary_scale == 99"] * (MAX_DEPTH - 3) + ["physically_demanding"])
    parens = "(" * (MAX_DEPTH - 3) + "salary_scale <= 7" + ")" * (MAX_DEPTH - 3)
    d = rules_with_scope(tmp_path, f"({chain}) and {parens}")
    book = load_rulebook(d)
    df = frame(record(), record(employee_id="E2", salary_scale=9), record(employee_id="E3", physically_demanding=False))
    out = {e: evaluate(df, book, D("2027-03-01"), engine=e) for e in ("vector", "reference", "durable")}
    pd.testing.assert_frame_equal(out["vector"], out["reference"])
    pd.testing.assert_frame_equal(out["vector"], out["durable"])
    tenure = out["vector"][out["vector"]["rule_id"] == "max_function_tenure"]
    assert list(tenure["reason"])[1:] == ["out_of_scope", "out_of_scope"]


@st.composite
def nested(draw, depth=0):
    if depth > 45 or draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["a", "1", "D", "null"]))
    kind = draw(st.sampled_from(["paren", "not", "neg", "or", "plus", "call", "in"]))
    inner = draw(nested(depth + 1))
    return {"paren": f"({inner})", "not": f"not {inner}", "neg": f"-{inner}", "or": f"{inner} or a",
            "plus": f"1 + {inner}", "call": f"max({inner}, 1)", "in": f"{inner} in [1, {inner}]"}[kind]


@settings(max_examples=80, deadline=None)
@given(nested())
def test_parse_never_overflows_the_stack(src):
    try:
        parse(src)
    except ExprSyntaxError as exc:
        assert 0 <= exc.offset <= len(src)
        assert isinstance(exc, RuleError)


@pytest.mark.parametrize("scope", [
    "salary_scale in [1, 2, 3, 4, 5, 6, 7, 8] and physically_demanding",
    "physically_demanding and not (salary_scale in [9, 10, 11, 12, 13, 14, 15, 16, 17, 18])",
    "unit in ['DSB-HHO', 'X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7', 'X8'] or salary_scale in [1, 2, 3, 4, 5, 6, 7, 8, 9]",
    " or ".join(f"(salary_scale == {i} and physically_demanding)" for i in range(1, 12)),
    " and ".join(f"(salary_scale != {i} or not physically_demanding)" for i in range(8, 19)),
])
def test_durable_agrees_with_vector_on_long_conditions(tmp_path, scope):
    from hpr_rules.engines.durable import DurableEngine, groups, lowering_problems, MAX_GROUPS
    from hpr_rules.language import compile_book
    book = load_rulebook(rules_with_scope(tmp_path, scope))
    day = D("2027-03-01")
    cb = compile_book(book, day)
    with DurableEngine() as eng:
        for rule in cb.rules:
            assert lowering_problems(rule) == []
            assert groups(eng.ruleset_json(rule)) <= MAX_GROUPS * len(rule.steps) + 1
    df = frame(*(record(employee_id=f"E{i}", salary_scale=1 + i % 18, physically_demanding=i % 3 > 0,
                        unit=["DSB-HHO", "X3", "Y"][i % 3]) for i in range(60)))
    v = evaluate(df, book, day)
    pd.testing.assert_frame_equal(v, evaluate(df, book, day, engine="durable"))
    pd.testing.assert_frame_equal(v, evaluate(df, book, day, engine="reference"))
    assert v["reason"].eq("out_of_scope").any() and not v["reason"].eq("out_of_scope").all()


def test_validate_says_when_durable_cannot_run_a_rule(monkeypatch):
    from hpr_rules.engines import durable
    monkeypatch.setattr(durable, "MAX_MESSAGE_PROPERTIES", 10)
    r = run("rules", "validate", ROOT / "rules")
    assert r.exit_code == 2
    assert "error: the durable engine cannot run this rule: a record needs" in r.stderr
    assert r.stderr.count("max_function_tenure.yaml: error: the durable engine") == 1
