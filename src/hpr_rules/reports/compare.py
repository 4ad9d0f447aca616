"""Several scenarios in one report, side by side: a verdict table with a column per
scenario, charts with the scenarios next to each other, and the breakdowns per group of one
year common to all of them.

The whole report is one set of linked cells (:mod:`.privacy`): each scenario brings every
cell and relation of its own report (prefixed with its number), and a cell with the same
meaning and value in several scenarios (the workforce on the reference date, a group's
head count, the status of a rule the scenarios do not change) is one number an intruder
can read in any of them, so the scenarios' copies are tied together.
"""

from __future__ import annotations

import hashlib
import json

from ..errors import InputError
from .privacy import HIDDEN, Linked, Protection, protect
from .tables import (GROUP_KEYS, Band, Num, Share, Table, _get, _order, effect_cell, headline_cells, resolve,
                     scenario_cells)
from .text import LABELS, setting_rows, short_title

HEADLINE = ("persons_must_move", "persons_moved", "peak_moves_unmet", "extra_cost_horizon")
MOVES = (("moves_required", "required"), ("moves_made", "made"), ("moves_unmet", "unmet"))
NONE = "—"  # the scenario has no such number (a rule switched off, a year it does not simulate)


def compare_year(year_lists: list, year: int | None = None) -> int:
    """The year whose breakdowns a comparison shows: ``year`` if every scenario simulates it,
    by default the last year they all simulate."""
    common = set(year_lists[0]).intersection(*map(set, year_lists[1:]))
    if not common:
        raise InputError("the scenarios have no simulated year in common; give them overlapping reference dates "
                         "and horizons")
    if year is None:
        return max(common)
    if year not in common:
        raise InputError(f"--year {year} is not simulated by every scenario; choose from "
                         f"{', '.join(map(str, sorted(common)))}")
    return year


def _years(result) -> list:
    return [y["year"] for y in result["years"]]


def _enabled(result) -> list:
    return [r["id"] for r in result["rules"] if r.get("enabled", True)]


def _mobility(result):
    mob = _get(result, "roles", "mobility")
    return mob if mob in _enabled(result) else None


def compare_cells(results: list, year: int) -> Linked:
    """The linked cells of a comparison: every scenario's, with the breakdowns of ``year``."""
    L = Linked()
    for i, r in enumerate(results):
        L.include(scenario_cells(r, breakdown_year=year), (i,))
    copies: dict = {}
    for key in L.values:
        copies.setdefault(key[1:], []).append(key)
    for keys in copies.values():
        vals = {L.values[k] for k in keys}
        if len(keys) > 1 and len(vals) == 1:  # the same number in several scenarios: one cell
            for k in keys[1:]:
                L.same(keys[0], k)
    return L


def _label_criterion(c: dict, results: list, t: dict, lang: str, pct) -> str:
    """A criterion as a row label; its threshold only when every scenario has the same one."""
    same = [x for r in results for x in r["feasibility"]["criteria"] if x["id"] == c["id"]]
    thr = c["threshold"] if len({x["threshold"] for x in same}) == 1 else None
    owner = next((r for r in results if c["rule_id"] in _enabled(r)), results[0])
    name = short_title(owner, c["rule_id"], lang) if c["rule_id"] else ""
    kind = c["kind"]
    if kind == "violation_share":
        text = t["crit_violation_share"].format(name, pct(thr) if thr is not None else t["threshold"])
        if len({x.get("from", "")[:4] for x in same}) == 1 and c.get("from"):
            text += f" ({t['from_year'].format(c['from'][:4])})"
        return text
    if kind == "budget":
        amount = f"€ {thr:,.0f}".replace(",", "." if lang == "nl" else ",") if thr is not None else t["budget"].lower()
        return t["crit_budget"].format(amount)
    return t.get(f"crit_{kind}", kind.replace("_", " ")).format(name)


def _criteria(results: list) -> list:
    seen, out = set(), []
    for r in results:
        for c in r["feasibility"]["criteria"]:
            if c["id"] not in seen:
                seen.add(c["id"])
                out.append(c)
    return out


