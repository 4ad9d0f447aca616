"""Reports: structure, numbers, privacy, determinism, and a real browser render."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpr_rules.reports import render
from hpr_rules.scenarios import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[1]
TS = "2026-01-01T00:00:00"


@pytest.fixture(scope="module")
def result():
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    sc.model.population.synthetic = sc.model.population.synthetic.model_copy(update={"n": 600})
    sc.model.horizon_years = 3
    return run_scenario(sc, timestamp=TS)


def test_html_structure_and_numbers(result):
    html = render(result, "html", "nl").decode()
    for section in ("Oordeel", "Per jaar", "De regels zoals opgesteld", "Per organisatieonderdeel",
                    "Per salarisschaal", "Per leeftijdsgroep (WGBL-toets)", "Aannames", "Herkomst"):
        assert section in html, section
    assert html.count("<svg") >= 4  # status, moves, cost, age charts inline
    assert "<script" not in html  # readable without JavaScript
    assert not re.search(r'(src|href)="https?:', html) and "@import" not in html  # nothing loaded from a network
    y = result["years"][1]
    row = re.search(rf"<tr><td>{y['year']}</td>(.*?)</tr>", html, re.S).group(1)
    assert f"{y['population_start']:,}".replace(",", ".") in row
    assert result["provenance"]["rules_hash"] in html and result["provenance"]["data_hash"] in html
    assert "Artikel 9:3c" in html  # the article text as drafted
    en = render(result, "html", "en").decode()
    assert "Verdict" in en and "Per age band (WGBL check)" in en


def test_no_employee_ids_in_any_report(result):
    for fmt in ("html", "md"):
        text = render(result, fmt).decode()
        assert not re.search(r"\bE\d{6}\b", text) and not re.search(r"\bN\d{11}\b", text)


def test_deterministic_bytes(result):
    a = render(result, "html", timestamp="2030-01-01T00:00:00")
    b = render(result, "html", timestamp="2030-01-01T00:00:00")
    assert a == b
    assert render(result, "md") == render(result, "md")


def test_markdown_and_xlsx(result, tmp_path):
    md = render(result, "md").decode()
    assert md.startswith("# Impactanalyse") and "| Jaar |" in md
    assert "BW 7:660" in md and "BW 7:613" in md  # each rule's legal instrument
    from hpr_rules.reports import write_report
    out = tmp_path / "r.xlsx"
    write_report(result, out)
    import openpyxl
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Oordeel" and "Per jaar" in wb.sheetnames
    assert {"Aannames", "Herkomst"} <= set(wb.sheetnames)
    ws = wb["Per jaar"]
    assert ws.freeze_panes == "B2" and ws["A1"].font.bold
    assert isinstance(ws["B2"].value, (int, float)) and ws["B2"].number_format == "#,##0"  # numbers stay numbers
    assert "Doorontwikkelverplichting" in " ".join(str(c.value) for c in wb["Oordeel"]["A"])


def test_excel_files_are_byte_identical_between_runs(result):
    """openpyxl stamps the document and every zip entry with the time of saving; the same
    report (and the same findings table) saved seconds apart gives the same bytes."""
    import io
    import time
    import zipfile
    import pandas as pd
    from hpr_rules.outputs import table_bytes
    findings = pd.DataFrame({"employee_id": ["E1", "=1"], "status": ["violation", "compliant"]})

    def made():
        return [render(result, "xlsx", timestamp=TS), render([result, result], "xlsx", timestamp=TS),
                table_bytes(findings, "xlsx")]
    first = made()
    time.sleep(2.1)  # the zip format keeps times in steps of two seconds
    assert made() == first
    z = zipfile.ZipFile(io.BytesIO(first[0]))
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = z.read("docProps/core.xml").decode()
    assert core.count(">2026-01-01T00:00:00Z<") == 2  # created and modified: when the report was made
    import openpyxl
    assert openpyxl.load_workbook(io.BytesIO(first[0])).sheetnames[0] == "Oordeel"  # still a valid workbook
    assert openpyxl.load_workbook(io.BytesIO(first[2])).active["A3"].value == "=1"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not CHROMIUM, reason="headless Chromium not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(result, tmp_path):
    page = tmp_path / "report.html"
    page.write_bytes(render(result, "html"))
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tempfile.mkdtemp()}", "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    assert "Oordeel" in dom and dom.count("<svg") >= 4
    shot = tmp_path / "shot.png"
    subprocess.run(cmd[:-2] + [f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000
    both = tmp_path / "compare.html"  # a comparison: one page, the scenarios side by side
    both.write_bytes(render([result, result], "html"))
    dom = subprocess.run(cmd[:-1] + [both.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert "Oordeel per scenario" in dom and dom.count("<svg") >= 5 and dom.count('data-table="verdict"') == 1


def test_year_shown_is_the_first_year_the_criteria_apply():
    from hpr_rules.reports.tables import year_shown as _year_shown
    years = [{"year": y, "date": f"{y}-01-01"} for y in range(2026, 2030)]
    assert _year_shown({"feasibility": {"criteria_from": "2026-07-01"}, "years": years}) == 2027
    assert _year_shown({"feasibility": {"criteria_from": "2028-01-01"}, "years": years}) == 2028
    assert _year_shown({"feasibility": {"criteria_from": "2035-01-01"}, "years": years}) == 2029


def test_per_year_numbers_equal_the_result(result):
    from hpr_rules.reports.render import _nl
    from hpr_rules.reports.tables import protect_scenario
    prot = protect_scenario(result)
    md = render(result, "md").decode()
    for y in result["years"]:
        cells = [prot.value(("population_start", y["year"]))] + \
            [prot.value(("rule", y["year"], rid, "violation")) for rid in y["rules"]]
        row = re.search(rf"^\| {y['year']} \|(.*)$", md, re.M).group(1)
        printed = [c.strip() for c in row.split("|")]
        for v in cells:
            assert (v if isinstance(v, str) else _nl(v)) in printed, (y["year"], v, printed)
        assert y["population_start"] == prot.linked.values[("population_start", y["year"])]
    # the status table per rule: the parts of each year add up to the in-scope count
    for rid in result["years"][0]["rules"]:
        r = result["years"][-1]["rules"][rid]
        assert sum(r["exempt"].values()) + r["compliant"] + r["due_soon"] + r["violation"] == r["in_scope"]
    html = render(result, "html").decode()
    assert "Status per regel per jaar" in html and "Uren POP-gesprekken" in md and "### Aannames" in md


def test_html_escapes_text_from_scenarios_and_rules(result):
    import copy
    r = copy.deepcopy(result)
    r["scenario"]["name"] = "Ploeg <b>Noord</b> & Zuid"
    html = render(r, "html").decode()
    assert "Ploeg &lt;b&gt;Noord&lt;/b&gt; &amp; Zuid" in html and "<b>Noord" not in html
    assert html.count("<svg") >= 4  # the charts stay markup


def _keys(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(str(k))
            _keys(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _keys(v, out)
    return out


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_code_of_the_result_in_a_report_body(result, lang):
    """Every label comes from the rule files or the label catalogue: no snake_case key of the
    result object (a rule id, 'attrition_rate', 'moves_unmet', 'cost_total') is shown."""
    import html as html_lib
    prose = " ".join((result.get("assumption_sources") or {}).values())  # authored text naming file columns
    codes = {k for k in _keys(result, set()) if "_" in k and k not in prose}
    for report in (result, [result, result]):  # a report, and a comparison
        page = render(report, "html", lang).decode()
        body = html_lib.unescape(re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1]))
        md = render(report, "md", lang).decode().replace("\\_", "_")
        for text in (body, md):
            found = sorted(c for c in codes if re.search(rf"(?<![\w/.]){re.escape(c)}(?![\w])", text))
            assert not found, found


def test_burden_section_shows_the_first_year_the_rule_has_effects(result):
    from hpr_rules.reports.tables import burden_year
    year = burden_year(result)
    rows = [r for r in result["burden"] if r["dimension"] == "age_band"]
    assert year is not None and sum(r["violation"] + r["moved"] for r in rows if r["year"] == year) > 0
    assert all(r["violation"] + r["moved"] == 0 for r in rows if r["year"] < year)
    html = render(result, "html").decode()
    assert "Wie draagt de last (WGBL-toets)" in html and f"({year})" in html


def test_short_rule_labels_come_from_the_rule_files():
    from hpr_rules.language import default_rules_dir, load_rulebook
    from hpr_rules.reports.text import short_title
    book = load_rulebook(default_rules_dir())
    result = {"rules": [{"id": r.id, "title": {"nl": r.model.title.nl, "en": r.model.title.en},
                         **({"short_title": {"nl": r.model.short_title.nl, "en": r.model.short_title.en}}
                            if r.model.short_title else {})} for r in book.rules]}
    for r in book.rules:
        assert short_title(result, r.id, "nl") == r.model.short_title.nl
    result["rules"][0].pop("short_title")  # a result saved before short titles: the title serves
    assert short_title(result, book.rules[0].id, "en") == book.rules[0].model.title.en


def test_counts_in_the_verdict_are_whole_numbers_written_as_a_reader_writes_them():
    from hpr_rules.reports.text import _count
    assert _count(1682.5, "nl") == "1.682" and _count(1683.5, "en") == "1,684" and _count(12, "nl") == "12"


def test_every_choice_of_a_scenario_setting_has_a_label_in_both_languages():
    """Each value a setting with fixed choices may take (targets: unit, priority: lottery,
    engine: vector, ...) has words in Dutch and English in the one label catalogue, and the
    catalogue names no choice the scenario model does not have."""
    from hpr_rules.reports.text import LABELS
    from hpr_rules.scenarios.model import enumerated_settings
    choices = enumerated_settings()
    assert {"dynamics.internal_moves.targets", "mobility.priority", "engine"} <= set(choices)
    for key, values in choices.items():
        for v in values:
            for lang in ("nl", "en"):
                label = LABELS[lang].get(f"{key}={v}")
                assert label and label != v, (lang, key, v)
            assert LABELS["nl"][f"{key}={v}"] != LABELS["en"][f"{key}={v}"], (key, v)
    for lang in ("nl", "en"):
        for k in (k for k in LABELS[lang] if "=" in k):
            key, v = k.split("=", 1)
            assert v in choices.get(key, ()), k


def test_choices_are_in_words_in_html_excel_and_the_comparison(result, tmp_path):
    import copy

    import openpyxl

    from hpr_rules.reports import write_report
    other = copy.deepcopy(result)
    other["assumptions"]["dynamics"]["internal_moves"]["targets"] = "adjacent"
    other["assumptions"]["mobility"]["priority"] = "lottery"
    rows = {"nl": [("Personeelsverloop — vrijwillige doorstroom — naar welke functies", "alleen aanpalende functies"),
                   ("Mobiliteit — volgorde van begeleiding", "eerst wie in overtreding is, loting daarbinnen")],
            "en": [("Workforce dynamics — voluntary internal moves — to which functions", "adjacent functions only"),
                   ("Mobility — order of guidance", "violations first, by lot within")]}
    for lang, expected in rows.items():
        html = render(other, "html", lang).decode()
        for label, value in expected:
            assert f"<tr><td>{label}</td><td>{value}</td></tr>" in html, (lang, label)
        assert re.search(r"<td>(adjacent|lottery|vector)</td>", html) is None
        engine = {"nl": "vectorieel (numpy)", "en": "vector (numpy)"}[lang]
        assert f"<td>{engine}</td>" in html  # the provenance's engine too
        out = tmp_path / f"r_{lang}.xlsx"
        write_report(other, out, lang=lang)
        wb = openpyxl.load_workbook(out)
        sheet = {"nl": "Aannames", "en": "Assumptions"}[lang]
        cells = {(r[0], r[1]) for r in wb[sheet].iter_rows(values_only=True)}
        assert set(expected) <= cells, lang
        both = render([result, other], "html", lang).decode()  # the comparison names the difference in words
        assert expected[0][1] in both and {"nl": "elke functie in het eigen organisatieonderdeel",
                                           "en": "any function in the own unit"}[lang] in both
