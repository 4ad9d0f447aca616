"""Every command that reads personnel data takes the read flags of `hpr check`, through the one
`read_options` decorator and the one reader: a Dutch export (title block, `;`, cp1252, decimal
comma, dd-mm-jjjj dates that do not show they are day first) through each of them."""

import json

import pandas as pd
import pytest

from conftest import ROOT, run_cli
from test_records_dutch import HEADER, _rows

FLAGS = ["--header-row", "3", "--date-format", "%d-%m-%Y", "--delimiter", ";", "--encoding", "cp1252",
         "--decimal", ","]
DAY = "2027-03-01"


@pytest.fixture
def export(tmp_path):
    """12 employees under a two-line title block; no date shows a day above 12."""
    rows = _rows(12, day_first_evidence=False)
    lines = ["Personeelsoverzicht DSB;;;", "peildatum 01-01-2027;;;", ";".join(HEADER)] + [";".join(r) for r in rows]
    p = tmp_path / "export.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return p


def test_check_reads_the_export_with_the_flags(export):
    r = run_cli("check", export, "--date", DAY, *FLAGS)
    assert r.exit_code == 0, r.output
    assert "12 rows read, 12 accepted, 0 rejected" in r.stderr


def test_rules_diff_reads_data_with_the_flags(export):
    args = ("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--data", export, "--date", "2029-01-01",
            "--format", "json", "--lang", "en")
    r = run_cli(*args, *FLAGS)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["population"] == f"{export} (12 rows read, 0 rejected and left out)"
    without = run_cli(*args)
    assert without.exit_code == 2 or "12 rows read, 0 rejected" not in without.stdout


def test_rules_timeline_reads_data_with_the_flags(export):
    r = run_cli("rules", "timeline", export, "--employee", "E3", "--from", "2027-01-01", "--to", "2027-12-31",
                "--format", "json", *FLAGS)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)


def test_report_reads_data_with_the_flags(export, tmp_path):
    findings = tmp_path / "findings.csv"
    assert run_cli("check", export, "--date", DAY, "--out", findings, *FLAGS).exit_code == 0
    out = tmp_path / "compliance.md"
    r = run_cli("report", findings, "--data", export, "--out", out, *FLAGS)
    assert r.exit_code == 0, r.output
    assert out.exists() and "export.csv" in out.read_text(encoding="utf-8")
    without = run_cli("report", findings, "--data", export, "--out", tmp_path / "x.md")
    assert without.exit_code == 2  # the data cannot be read as they are: findings and data do not match


@pytest.mark.parametrize("command", [["scenario", "run", "baseline"],
                                     ["scenario", "compare", "baseline", "no_tenure_limit"]])
def test_scenario_reads_data_with_the_flags(export, tmp_path, command):
    out = tmp_path / "result.json"
    r = run_cli(*command, "--data", export, "--runs", "1", "--out", out, *FLAGS)
    assert r.exit_code == 0, r.output
    result = json.loads(out.read_text(encoding="utf-8"))
    for one in result if isinstance(result, list) else [result]:
        assert one["provenance"]["data_source"].endswith("export.csv (12 rows, 0 rejected)")


def test_flags_without_data_are_an_error(tmp_path):
    r = run_cli("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--date", "2029-01-01",
                "--delimiter", ";")
    assert r.exit_code == 2
    assert r.stderr.strip() == "hpr: error: --delimiter says how --data is read; give --data FILE"
    r = run_cli("scenario", "run", "baseline", "--runs", "1", "--date-format", "%d-%m-%Y", "--sheet", "2")
    assert r.exit_code == 2 and "--date-format, --sheet say how --data is read" in r.stderr


@pytest.mark.parametrize("command", [["rules", "diff"], ["rules", "timeline"], ["report"], ["scenario", "run"],
                                     ["scenario", "compare"], ["scenario", "sweep"], ["scenario", "breakeven"],
                                     ["check"], ["explain"], ["data", "validate"]])
def test_every_reading_command_has_the_same_flags(command):
    text = run_cli(*command, "--help").stdout
    for flag in ("--delimiter", "--encoding", "--decimal", "--date-format", "--sheet", "--header-row", "--mapping"):
        assert flag in text, (command, flag)
