import datetime as dt

import pandas as pd
import pytest

from hpr_rules.errors import InputError
from hpr_rules.records import generate_population, load_records, read_table, write_records

HEADER = ["employee_id", "birth_date", "hire_date", "function_code", "function_start_date", "salary_scale",
          "physically_demanding", "unit", "fte", "development_hours_12m", "department"]
ROW = ["E1", "1980-05-05", "2010-01-01", "HHO-BEL", "2020-03-01", "5", "true", "DSB-HHO", "0.9", "12.5", "Café Noord"]


def _write(path, sep, encoding, bom=False):
    text = sep.join(HEADER) + "\n" + sep.join(ROW) + "\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("sep", [",", ";", "|", "\t"])
@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_csv_delimiters_and_encodings(tmp_path, sep, encoding, bom):
    p = _write(tmp_path / "staff.csv", sep, encoding, bom)
    raw = read_table(p)
    assert list(raw.columns) == HEADER
    assert raw.loc[0, "department"] == "Café Noord"
    rs = load_records(p)
    assert rs.rows_read == 1 and len(rs.frame) == 1, rs.rejects
    assert rs.frame.loc[0, "department"] == "Café Noord"
    assert rs.frame.loc[0, "fte"] == 0.9


def test_xlsx_and_parquet_round_trip(tmp_path):
    df = generate_population(50, seed=3)
    for ext in ("xlsx", "parquet", "csv"):
        p = tmp_path / f"staff.{ext}"
        write_records(df, p)
        rs = load_records(p)
        assert rs.rows_read == 50 and len(rs.rejects) == 0, (ext, rs.rejects)
        pd.testing.assert_frame_equal(rs.frame, df, check_dtype=True)


def test_text_xlsx_cells(tmp_path):
    p = tmp_path / "staff.xlsx"
    pd.DataFrame([ROW], columns=HEADER).to_excel(p, index=False)
    rs = load_records(p)
    assert len(rs.frame) == 1 and rs.frame.loc[0, "birth_date"] == pd.Timestamp("1980-05-05")


def test_frame_dtypes(tmp_path):
    p = _write(tmp_path / "s.csv", ",", "utf-8")
    f = load_records(p).frame
    assert str(f["birth_date"].dtype) == "datetime64[ns]"
    assert str(f["employment_end_date"].dtype) == "datetime64[ns]" and f["employment_end_date"].isna().all()
    assert f["salary_scale"].dtype == "int64" and f["fte"].dtype == "float64"
    assert f["physically_demanding"].dtype == bool
    assert f["employee_id"].dtype == object and isinstance(f.loc[0, "employee_id"], str)
    assert f.loc[0, "contract_type"] is None
    assert list(f["row"]) == [1]


def test_missing_file_and_bad_extension(tmp_path):
    with pytest.raises(InputError, match="file not found") as e:
        load_records(tmp_path / "nope.csv")
    assert "nope.csv" in str(e.value)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(InputError, match="unknown file type"):
        load_records(tmp_path / "x.json")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot read as parquet"):
        load_records(tmp_path / "bad.parquet")


