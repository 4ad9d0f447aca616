"""Date arithmetic is bounded to 1900-01-01..2200-12-31 in every engine.

A date a rule names (a literal, a dated parameter, effective_from, the reference date) outside
the bounds is a load error at file:line:col; a date a rule computes outside them stops the run
with one DateRangeError whose message is the same in every engine.
"""

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, frame, record, run_cli
from hpr_rules.calendar import (DAY_MAX, DAY_MIN, add_days_day, add_days_v, add_months_day, add_months_v,
                                clip_offsets, out_of_bounds_v, to_daynum)
from hpr_rules.engines import ENGINES, evaluate
from hpr_rules.errors import DateRangeError, HprError, RuleError
from hpr_rules.language import load_rulebook

TENURE = "max_function_tenure.yaml"
OWN_DUE = "own_due: add_months(function_start_date, 12 * max_years)"
NEAR_RETIREMENT = "condition: state_pension_date <= add_months(D, near_retirement_months)"
DUE = "due: max(add_days(own_due, absent), add_months(effective_from, 12 * transition_years))"


def rules_copy(dest: Path, **replace) -> Path:
    """The shipped rules in ``dest`` with texts of the tenure rule replaced (old -> new)."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(p, dest / p.name)
    text = (dest / TENURE).read_text(encoding="utf-8")
    for old, new in replace.values():
        assert old in text
        text = text.replace(old, new)
    (dest / TENURE).write_text(text, encoding="utf-8")
    return dest


def loaded(**replace):
    """The shipped rules with texts of the tenure rule replaced, loaded (the files are gone then)."""
    with tempfile.TemporaryDirectory() as tmp:
        return load_rulebook(rules_copy(Path(tmp) / "r", **replace))


def outcome(df, book, day, engine):
    """Findings, or the error's class and message."""
    try:
        return "ok", evaluate(df, book, day, engine=engine)
    except HprError as exc:
        return type(exc).__name__, str(exc)


def assert_same(outcomes):
    (kind, first), *rest = outcomes
    for k, other in rest:
        assert k == kind, (kind, first, k, other)
        if kind == "ok":
            pd.testing.assert_frame_equal(other, first)
        else:
            assert other == first


# ------------------------------------------------------------------ calendar kernels

@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
       st.one_of(st.integers(-4000, 4000), st.floats(allow_nan=True, allow_infinity=True)))
def test_kernels_agree_on_bounds(d, n):
    """Scalar and vector kernels agree: the same day inside the bounds, beyond them the same side."""
    day = to_daynum(d)
    for scalar, vector, months in ((add_months_day, add_months_v, True), (add_days_day, add_days_v, False)):
        got = vector(np.array([day], dtype=np.int32), clip_offsets(np.array([n], dtype=np.float64), months))
        found = out_of_bounds_v(got, np.array([True]))
        try:
            want = scalar(day, n)
        except DateRangeError as exc:
            assert found is not None and found[1] == exc.after, (d, n)
            continue
        assert found is None and int(got[0]) == want and DAY_MIN <= want <= DAY_MAX


def test_kernels_never_wrap():
    days = np.array([to_daynum(dt.date(2020, 1, 31))] * 4, dtype=np.int32)
    n = clip_offsets(np.array([100_000, -100_000, 2.0**40, np.nan]))
    assert out_of_bounds_v(add_months_v(days, n), np.ones(4, bool))[0].all()
    assert out_of_bounds_v(add_days_v(days, clip_offsets(np.array([3e9, -3e9, np.inf, np.nan]), False)),
                           np.ones(4, bool))[0].all()
    # invalid values (nulls) are never out of bounds
    assert out_of_bounds_v(np.array([DAY_MAX + 5, 0]), np.array([False, True])) is None


# ------------------------------------------------------------------ load errors at file:line:col