def compare_tables(results: list, linked: Linked, year: int, lang: str, f) -> dict:
    """The tables of a comparison, by section. ``f``: the report's formatters."""
    t = LABELS[lang]
    n = len(results)
    names = [f"[{i + 1}] {r['scenario']['name']}" for i, r in enumerate(results)]
    refs = [f"[{i + 1}]" for i in range(n)]
    has = linked.values
    out: dict = {}

    verdict = Table("verdict", t["compare_verdict"], [t["criterion"]] + names)
    verdict.rows.append((t["verdict"], [t["feasible"] if r["feasibility"]["feasible"] else t["not_feasible"]
                                        for r in results]))
    for c in _criteria(results):
        cells = []
        mine = [next((x for x in r["feasibility"]["criteria"] if x["id"] == c["id"]), None) for r in results]
        starts = {x.get("from", "")[:4] for x in mine if x is not None}
        for x in mine:
            since = f" ({t['from_year'].format(x['from'][:4])})" if x is not None and len(starts) > 1 and x.get("from") \
                else ""
            cells.append(NONE if x is None else f"{'✓' if x['passed'] else '✗'} {f.pct(x['share_passed'])}{since}")
        verdict.rows.append((_label_criterion(c, results, t, lang, f.pct), cells))
    verdict.rows.append((t["runs"], [int(r["feasibility"]["runs"]) for r in results]))
    out["verdict"] = [verdict]

    head = Table("headline", t["headline"], [""] + names)
    for key in HEADLINE:
        if any(key in (r.get("headline") or {}) for r in results):
            cells = []
            for i, r in enumerate(results):
                q = (r.get("headline") or {}).get(key)
                if q is None:
                    cells.append(NONE)
                    continue
                keys, count = headline_cells(key, _years(r))
                cells.append(Band(None, q["p10"], q["median"], q["p90"], count=count,
                                  keys=tuple((i,) + k for k in keys), style="spread"))
            head.rows.append((t[key], cells))
    out["headline"] = [head] if head.rows else []

    years = sorted(set().union(*map(_years, results)))
    per_year = []
    if any(_mobility(r) for r in results):
        tb = Table("per_year_moves", t["cost_moves"], [t["year"]] + [f"{ref} {t[label].lower()}" for label, _ in MOVES
                                                                 for ref in refs], sheet=t["per_year"])
        for y in years:
            tb.rows.append((str(y), [Num((i, "moves", y, k)) if (i, "moves", y, k) in has else NONE
                                     for _, k in MOVES for i in range(n)]))
        per_year.append(tb)
    cost = Table("per_year_extra_cost", t["extra_cost_year"], [t["year"]] + names,
                 sheet=t["extra_cost_horizon"].split(" (")[0])
    for y in years:
        cells = []
        for i, r in enumerate(results):
            q = next((e for e in (r.get("effects") or {}).get("cost.total", []) if e["year"] == y), None)
            key, count = effect_cell("cost.total", y)
            cells.append(NONE if q is None else Band(None, q["p10"], q["median"], q["p90"], count=count,
                                                     keys=((i,) + key,), style="spread"))
        cost.rows.append((str(y), cells))
    per_year.append(cost)
    out["per_year"] = per_year

    rule_ids: list = []
    for r in results:
        rule_ids += [rid for rid in _enabled(r) if rid not in rule_ids]
    owner = {rid: next(r for r in results if rid in _enabled(r)) for rid in rule_ids}
    cols = [(t["in_scope"], "in_scope"), (t["violation"], "violation")]
    for dim in ("age_band",) + tuple(d for d in GROUP_KEYS if d != "age_band"):  # the WGBL check first
        groups = _order(dim, {k[3] for k in has if k[1:3] == ("bd", dim)})
        tabs = []
        for rid in rule_ids:
            title = short_title(owner[rid], rid, lang)
            header = [t["group"]] + [f"{ref} {lab.lower()}" for ref in refs for lab, _ in cols] + \
                [f"{ref} {t['share_violation'].lower()}" for ref in refs]
            tb = Table(f"{dim}_{rid}", f"{t[dim]}: {title} ({year})", header, sheet=f"{title} {t[dim][:1].lower()}{t[dim][1:]}")
            for g in groups + [None]:
                counts, shares = [], []
                for i, r in enumerate(results):
                    k = (i, "rule", year, rid) if g is None else (i, "bd", dim, g, rid)
                    if rid not in _enabled(r) or k + ("in_scope",) not in has:
                        counts += [NONE] * len(cols)
                        shares.append(NONE)
                        continue
                    counts += [Num(k + (c,)) for _, c in cols]
                    shares.append(Share((k + ("violation",),), k + ("in_scope",)))
                tb.rows.append((t["total"] if g is None else g, counts + shares))
            tabs.append(tb)
        if groups:
            out[dim] = tabs
        if dim == "age_band":
            _burden(out, results, has, year, t, refs)
    diff = differences(results, lang, f.val)
    out["differences"] = [diff] if diff.rows else []
    out["provenance"] = [provenance(results, lang, f.val)]
    return out


