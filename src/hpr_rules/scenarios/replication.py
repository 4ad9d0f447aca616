"""One replication: a seeded multi-year projection of the workforce, in the policy world
(the rules as the scenario drafts them) or the baseline world (no rules in force).

Each year, on the reference date: evaluate the rules with the same engine as
``hpr check``; settle who leaves during the year (retirement at the AOW date, contract
ends not converted, exit after long sickness, attrition by age); let who wants another
function move into open positions (voluntary internal moves, doorstroom, in both worlds;
each move opens the position it leaves, and counts for the mobility rule when its mover
had to move); move who still must leave their function under the scenario's mobility rule
into open positions of adjacent functions (advisors' capacity counted in attempts, scale
steps bounded), send part of the rest on the external route; let the remaining voluntary
movers into what is still open; realise talks and development hours; fill the open
positions with hires; carry sickness over. Every random draw is keyed by (seed, year,
purpose, person) (common random numbers, :mod:`.draws`): the same person meets the same
luck in both worlds, also once head counts differ, so the two worlds differ only by what
the rules do and by its consequences.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..calendar import add_months, to_daynum
from ..engines import rule_outcomes
from ..language.compile import STATUSES
from .draws import NO_ORIGIN, Draws, hire_ids
from .model import AGE_BAND_LABELS, YEARS_IN_FUNCTION_LABELS, YEARS_IN_FUNCTION_LIMITS, Scenario
from .workforce import NO_DAY, Formation, Workforce, age_band_index, new_hires

NORM = ("compliant", "due_soon", "violation")
S_EXEMPT, S_DUE, S_VIOL = STATUSES.index("exempt"), STATUSES.index("due_soon"), STATUSES.index("violation")
S_NORM = np.array([STATUSES.index(s) for s in NORM])
DIMENSIONS = ("age_band", "unit", "salary_scale", "fte_band", "gender")
FTE_BANDS = ((0.0, 0.5, "<=0.5"), (0.5, 0.8, "0.5-0.8"), (0.8, 0.999, "0.8-1"), (0.999, 2.0, "1"))
CHAIN_ROUNDS = 5  # rounds of voluntary moves in a year: each round may fill what the previous one left open


@dataclass
class Setup:
    """What every replication of one scenario shares: compiled rules per year, the
    starting workforce and formation, and which rules drive moves, talks and hours."""

    scenario: Scenario
    book: object  # RuleBook of the policy world
    compiled: list  # CompiledBook per simulated year
    days: list[dt.date]  # reference dates, one per year, plus the end of the horizon
    workforce: Workforce
    formation: Formation
    pension: object
    rule_ids: list[str]
    mobility: int | None  # index in rule_ids of the rule that makes people move
    talks: int | None
    development: int | None
    #: rules the scenario switches off (their labels still name them in reports)
    switched_off: list = field(default_factory=list)


def _band_table(table: dict, band: np.ndarray) -> np.ndarray:
    return np.array([table[b] for b in AGE_BAND_LABELS])[band]


def _group_keys(w: Workforce, formation: Formation, day_num: int) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Group code per person and the groups' labels, for each burden dimension (gender only
    when the data has it); codes by hashing, never by sorting strings."""
    import pandas as pd
    fte, _ = w.cols["fte"]
    fte_code = np.searchsorted(np.array([hi for _, hi, _ in FTE_BANDS]), fte, side="left")
    scale = w.cols["salary_scale"][0].astype(np.int64)
    scales = np.unique(scale)
    out = {"age_band": (age_band_index(w.cols["birth_date"][0], day_num), list(AGE_BAND_LABELS)),
           "unit": None,
           "salary_scale": (np.searchsorted(scales, scale), [str(x) for x in scales]),
           "fte_band": (np.minimum(fte_code, len(FTE_BANDS) - 1), [lab for *_, lab in FTE_BANDS])}
    codes, labels = pd.factorize(w.cols["unit"][0], sort=True)
    out["unit"] = (codes, [str(x) for x in labels])
    if w.gender is not None:
        codes, labels = pd.factorize(w.gender, sort=True)
        out["gender"] = (codes, [str(x) for x in labels])
    return out


