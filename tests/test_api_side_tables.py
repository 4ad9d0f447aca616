"""``hpr.check`` and ``hpr.explain`` take the side tables (dispensations, absences) as paths
or DataFrames, read by the one side-table reader: the findings and explanations are those
of ``hpr check`` / ``hpr explain`` with ``--dispensations`` / ``--absences``."""

import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pytest

import hpr_rules as hpr
from conftest import ROOT, run_cli
from hpr_rules.errors import InputError
from hpr_rules.records import write_records

DAY = "2027-03-01"
RULES = ["development_obligation", "mandatory_pop", "max_function_tenure"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """300 records as a CSV file, and side tables as frames (dates typed) and as CSV files,
    each with rows that cannot be used."""
    d = tmp_path_factory.mktemp("api_side")
    pop = hpr.generate_population(300, seed=5, reference_date=DAY).drop(columns=["row"])
    write_records(pop, d / "staff.csv")
    ids = pop["employee_id"].tolist()
    rng = np.random.default_rng(2)
    pick = rng.choice(len(ids), 60, replace=False)
    start = [dt.date(2025, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 600, len(pick))]
    absences = pd.DataFrame({"employee_id": [ids[i] for i in pick], "start": pd.to_datetime(start),
                             "end": [pd.Timestamp(s + dt.timedelta(days=200)) for s in start],
                             "kind": ["sick", "parental", "unpaid"] * 20})
    absences.loc[len(absences)] = ["NOBODY", pd.Timestamp("2026-01-01"), pd.NaT, "sick"]
    disp = pd.DataFrame({"employee_id": [ids[i] for i in pick[:30]], "rule_id": RULES * 10,
                         "until": pd.Timestamp("2029-12-31"), "ground": "hardheidsclausule"})
    disp.loc[len(disp)] = [ids[0], "mandatory_popp", pd.Timestamp("2029-12-31"), "x"]
    absences.to_csv(d / "absences.csv", index=False, date_format="%Y-%m-%d")
    disp.to_csv(d / "disp.csv", index=False, date_format="%Y-%m-%d")
    return d, pop, absences, disp


def _cli_findings(d, *extra):
    r = run_cli("check", d / "staff.csv", "--date", DAY, "--rules", ROOT / "rules", *extra)
    assert r.exit_code == 0, r.output
    return pd.read_csv(io.StringIO(r.stdout)), r.stderr


def _text(findings):
    """The findings as the command writes them, read back (10 and 10.0 are one number)."""
    buf = io.StringIO()
    findings.to_csv(buf, index=False)
    return pd.read_csv(io.StringIO(buf.getvalue()))


def test_check_with_side_table_paths_equals_the_command(tables):
    d, _, _, _ = tables
    want, stderr = _cli_findings(d, "--absences", d / "absences.csv", "--dispensations", d / "disp.csv")
    got = hpr.check(d / "staff.csv", DAY, rules=ROOT / "rules", absences=d / "absences.csv",
                    dispensations=str(d / "disp.csv"))
    pd.testing.assert_frame_equal(_text(got), want)
    rejects = got.attrs["side_table_rejects"]
    assert [(r["table"], r["row"], r["line"], r["employee_id"], r["column"]) for r in rejects] == [
        (str(d / "disp.csv"), 31, 32, tables[1]["employee_id"].iloc[0], "rule_id"),
        (str(d / "absences.csv"), 61, 62, "NOBODY", "employee_id")]
    assert "disp.csv: row 31 (line 32): [rule_id] no rule 'mandatory_popp'" in stderr


def test_frames_give_the_findings_of_the_files(tables):
    d, pop, absences, disp = tables
    from_files = hpr.check(pop, DAY, rules=ROOT / "rules", absences=d / "absences.csv", dispensations=d / "disp.csv")
    from_frames = hpr.check(pop, DAY, rules=ROOT / "rules", absences=absences, dispensations=disp)
    pd.testing.assert_frame_equal(from_frames, from_files)
    plain = hpr.check(pop, DAY, rules=ROOT / "rules")
    assert (_text(from_frames).astype(str) != _text(plain).astype(str)).any(axis=1).sum() > 10  # they change findings
    assert "side_table_rejects" not in plain.attrs
    assert [r["line"] for r in from_frames.attrs["side_table_rejects"]] == [None, None]  # a frame has no lines
    assert {r["table"] for r in from_frames.attrs["side_table_rejects"]} == {"<frame>"}
    as_text = absences.astype(str).replace({"NaT": ""})  # dates as ISO text read the same
    pd.testing.assert_frame_equal(hpr.check(pop, DAY, rules=ROOT / "rules", absences=as_text),
                                  hpr.check(pop, DAY, rules=ROOT / "rules", absences=absences))


def test_an_empty_table_changes_nothing_and_a_bad_one_is_one_clear_error(tables):
    _, pop, absences, disp = tables
    plain = hpr.check(pop, DAY, rules=ROOT / "rules")
    none = hpr.check(pop, DAY, rules=ROOT / "rules", absences=absences.iloc[:0], dispensations=disp.iloc[:0])
    pd.testing.assert_frame_equal(none, plain)
    assert none.attrs["side_table_rejects"] == []
    with pytest.raises(InputError, match="required column 'kind' is not in the file; did you mean 'kinds'"):
        hpr.check(pop, DAY, rules=ROOT / "rules", absences=absences.rename(columns={"kind": "kinds"}))


def test_explain_with_side_tables_equals_the_command(tables):
    d, pop, absences, disp = tables
    who = disp["employee_id"].iloc[1]  # a dispensation from mandatory_pop
    e = hpr.explain(pop, who, DAY, rules=ROOT / "rules", dispensations=disp, absences=absences)
    r = run_cli("explain", d / "staff.csv", "--employee", who, "--date", DAY, "--rules", ROOT / "rules",
                "--format", "json", "--dispensations", d / "disp.csv", "--absences", d / "absences.csv")
    assert r.exit_code == 0, r.output
    assert e.to_dict() == json.loads(r.stdout)
    pop_rule = {x["rule_id"]: x for x in e.to_dict()["rules"]}["mandatory_pop"]
    assert pop_rule["outcome"]["status"] == "exempt"
    plain = hpr.explain(pop, who, DAY, rules=ROOT / "rules")
    assert {x["rule_id"]: x for x in plain.to_dict()["rules"]}["mandatory_pop"]["outcome"]["status"] != "exempt"
    assert len(e.side_table_rejects) == 2 and plain.side_table_rejects == ()


def test_side_tables_through_the_mapping(tmp_path):
    """A Youforce export with a side table under the export's id header, written in another case."""
    export, mapping = ROOT / "examples" / "youforce_export.csv", ROOT / "examples" / "youforce_mapping.yaml"
    ids = [line.split("|")[0] for line in export.read_text(encoding="cp1252").splitlines()[1:4]]
    yf = pd.DataFrame({"001 PERSONEELSNUMMER": ids, "start": "01-02-2025", "end": "31-08-2025", "kind": "sick"})
    canon = pd.DataFrame({"employee_id": ids, "start": "2025-02-01", "end": "2025-08-31", "kind": "sick"})
    a = hpr.check(export, DAY, rules=ROOT / "rules", mapping=mapping, absences=yf)
    b = hpr.check(export, DAY, rules=ROOT / "rules", mapping=mapping, absences=canon)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["side_table_rejects"] == []
