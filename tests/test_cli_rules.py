"""hpr rules validate / show / test through CliRunner."""

import shutil
from pathlib import Path

from click.testing import CliRunner

from hpr_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def copy_rules(tmp_path):
    d = tmp_path / "rules"
    d.mkdir(parents=True)
    for p in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(p, d / p.name)
    return d


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line_of(path, text):
    return next(i for i, t in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1) if text in t)


def test_validate_ok():
    r = run("rules", "validate", ROOT / "rules")
    assert r.exit_code == 0 and "4 rule files OK" in r.stdout
    # overlapping exemptions are noted: there the order decides which reason is given
    line = _line_of(ROOT / "rules" / "max_function_tenure.yaml", "state_pension_date <= add_months(D, near_retirement_months)")
    assert f"max_function_tenure.yaml:{line}:16: note: exemption 'near_retirement' overlaps 'long_term_sick'" in r.stderr
    # the concept draft tests near-retirement on the reference date: a cliff in time
    assert "warning: temporal cliff" in r.stderr and "exempt (near_retirement)" in r.stderr


def test_validate_typo_points_at_line_and_column(tmp_path):
    d = copy_rules(tmp_path)
    edit(d / "max_function_tenure.yaml", "add_months(function_start_date, 12 * max_years)",
         "add_months(function_start, 12 * max_years)")
    r = run("rules", "validate", d)
    assert r.exit_code == 2
    line = next(i for i, t in enumerate((d / "max_function_tenure.yaml").read_text().splitlines(), 1)
                if "function_start," in t)
    col = (d / "max_function_tenure.yaml").read_text().splitlines()[line - 1].index("function_start,") + 1
    assert f"max_function_tenure.yaml:{line}:{col}: error: unknown name 'function_start'" in r.stderr
    assert "did you mean 'function_start_date'" in r.stderr


def test_validate_schema_and_overlap_errors(tmp_path):
    d = copy_rules(tmp_path)
    edit(d / "mandatory_pop.yaml", "- {from: 2026-01-01, value: 12}", "- {from: 2026-01-01, value: 12}\n      - {from: 2026-01-01, value: 18}")
    r = run("rules", "validate", d)
    assert r.exit_code == 2 and "mandatory_pop.yaml:" in r.stderr and "overlapping" in r.stderr


def test_validate_parameter_gap_and_unreachable_exemption(tmp_path):
    d = copy_rules(tmp_path)
    edit(d / "development_obligation.yaml", "- {from: 2026-01-01, value: 24}", "- {from: 2027-01-01, value: 24}")
    r = run("rules", "validate", d)
    assert r.exit_code == 2 and "'hours_per_year' has no value from 2026-01-01" in r.stderr
    d2 = copy_rules(tmp_path / "x")
    edit(d2 / "max_function_tenure.yaml", "norm:\n  type: deadline",
         "  - reason: late_career\n    condition: state_pension_date <= add_months(D, 12)\nnorm:\n  type: deadline")
    r = run("rules", "validate", d2)
    assert r.exit_code == 0 and "'late_career' is unreachable" in r.stderr


def test_show():
    r = run("rules", "show", "development_obligation", "--date", "2028-06-01", "--rules", ROOT / "rules")
    assert r.exit_code == 0
    assert "Artikel 9:3b" in r.stdout and "hours_per_year = 24 uur" in r.stdout and "BW 7:611a" in r.stdout
    r = run("rules", "show", "development_obligatio", "--rules", ROOT / "rules")
    assert r.exit_code == 2 and "did you mean 'development_obligation'" in r.stderr


def test_rules_test_passes_and_fails_readably(tmp_path):
    r = run("rules", "test", ROOT / "rules" / "tests", "--rules", ROOT / "rules")
    assert r.exit_code == 0 and " 0 failed" in r.stdout, r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - name: deliberately wrong\n    date: 2026-07-02\n"
                   "    expect: {mandatory_pop: {status: compliant, due_date: 2026-07-01}}\n", encoding="utf-8")
    r = run("rules", "test", bad, "--rules", ROOT / "rules", "--engine", "vector")
    assert r.exit_code == 1, r.output
    assert "FAIL" in r.stdout and "deliberately wrong" in r.stdout
    assert "status" in r.stdout and "compliant" in r.stdout and "violation" in r.stdout and "<-" in r.stdout
    assert "Uitkomst: overtreding" in r.stdout  # the explain trace of the case
    assert "0 passed, 1 failed" in r.stdout


def test_rules_test_bad_case_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - name: x\n    date: 2026-07-02\n    employee: {hire_dat: 2020-01-01}\n"
                   "    expect: {mandatory_pop: {status: compliant}}\n", encoding="utf-8")
    r = run("rules", "test", bad, "--rules", ROOT / "rules")
    assert r.exit_code == 2 and "bad.yaml:" in r.stderr and "did you mean 'hire_date'" in r.stderr


