"""The durable_rules engine: real rulesets, and the traps of durable_rules 2.0."""

import json

import pandas as pd
import pytest

from conftest import D, frame, record
from hpr_rules.calendar import to_daynum
from hpr_rules.engines import evaluate
from hpr_rules.engines.columns import frame_columns, row_env
from hpr_rules.engines.durable import DurableEngine, DurableEngineError, to_json
from hpr_rules.language import compile_book


def test_ruleset_is_real_durable_json(book):
    cb = compile_book(book, D("2027-03-01"))
    rule = next(r for r in cb.rules if r.id == "max_function_tenure")
    with DurableEngine() as eng:
        rs = eng.ruleset_json(rule)
    text = json.dumps(rs)
    # one durable rule per decision step, salience in decision order, plus the catch-all
    assert [v["pri"] for k, v in rs.items() if k.startswith("step")] == list(range(1, len(rule.steps) + 1))
    assert rs["unmatched"]["pri"] > len(rule.steps)
    assert '"$gt": {"D": {"$m": "due"}}' in text  # the deadline comparison runs inside durable_rules
    assert '"$lte": {"salary_scale": 7.0}' in text or '"$gt": {"salary_scale": 7.0}' in text


def test_exponent_floats_are_sent_positionally():
    assert to_json({"a": 1e-05, "b": 1e20, "c": 0.30000000000000004, "d": True, "s": "x"}) == \
        '{"a":0.00001,"b":100000000000000000000,"c":0.30000000000000004,"d":true,"s":"x"}'
    with pytest.raises(DurableEngineError):
        to_json({"a": float("nan")})


def test_tiny_fte_agrees(book):
    # required hours 24 * 0.00001 * months / 12 are tiny floats that json.dumps writes as 1e-05
    df = frame(record(fte=0.00001, development_hours_12m=0.0), record(employee_id="E2", fte=0.00001,
                                                                      development_hours_12m=0.0002))
    for day in ("2026-02-01", "2027-03-01"):
        v = evaluate(df, book, D(day), rules=["development_obligation"])
        d = evaluate(df, book, D(day), engine="durable", rules=["development_obligation"])
        pd.testing.assert_frame_equal(v, d)


def test_state_ids_never_collide_across_runs(book):
    df = frame(record(), record(employee_id="E2", salary_scale=9))
    cb = compile_book(book, D("2027-03-01"))
    cols = frame_columns(df, cb.fields() | {"birth_date"}, book.pension)
    with DurableEngine() as eng:
        rule = cb.rules[0]
        first = [eng.decide(rule, row_env(cols, i), to_daynum(D("2027-03-01")))[0] for i in range(2)]
        again = [eng.decide(rule, row_env(cols, i), to_daynum(D("2027-03-01")))[0] for i in range(2)]
    assert first == again
    assert rule.steps[first[1]].reason == "out_of_scope"


def test_action_errors_are_not_swallowed(book):
    """durable_rules swallows exceptions raised in actions; the engine must re-raise them."""
    cb = compile_book(book, D("2027-03-01"))
    cols = frame_columns(frame(record()), cb.fields() | {"birth_date"}, book.pension)
    eng = DurableEngine()
    try:
        def failing_action(k):
            def action(c):
                try:
                    raise ValueError("broken action")
                except BaseException as exc:  # what _record does with any failure
                    eng._errors.append(exc)
            return action
        eng._record = failing_action
        with pytest.raises(DurableEngineError, match="broken action"):
            eng.decide(cb.rules[0], row_env(cols, 0), to_daynum(D("2027-03-01")))
    finally:
        eng.close()


def test_host_runs_no_background_threads(book):
    """durable_rules' Host dispatch threads could take a record's action mid-post; none may run."""
    import threading
    import time
    before = {t.ident for t in threading.enumerate()}
    records = frame(*[record(employee_id=f"E{i}", development_hours_12m=float(i % 30)) for i in range(300)])
    with DurableEngine():
        pass
    out = evaluate(records, book, D("2027-03-01"), engine="durable")
    time.sleep(0.3)  # longer than the Host's 0.2 s dispatch period
    assert {t.ident for t in threading.enumerate()} <= before
    assert len(out) == 900 and out["status"].notna().all()


def test_one_engine_many_compilations_never_mixes_rulesets(book):
    """Compiled rules come and go (one per case); a freed rule's id() is soon reused by the
    next one. The engine must still run each record against its own rule's ruleset."""
    import gc
    records = frame(record(), record(employee_id="E2", pop_date="2026-01-15", development_hours_12m=30.0),
                    record(employee_id="E3", birth_date="1961-01-01", hire_date="1990-01-01"))
    days = [D(d) for d in ("2026-03-01", "2026-05-15", "2027-01-01", "2027-03-01", "2028-01-02", "2029-06-30")]
    rule_sets = [["mandatory_pop"], ["development_obligation"], ["max_function_tenure"],
                 ["mandatory_pop", "max_function_tenure"]]
    with DurableEngine() as eng:
        for i in range(60):
            day, rules = days[i % len(days)], rule_sets[i % len(rule_sets)]
            got = evaluate(records, book, day, engine="durable", rules=rules, durable=eng)
            want = evaluate(records, book, day, engine="vector", rules=rules)
            pd.testing.assert_frame_equal(got, want)
            gc.collect()
