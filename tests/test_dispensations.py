"""Dispensations per rule and the hardship clause: the side table, the CLI, the engines."""

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hpr_rules.engines import ENGINES, evaluate
from hpr_rules.language import load_rulebook
from hpr_rules.records import generate_population
from hpr_rules.records.sidetables import attach_dispensations, load_dispensations

from conftest import CSV_HEADER, run_cli

ROOT = Path(__file__).resolve().parents[1]
HEADER = CSV_HEADER
run = run_cli


@pytest.fixture
def staff(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(HEADER +
                 "E1,1980-05-05,2010-01-01,,AFV01,Belader,2015-03-01,5,true,DSB-HHO,,1.0,,0,,,vast\n"
                 "E2,1980-05-05,2010-01-01,,AFV01,Belader,2015-03-01,5,true,DSB-HHO,,1.0,,0,,,vast\n",
                 encoding="utf-8")
    return p


@pytest.fixture
def dispensations(tmp_path):
    p = tmp_path / "disp.csv"
    p.write_text("employee_id,rule_id,until,ground\n"
                 "E1,max_function_tenure,2029-12-31,hardheidsclausule\n"
                 "E1,mandatory_pop,2028-06-30,medische redenen\n"
                 "E2,max_functon_tenure,2029-12-31,hardheidsclausule\n"
                 "E9,mandatory_pop,2029-12-31,medische redenen\n"
                 "E2,mandatory_pop,31-12-2029,medische redenen\n"
                 "E2,mandatory_pop,2029-12-31,\n", encoding="utf-8")
    return p


def test_check_with_dispensations_per_rule(staff, dispensations):
    r = run("check", staff, "--date", "2028-03-01", "--rules", ROOT / "rules", "--dispensations", dispensations)
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False).set_index(["employee_id", "rule_id"])
    assert df.loc[("E1", "max_function_tenure"), "reason"] == "hardship"
    assert df.loc[("E1", "mandatory_pop"), ["status", "reason"]].tolist() == ["exempt", "dispensation"]
    assert df.loc[("E1", "development_obligation"), "status"] == "violation"  # not dispensed from this rule
    assert df.loc[("E2", "max_function_tenure"), "status"] == "violation"  # its rows were all rejected
    # every rejected row is named with its row, column and why; nothing is dropped silently
    assert "disp.csv: row 3 (line 4): [rule_id] no rule 'max_functon_tenure' in the draft; did you mean 'max_function_tenure'?" in r.stderr
    assert "disp.csv: row 4 (line 5): [employee_id] no accepted personnel record" in r.stderr
    assert "disp.csv: row 5 (line 6): [until] not a date YYYY-MM-DD" in r.stderr
    assert "disp.csv: row 6 (line 7): [ground] ground is required" in r.stderr
    assert "6 rows read, 2 used, 4 rejected" in r.stderr


def test_without_dispensations_findings_are_unchanged(staff, tmp_path):
    empty = tmp_path / "none.csv"
    empty.write_text("employee_id,rule_id,until,ground\n", encoding="utf-8")
    a = run("check", staff, "--date", "2028-03-01", "--rules", ROOT / "rules")
    b = run("check", staff, "--date", "2028-03-01", "--rules", ROOT / "rules", "--dispensations", empty)
    assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout


def test_explain_shows_the_per_rule_dispensation(staff, dispensations):
    r = run("explain", staff, "--employee", "E1", "--date", "2028-03-01", "--rule", "max_function_tenure",
            "--rules", ROOT / "rules", "--dispensations", dispensations, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "hardheidsclausule" in r.stdout and "dispensation_max_function_tenure_until=2029-12-31" in r.stdout


def test_dispensation_table_missing_column_is_one_clear_error(staff, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("employee_id,rule,until,ground\nE1,mandatory_pop,2029-01-01,x\n", encoding="utf-8")
    r = run("check", staff, "--date", "2028-03-01", "--rules", ROOT / "rules", "--dispensations", p)
    assert r.exit_code == 2 and "required column 'rule_id' is not in the file; did you mean 'rule'?" in r.stderr
    assert "Traceback" not in r.output


def test_engines_agree_with_dispensations():
    book = load_rulebook(ROOT / "rules")
    pop = generate_population(300, seed=3)
    rows = [(e, rid, pd.Timestamp("2028-06-30"), g) for k, e in enumerate(pop["employee_id"][:120])
            for rid, g in [(book.ids()[k % 3], "hardheidsclausule" if k % 2 else "andere grond")]]
    frame = attach_dispensations(pop, pd.DataFrame(rows, columns=["employee_id", "rule_id", "until", "ground"]))
    import datetime as dt
    for day in (dt.date(2027, 3, 1), dt.date(2028, 7, 1)):
        results = [evaluate(frame, book, day, engine=e) for e in ENGINES]
        for other in results[1:]:
            pd.testing.assert_frame_equal(results[0], other)
    f = evaluate(frame, book, dt.date(2027, 3, 1))
    assert {"hardship", "dispensation"} <= set(f["reason"])


def test_per_rule_columns_follow_the_rule_id_in_yaml(tmp_path, staff):
    d = tmp_path / "rules"
    d.mkdir()
    for p in (ROOT / "rules").glob("*.yaml"):
        text = p.read_text(encoding="utf-8").replace("id: max_function_tenure", "id: tenure_limit")
        (d / p.name).write_text(text, encoding="utf-8")
    disp = tmp_path / "d.csv"
    disp.write_text("employee_id,rule_id,until,ground\nE1,tenure_limit,2029-12-31,hardheidsclausule\n",
                    encoding="utf-8")
    table = load_dispensations(disp, load_rulebook(d).ids(), ["E1", "E2"])
    assert len(table.frame) == 1 and not len(table.rejects)
    r = run("check", staff, "--date", "2028-03-01", "--rules", d, "--dispensations", disp)
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False).set_index(["employee_id", "rule_id"])
    assert df.loc[("E1", "tenure_limit"), "reason"] == "hardship"