def _burden(out: dict, results: list, has: dict, year: int, t: dict, refs: list) -> None:
    """Who must move and who moved per age band in ``year`` (medians over the runs)."""
    n = len(results)
    mobile = [i for i, r in enumerate(results) if _mobility(r)]
    if mobile:
        bands = _order("age_band", {k[4] for k in has if k[1:4] == ("burden", year, "age_band")})
        header = [t["group"]] + [f"{ref} {lab.lower()}" for ref in refs for lab in (t["must_move"], t["moved"])]
        tb = Table("burden_age_band", t["compare_burden"].format(year), header, sheet=t["burden"])
        for b in bands:
            cells = []
            for i in range(n):
                for c in ("must_move", "moved"):
                    k = (i, "burden", year, "age_band", b, c)
                    cells.append(Num(k) if k in has else (0 if i in mobile else NONE))
            tb.rows.append((b, cells))
        if bands:
            out["burden"] = [tb]


def _settings(result: dict, lang: str, val) -> dict:
    """Every parameter and assumption of a scenario as label -> printed value."""
    from .render import _parameter_labels
    from .text import words
    every = {r["id"]: r["title"][lang] for r in result["rules"] if r.get("title")}
    params = _parameter_labels(lang)
    t = LABELS[lang]
    rows = {}
    for r in result["rules"]:
        title = short_title(result, r["id"], lang)
        rows[f"{title}: {t['rule_in_force'].lower()}"] = val(bool(r.get("enabled", True)))
        for name, v in (r.get("parameters") or {}).items():
            rows[f"{title}: {params.get(name, words(name))}"] = val(v)
    assumptions = {k: v for k, v in result.get("assumptions", {}).items() if k != "overrides"}  # = the parameters
    for k, v in setting_rows(assumptions, lang, val, every):
        rows[k] = v
    return rows


def differences(results: list, lang: str, val) -> Table:
    """The settings in which the scenarios differ (text only)."""
    t = LABELS[lang]
    per = [_settings(r, lang, val) for r in results]
    labels: list = []
    for p in per:
        labels += [k for k in p if k not in labels]
    tb = Table("differences", t["differences"], [t["setting"]] + [f"[{i + 1}]" for i in range(len(results))])
    for k in labels:
        vals = [p.get(k, NONE) for p in per]
        if len(set(vals)) > 1:
            tb.rows.append((k, vals))
    return tb


def provenance(results: list, lang: str, val) -> Table:
    from .render import _described
    t = LABELS[lang]
    per = []
    for r in results:
        scenario = {k: v for k, v in r["scenario"].items() if k != "description"}  # in the list of scenarios
        per.append(dict(_described({**r, "scenario": scenario}, lang, {}, val)["provenance_rows"]))
    labels: list = []
    for p in per:
        labels += [k for k in p if k not in labels]
    tb = Table("provenance", t["provenance"], [""] + [f"[{i + 1}]" for i in range(len(results))])
    tb.rows = [(k, [p.get(k, NONE) for p in per]) for k in labels]
    return tb


_CACHE: dict = {}


def protect_comparison(results: list, year: int, tables: dict) -> Protection:
    """The protection of a comparison: the cells its tables show (and those a statistic
    over runs is computed from) are published, every other cell of the scenarios is known
    only through the relations. Cached by content, so HTML, Markdown and Excel agree."""
    digest = hashlib.sha256(json.dumps([year] + [{k: v for k, v in r.items() if k != "provenance"} for r in results],
                                       sort_keys=True, default=str).encode()).hexdigest()
    if digest not in _CACHE:
        if len(_CACHE) >= 8:
            _CACHE.pop(next(iter(_CACHE)))
        L = compare_cells(results, year)
        L.shown = shown_keys(tables) & set(L.values)
        _CACHE[digest] = protect(L)
    return _CACHE[digest]


