"""hpr check and hpr explain through Click's CliRunner."""

import io
import os
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from hpr_cli.main import cli
from hpr_rules.findings import FINDINGS_COLUMNS

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
HEADER = ("employee_id,birth_date,hire_date,employment_end_date,function_code,function_title,function_start_date,"
          "salary_scale,physically_demanding,unit,department,fte,pop_date,development_hours_12m,sick_leave_start,"
          "exemption_until,contract_type\n")


@pytest.fixture
def staff(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(HEADER +
                 "E1,1980-05-05,2010-01-01,,AFV01,Belader,2015-03-01,5,true,DSB-HHO,,1.0,2026-02-01,30,,,vast\n"
                 "E2,1975-01-31,2000-01-01,,GRN01,Hovenier,2024-02-29,4,true,DSB-Groenbedrijf,,0.8,,3.5,,,vast\n"
                 "E3,1990-01-01,2012-01-01,,ADM01,Planner,2020-01-01,8,false,DSB-HSO,,1.0,,0,,,vast\n"
                 "E4,1985-01-01,2011-01-01,,AFV01,Belader,2011-01-01,0,true,DSB-HHO,,1.0,,0,,,vast\n",
                 encoding="utf-8")
    return p


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_check_to_stdout(staff):
    r = run("check", staff, "--date", "2027-03-01", "--rules", ROOT / "rules")
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert list(df.columns) == FINDINGS_COLUMNS
    assert len(df) == 4 * 3  # accepted + rejected rows, each under three rules
    assert set(df.loc[df.employee_id == "E4", "status"]) == {"invalid"}
    assert "salary_scale" in df.loc[df.employee_id == "E4", "reason"].iloc[0]
    assert "4 rows read, 3 accepted, 1 rejected" in r.stderr


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet", "json"])
def test_check_out_formats(staff, tmp_path, ext):
    out = tmp_path / f"findings.{ext}"
    r = run("check", staff, "--date", "2027-03-01", "--out", out)
    assert r.exit_code == 0, r.output
    df = {"csv": pd.read_csv, "xlsx": pd.read_excel, "parquet": pd.read_parquet,
          "json": pd.read_json}[ext](out)
    assert len(df) == 12 and list(df.columns) == FINDINGS_COLUMNS
    assert not list(tmp_path.glob(".findings*"))  # no temporary file left behind


def test_check_engines_agree(staff):
    outs = [run("check", staff, "--date", "2028-02-01", "--engine", e).stdout for e in ("vector", "durable", "reference")]
    assert outs[0] == outs[1] == outs[2]


def test_check_fail_on_and_strict(staff):
    assert run("check", staff, "--date", "2027-03-01", "--fail-on", "violation").exit_code == 1
    assert run("check", staff, "--date", "2026-02-01", "--rule", "max_function_tenure",
               "--fail-on", "violation").exit_code == 0
    r = run("check", staff, "--date", "2027-03-01", "--strict")
    assert r.exit_code == 2 and "rejected" in r.stderr


def test_check_rule_filter_and_unknown_rule(staff):
    r = run("check", staff, "--date", "2027-03-01", "--rule", "mandatory_pop")
    assert r.exit_code == 0
    assert set(pd.read_csv(io.StringIO(r.stdout))["rule_id"]) == {"mandatory_pop"}
    r = run("check", staff, "--date", "2027-03-01", "--rule", "mandatory_pope")
    assert r.exit_code == 2 and "did you mean 'mandatory_pop'" in r.stderr


def test_check_bad_input(tmp_path, staff):
    r = run("check", tmp_path / "nope.csv", "--date", "2027-03-01")
    assert r.exit_code == 2 and "nope.csv" in r.stderr and "Traceback" not in r.output
    r = run("check", staff, "--date", "2027-02-30")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr
    r = run("check", staff, "--out", tmp_path / "x.txt")
    assert r.exit_code == 2 and "extension" in r.stderr


def draft(tmp_path, name, old, new):
    """A copy of the shipped rules with one text replacement in one file."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for p in (ROOT / "rules").glob("*.yaml"):
        text = p.read_text(encoding="utf-8")
        if p.name == name:
            assert old in text
            text = text.replace(old, new)
        (rules / p.name).write_text(text, encoding="utf-8")
    return rules


def test_check_rule_typo_gives_file_line_col(staff, tmp_path):
    rules = draft(tmp_path, "mandatory_pop.yaml", "condition: salary_scale <= max_salary_scale",
                  "condition: salary_scal <= max_salary_scale")
    r = run("check", staff, "--date", "2027-03-01", "--rules", rules)
    assert r.exit_code == 2
    line = next(i for i, t in enumerate((rules / "mandatory_pop.yaml").read_text().splitlines(), 1) if "salary_scal " in t)
    assert f"mandatory_pop.yaml:{line}:14:" in r.stderr
    assert "did you mean 'salary_scale'" in r.stderr


def test_changing_a_parameter_changes_findings_without_code(staff, tmp_path):
    rules = draft(tmp_path, "development_obligation.yaml", "- {from: 2026-01-01, value: 24}",
                  "- {from: 2026-01-01, value: 24}\n      - {from: 2027-01-01, value: 32}")
    before = pd.read_csv(io.StringIO(run("check", staff, "--date", "2027-03-01", "--rule", "development_obligation").stdout))
    after = pd.read_csv(io.StringIO(run("check", staff, "--date", "2027-03-01", "--rule", "development_obligation",
                                        "--rules", rules).stdout))
    e1b, e1a = before[before.employee_id == "E1"].iloc[0], after[after.employee_id == "E1"].iloc[0]
    assert (e1b.status, e1b.required_hours) == ("compliant", 24)
    assert (e1a.status, e1a.required_hours, e1a.shortfall_hours) == ("violation", 32, 2)


def test_explain_text_and_json(staff):
    r = run("explain", staff, "--employee", "E2", "--date", "2027-03-01")
    assert r.exit_code == 0, r.output
    assert "Doorontwikkelverplichting" in r.stdout and "art. 9:3b" in r.stdout and "Uitkomst" in r.stdout
    r = run("explain", staff, "--employee", "E2", "--date", "2027-03-01", "--lang", "en", "--rule", "mandatory_pop")
    assert "Outcome: violation (no POP yet)" in r.stdout
    r = run("explain", staff, "--employee", "E2", "--date", "2027-03-01", "--format", "json")
    data = json.loads(r.stdout)
    assert [x["rule_id"] for x in data["rules"]] == ["development_obligation", "mandatory_pop", "max_function_tenure"]
    pop = data["rules"][1]
    assert pop["outcome"]["status"] == "violation" and pop["computed"]["due"] == "2026-07-01"


def test_explain_unknown_or_rejected_employee(staff):
    r = run("explain", staff, "--employee", "E9", "--date", "2027-03-01")
    assert r.exit_code == 2 and "not found" in r.stderr
    r = run("explain", staff, "--employee", "E4", "--date", "2027-03-01")
    assert r.exit_code == 2 and "rejected" in r.stderr


def test_dataset_mode_equals_single_file(tmp_path, staff):
    from hpr_rules.records import load_records, write_records
    rs = load_records(staff)
    ds = tmp_path / "ds"
    ds.mkdir()
    write_records(rs.frame.iloc[:2].drop(columns=["row"]), ds / "a.parquet")
    write_records(rs.frame.iloc[2:].drop(columns=["row"]), ds / "b.parquet")
    single = pd.read_csv(io.StringIO(run("check", staff, "--date", "2027-03-01").stdout), keep_default_na=False)
    single = single[single.status != "invalid"].reset_index(drop=True)
    out = tmp_path / "out"
    for _ in range(2):  # a second run into the same directory replaces the first
        r = run("check", ds, "--date", "2027-03-01", "--out", out)
        assert r.exit_code == 0, r.output
        parts = sorted(out.glob("part-*.parquet"))
        assert len(parts) == 2 and (out / "_SUCCESS").exists()
        got = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        assert got["employee_id"].astype(str).tolist() == single["employee_id"].tolist()
        assert got["status"].astype(str).tolist() == single["status"].tolist()
        (out / "part-00007.parquet").write_bytes(b"from an earlier run of more files")


def test_findings_of_one_file_into_a_directory_is_a_usage_error(tmp_path, staff):
    r = run("check", staff, "--date", "2027-03-01", "--out", tmp_path)
    assert r.exit_code == 2 and "is a directory" in r.stderr and "Traceback" not in r.stderr


def test_chunked_stream_equals_whole_file(tmp_path, staff):
    text = staff.read_text(encoding="utf-8")
    lines = text.splitlines()
    # more rows, a duplicate id in a later chunk, and a line with too many fields
    extra = [lines[1].replace("E1,", f"X{i},", 1) for i in range(7)] + [lines[2]] + [lines[1].replace("E1,", "Z1,", 1) + ",oops"]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines + extra) + "\n", encoding="utf-8")
    whole = run("check", big, "--date", "2027-03-01")
    assert whole.exit_code == 0, whole.output
    for out, size in ((None, 3), (tmp_path / "f.csv", 1), (tmp_path / "f.parquet", 5), (None, 100)):
        args = ["check", big, "--date", "2027-03-01", "--chunk-size", size] + (["--out", out] if out else [])
        r = run(*args)
        assert r.exit_code == 0, r.output
        got = (pd.read_csv(io.StringIO(r.stdout), keep_default_na=False) if out is None else
               pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out, keep_default_na=False))
        want = pd.read_csv(io.StringIO(whole.stdout), keep_default_na=False)
        ids = got["employee_id"].astype(object)  # text, or a categorical as the whole file's Parquet has
        assert ids.where(ids.notna(), "").astype(str).tolist() == want["employee_id"].tolist()
        assert got["status"].astype(str).tolist() == want["status"].tolist()
        # the same messages, with row numbers of the file, whatever the chunk size
        reasons = got["reason"].astype(object)
        assert reasons.where(reasons.notna(), "").astype(str).tolist() == want["reason"].tolist()
        assert "employee_id E2 occurs 2 times (rows 2, 12)" in want["reason"].tolist()
        assert "13 rows read, 9 accepted, 4 rejected" in r.stderr  # E2 twice, E4 bad scale, Z1 bad line


def test_dataset_rejects_an_id_found_in_two_files(tmp_path, staff):
    from hpr_rules.records import load_records, write_records
    rs = load_records(staff)
    ds = tmp_path / "ds"
    ds.mkdir()
    write_records(rs.frame.iloc[:2].drop(columns=["row"]), ds / "a.parquet")
    b = rs.frame.iloc[1:].drop(columns=["row"]).copy()  # E2 again, in the second file
    write_records(b, ds / "b.parquet")
    for engine in ("vector",):  # the dask engine: tests/test_cluster.py
        out = tmp_path / f"out-{engine}"
        r = run("check", ds, "--date", "2027-03-01", "--out", out, "--engine", engine)
        assert r.exit_code == 0, r.output
        got = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("part-*.parquet"))], ignore_index=True)
        assert len(got) == (2 + 2) * 3  # nothing lost: every row of both files, under three rules
        e2 = got[got["employee_id"].astype(str) == "E2"]
        assert len(e2) == 6 and (e2["status"] == "invalid").all()
        assert e2["reason"].str.contains("occurs in more than one file of the dataset (a.parquet, b.parquet)",
                                         regex=False).all()
        assert (got[got["employee_id"].astype(str) != "E2"]["status"] != "invalid").all()
        assert "4 rows read, 2 accepted, 2 rejected" in r.stderr


def test_explain_shows_the_values_a_computation_reads(staff):
    r = run("explain", staff, "--employee", "E2", "--date", "2027-03-01", "--rule", "development_obligation",
            "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "hours_per_year = 24 h" in r.stdout and "24 uur" not in r.stdout
    assert "required = max(0, 24 * fte * months / 12 - 24 * fte * absent / 365)" in r.stdout and "fte=0.8" in r.stdout
    r = run("explain", staff, "--employee", "E2", "--date", "2025-06-01", "--rule", "development_obligation")
    assert "Regel nog niet in werking; parameters vanaf 2026-01-01" in r.stdout


@pytest.mark.parametrize("chunk", [[], ["--chunk-size", "10"]])
def test_header_only_file_says_so_without_a_pandas_repr(tmp_path, chunk):
    """An export with the header and no records: no findings, one plain line, no 'Empty DataFrame'."""
    from hpr_rules.records.schema import COLUMNS
    p = tmp_path / "leeg.csv"
    p.write_text(",".join(COLUMNS), encoding="utf-8")  # no line break after the header either
    r = run("check", str(p), "--date", "2027-03-01", "--out", str(tmp_path / "f.csv"), *chunk)
    assert r.exit_code == 0, r.output
    assert "0 rows read, 0 accepted, 0 rejected" in r.stderr
    assert "Empty DataFrame" not in r.stderr and "Index: []" not in r.stderr
    assert "no records to check" in r.stderr


def test_csv_dataset_rejects_an_id_in_two_files(tmp_path):
    """A glob of CSV files (an export split per unit) is one personnel file: an id in two of
    them is rejected in each, as for Parquet, also behind a mapping that renames the id column."""
    from hpr_rules.records import generate_population, write_records
    pop = generate_population(30, seed=5).drop(columns=["row"])
    d = tmp_path / "ds"
    d.mkdir()
    write_records(pop.iloc[:20].reset_index(drop=True), d / "a.csv")
    write_records(pop.iloc[15:].reset_index(drop=True), d / "b.csv")  # E000016..E000020 in both
    r = run("check", str(d / "*.csv"), "--date", "2026-03-01", "--out", str(tmp_path / "o"))
    assert r.exit_code == 0, r.output
    assert "35 rows read, 25 accepted, 10 rejected" in r.stderr
    f = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "o").glob("part-*.parquet"))])
    bad = f.loc[f["status"] == "invalid"]
    assert sorted(set(bad["employee_id"])) == [f"E0000{i}" for i in range(16, 21)]
    assert bad["reason"].str.contains(r"more than one file of the dataset \(a.csv, b.csv\)").all()
    m = tmp_path / "m.yaml"
    m.write_text("rename: {Personeelsnummer: employee_id}\ndelimiter: ';'\n", encoding="utf-8")
    for name in ("a", "b"):
        t = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False).rename(columns={"employee_id": "Personeelsnummer"})
        t.to_csv(d / f"{name}.csv", sep=";", index=False)
    r = run("check", str(d / "*.csv"), "--mapping", str(m), "--date", "2026-03-01", "--out", str(tmp_path / "o2"))
    assert r.exit_code == 0 and "35 rows read, 25 accepted, 10 rejected" in r.stderr, r.output


@pytest.mark.parametrize("magic,kind", [(b"PK\x03\x04", "an Excel workbook"), (b"PAR1", "a Parquet file")])
def test_a_workbook_or_parquet_on_stdin_is_named_as_such(magic, kind):
    """`-` reads CSV; a binary file piped in is one line saying what it is, not a decoding error
    about a temporary file."""
    r = CliRunner().invoke(cli, ["check", "-", "--date", "2027-03-01"], input=magic + b"\x00\x01binary" * 20)
    assert r.exit_code == 2
    assert r.stderr.strip() == f"hpr: error: -: stdin holds {kind}; `-` reads CSV only: give the file's name instead"


def test_lean_arrow_memory_only_before_pyarrow_and_never_over_the_users_choice(monkeypatch):
    import sys

    from hpr_cli import check_cmd
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    check_cmd.lean_arrow_memory()  # pyarrow is loaded in this process: Arrow has chosen already
    assert "ARROW_DEFAULT_MEMORY_POOL" not in os.environ
    monkeypatch.delitem(sys.modules, "pyarrow")
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    check_cmd.lean_arrow_memory()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    check_cmd.lean_arrow_memory()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "jemalloc"
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    monkeypatch.setattr(sys, "platform", "win32")
    check_cmd.lean_arrow_memory()
    assert "ARROW_DEFAULT_MEMORY_POOL" not in os.environ
