"""Outputs never destroy an input, never half-written, one line on failure."""

import os

import pandas as pd
import pytest
from click.testing import CliRunner

from hpr_cli.main import cli
from hpr_rules.errors import InputError
from hpr_rules.outputs import SUCCESS, XLSX_MAX_ROWS, table_bytes


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def staff(tmp_path):
    from hpr_rules.records import generate_population, write_records
    p = tmp_path / "staff.csv"
    write_records(generate_population(20, seed=1), p)
    return p


def test_out_that_is_the_input_is_refused(staff, tmp_path):
    before = staff.read_bytes()
    for out in (staff, tmp_path / "." / "staff.csv"):
        r = run("check", staff, "--date", "2027-03-01", "--out", out)
        assert r.exit_code == 2 and "--out is the input file" in r.stderr
    link = tmp_path / "link.csv"
    os.symlink(staff, link)
    r = run("check", staff, "--date", "2027-03-01", "--out", link, "--chunk-size", 5)
    assert r.exit_code == 2 and "--out is the input file" in r.stderr
    assert staff.read_bytes() == before


def test_dataset_out_with_a_suffix_is_refused_and_parts_get_a_marker(staff, tmp_path):
    from hpr_rules.records import load_records, write_records
    ds = tmp_path / "ds"
    ds.mkdir()
    frame = load_records(staff).frame
    write_records(frame.iloc[:10].drop(columns=["row"]), ds / "a.parquet")
    write_records(frame.iloc[10:].drop(columns=["row"]), ds / "b.parquet")
    r = run("check", ds, "--date", "2027-03-01", "--out", tmp_path / "ds.csv")
    assert r.exit_code == 2 and "directory of parts" in r.stderr and not (tmp_path / "ds.csv").exists()
    out = tmp_path / "findings"
    out.mkdir()
    (out / ".part-00000.parquet.x1.tmp").write_bytes(b"half")  # left by a killed run
    (out / "part-00007.parquet").write_bytes(b"old")
    r = run("check", ds, "--date", "2027-03-01", "--out", out)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [SUCCESS, "part-00000.parquet", "part-00001.parquet"]
    assert sum(len(pd.read_parquet(p)) for p in out.glob("part-*.parquet")) == 20 * 3


def test_xlsx_over_the_sheet_limit_is_one_line():
    df = pd.DataFrame({"a": range(XLSX_MAX_ROWS + 1)})
    with pytest.raises(InputError, match=r"1,048,576 rows do not fit in one Excel sheet.*parquet or \.csv"):
        table_bytes(df, "xlsx")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_directory_is_one_line(staff, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = run("check", staff, "--date", "2027-03-01", "--out", ro / "f.csv")
        assert r.exit_code == 2 and "cannot write" in r.stderr and "Traceback" not in r.output
    finally:
        ro.chmod(0o700)


def test_write_failure_is_one_line_and_leaves_no_temporary_file(tmp_path):
    from hpr_rules.outputs import atomic_write

    def broken(tmp):
        open(tmp, "wb").write(b"half")
        raise OSError(28, "No space left on device")
    with pytest.raises(InputError, match="cannot write: No space left on device"):
        atomic_write(tmp_path / "f.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_invalid_utf8_in_parquet_is_one_line(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    p = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"employee_id": pa.array([b"E\xff1"], pa.binary())}).cast(
        pa.schema([("employee_id", pa.string())]), safe=False), p)
    r = run("check", p, "--date", "2027-03-01")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "bad.parquet" in r.stderr
