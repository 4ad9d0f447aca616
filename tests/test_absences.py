"""Documented absence periods: the table, absent_days, the drafts, every engine, the CLI."""

import datetime as dt
import io
import shutil
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CSV_HEADER, frame, record, run_cli
from hpr_rules.engines import evaluate
from hpr_rules.records.sidetables import attach_absences

ROOT = Path(__file__).resolve().parents[1]
HEADER = CSV_HEADER
run = run_cli


def _staff(tmp_path):
    p = tmp_path / "staff.csv"
    # E1: long sick before 2026 and in 2026, POP of 2025: the case that was flagged without absences
    p.write_text(HEADER +
                 "E1,1980-05-05,2010-01-01,,AFV01,Belader,2020-03-01,5,true,DSB-HHO,,1.0,2025-06-01,6,,,vast\n"
                 "E2,1980-05-05,2010-01-01,,AFV01,Belader,2020-03-01,5,true,DSB-HHO,,1.0,2025-06-01,6,,,vast\n",
                 encoding="utf-8")
    a = tmp_path / "absences.csv"
    a.write_text("employee_id,start,end,kind\n"
                 "E1,2025-09-01,2026-04-30,sick\n"
                 "E1,2026-03-01,2026-04-30,sick\n"
                 "E1,2026-06-01,2026-05-01,parental\n"
                 "E1,2026-06-01,,vakantie\n"
                 "E7,2026-06-01,,sick\n", encoding="utf-8")
    return p, a


def test_check_with_absences_extends_and_reduces(tmp_path):
    staff, absences = _staff(tmp_path)
    args = ("check", staff, "--date", "2026-08-15", "--rules", ROOT / "rules")
    base = run(*args)
    r = run(*args, "--absences", absences)
    assert base.exit_code == r.exit_code == 0, r.output
    b = pd.read_csv(io.StringIO(base.stdout), keep_default_na=False).set_index(["employee_id", "rule_id"])
    a = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False).set_index(["employee_id", "rule_id"])
    # without absences: POP overdue since 2026-07-01 and a development shortfall
    assert b.loc[("E1", "mandatory_pop"), "status"] == "violation"
    # 242 days sick from 2025-09-01 to 2026-04-30, all in the POP term 2025-06-01..2026-06-01
    assert a.loc[("E1", "mandatory_pop"), "status"] in ("compliant", "due_soon")
    assert a.loc[("E1", "mandatory_pop"), "due_date"] == "2027-01-29"  # 2026-06-01 + 242 days
    assert float(a.loc[("E1", "development_obligation"), "required_hours"]) < \
        float(b.loc[("E1", "development_obligation"), "required_hours"])
    # E2 has no absences: unchanged
    pd.testing.assert_frame_equal(a.loc["E2"], b.loc["E2"])
    assert "absences.csv: row 2 (line 3): [start] overlaps row 1 of the same employee and kind" in r.stderr
    assert "absences.csv: row 3 (line 4): [end] end lies before start 2026-06-01" in r.stderr
    assert "absences.csv: row 4 (line 5): [kind] unknown kind 'vakantie'" in r.stderr
    assert "absences.csv: row 5 (line 6): [employee_id] no accepted personnel record" in r.stderr
    assert "5 rows read, 1 used, 4 rejected" in r.stderr


def test_without_absences_nothing_changes(tmp_path):
    staff, _ = _staff(tmp_path)
    empty = tmp_path / "none.csv"
    empty.write_text("employee_id,start,end,kind\n", encoding="utf-8")
    for engine in ("vector", "durable"):
        args = ("check", staff, "--date", "2027-03-01", "--rules", ROOT / "rules", "--engine", engine)
        assert run(*args).stdout == run(*args, "--absences", empty).stdout


def test_explain_and_diff_take_absences(tmp_path):
    staff, absences = _staff(tmp_path)
    r = run("explain", staff, "--employee", "E1", "--date", "2026-08-15", "--rule", "mandatory_pop",
            "--rules", ROOT / "rules", "--absences", absences)
    assert r.exit_code == 0 and "absent = absent_days(" in r.stdout and "= 242" in r.stdout
    r = run("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--data", staff,
            "--date", "2026-08-15", "--absences", absences, "--format", "json")
    assert r.exit_code == 0, r.output


def test_unknown_absence_kind_in_a_rule_is_a_diagnostic(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("tests", "drafts"))
    p = d / "mandatory_pop.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("'sick', 'parental'", "'sick', 'parentel'"), encoding="utf-8")
    r = run("rules", "validate", d, "--format", "json", "--no-probe")
    assert r.exit_code == 2
    import json
    (diag,) = json.loads(r.stdout)
    assert diag["code"] == "expression" and diag["suggestion"] == "parental"
    assert "unknown absence kind 'parentel'" in diag["message"]


@st.composite
def absence_lists(draw):
    out = []
    for kind in draw(st.lists(st.sampled_from(["sick", "parental", "unpaid", "other"]), max_size=4)):
        start = draw(st.dates(dt.date(2018, 1, 1), dt.date(2031, 12, 31)))
        end = draw(st.one_of(st.none(), st.dates(start, dt.date(2032, 12, 31))))
        out.append((start, end, kind))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dates(dt.date(2010, 1, 1), dt.date(2027, 12, 31)),
                          st.sampled_from([None, dt.date(2025, 6, 1), dt.date(2026, 3, 31), dt.date(2027, 2, 28)]),
                          st.sampled_from([0.0, 6.0, 12.5, 24.0]), st.sampled_from([1.0, 0.5, 0.8889]),
                          absence_lists()), min_size=5, max_size=25),
       st.dates(dt.date(2025, 12, 1), dt.date(2032, 12, 31)))
def test_engines_agree_with_absences(book, people, day):
    recs, rows = [], []
    for i, (fstart, pop, hours, fte, absences) in enumerate(people):
        recs.append(record(employee_id=f"E{i}", function_start_date=fstart, pop_date=pop,
                           development_hours_12m=hours, fte=fte))
        rows += [{"employee_id": f"E{i}", "start": pd.Timestamp(s), "end": pd.Timestamp(e) if e else pd.NaT,
                  "kind": k} for s, e, k in absences]
    df = attach_absences(frame(*recs), pd.DataFrame(rows, columns=["employee_id", "start", "end", "kind"]))
    v = evaluate(df, book, day)
    pd.testing.assert_frame_equal(v, evaluate(df, book, day, engine="reference"))
    pd.testing.assert_frame_equal(v, evaluate(df, book, day, engine="durable"))
    # absence never makes a deadline earlier nor the hours required larger
    plain = evaluate(frame(*recs), book, day)
    both = v.merge(plain, on=["employee_id", "rule_id"], suffixes=("", "_plain"))
    due = both[(both["due_date"] != "") & (both["due_date_plain"] != "") & both["due_date"].notna()
               & both["due_date_plain"].notna()]
    assert (due["due_date"].astype(str) >= due["due_date_plain"].astype(str)).all()
    req = both[both["required_hours"].notna() & both["required_hours_plain"].notna()]
    assert (req["required_hours"].astype(float) <= req["required_hours_plain"].astype(float) + 1e-9).all()