def test_validate_reports_every_broken_file(tmp_path):
    d = copy_rules(tmp_path)
    for name in ("mandatory_pop.yaml", "max_function_tenure.yaml"):
        edit(d / name, "  condition: salary_scale <= max_salary_scale", "  condition: salary_scal <= max_salary_scale")
    r = run("rules", "validate", d)
    assert r.exit_code == 2
    for name in ("mandatory_pop.yaml", "max_function_tenure.yaml"):
        line = _line_of(d / name, "  condition: salary_scal <= max_salary_scale")
        assert f"{name}:{line}:14: error: unknown name 'salary_scal'" in r.stderr
    assert "2 errors" in r.stderr


# ------------------------------------------------------------------ machine-readable diagnostics

DIAG_KEYS = {"file", "line", "column", "severity", "code", "message", "suggestion"}


def _json_diags(r):
    import json
    out = json.loads(r.stdout)
    assert isinstance(out, list)
    for d in out:
        assert set(d) == DIAG_KEYS
        assert d["severity"] in ("error", "warning", "note")
        assert isinstance(d["code"], str) and d["code"] and isinstance(d["message"], str)
        assert d["line"] is None or isinstance(d["line"], int)
    return out


def test_validate_json_clean_draft_lists_notes_only():
    r = run("rules", "validate", ROOT / "rules", "--format", "json")
    assert r.exit_code == 0, r.output
    diags = _json_diags(r)
    assert diags and {d["severity"] for d in diags} == {"note", "warning"}
    assert {d["code"] for d in diags} == {"exemption-overlap", "temporal-cliff", "deadline-inside-exemption"}


def test_validate_json_expression_error_has_code_and_suggestion(tmp_path):
    d = copy_rules(tmp_path)
    edit(d / "max_function_tenure.yaml", "add_months(function_start_date, 12 * max_years)",
         "add_months(function_start, 12 * max_years)")
    r = run("rules", "validate", d, "--format", "json")
    assert r.exit_code == 2
    (diag,) = _json_diags(r)
    assert diag["code"] == "expression" and diag["severity"] == "error"
    assert diag["suggestion"] == "function_start_date"
    assert diag["file"].endswith("max_function_tenure.yaml") and diag["line"] and diag["column"]


def test_validate_json_one_diagnostic_per_schema_failure(tmp_path):
    d = copy_rules(tmp_path)
    edit(d / "mandatory_pop.yaml", "status: concept", "status: ontwerp")
    edit(d / "mandatory_pop.yaml", "version: \"0.1\"", "versie: \"0.1\"")
    r = run("rules", "validate", d, "--format", "json")
    assert r.exit_code == 2
    diags = [x for x in _json_diags(r) if x["code"] == "schema"]
    assert len(diags) >= 2 and len({x["line"] for x in diags}) >= 2
    assert all(x["file"].endswith("mandatory_pop.yaml") for x in diags)


def test_validate_json_yaml_error_and_probe_codes(tmp_path):
    d = copy_rules(tmp_path)
    (d / "mandatory_pop.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    r = run("rules", "validate", d, "--format", "json")
    assert r.exit_code == 2 and [x["code"] for x in _json_diags(r)] == ["yaml"]
    d2 = copy_rules(tmp_path / "x")
    edit(d2 / "max_function_tenure.yaml", "norm:\n  type: deadline",
         "  - reason: late_career\n    condition: state_pension_date <= add_months(D, 12)\nnorm:\n  type: deadline")
    edit(d2 / "development_obligation.yaml", "- {from: 2026-01-01, value: 24}", "- {from: 2027-01-01, value: 24}")
    r = run("rules", "validate", d2, "--format", "json")
    codes = {x["code"] for x in _json_diags(r)}
    assert r.exit_code == 2 and {"parameter-gap", "unreachable-exemption"} <= codes


def test_diagnostic_type_is_shared_by_load_errors_and_checks(tmp_path):
    from hpr_rules.diagnostics import Diagnostic
    from hpr_rules.drafts.checks import collect_diagnostics
    d = copy_rules(tmp_path)
    edit(d / "mandatory_pop.yaml", "  condition: salary_scale <= max_salary_scale", "  condition: salary_scal <= max_salary_scale")
    diags = collect_diagnostics(d)
    assert diags and all(type(x) is Diagnostic for x in diags)
    assert diags[0].suggestion == "salary_scale" and str(diags[0]).endswith("unknown name 'salary_scal'; did you mean 'salary_scale'?")
    assert all(type(x) is Diagnostic for x in collect_diagnostics(ROOT / "rules"))
