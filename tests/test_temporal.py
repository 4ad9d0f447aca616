"""Temporal checks of a draft (rules validate), the fixed draft, and hpr rules timeline."""

import json
from pathlib import Path

from conftest import CSV_HEADER, run_cli

ROOT = Path(__file__).resolve().parents[1]
FIXED = ROOT / "rules" / "drafts" / "due_date"
HEADER = CSV_HEADER
run = run_cli


def _codes(directory):
    r = run("rules", "validate", directory, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_validate_warns_about_the_concept_draft_and_not_the_fixed_one():
    concept = _codes(ROOT / "rules")
    cliffs = [d for d in concept if d["code"] == "temporal-cliff"]
    assert cliffs and all(d["file"].endswith("max_function_tenure.yaml") for d in cliffs)
    assert any("exempt (near_retirement)" in d["message"] and "violation" in d["message"] or
               "due_soon" in d["message"] for d in cliffs)
    line = next(i for i, t in enumerate((ROOT / "rules" / "max_function_tenure.yaml").read_text(encoding="utf-8")
                                        .splitlines(), 1) if "state_pension_date <= add_months(D, near" in t)
    assert any(d["line"] == line for d in cliffs)
    inside = {d["message"].split("exemption ")[1].split(" ")[0] for d in concept if d["code"] == "deadline-inside-exemption"}
    assert inside == {"'dispensation'", "'hardship'"}
    fixed = _codes(FIXED)
    assert not [d for d in fixed if d["code"] in ("temporal-cliff", "deadline-inside-exemption")]
    assert {d["severity"] for d in fixed} <= {"note"}


def test_fixed_draft_cases_pass():
    r = run("rules", "test", "--rules", FIXED)
    assert r.exit_code == 0 and " 0 failed" in r.stdout, r.output


def test_diff_between_concept_and_fixed_names_who_changes():
    r = run("rules", "diff", ROOT / "rules", FIXED, "--date", "2028-06-01", "--format", "json", "--lang", "en")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    changes = out["changes"]
    tenure = [c for c in changes if c["rule_id"] == "max_function_tenure"]
    assert tenure, "the fixed draft changes someone's tenure outcome"
    # people exempt on the reference date but not on their due date are named, with the cause
    assert any(c["from"] == "exempt/near_retirement" and c["to"] == "violation" for c in tenure)
    assert all(c["employee_id"] for c in tenure)
    assert {c["cause"] for c in tenure} >= {"max_function_tenure: exemption near_retirement"}


def _one(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(HEADER + "E1,1964-02-01,1990-01-01,,AFV01,Belader,2015-03-01,5,true,DSB-HHO,,1.0,2026-02-01,30,,,vast\n",
                 encoding="utf-8")
    return p


def test_timeline_shows_the_cliff_day_by_day(tmp_path):
    staff = _one(tmp_path)
    r = run("rules", "timeline", staff, "--employee", "E1", "--from", "2026-01-01", "--to", "2029-12-31",
            "--rule", "max_function_tenure", "--rules", ROOT / "rules", "--format", "json")
    assert r.exit_code == 0, r.output
    segs = json.loads(r.stdout)["max_function_tenure"]
    got = [(s["start"], s["end"], s["status"], s["reason"]) for s in segs]
    assert got == [("2026-01-01", "2026-12-31", "compliant", ""), ("2027-01-01", "2028-01-01", "due_soon", ""),
                   ("2028-01-02", "2028-04-30", "violation", ""),
                   ("2028-05-01", "2029-12-31", "exempt", "near_retirement")]
    assert "near_retirement" in segs[-1]["why"][0] and "2028-01-01" in segs[2]["why"][0]
    r = run("rules", "timeline", staff, "--employee", "E1", "--from", "2026-01-01", "--to", "2029-12-31",
            "--rule", "max_function_tenure", "--rules", FIXED, "--lang", "en")
    assert r.exit_code == 0
    assert "exempt" not in r.stdout and "2028-01-02 … 2029-12-31  violation" in r.stdout


def test_timeline_errors_are_one_line(tmp_path):
    staff = _one(tmp_path)
    r = run("rules", "timeline", staff, "--employee", "E2", "--from", "2026-01-01", "--to", "2026-12-31",
            "--rules", ROOT / "rules")
    assert r.exit_code == 2 and "employee 'E2' not found" in r.stderr and "Traceback" not in r.output
    r = run("rules", "timeline", staff, "--employee", "E1", "--from", "2027-01-01", "--to", "2026-12-31",
            "--rules", ROOT / "rules")
    assert r.exit_code == 2 and "lies before --from" in r.stderr