def _tally(keys: dict, values: dict[str, np.ndarray]) -> dict[tuple, dict]:
    """Sums of each 0/1 array in ``values`` per (dimension, group) present."""
    out = {}
    for dim, (codes, labels) in keys.items():
        m = len(labels)
        present = np.bincount(codes, minlength=m) > 0
        sums = {k: np.bincount(codes, weights=v, minlength=m) for k, v in values.items()}
        for gi in np.flatnonzero(present):
            out[(dim, labels[gi])] = {k: int(round(s[gi])) for k, s in sums.items()}
    return out


def _rule_counts(status: np.ndarray, reason_codes: np.ndarray, reasons: list[str]) -> dict:
    counts = np.bincount(status, minlength=len(STATUSES))
    out = {"in_scope": 0, "not_applicable": int(counts[STATUSES.index("not_applicable")]),
           "not_in_force": int(counts[STATUSES.index("not_in_force")]), "exempt": {},
           "compliant": int(counts[STATUSES.index("compliant")]), "due_soon": int(counts[S_DUE]),
           "violation": int(counts[S_VIOL])}
    ex = reason_codes[status == S_EXEMPT]
    if len(ex):
        rc = np.bincount(ex, minlength=len(reasons))
        out["exempt"] = {reasons[i]: int(rc[i]) for i in sorted(range(len(reasons)), key=lambda i: reasons[i])
                         if rc[i]}
    out["in_scope"] = out["compliant"] + out["due_soon"] + out["violation"] + sum(out["exempt"].values())
    return out


def _evaluate(setup: Setup, w: Workforce, y: int, policy: bool):
    """Status code and due day per person and rule; everything not in force in the baseline."""
    n, r = len(w), len(setup.rule_ids)
    status = np.full((n, r), STATUSES.index("not_in_force"), dtype=np.int64)
    reason = np.zeros((n, r), dtype=np.int64)
    due = np.zeros((n, r), dtype=np.int64)
    due_ok = np.zeros((n, r), dtype=bool)
    reasons = [[""] for _ in range(r)]
    if policy and n:
        for k, o in enumerate(rule_outcomes(w.cols, n, setup.compiled[y], setup.days[y],
                                            engine=setup.scenario.engine)):
            status[:, k] = np.array([STATUSES.index(s) for s in o.step_status], dtype=np.int64)[o.step]
            reasons[k] = list(dict.fromkeys(o.step_reason))
            reason[:, k] = np.array([reasons[k].index(x) for x in o.step_reason], dtype=np.int64)[o.step]
            due[:, k], due_ok[:, k] = o.due, o.due_ok
    return status, reason, reasons, due, due_ok


def _leavers(setup: Setup, w: Workforce, day: int, nxt: int, band: np.ndarray, draws: Draws):
    """Who leaves during the year, why, and on which day (categories are exclusive, in this order)."""
    d = setup.scenario.dynamics
    n = len(w)
    u = draws.uniforms("leave", w.pid, 3)
    spd, spd_ok = w.cols["state_pension_date"]
    retire = spd_ok & (spd < nxt) if d.retire_at_state_pension_age else np.zeros(n, dtype=bool)
    end, end_ok = w.cols["employment_end_date"]
    ending = end_ok & (end < nxt) & ~retire
    converted = ending & (u[0] < d.contract_conversion)
    contract = ending & ~converted
    sick, sick_ok = w.cols["sick_leave_start"]
    exit_day = sick + 7 * d.sickness.exit_after_weeks
    sick_exit = sick_ok & (day - sick >= 42) & (exit_day < nxt) & ~retire & ~contract
    rate = _band_table(d.attrition.by_age, band)
    hire, _ = w.cols["hire_date"]
    early = (day - hire) < d.attrition.early_service_years * 365.25
    rate = np.where(early, np.maximum(rate, d.attrition.early_rate), rate)
    attr = (u[1] < rate) & ~retire & ~contract & ~sick_exit
    when = np.where(retire, np.maximum(spd, day), np.where(contract, np.maximum(end, day),
                    np.where(sick_exit, np.maximum(exit_day, day), day + (u[2] * (nxt - day)).astype(np.int64))))
    planned = retire | contract  # known ahead: recruited before the day they leave
    return {"retire": retire, "contract": contract, "sick": sick_exit, "attrition": attr}, converted, when, planned


