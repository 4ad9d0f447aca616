"""The Python facade (``import hpr_rules as hpr``): the README snippet as written, dates, paths,
validated DataFrames, typed results."""

from __future__ import annotations

import datetime as dt
import functools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hpr_rules as hpr
from hpr_rules.errors import HprError, InputError, RuleError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
DAY = "2027-03-01"


@pytest.fixture(scope="module")
def staff():
    return hpr.generate_population(300, seed=4)


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"## Using it from Python\n.*?```python\n(.*?)```", text, re.S)
    assert m, "README has a section 'Using it from Python' with a python block"
    return m.group(1)


def test_readme_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the shipped drafts and scenarios, from an empty directory
    env: dict = {}
    exec(compile(readme_snippet(), "README.md", "exec"), env)
    out = capsys.readouterr().out
    assert "E000001" in out and "Basis" in out
    assert len(env["findings"]) == 500 * len(env["rules"].rules)
    assert list(env["result"].years.to_frame()["year"]) == list(range(2026, 2032))
    assert isinstance(env["result"].verdict, hpr.Verdict)
    assert {"employee_id", "rule_id", "cause"} <= set(env["changes"].columns) and len(env["changes"])


def test_import_is_cheap_and_lazy():
    code = "import sys, hpr_rules as hpr; hpr.check; print(sorted(m for m in ('pandas', 'numpy', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert "check" in dir(hpr) and "run_scenario" in hpr.__all__
    with pytest.raises(AttributeError):
        hpr.no_such_verb  # noqa: B018


def test_explain_verb_is_not_hidden_by_its_module():
    from hpr_rules.explain import render_text  # importing the module behind the verb
    assert callable(render_text)
    assert callable(hpr.explain) and hpr.explain.__module__ == "hpr_rules.api"


def test_dates_as_date_datetime_text_and_timestamp_agree(staff):
    a = hpr.check(staff, DAY)
    for d in (dt.date(2027, 3, 1), dt.datetime(2027, 3, 1, 14, 30), pd.Timestamp("2027-03-01")):
        pd.testing.assert_frame_equal(hpr.check(staff, d), a)
    with pytest.raises(InputError, match="not a date in the form YYYY-MM-DD"):
        hpr.check(staff, "2027-02-30")
    with pytest.raises(InputError, match="expected a date"):
        hpr.check(staff, 20270301)


def test_check_accepts_a_path_and_names_unknown_engine_and_rule(staff, tmp_path):
    path = tmp_path / "staff.csv"
    staff.drop(columns="row").to_csv(path, index=False)
    from_file = hpr.check(path, DAY)
    pd.testing.assert_frame_equal(from_file, hpr.check(staff, DAY))
    pd.testing.assert_frame_equal(hpr.check(str(path), DAY), from_file)
    with pytest.raises(InputError, match="unknown engine 'vectr'; did you mean 'vector'"):
        hpr.check(staff, DAY, engine="vectr")
    with pytest.raises(HprError, match="mandatory_pop"):
        hpr.check(staff, DAY, only=["mandatory_pops"])
    only = hpr.check(staff, DAY, only="mandatory_pop", engine="reference")
    assert set(only["rule_id"].astype(str)) == {"mandatory_pop"}


def test_engine_unknown_is_a_clear_error_in_evaluate_too(staff):
    from hpr_rules.engines import evaluate
    with pytest.raises(InputError, match="choose from|did you mean"):
        evaluate(staff, hpr.load_rules(), dt.date(2027, 3, 1), engine="drools")


def test_unvalidated_frame_is_refused_by_the_engine_not_misread(staff):
    """The engines never convert text themselves: "False" as a yes/no would be true."""
    from hpr_rules.engines import evaluate
    text = staff.astype(str)
    with pytest.raises(InputError, match="not a validated"):
        evaluate(text, hpr.load_rules(), dt.date(2027, 3, 1))


def test_rejected_rows_come_back_invalid_with_the_message(staff):
    bad = staff.copy()
    bad.loc[3, "fte"] = -1.0
    bad["physically_demanding"] = bad["physically_demanding"].astype(object)
    bad.loc[5, "physically_demanding"] = "misschien"
    f = hpr.check(bad, DAY)
    per_row = f.groupby("employee_id", observed=True)["status"].agg(lambda s: set(s.astype(str)))
    assert per_row[bad.loc[3, "employee_id"]] == {"invalid"}
    assert per_row[bad.loc[5, "employee_id"]] == {"invalid"}
    reasons = f[f["employee_id"] == bad.loc[3, "employee_id"]]["reason"].astype(str)
    assert reasons.str.contains("fte").all()
    assert len(f) == len(bad) * 3  # nothing lost


