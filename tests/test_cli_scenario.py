"""hpr scenario run/compare/sweep and hpr report through CliRunner."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpr_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def scen(tmp_path):
    for name in ("baseline.yaml", "no_tenure_limit.yaml"):
        (tmp_path / name).write_text((ROOT / "scenarios" / name).read_text(encoding="utf-8"), encoding="utf-8")
    small = tmp_path / "small.yaml"
    small.write_text("extends: baseline.yaml\nname: Klein\nhorizon_years: 2\nruns: 3\npopulation:\n  synthetic: {n: 300, seed: 2}\n",
                     encoding="utf-8")
    nolimit = tmp_path / "small_nolimit.yaml"
    nolimit.write_text("extends: no_tenure_limit.yaml\nname: Klein zonder limiet\nhorizon_years: 2\nruns: 3\n"
                       "population:\n  synthetic: {n: 300, seed: 2}\n", encoding="utf-8")
    return small, nolimit


def test_run_writes_every_format(scen, tmp_path):
    small, _ = scen
    for ext in ("json", "html", "md", "xlsx"):
        out = tmp_path / f"r.{ext}"
        r = run("scenario", "run", small, "--out", out, "--timestamp", "2026-01-01T00:00:00")
        assert r.exit_code == 0, r.output
        assert ("uitvoerbaar" in r.stdout) and out.exists()
        assert "Jaar" in r.stdout and "Verschuivingen nodig" in r.stdout  # the projection year by year
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["scenario"]["name"] == "Klein" and len(data["years"]) == 2
    r = run("report", tmp_path / "r.json", "--out", tmp_path / "again.html", "--timestamp", "2026-01-01T00:00:00")
    assert r.exit_code == 0
    assert (tmp_path / "again.html").read_bytes() == (tmp_path / "r.html").read_bytes()


def test_compare_and_sweep(scen, tmp_path):
    small, nolimit = scen
    r = run("scenario", "compare", small, nolimit, "--out", tmp_path / "c.html")
    assert r.exit_code == 0, r.output
    assert "[1] Klein" in r.stdout and "[2] Klein zonder limiet" in r.stdout
    assert "Scenario's naast elkaar" in __import__("html").unescape((tmp_path / "c.html").read_text())
    r = run("scenario", "sweep", small, "--set", "max_function_tenure.max_years=5,10")
    assert r.exit_code == 0, r.output
    assert "max_years = 5" in r.stdout and "max_years = 10" in r.stdout


def test_compare_is_one_report_with_the_scenarios_side_by_side(scen, tmp_path):
    import html as html_lib
    import openpyxl
    small, nolimit = scen
    r = run("scenario", "compare", small, nolimit, "--year", "2031", "--out", tmp_path / "c.html")
    assert r.exit_code == 2 and "--year 2031" in r.stderr and "2026, 2027" in r.stderr  # before any projection
    assert "Klein" not in r.stdout
    r = run("scenario", "compare", small, nolimit, "--year", "2026", "--out", tmp_path / "c.html",
            "--timestamp", "2026-01-01T00:00:00")
    assert r.exit_code == 0, r.output
    page = html_lib.unescape((tmp_path / "c.html").read_text())
    head = re.search(r'<table data-table="verdict">\s*<tr>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<th>(.*?)</th>", head) == ["Criterium", "[1] Klein", "[2] Klein zonder limiet"]
    assert page.count("<h2>Oordeel per scenario</h2>") == 1 and "<h2>Scenario: " not in page  # not stacked
    assert "Per groep in 2026" in page and "Per groep in 2027" not in page  # one year for all
    assert page.count("<svg") >= 4  # moves, realised, unmet, cost: scenarios next to each other
    assert "Verblijftijd: regel in werking" in page  # how the scenarios differ
    r = run("scenario", "compare", small, nolimit, "--out", tmp_path / "c.json")
    assert r.exit_code == 0, r.output
    r = run("report", tmp_path / "c.json", "--out", tmp_path / "c.md")
    md = (tmp_path / "c.md").read_text()
    assert r.exit_code == 0 and "## Per groep in 2027" in md  # default: the last year both simulate
    assert md.count("## Oordeel per scenario") == 1
    r = run("report", tmp_path / "c.json", "--year", "2026", "--out", tmp_path / "c.xlsx")
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    ws = wb.worksheets[0]
    assert ws.title == "Oordeel" and [c.value for c in ws[1]] == ["Criterium", "[1] Klein", "[2] Klein zonder limiet"]
    moves = wb["Per jaar"]
    assert all(isinstance(c.value, int) or c.value == "x" for row in moves.iter_rows(min_row=2, min_col=2) for c in row)
    cost = [c for row in wb["Extra kosten"].iter_rows(min_row=2, min_col=2) for c in row if c.value != "x"]
    assert cost and all(isinstance(c.value, (int, float)) and c.comment.text.startswith("P10 – P90: ") for c in cost)


def test_sweep_any_setting_and_breakeven(scen, tmp_path):
    small, _ = scen
    r = run("scenario", "sweep", small, "--set", "mobility.advisor_capacity=5,400", "--runs", "2")
    assert r.exit_code == 0, r.output
    assert "mobility.advisor_capacity = 5" in r.stdout and "mobility.advisor_capacity = 400" in r.stdout
    assert "Personen die moeten verschuiven (looptijd)" in r.stdout  # distinct persons, labelled as horizon totals
    r = run("scenario", "sweep", small, "--set", "mobility.advisor_capacty=5,400")
    assert r.exit_code == 2 and "did you mean 'mobility.advisor_capacity'" in r.output
    r = run("scenario", "breakeven", small, "--vary", "criteria.budget_per_year", "--low", "0", "--high", "1e9",
            "--criterion", "budget", "--steps", "2", "--runs", "2")
    assert r.exit_code == 0, r.output
    assert "break-even: criteria.budget_per_year = " in r.stdout and "100% of runs hold" in r.stdout
    r = run("scenario", "breakeven", small, "--vary", "mobility.advisor_capacity", "--low", "0", "--high", "1",
            "--criterion", "nothing", "--runs", "1")
    assert r.exit_code == 2 and "no criterion 'nothing'" in r.output


def test_scenario_errors(scen, tmp_path):
    small, _ = scen
    r = run("scenario", "sweep", small, "--set", "max_years=5")
    assert r.exit_code == 2 and "RULE.PARAM" in r.output
    r = run("scenario", "run", tmp_path / "missing.yaml")
    assert r.exit_code == 2 and "missing.yaml" in r.stderr
    r = run("scenario", "run", small, "--out", tmp_path / "r.pdf")
    assert r.exit_code == 2 and ".pdf" in r.stderr
    r = run("scenario", "compare", small)
    assert r.exit_code == 2


def test_report_from_findings(tmp_path):
    staff = tmp_path / "staff.csv"
    assert run("data", "generate", "--n", "200", "--seed", "3", "--out", staff).exit_code == 0
    findings = tmp_path / "f.csv"
    assert run("check", staff, "--date", "2027-03-01", "--out", findings).exit_code == 0
    r = run("report", findings, "--data", staff, "--out", tmp_path / "c.html")
    assert r.exit_code == 0, r.output
    html = (tmp_path / "c.html").read_text()
    assert "Controle personeelsbestand" in html and "Per organisatieonderdeel" in html
    assert "E000001" not in html
    r = run("report", staff, "--out", tmp_path / "x.html")
    assert r.exit_code == 2 and "not a findings file" in r.stderr


def test_bad_set_and_bad_out_fail_before_any_projection(tmp_path):
    r = run("scenario", "sweep", ROOT / "scenarios" / "baseline.yaml", "--set", "max_function_tenure.max_yeras=5,7")
    assert r.exit_code == 2 and "--set" in r.output and "did you mean 'max_years'" in r.output
    r = run("scenario", "sweep", ROOT / "scenarios" / "baseline.yaml", "--set", "max_tenure.max_years=5")
    assert r.exit_code == 2 and "max_function_tenure" in r.output
    r = run("scenario", "run", ROOT / "scenarios" / "baseline.yaml", "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2 and ".pdf" in r.output and "uitvoerbaar" not in r.output


def test_source_date_epoch_makes_reports_identical_without_a_flag(scen, tmp_path):
    from click.testing import CliRunner

    from hpr_cli.main import cli
    small, _ = scen
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.html"
        r = CliRunner(env={"SOURCE_DATE_EPOCH": "1767225600"}).invoke(cli, ["scenario", "run", str(small),
                                                                          "--out", str(out)])
        assert r.exit_code == 0, r.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and b"2026-01-01T00:00:00" in outs[0]
