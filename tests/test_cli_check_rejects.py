"""``hpr check --rejects FILE``: the rejected input rows, the table ``hpr data validate --rejects``
writes, the same whole, streamed and (with the file's name) on a dataset."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from hpr_rules.records import generate_population
from hpr_rules.records.schema import REJECT_COLUMNS

HEAD = ("employee_id,birth_date,hire_date,function_code,function_start_date,salary_scale,physically_demanding,"
        "unit,fte,development_hours_12m\n")
OK = "1980-01-01,2010-01-01,X,2010-01-01,5,true,U,1,0"


def _damaged(path):
    lines = [f"E{i},{OK}\n" for i in range(1, 13)]
    lines[2] = 'E3,1980-01-01,"2010-01-01,X,2010-01-01,5,true,U,1,0\n'  # an unbalanced quote
    lines[4] = f"E5,{OK},extra\n"  # a field too many
    lines[6] = "E7,1980-01-01,2010-01-01,X,2010-01-01,=SUM(1),true,U,1,0\n"  # no number, and a formula
    lines[9] = f"E1,{OK}\n"  # E1 again, in another chunk
    lines[10] = "E11,1980-01-01,2010-01-01,X,2010-01-01,5,true,U,2,0\n"
    path.write_text(HEAD + "".join(lines))
    return path


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_rejects_of_a_file_with_damaged_lines_whole_and_streamed(tmp_path):
    p = _damaged(tmp_path / "staff.csv")
    r = run_cli("-q", "check", p, "--date", "2027-03-01", "-o", tmp_path / "f.csv", "--rejects", tmp_path / "r.csv")
    assert r.exit_code == 0, r.output
    t = _read(tmp_path / "r.csv")
    assert list(t.columns) == REJECT_COLUMNS
    got = t[["row", "line", "employee_id", "column"]].values.tolist()
    assert got == [["1", "2", "E1", "employee_id"], ["3", "4", "E3", "(line)"], ["5", "6", "", "(line)"],
                   ["7", "8", "E7", "salary_scale"], ["10", "11", "E1", "employee_id"],
                   ["11", "12", "E11", "fte"]]
    assert t["message"][0] == "employee_id E1 occurs 2 times (rows 1, 10)"
    assert "unbalanced quote" in t["message"][1] and "line 6 has 11 fields" in t["message"][2]
    assert t["value"][3] == "'=SUM(1)"  # a spreadsheet never runs it
    invalid = _read(tmp_path / "f.csv").query("status == 'invalid'")["employee_id"]
    assert set(invalid) == {"E1", "E3", "E7", "E11", ""}
    for size in (1, 4, 5):
        r = run_cli("-q", "check", p, "--date", "2027-03-01", "-o", tmp_path / "s.csv", "--chunk-size", size,
                    "--rejects", tmp_path / "rs.csv")
        assert r.exit_code == 0, r.output
        assert (tmp_path / "rs.csv").read_bytes() == (tmp_path / "r.csv").read_bytes()


@pytest.mark.parametrize("ext", ["parquet", "xlsx", "json"])
def test_rejects_by_extension_hold_the_same_table(tmp_path, ext):
    p = _damaged(tmp_path / "staff.csv")
    run_cli("-q", "check", p, "--date", "2027-03-01", "-o", tmp_path / "f.csv", "--rejects", tmp_path / "r.csv")
    r = run_cli("-q", "check", p, "--date", "2027-03-01", "-o", tmp_path / "f.csv", "--rejects",
                tmp_path / f"r.{ext}")
    assert r.exit_code == 0, r.output
    want = _read(tmp_path / "r.csv")
    got = {"parquet": pd.read_parquet, "xlsx": pd.read_excel, "json": pd.read_json}[ext](tmp_path / f"r.{ext}")
    assert list(got.columns) == REJECT_COLUMNS and len(got) == len(want)
    assert got["message"].tolist() == want["message"].tolist()
    assert [int(v) for v in got["row"]] == [int(v) for v in want["row"]]


def _numbers(tmp_path, n=40):
    pop = generate_population(n, seed=4, reference_date=dt.date(2026, 6, 1)).drop(columns=["row"])
    t = pa.Table.from_pandas(pop, preserve_index=False)
    ids = list(range(500, 500 + n))
    ids[30] = 503  # again, 27 rows on
    t = t.set_column(0, "employee_id", pa.array(ids, pa.int64()))
    fte = t.column("fte").to_pylist()
    fte[12] = 1.5
    return t.set_column(t.schema.get_field_index("fte"), "fte", pa.array(fte, pa.float64()))


def test_rejects_of_a_parquet_file_whole_streamed_and_split(tmp_path):
    t = _numbers(tmp_path)
    pq.write_table(t, tmp_path / "staff.parquet")
    (tmp_path / "ds").mkdir()
    pq.write_table(t.slice(0, 20), tmp_path / "ds" / "a.parquet")
    pq.write_table(t.slice(20), tmp_path / "ds" / "b.parquet")
    # the whole file (xlsx findings are made whole), and in batches of 7
    r = run_cli("-q", "check", tmp_path / "staff.parquet", "--date", "2027-03-01", "-o", tmp_path / "f.xlsx",
                "--rejects", tmp_path / "whole.csv")
    assert r.exit_code == 0, r.output
    r = run_cli("-q", "check", tmp_path / "staff.parquet", "--date", "2027-03-01", "-o", tmp_path / "f.parquet",
                "--chunk-size", 7, "--rejects", tmp_path / "streamed.csv")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    whole = _read(tmp_path / "whole.csv")
    assert whole[["row", "line", "employee_id", "column"]].values.tolist() == [
        ["4", "", "503", "employee_id"], ["13", "", "512", "fte"], ["31", "", "503", "employee_id"]]
    r = run_cli("-q", "check", tmp_path / "ds", "--date", "2027-03-01", "-o", tmp_path / "out",
                "--rejects", tmp_path / "split.csv")
    assert r.exit_code == 0, r.output
    split = _read(tmp_path / "split.csv")
    assert list(split.columns) == ["file", *REJECT_COLUMNS]
    assert split[["file", "row", "employee_id", "column"]].values.tolist() == [
        ["a.parquet", "4", "503", "employee_id"], ["a.parquet", "13", "512", "fte"],
        ["b.parquet", "11", "503", "employee_id"]]
    assert split["message"][0] == "employee_id 503 occurs in more than one file of the dataset (a.parquet, b.parquet)"


def test_no_rejected_row_writes_the_header_alone(tmp_path):
    p = tmp_path / "ok.csv"
    p.write_text(HEAD + f"E1,{OK}\n")
    r = run_cli("-q", "check", p, "--date", "2027-03-01", "-o", tmp_path / "f.csv", "--rejects", tmp_path / "r.csv")
    assert r.exit_code == 0, r.output
    assert list(_read(tmp_path / "r.csv").columns) == REJECT_COLUMNS and len(_read(tmp_path / "r.csv")) == 0


def test_rejects_never_overwrites_the_input_or_the_findings(tmp_path):
    p = _damaged(tmp_path / "staff.csv")
    before = p.read_bytes()
    r = run_cli("check", p, "--date", "2027-03-01", "-o", tmp_path / "f.csv", "--rejects", p)
    assert r.exit_code == 2 and "Traceback" not in r.output and p.read_bytes() == before
    r = run_cli("check", p, "--date", "2027-03-01", "-o", tmp_path / "f.csv", "--rejects", tmp_path / "f.csv")
    assert r.exit_code == 2 and "--rejects and --out name the same file" in r.output
    assert not (tmp_path / "f.csv").exists()


def test_help_shows_rejects_with_an_example():
    r = run_cli("check", "--help")
    assert "--rejects" in r.output and "--rejects rejects.csv" in r.output


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx"])
def test_a_check_that_fails_leaves_no_rejects_file(tmp_path, ext):
    from hpr_rules.records.recordset import empty_rejects
    from hpr_rules.scale import RejectsFile
    table = pd.concat([empty_rejects(), pd.DataFrame({"row": [3], "line": [4], "employee_id": ["E3"],
                                                      "column": ["fte"], "value": ["2"], "message": ["fte ..."]})],
                      ignore_index=True)
    path = tmp_path / f"r.{ext}"
    with pytest.raises(ValueError, match="a later part"):
        with RejectsFile(path) as rf:
            rf.add(table)
            raise ValueError("a later part cannot be read")
    assert list(tmp_path.iterdir()) == []
    with RejectsFile(path) as rf:
        rf.add(table)
        rf.add(table.assign(row=9))
    got = {"csv": pd.read_csv, "parquet": pd.read_parquet, "xlsx": pd.read_excel}[ext](path)
    assert got["row"].tolist() == [3, 9] and rf.rows == 2 and list(got.columns) == REJECT_COLUMNS
