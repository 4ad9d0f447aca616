from pathlib import Path

from click.testing import CliRunner

from hpr_cli.main import cli
from hpr_rules.records.dirty import make_dirty_file

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_generate_then_validate(tmp_path):
    out = tmp_path / "staff.csv"
    r = run("data", "generate", "--n", 200, "--seed", 1, "--out", out)
    assert r.exit_code == 0, r.output
    assert out.exists()
    r = run("data", "validate", out, "--strict")
    assert r.exit_code == 0, r.output
    assert "200 rows read, 200 accepted, 0 rejected" in r.output


def test_generate_parquet_with_date(tmp_path):
    out = tmp_path / "staff.parquet"
    r = run("data", "generate", "--n", 50, "--seed", 2, "--out", out, "--date", "2027-03-01")
    assert r.exit_code == 0 and out.exists()


def test_validate_dirty(tmp_path):
    p = tmp_path / "dirty.csv"
    k = make_dirty_file(p, 300, seed=2)
    rej = tmp_path / "rejects.csv"
    r = run("data", "validate", p, "--rejects", rej)
    assert r.exit_code == 0, r.output
    assert f"{300 - k} accepted, {k} rejected" in r.output
    assert "fte must be greater than 0 and at most 1" in r.output
    assert rej.read_text().replace('"', "").startswith("row,line,employee_id,column,value,message")
    r = run("data", "validate", p, "--strict")
    assert r.exit_code == 2


def test_validate_truncates_long_table(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("employee_id,birth_date,hire_date,function_code,function_start_date,salary_scale,"
                 "physically_demanding,unit,fte,development_hours_12m\n"
                 + "".join(f"E{i},1980-01-01,2010-01-01,X,2010-01-01,5,true,U,2,0\n" for i in range(70)))
    r = run("data", "validate", p)
    assert r.exit_code == 0
    assert "... and 20 more failures" in r.output


def test_missing_file_clean_error(tmp_path):
    r = run("data", "validate", tmp_path / "nope.csv")
    assert r.exit_code == 2
    assert "hpr: error:" in r.output and "nope.csv" in r.output and "file not found" in r.output
    assert "Traceback" not in r.output


def test_mapping_missing_column_error(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text('delimiter: "|"\nencoding: cp1252\nrename:\n  Geboortedatum: birth_date\n')
    r = run("data", "validate", ROOT / "examples" / "youforce_export.csv", "--mapping", m)
    assert r.exit_code == 2
    assert "Geboortedatum" in r.output and "did you mean '002 Geboortedatum'" in r.output
    assert "Traceback" not in r.output


def test_youforce_example():
    r = run("data", "validate", ROOT / "examples" / "youforce_export.csv",
            "--mapping", ROOT / "examples" / "youforce_mapping.yaml", "--strict")
    assert r.exit_code == 0, r.output


def test_help_has_examples():
    for cmd in (["data"], ["data", "generate"], ["data", "validate"]):
        r = run(*cmd, "--help")
        assert r.exit_code == 0 and "hpr data" in r.output
