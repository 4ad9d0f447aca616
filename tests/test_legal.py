"""The legal pass over the concept drafts: instrument, citations, evaluation date, AOW bands."""

import datetime as dt
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from hpr_cli.main import cli
from hpr_rules.language import load_rulebook

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_every_rule_file_states_its_legal_instrument_and_evaluation():
    for d in (ROOT / "rules", ROOT / "rules" / "drafts" / "alt", ROOT / "rules" / "drafts" / "due_date"):
        for rule in load_rulebook(d):
            m = rule.model
            assert m.legal_instrument and "ondernemingsraad" in m.legal_instrument, (d, rule.id)
            assert m.evaluation_date and m.valid_until is None  # evaluation does not end the rule
            assert "evalueert dit artikel" in m.article.text


def test_citations_a_lawyer_checks_first():
    book = load_rulebook(ROOT / "rules")
    refs = {r.id: " | ".join(b.reference for b in r.model.legal_basis) for r in book}
    assert "BW 7:611a lid 1" in refs["development_obligation"]
    for rid in ("development_obligation", "max_function_tenure"):
        assert "WGBL art. 7 lid 1 sub c" in refs[rid]
    tenure = book.get("max_function_tenure").model
    assert "ongemoeid" not in tenure.article.text and "salarisgarantie" in tenure.article.text
    assert "Cao Gemeenten art. 3.3" in refs["max_function_tenure"]
    # employer duties are in the article texts
    assert "De werkgever biedt hem uiterlijk twaalf maanden" in tenure.article.text
    assert "De werkgever biedt de medewerker tijdig" in book.get("development_obligation").model.article.text


def test_aow_bands_are_statutory_up_to_births_before_october_1964():
    pension = load_rulebook(ROOT / "rules").pension
    assert all(b.status in ("statutory", "projection") and b.source for b in pension.bands)
    assert pension.months_for(dt.date(1964, 9, 30)) == 67 * 12 + 3
    statutory = [b for b in pension.bands if b.status == "statutory"]
    projection = [b for b in pension.bands if b.status == "projection"]
    assert projection[0].born_from == dt.date(1964, 10, 1) and len(statutory) == 2


def test_rules_show_prints_instrument_evaluation_and_aow_status():
    r = run("rules", "show", "max_function_tenure", "--date", "2027-01-01", "--rules", ROOT / "rules", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "Legal instrument: Personeelsregeling" in r.stdout and "Evaluation by 2029-01-01" in r.stdout
    assert "born from 1964-10-01: 67 years 3 months (projection;" in r.stdout
    assert "born from 1961-01-01, born before 1964-10-01: 67 years 3 months (statutory;" in r.stdout
    r = run("rules", "show", "mandatory_pop", "--rules", ROOT / "rules")
    assert "AOW-leeftijd" not in r.stdout  # the POP rule does not depend on the state pension date


def test_validate_warns_without_a_legal_instrument(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("tests", "drafts"))
    p = d / "mandatory_pop.yaml"
    text = p.read_text(encoding="utf-8")
    start = text.index("legal_instrument:")
    end = text.index("legal_basis:")
    p.write_text(text[:start] + text[end:], encoding="utf-8")
    r = run("rules", "validate", d, "--format", "json", "--no-probe")
    assert r.exit_code == 0
    codes = [(x["code"], Path(x["file"]).name) for x in json.loads(r.stdout)]
    assert codes == [("missing-legal-instrument", "mandatory_pop.yaml")]
