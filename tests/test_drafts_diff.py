"""Behavioural diff of two drafts: attribution, the git form and `hpr rules diff`."""

import datetime as dt
import json
import shutil
import subprocess

import pandas as pd
import pytest

from hpr_rules.drafts.diff import behavioural_diff, changes
from hpr_rules.drafts.gitsource import load_draft
from hpr_rules.errors import RuleError
from hpr_rules.language import load_rulebook
from hpr_rules.records import generate_population

from test_cli_rules import ROOT, copy_rules, edit, run

DAY = dt.date(2029, 1, 1)
TENURE = ROOT / "rules" / "max_function_tenure.yaml"


@pytest.fixture(scope="module")
def staff():
    return generate_population(1500, 3, reference_date=dt.date(2026, 1, 1))


@pytest.fixture(scope="module")
def staff_csv(tmp_path_factory, staff):
    path = tmp_path_factory.mktemp("diff") / "staff.csv"
    out = staff.drop(columns=["row"]).copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False)
    return path


def test_draft_against_itself_is_empty(staff):
    book = load_rulebook(ROOT / "rules")
    d = behavioural_diff(staff, book, load_rulebook(ROOT / "rules"), [dt.date(2027, 3, 1), DAY])
    assert d["changes"].empty
    assert d["differences"] == []
    assert d["text_diff"] == ""


def test_one_parameter_change_explains_every_flip(tmp_path, staff):
    new = copy_rules(tmp_path)
    edit(new / "max_function_tenure.yaml", "      - {from: 2026-01-01, value: 7}\n  transition_years",
         "      - {from: 2026-01-01, value: 5}\n  transition_years")
    d = behavioural_diff(staff, load_rulebook(ROOT / "rules"), load_rulebook(new), [DAY])
    ch = d["changes"]
    assert len(ch) > 50
    assert set(ch["cause"]) == {"max_function_tenure: parameter max_years"}
    assert set(ch["rule_id"]) == {"max_function_tenure"}
    # a shorter tenure can only make things worse: compliant/due_soon -> due_soon/violation
    rank = {"compliant": 0, "due_soon": 1, "violation": 2}
    assert all(rank[t] > rank[f] for f, t in zip(ch["from"], ch["to"]))
    assert [x["name"] for x in d["differences"] if x["behavioural"]] == ["max_years"]


