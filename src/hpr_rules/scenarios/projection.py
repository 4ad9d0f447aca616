"""Year-by-year projection of the workforce under the rules, and its feasibility verdict.

Each simulated year: evaluate the rules on the reference date with the same engine
as ``hpr check`` (never a re-implementation), then try to move everyone who must
leave their function under max_function_tenure to an adjacent function with a
vacancy (within the mobility advisors' capacity), count hours and costs, and advance
the population one year (retirement at AOW date, contract ends, attrition, hires,
POPs and development hours realised, sick leave). Seeded: the same inputs give the
same result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__, run_timestamp
from ..calendar import add_months, state_pension_date_v, to_daynum
from ..engines import evaluate
from ..errors import ScenarioError
from .model import LoadedScenario
from .overrides import transition_end, with_overrides

AGE_BANDS = [(0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 60, "55-59"), (60, 200, "60+")]
TENURE = "max_function_tenure"
NORM = ("compliant", "due_soon", "violation")


def age_bands(birth: pd.Series, day: dt.date) -> np.ndarray:
    d = pd.Timestamp(day)
    b = pd.to_datetime(birth)
    age = d.year - b.dt.year - ((b.dt.month > d.month) | ((b.dt.month == d.month) & (b.dt.day > d.day)))
    labels = np.empty(len(age), dtype=object)
    for lo, hi, lab in AGE_BANDS:
        labels[((age >= lo) & (age < hi)).to_numpy()] = lab
    return labels


def _days(ts: pd.Series) -> np.ndarray:
    raw = ts.to_numpy(dtype="datetime64[ns]")
    return np.where(np.isnat(raw), np.iinfo(np.int64).min, raw.astype("datetime64[D]").astype(np.int64))


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _shown_path(p) -> str:
    """A path as the reader knows it: relative to the working directory when inside it."""
    import os
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p) if rel.startswith("..") else rel


def load_population(sc: LoadedScenario, data=None, mapping=None) -> tuple[pd.DataFrame, str]:
    from ..records import generate_population, load_records
    m = sc.model
    src = data or (sc.resolve(m.population.file) if m.population.file else None)
    if src is not None:
        rs = load_records(src, mapping or sc.resolve(m.population.mapping))
        frame, label = rs.frame, f"{src} ({rs.rows_read} rows, {len(rs.rejected_rows)} rejected)"
    else:
        from .model import Synthetic
        syn = m.population.synthetic or Synthetic()
        frame = generate_population(syn.n, syn.seed, reference_date=m.reference_date)
        label = f"synthetic population (n={syn.n}, seed={syn.seed}, as of {m.reference_date})"
    f = m.population.filters
    keep = np.ones(len(frame), dtype=bool)
    if f.unit:
        keep &= frame["unit"].isin(f.unit).to_numpy()
    if f.function_code:
        keep &= frame["function_code"].isin(f.function_code).to_numpy()
    if f.max_salary_scale is not None:
        keep &= (frame["salary_scale"] <= f.max_salary_scale).to_numpy()
    if f.min_salary_scale is not None:
        keep &= (frame["salary_scale"] >= f.min_salary_scale).to_numpy()
    frame = frame.loc[keep].reset_index(drop=True)
    if frame.empty:
        raise ScenarioError("the population is empty after the filters", file=str(sc.path) if sc.path else None)
    frame["row"] = np.arange(1, len(frame) + 1)
    return frame, label


def data_hash(frame: pd.DataFrame) -> str:
    cols = [c for c in frame.columns if c != "row"]
    h = pd.util.hash_pandas_object(frame[cols], index=False).to_numpy()
    return hashlib.sha256(h.tobytes()).hexdigest()


class _Catalogue:
    def __init__(self):
        from ..records import load_function_catalogue
        cat = load_function_catalogue()
        self.title = dict(zip(cat["function_code"], cat["function_title"]))
        self.demanding = dict(zip(cat["function_code"], cat["physically_demanding"]))
        self.adjacent = {c: list(a) for c, a in zip(cat["function_code"], cat["adjacent"])}
        self.targets = sorted({t for a in self.adjacent.values() for t in a})


def _counts(status: np.ndarray, reason: np.ndarray) -> dict:
    out = {"in_scope": 0, "not_applicable": 0, "not_in_force": 0, "exempt": {}, "compliant": 0, "due_soon": 0,
           "violation": 0}
    st = pd.Series(status)
    for s in ("not_applicable", "not_in_force", "compliant", "due_soon", "violation"):
        out[s] = int((st == s).sum())
    ex = pd.Series(reason[status == "exempt"]).value_counts()
    out["exempt"] = {k: int(v) for k, v in sorted(ex.items())}
    out["in_scope"] = out["compliant"] + out["due_soon"] + out["violation"] + sum(out["exempt"].values())
    return out


def project(frame: pd.DataFrame, book, sc: LoadedScenario, seed: int, progress=None) -> dict:
    """One run of the projection; returns years and breakdown rows."""
    m = sc.model
    rng = np.random.default_rng(seed)
    cat = _Catalogue()
    frame = frame.copy()
    rule_ids = book.ids()
    years, breakdown = [], {"unit": [], "salary_scale": [], "age_band": []}
    new_id = 0
    for y in range(m.horizon_years):
        day = add_months(m.reference_date, 12 * y)
        nxt = add_months(m.reference_date, 12 * (y + 1))
        n = len(frame)
        f = evaluate(frame, book, day, engine=m.engine)
        status = f["status"].astype(str).to_numpy().reshape(n, len(rule_ids))
        reason = f["reason"].astype(str).to_numpy().reshape(n, len(rule_ids))
        due = f["due_date"].astype(object).to_numpy().reshape(n, len(rule_ids))
        rules_out = {rid: _counts(status[:, k], reason[:, k]) for k, rid in enumerate(rule_ids)}
        bands = age_bands(frame["birth_date"], day)
        for key, groups in (("unit", frame["unit"].astype(str).to_numpy()),
                            ("salary_scale", frame["salary_scale"].astype(int).to_numpy()),
                            ("age_band", bands)):
            for k, rid in enumerate(rule_ids):
                g = pd.DataFrame({"group": groups, "status": status[:, k]})
                for grp, sub in g.groupby("group", sort=True):
                    in_scope = int(sub["status"].isin(NORM + ("exempt",)).sum())
                    viol = int((sub["status"] == "violation").sum())
                    row = {"year": day.year, "group": str(grp), "rule_id": rid, "employees": len(sub),
                           "in_scope": in_scope, "exempt": int((sub["status"] == "exempt").sum()),
                           "due_soon": int((sub["status"] == "due_soon").sum()), "violation": viol,
                           "share_violation": round(viol / in_scope, 4) if in_scope else 0.0}
                    if key == "age_band":
                        affected = viol + row["due_soon"]
                        row["share_affected"] = round(affected / len(sub), 4) if len(sub) else 0.0
                    breakdown[key].append(row)

        # --- moves under max_function_tenure
        moves = {"required": 0, "vacancies": 0, "capacity": m.mobility.advisor_capacity, "made": 0, "unmet": 0}
        if TENURE in rule_ids:
            k = rule_ids.index(TENURE)
            horizon = add_months(day, m.mobility.lookahead_months).isoformat()
            must = (status[:, k] == "violation") | ((status[:, k] == "due_soon") &
                                                    np.array([d is not None and not pd.isna(d) and str(d) <= horizon
                                                              for d in due[:, k]]))
            idx = np.flatnonzero(must)
            order = idx[np.argsort(np.array([str(due[i, k]) for i in idx]), kind="stable")]
            counts = frame["function_code"].value_counts()
            vac = {t: int(rng.binomial(int(counts.get(t, 0)), m.mobility.vacancy_rate)) for t in cat.targets}
            for j in range(m.mobility.extra_vacancies_per_year):
                vac[cat.targets[j % len(cat.targets)]] += 1
            moves["required"] = int(len(order))
            moves["vacancies"] = int(sum(vac.values()))
            codes = frame["function_code"].to_numpy(dtype=object).copy()
            moved = []
            for i in order:
                if len(moved) >= m.mobility.advisor_capacity:
                    break
                options = [t for t in cat.adjacent.get(codes[i], []) if vac.get(t, 0) > 0]
                if not options:
                    continue
                t = max(options, key=lambda c: (vac[c], -options.index(c)))
                vac[t] -= 1
                moved.append((i, t))
            moves["made"] = len(moved)
            moves["unmet"] = moves["required"] - moves["made"]
            if moved:
                ii = np.array([i for i, _ in moved])
                tt = [t for _, t in moved]
                frame.loc[ii, "function_code"] = tt
                frame.loc[ii, "function_title"] = [cat.title.get(t) for t in tt]
                frame.loc[ii, "physically_demanding"] = [bool(cat.demanding.get(t, False)) for t in tt]
                frame.loc[ii, "function_start_date"] = _ts(day)

        # --- realised POPs and development hours during the year, and their cost
        c = m.costs
        pop_k = rule_ids.index("mandatory_pop") if "mandatory_pop" in rule_ids else None
        dev_k = rule_ids.index("development_obligation") if "development_obligation" in rule_ids else None
        span = (nxt - day).days
        pops = np.zeros(n, dtype=bool)
        if pop_k is not None:
            obliged = np.isin(status[:, pop_k], NORM)
            pops = obliged & (rng.random(n) < m.dynamics.pop_realisation)
            when = pd.to_datetime(day) + pd.to_timedelta(rng.integers(0, span, n), unit="D")
            frame.loc[pops, "pop_date"] = when[pops]
        hours = np.clip(rng.normal(m.dynamics.development_hours.mean, m.dynamics.development_hours.sd, n), 0, None)
        hours = np.round(hours * frame["fte"].to_numpy() * 2) / 2
        frame["development_hours_12m"] = hours
        dev_hours = float(hours[np.isin(status[:, dev_k], NORM)].sum()) if dev_k is not None else 0.0
        cost = {"pop": round(int(pops.sum()) * c.pop_talk_hours * c.hourly_cost, 2),
                "development": round(dev_hours * (c.hourly_cost + c.training_cost_per_hour), 2),
                "moves": round(moves["made"] * c.cost_per_move, 2)}
        cost["total"] = round(sum(cost.values()), 2)

        # --- leavers: retirement at AOW date, contract ends, attrition
        nxt_num = to_daynum(nxt)
        birth = _days(frame["birth_date"])
        retire = (state_pension_date_v(birth, book.pension) <= nxt_num) if m.dynamics.retire_at_state_pension_age \
            else np.zeros(n, dtype=bool)
        end = _days(frame["employment_end_date"])
        ended = ~retire & (end != np.iinfo(np.int64).min) & (end < nxt_num)
        attr = ~retire & ~ended & (rng.random(n) < m.dynamics.attrition_rate)
        leave = retire | ended | attr
        stay = frame.loc[~leave].reset_index(drop=True)

        # --- sick leave on the next reference date
        sick = rng.random(len(stay)) < m.dynamics.long_term_sick_share
        stay["sick_leave_start"] = pd.NaT
        stay.loc[sick, "sick_leave_start"] = _ts(nxt) - pd.to_timedelta(rng.integers(42, 300, int(sick.sum())), unit="D")
        stay["sick_leave_start"] = stay["sick_leave_start"].astype("datetime64[ns]")

        # --- hires during the year
        k_hires = int(rng.binomial(n, m.dynamics.hire_rate))
        if k_hires:
            from ..records import generate_population
            new = generate_population(k_hires, int(rng.integers(0, 2**31 - 1)), reference_date=nxt)
            hire = pd.to_datetime(day) + pd.to_timedelta(rng.integers(1, span, k_hires), unit="D")
            new["hire_date"] = hire.astype("datetime64[ns]")
            new["function_start_date"] = new["hire_date"]
            new["birth_date"] = np.minimum(new["birth_date"], new["hire_date"] - pd.DateOffset(years=18))
            for col in ("pop_date", "sick_leave_start", "exemption_until", "employment_end_date"):
                new[col] = pd.Series(pd.NaT, index=new.index, dtype="datetime64[ns]")
            new["development_hours_12m"] = 0.0
            new["employee_id"] = [f"N{seed % 1000:03d}{y + 1:02d}{new_id + i:06d}" for i in range(k_hires)]
            new_id += k_hires
            stay = pd.concat([stay, new[stay.columns]], ignore_index=True)
        stay["row"] = np.arange(1, len(stay) + 1)
        years.append({
            "year": day.year, "date": day.isoformat(), "population_start": n, "hires": k_hires,
            "leavers": int(leave.sum()), "retirements": int(retire.sum()), "contract_ends": int(ended.sum()),
            "attrition": int(attr.sum()), "population_end": len(stay), "rules": rules_out, "moves": moves,
            "hours": {"pop_talks": round(float(pops.sum()) * c.pop_talk_hours, 2), "development": round(dev_hours, 2)},
            "cost": cost,
        })
        frame = stay
        if progress:
            progress(1)
    return {"years": years, "breakdowns": breakdown}


def feasibility(years: list[dict], sc: LoadedScenario, book) -> dict:
    cr = sc.model.criteria
    after = cr.after or transition_end(book)
    out = []
    later = [y for y in years if y["date"] >= after.isoformat()]
    for rid, limit in sorted(cr.max_violation_share.items()):
        if rid not in book.ids():
            continue  # the rule is switched off in this scenario: nothing can violate it
        shares = [(y["year"], y["rules"][rid]["violation"] / y["rules"][rid]["in_scope"] if y["rules"][rid]["in_scope"] else 0.0)
                  for y in later]
        worst = max((s for _, s in shares), default=0.0)
        failing = [yr for yr, s in shares if s > limit]
        out.append({"id": f"violation_share:{rid}", "rule_id": rid, "kind": "violation_share", "threshold": limit,
                    "worst_value": round(worst, 4), "passed": not failing,
                    "first_failing_year": failing[0] if failing else None, "from": after.isoformat()})
    if cr.moves_within_vacancies and TENURE in book.ids():
        fails = [y["year"] for y in years if y["moves"]["required"] > y["moves"]["vacancies"]]
        worst = max((y["moves"]["required"] - y["moves"]["vacancies"] for y in years), default=0)
        out.append({"id": "moves_within_vacancies", "rule_id": TENURE, "kind": "moves_within_vacancies",
                    "threshold": 0, "worst_value": int(worst), "passed": not fails,
                    "first_failing_year": fails[0] if fails else None})
    if cr.budget_per_year is not None:
        fails = [y["year"] for y in years if y["cost"]["total"] > cr.budget_per_year]
        out.append({"id": "budget", "rule_id": None, "kind": "budget", "threshold": cr.budget_per_year,
                    "worst_value": max(y["cost"]["total"] for y in years), "passed": not fails,
                    "first_failing_year": fails[0] if fails else None})
    return {"feasible": all(c["passed"] for c in out), "criteria": out, "criteria_from": after.isoformat()}


def run_scenario(sc: LoadedScenario, *, data=None, mapping=None, seed: int | None = None, runs: int = 1,
                 progress=None, timestamp: str | None = None, population=None) -> dict:
    """The full result object of a scenario (see docs in README: scenario results)."""
    from ..language import default_rules_dir, load_rulebook
    m = sc.model
    rules_dir = sc.resolve(m.rules.directory) or default_rules_dir()
    base = load_rulebook(rules_dir)
    book = with_overrides(base, m.rules.overrides, sc.doc)
    frame, label = population if population is not None else load_population(sc, data, mapping)
    seed = m.seed if seed is None else seed
    all_runs = [project(frame, book, sc, seed + r, progress) for r in range(max(1, runs))]
    main = all_runs[0]
    overrides = {k: v.model_dump(mode="json") for k, v in sorted(m.rules.overrides.items())}
    rules_hash = hashlib.sha256((base.fingerprint() + json.dumps(overrides, sort_keys=True)).encode()).hexdigest()
    result = {
        "scenario": {"name": m.name, "description": m.description, "reference_date": m.reference_date.isoformat(),
                     "horizon_years": m.horizon_years, "seed": seed, "runs": max(1, runs),
                     "file": str(sc.path) if sc.path else None},
        "provenance": {"tool_version": __version__, "rules_version": book.version(), "rules_hash": rules_hash,
                       "rules_source": _shown_path(rules_dir), "data_hash": data_hash(frame), "data_source": label,
                       "seed": seed, "engine": m.engine,
                       "generated_at": run_timestamp(timestamp)},
        "rules": [_rule_info(r, m.reference_date, m.rules.overrides.get(r.id)) for r in book.rules] +
                 [{"id": rid, "enabled": False} for rid, ov in sorted(m.rules.overrides.items()) if not ov.enabled],
        "assumptions": {"dynamics": m.dynamics.model_dump(mode="json"), "mobility": m.mobility.model_dump(mode="json"),
                        "costs": m.costs.model_dump(mode="json"), "criteria": m.criteria.model_dump(mode="json"),
                        "population": m.population.model_dump(mode="json"), "overrides": overrides},
        "years": main["years"],
        "breakdowns": main["breakdowns"],
        "feasibility": feasibility(main["years"], sc, book),
    }
    if runs > 1:
        result["bands"] = _bands(all_runs, book.ids())
        result["feasibility_runs"] = [feasibility(r["years"], sc, book)["feasible"] for r in all_runs]
    return result


def _rule_info(rule, day, override) -> dict:
    m = rule.model
    params = {}
    for name, p in m.parameters.items():
        v = p.value_on(max(day, m.effective_from)) or p.values[0]
        params[name] = v.value.isoformat() if isinstance(v.value, dt.date) else v.value
    return {"id": m.id, "enabled": True, "title": {"nl": m.title.nl, "en": m.title.en or m.title.nl},
            "status": m.status, "version": m.version, "article_reference": m.article.reference,
            "article_text": m.article.text, "effective_from": m.effective_from.isoformat(),
            "parameters": params, "overridden": sorted(override.parameters) if override else []}


def _bands(runs: list[dict], rule_ids) -> dict:
    metrics = {f"violation:{rid}": (lambda y, rid=rid: y["rules"][rid]["violation"]) for rid in rule_ids}
    metrics.update({"moves_required": lambda y: y["moves"]["required"], "moves_made": lambda y: y["moves"]["made"],
                    "moves_unmet": lambda y: y["moves"]["unmet"], "cost_total": lambda y: y["cost"]["total"],
                    "population_end": lambda y: y["population_end"]})
    out = {}
    for name, fn in metrics.items():
        rows = []
        for i, y in enumerate(runs[0]["years"]):
            vals = np.array([fn(r["years"][i]) for r in runs], dtype=float)
            rows.append({"year": y["year"], "min": float(vals.min()), "median": float(np.median(vals)),
                         "max": float(vals.max())})
        out[name] = rows
    return out


def write_result_json(result: dict, path: str | Path) -> None:
    from ..outputs import atomic_write
    text = json.dumps(result, ensure_ascii=False, indent=1, sort_keys=False)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
