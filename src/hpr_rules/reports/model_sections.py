"""Report sections of the workforce model: key numbers with bands, effects against the
baseline, the burden per group in the first year the mobility rule bites, and the
source of every assumption. Counts of groups pass the same small-group suppression
as every other table."""

from __future__ import annotations

from .privacy import suppress
from .text import LABELS

BURDEN_COLS = ["employees", "must_move", "moved", "violation", "exempt", "due_soon"]
EFFECT_ROWS = ("cost.total", "cost.talks", "cost.development", "cost.replacement", "cost.moves", "cost.advisors",
               "cost.recruitment", "cost.salary_guarantee", "cost.external", "hours.talks", "hours.development",
               "moves_made", "advisor_fte", "hires", "leavers", "population_end", "long_term_sick")


def burden_year(result) -> int | None:
    """The first year in which the mobility rule has effects (violations or moves > 0)."""
    for year in sorted({r["year"] for r in result.get("burden", [])}):
        rows = [r for r in result["burden"] if r["year"] == year and r["dimension"] == "age_band"]
        if sum(r["violation"] + r["moved"] for r in rows) > 0:
            return year
    return None


def _label(key, t):
    if key.startswith("cost."):
        return f"{t['cost']}: {t.get('cost_' + key[5:], key[5:]).lower()}" if key != "cost.total" else t["cost"]
    if key.startswith("hours."):
        return {"hours.talks": t["hours_pop"], "hours.development": t["hours_development"]}[key]
    return {"moves_made": t["moves_made"], "advisor_fte": t["peak_advisor_fte"].split(" ", 1)[-1],
            "hires": t["hires"], "leavers": t["leavers"], "population_end": t["population"],
            "long_term_sick": "langdurig ziek" if t is LABELS["nl"] else "long-term sick"}.get(key, key)


def model_sections(result: dict, lang: str = "nl") -> dict:
    """Template context of the model's sections (empty where an older result lacks them)."""
    t = LABELS[lang]
    head = result.get("headline") or {}
    headline = [(t.get(k, k), v) for k, v in head.items()]
    effects = []
    for key in EFFECT_ROWS:
        rows = (result.get("effects") or {}).get(key)
        if rows:
            effects.append((_label(key, t), rows))
    year = burden_year(result)
    burden = {}
    moves_by_age = []
    if year is not None:
        for dim in ("age_band", "unit", "salary_scale", "fte_band", "gender"):
            rows = [r for r in result["burden"] if r["year"] == year and r["dimension"] == dim]
            if rows:
                burden[dim] = suppress(rows, BURDEN_COLS)
        for y in sorted({r["year"] for r in result["burden"]}):
            rows = [r for r in result["burden"] if r["year"] == y and r["dimension"] == "age_band"]
            moves_by_age.append((y, {r["group"]: r for r in suppress(rows, ["employees", "moved", "must_move"])}))
    return {"headline": headline, "effects": effects, "burden_year": year, "burden": burden,
            "moves_by_age": moves_by_age, "sources": result.get("assumption_sources") or {}}