def _preference(setup: Setup, w: Workforce, idx: np.ndarray) -> np.ndarray:
    """Target functions per person (rows), best first: no scale step, then up, then down;
    -1 where there is no (further) allowed target."""
    f = setup.formation
    mob = setup.scenario.mobility
    width = max([len(a) for a in f.adjacent] + [1])
    pref = np.full((len(idx), width), -1, dtype=np.int64)
    cost = np.full((len(idx), width), np.iinfo(np.int64).max, dtype=np.int64)
    own = w.cols["salary_scale"][0][idx].astype(np.int64)
    for j in range(width):
        cand = np.array([a[j] if len(a) > j else -1 for a in f.adjacent], dtype=np.int64)[w.func[idx]]
        ok = cand >= 0
        step = np.where(ok, f.scale[np.maximum(cand, 0)] - own, 0)
        ok &= (step <= mob.max_scale_up) & (-step <= mob.max_scale_down)
        pref[:, j] = np.where(ok, cand, -1)
        # no step first, then upward steps, then downward ones (they cost a salary guarantee)
        cost[:, j] = np.where(ok, np.where(step >= 0, step, 100 - step) * 10 + j, cost[:, j])
    order = np.argsort(cost, axis=1, kind="stable")
    return np.take_along_axis(pref, order, axis=1)


def _match(pref: np.ndarray, open_pos: np.ndarray) -> np.ndarray:
    """Target per candidate (-1 = none), candidates in priority order: in round j each
    candidate still without a place asks its j-th choice, and each function takes
    candidates in priority order while it has open positions."""
    got = np.full(len(pref), -1, dtype=np.int64)
    free = open_pos.copy()
    for j in range(pref.shape[1]):
        ask = np.flatnonzero((got < 0) & (pref[:, j] >= 0))
        if not len(ask):
            continue
        t = pref[ask, j]
        order = np.lexsort((ask, t))  # by target, then priority (candidate position)
        t_sorted, a_sorted = t[order], ask[order]
        first = np.searchsorted(t_sorted, t_sorted, side="left")
        rank = np.arange(len(t_sorted)) - first
        take = rank < free[t_sorted]
        got[a_sorted[take]] = t_sorted[take]
        np.subtract.at(free, t_sorted[take], 1)
    return got


def _move(w: Workforce, f: Formation, who: np.ndarray, to: np.ndarray, day: int, new_scale: np.ndarray) -> np.ndarray:
    """Put ``who`` into functions ``to`` from ``day`` at salary scale ``new_scale``; the
    selection as a mask."""
    n = len(w)
    sel = np.zeros(n, dtype=bool)
    sel[who] = True
    for name, values in (("function_code", np.array(f.codes, dtype=object)),
                         ("function_title", f.title), ("physically_demanding", f.demanding)):
        full = np.zeros(n, dtype=w.cols[name][0].dtype)
        full[who] = values[to]
        w.set(name, full, where=sel)
    scale = np.zeros(n, dtype=w.cols["salary_scale"][0].dtype)
    scale[who] = new_scale
    w.set("salary_scale", scale, where=sel)
    w.set("function_start_date", day, where=sel)
    w.func = w.func.copy()
    w.func[who] = to
    return sel


