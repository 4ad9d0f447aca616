"""Engines agree row for row on random populations; monotonic properties hold."""

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import frame, record
from hpr_rules.engines import evaluate
from hpr_rules.language.compile import STATUSES

# dates near the edges the rules care about: month ends, 29 February, entry into force
EDGES = [dt.date(2024, 2, 29), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 31),
         dt.date(2026, 2, 28), dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2027, 12, 31),
         dt.date(2028, 1, 1), dt.date(2028, 2, 29), dt.date(2019, 1, 31)]


def near(lo, hi):
    return st.one_of(st.sampled_from([d for d in EDGES if lo <= d <= hi] or [lo]),
                     st.dates(min_value=lo, max_value=hi))


@st.composite
def records(draw, i=0):
    birth = draw(st.dates(dt.date(1955, 1, 1), dt.date(2005, 12, 31)))
    hire = draw(near(max(birth.replace(year=birth.year + 16) if not (birth.month == 2 and birth.day == 29)
                         else dt.date(birth.year + 16, 3, 1), dt.date(1975, 1, 1)), dt.date(2030, 12, 31)))
    fstart = draw(near(hire, max(hire, dt.date(2031, 12, 31))))
    opt = lambda lo, hi: draw(st.one_of(st.none(), near(lo, hi)))  # noqa: E731
    return record(
        employee_id=f"E{draw(st.integers(0, 10**9))}", birth_date=birth, hire_date=hire,
        function_start_date=fstart, employment_end_date=opt(dt.date(2025, 1, 1), dt.date(2032, 12, 31)),
        salary_scale=draw(st.integers(1, 10)), physically_demanding=draw(st.booleans()),
        fte=draw(st.sampled_from([1.0, 0.9, 0.5, 0.8889, 0.33, 0.01])),
        development_hours_12m=draw(st.one_of(st.sampled_from([0.0, 24.0, 23.99, 12.0, 21.6]),
                                             st.floats(0, 2000, allow_nan=False).map(lambda x: round(x, 2)))),
        pop_date=opt(dt.date(2023, 1, 1), dt.date(2031, 12, 31)),
        sick_leave_start=opt(dt.date(2024, 1, 1), dt.date(2031, 12, 31)),
        exemption_until=opt(dt.date(2024, 1, 1), dt.date(2031, 12, 31)),
        development_offered=draw(st.sampled_from([None, True, False])),
        move_offered=draw(st.sampled_from([None, True, False])),
    )


population = st.lists(records(), min_size=20, max_size=80)  # ~2,250 records per run
ref_dates = near(dt.date(2025, 6, 1), dt.date(2032, 12, 31))
SETTINGS = settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(population, ref_dates)
def test_engines_agree(book, recs, day):
    df = frame(*recs)
    v = evaluate(df, book, day)
    r = evaluate(df, book, day, engine="reference")
    d = evaluate(df, book, day, engine="durable")
    pd.testing.assert_frame_equal(v, r)
    pd.testing.assert_frame_equal(v, d)
    assert len(v) == len(df) * len(book.rules)
    assert set(v["status"]) <= set(STATUSES)


RANK = {"violation": 0, "due_soon": 1, "compliant": 2}


@SETTINGS
@given(population, ref_dates, st.floats(0, 100))
def test_more_hours_never_worse(book, recs, day, extra):
    df = frame(*recs)
    more = df.copy()
    more["development_hours_12m"] = (more["development_hours_12m"] + extra).clip(upper=2000)
    a = evaluate(df, book, day, rules=["development_obligation"])
    b = evaluate(more, book, day, rules=["development_obligation"])
    for s1, s2 in zip(a["status"], b["status"]):
        if s1 in RANK:
            assert RANK[s2] >= RANK[s1]
        else:
            assert s2 == s1


@SETTINGS
@given(population, ref_dates, st.integers(1, 2000))
def test_later_date_never_unviolates(book, recs, day, days):
    df = frame(*recs)
    later = day + dt.timedelta(days=days)
    for rule in ("mandatory_pop", "max_function_tenure"):
        a = evaluate(df, book, day, rules=[rule])
        b = evaluate(df, book, later, rules=[rule])
        flipped = (a["status"] == "violation") & b["status"].isin(["compliant", "due_soon"])
        assert not flipped.any(), pd.concat([a[flipped], b[flipped]])


@SETTINGS
@given(population, ref_dates)
def test_an_exemption_never_gives_a_violation(book, recs, day):
    df = frame(*recs)
    df["exemption_until"] = pd.Timestamp(day + dt.timedelta(days=30))
    f = evaluate(df, book, day)
    assert not f["status"].isin(["violation", "due_soon", "compliant"]).any()
