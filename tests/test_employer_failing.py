"""An outcome whose reason is the employer's failing (a norm reason with ``party: employer``,
such as no_offer) is worded so wherever people read it, in Dutch and English, never as the
employee's violation; the findings keep their codes."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import CSV_HEADER, OFFERS_HEADER, run_cli
from test_reason_labels import checked_staff

ROOT = Path(__file__).resolve().parents[1]
ROW = "E1,1980-05-05,2010-01-01,,HHO-BEL,Belader,2020-03-01,5,true,DSB-HHO,,1,,0,,,vast,nee,nee\n"
#: (status word the outcome must not use, the employer's failing, the reason in words)
WORDS = {"nl": ("overtreding", "tekortkoming werkgever", "geen aanbod van de werkgever"),
         "en": ("violation", "employer's failing", "no offer by the employer")}
#: a due_soon outcome with the reason: the employer is to act
DUE = {"nl": "termijn loopt af, werkgever aan zet", "en": "due soon, employer to act"}


@pytest.fixture()
def staff(tmp_path):
    p = tmp_path / "staff.csv"
    p.write_text(OFFERS_HEADER + ROW, encoding="utf-8")
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


# --- counts: the employer's failing apart from the violations ----------------------------------

def _md_row(md, title, prefix):
    """The cells of the first row starting with ``title`` in the table after heading ``prefix``."""
    lines = md.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith(f"## {prefix}"))
    table = [x for x in lines[start + 1:] if x.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    row = next(x for x in table if x.startswith(f"| {title} "))
    return dict(zip(header, [c.strip() for c in row.strip("|").split("|")]))


def test_the_compliance_report_and_check_count_the_employers_failing_apart(tmp_path):
    f = checked_staff(tmp_path)
    findings = pd.read_csv(f, dtype=str, keep_default_na=False)
    tenure = findings[findings["rule_id"] == "max_function_tenure"]
    failing = int((tenure["reason"] == "no_offer").sum())
    violations = int((tenure["status"] == "violation").sum()) - failing
    assert failing >= 5 and violations >= 5  # big enough to be shown
    assert set(tenure.loc[tenure["reason"] == "no_offer", "status"]) == {"violation"}
    r = run_cli("report", f, "-o", tmp_path / "r.md", "--lang", "en")
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r.md").read_text(encoding="utf-8").replace("\\_", "_").replace("&#39;", "'")
    title = "Maximum function tenure"
    verdict = _md_row(md, title, "Verdict")
    assert verdict["Violation"] == str(violations) and verdict["Employer's failing"] == str(failing)
    in_scope = int(verdict["In scope"])
    assert verdict["Share in violation"] == f"{100 * violations / in_scope:.1f}%"
    per_rule = _md_row(md, title, "Rule (")
    assert per_rule["Violation"] == str(violations) and per_rule["Employer's failing"] == str(failing)
    # hpr check's summary on stderr: the same split; the findings keep the status violation
    staff = tmp_path / "staff.csv"
    c = run_cli("check", staff, "--date", "2028-03-01", "-o", tmp_path / "g.csv", "--summary", tmp_path / "s.json")
    assert c.exit_code == 0, c.output
    head = next(x for x in c.output.splitlines() if "rule_id" in x)
    row = next(x for x in c.output.splitlines() if x.strip().startswith("max_function_tenure"))
    cells = dict(zip(head.replace("Employer's failing", "Employer's_failing").split(), row.split()))
    assert cells["violation"] == str(violations) and cells["Employer's_failing"] == str(failing)
    assert (tmp_path / "g.csv").read_bytes() == f.read_bytes()
    chunked = run_cli("check", staff, "--date", "2028-03-01", "-o", tmp_path / "k.csv", "--chunk-size", "7")
    assert chunked.exit_code == 0, chunked.output
    assert row in chunked.output.splitlines() and head in chunked.output.splitlines()
    import json
    counts = {x["rule_id"]: x for x in json.loads((tmp_path / "s.json").read_text())["counts"]}
    assert counts["max_function_tenure"]["violation_employer"] == failing
    assert counts["max_function_tenure"]["violation"] == violations
    # --fail-on violation still fails on them: their status in the findings is violation
    only = tmp_path / "only.csv"
    lines = staff.read_text(encoding="utf-8").splitlines(keepends=True)
    only.write_text(lines[0] + "".join(x for x in lines[1:] if ",nee,nee" in x), encoding="utf-8")
    o = run_cli("check", only, "--date", "2028-03-01", "--rule", "max_function_tenure", "-o", tmp_path / "h.csv",
                "--fail-on", "violation")
    assert o.exit_code == 1 and "--fail-on violation" in o.output


def test_without_offer_columns_nothing_changes(tmp_path):
    rows = "".join(ROW.replace("E1", f"E{i}") for i in range(8))
    header = CSV_HEADER
    staff = tmp_path / "staff.csv"
    staff.write_text(header + "".join(x.rsplit(",", 2)[0] + "\n" for x in rows.splitlines(keepends=True)),
                     encoding="utf-8")
    c = run_cli("check", staff, "--date", "2028-03-01", "-o", tmp_path / "f.csv")
    assert c.exit_code == 0, c.output
    assert "Employer's failing" not in c.output and "violation" in c.output
    r = run_cli("report", tmp_path / "f.csv", "-o", tmp_path / "r.md", "--lang", "en")
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "Employer" not in md and "Violation" in md


def test_the_codes_and_the_frame_count_the_employers_failing_alike(tmp_path):
    """Findings.counts (whole file, --chunk-size) and status_counts (a dataset's parts) split
    the same violations off; without the pairs nothing is split."""
    import datetime as dt

    from hpr_rules.engines import evaluate_findings
    from hpr_rules.findings import EMPLOYER_FAILING, summarize
    from hpr_rules.language import load_rulebook
    from hpr_rules.records import load_records
    checked_staff(tmp_path)
    book = load_rulebook(ROOT / "rules")
    pairs = book.employer_reasons()
    assert ("max_function_tenure", "no_offer") in pairs and ("mandatory_pop", "no_pop") not in pairs
    f = evaluate_findings(load_records(tmp_path / "staff.csv"), book, dt.date(2028, 3, 1))
    frame = f.to_pandas()
    by_codes, by_frame = summarize(f, pairs), summarize(frame, pairs)
    pd.testing.assert_frame_equal(by_codes, by_frame, check_dtype=False)
    plain = summarize(frame)
    assert EMPLOYER_FAILING not in plain and EMPLOYER_FAILING in by_codes
    pd.testing.assert_series_equal(plain["violation"], by_codes["violation"] + by_codes[EMPLOYER_FAILING],
                                   check_dtype=False, check_names=False)
    assert (by_codes.loc[by_codes["rule_id"] == "mandatory_pop", EMPLOYER_FAILING] == 0).all()
