"""An outcome whose reason is the employer's failing (a norm reason with ``party: employer``,
such as no_offer) is worded so wherever people read it, in Dutch and English, never as the
employee's violation; the findings keep their codes."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import CSV_HEADER, run_cli
from test_reason_labels import checked_staff

ROOT = Path(__file__).resolve().parents[1]
HEADER = CSV_HEADER.rstrip("\n") + ",development_offered,move_offered\n"
ROW = "E1,1980-05-05,2010-01-01,,HHO-BEL,Belader,2020-03-01,5,true,DSB-HHO,,1,,0,,,vast,nee,nee\n"
#: (status word the outcome must not use, the employer's failing, the reason in words)
WORDS = {"nl": ("overtreding", "tekortkoming werkgever", "geen aanbod van de werkgever"),
         "en": ("violation", "employer's failing", "no offer by the employer")}
#: a due_soon outcome with the reason: the employer is to act
DUE = {"nl": "termijn loopt af, werkgever aan zet", "en": "due soon, employer to act"}


@pytest.fixture()
def staff(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(HEADER + ROW, encoding="utf-8")
    return p


def _no_offer_lines(text, reason):
    lines = [x for x in text.splitlines() if reason in x]
    assert lines, text
    return lines


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_explain_words_no_offer_as_the_employers_failing(staff, lang):
    bad, good, reason = WORDS[lang]
    r = run_cli("explain", staff, "--employee", "E1", "--date", "2028-03-01", "--lang", lang)
    assert r.exit_code == 0, r.output
    outcomes = [x for x in r.output.splitlines() if x.startswith("└─") and reason in x]
    assert len(outcomes) == 2  # development and function tenure: both without an offer
    for x in outcomes:
        assert good in x.lower() and bad not in x.lower(), x
    steps = [x for x in r.output.splitlines() if x.startswith("├─") and reason in x]
    assert any(good in x.lower() for x in steps) and not any(bad in x.lower() for x in steps)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_timeline_words_no_offer_as_the_employers_failing(staff, lang):
    bad, good, reason = WORDS[lang]
    t = run_cli("rules", "timeline", staff, "--employee", "E1", "--from", "2026-06-01", "--to", "2028-06-01",
                "--lang", lang)
    assert t.exit_code == 0, t.output
    periods = [x.lower() for x in _no_offer_lines(t.output, reason) if "…" in x]
    assert any(good in x for x in periods) and any(DUE[lang] in x for x in periods)
    for x in periods:
        assert (good in x or DUE[lang] in x) and bad not in x, x


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_rules_diff_words_no_offer_as_the_employers_failing(staff, tmp_path, lang):
    bad, good, reason = WORDS[lang]
    r = run_cli("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--data", staff,
                "--date", "2028-06-01", "--lang", lang)
    assert r.exit_code == 0, r.output
    for x in _no_offer_lines(r.output, reason):
        for part in x.split("→"):
            if reason in part:
                assert (good in part.lower() or DUE[lang] in part.lower()) and bad not in part.lower(), x


def _report(tmp_path, ext, lang):
    checked_staff(tmp_path)
    out = tmp_path / f"r.{ext}"
    r = run_cli("report", tmp_path / "f.csv", "-o", out, "--lang", lang)
    assert r.exit_code == 0, r.output
    if ext == "xlsx":
        from openpyxl import load_workbook
        wb = load_workbook(out)
        return "\n".join(" | ".join(str(c) for c in row if c is not None)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    return out.read_text(encoding="utf-8").replace("\\_", "_").replace("&#39;", "'")


@pytest.mark.parametrize("ext", ["md", "html", "xlsx"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_compliance_report_words_no_offer_as_the_employers_failing(tmp_path, ext, lang):
    bad, good, reason = WORDS[lang]
    text = _report(tmp_path, ext, lang)
    lines = _no_offer_lines(text, reason)
    assert len(lines) >= 2  # one outcome row per rule that gives the reason
    assert any(f"{good}: {reason}" in x.lower() for x in lines)
    for x in lines:
        assert (f"{good}: {reason}" in x.lower() or f"{DUE[lang]}: {reason}" in x.lower()) and bad not in x.lower(), x
    assert "no_offer" not in text
    # the findings keep the code
    f = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False)
    assert set(f.loc[f["reason"] == "no_offer", "status"]) == {"violation"}


def test_rules_show_says_whose_failing_a_reason_is():
    r = run_cli("rules", "show", "max_function_tenure", "--rules", ROOT / "rules")
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "[no_offer]" in x)
    assert "Tekortkoming werkgever" in line


def test_a_bad_party_is_an_error_at_file_line_and_column(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("drafts", "tests"))
    p = d / "development_obligation.yaml"
    text = p.read_text(encoding="utf-8")
    assert "party: employer" in text
    p.write_text(text.replace("party: employer", "party: werkgever"), encoding="utf-8")
    line, col = next((i, x.index("werkgever") + 1)
                     for i, x in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "party: werkgever" in x)
    r = run_cli("rules", "validate", d)
    assert r.exit_code == 2
    assert f"development_obligation.yaml:{line}:{col}: error: Input should be 'employee' or 'employer'" in r.output


def test_without_party_the_reason_stays_a_violation(tmp_path):
    from hpr_rules.reports.text import outcome_label, status_word
    labels = {"no_pop": {"nl": "nog geen POP", "en": "no POP yet"}}
    assert outcome_label("violation", "no_pop", "nl", labels) == "Overtreding: nog geen POP"
    assert status_word("due_soon", "no_pop", "en", labels) == "Due soon"
    employer = {"no_offer": {"nl": "geen aanbod", "en": "no offer", "party": "employer"}}
    assert outcome_label("due_soon", "no_offer", "nl", employer) == "Termijn loopt af, werkgever aan zet: geen aanbod"
    assert outcome_label("exempt", "no_offer", "en", employer) == "Exempt: no offer"


def test_the_data_source_is_named_in_the_reports_language(tmp_path):
    """The synthetic population, a data file with its side tables: the label comes from the
    one catalogue in both languages; the result keeps its English data_source for machines."""
    import copy

    from hpr_rules.reports import render
    from hpr_rules.scenarios import load_scenario, run_scenario
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    sc.model.population.synthetic = sc.model.population.synthetic.model_copy(update={"n": 200, "seed": 7})
    sc.model.horizon_years = 1
    result = copy.deepcopy(run_scenario(sc, runs=1, timestamp="2026-01-01T00:00:00"))
    day = sc.model.reference_date.isoformat()
    assert result["provenance"]["data_source"] == f"synthetic population (n=200, seed 7, as of {day})"
    nl = render(result, "md", "nl").decode()
    en = render(result, "md", "en").decode()
    assert f"synthetische populatie (n=200, seed 7, per {day})" in nl and "synthetic population" not in nl
    assert f"synthetic population (n=200, seed 7, as of {day})" in en and "synthetische" not in en
    assert "data_source_text" not in nl + en and "Data source text" not in en


def test_a_data_file_and_the_draft_diff_name_their_source_in_the_readers_language(staff):
    import hpr_rules as hpr
    from hpr_rules.reports.text import source_label
    label = source_label("file", source="x.csv", read=12, rejected=1)
    assert label == {"nl": "x.csv (12 rijen, 1 afgekeurd)", "en": "x.csv (12 rows, 1 rejected)"}
    d = hpr.diff(ROOT / "rules", ROOT / "rules" / "drafts" / "alt", staff, "2028-06-01")
    assert "1 rijen gelezen, 0 afgekeurd en buiten beschouwing" in d.markdown("nl")
    assert "1 rows read, 0 rejected and left out" in d.markdown("en")
    r = run_cli("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--data", staff,
                "--date", "2028-06-01", "--lang", "nl")
    assert "1 rijen gelezen, 0 afgekeurd en buiten beschouwing" in r.output