def shown_keys(tables: dict) -> set:
    """Every cell a table prints or derives a printed number from."""
    out = set()
    for tabs in tables.values():
        for tb in tabs:
            for _, cells in tb.rows:
                for c in cells:
                    if isinstance(c, Num):
                        out.add(c.key)
                    elif isinstance(c, Share):
                        out |= set(c.nums) | {c.den}
                    elif isinstance(c, Band):
                        out |= set(c.cells())
    return out


def compare_charts(results: list, prot: Protection, year: int, t: dict, lang: str) -> dict:
    """Charts with the scenarios next to each other, drawn from the protected cells."""
    from . import charts
    n = len(results)
    names = [f"[{i + 1}]" for i in range(n)]  # the scenarios are named in the verdict table above
    years = sorted(set().union(*map(_years, results)))
    out = {}

    def series(i, key_of):
        ser = []
        for y in years:
            k = key_of(y)
            if k not in prot.linked.values:
                ser.append((0.0, False))
            else:
                ser.append((prot.estimate(k), prot.value(k) == HIDDEN))
        return ser
    per_year = []
    if any(_mobility(r) for r in results):
        for label, k in MOVES:
            per_year.append((t[label], charts.grouped_bars(
                years, [series(i, lambda y, i=i, k=k: (i, "moves", y, k)) for i in range(n)], names, figsize=(5.4, 2.6))))
    cost = []
    for i, r in enumerate(results):
        ser = []
        for y in years:
            q = next((e for e in (r.get("effects") or {}).get("cost.total", []) if e["year"] == y), None)
            if q is None:
                ser.append((0.0, False))
                continue
            v, _ = resolve(Band(None, q["p10"], q["median"], q["p90"], count=False, keys=((i, "cost", y, "total"),),
                                style="spread"), prot)
            ser.append((0.0, True) if v == HIDDEN else (v[1] / 1e6, False))
        cost.append(ser)
    per_year.append((t["extra_cost_chart"], charts.grouped_bars(years, cost, names, ylabel="mln euro", figsize=(5.4, 2.6))))
    out["per_year"] = per_year
    rule_ids: list = []
    for r in results:
        rule_ids += [rid for rid in _enabled(r) if rid not in rule_ids]
    share = []
    for i, r in enumerate(results):
        ser = []
        for rid in rule_ids:
            k = (i, "rule", year, rid)
            v = prot.ratio([k + ("violation",)], k + ("in_scope",)) if k + ("in_scope",) in prot.linked.values else None
            ser.append((0.0, False) if v is None else (0.0, True) if v == HIDDEN else (100 * v, False))
        share.append(ser)
    owner = {rid: next(r for r in results if rid in _enabled(r)) for rid in rule_ids}
    out["violation_share"] = charts.grouped_bars(rule_ids, share, names, ylabel="%", figsize=(5.4, 2.6),
                                                 tick_labels=[short_title(owner[rid], rid, lang) for rid in rule_ids])
    return out


def prepare_comparison(results: list, lang: str = "nl", year: int | None = None, charts: bool = True) -> dict:
    """Everything the comparison templates need, every number drawn from the protected cells."""
    from .render import _fmt, shown_tables
    t = LABELS[lang]
    f = _fmt(lang)
    year = compare_year([_years(r) for r in results], year)
    # the layout does not depend on the protection; the protection depends on what it shows
    layout = compare_tables(results, compare_cells(results, year), year, lang, f)
    prot = protect_comparison(results, year, layout)
    return {
        "t": t, "lang": lang, "results": results, "year": year, "prot": prot, "table_specs": layout,
        "tables": shown_tables(layout, prot, f),
        "names": [r["scenario"]["name"] for r in results],
        "descriptions": [r["scenario"].get("description", "") for r in results],
        "charts": compare_charts(results, prot, year, t, lang) if charts else {},
        "generated_at": results[0]["provenance"].get("generated_at", ""),
        "tool_version": results[0]["provenance"].get("tool_version", ""),
    }
