"""Employee ids held as numbers (a Parquet int64 or float64 column, a frame pandas typed) are
the same text keys on every path: ``102``, never ``102.0``. Repeats are found across the
chunks of a streamed file and across the files of a dataset; a float that is no whole id is
a rejected row, never a changed id."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hpr_rules.records import generate_population, load_records, validate_frame
from hpr_rules.records.readers import FLOAT_EXACT, number_text
from hpr_rules.scale import check_csv_stream, check_dataset, check_parquet_stream, file_ids

DAY = dt.date(2027, 3, 1)
BIG = np.iinfo(np.int64).max


@pytest.fixture(scope="module")
def population():
    return generate_population(24, seed=5, reference_date=dt.date(2026, 6, 1)).drop(columns=["row"])


def _table(population, ids, typ):
    t = pa.Table.from_pandas(population.iloc[:len(ids)], preserve_index=False)
    return t.set_column(0, "employee_id", pa.array(ids, typ))


def _findings(path) -> list[tuple]:
    """A findings file (CSV or Parquet) or a dataset's directory of parts, as text rows."""
    t = pq.read_table(path) if str(path).endswith("/") or path.is_dir() or path.suffix == ".parquet" else None
    if t is None:
        import pyarrow.csv as pacsv
        t = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in ("employee_id", "rule_id", "status", "reason")}))
    cols = ["employee_id", "rule_id", "status", "reason"]
    from hpr_rules.outputs import unescape_text  # a CSV guards -1 against formulas as '-1
    return [tuple(unescape_text(v) if v else None for v in r)
            for r in zip(*(t.column(c).cast(pa.string()).to_pylist() for c in cols))]


def test_number_text_keys():
    keys, bad = number_text(pa.array([102, 0, -7, BIG, None], pa.int64()))
    assert keys.to_pylist() == ["102", "0", "-7", str(BIG), None] and not bad.any()
    keys, bad = number_text(pa.chunked_array([[102.0, 102.5, None], [float("nan"), float("inf"), -0.0, 2.0 ** 60]]))
    assert keys.to_pylist() == ["102", "102.5", None, "nan", "inf", "0", "1.152921504606847e+18"]
    assert bad.tolist() == [False, True, False, True, True, False, True]
    assert number_text(pa.array([float(FLOAT_EXACT)]))[0].to_pylist() == [str(FLOAT_EXACT)]
    assert number_text(pa.array(["007"])) is None  # text is text: leading zeros stay
    from decimal import Decimal
    keys, bad = number_text(pa.array([Decimal("102"), None], pa.decimal128(12, 0)))
    assert keys.to_pylist() == ["102", None] and not bad.any()
    keys, bad = number_text(pa.array([Decimal("102.00"), Decimal("102.50")], pa.decimal128(12, 2)))
    assert keys.to_pylist() == ["102", "102.5"] and bad.tolist() == [False, True]


def test_decimal_ids_of_a_parquet_file(population, tmp_path):
    """Ids a database exported as decimals: whole ones are their digits, others rejected rows."""
    from decimal import Decimal
    path = tmp_path / "f.parquet"
    pq.write_table(_table(population, [Decimal("102"), Decimal("7"), Decimal("102")], pa.decimal128(10, 0)), path)
    rs = load_records(path)
    assert list(rs.view["employee_id"]) == ["7"] and rs.rejects["employee_id"].tolist() == ["102", "102"]
    pq.write_table(_table(population, [Decimal("102.00"), Decimal("7.50")], pa.decimal128(10, 2)), path)
    rs = load_records(path)
    assert list(rs.view["employee_id"]) == ["102"]
    assert rs.rejects["message"].tolist() == ["employee_id 7.5 is not a whole number"]


