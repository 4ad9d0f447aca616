"""The column-at-a-time validation (Arrow/numpy) gives exactly what the row-message path gives:
the same accepted frame, the same rejects (row, column, value, message), notes and diagnoses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpr_rules.records import ColumnMapping, arrowcheck, generate_population, open_source, write_records
from hpr_rules.records.dirty import make_dirty_file
from hpr_rules.records.readers import to_canonical_text
from hpr_rules.records.schema import COLUMNS
from hpr_rules.records.validate import validate_frame

TRICKY = ["", " ", "  7 ", "0,8", "0.8", "1e3", "nan", "inf", "-1", "19", "1.5", "66,67", "2023-02-30",
          "31-02-2024", "13-02-2024", "2150-01-01", "1899-12-31", "2024-01-01 00:00", "2024-01-01T00:00:00.000",
          "01/02/2024", "ja", "NEE", "Yes", "maybe", "1", "0", "\u00a0x\u00a0", "E1", "1700-01-01", "2024-3-1"]


def _both(raw, mapping=None, duplicates=None):
    kw = dict(mapping=mapping, duplicates=duplicates)
    return (validate_frame(raw.copy(), "f.csv", vectorised=True, **kw),
            validate_frame(raw.copy(), "f.csv", vectorised=False, **kw))


def _same(a, b):
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.rejects, b.rejects, check_exact=True)
    assert a.notes == b.notes
    assert a.columns == b.columns
    assert a.diagnoses == b.diagnoses
    assert (a.rows_read, a.rows_accepted, a.rows_rejected) == (b.rows_read, b.rows_accepted, b.rows_rejected)


@pytest.fixture(scope="module")
def text_frame():
    return to_canonical_text(generate_population(40, seed=3)).astype(object)


@pytest.fixture
def taken(monkeypatch):
    """How often the column-at-a-time path decided (True) or handed the frame over (False)."""
    seen = []
    real = arrowcheck.validate_columns

    def spy(*args, **kw):
        out = real(*args, **kw)
        seen.append(out is not None)
        return out
    monkeypatch.setattr(arrowcheck, "validate_columns", spy)
    return seen


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(COLUMNS), st.sampled_from(TRICKY)),
                      max_size=12),
       mapping=st.sampled_from([None, ColumnMapping(decimal=","), ColumnMapping(units={"fte": "percent"}),
                                ColumnMapping(date_format="%d-%m-%Y")]),
       known=st.booleans())
def test_edited_text_frames_agree(text_frame, edits, mapping, known, taken):
    raw = text_frame.copy()
    for i, col, v in edits:
        raw.loc[i, col] = v
    dups = {raw.loc[5, "employee_id"]: "employee_id occurs in another file"} if known else None
    a, b = _both(raw, mapping, dups)
    _same(a, b)
    assert all(taken)


@pytest.mark.parametrize("seed", [1, 2])
def test_dirty_files_agree_as_csv_and_parquet(tmp_path, seed, taken):
    p = tmp_path / "dirty.csv"
    make_dirty_file(p, 400, seed)
    raw = open_source(p).read()
    _same(*_both(raw))
    q = tmp_path / "dirty.parquet"
    raw.drop(columns=["row"]).to_parquet(q)
    _same(*_both(open_source(q).read()))
    assert taken == [True, True]


def test_typed_frames_agree(tmp_path, taken):
    g = generate_population(200, seed=4)
    g.loc[3, "employee_id"] = g.loc[9, "employee_id"]
    g.loc[7, "fte"] = 3.0
    g["salary_scale"] = g["salary_scale"].astype("float64")
    g.loc[8, "salary_scale"] = 2.5
    g.loc[11, "hire_date"] = pd.Timestamp("1850-01-01")
    # younger than 15 at hire, by a day, and born on 29 February
    for i, (birth, hire) in enumerate([("2000-02-29", "2015-02-28"), ("2000-02-29", "2015-03-01"),
                                       ("2001-03-01", "2016-02-29"), ("2001-03-01", "2016-03-01"),
                                       ("1990-06-15", "2005-06-14")]):
        g.loc[20 + i, ["birth_date", "hire_date", "function_start_date"]] = [
            pd.Timestamp(birth), pd.Timestamp(hire), pd.Timestamp(hire)]
    _same(*_both(g))
    write_records(g, tmp_path / "g.parquet")
    _same(*_both(open_source(tmp_path / "g.parquet").read()))
    assert taken == [True, True]


def test_frame_is_built_on_first_use_and_a_replaced_frame_wins():
    import dataclasses
    rs = validate_frame(generate_population(30, seed=1))
    assert "frame" not in vars(rs) and rs.rows_accepted == 30
    assert rs.view["fte"].to_numpy().tolist() == rs.frame["fte"].tolist()
    smaller = dataclasses.replace(rs, frame=rs.frame.iloc[:10])
    assert smaller.accepted is None and smaller.rows_accepted == 10 and len(smaller.view) == 10


def test_cells_that_are_not_text_take_the_row_message_path(taken):
    g = to_canonical_text(generate_population(10, seed=2)).astype(object)
    g.loc[2, "unit"] = 17  # a number among the texts
    a, b = _both(g)
    _same(a, b)
    assert taken == [False]
    assert np.array_equal(a.frame["row"], b.frame["row"])
