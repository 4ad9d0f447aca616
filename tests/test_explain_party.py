"""``hpr explain --format json`` says whose failing an outcome is (``party``), as the text
says it: ``employer`` for a violation or due_soon whose reason is the employer's failing
(``party: employer`` in the rule file, such as no_offer), ``employee`` for any other
violation or due_soon, null for an outcome that asks nobody to act."""

import json

import pytest

from conftest import OFFERS_HEADER, ROOT, run_cli

#: E1: no offers made (the employer's failing); E2: offers made, no POP (the employee's);
#: E3: out of scope (not physically demanding)
ROWS = ("E1,1980-05-05,2010-01-01,,HHO-BEL,Belader,2020-03-01,5,true,DSB-HHO,,1,,0,,,vast,nee,nee\n"
        "E2,1980-05-05,2010-01-01,,HHO-BEL,Belader,2020-03-01,5,true,DSB-HHO,,1,,0,,,vast,ja,ja\n"
        "E3,1980-05-05,2010-01-01,,ADM01,Planner,2020-01-01,5,false,DSB-HSO,,1,,0,,,vast,ja,ja\n")
DAY = "2028-03-01"


@pytest.fixture()
def staff(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(OFFERS_HEADER + ROWS, encoding="utf-8")
    return p


def _json(staff, who):
    r = run_cli("explain", staff, "--employee", who, "--date", DAY, "--rules", ROOT / "rules", "--format", "json")
    assert r.exit_code == 0, r.output
    return {x["rule_id"]: x for x in json.loads(r.stdout)["rules"]}


def test_the_outcome_names_whose_failing_it_is(staff):
    e1, e2, e3 = (_json(staff, w) for w in ("E1", "E2", "E3"))
    assert {k: (v["outcome"]["status"], v["outcome"]["reason"], v["outcome"]["party"]) for k, v in e1.items()} == {
        "development_obligation": ("violation", "no_offer", "employer"),
        "mandatory_pop": ("violation", "no_pop", "employee"),
        "max_function_tenure": ("violation", "no_offer", "employer")}
    assert {v["outcome"]["party"] for v in e2.values() if v["outcome"]["status"] == "violation"} == {"employee"}
    assert {v["outcome"]["status"] for v in e3.values()} == {"not_applicable"}
    assert all("party" in v["outcome"] and v["outcome"]["party"] is None for v in e3.values())


def test_norm_steps_carry_the_party_too(staff):
    steps = _json(staff, "E1")["development_obligation"]["steps"]
    norm = [s for s in steps if s["kind"] == "norm"]
    assert norm and all("party" in s for s in norm) and not any("party" in s for s in steps if s["kind"] != "norm")
    assert {(s["status"], s["reason"], s["party"]) for s in norm} >= {("violation", "no_offer", "employer"),
                                                                      ("due_soon", "no_offer", "employer")}
    assert all(s["party"] is None for s in norm if s["status"] == "compliant")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_json_and_text_agree_on_the_employers_failing(staff, lang):
    words = {"nl": "tekortkoming werkgever", "en": "employer's failing"}[lang]
    for who in ("E1", "E2"):
        r = run_cli("explain", staff, "--employee", who, "--date", DAY, "--rules", ROOT / "rules", "--lang", lang)
        outcomes = [x.lower() for x in r.stdout.splitlines() if x.startswith("└─")]
        parties = [v["outcome"]["party"] for v in _json(staff, who).values()]
        assert [words in x for x in outcomes] == [p == "employer" for p in parties]


def test_the_python_api_gives_the_same(staff):
    import hpr_rules as hpr
    e = hpr.explain(staff, "E1", DAY, rules=ROOT / "rules")
    assert {r["rule_id"]: r["outcome"]["party"] for r in e.to_dict()["rules"]} == {
        k: v["outcome"]["party"] for k, v in _json(staff, "E1").items()}
    assert "party" in e.to_frame().columns  # the norm steps' column in the step table