def _internal_targets(f: Formation, how: str) -> np.ndarray:
    """Function x function: where a voluntary move from the row's function may go."""
    k = len(f.codes)
    if how == "unit":
        ok = f.unit[:, None] == f.unit[None, :]
    else:
        ok = np.zeros((k, k), dtype=bool)
        for i, a in enumerate(f.adjacent):
            ok[i, a] = True
        ok |= ok.T
    ok[np.arange(k), np.arange(k)] = False
    return ok


def chain_match(pref: np.ndarray, origin: np.ndarray, open_pos: np.ndarray, rounds: int = CHAIN_ROUNDS):
    """Target per candidate (-1 = none), candidates in priority order, matched as :func:`_match`
    in up to ``rounds`` rounds: a candidate placed in one round leaves the position of its
    ``origin`` open for the next. Returns the targets and the open positions afterwards."""
    got = np.full(len(pref), -1, dtype=np.int64)
    free = open_pos.copy()
    for _ in range(rounds):
        todo = np.flatnonzero(got < 0)
        if not len(todo):
            break
        g = _match(pref[todo], free)
        placed = g >= 0
        if not placed.any():
            break
        got[todo[placed]] = g[placed]
        np.subtract.at(free, g[placed], 1)
        np.add.at(free, origin[todo[placed]], 1)
    return got, free