def test_removed_exemption_and_wording_change(tmp_path, staff):
    new = copy_rules(tmp_path)
    path = new / "max_function_tenure.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - reason: near_retirement")
    end = text.index("norm:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    edit(path, "Maximale verblijftijd in een fysiek", "Maximale duur in een fysiek")
    d = behavioural_diff(staff, load_rulebook(ROOT / "rules"), load_rulebook(new), [DAY])
    ch = d["changes"]
    assert len(ch) > 0
    assert set(ch["cause"]) == {"max_function_tenure: exemption near_retirement"}
    assert set(ch["from"]) == {"exempt/near_retirement"}
    kinds = {(x["kind"], x["behavioural"]) for x in d["differences"]}
    assert kinds == {("exemption", True), ("text", False)}


def test_combination_when_no_single_change_reproduces(tmp_path, staff):
    # max_years 7 -> 5 and transition 2 -> 1 year. For someone in the function since 2021-01-01 the
    # deadline is 2028-01-01 under the old draft and under either change alone, but 2027-01-01 under
    # both together: on 2027-06-01 only the combination turns due_soon into violation.
    new = copy_rules(tmp_path)
    path = new / "max_function_tenure.yaml"
    edit(path, "      - {from: 2026-01-01, value: 7}\n  transition_years",
         "      - {from: 2026-01-01, value: 5}\n  transition_years")
    edit(path, "      - {from: 2026-01-01, value: 2}\n  warn_months", "      - {from: 2026-01-01, value: 1}\n  warn_months")
    d = behavioural_diff(staff, load_rulebook(ROOT / "rules"), load_rulebook(new), [dt.date(2027, 6, 1)])
    ch = d["changes"]
    causes = set(ch["cause"])
    assert "combination" in causes
    assert causes <= {"combination", "max_function_tenure: parameter max_years",
                      "max_function_tenure: parameter transition_years"}
    combo = ch[ch["cause"] == "combination"]
    starts = staff.set_index("employee_id").loc[combo["employee_id"], "function_start_date"]
    assert (starts > pd.Timestamp("2020-06-01")).all() and (starts <= pd.Timestamp("2022-06-01")).all()


def test_changes_lists_alt_draft_differences():
    c = changes(load_rulebook(ROOT / "rules"), load_rulebook(ROOT / "rules" / "drafts" / "alt"))
    behavioural = {x.key for x in c if x.apply is not None}
    assert behavioural == {"development_obligation: parameter hours_per_year",
                           "mandatory_pop: parameter transition_months",
                           "max_function_tenure: parameter max_years",
                           "max_function_tenure: parameter transition_years"}


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_form_in_a_temporary_repository(tmp_path, staff_csv, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    rules = copy_rules(repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first draft")
    edit(rules / "development_obligation.yaml", "value: 24}\n  near_retirement_months",
         "value: 40}\n  near_retirement_months")
    git(repo, "commit", "-q", "-am", "40 hours")
    monkeypatch.chdir(repo)
    old = load_draft("git:HEAD~1")
    assert old.get("development_obligation").model.parameters["hours_per_year"].values[0].value == 24
    assert load_draft("git:HEAD:rules").get("development_obligation").model.parameters[
        "hours_per_year"].values[0].value == 40
    res = run("rules", "diff", "git:HEAD~1", "git:HEAD", "--data", staff_csv, "--date", "2027-03-01",
              "--format", "csv")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "date,employee_id,rule_id,from,to,cause,unit,salary_scale,age_band"
    assert len(lines) > 10
    assert all("development_obligation: parameter hours_per_year" in ln for ln in lines[1:])
    with pytest.raises(RuleError, match="HEAD~7"):
        load_draft("git:HEAD~7")
    monkeypatch.chdir(repo / "rules")  # a path is read relative to the working directory, as git show ./path
    assert load_draft("git:HEAD:.").get("development_obligation").model.parameters[
        "hours_per_year"].values[0].value == 40


def test_cli_diff_markdown_in_dutch_and_fail_on_change(staff_csv, tmp_path):
    alt = ROOT / "rules" / "drafts" / "alt"
    res = run("rules", "diff", ROOT / "rules", alt, "--data", staff_csv, "--date", "2029-01-01", "--fail-on-change")
    assert res.exit_code == 1
    out = res.stdout
    assert "# Gedragsverschil tussen twee ontwerpen" in out
    assert "max_years: 7 vanaf 2026-01-01 → 8 vanaf 2026-01-01" in out
    assert "## Per leeftijdsgroep" in out and "## Per organisatieonderdeel" in out
    assert "Overtreding" in out and "```diff" in out
    same = run("rules", "diff", ROOT / "rules", ROOT / "rules", "--data", staff_csv, "--date", "2029-01-01",
               "--fail-on-change")
    assert same.exit_code == 0
    assert "Geen enkele medewerker verandert van status." in same.stdout


def test_cli_diff_json_dates_and_out(staff_csv, tmp_path):
    alt = ROOT / "rules" / "drafts" / "alt"
    out = tmp_path / "diff.json"
    res = run("rules", "diff", ROOT / "rules", alt, "--data", staff_csv, "--dates", "2027-06-01,2028-06-01",
              "--out", out)
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["dates"] == ["2027-06-01", "2028-06-01"]
    by_date = {}
    for row in d["changes"]:
        by_date.setdefault(row["date"], set()).add(row["cause"])
    # 32 hours start on 2028-01-01: the development change bites only on the later date
    assert "development_obligation: parameter hours_per_year" not in by_date["2027-06-01"]
    assert "development_obligation: parameter hours_per_year" in by_date["2028-06-01"]


def test_cli_diff_bad_input(staff_csv):
    res = run("rules", "diff", ROOT / "rules", ROOT / "rules", "--data", staff_csv, "--dates", "2027-13-01")
    assert res.exit_code == 2 and "2027-13-01" in res.output
    res = run("rules", "diff", ROOT / "rules", ROOT / "rules", "--data", staff_csv, "--date", "2027-01-01",
              "--dates", "2028-01-01")
    assert res.exit_code == 2 and "either --date or --dates" in res.output
    res = run("rules", "diff", ROOT / "rules", ROOT / "nope", "--data", staff_csv)
    assert res.exit_code == 2 and "nope" in res.output


PARAMS = [("development_obligation", "hours_per_year"), ("development_obligation", "near_retirement_months"),
          ("mandatory_pop", "update_months"), ("mandatory_pop", "transition_months"),
          ("mandatory_pop", "warn_months"), ("max_function_tenure", "max_years"),
          ("max_function_tenure", "transition_years"), ("max_function_tenure", "sick_leave_days")]


def test_any_single_parameter_change_is_named_as_the_cause_of_every_flip(staff):
    from hypothesis import given, settings
    from hypothesis import strategies as st
    old = load_rulebook(ROOT / "rules")
    small = staff.head(400)
    flips = []

    @settings(max_examples=25, deadline=None)
    @given(st.sampled_from(PARAMS), st.integers(1, 60), st.dates(dt.date(2026, 1, 1), dt.date(2032, 12, 31)))
    def check(target, value, day):
        rid, name = target
        m = old.get(rid).model
        p = m.parameters[name]
        newp = p.model_copy(update={"values": [p.values[0].model_copy(update={"value": value})]})
        from hpr_rules.drafts.diff import _replace
        new = _replace(old, rid, m.model_copy(update={"parameters": {**m.parameters, name: newp}}))
        d = behavioural_diff(small, old, new, [day])
        assert set(d["changes"]["cause"]) <= {f"{rid}: parameter {name}"}
        assert set(d["changes"]["rule_id"]) <= {rid}
        flips.append(len(d["changes"]))
    check()
    assert sum(flips) > 0  # the property was exercised, not vacuously true
