"""Every status and exemption of each rule, to the day, on all three engines."""

import pandas as pd
import pytest

from conftest import D, frame, record
from hpr_rules.engines import ENGINES, evaluate
from hpr_rules.findings import FINDINGS_COLUMNS


def one(book, rule, day, **kw):
    """Findings of one record under one rule; all engines must agree."""
    df = frame(record(**kw))
    results = [evaluate(df, book, D(day), engine=e, rules=[rule]) for e in ENGINES]
    for r in results[1:]:
        pd.testing.assert_frame_equal(results[0], r)
    return results[0].iloc[0]


def test_findings_columns(book):
    f = evaluate(frame(record(), record(employee_id="E2")), book, D("2027-03-01"))
    assert list(f.columns) == FINDINGS_COLUMNS
    assert len(f) == 2 * 3
    assert list(f["rule_id"][:3]) == ["development_obligation", "mandatory_pop", "max_function_tenure"]


@pytest.mark.parametrize("rule", ["development_obligation", "mandatory_pop", "max_function_tenure"])
def test_decision_order_precedence(book, rule):
    # not_in_force beats everything, even a record that would be out of scope
    assert one(book, rule, "2025-12-31", salary_scale=9).status == "not_in_force"
    # not employed before out of scope
    r = one(book, rule, "2027-03-01", hire_date="2027-04-01", function_start_date="2027-04-01", salary_scale=9)
    assert (r.status, r.reason) == ("not_applicable", "not_employed")
    r = one(book, rule, "2027-03-01", employment_end_date="2027-02-28")
    assert (r.status, r.reason) == ("not_applicable", "not_employed")
    assert one(book, rule, "2027-03-01", employment_end_date="2027-03-01").status != "not_applicable"
    r = one(book, rule, "2027-03-01", salary_scale=8)
    assert (r.status, r.reason) == ("not_applicable", "out_of_scope")
    r = one(book, rule, "2027-03-01", physically_demanding=False)
    assert (r.status, r.reason) == ("not_applicable", "out_of_scope")
    # dispensation before long-term sick before near retirement
    both = dict(exemption_until="2027-03-01", sick_leave_start="2027-01-01", birth_date="1961-01-01")
    assert one(book, rule, "2027-03-01", **both).reason == "dispensation"
    r = one(book, rule, "2027-03-01", exemption_until="2027-02-28", sick_leave_start="2027-01-18")
    assert (r.status, r.reason) == ("exempt", "long_term_sick")  # 42 days exactly
    r = one(book, rule, "2027-03-01", sick_leave_start="2027-01-19")  # 41 days: not yet
    assert r.status != "exempt"


def test_near_retirement(book):
    # born 1961-01-01: AOW at 67y3m = 2028-04-01
    r = one(book, "max_function_tenure", "2025-04-01", birth_date="1961-01-01")
    assert r.status == "not_in_force"
    r = one(book, "max_function_tenure", "2026-01-01", birth_date="1961-01-01")
    assert (r.status, r.reason) == ("exempt", "near_retirement")  # 2028-04-01 <= 2029-01-01
    r = one(book, "development_obligation", "2026-04-01", birth_date="1961-01-01")
    assert (r.status, r.reason) == ("exempt", "near_retirement")  # 2028-04-01 <= 2028-04-01
    r = one(book, "development_obligation", "2026-03-31", birth_date="1961-01-01")
    assert r.status != "exempt"
    # born 1960-12-31: AOW at 67y = 2027-12-31
    r = one(book, "development_obligation", "2026-01-01", birth_date="1960-12-31", hire_date="1990-01-01")
    assert r.reason == "near_retirement"
    # POP has no near-retirement exemption
    assert one(book, "mandatory_pop", "2027-03-01", birth_date="1960-01-01", hire_date="1990-01-01").status != "exempt"


def test_mandatory_pop_deadlines(book):
    # current staff without POP: due at the end of the 6-month transition
    r = one(book, "mandatory_pop", "2026-07-01")
    assert (r.status, r.reason, r.due_date) == ("due_soon", "no_pop", "2026-07-01")
    r = one(book, "mandatory_pop", "2026-07-02")
    assert (r.status, r.reason, r.days_overdue) == ("violation", "no_pop", 1)
    assert one(book, "mandatory_pop", "2026-04-30").status == "compliant"
    assert one(book, "mandatory_pop", "2026-05-01").status == "due_soon"  # warn: 2 months before
    # a POP: 12 months later
    r = one(book, "mandatory_pop", "2027-08-31", pop_date="2026-08-31")
    assert (r.status, r.reason, r.due_date) == ("due_soon", "", "2027-08-31")
    assert one(book, "mandatory_pop", "2027-09-01", pop_date="2026-08-31").days_overdue == 1
    # new hire: 3 months after start; month-end clipping
    r = one(book, "mandatory_pop", "2027-01-01", hire_date="2026-11-30", function_start_date="2026-11-30")
    assert r.due_date == "2027-02-28"
    # transition floor: a POP made early in 2026 still has until 2026-07-01 at least
    assert one(book, "mandatory_pop", "2026-06-01", pop_date="2025-01-01").due_date == "2026-07-01"


def test_development_obligation_hours(book):
    r = one(book, "development_obligation", "2027-03-01", development_hours_12m=24.0)
    assert (r.status, r.required_hours, r.actual_hours) == ("compliant", 24.0, 24.0)
    assert pd.isna(r.shortfall_hours)
    r = one(book, "development_obligation", "2027-03-01", development_hours_12m=23.99)
    assert (r.status, r.shortfall_hours) == ("violation", 0.01)
    # pro rata fte
    r = one(book, "development_obligation", "2027-03-01", fte=0.5, development_hours_12m=12.0)
    assert (r.status, r.required_hours) == ("compliant", 12.0)
    # window not complete yet: due_soon, pro rata months since effective_from
    r = one(book, "development_obligation", "2026-07-15", development_hours_12m=5.0)
    assert (r.status, r.required_hours, r.shortfall_hours) == ("due_soon", 12.0, 7.0)
    # new hire: months since hire
    r = one(book, "development_obligation", "2027-03-01", hire_date="2026-12-31",
            function_start_date="2026-12-31", development_hours_12m=0.0)
    assert (r.status, r.required_hours) == ("due_soon", 4.0)  # 2 full months (to 2027-02-28)
    # D on the hire date: 0 months, nothing required
    r = one(book, "development_obligation", "2027-03-01", hire_date="2027-03-01", function_start_date="2027-03-01")
    assert (r.status, r.required_hours) == ("compliant", 0.0)


def test_max_function_tenure(book):
    # started 2015: 7 years is long past, the 2-year transition sets the due date
    r = one(book, "max_function_tenure", "2028-01-01", function_start_date="2015-01-01")
    assert (r.status, r.due_date) == ("due_soon", "2028-01-01")
    r = one(book, "max_function_tenure", "2028-01-02", function_start_date="2015-01-01")
    assert (r.status, r.days_overdue) == ("violation", 1)
    assert one(book, "max_function_tenure", "2026-12-31", function_start_date="2015-01-01").status == "compliant"
    assert one(book, "max_function_tenure", "2027-01-01", function_start_date="2015-01-01").status == "due_soon"
    # leap day start: 7 years later is 2029-02-28
    r = one(book, "max_function_tenure", "2029-03-01", function_start_date="2022-02-28", hire_date="2010-01-01")
    assert r.due_date == "2029-02-28" and r.status == "violation"
    r = one(book, "max_function_tenure", "2029-03-01", function_start_date="2020-02-29")
    assert r.due_date == "2028-01-01"