def test_missing_required_column_is_input_error(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("employee_id,birth_dat\nE1,1980-01-01\n")
    with pytest.raises(InputError, match="birth_date.*did you mean 'birth_dat'"):
        load_records(p)


def test_extra_columns_dropped(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(",".join(HEADER + ["notes"]) + "\n" + ",".join(ROW + ["whatever"]) + "\n", encoding="utf-8")
    rs = load_records(p)
    assert "notes" not in rs.frame.columns and len(rs.frame) == 1


def test_too_many_fields_line_is_rejected_not_lost(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(",".join(HEADER) + "\n" + ",".join(ROW) + "\n" + ",".join(ROW + ["x", "y"]) + "\n"
                 + ",".join(["E3"] + ROW[1:]) + "\n", encoding="utf-8")
    rs = load_records(p)
    assert rs.rows_read == 3 and list(rs.frame["row"]) == [1, 3]
    assert list(rs.rejected_rows["row"]) == [2]
    assert "13 fields, the header has 11" in rs.rejected_rows["message"].iloc[0]


def test_write_is_atomic_and_canonical(tmp_path):
    df = generate_population(5, seed=1, reference_date=dt.date(2026, 1, 1))
    p = tmp_path / "out.csv"
    write_records(df, p)
    text = p.read_text()
    assert text.splitlines()[0].startswith("employee_id,birth_date,hire_date")
    assert "true" in text or "false" in text
    assert not list(tmp_path.glob(".*tmp"))


def test_typed_parquet_equals_text_path(tmp_path):
    """Parquet keeps its types on the fast path; the result equals the text round trip, rejects included."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from hpr_rules.records import validate_frame
    df = generate_population(40, seed=5)
    t = pa.Table.from_pandas(df.drop(columns=["row"]), preserve_index=False)
    cols = {n: t.column(n).to_pylist() for n in t.column_names}
    cols["employee_id"][1] = None                       # missing required
    cols["employee_id"][3] = cols["employee_id"][2]     # duplicate (both rows rejected)
    cols["unit"][4] = "  DSB-HSO  "                      # trimmed
    cols["department"][5] = ""                           # empty = missing (optional)
    cols["salary_scale"][6] = 19                         # out of range
    cols["fte"][7] = 0.0                                 # out of range
    cols["pop_date"][8] = None                           # optional, missing
    h = cols["hire_date"][9]
    cols["hire_date"][9] = dt.datetime(h.year, h.month, h.day, 15, 30)  # a time of day is dropped
    cols["sick_leave_start"][10] = dt.datetime(2020, 1, 1)
    cols["birth_date"][11] = cols["hire_date"][11]       # born on the hire date
    cols["salary_scale"][12] = None                      # required, missing
    schema = pa.schema([
        pa.field("employee_id", pa.dictionary(pa.int32(), pa.string())),
        *[pa.field(n, pa.timestamp("us") if isinstance(next((v for v in cols[n] if v is not None), ""),
                                                     (dt.date, dt.datetime)) else t.schema.field(n).type)
          for n in t.column_names if n != "employee_id"]])
    arrays = [pa.array(cols["employee_id"]).dictionary_encode()] + \
        [pa.array(cols[f.name], type=f.type) for f in schema if f.name != "employee_id"]
    p = tmp_path / "typed.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), p)
    fast = load_records(p)
    slow = validate_frame(read_table(p), source=str(p))
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    pd.testing.assert_frame_equal(fast.rejects.reset_index(drop=True), slow.rejects.reset_index(drop=True))
    assert fast.rows_read == 40 and len(fast.frame) + len(fast.rejected_rows) == 40
    assert set(fast.rejects["row"]) == {2, 3, 4, 7, 8, 12, 13}
    assert fast.frame.set_index("row").loc[5, "unit"] == "DSB-HSO"
    assert fast.frame.set_index("row").loc[10, "hire_date"] == pd.Timestamp(h.date())


def test_typed_parquet_dates_out_of_datetime_range(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq
    df = generate_population(3, seed=5)
    t = pa.Table.from_pandas(df.drop(columns=["row"]), preserve_index=False)
    births = [dt.date(1500, 1, 1), dt.date(1980, 1, 1), dt.date(2300, 1, 1)]
    i = t.column_names.index("birth_date")
    t = t.set_column(i, pa.field("birth_date", pa.date32()), pa.array(births, type=pa.date32()))
    p = tmp_path / "old.parquet"
    pq.write_table(t, p)
    rs = load_records(p)
    assert set(rs.rejects["row"]) == {1, 3}
    assert rs.rejects["value"].tolist() == ["1500-01-01", "2300-01-01"]


def test_csv_dates_beyond_what_datetime64_holds_are_rejected_not_crashing(tmp_path):
    p = tmp_path / "old.csv"
    p.write_text("employee_id,birth_date,hire_date,function_code,function_start_date,salary_scale,"
                 "physically_demanding,unit,fte,development_hours_12m\n"
                 "E1,1500-01-01,2010-01-01,HHO-BEL,2020-01-01,5,ja,DSB-HHO,1,0\n"
                 "E2,1980-01-01,2010-01-01,HHO-BEL,9999-01-01,5,ja,DSB-HHO,1,0\n", encoding="utf-8")
    rs = load_records(p)
    assert rs.rows_read == 2 and len(rs.frame) == 0
    assert rs.rejects[["row", "column", "value"]].values.tolist() == [
        [1, "birth_date", "1500-01-01"], [2, "function_start_date", "9999-01-01"]]
    assert rs.rejects["message"].str.contains("must be between 1900-01-01 and 2100-12-31").all()