def _internal_wishes(setup: Setup, w: Workforce, eligible: np.ndarray, band: np.ndarray, day: int, draws: Draws):
    """Who wants another function this year (doorstroom: the stated rate, spread by age band
    and years in the function so that its mean over ``eligible`` is the rate), in a random
    order, and per candidate the functions allowed (unit or adjacent, scale steps) in a random
    order of their own (-1 = none)."""
    cfg = setup.scenario.dynamics.internal_moves
    f = setup.formation
    n = len(w)
    if cfg.rate <= 0 or not eligible.any():
        return np.zeros(0, dtype=np.int64), np.zeros((0, 1), dtype=np.int64)
    u = draws.uniforms("internal", w.pid, 2)
    start, _ = w.cols["function_start_date"]
    years = np.searchsorted(np.array(YEARS_IN_FUNCTION_LIMITS[1:]) * 365.25, day - start, side="right")
    weight = _band_table(cfg.by_age, band) * np.array([cfg.by_years_in_function[b]
                                                       for b in YEARS_IN_FUNCTION_LABELS])[years]
    mean = weight[eligible].mean()
    p = np.minimum(1.0, cfg.rate * weight / mean) if mean > 0 else np.zeros(n)
    cand = np.flatnonzero(eligible & (u[0] < p))
    cand = cand[np.argsort(u[1][cand], kind="stable")]
    own = w.cols["salary_scale"][0][cand].astype(np.int64)
    step = f.scale[None, :] - own[:, None]
    ok = _internal_targets(f, cfg.targets)[w.func[cand]] & (step <= cfg.max_scale_up) & (-step <= cfg.max_scale_down)
    key = np.where(ok, draws.grid("internal", w.pid[cand], ok.shape[1], first=2), np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    return cand, np.where(np.take_along_axis(ok, order, axis=1), order, -1)


def _voluntary(w: Workforce, f: Formation, who: np.ndarray, to: np.ndarray, day: int, must: np.ndarray,
               tally: dict) -> np.ndarray:
    """Move voluntary movers ``who`` into ``to`` (the new function's scale, no salary guarantee)
    and add them to ``tally``, those ``must`` marks as moves for the rule; the movers as a mask."""
    moved = np.zeros(len(w), dtype=bool)
    if len(who):
        tally["made"] += int(len(who))
        for_rule = must[who]
        tally["for_rule"] += int(for_rule.sum())
        tally["for_rule_demanding"] += int((for_rule & f.demanding[to]).sum())
        moved = _move(w, f, who, to, day, f.scale[to])
        w.guarantee = np.where(moved, 0, w.guarantee)
    return moved


def _priority(setup: Setup, must: np.ndarray, status_k: np.ndarray, due_k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices of those who must move, in the order the advisors take them (``u``: a lot per person)."""
    rule = setup.scenario.mobility.priority
    idx = np.flatnonzero(must)
    if rule == "due_date":
        return idx[np.lexsort((u[idx], due_k[idx]))]
    if rule == "random":
        return idx[np.argsort(u[idx], kind="stable")]
    return idx[np.lexsort((u[idx], status_k[idx] != S_VIOL))]  # lottery: violations first, drawn by lot


def run_replication(setup: Setup, seed: int, policy: bool = True, detail: bool = False) -> dict:
    """One replication from (scenario, population, seed): years, burden tallies and (with
    ``detail``) breakdowns per unit, scale and age band for every rule."""
    sc = setup.scenario
    f = setup.formation
    w = setup.workforce.take(np.ones(len(setup.workforce), dtype=bool))  # a copy: runs never share state
    positions = f.positions.copy()
    targets = f.targets
    c = sc.costs
    years, burden, breakdowns = [], [], {"unit": [], "salary_scale": [], "age_band": []}
    for y in range(sc.horizon_years):
        draws = Draws(seed, y)
        day_d, nxt_d = setup.days[y], setup.days[y + 1]
        day, nxt = to_daynum(day_d), to_daynum(nxt_d)
        span = nxt - day
        n = len(w)
        status, reason, reasons, due, due_ok = _evaluate(setup, w, y, policy)
        rules_out = {rid: _rule_counts(status[:, k], reason[:, k], reasons[k]) for k, rid in enumerate(setup.rule_ids)}
        keys = _group_keys(w, f, day)
        if detail:
            _breakdowns(breakdowns, keys, status, setup.rule_ids, day_d.year)

        # --- who leaves during the year
        left, converted, leave_day, planned = _leavers(setup, w, day, nxt, keys["age_band"][0], draws)
        leaving = left["retire"] | left["contract"] | left["sick"] | left["attrition"]
        if converted.any():
            w.set("employment_end_date", NO_DAY, ok=False, where=converted)
            w.set("contract_type", "vast", where=converted)

        # --- formation: open positions once this year's leavers are gone (growth first)
        growth = positions * sc.dynamics.growth_rate
        growth[targets] += positions[targets] * sc.mobility.vacancy_rate
        tidx = np.flatnonzero(targets)
        if len(tidx):
            np.add.at(growth, tidx[np.arange(sc.mobility.extra_positions_per_year) % len(tidx)], 1)
        positions = positions + growth
        occupied = np.bincount(w.func[~leaving], minlength=len(positions))
        open_pos = np.maximum(np.floor(positions + 1e-9).astype(np.int64) - occupied, 0)

        # --- voluntary moves (doorstroom), in both worlds: they open and fill positions, and a
        # move by someone the mobility rule obliges to move counts for the rule. While some must
        # move (policy world, priority_over_voluntary), those who need not take no open position
        # of the rule's target functions before the rule's moves are made; afterwards they may.
        sick, sick_ok = w.cols["sick_leave_start"]
        able = ~leaving & ~(sick_ok & (day - sick >= 42))
        if setup.mobility is not None:
            k = setup.mobility
            horizon = to_daynum(add_months(day_d, sc.mobility.lookahead_months))
            must_before = ~leaving & ((status[:, k] == S_VIOL) |
                                      ((status[:, k] == S_DUE) & due_ok[:, k] & (due[:, k] <= horizon)))
        else:
            must_before = np.zeros(n, dtype=bool)
        cand, pref = _internal_wishes(setup, w, able, keys["age_band"][0], day, draws)
        first = pref
        if sc.mobility.priority_over_voluntary and must_before.any():
            first = np.where(must_before[cand][:, None] | ~targets[np.maximum(pref, 0)], pref, -1)
        placed, open_pos = chain_match(first, w.func[cand], open_pos)
        vol = {"wanted": int(len(cand)), "made": 0, "for_rule": 0, "for_rule_demanding": 0}
        vol_moved = _voluntary(w, f, cand[placed >= 0], placed[placed >= 0], day, must_before, vol)
        must_before = must_before & ~vol_moved

        # --- moves under the mobility rule
        mv = {"required": 0, "vacancies": 0, "capacity": sc.mobility.advisor_capacity, "attempts": 0, "made": 0,
              "unmet": 0, "external": 0, "dispensation": 0, "scale_down": 0, "scale_up": 0}
        moved_now = np.zeros(n, dtype=bool)
        external = np.zeros(n, dtype=bool)
        must = np.zeros(n, dtype=bool)
        if setup.mobility is not None:
            k = setup.mobility
            must = must_before
            order = _priority(setup, must, status[:, k], due[:, k], draws.uniform("priority", w.pid))
            attempts = order[:sc.mobility.advisor_capacity]
            got = _match(_preference(setup, w, attempts), open_pos) if len(attempts) else np.zeros(0, np.int64)
            mv["required"] = int(len(order))
            mv["vacancies"] = int(open_pos[targets].sum())
            mv["attempts"] = int(len(attempts))
            who, to = attempts[got >= 0], got[got >= 0]
            if len(who):
                own = w.cols["salary_scale"][0][who].astype(np.int64)
                step = f.scale[to] - own
                mv["scale_down"], mv["scale_up"] = int((step < 0).sum()), int((step > 0).sum())
                np.add.at(open_pos, to, -1)
                np.add.at(open_pos, w.func[who], 1)
                w.guarantee[who] += np.maximum(-step, 0)
                moved_now = _move(w, f, who, to, day, np.maximum(own, f.scale[to]))
                w.moved = w.moved | moved_now
            mv["made"] = int(len(who))
            mv["unmet"] = mv["required"] - mv["made"]
            left_behind = must & ~moved_now
            u = draws.uniforms("external", w.pid, 2)
            external = left_behind & (u[0] < sc.mobility.external.rate)
            disp = left_behind & ~external & (u[1] < sc.mobility.dispensation_share)
            if disp.any():
                w.set("exemption_until", to_daynum(add_months(day_d, sc.mobility.dispensation_months)), where=disp)
            mv["external"], mv["dispensation"] = int(external.sum()), int(disp.sum())
            w.flagged = w.flagged | must
            if external.any():
                np.add.at(open_pos, w.func[external], 1)
        left["external"] = external
        leaving = leaving | external
        rest = (placed < 0) & ~must[cand] if len(cand) else np.zeros(0, dtype=bool)
        if rest.any():  # who still wants to move and need not, into what the rule's moves left open
            again, open_pos = chain_match(pref[rest], w.func[cand[rest]], open_pos)
            _voluntary(w, f, cand[rest][again >= 0], again[again >= 0], day, must_before, vol)

        # --- talks and development hours during the year (drawn for everyone, used where obliged)
        u_talk = draws.uniforms("talks", w.pid, 2)
        talks = np.zeros(n, dtype=bool)
        tk = sc.hours.talks
        if setup.talks is not None:
            obliged = np.isin(status[:, setup.talks], S_NORM)
            talks = obliged & (u_talk[0] < tk.realisation)
            if talks.any() and tk.field in w.cols:
                w.set(tk.field, day + (u_talk[1] * span).astype(np.int64), where=talks)
        dv = sc.hours.development
        z = draws.normal("hours", w.pid)
        dev_obliged = np.isin(status[:, setup.development], S_NORM) if setup.development is not None \
            else np.zeros(n, dtype=bool)
        mean = np.where(dev_obliged, dv.hours.mean, dv.hours_without_rules.mean)
        sd = np.where(dev_obliged, dv.hours.sd, dv.hours_without_rules.sd)
        fte, _ = w.cols["fte"]
        hours = np.round(np.clip(mean + sd * z, 0, None) * fte * 2) / 2
        if dv.field in w.cols:
            w.set(dv.field, hours)
        demanding = w.cols["physically_demanding"][0].astype(bool)
        dev_hours = float(hours.sum())
        dev_hours_obliged = float(hours[dev_obliged].sum())
        replaced = float(hours[demanding].sum()) * c.replacement_share

        # --- sickness on the next reference date: persistence and new cases by age
        stay = ~leaving
        u_sick = draws.uniforms("sick", w.pid, 3)
        band_next = age_band_index(w.cols["birth_date"][0], nxt)
        sick, sick_ok = w.cols["sick_leave_start"]
        long_sick = sick_ok & (day - sick >= 42)
        persist = long_sick & (u_sick[0] < _band_table(sc.dynamics.sickness.persistence_by_age, band_next))
        factor = np.where(w.moved, sc.benefits.sickness_factor_after_move, 1.0)
        onset = ~long_sick & (u_sick[1] < _band_table(sc.dynamics.sickness.incidence_by_age, band_next) * factor)
        new_start = nxt - 43 - (u_sick[2] * 320).astype(np.int64)
        w.set("sick_leave_start", np.where(onset, new_start, sick), ok=persist | onset)
        guarantee_steps = int(w.guarantee.sum())

        # --- burden of this year, before the population turns over
        if setup.mobility is not None:
            k = setup.mobility
            vals = {"employees": np.ones(n, dtype=bool), "moved": moved_now, "violation": status[:, k] == S_VIOL,
                    "exempt": status[:, k] == S_EXEMPT, "due_soon": status[:, k] == S_DUE, "must_move": must,
                    "external": external}
        else:
            zero = np.zeros(n, dtype=bool)
            vals = {"employees": np.ones(n, dtype=bool), "moved": zero, "violation": zero, "exempt": zero,
                    "due_soon": zero, "must_move": zero, "external": zero}
        burden.append((day_d.year, _tally(keys, vals)))

        # --- hires: open positions filled after the lag (planned departures recruited ahead)
        stayers = w.take(stay)
        hire_f, hire_day, origin = _vacancies(setup, w, open_pos, leaving, leave_day, planned, day, nxt)
        ids = hire_ids(y, hire_f, hire_day, origin)
        fill = draws.uniform("hires", ids, slot=5) < sc.dynamics.hires.fill_rate
        hire_f, hire_day, ids = hire_f[fill], hire_day[fill], ids[fill]
        if len(hire_f):
            stayers = stayers.append(new_hires(stayers, setup.workforce, f, hire_f, hire_day, ids, draws,
                                               sc.dynamics.hires, setup.pension))
        n_hires = int(len(hire_f))
        long_sick_next = int((stayers.cols["sick_leave_start"][1]).sum())

        costs = {
            "talks": round(int(talks.sum()) * tk.hours_per_talk * c.hourly_cost, 2),
            "development": round(dev_hours * (c.hourly_cost + c.training_cost_per_hour), 2),
            "replacement": round(replaced * c.hourly_cost, 2),
            "moves": round(mv["made"] * c.cost_per_move, 2),
            "advisors": round(mv["attempts"] / c.attempts_per_advisor_fte * c.advisor_fte_cost, 2),
            "recruitment": round(n_hires * c.recruitment_per_hire, 2),
            "salary_guarantee": round(guarantee_steps * c.salary_step_per_year, 2),
            "external": round(mv["external"] * sc.mobility.external.cost, 2),
        }
        costs["total"] = round(sum(costs.values()), 2)
        years.append({
            "year": day_d.year, "date": day_d.isoformat(), "population_start": n, "positions": int(positions.sum()),
            "hires": n_hires, "leavers": int(leaving.sum()), "retirements": int(left["retire"].sum()),
            "contract_ends": int(left["contract"].sum()), "sick_exits": int(left["sick"].sum()),
            "attrition": int(left["attrition"].sum()), "external": int(external.sum()),
            "population_end": len(stayers), "long_term_sick": long_sick_next,
            "distinct_must_move": int(w.flagged.sum()), "rules": rules_out, "moves": mv,
            "voluntary": vol,
            "hours": {"talks": round(float(talks.sum()) * tk.hours_per_talk, 2), "development": round(dev_hours, 2),
                      "development_obliged": round(dev_hours_obliged, 2)},
            "advisor_fte": round(mv["attempts"] / c.attempts_per_advisor_fte, 2),
            "cost": costs,
        })
        w = stayers
    return {"years": years, "burden": burden, "breakdowns": breakdowns if detail else None}


def _vacancies(setup, w, open_pos, leaving, leave_day, planned, day, nxt):
    """Open positions with the day a hire can start: a planned departure's position on the
    day it opens, an unplanned one after the lag, a position open at the start of the year
    after the lag from the start. Only those that can start before the next reference date;
    with the id of the leaver whose position it is (NO_ORIGIN for the others)."""
    lag = int(round(setup.scenario.dynamics.hires.lag_months * 30.4375))
    n_f = len(open_pos)
    # positions known to open this year, by function, with the day each becomes fillable
    src = np.flatnonzero(leaving)
    f_src = w.func[src]
    start = np.where(planned[src], leave_day[src], leave_day[src] + lag)
    known = np.bincount(f_src, minlength=n_f)
    rest = np.maximum(open_pos - known, 0)  # open since before the year, vacated by movers, or growth
    f_rest = np.repeat(np.arange(n_f), rest)
    start_rest = np.full(len(f_rest), day + lag, dtype=np.int64)
    take_known = np.minimum(open_pos, known)  # moves filled the earliest of the leavers' positions
    order = np.lexsort((-start, f_src))
    f_sorted, s_sorted = f_src[order], start[order]
    first = np.searchsorted(f_sorted, f_sorted, side="left")
    rank = np.arange(len(f_sorted)) - first
    keep = rank < take_known[f_sorted] if len(f_sorted) else np.zeros(0, dtype=bool)
    func = np.concatenate([f_sorted[keep], f_rest]).astype(np.int64)
    when = np.concatenate([s_sorted[keep], start_rest]).astype(np.int64)
    origin = np.concatenate([w.pid[src][order][keep], np.zeros(len(f_rest), dtype=np.uint64)])
    has = np.concatenate([np.ones(int(keep.sum()), dtype=bool), np.zeros(len(f_rest), dtype=bool)])
    ok = when < nxt
    return func[ok], np.maximum(when[ok], day + 1), np.where(has[ok], origin[ok], NO_ORIGIN)


def _breakdowns(out: dict, keys: dict, status: np.ndarray, rule_ids: list[str], year: int) -> None:
    """Counts per unit, salary scale and age band for every rule (the report's group tables)."""
    for key in ("unit", "salary_scale", "age_band"):
        codes, labels = keys[key]
        m = len(labels)
        emp = np.bincount(codes, minlength=m)
        for k, rid in enumerate(rule_ids):
            st = status[:, k]
            cnt = {s: np.bincount(codes, weights=(st == code), minlength=m).astype(int)
                   for s, code in (("exempt", S_EXEMPT), ("due_soon", S_DUE), ("violation", S_VIOL))}
            in_scope = np.bincount(codes, weights=np.isin(st, np.append(S_NORM, S_EXEMPT)), minlength=m).astype(int)
            for gi in np.flatnonzero(emp > 0):
                viol = int(cnt["violation"][gi])
                row = {"year": year, "group": labels[gi], "rule_id": rid, "employees": int(emp[gi]),
                       "in_scope": int(in_scope[gi]), "exempt": int(cnt["exempt"][gi]),
                       "due_soon": int(cnt["due_soon"][gi]), "violation": viol,
                       "share_violation": round(viol / in_scope[gi], 4) if in_scope[gi] else 0.0}
                if key == "age_band":
                    affected = viol + row["due_soon"]
                    row["share_affected"] = round(affected / emp[gi], 4) if emp[gi] else 0.0
                out[key].append(row)