@st.composite
def corrupted_population(draw):
    n = draw(st.integers(1, 40))
    df = hpr.generate_population(n, seed=draw(st.integers(0, 10_000)))
    df = df.drop(columns="row")
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, n - 1))
        col, value = draw(st.sampled_from([
            ("fte", np.nan), ("fte", -0.5), ("fte", 1.5), ("salary_scale", 40), ("salary_scale", 0),
            ("development_hours_12m", np.nan), ("development_hours_12m", -3.0), ("pop_date", pd.NaT),
            ("hire_date", pd.Timestamp("2090-01-01")), ("birth_date", pd.NaT), ("function_start_date", pd.NaT),
            ("sick_leave_start", pd.Timestamp("2026-12-01")), ("exemption_until", pd.Timestamp("2027-06-30")),
            ("physically_demanding", False), ("employee_id", "E000001"),
        ]))
        df.loc[i, col] = value
    return df


@functools.lru_cache(maxsize=1)
def shipped_rules():
    return hpr.load_rules()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=corrupted_population(), day=st.dates(dt.date(2026, 1, 1), dt.date(2032, 12, 31)))
def test_text_frame_gives_exactly_the_findings_of_the_typed_frame(df, day):
    typed = hpr.check(df, day, rules=shipped_rules())
    text = hpr.check(df.astype(str), day, rules=shipped_rules())
    pd.testing.assert_frame_equal(text, typed)


def test_explain_and_diff_validate_a_text_frame(staff):
    text = staff.astype(str)
    assert str(hpr.explain(text, "E000001", DAY)) == str(hpr.explain(staff, "E000001", DAY))
    e = hpr.explain(staff, "E000001", dt.date(2027, 3, 1), lang="en")
    assert "Outcome" in str(e) and e.to_dict()["employee_id"] == "E000001"
    steps = e.to_frame()
    assert steps.groupby("rule_id")["decides"].sum().eq(1).all()
    bad = staff.copy()
    bad.loc[0, "fte"] = -1.0
    with pytest.raises(InputError, match="rejected by validation"):
        hpr.explain(bad, bad.loc[0, "employee_id"], DAY)
    alt = hpr.load_rules("drafts/alt")
    a = hpr.diff(hpr.load_rules(), alt, text, ["2029-01-01", dt.date(2027, 3, 1)])
    b = hpr.diff(ROOT / "rules", ROOT / "rules" / "drafts" / "alt", staff, ["2027-03-01", "2029-01-01"])
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert len(a.changes) > 0 and len(a.differences) > 0 and "changes for" in repr(a)
    assert "#" in a.markdown("en")
    with pytest.raises(RuleError):
        hpr.load_rules("drafts/none")


def test_run_scenario_population_horizon_overrides(staff, tmp_path):
    text = staff.astype(str)
    text.loc[0, "fte"] = "-1"
    r = hpr.run_scenario("no_tenure_limit", population=text, horizon=2, runs=1,
                         overrides={"mandatory_pop.update_months": 24, "mobility.advisor_capacity": 10})
    assert len(r.years) == 2 and list(r.to_frame()["year"]) == [2026, 2027]
    assert r.years[0]["population_start"] == len(staff) - 1  # the rejected row is left out
    assert "1 rejected" in r.provenance["data_source"]
    a = r.result["assumptions"]
    assert a["mobility"]["advisor_capacity"] == 10
    assert a["overrides"]["mandatory_pop"]["parameters"] == {"update_months": 24}
    assert a["overrides"]["max_function_tenure"]["enabled"] is False  # the scenario's own override stays
    assert bool(r.verdict) == r.verdict.feasible and isinstance(r.verdict.criteria.to_frame(), pd.DataFrame)
    assert r.write(tmp_path / "r.json").is_file() and r.write(tmp_path / "r.md", lang="en").is_file()
    with pytest.raises(ScenarioError, match="mobilty"):
        hpr.run_scenario("baseline", overrides={"mobilty.advisor_capacity": 3})
    with pytest.raises(ScenarioError, match="has no parameter"):
        hpr.run_scenario("baseline", overrides={"mandatory_pop.update_month": 3})
    with pytest.raises(ScenarioError, match="horizon_years"):
        hpr.run_scenario("baseline", horizon=0)
    with pytest.raises(ScenarioError, match="did you mean 'baseline'"):
        hpr.run_scenario("basline")


def test_sweep_runs_one_setting_over_values(staff):
    s = hpr.sweep("baseline", "mobility.advisor_capacity", [10, 400], population=staff.astype(str), runs=1, horizon=2)
    assert len(s) == 2
    assert [r.result["assumptions"]["mobility"]["advisor_capacity"] for r in s] == [10, 400]
    f = s.to_frame()
    assert list(f["mobility.advisor_capacity"]) == [10, 400] and f["feasible"].dtype == bool
    assert {c["id"] for c in s.runs[0].verdict.criteria} <= set(f.columns)
    with pytest.raises(InputError, match="list of values"):
        hpr.sweep("baseline", "mobility.advisor_capacity", [])
