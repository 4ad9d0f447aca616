"""A scenario run: many seeded replications of the policy world and the baseline world
(no rules), reduced to medians with P10-P90 bands, effects as policy minus baseline,
the burden per group and a verdict per criterion with the share of runs in which it holds.

One replication is :func:`replication.run_replication` (scenario, population, seed);
:func:`reduce_runs` is the separate reduction over runs, so replications can be
mapped onto any executor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__, run_timestamp
from ..errors import ScenarioError, did_you_mean
from .model import LoadedScenario, Scenario
from .overrides import transition_end, with_overrides
from .replication import Setup, run_replication
from .workforce import build_formation, read_formation, workforce_from_frame

AGE_BANDS = [(0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 60, "55-59"), (60, 200, "60+")]


def age_bands(birth: pd.Series, day: dt.date) -> np.ndarray:
    d = pd.Timestamp(day)
    b = pd.to_datetime(birth)
    age = d.year - b.dt.year - ((b.dt.month > d.month) | ((b.dt.month == d.month) & (b.dt.day > d.day)))
    labels = np.empty(len(age), dtype=object)
    for lo, hi, lab in AGE_BANDS:
        labels[((age >= lo) & (age < hi)).to_numpy()] = lab
    return labels


def _shown_path(p) -> str:
    """A path as the reader knows it: relative to the working directory when inside it."""
    import os
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p) if rel.startswith("..") else rel


def load_population(sc: LoadedScenario, data=None, mapping=None, rule_ids=None) -> tuple[pd.DataFrame, dict]:
    """The starting population (a file, else the synthetic one) with its side tables
    (absences, dispensations per rule; their rows checked against ``rule_ids``) attached,
    filtered; and a label saying where it came from, side tables included ({nl, en})."""
    from ..records import generate_population, load_records
    from ..reports.text import source_label
    m = sc.model
    src = data or (sc.resolve(m.population.file) if m.population.file else None)
    mapping = mapping or sc.resolve(m.population.mapping)
    if src is not None:
        rs = load_records(src, mapping)
        frame, label = rs.frame, source_label("file", source=src, read=rs.rows_read, rejected=len(rs.rejected_rows))
    else:
        from .model import Synthetic
        syn = m.population.synthetic or Synthetic()
        frame = generate_population(syn.n, syn.seed, reference_date=m.reference_date, gender=syn.gender)
        label = source_label("synthetic", n=syn.n, seed=syn.seed, date=m.reference_date)
        mapping = None  # the synthetic population is canonical; so must its side tables be
    p = m.population
    if p.absences or p.dispensations:
        from ..records.sidetables import with_side_tables
        frame, tables = with_side_tables(frame, rule_ids or [], dispensations=sc.resolve(p.dispensations),
                                         absences=sc.resolve(p.absences), mapping=mapping)
        label = {lang: text + "".join("; " + source_label("file", source=t.source, read=t.rows_read,
                                                           rejected=t.rows_read - len(t.frame))[lang] for t in tables)
                 for lang, text in label.items()}
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


ROLE_PATHS = (("mobility", "rule"), ("hours", "talks", "rule"), ("hours", "development", "rule"))


def _role(sc: LoadedScenario, book, path: tuple, known: list[str]) -> int | None:
    """Index in ``book`` of the rule the scenario names at ``path`` (None when unnamed or switched off)."""
    obj = sc.model
    for p in path:
        obj = getattr(obj, p)
    if obj is None:
        return None
    if obj not in known:
        err = ScenarioError(f"{'.'.join(path)} names unknown rule {obj!r}{did_you_mean(obj, known)}")
        if sc.doc is not None:
            err.file = sc.doc.file
            err.line, err.col = sc.doc.where(path)
        raise err
    ids = book.ids()
    return ids.index(obj) if obj in ids else None


def prepare(sc: LoadedScenario, population=None, data=None, mapping=None) -> tuple[Setup, str, str, pd.DataFrame]:
    """Everything replications share: rules compiled per year, the starting workforce, the formation."""
    from ..language import compile_book, default_rules_dir, load_rulebook
    m = sc.model
    rules_dir = sc.resolve(m.rules.directory) or default_rules_dir()
    base = load_rulebook(rules_dir)
    book = with_overrides(base, m.rules.overrides, sc.doc)
    known = base.ids()
    roles = [_role(sc, book, path, known) for path in ROLE_PATHS]
    for rid in m.criteria.max_violation_share:
        if rid not in known:
            err = ScenarioError(f"criteria.max_violation_share names unknown rule {rid!r}{did_you_mean(rid, known)}")
            if sc.doc is not None:
                err.file = sc.doc.file
                err.line, err.col = sc.doc.where(("criteria", "max_violation_share", rid))
            raise err
    if population is None:
        frame, label = load_population(sc, data, mapping, known)
    elif isinstance(population, tuple):
        frame, label = population
        label = label if isinstance(label, dict) else {lang: str(label) for lang in ("nl", "en")}
    else:
        from ..reports.text import source_label
        frame, label = population.reset_index(drop=True), source_label("frame", n=len(population))
        if "row" not in frame.columns:
            frame = frame.assign(row=np.arange(1, len(frame) + 1))
    formation_file = read_formation(sc.resolve(m.dynamics.formation_file)) if m.dynamics.formation_file else None
    formation = build_formation(frame, formation_file)
    days = m.reference_dates()
    compiled = [compile_book(book, d) for d in days[:-1]]
    setup = Setup(m, book, compiled, days, workforce_from_frame(frame, formation, book.pension), formation,
                  book.pension, book.ids(), *roles,
                  switched_off=[r for r in base.rules if r.id not in book.ids()])
    overrides = {k: v.model_dump(mode="json") for k, v in sorted(m.rules.overrides.items())}
    rules_hash = hashlib.sha256((base.fingerprint() + json.dumps(overrides, sort_keys=True)).encode()).hexdigest()
    return setup, label, rules_hash, frame


class ScenarioResult(dict):
    """The result object of a scenario run (a dict, written as result.json), with typed views.
    ``data_warnings``: stale or future data in the population file (not part of the result)."""

    data_warnings: list[str] = []

    @property
    def feasible(self) -> bool:
        return bool(self["feasibility"]["feasible"])

    @property
    def runs(self) -> int:
        return int(self["feasibility"]["runs"])

    def years_frame(self) -> pd.DataFrame:
        """One row per simulated year of the representative run (flat columns)."""
        return pd.json_normalize(self["years"], sep=".")

    def burden_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self["burden"])

    def criteria_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self["feasibility"]["criteria"])


def run_scenario(sc, *, data=None, mapping=None, seed: int | None = None, runs: int | None = None,
                 progress=None, timestamp: str | None = None, population=None, horizon: int | None = None,
                 overrides: dict | None = None, executor=None, tornado: bool | None = None) -> ScenarioResult:
    """Run a scenario: ``runs`` replications (default: the scenario's, 20) of the policy and the
    baseline world on the same seeds, reduced to one result.

    ``sc`` is a loaded scenario or a path; ``population`` a records DataFrame (or
    ``(frame, label)``) instead of the scenario's population; ``overrides`` maps setting
    keys (``mobility.advisor_capacity``, ``RULE.PARAM``) to values; ``executor`` any object
    with ``map(fn, iterable)`` to spread the replications; ``tornado`` (default: the scenario's
    ``sensitivity.enabled``) adds the sensitivity of the verdict to each ``sensitivity.settings``.
    """
    from .model import load_scenario
    from .settings import apply_settings
    if not isinstance(sc, LoadedScenario):
        from ..shipped import find_scenario
        sc = load_scenario(find_scenario(sc))
    if overrides:
        sc = apply_settings(sc, overrides)
    if horizon is not None:
        sc = apply_settings(sc, {"horizon_years": horizon})
    m = sc.model
    runs = m.runs if runs is None else runs
    seed = m.seed if seed is None else seed
    setup, label, rules_hash, frame = prepare(sc, population, data, mapping)
    seeds = [seed + r for r in range(max(1, runs))]

    def both(s):
        out = (run_replication(setup, s, policy=True), run_replication(setup, s, policy=False))
        if progress:
            progress(m.horizon_years)
        return out
    pairs = list((executor.map if executor is not None else map)(both, seeds))
    reduced = reduce_runs(pairs, setup, seeds)
    detail = run_replication(setup, seeds[reduced["representative"]], policy=True, detail=True)
    overrides_json = {k: v.model_dump(mode="json") for k, v in sorted(m.rules.overrides.items())}
    book = setup.book
    result = ScenarioResult({
        "scenario": {"name": m.name, "description": m.description, "reference_date": m.reference_date.isoformat(),
                     "horizon_years": m.horizon_years, "seed": seed, "runs": len(seeds),
                     "file": str(sc.path) if sc.path else None},
        "provenance": {"tool_version": __version__, "rules_version": book.version(), "rules_hash": rules_hash,
                       "rules_source": _shown_path(sc.resolve(m.rules.directory) or _default_rules()),
                       "data_hash": data_hash(frame), "data_source": label["en"], "data_source_text": label,
                       "seed": seed, "engine": m.engine,
                       "generated_at": run_timestamp(timestamp)},
        "rules": [_rule_info(r, m.reference_date, m.rules.overrides.get(r.id)) for r in book.rules] +
                 [{**_labels(r.model), "id": r.id, "enabled": False}
                  for r in sorted(setup.switched_off, key=lambda r: r.id)],
        "roles": {"mobility": m.mobility.rule, "talks": m.hours.talks.rule, "development": m.hours.development.rule},
        "assumptions": {"dynamics": m.dynamics.model_dump(mode="json"), "mobility": m.mobility.model_dump(mode="json"),
                        "hours": m.hours.model_dump(mode="json"), "costs": m.costs.model_dump(mode="json"),
                        "benefits": m.benefits.model_dump(mode="json"), "criteria": m.criteria.model_dump(mode="json"),
                        "population": m.population.model_dump(mode="json"), "overrides": overrides_json},
        "assumption_sources": assumption_sources(m),
        "representative_seed": seeds[reduced["representative"]],
        "years": detail["years"],
        "breakdowns": detail["breakdowns"],
        "bands": reduced["bands"],
        "effects": reduced["effects"],
        "headline": reduced["headline"],
        "burden": reduced["burden"],
        "feasibility": reduced["feasibility"],
    })
    result.data_warnings = _data_warnings(sc, data, mapping, frame) if population is None else []
    if (m.sensitivity.enabled if tornado is None else tornado) and m.sensitivity.settings:
        from .sensitivity import tornado as run_tornado
        result["tornado"] = run_tornado(sc, result, data=data, mapping=mapping, seed=seed,
                                        population=(frame, label), executor=executor)
    return result


def _data_warnings(sc: LoadedScenario, data, mapping, frame: pd.DataFrame) -> list[str]:
    """The warnings of ``hpr check`` about a population file (``data`` or the scenario's file)
    that lies far from the scenario's reference date (see :mod:`hpr_rules.records.asof`)."""
    from ..records.asof import DataDates
    from ..records.mapping import mapping_with
    m = sc.model
    if data is None and not m.population.file:
        return []  # the synthetic population is drawn on the reference date
    as_of = getattr(mapping_with(mapping or sc.resolve(m.population.mapping)), "as_of", None)
    return DataDates(m.reference_date).add(frame).warnings(as_of)


def _default_rules():
    from ..language import default_rules_dir
    return default_rules_dir()


def assumption_sources(m: Scenario) -> dict[str, str]:
    """Each setting with a stated source or marked as an assumption, by its dotted key."""
    out = {}

    def walk(model, prefix):
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            key = f"{prefix}{name}"
            if info.description:
                out[key] = info.description
            if hasattr(type(value), "model_fields"):
                walk(value, key + ".")
    for group in ("dynamics", "mobility", "hours", "costs", "benefits", "criteria"):
        walk(getattr(m, group), group + ".")
    out["runs"] = type(m).model_fields["runs"].description
    return out


# --- reduction over runs ---------------------------------------------------------------

def _q(vals) -> dict:
    a = np.asarray(vals, dtype=float)
    return {"min": float(a.min()), "p10": float(np.percentile(a, 10)), "median": float(np.median(a)),
            "p90": float(np.percentile(a, 90)), "max": float(a.max())}


COST_KEYS = ("talks", "development", "replacement", "moves", "advisors", "recruitment", "salary_guarantee",
             "external", "total")


def _metrics(rule_ids) -> dict:
    out = {f"violation:{rid}": (lambda y, rid=rid: y["rules"][rid]["violation"]) for rid in rule_ids}
    out.update({"moves_required": lambda y: y["moves"]["required"], "moves_made": lambda y: y["moves"]["made"],
                "moves_unmet": lambda y: y["moves"]["unmet"], "attempts": lambda y: y["moves"]["attempts"],
                "vacancies": lambda y: y["moves"]["vacancies"], "cost_total": lambda y: y["cost"]["total"],
                "population_end": lambda y: y["population_end"]})
    return out


def _effect_metrics() -> dict:
    out = {f"cost.{k}": (lambda y, k=k: y["cost"][k]) for k in COST_KEYS}
    out.update({"hours.talks": lambda y: y["hours"]["talks"], "hours.development": lambda y: y["hours"]["development"],
                "population_end": lambda y: y["population_end"], "hires": lambda y: y["hires"],
                "leavers": lambda y: y["leavers"], "moves_made": lambda y: y["moves"]["made"],
                "long_term_sick": lambda y: y["long_term_sick"], "advisor_fte": lambda y: y["advisor_fte"],
                "voluntary_made": lambda y: y["voluntary"]["made"]})
    return out


def _run_criteria(pol: list[dict], base: list[dict], m: Scenario, book, after: dt.date, mobility_rule) -> list[dict]:
    """Each criterion on one run: passed, worst value, first failing year."""
    cr = m.criteria
    out = []
    later = [y for y in pol if y["date"] >= after.isoformat()]
    for rid, limit in sorted(cr.max_violation_share.items()):
        if rid not in book.ids():
            continue  # switched off in this scenario: nothing can violate it
        shares = [(y["year"], y["rules"][rid]["violation"] / y["rules"][rid]["in_scope"]
                   if y["rules"][rid]["in_scope"] else 0.0) for y in later]
        out.append(("violation_share:" + rid, "violation_share", rid, limit, shares, lambda v, t: v > t))
    if mobility_rule is not None and cr.moves_within_vacancies:
        vals = [(y["year"], y["moves"]["required"] - y["moves"]["vacancies"]) for y in pol]
        out.append(("moves_within_vacancies", "moves_within_vacancies", mobility_rule, 0, vals, lambda v, t: v > t))
    if mobility_rule is not None and cr.advisor_capacity:
        vals = [(y["year"], y["moves"]["required"] - y["moves"]["capacity"]) for y in pol]
        out.append(("advisor_capacity", "advisor_capacity", mobility_rule, 0, vals, lambda v, t: v > t))
    if cr.budget_per_year is not None:
        vals = [(p["year"], p["cost"]["total"] - b["cost"]["total"]) for p, b in zip(pol, base)]
        out.append(("budget", "budget", None, cr.budget_per_year, vals, lambda v, t: v > t))
    rows = []
    for cid, kind, rid, thr, vals, fails in out:
        failing = [yr for yr, v in vals if fails(v, thr)]
        rows.append({"id": cid, "kind": kind, "rule_id": rid, "threshold": thr,
                     "worst_value": max((v for _, v in vals), default=0.0), "passed": not failing,
                     "first_failing_year": failing[0] if failing else None})
    return rows


def reduce_runs(pairs: list[tuple[dict, dict]], setup: Setup, seeds: list[int]) -> dict:
    """Reduce (policy, baseline) replications to bands, effects, burden, headline and verdict."""
    m = setup.scenario
    book = setup.book
    rule_ids = setup.rule_ids
    mob = m.mobility.rule if setup.mobility is not None else None
    pols = [p["years"] for p, _ in pairs]
    bases = [b["years"] for _, b in pairs]
    years = [y["year"] for y in pols[0]]
    bands = {name: [{"year": yr, **_q([fn(p[i]) for p in pols])} for i, yr in enumerate(years)]
             for name, fn in _metrics(rule_ids).items()}
    effects = {name: [{"year": yr, "policy": _q([fn(p[i]) for p in pols])["median"],
                       "baseline": _q([fn(b[i]) for b in bases])["median"],
                       **{k: v for k, v in _q([fn(p[i]) - fn(b[i]) for p, b in zip(pols, bases)]).items()
                          if k in ("p10", "median", "p90")}}
                      for i, yr in enumerate(years)]
               for name, fn in _effect_metrics().items()}

    # the verdict: each criterion per run, then the share of runs in which it holds
    after = m.criteria.after or transition_end(book)
    per_run = [_run_criteria(p, b, m, book, after, mob) for p, b in zip(pols, bases)]
    criteria = []
    for j, c0 in enumerate(per_run[0] if per_run else []):
        runs_c = [r[j] for r in per_run]
        share = sum(c["passed"] for c in runs_c) / len(runs_c)
        passed = share >= m.criteria.min_share_of_runs - 1e-12
        first = sorted(c["first_failing_year"] for c in runs_c if c["first_failing_year"] is not None)
        worst = _q([c["worst_value"] for c in runs_c])
        criteria.append({"id": c0["id"], "kind": c0["kind"], "rule_id": c0["rule_id"], "threshold": c0["threshold"],
                         "share_passed": round(share, 4), "passed": passed,
                         "worst_value": round(worst["median"], 4), "worst_p10": round(worst["p10"], 4),
                         "worst_p90": round(worst["p90"], 4),
                         "first_failing_year": None if passed else first[len(first) // 2],
                         **({"from": after.isoformat()} if c0["kind"] == "violation_share" else {})})
    feasibility = {"feasible": all(c["passed"] for c in criteria), "runs": len(pairs),
                   "min_share_of_runs": m.criteria.min_share_of_runs, "criteria": criteria,
                   "criteria_from": after.isoformat()}

    # horizon totals and peaks, per run, then bands: distinct persons, never sums of yearly stocks
    def per_run_total(fn):
        return _q([fn(p, b) for p, b in zip(pols, bases)])
    headline = {
        "persons_must_move": per_run_total(lambda p, b: p[-1]["distinct_must_move"]),
        "persons_moved": per_run_total(lambda p, b: sum(y["moves"]["made"] for y in p)),
        "persons_external": per_run_total(lambda p, b: sum(y["moves"]["external"] for y in p)),
        "peak_moves_required": per_run_total(lambda p, b: max(y["moves"]["required"] for y in p)),
        "peak_moves_unmet": per_run_total(lambda p, b: max(y["moves"]["unmet"] for y in p)),
        "peak_advisor_fte": per_run_total(lambda p, b: max(y["advisor_fte"] for y in p)),
        "extra_cost_horizon": per_run_total(lambda p, b: sum(x["cost"]["total"] - z["cost"]["total"]
                                                             for x, z in zip(p, b))),
        "extra_development_hours_horizon": per_run_total(
            lambda p, b: sum(x["hours"]["development"] - z["hours"]["development"] for x, z in zip(p, b))),
        "headcount_change_end": per_run_total(lambda p, b: p[-1]["population_end"] - b[-1]["population_end"]),
    }
    if m.benefits.sickness_factor_after_move < 1:
        headline["benefit_sickness_horizon"] = per_run_total(
            lambda p, b: sum(z["long_term_sick"] - x["long_term_sick"] for x, z in zip(p, b))
            * m.benefits.cost_per_sick_year)

    # the run closest to the medians: its years are shown in full (they add up)
    keys = ["moves_required", "moves_made", "moves_unmet", "cost_total", "population_end"] + \
        [f"violation:{rid}" for rid in rule_ids]
    fns = _metrics(rule_ids)
    score = np.zeros(len(pols))
    for k in keys:
        for i in range(len(years)):
            vals = np.array([fns[k](p[i]) for p in pols], dtype=float)
            spread = np.percentile(vals, 90) - np.percentile(vals, 10) + 1.0
            score += np.abs(vals - np.median(vals)) / spread
    representative = int(np.argmin(score))
    return {"bands": bands, "effects": effects, "headline": headline, "burden": _burden(pairs),
            "feasibility": feasibility, "representative": representative}


BURDEN_COUNTS = ("employees", "moved", "violation", "exempt", "due_soon", "must_move", "external")


def _burden(pairs) -> list[dict]:
    """Rows {year, dimension, group, counts..., employees_baseline, policy_minus_baseline_employees}:
    medians over runs of each count (a group missing in a run counts 0)."""
    cells: dict[tuple, dict[str, list]] = {}
    runs = len(pairs)
    for r, (pol, base) in enumerate(pairs):
        for (year, tally), (_, btally) in zip(pol["burden"], base["burden"]):
            for key in set(tally) | set(btally):
                cell = cells.setdefault((year, *key), {k: [0] * runs for k in BURDEN_COUNTS + ("base", "diff")})
                t = tally.get(key, {})
                for k in BURDEN_COUNTS:
                    cell[k][r] = t.get(k, 0)
                cell["base"][r] = btally.get(key, {}).get("employees", 0)
                cell["diff"][r] = t.get("employees", 0) - cell["base"][r]
    order = {d: i for i, d in enumerate(("age_band", "unit", "salary_scale", "fte_band", "gender"))}
    from .model import AGE_BAND_LABELS

    def sort_key(k):
        year, dim, group = k
        g = (AGE_BAND_LABELS.index(group) if dim == "age_band" and group in AGE_BAND_LABELS else
             int(group) if dim == "salary_scale" and group.isdigit() else 0)
        return year, order.get(dim, 9), g, group
    rows = []
    for key in sorted(cells, key=sort_key):
        year, dim, group = key
        c = cells[key]
        row = {"year": year, "dimension": dim, "group": group}
        row.update({k: _median_int(c[k]) for k in BURDEN_COUNTS})
        row["employees_baseline"] = _median_int(c["base"])
        row["policy_minus_baseline_employees"] = _median_int(c["diff"])
        rows.append(row)
    return rows


def _median_int(vals) -> int | float:
    v = float(np.median(vals))
    return int(v) if v.is_integer() else v


def _labels(m) -> dict:
    """A rule's title, short title (for narrow columns) and reasons in a few words, in both
    languages, from its file."""
    short = m.short_title or m.title
    return {"title": {"nl": m.title.nl, "en": m.title.en or m.title.nl},
            "short_title": {"nl": short.nl, "en": short.en or short.nl}, "reasons": m.reason_labels()}


def _rule_info(rule, day, override) -> dict:
    m = rule.model
    params = {}
    for name, p in m.parameters.items():
        v = p.value_on(max(day, m.effective_from)) or p.values[0]
        params[name] = v.value.isoformat() if isinstance(v.value, dt.date) else v.value
    return {"id": m.id, "enabled": True, **_labels(m),
            "status": m.status, "version": m.version, "article_reference": m.article.reference,
            "legal_instrument": m.legal_instrument or "",
            "article_text": m.article.text, "effective_from": m.effective_from.isoformat(),
            "parameters": params, "overridden": sorted(override.parameters) if override else []}


def write_result_json(result: dict, path: str | Path) -> None:
    from ..outputs import atomic_write
    text = json.dumps(result, ensure_ascii=False, indent=1, sort_keys=False)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
