"""Reasons are shown in words from the rule files (or the label catalogue for the reasons
every rule gives), in Dutch and English: never as a code such as no_offer or hardship."""

import copy
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conftest import OFFERS_HEADER, run_cli
from hpr_rules.language import load_rulebook
from hpr_rules.reports.text import LABELS, reason_label

ROOT = Path(__file__).resolve().parents[1]
DRAFTS = [ROOT / "rules", ROOT / "rules" / "drafts" / "alt", ROOT / "rules" / "drafts" / "due_date"]
ROW = "E1,1980-05-05,2010-01-01,,HHO-BEL,Belader,2020-03-01,5,true,DSB-HHO,,1,,0,,,vast,nee,nee\n"
CODES = ("no_offer", "no_pop", "hardship", "long_term_sick", "near_retirement", "dispensation")


@pytest.mark.parametrize("draft", DRAFTS, ids=lambda p: p.name)
def test_every_reason_a_rule_gives_has_a_label_in_both_languages(draft):
    for r in load_rulebook(draft).rules:
        m = r.model
        for code in [e.reason for e in m.exemptions] + [x.code for x in m.norm.reasons]:
            labels = m.reason_labels()[code]
            assert labels["nl"] and labels["en"] and "_" not in labels["nl"] + labels["en"], (r.id, code)


def test_a_reason_without_a_label_is_shown_as_words():
    assert reason_label("not_employed", "nl") == LABELS["nl"]["not_employed"]
    assert reason_label("brand_new_ground", "en") == "brand new ground"
    assert reason_label("no_offer", "en", {"no_offer": {"nl": "x", "en": "no offer by the employer"}}) == \
        "no offer by the employer"


@pytest.fixture()
def staff(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(OFFERS_HEADER + ROW, encoding="utf-8")
    return p


@pytest.mark.parametrize("lang,word", [("nl", "geen aanbod van de werkgever"), ("en", "no offer by the employer")])
def test_explain_and_timeline_name_the_reason_in_words(staff, lang, word):
    r = run_cli("explain", staff, "--employee", "E1", "--date", "2028-03-01", "--lang", lang)
    assert r.exit_code == 0 and word in r.output
    t = run_cli("rules", "timeline", staff, "--employee", "E1", "--from", "2026-06-01", "--to", "2028-06-01",
                "--lang", lang)
    assert t.exit_code == 0 and word in t.output
    outcomes = [x for x in r.output.splitlines() if x.startswith("└─")]  # the steps quote the expressions
    for code in CODES:
        assert not any(code in x for x in outcomes) and f"({code})" not in t.output


def checked_staff(tmp_path):
    """30 employees, a third each with offers refused, made and not known; checked on
    2028-03-01 into ``tmp_path / "f.csv"``."""
    rows = "".join(ROW.replace("E1", f"E{i}").replace("nee,nee", ["nee,nee", "ja,ja", ","][i % 3])
                   for i in range(30))
    staff = tmp_path / "staff.csv"
    staff.write_text(OFFERS_HEADER + rows, encoding="utf-8")
    assert run_cli("check", staff, "--date", "2028-03-01", "-o", tmp_path / "f.csv").exit_code == 0
    return tmp_path / "f.csv"


@pytest.mark.parametrize("lang,word", [("nl", "Tekortkoming werkgever: geen aanbod van de werkgever"),
                                       ("en", "Employer's failing: no offer by the employer")])
def test_the_compliance_report_counts_outcomes_per_reason_in_words(tmp_path, lang, word):
    checked_staff(tmp_path)
    assert run_cli("report", tmp_path / "f.csv", "-o", tmp_path / "r.md", "--lang", lang).exit_code == 0
    md = (tmp_path / "r.md").read_text(encoding="utf-8").replace("\\_", "_")
    assert word in md
    assert not any(code in md for code in CODES)
    f = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False)
    n = ((f["rule_id"] == "max_function_tenure") & (f["reason"] == "no_offer")).sum()
    line = next(x for x in md.splitlines() if word in x and ("functieverblijftijd" in x or "function tenure" in x))
    # the count itself, or x where the disclosure control hides it
    assert line.rstrip(" |").endswith((f"| {n}", "| x"))


def test_the_scenario_report_names_an_exemption_by_its_label(tmp_path):
    from hpr_rules.reports import render
    from hpr_rules.scenarios import load_scenario, run_scenario
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    sc.model.population.synthetic = sc.model.population.synthetic.model_copy(update={"n": 200})
    sc.model.horizon_years = 1
    result = copy.deepcopy(run_scenario(sc, timestamp="2026-01-01T00:00:00"))
    rid = next(r["id"] for r in result["rules"] if "hardship" in r["reasons"])
    for y in result["years"]:
        y["rules"][rid]["exempt"]["hardship"] = 0  # a reason no one had: shown, with a zero
    for lang, word in (("nl", "Uitgezonderd: hardheidsclausule"), ("en", "Exempt: hardship clause")):
        md = render(result, "md", lang).decode().replace("\\_", "_")
        assert word in md
        assert "long_term_sick" not in md and "near_retirement" not in md and "Exempt: hardship\n" not in md


def test_rules_diff_names_reasons_in_words(staff):
    from hpr_rules.drafts.diff import behavioural_diff, render_markdown
    from hpr_rules.records import load_records
    d = behavioural_diff(load_records(staff), load_rulebook(ROOT / "rules"), load_rulebook(DRAFTS[1]),
                         [dt.date(2028, 6, 1)])
    md = render_markdown(d, "nl")
    assert not d["changes"].empty and "geen aanbod van de werkgever" in md
    assert "(no_offer)" not in md and "(no_pop)" not in md
