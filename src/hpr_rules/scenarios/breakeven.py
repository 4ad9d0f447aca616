"""Break-even search: the value of one setting from which the verdict (or one criterion)
holds in the required share of runs, by bisection on that share."""

from __future__ import annotations

from ..errors import ScenarioError
from .model import LoadedScenario
from .settings import apply_settings


def share_holding(result, criterion: str | None) -> float:
    """Share of runs in which ``criterion`` holds; for the whole verdict the weakest criterion's."""
    crit = result["feasibility"]["criteria"]
    if criterion is not None:
        match = [c for c in crit if c["id"] == criterion]
        if not match:
            from ..errors import did_you_mean
            raise ScenarioError(f"no criterion {criterion!r}{did_you_mean(criterion, [c['id'] for c in crit])}")
        return match[0]["share_passed"]
    return min((c["share_passed"] for c in crit), default=1.0)


def breakeven(sc: LoadedScenario, key: str, low: float, high: float, *, criterion: str | None = None,
              steps: int = 6, integer: bool = False, **run_kw) -> dict:
    """``{"value": v or None, "tried": [{value, share, holds}], "min_share": s}``: the value
    closest to the failing end at which it holds (``None`` when neither end holds);
    ``data_warnings``: those of the population file (see :func:`run_scenario`)."""
    from .projection import run_scenario
    need = sc.model.criteria.min_share_of_runs
    tried = {}
    warnings: list[str] = []

    def probe(v):
        v = round(v) if integer else v
        if v not in tried:
            r = run_scenario(apply_settings(sc, {key: v}), **run_kw)
            warnings[:] = r.data_warnings
            tried[v] = share_holding(r, criterion)
        return v, tried[v]
    lo, s_lo = probe(low)
    hi, s_hi = probe(high)
    ok_lo, ok_hi = s_lo >= need - 1e-12, s_hi >= need - 1e-12
    value = None
    if ok_lo and ok_hi:
        value = lo  # holds over the whole range: its lower end is the break-even
    elif ok_lo or ok_hi:
        good, bad = (lo, hi) if ok_lo else (hi, lo)
        for _ in range(steps):
            mid = (good + bad) / 2
            m, s = probe(mid)
            if m in (good, bad):
                break
            if s >= need - 1e-12:
                good = m
            else:
                bad = m
        value = good
    rows = [{"value": v, "share": s, "holds": s >= need - 1e-12} for v, s in sorted(tried.items())]
    return {"value": value, "tried": rows, "min_share": need, "key": key, "criterion": criterion,
            "data_warnings": warnings}