@pytest.mark.parametrize("dtype", ["int64", "Int64", "float64", "uint32"])
def test_a_frame_of_number_ids_reads_them_as_text_keys(population, dtype):
    df = population.iloc[:4].copy()
    df["employee_id"] = pd.array([102, 0, 102, 7], dtype=dtype)
    rs = validate_frame(df)
    assert rs.frame["employee_id"].tolist() == ["0", "7"]
    assert rs.rejects["employee_id"].tolist() == ["102", "102"]
    assert rs.rejects["message"].tolist() == ["employee_id 102 occurs 2 times (rows 1, 3)"] * 2
    # a repeat known beyond this frame (another chunk, another file) is the text key
    rs = validate_frame(df.iloc[[1, 3]], duplicates={"7": "employee_id 7 occurs in more than one file"})
    assert rs.rejects["employee_id"].tolist() == ["7"] and rs.frame["employee_id"].tolist() == ["0"]


def test_floats_that_are_no_whole_id_are_rejected_by_row_and_field(population, tmp_path):
    df = population.iloc[:7].copy()
    df["employee_id"] = [102.0, 102.5, np.nan, np.inf, -3.0, 102.5, 2.0 ** 60]
    rs = validate_frame(df)
    assert rs.frame["employee_id"].tolist() == ["102", "-3"]
    got = rs.rejects[["row", "column", "value", "message"]].values.tolist()
    assert got == [
        [2, "employee_id", "102.5", "employee_id 102.5 is not a whole number"],
        [3, "employee_id", "", "employee_id is missing (required)"],
        [4, "employee_id", "inf", "employee_id inf is not a whole number"],
        [6, "employee_id", "102.5", "employee_id 102.5 is not a whole number"],  # no repeat: it is no id
        [7, "employee_id", "1.152921504606847e+18", "employee_id 1.152921504606847e+18 is beyond the whole "
                                                    "numbers a float column holds exactly; store the column as "
                                                    "text or integers"],
    ]
    path = tmp_path / "f.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    whole = load_records(path)
    pd.testing.assert_frame_equal(whole.rejects, rs.rejects)
    assert whole.frame["employee_id"].tolist() == ["102", "-3"]


def test_large_int64_ids_stay_exact(population, tmp_path):
    path = tmp_path / "f.parquet"
    ids = [BIG, BIG - 1, 2 ** 53 + 1, 2 ** 53, -BIG, 1]
    pq.write_table(_table(population, ids, pa.int64()), path)
    rs = load_records(path)
    assert rs.rows_rejected == 0
    assert list(rs.view["employee_id"]) == [str(i) for i in ids]
    assert sorted(file_ids(path, "employee_id")) == sorted(str(i) for i in ids)


