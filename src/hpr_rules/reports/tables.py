"""The tables of a report, declared once: which cell each position shows, and how the cells
are linked (see :mod:`.privacy`). HTML, Markdown, Excel, the terminal summary, the charts
and the verdict text all read the same protected cells.

A table is a list of rows, each a label and a list of cell specs:

- :class:`Num` a cell of the linked model (a count, hours or euros);
- :class:`Share` a share computed from published cells only;
- :class:`Sum` the sum of several cells, shown only when each is;
- :class:`Band` a statistic over several runs (min / median / max, or median with P10–P90),
  shown only where every cell it derives from is, and never as a group of 1..4;
- a plain ``str``, ``int`` or ``float`` for text and parameters that are no data.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

from .privacy import HIDDEN, MIN_GROUP, Linked, Protection, protect
from .text import result_reason_label

AGE_ORDER = ["<25", "25-34", "35-44", "45-54", "55-59", "60+"]
GROUP_KEYS = ("unit", "salary_scale", "age_band")


@dataclass(frozen=True)
class Num:
    key: tuple
    fmt: str = "count"   # count | euro | hours


@dataclass(frozen=True)
class Share:
    nums: tuple
    den: tuple


@dataclass(frozen=True)
class Band:
    """A statistic over runs of the cells ``key`` and ``keys`` of the representative run
    (where all runs agree, as in the first year, it is those cells). It follows their
    suppression, and a statistic of counts is hidden when a printed value is 1..4 people
    (a difference of counts too, either sign). ``style``: ``band`` prints lo / mid / hi,
    ``spread`` mid (lo – hi)."""
    key: tuple | None
    lo: float
    mid: float
    hi: float
    count: bool = True
    keys: tuple = ()
    style: str = "band"

    def cells(self) -> tuple:
        return ((self.key,) if self.key is not None else ()) + tuple(self.keys)


@dataclass(frozen=True)
class Sum:
    """The sum of several cells (exempt over all reasons), published only when each is."""
    keys: tuple


@dataclass
class Table:
    id: str
    title: str
    header: list
    rows: list = field(default_factory=list)   # (label, [cell spec])
    note: str = ""
    sheet: str = ""   # a shorter name for its Excel sheet (at most 31 characters there)


def resolve(spec, prot: Protection):
    """(value, format) of one cell spec: a number, ``"x"`` or text."""
    if isinstance(spec, Num):
        return prot.value(spec.key), spec.fmt
    if isinstance(spec, Share):
        return prot.ratio(list(spec.nums), spec.den), "pct"
    if isinstance(spec, Sum):
        vals = [prot.value(k) for k in spec.keys]
        return (HIDDEN if HIDDEN in vals else sum(vals)), "count"
    if isinstance(spec, Band):
        small = spec.count and any(0 < abs(v) < MIN_GROUP for v in (spec.lo, spec.mid, spec.hi))
        if small or any(prot.value(k) == HIDDEN for k in spec.cells()):
            return HIDDEN, spec.style
        return (spec.lo, spec.mid, spec.hi), spec.style
    if isinstance(spec, bool):
        return spec, "text"
    if isinstance(spec, (int, float)):
        return spec, "num"
    return spec, "text"


def _order(key: str, groups):
    if key == "age_band":
        return sorted(groups, key=lambda g: AGE_ORDER.index(g) if g in AGE_ORDER else 99)
    if key == "salary_scale":
        return sorted(groups, key=lambda g: (len(g), g))
    return sorted(groups)


def year_shown(result) -> int:
    """The first simulated year whose reference date lies on or after the day the criteria
    apply (the end of the transition periods); the last year when none does."""
    start = result["feasibility"].get("criteria_from") or result["years"][0]["date"]
    ys = [y["year"] for y in result["years"] if y["date"] >= start]
    return ys[0] if ys else result["years"][-1]["year"]


FLOW_PARTS = ("retirements", "contract_ends", "sick_exits", "attrition", "external")  # leavers, by reason
MOVE_COUNTS = ("required", "made", "unmet", "attempts", "external", "dispensation", "scale_down", "scale_up")


def _get(d: dict, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def scenario_cells(result: dict, breakdown_year: int | None = None) -> Linked:
    """Every cell of a scenario report and its relations, as the projection builds them;
    the breakdowns per group of ``breakdown_year`` (default: :func:`year_shown`)."""
    L = Linked()
    years = result["years"]
    a = result.get("assumptions", {})
    costs = a.get("costs", {})
    rule_ids = [r["id"] for r in result["rules"] if r.get("enabled", True)]
    talk_hours = _get(a, "hours", "talks", "hours_per_talk") or costs.get("pop_talk_hours")
    for i, y in enumerate(years):
        yr = y["year"]
        for k in ("population_start", "hires", "leavers", "population_end") + FLOW_PARTS + ("long_term_sick",
                                                                                         "distinct_must_move"):
            if k in y:
                L.cell((k, yr), y[k], weight=10 if k == "population_start" else 1, attribute=k == "sick_exits")
        if "positions" in y:
            L.cell(("positions", yr), y["positions"], count=False)
        L.total(("leavers", yr), [(k, yr) for k in FLOW_PARTS if k in y])
        L.total(("population_end", yr), [("population_start", yr), ("hires", yr), ("leavers", yr)], [1, 1, -1])
        if i:
            L.same(("population_start", yr), ("population_end", years[i - 1]["year"]))
        for rid in rule_ids:
            rr = y["rules"][rid]
            parts = []
            for reason, v in rr["exempt"].items():
                parts.append(L.cell(("rule", yr, rid, "exempt", reason), v, attribute=True))
            for s in ("compliant", "due_soon", "violation"):  # the verdict's numbers: dearest to hide
                parts.append(L.cell(("rule", yr, rid, s), rr[s], weight=10 if s == "violation" else 1,
                                    attribute=s == "violation"))
            L.cell(("rule", yr, rid, "in_scope"), rr["in_scope"], weight=10)
            L.total(("rule", yr, rid, "in_scope"), parts)
            outside = [L.cell(("rule", yr, rid, s), rr.get(s, 0), shown=False) for s in ("not_applicable", "not_in_force")]
            L.total(("population_start", yr), [("rule", yr, rid, "in_scope")] + outside)
        mv = y["moves"]
        for k in MOVE_COUNTS:
            if k in mv:
                L.cell(("moves", yr, k), mv[k])
        L.cell(("moves", yr, "vacancies"), mv["vacancies"], count=False)
        L.total(("moves", yr, "required"), [("moves", yr, "made"), ("moves", yr, "unmet")])
        if "external" in mv and "external" in y:
            L.same(("moves", yr, "external"), ("external", yr))
        vol = y.get("voluntary")
        if vol is not None:  # voluntary moves (doorstroom), and among them who had to move
            for k in VOLUNTARY_LABELS:
                L.cell(("voluntary", yr, k), vol[k])
            for whole, part in (("made", "for_rule"), ("for_rule", "for_rule_demanding")):
                L.relate({("voluntary", yr, whole): 1.0, ("voluntary", yr, part): -1.0}, 0.0, math.inf)
        hours = y["hours"]
        for k, v in hours.items():
            L.cell(("hours", yr, k), v, count=False, resolution=1)
        talks_key = "talks" if "talks" in hours else "pop_talks"
        if talk_hours and talks_key in hours:  # hours of talks = talks held x hours per talk
            talks = L.cell(("talks", yr), round(hours[talks_key] / talk_hours), shown=False)
            L.total(("hours", yr, talks_key), [talks], [talk_hours])
        for k, v in y["cost"].items():
            L.cell(("cost", yr, k), v, count=False, resolution=1)
        L.total(("cost", yr, "total"), [("cost", yr, k) for k in y["cost"] if k != "total"])
        hourly = costs.get("hourly_cost")
        linear = {  # a cost that is a count or an amount of the tables times a published price
            "talks": (("hours", yr, "talks"), hourly), "pop": (("hours", yr, "pop_talks"), hourly),
            "development": (("hours", yr, "development"),
                            hourly + costs.get("training_cost_per_hour", 0) if hourly is not None else None),
            "moves": (("moves", yr, "made"), costs.get("cost_per_move")),
            "recruitment": (("hires", yr), costs.get("recruitment_per_hire")),
            "external": (("moves", yr, "external"), _get(a, "mobility", "external", "cost")),
            "advisors": (("moves", yr, "attempts"), costs["advisor_fte_cost"] / costs["attempts_per_advisor_fte"]
                         if costs.get("advisor_fte_cost") and costs.get("attempts_per_advisor_fte") else None),
        }
        for k, (basis, price) in linear.items():
            if k in y["cost"] and basis in L.values and price:
                L.total(("cost", yr, k), [basis], [price])
    _breakdown_cells(L, result, rule_ids, year_shown(result) if breakdown_year is None else breakdown_year)
    _burden_cells(L, result)
    _verdict_relations(L, result)
    return L


def burden_year(result) -> int | None:
    """The first year in which the mobility rule has effects (violations or moves > 0)."""
    for year in sorted({r["year"] for r in result.get("burden", [])}):
        rows = [r for r in result["burden"] if r["year"] == year and r["dimension"] == "age_band"]
        if sum(r["violation"] + r["moved"] for r in rows) > 0:
            return year
    return None


BURDEN_COLS = ["employees", "must_move", "moved", "violation", "exempt", "due_soon"]


def _burden_cells(L: Linked, result: dict) -> None:
    """Who carries the burden of the mobility rule: per group in the first year it bites (every
    dimension), and moved / must move per age band in every year. Each column adds up to the
    year's totals. (The model counts a group here as people move, so a group's head count is
    not the same cell as in the breakdowns; both add up to the same totals.)"""
    mob = _get(result, "roles", "mobility")
    rows = result.get("burden") or []
    year = burden_year(result)
    if not rows or mob is None or year is None:
        return
    for r in rows:
        yr, dim, g = r["year"], r["dimension"], r["group"]
        if yr == year:
            cols = BURDEN_COLS
        elif dim == "age_band":
            cols = ["must_move", "moved"]
        else:
            continue
        k = ("burden", yr, dim, g)
        for c in cols:
            L.cell(k + (c,), r[c])
        if yr == year:
            L.cell(k + ("rest",), max(0, r["employees"] - r["violation"] - r["exempt"] - r["due_soon"]), shown=False)
            L.total(k + ("employees",), [k + (c,) for c in ("violation", "exempt", "due_soon", "rest")], if_true=True)
    for (yr, dim) in sorted({(r["year"], r["dimension"]) for r in rows}):
        groups = [r["group"] for r in rows if r["year"] == yr and r["dimension"] == dim]
        if yr != year and dim != "age_band":
            continue

        def col(c):
            return [("burden", yr, dim, g, c) for g in groups]
        L.total(("moves", yr, "made"), col("moved"), if_true=True)
        L.total(("moves", yr, "required"), col("must_move"), if_true=True)
        if yr == year:
            L.total(("population_start", yr), col("employees"), if_true=True)
            L.total(("rule", yr, mob, "violation"), col("violation"), if_true=True)
            L.total(("rule", yr, mob, "due_soon"), col("due_soon"), if_true=True)
            L.relate({**{k: 1.0 for k in L.values if k[:4] == ("rule", yr, mob, "exempt")},
                      **{k: -1.0 for k in col("exempt")}}, if_true=True)


def _breakdown_cells(L: Linked, result: dict, rule_ids: list, yr: int) -> None:
    """The breakdowns of one year: a group's head count is one cell in every rule's table;
    each column adds up to the workforce numbers of that year."""
    for key in GROUP_KEYS:
        rows = [r for r in result["breakdowns"].get(key, []) if r["year"] == yr and r["rule_id"] in rule_ids]
        groups = _order(key, {r["group"] for r in rows})
        if not groups:
            continue
        for g in groups:
            emp = [r["employees"] for r in rows if r["group"] == g]
            L.cell(("bd", key, g, "employees"), emp[0])
        L.total(("population_start", yr), [("bd", key, g, "employees") for g in groups])
        for rid in rule_ids:
            mine = {r["group"]: r for r in rows if r["rule_id"] == rid}
            for g in groups:
                r = mine.get(g, {"employees": L.values[("bd", key, g, "employees")], "in_scope": 0, "exempt": 0,
                                 "due_soon": 0, "violation": 0})
                k = ("bd", key, g, rid)
                for c in ("in_scope", "exempt", "due_soon", "violation"):
                    L.cell(k + (c,), r[c], attribute=c in ("exempt", "violation"))
                L.cell(k + ("compliant",), r["in_scope"] - r["exempt"] - r["due_soon"] - r["violation"], shown=False)
                L.cell(k + ("outside",), r["employees"] - r["in_scope"], shown=False)
                L.total(("bd", key, g, "employees"), [k + ("in_scope",), k + ("outside",)])
                L.total(k + ("in_scope",), [k + (c,) for c in ("exempt", "due_soon", "violation", "compliant")])
            col = {c: [("bd", key, g, rid, c) for g in groups] for c in
                   ("in_scope", "exempt", "due_soon", "violation", "compliant", "outside")}
            L.total(("rule", yr, rid, "in_scope"), col["in_scope"])
            for c in ("due_soon", "violation", "compliant"):
                L.total(("rule", yr, rid, c), col[c])
            reasons = [k for k in L.values if k[:4] == ("rule", yr, rid, "exempt")]
            L.relate({**{k: 1.0 for k in reasons}, **{k: -1.0 for k in col["exempt"]}})
            L.relate({**{("rule", yr, rid, s): 1.0 for s in ("not_applicable", "not_in_force")},
                      **{k: -1.0 for k in col["outside"]}})


def _verdict_relations(L: Linked, result: dict) -> None:
    """What the verdict says is information too: "stays below 10%" bounds every year's
    violations by 10% of those in scope; "from 2028" says 2028 exceeds it and earlier
    years do not."""
    years = result["years"]
    for c in result["feasibility"]["criteria"]:
        kind = c["kind"]
        if kind == "violation_share":
            rid, thr = c["rule_id"], c["threshold"]
            span = [y["year"] for y in years if y["date"] >= c.get("from", "")]

            def expr(yr):
                return {("rule", yr, rid, "violation"): 1.0, ("rule", yr, rid, "in_scope"): -thr}
        elif kind == "moves_within_vacancies":
            thr = 0
            span = [y["year"] for y in years]

            def expr(yr):
                return {("moves", yr, "required"): 1.0, ("moves", yr, "vacancies"): -1.0}
        elif kind == "budget":
            thr = c["threshold"]
            span = [y["year"] for y in years]

            def expr(yr):
                return {("cost", yr, "total"): 1.0}
        else:
            continue
        bound = thr if kind == "budget" else 0.0
        fail = c.get("first_failing_year")
        for yr in span:
            e = expr(yr)
            if not all(k in L.values for k in e):
                break
            # a verdict over several runs is about this run only where it agrees with it
            many = result["feasibility"].get("runs", 1) > 1
            if fail is None or yr < fail:
                L.relate(e, -math.inf, bound, if_true=many)
            elif yr == fail:
                L.relate(e, bound, math.inf, if_true=many)


_CACHE: dict = {}


def protect_scenario(result: dict) -> Protection:
    """The protection of a scenario result; the same result (by content) is protected once
    per process, so its HTML, Markdown and Excel reports hide the same cells."""
    digest = hashlib.sha256(json.dumps({k: v for k, v in result.items() if k != "provenance"}, sort_keys=True,
                                       default=str).encode()).hexdigest()
    if digest not in _CACHE:
        if len(_CACHE) >= 16:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[digest] = protect(scenario_cells(result))
    return _CACHE[digest]


FLOW_LABELS = {"population_start": "population_start", "hires": "hires", "retirements": "retirements",
               "contract_ends": "contract_ends", "sick_exits": "sick_exits", "attrition": "attrition",
               "external": "external", "leavers": "leavers", "population_end": "population_end",
               "long_term_sick": "long_term_sick_count", "distinct_must_move": "distinct_must_move",
               "positions": "positions"}
MOVE_LABELS = {"required": "moves_required", "vacancies": "vacancies", "attempts": "attempts", "made": "moves_made",
               "unmet": "moves_unmet", "external": "moves_external", "dispensation": "dispensation_count",
               "scale_up": "scale_up", "scale_down": "scale_down"}
VOLUNTARY_LABELS = {"made": "voluntary_made", "for_rule": "voluntary_for_rule",
                    "for_rule_demanding": "voluntary_for_rule_demanding"}
HOUR_LABELS = {"talks": "hours_pop", "pop_talks": "hours_pop", "development": "hours_development",
               "development_obliged": "hours_development_obliged"}


def _lang_of(t: dict) -> str:
    """The language of a label table (``LABELS[lang]``)."""
    from .text import LABELS
    return next((k for k, v in LABELS.items() if v is t), "nl")


def _by_year(tid, title, ys, rows) -> Table:
    tb = Table(tid, title, [title] + [str(y) for y in ys])
    tb.rows.extend(rows)
    return tb


def _spread(q: dict, cells: tuple, count: bool) -> Band:
    """median (P10 – P90) of a statistic over runs, protected as the cells it derives from."""
    return Band(None, q["p10"], q["median"], q["p90"], count=count, keys=tuple(cells), style="spread")


def headline_cells(key: str, ys: list) -> tuple[tuple, bool]:
    """The cells of the representative run a key number over the horizon is computed from
    (a peak, a sum or the last year of them), and whether it counts people."""
    last = ys[-1]
    per_year = {"persons_moved": ("moves", "made"), "persons_external": ("moves", "external"),
                "peak_moves_required": ("moves", "required"), "peak_moves_unmet": ("moves", "unmet"),
                "peak_advisor_fte": ("moves", "attempts"), "extra_cost_horizon": ("cost", "total"),
                "extra_development_hours_horizon": ("hours", "development")}
    if key in per_year:
        a, b = per_year[key]
        return tuple((a, y, b) for y in ys), a == "moves" and key != "peak_advisor_fte"
    if key == "persons_must_move":
        return (("distinct_must_move", last),), True
    if key == "headcount_change_end":
        return (("population_end", last),), True
    if key == "benefit_sickness_horizon":
        return tuple(("long_term_sick", y) for y in ys), False
    return (("?", key),), True  # unknown: never shown


def effect_cell(key: str, year: int) -> tuple[tuple, bool]:
    """The cell of the representative run an effect (policy minus baseline) is about, and
    whether it counts people."""
    if key.startswith(("cost.", "hours.")):
        a, b = key.split(".", 1)
        return (a, year, b), False
    if key == "moves_made":
        return ("moves", year, "made"), True
    if key == "voluntary_made":
        return ("voluntary", year, "made"), True
    if key == "advisor_fte":
        return ("moves", year, "attempts"), False
    return (key, year), True


def margins_shown(result: dict) -> dict:
    """Whether each margin of the tornado may be printed: a margin is a ratio of counts of
    people, hidden when one of them is a group of 1..4 (``base``, ``low`` and ``high`` per
    setting; a saved result without the smallest counts shows none)."""
    from ..scenarios.sensitivity import smallest_count

    def ok(v):
        return v is not None and not 0 < v < MIN_GROUP
    base = ok(smallest_count(result))
    return {r["key"]: {"base": base, **{side: base and ok(r.get(f"smallest_count_{side}")) for side in ("low", "high")}}
            for r in result.get("tornado") or []}


def tornado_table(result: dict, t: dict, num, val=None, pct=None, lang: str = "nl") -> Table:
    """The tornado as a table: per setting, at its low and its high value, the share of runs
    in which the criteria hold, the margin (``x`` where it rests on a small group) and ✓
    where the verdict holds."""
    from .text import key_label
    val = val or (lambda v: f"{v:g}")
    pct = pct or (lambda v: f"{100 * v:.1f}%")
    shown = margins_shown(result)
    tb = Table("tornado", t["tornado"], ["", t["tornado_low"], t["tornado_high"]])
    for r in result["tornado"]:
        cells = []
        for side in ("low", "high"):
            margin = num(r[f"margin_{side}"], 2) if shown[r["key"]][side] else HIDDEN
            cells.append(f"{val(r[side])}: {pct(r[f'score_{side}'])}, {margin}{' ✓' if r[f'feasible_{side}'] else ''}")
        tb.rows.append((key_label(r["key"], lang), cells))
    return tb


def scenario_tables(result: dict, prot: Protection, t: dict, titles: dict, shorts: dict, f=None,
                    lang: str = "nl") -> dict:
    """The tables of one scenario report, by section, in the order the report shows them."""
    years = result["years"]
    ys = [y["year"] for y in years]
    rule_ids = [r["id"] for r in result["rules"] if r.get("enabled", True)]
    mobility = _get(result, "roles", "mobility")
    moves = mobility in rule_ids if mobility else \
        any(y["moves"]["required"] or y["moves"]["vacancies"] or y["moves"]["made"] for y in years)
    has = prot.linked.values
    out: dict = {}
    head = result.get("headline") or {}
    if head:
        out["headline"] = [Table("headline", t["headline"], [t["headline"], ""],
                                 [(t.get(k, k), [_spread(q, *headline_cells(k, ys))]) for k, q in head.items()])]
    if result.get("tornado"):
        out["tornado"] = [tornado_table(result, t, f.num, f.val, f.pct, lang) if f else
                          tornado_table(result, t, lambda v, d=0: f"{v:.{d}f}", lang=lang)]
    header = [t["year"], t["population"], t["hires"], t["leavers"]] + \
        [f"{shorts[rid]}: {t['violation'].lower()}" for rid in rule_ids] + \
        ([t["moves_required"], t["vacancies"], t["moves_made"]] if moves else []) + [t["cost"]]
    per_year = Table("per_year", t["per_year"], header)
    for yr in ys:
        cells = [Num(("population_start", yr)), Num(("hires", yr)), Num(("leavers", yr))]
        cells += [Num(("rule", yr, rid, "violation")) for rid in rule_ids]
        if moves:
            cells += [Num(("moves", yr, "required")), Num(("moves", yr, "vacancies")), Num(("moves", yr, "made"))]
        cells.append(Num(("cost", yr, "total"), "euro"))
        per_year.rows.append((str(yr), cells))
    out["per_year"] = [per_year]
    status = []
    for rid in rule_ids:
        reasons = []
        for y in years:
            for reason in y["rules"][rid]["exempt"]:
                if reason not in reasons:
                    reasons.append(reason)
        rows = [(t["in_scope"], [Num(("rule", y, rid, "in_scope")) for y in ys])]
        for reason in reasons:
            rows.append((t["exempt_by"].format(result_reason_label(result, rid, reason, _lang_of(t))),
                         [Num(("rule", y, rid, "exempt", reason)) if ("rule", y, rid, "exempt", reason) in has else 0
                          for y in ys]))
        rows += [(t[s], [Num(("rule", y, rid, s)) for y in ys]) for s in ("compliant", "due_soon", "violation")]
        status.append(_by_year(f"status_{rid}", titles[rid], ys, rows))
    out["status"] = status
    flow_keys = [k for k in FLOW_LABELS if (k, ys[0]) in has]
    flows = [(t[FLOW_LABELS[k]], [Num((k, y)) for y in ys]) for k in flow_keys]
    if moves:
        flows += [(t[lab], [Num(("moves", y, k)) for y in ys]) for k, lab in MOVE_LABELS.items()
                  if ("moves", ys[0], k) in has]
    flows += [(t[lab], [Num(("voluntary", y, k)) for y in ys]) for k, lab in VOLUNTARY_LABELS.items()
              if ("voluntary", ys[0], k) in has and (moves or k == "made")]
    out["flows"] = [
        _by_year("flows", t["flows"], ys, flows),
        _by_year("hours", t["hours"], ys, [(t.get(HOUR_LABELS.get(k, k), k), [Num(("hours", y, k), "hours") for y in ys])
                                           for k in years[0]["hours"]]),
        _by_year("cost", t["cost"], ys, [(t.get(f"cost_{k}", k), [Num(("cost", y, k), "euro") for y in ys])
                                         for k in years[0]["cost"]]),
    ]
    bands = result.get("bands") or {}
    if bands:
        rows = []
        for name, brows in bands.items():
            key = _band_key(name)
            rows.append((_band_label(name, t, shorts), [
                Band(key(r["year"]) if key else ("?",), r["min"], r["median"], r["max"],
                     count=not name.startswith("cost")) for r in brows]))
        out["bands"] = [_by_year("bands", t["bands"], ys, rows)]
    effects = result.get("effects") or {}
    if effects:
        rows = [(_effect_label(k, t), [_spread(q, (effect_cell(k, q["year"])[0],), effect_cell(k, q["year"])[1])
                                       for q in qs]) for k, qs in effects.items()]
        out["effects"] = [_by_year("effects", t["effects"], [q["year"] for q in next(iter(effects.values()))], rows)]
    yr = year_shown(result)
    for key in GROUP_KEYS:
        tabs = []
        groups = _order(key, {k[2] for k in has if k[:2] == ("bd", key)})
        for rid in rule_ids:
            header = [t["group"], t["employees"], t["in_scope"], t["exempt"], t["due_soon"], t["violation"],
                      t["share_violation"]] + ([t["share_affected"]] if key == "age_band" else [])
            tb = Table(f"{key}_{rid}", f"{t[key]}: {titles[rid]} ({yr})", header)
            for g in groups + [None]:
                if g is None:
                    k, emp, label = ("rule", yr, rid), ("population_start", yr), t["total"]
                    cells = [Num(emp), Num(k + ("in_scope",)), Sum(tuple(x for x in has if x[:4] == k + ("exempt",)))]
                else:
                    k, emp, label = ("bd", key, g, rid), ("bd", key, g, "employees"), g
                    cells = [Num(emp), Num(k + ("in_scope",)), Num(k + ("exempt",))]
                cells += [Num(k + ("due_soon",)), Num(k + ("violation",)), Share((k + ("violation",),), k + ("in_scope",))]
                if key == "age_band":
                    cells.append(Share((k + ("violation",), k + ("due_soon",)), emp))
                tb.rows.append((label, cells))
            tabs.append(tb)
        if groups:
            out[key] = tabs
    by = burden_year(result)
    if by is not None and mobility in rule_ids:
        tabs = []
        dims = []
        for k in has:
            if k[:2] == ("burden", by) and k[2] not in dims:
                dims.append(k[2])
        for dim in dims:
            groups = [k[3] for k in has if k[:3] == ("burden", by, dim) and k[4] == "employees"]
            tb = Table(f"burden_{dim}", f"{t.get(dim, dim)} ({by})",
                       [t["group"]] + [t[c] for c in BURDEN_COLS])
            tb.rows = [(g, [Num(("burden", by, dim, g, c)) for c in BURDEN_COLS]) for g in groups]
            tabs.append(tb)
        bands_ = _order("age_band", {k[3] for k in has if k[:1] == ("burden",) and k[2] == "age_band"})
        moved = Table("burden_moves_by_age", f"{t['moved']} / {t['must_move'].lower()} — {t['age_band']}",
                      [t["year"]] + bands_)
        for y in ys:
            for c, lab in (("moved", t["moved"]), ("must_move", t["must_move"])):
                if any(k[:2] == ("burden", y) for k in has):
                    moved.rows.append((f"{y}: {lab.lower()}", [Num(("burden", y, "age_band", b, c))
                                                                if ("burden", y, "age_band", b, c) in has else 0
                                                                for b in bands_]))
        tabs.append(moved)
        out["burden"] = tabs
    return out


def _effect_label(key: str, t: dict) -> str:
    if key.startswith("cost."):
        return t["cost"] if key == "cost.total" else f"{t['cost']}: {t.get('cost_' + key[5:], key[5:]).lower()}"
    if key.startswith("hours."):
        return t.get(HOUR_LABELS.get(key[6:], key), key)
    named = {"moves_made": "moves_made", "advisor_fte": "advisor_fte", "hires": "hires", "leavers": "leavers",
             "population_end": "population", "long_term_sick": "long_term_sick_count",
             "voluntary_made": "voluntary_made"}
    return t.get(named.get(key, key), key.replace("_", " ").replace(".", " — "))


def _band_key(name: str):
    if name.startswith("violation:"):
        rid = name.split(":", 1)[1]
        return lambda y: ("rule", y, rid, "violation")
    simple = {"moves_required": ("moves", "required"), "moves_made": ("moves", "made"),
              "attempts": ("moves", "attempts"), "vacancies": ("moves", "vacancies"),
              "moves_unmet": ("moves", "unmet"), "cost_total": ("cost", "total")}
    if name in simple:
        a, b = simple[name]
        return lambda y: (a, y, b)
    if name in ("population_end", "hires", "leavers", "long_term_sick"):
        return lambda y: (name, y)
    return None


def _band_label(name: str, t: dict, shorts: dict) -> str:
    if name.startswith("violation:"):
        rid = name.split(":", 1)[1]
        return f"{shorts.get(rid, rid)}: {t['violation'].lower()}"
    named = {"cost_total": "cost", "population_end": "population_end", "long_term_sick": "long_term_sick_count",
             "advisor_fte": "advisor_fte"}
    return t.get(named.get(name, name), name.replace("_", " "))