def line_col(path: Path, needle: str) -> tuple[int, int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(i for i, t in enumerate(lines) if needle in t)
    return i + 1, lines[i].index(needle) + 1


def test_literal_date_out_of_bounds_is_a_load_error(tmp_path):
    d = rules_copy(tmp_path / "r", own=(OWN_DUE, "own_due: add_months(max(function_start_date, 2201-01-01), 12 * max_years)"))
    with pytest.raises(RuleError, match="date 2201-01-01 is outside 1900-01-01..2200-12-31"):
        load_rulebook(d)
    r = run_cli("rules", "validate", d)
    assert r.exit_code == 2
    line, col = line_col(d / TENURE, "2201-01-01")
    assert f"{TENURE}:{line}:{col}: error: date 2201-01-01 is outside 1900-01-01..2200-12-31" in r.output
    r = run_cli("rules", "validate", "--format", "json", d)
    assert '"code": "expression"' in r.stdout and "2201-01-01" in r.output


@pytest.mark.parametrize("old, new, needle", [
    ("- {from: 2026-01-01, value: 7}", "- {from: 1899-12-31, value: 7}", "1899-12-31"),
    ("effective_from: 2026-01-01", "effective_from: 1850-01-01", "1850-01-01"),
    ("- {from: 2026-01-01, value: 42}", "- {from: 2026-01-01, value: 2201-01-01}", "2201-01-01"),
])
def test_dated_parameter_out_of_bounds_is_a_load_error(tmp_path, old, new, needle):
    d = rules_copy(tmp_path / "r", p=(old, new))
    with pytest.raises(RuleError, match="outside 1900-01-01..2200-12-31"):
        load_rulebook(d)
    r = run_cli("rules", "validate", d)
    assert r.exit_code == 2
    line, _ = line_col(d / TENURE, needle)
    assert f"{TENURE}:{line}:" in r.output and f"date {needle} is outside 1900-01-01..2200-12-31" in r.output


def test_reference_date_out_of_bounds(tmp_path):
    run_cli("data", "generate", "--n", "5", "--seed", "1", "--out", tmp_path / "s.csv")
    r = run_cli("check", tmp_path / "s.csv", "--date", "1850-01-01")
    assert r.exit_code == 2
    assert r.stderr.strip() == ("hpr: error: [date] reference date 1850-01-01 is outside 1900-01-01..2200-12-31, "
                                "the dates rules can use")


# ------------------------------------------------------------------ computed results: one error in every engine

def test_huge_month_count_stops_every_engine_with_one_message(tmp_path):
    d = rules_copy(tmp_path / "r", own=(OWN_DUE, OWN_DUE.replace("max_years", "max_years * 1000")))
    run_cli("data", "generate", "--n", "30", "--seed", "1", "--out", tmp_path / "s.csv")
    want = ("hpr: error: rule max_function_tenure, own_due: add_months(function_start_date, 12 * 7 * 1000) gives "
            "a date after 2200-12-31 for row 1 (employee E000001); dates in rules are bounded to 1900-01-01..2200-12-31")
    for extra in (["--engine", "vector"], ["--engine", "reference"], ["--engine", "durable"], ["--chunk-size", "7"]):
        r = run_cli("check", tmp_path / "s.csv", "--rules", d, "--date", "2027-03-01", "--out", tmp_path / "f.csv", *extra)
        assert r.exit_code == 2, (extra, r.output)
        assert r.stderr.strip() == want, extra
        assert "Traceback" not in r.output
    assert not (tmp_path / "f.csv").exists()
    r = run_cli("explain", tmp_path / "s.csv", "--rules", d, "--employee", "E000004", "--date", "2027-03-01")
    assert r.exit_code == 2 and "for row 4 (employee E000004)" in r.stderr
    # hpr rules validate says so at the expression, from its probes
    r = run_cli("rules", "validate", d)
    assert r.exit_code == 2
    line, _ = line_col(d / TENURE, "own_due:")
    assert f"{TENURE}:{line}:" in r.output and "gives a date after 2200-12-31" in r.output


def test_arithmetic_the_decision_never_reaches_is_no_error(book):
    """Out of scope, the tenure rule's exemptions are never looked at: a date they would
    compute beyond the bounds stops no engine (the vector engine computes it all the same)."""
    b = loaded(nr=(NEAR_RETIREMENT, NEAR_RETIREMENT.replace("near_retirement_months)",
                                                         "near_retirement_months + 12 * 200)")))
    out_of_scope = record(employee_id="E1", salary_scale=9)
    in_scope = record(employee_id="E2")
    day = dt.date(2027, 3, 1)
    assert_same([outcome(frame(out_of_scope), b, day, e) for e in ENGINES])
    kind, f = outcome(frame(out_of_scope), b, day, "vector")
    assert kind == "ok" and set(f["reason"]) >= {"out_of_scope"}
    outs = [outcome(frame(out_of_scope, in_scope), b, day, e) for e in ENGINES]
    assert_same(outs)
    assert outs[0] == ("DateRangeError", "rule max_function_tenure, exemption near_retirement: add_months(D, 36 + 12 * 200) "
                       "gives a date after 2200-12-31 for row 2 (employee E2); dates in rules are bounded to "
                       "1900-01-01..2200-12-31")


def test_concept_rules_unchanged_at_the_edges(book):
    """The shipped rules run on records at the edges of what validation lets in."""
    recs = [record(employee_id="E1", birth_date="1900-01-01", hire_date="1918-01-01", function_start_date="1918-01-01"),
            record(employee_id="E2", birth_date="2080-01-01", hire_date="2100-12-31", function_start_date="2100-12-31")]
    for day in (dt.date(1900, 1, 1), dt.date(2027, 3, 1), dt.date(2200, 12, 31)):
        assert_same([outcome(frame(*recs), book, day, e) for e in ENGINES])


# a month offset close to the bounds seen from the dates below, or far beyond them
MONTHS = st.one_of(st.integers(-3700, 3700), st.sampled_from([-10**9, -100_000, 100_000, 10**9]))
SMALL = st.integers(-60, 60)  # the lets stay inside the bounds: later steps get their turn
EDGE_DATES = st.one_of(st.sampled_from([dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(2100, 12, 31),
                                        dt.date(2100, 2, 28)]), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
_BOOKS: dict = {}


def shifted_book(own: int, near: int, days: int):
    """The shipped rules with month and day offsets added to the tenure rule's date arithmetic."""
    key = (own, near, days)
    if key not in _BOOKS:
        _BOOKS.clear()
        _BOOKS[key] = loaded(
            own=(OWN_DUE, OWN_DUE.replace("12 * max_years", f"12 * max_years + ({own})")),
            nr=(NEAR_RETIREMENT, NEAR_RETIREMENT.replace("near_retirement_months)", f"near_retirement_months + ({near}))")),
            due=(DUE, DUE.replace("add_days(own_due, absent)", f"add_days(own_due, absent + ({days}))")),
        ).select(["max_function_tenure"])
    return _BOOKS[key]


@st.composite
def edge_record(draw, i):
    fstart = draw(EDGE_DATES)
    hire = draw(st.dates(dt.date(1900, 1, 1), fstart))
    birth = draw(st.dates(dt.date(1900, 1, 1), max(dt.date(1900, 1, 1), hire - dt.timedelta(days=1))))
    return record(employee_id=f"E{i}", birth_date=birth, hire_date=hire, function_start_date=fstart,
                  salary_scale=draw(st.sampled_from([5, 9])))


@st.composite
def edge_population(draw):
    return [draw(edge_record(i)) for i in range(draw(st.integers(1, 6)))]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edge_population(), st.one_of(SMALL, SMALL, MONTHS), MONTHS,
       st.one_of(SMALL, SMALL, st.integers(-120_000, 120_000), st.sampled_from([-10**12, 10**12])),
       st.one_of(st.dates(dt.date(2026, 1, 1), dt.date(2200, 12, 31)),  # in force: the steps are looked at
                 st.sampled_from([dt.date(2200, 12, 31), dt.date(2026, 1, 1), dt.date(1900, 1, 1)])))
def test_engines_agree_near_and_beyond_the_bounds(recs, own, near, days, day):
    """Every engine gives the same findings, or stops with the same DateRangeError."""
    b = shifted_book(own, near, days)
    df = frame(*recs)
    outs = [outcome(df, b, day, e) for e in ENGINES]
    assert_same(outs)
    assert outs[0][0] in ("ok", "DateRangeError")
    # whole file and chunks: the first record that fails is the same one
    if outs[0][0] == "DateRangeError" and len(df) > 1:
        kinds = [outcome(df.iloc[k:k + 1], b, day, "vector") for k in range(len(df))]
        first = next(m for kind, m in kinds if kind != "ok")
        assert first == outs[0][1]


def test_a_later_batch_of_a_parquet_file_names_its_own_row(tmp_path):
    """Batches of a streamed Parquet file count rows from the file's first: the error names
    the record where the whole file would, and no findings file is left behind."""
    from hpr_rules.records import generate_population, write_records
    d = rules_copy(tmp_path / "r", own=(OWN_DUE, "own_due: add_months(function_start_date, "
                                                 "if(fte == 0.37, 12 * max_years * 1000, 12 * max_years))"))
    pop = generate_population(30, seed=1)
    pop.loc[22, "fte"] = 0.37
    write_records(pop, tmp_path / "s.parquet")
    for extra in ([], ["--chunk-size", "7"]):
        r = run_cli("check", tmp_path / "s.parquet", "--rules", d, "--date", "2027-03-01",
                    "--out", tmp_path / "f.parquet", *extra)
        assert r.exit_code == 2, (extra, r.output)
        assert "for row 23 (employee E000023)" in r.stderr and "Traceback" not in r.output, r.stderr
        assert not (tmp_path / "f.parquet").exists()