def test_text_ids_keep_their_leading_zeros(population, tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(_table(population, ["007", "08"], pa.string()), a)
    pq.write_table(_table(population, [7, 8], pa.int64()), b)
    res = check_dataset(tmp_path / "*.parquet", _book(), DAY, tmp_path / "out")
    assert res["rows_rejected"] == 0  # 007 (text) is not 7 (a number)
    ids = {r[0] for r in _findings(tmp_path / "out")}
    assert ids == {"007", "08", "7", "8"}


_BOOK = []


def _book():
    if not _BOOK:
        from hpr_rules.language import default_rules_dir, load_rulebook
        _BOOK.append(load_rulebook(default_rules_dir()))
    return _BOOK[0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # an example takes a second: no shrinking
@given(data=st.data())
def test_whole_streamed_and_split_agree_on_number_ids(population, tmp_path_factory, data):
    """Whole file == streamed in random chunks == a dataset of its parts, for ids held as
    int64 or float64 (Parquet) or written as numbers in a CSV; repeats across parts found."""
    n = len(population)
    ids = data.draw(st.lists(st.integers(-3, 40), min_size=n, max_size=n), label="ids")
    kind = data.draw(st.sampled_from(["int64", "float64", "csv"]), label="kind")
    if kind == "float64":
        nulls = data.draw(st.sets(st.integers(0, n - 1), max_size=2), label="nulls")
        values = [None if i in nulls else float(v) for i, v in enumerate(ids)]
    else:
        values = ids
    cuts = sorted(data.draw(st.sets(st.integers(1, n - 1), min_size=1, max_size=3), label="cuts"))
    chunk = data.draw(st.integers(1, n), label="chunk")
    d = tmp_path_factory.mktemp("ids")
    t = _table(population, values, pa.float64() if kind == "float64" else pa.int64())
    parts = [t.slice(a, b - a) for a, b in zip([0, *cuts], [*cuts, n])]
    book = _book()
    (d / "ds").mkdir()
    if kind == "csv":
        from hpr_rules.records import write_records
        whole = d / "whole.csv"
        write_records(t.to_pandas(), whole)
        for i, p in enumerate(parts):
            write_records(p.to_pandas(), d / "ds" / f"p{i}.csv")
        check_csv_stream(whole, book, DAY, d / "streamed.csv", chunk_size=chunk)
        pattern = d / "ds" / "*.csv"
    else:
        whole = d / "whole.parquet"
        pq.write_table(t, whole)
        for i, p in enumerate(parts):
            pq.write_table(p, d / "ds" / f"p{i}.parquet")
        check_parquet_stream(whole, book, DAY, d / "streamed.csv", chunk_size=chunk)
        pattern = d / "ds"
    from hpr_rules.engines import evaluate_findings
    from hpr_rules.outputs import write_table
    rs = load_records(whole)
    write_table(evaluate_findings(rs, book, DAY), d / "whole.csv")
    res = check_dataset(pattern, book, DAY, d / "out")

    expect = _findings(d / "whole.csv")
    assert _findings(d / "streamed.csv") == expect
    split = _findings(d / "out")
    # a dataset names the files an id repeats across, the whole file its rows: the same rows rejected
    # (each part lists its rejected records after its accepted ones)
    assert sorted((r[:3] for r in split), key=str) == sorted((r[:3] for r in expect), key=str)
    shown = [None if v is None else str(int(v)) for v in values]
    assert sorted(r[0] or "" for r in expect) == sorted(v or "" for v in shown for _ in range(3))
    repeated = {v for v in shown if v is not None and shown.count(v) > 1}
    rejected = {r[0] for r in expect if r[2] == "invalid"}
    assert repeated <= rejected
    assert res["rows_rejected"] == rs.rows_rejected


def test_checking_a_parquet_file_of_number_ids_never_loads_pandas(tmp_path, population):
    from conftest import check_loads_pandas
    path = tmp_path / "staff.parquet"
    pq.write_table(_table(population, list(range(100, 100 + len(population))), pa.int64()), path)
    rs = load_records(path)
    assert rs.accepted is not None and rs.rows_rejected == 0  # validated on Arrow, as text ids are
    assert not check_loads_pandas(path, tmp_path / "f.parquet")
    assert {r[0] for r in _findings(tmp_path / "f.parquet")} == {str(i) for i in range(100, 100 + len(population))}


def test_side_tables_match_number_ids(population, tmp_path):
    """A dispensation for id 102 (text in a CSV, or a float in a frame) reaches the record whose
    id a Parquet file holds as the integer 102."""
    from conftest import run_cli
    from hpr_rules.records.readers import to_canonical_text
    path = tmp_path / "staff.parquet"
    pq.write_table(_table(population, list(range(100, 100 + len(population))), pa.int64()), path)
    disp = tmp_path / "disp.csv"
    disp.write_text("employee_id,rule_id,until,ground\n102,mandatory_pop,2029-12-31,medische redenen\n")
    r = run_cli("check", path, "--date", "2027-03-01", "--dispensations", disp, "-o", tmp_path / "f.csv")
    assert r.exit_code == 0, r.output
    assert "1 rows read, 1 used, 0 rejected" in r.stderr
    got = [f for f in _findings(tmp_path / "f.csv") if f[0] == "102" and f[1] == "mandatory_pop"]
    assert got == [("102", "mandatory_pop", "exempt", "dispensation")]
    frame = pd.DataFrame({"employee_id": [102.0, np.nan, 102.5]})
    assert to_canonical_text(frame)["employee_id"].tolist() == ["102", "", "102.5"]
