"""Sensitivity (tornado): which assumption moves the verdict most.

Each setting of ``sensitivity.settings`` is run at its low and its high value (all else as
in the scenario, same seeds, ``sensitivity.runs`` replications); the measure is the mean
over the criteria of the share of runs in which each holds (1 = every criterion holds in
every run), and, because a verdict far from passing barely moves that share, the mean
margin to the criteria: per criterion (threshold - median worst value) / scale, clipped
to [-1, 1], where the scale is the threshold itself, or for counts against zero the
median peak of moves required (0 = on the line, negative = failing)."""

from __future__ import annotations

from .model import LoadedScenario
from .settings import apply_settings


def verdict_score(result) -> float:
    """Mean over the criteria of the share of runs in which each holds (1.0 without criteria)."""
    crit = result["feasibility"]["criteria"]
    return round(sum(c["share_passed"] for c in crit) / len(crit), 4) if crit else 1.0


def verdict_margin(result) -> float:
    """Mean over the criteria of the clipped, scaled margin between threshold and worst value."""
    crit = result["feasibility"]["criteria"]
    if not crit:
        return 1.0
    peak = max(1.0, result.get("headline", {}).get("peak_moves_required", {}).get("median", 1.0))
    out = []
    for c in crit:
        scale = abs(c["threshold"]) if c["threshold"] else peak
        out.append(max(-1.0, min(1.0, (c["threshold"] - c["worst_value"]) / scale)))
    return round(sum(out) / len(out), 4)


COUNT_BANDS = ("violation:", "moves_required", "moves_made", "moves_unmet", "attempts")


def smallest_count(result) -> float:
    """The smallest positive count of people (P10, median or P90 over the runs, any year)
    behind a result's criteria, or 0 when there is none: a report shows a margin computed
    from them only when it is not a small group."""
    vals = [v for name, rows in (result.get("bands") or {}).items() if name.startswith(COUNT_BANDS)
            for row in rows for v in (row["p10"], row["median"], row["p90"]) if v > 0]
    return min(vals, default=0.0)


def tornado(sc: LoadedScenario, base_result, **run_kw) -> list[dict]:
    """Rows ``{key, low, high, score_*, margin_*, feasible_low, feasible_high, swing}``, largest
    swing first (by the share of runs, then by the margin)."""
    from .projection import run_scenario
    sens = sc.model.sensitivity
    base, base_margin = verdict_score(base_result), verdict_margin(base_result)
    rows = []
    for key, (low, high) in sens.settings.items():
        out = {"key": key, "low": low, "high": high, "score_base": base, "margin_base": base_margin}
        for side, value in (("low", low), ("high", high)):
            r = run_scenario(apply_settings(sc, {key: value, "sensitivity.settings": {}}), runs=sens.runs, **run_kw)
            out[f"score_{side}"] = verdict_score(r)
            out[f"margin_{side}"] = verdict_margin(r)
            out[f"feasible_{side}"] = bool(r["feasibility"]["feasible"])
            out[f"smallest_count_{side}"] = smallest_count(r)
        out["swing"] = round(abs(out["score_high"] - out["score_low"]), 4)
        out["margin_swing"] = round(abs(out["margin_high"] - out["margin_low"]), 4)
        rows.append(out)
    return sorted(rows, key=lambda r: (-r["swing"], -r["margin_swing"], r["key"]))
