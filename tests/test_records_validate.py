import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpr_rules.records import COLUMNS, validate_frame
from hpr_rules.records.dirty import make_dirty_file
from hpr_rules.records import load_records

VALID = dict(employee_id="E1", birth_date="1980-05-05", hire_date="2010-01-01", employment_end_date="",
             function_code="HHO-BEL", function_title="Belader", function_start_date="2020-03-01",
             salary_scale="5", physically_demanding="ja", unit="DSB-HHO", department="", fte="0.9",
             pop_date="", development_hours_12m="0", sick_leave_start="", exemption_until="",
             contract_type="vast")


def one(**kw):
    r = dict(VALID, **kw)
    return validate_frame(pd.DataFrame([r], dtype=object))


def test_valid_row_accepted():
    rs = one()
    assert len(rs.frame) == 1 and rs.rejects.empty and rs.rows_read == 1
    assert list(rs.frame.columns) == COLUMNS + ["row"]


@pytest.mark.parametrize("change,column,message", [
    (dict(unit=""), "unit", "unit is missing (required)"),
    (dict(development_hours_12m=""), "development_hours_12m", "is missing (required)"),
    (dict(hire_date="31-02-2024"), "hire_date", "date 31-02-2024 is not a valid date (expected YYYY-MM-DD)"),
    (dict(pop_date="2023-02-30"), "pop_date", "not a valid date"),
    (dict(exemption_until="2150-01-01"), "exemption_until", "between 1900-01-01 and 2100-12-31"),
    (dict(birth_date="1850-01-01"), "birth_date", "between 1900-01-01 and 2100-12-31"),
    (dict(salary_scale="0"), "salary_scale", "salary_scale must be between 1 and 18"),
    (dict(salary_scale="19"), "salary_scale", "salary_scale must be between 1 and 18"),
    (dict(salary_scale="5.5"), "salary_scale", "is not a whole number"),
    (dict(fte="0"), "fte", "fte must be greater than 0 and at most 1"),
    (dict(fte="1.5"), "fte", "fte must be greater than 0 and at most 1"),
    (dict(fte="abc"), "fte", "fte abc is not a number"),
    (dict(development_hours_12m="-1"), "development_hours_12m", "between 0 and 2000"),
    (dict(development_hours_12m="2001"), "development_hours_12m", "between 0 and 2000"),
    (dict(physically_demanding="misschien"), "physically_demanding", "not a yes/no value"),
    (dict(birth_date="2011-01-01"), "birth_date", "birth_date must be before hire_date"),
    (dict(function_start_date="2009-12-31"), "function_start_date", "must not be before hire_date"),
    (dict(birth_date="1996-01-02"), "hire_date", "younger than 15 at hire_date (age 13)"),
])
def test_each_rule_rejects(change, column, message):
    rs = one(**change)
    assert len(rs.frame) == 0 and rs.rows_read == 1
    assert rs.rejects.loc[0, "column"] == column
    assert message in rs.rejects.loc[0, "message"]
    assert rs.rejects.loc[0, "row"] == 1 and rs.rejects.loc[0, "employee_id"] == "E1"
    assert len(rs.rejected_rows) == 1


def test_all_failures_collected():
    rs = one(fte="2", salary_scale="0", hire_date="x")
    assert set(rs.rejects["column"]) == {"fte", "salary_scale", "hire_date"}
    assert len(rs.rejected_rows) == 1 and rs.rejected_rows.loc[0, "message"].count(";") == 2


def test_duplicates_all_rejected():
    rows = [dict(VALID, employee_id=i) for i in ["E1", "E2", "E1", "E3", "E1"]]
    rs = validate_frame(pd.DataFrame(rows))
    assert list(rs.frame["employee_id"]) == ["E2", "E3"]
    assert list(rs.frame["row"]) == [2, 4]
    assert rs.rejects["message"].iloc[0] == "employee_id E1 occurs 3 times (rows 1, 3, 5)"


def test_dirty_file_expected_rejections(tmp_path):
    p = tmp_path / "dirty.csv"
    expected = make_dirty_file(p, 300, seed=4)
    rs = load_records(p)
    assert expected >= 18
    assert len(rs.rejected_rows) == expected
    assert len(rs.frame) + len(rs.rejected_rows) == rs.rows_read == 300


BREAKS = [dict(), dict(fte="0"), dict(fte="1.01"), dict(salary_scale="19"), dict(unit=""), dict(hire_date="2010-13-01"),
          dict(birth_date="2012-01-01"), dict(function_start_date="2000-01-01"), dict(development_hours_12m="-0.5"),
          dict(physically_demanding="?"), dict(birth_date="1999-01-01"), dict(employee_id="")]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(BREAKS) - 1), st.integers(1, 8)), min_size=0, max_size=30))
def test_conservation(picks):
    rows, valid_ids = [], []
    for k, (b, ident) in enumerate(picks):
        eid = f"E{ident}"
        rows.append(dict(VALID, employee_id=eid, **BREAKS[b]) if BREAKS[b].get("employee_id") != "" else
                    dict(VALID, **BREAKS[b]))
    raw = pd.DataFrame(rows, columns=list(VALID)) if rows else pd.DataFrame(columns=list(VALID), dtype=object)
    rs = validate_frame(raw)
    assert len(rs.frame) + len(rs.rejected_rows) == rs.rows_read == len(rows)
    ids = pd.Series([r["employee_id"] for r in rows])
    for i, (r, (b, _)) in enumerate(zip(rows, picks)):
        unique = r["employee_id"] != "" and (ids == r["employee_id"]).sum() == 1
        if b == 0 and unique:
            assert i + 1 in set(rs.frame["row"])  # a valid row is never rejected
        else:
            assert i + 1 in set(rs.rejected_rows["row"])


def test_every_employee_id_empty_is_rejected_per_row():
    """Two or more rows and not one employee_id: each row rejected (id missing), no crash in the
    duplicate check."""
    rows = [dict(VALID, employee_id=""), dict(VALID, employee_id=" ")]
    rs = validate_frame(pd.DataFrame(rows))
    assert rs.rows_read == 2 and len(rs.frame) == 0 and len(rs.rejected_rows) == 2
    assert set(rs.rejects["column"]) == {"employee_id"}
