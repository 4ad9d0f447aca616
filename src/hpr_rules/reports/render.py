"""Render scenario results (one, or several side by side) as HTML, Markdown or XLSX."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Callable, NamedTuple

import jinja2

from ..errors import InputError
from ..outputs import atomic_write
from . import charts
from .privacy import suppress
from .model_sections import model_sections
from .text import LABELS, criterion_sentence, short_title, summary_row

COUNT_COLS = ["employees", "in_scope", "exempt", "due_soon", "violation"]
GROUP_KEYS = ("unit", "salary_scale", "age_band")
AGE_ORDER = ["<25", "25-34", "35-44", "45-54", "55-59", "60+"]


def _env():
    return jinja2.Environment(loader=jinja2.PackageLoader("hpr_rules.reports", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "html.j2"]), trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


def _nl(x, digits=0):
    s = f"{x:,.{digits}f}"
    return s.replace(",", "_").replace(".", ",").replace("_", ".")


class Formatters(NamedTuple):
    num: Callable  # a number in the report's language: 1.234,5 or 1,234.5; a string as it is
    pct: Callable  # a share as a percentage
    val: Callable  # a parameter, assumption or provenance value
    sup: Callable  # a count of a small group: 1..4 as <5


def _fmt(lang) -> Formatters:
    def num(x, digits=0):
        if isinstance(x, str):
            return x
        return _nl(x, digits) if lang == "nl" else f"{x:,.{digits}f}"

    def sup(x):
        """A count in a table of small groups: 1..4 shown as <5."""
        if isinstance(x, (int, float)) and 0 < x < 5:
            return "<5"
        return num(x)

    def val(x):
        """A parameter, assumption or provenance value as a reader writes it: 7 not 7.0,
        ja/nee, 0,08, a dash for nothing, key = value for a mapping."""
        if x is None or x == [] or x == {}:
            return "—"
        if isinstance(x, bool):
            return ({"nl": "ja", "en": "yes"} if x else {"nl": "nee", "en": "no"})[lang]
        if isinstance(x, (int, float)):
            f = float(x)
            if f.is_integer():
                return num(f) if abs(f) >= 10000 else str(int(f))
            digits = min(6, max(1, len(f"{f:.6g}".split(".")[-1]) if "." in f"{f:.6g}" else 1))
            return num(f, digits)
        if isinstance(x, dict):
            return "; ".join(f"{k} = {val(v)}" for k, v in x.items())
        if isinstance(x, (list, tuple)):
            return ", ".join(val(v) for v in x)
        return str(x)

    def pct(x):
        if isinstance(x, str):
            return x
        return num(100 * x, 1) + "%"
    return Formatters(num, pct, val, sup)


def _year_shown(result) -> int:
    """The first simulated year whose reference date lies on or after the day the criteria
    apply (the end of the transition periods); the last year when none does."""
    start = result["feasibility"].get("criteria_from") or result["years"][0]["date"]
    ys = [y["year"] for y in result["years"] if y["date"] >= start]
    return ys[0] if ys else result["years"][-1]["year"]


def _status_table(years: list[dict], rid: str, t: dict) -> list[tuple[str, list]]:
    """Rows (label, one count per year) of one rule: in scope, exempt by reason, the norm's
    statuses. Counts 1..4 are suppressed, with a complementary cell per year where the
    parts would otherwise give them away (the parts add up to the in-scope total)."""
    reasons = []
    for y in years:
        for reason in y["rules"].get(rid, {}).get("exempt", {}):
            if reason not in reasons:
                reasons.append(reason)
    keys = [("in_scope", t["in_scope"])] + [(f"exempt.{x}", t["exempt_by"].format(t.get(x, x))) for x in reasons] + \
        [(s, t[s]) for s in ("compliant", "due_soon", "violation")]
    cols = [str(y["year"]) for y in years]

    def count(y, key):
        rr = y["rules"].get(rid, {})
        if key.startswith("exempt."):
            return int(rr.get("exempt", {}).get(key.removeprefix("exempt."), 0))
        return int(rr.get(key, 0))
    parts = [{"key": k, **{c: count(y, k) for c, y in zip(cols, years)}} for k, _ in keys[1:]]
    parts = suppress(parts, cols, size_col="_none")
    total = suppress([{"key": "in_scope", **{c: count(y, "in_scope") for c, y in zip(cols, years)}}], cols,
                     size_col="_none")
    by_key = {r["key"]: r for r in total + parts}
    return [(k, label, [by_key[k][c] for c in cols]) for k, label in keys]


def prepare(result: dict, lang: str = "nl") -> dict:
    """Everything a template needs, with small groups already suppressed."""
    t = LABELS[lang]
    rules = [r for r in result["rules"] if r.get("enabled", True)]
    rule_ids = [r["id"] for r in rules]
    titles = {r["id"]: r["title"][lang] for r in rules}
    shorts = {rid: short_title(rid, lang) for rid in rule_ids}
    year = _year_shown(result)
    tables = {}
    for key in GROUP_KEYS:
        rows = [r for r in result["breakdowns"][key] if r["year"] == year]
        per_rule = {}
        for rid in rule_ids:
            sub = [r for r in rows if r["rule_id"] == rid]
            if key == "age_band":
                sub.sort(key=lambda r: AGE_ORDER.index(r["group"]) if r["group"] in AGE_ORDER else 99)
            per_rule[rid] = suppress(sub, COUNT_COLS)
        tables[key] = per_rule
    years = result["years"]
    status_tables = {rid: _status_table(years, rid, t) for rid in rule_ids}
    crit = result["feasibility"]["criteria"]
    budget = result["assumptions"]["criteria"].get("budget_per_year")
    age_rows = [r for rid in rule_ids for r in tables["age_band"][rid]]
    mobility = result.get("roles", {}).get("mobility")
    return {
        "t": t, "lang": lang, "r": result, "rules": rules, "rule_ids": rule_ids, "titles": titles, "shorts": shorts,
        "disabled": [r["id"] for r in result["rules"] if not r.get("enabled", True)],
        "years": years, "year_shown": year, "tables": tables, "status_tables": status_tables,
        "sv": {rid: {k: v for k, _, v in rows} for rid, rows in status_tables.items()},
        "verdicts": [(c["passed"], criterion_sentence(result, c, lang)) for c in crit],
        "mobility": mobility if mobility in rule_ids else None,
        **model_sections(result, lang),
        "charts": {
            "status": charts.status_bars(years, rule_ids, t, titles),
            "moves": charts.moves_chart(years, t) if mobility in rule_ids else None,
            "cost": charts.cost_chart(years, t, budget),
            "age": charts.age_chart(age_rows, rule_ids, AGE_ORDER, titles),
            "tornado": charts.tornado_chart(result["tornado"], t) if result.get("tornado") else None,
        },
    }


def render(result, fmt: str = "html", lang: str = "nl", timestamp: str | None = None) -> bytes:
    """The report of one result (dict) or of several side by side (list of dicts)."""
    results = result if isinstance(result, list) else [result]
    results = [copy.deepcopy(r) for r in results]
    if timestamp:
        for r in results:
            r["provenance"]["generated_at"] = timestamp
    if fmt == "xlsx":
        return _xlsx(results, lang)
    ctx = {"reports": [prepare(r, lang) for r in results], **_fmt(lang)._asdict(), "t": LABELS[lang], "lang": lang,
           "age_order": AGE_ORDER,
           "compare": [summary_row(r, lang) for r in results] if len(results) > 1 else None}
    name = {"html": "report.html.j2", "md": "report.md.j2"}.get(fmt)
    if name is None:
        raise InputError(f"unknown report format {fmt!r}; use html, md or xlsx")
    return _env().get_template(name).render(**ctx).encode("utf-8")


def write_report(result, path, lang: str = "nl", timestamp: str | None = None) -> None:
    ext = Path(path).suffix.lower().lstrip(".")
    fmt = {"htm": "html"}.get(ext, ext)
    data = render(result, fmt, lang, timestamp)
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def _xlsx(results, lang) -> bytes:
    import pandas as pd
    from openpyxl.styles import Font
    t = LABELS[lang]
    val = _fmt(lang).val
    sheets = {}
    if len(results) > 1:
        sheets["compare"] = pd.DataFrame([summary_row(r, lang) for r in results])
    for i, r in enumerate(results):
        pre = f"{i + 1}-" if len(results) > 1 else ""
        rows = []
        enabled = [x["id"] for x in r["rules"] if x.get("enabled", True)]
        tables = {rid: _status_table(r["years"], rid, t) for rid in enabled}  # suppressed, exempt by reason
        for j, y in enumerate(r["years"]):
            base = {"year": y["year"], "population_start": y["population_start"], "hires": y["hires"],
                    "leavers": y["leavers"], "population_end": y["population_end"]}
            for rid in enabled:
                base.update({f"{rid}.{key}": values[j] for key, _, values in tables[rid]})
            base.update({f"moves.{k}": v for k, v in y["moves"].items()})
            base.update({f"hours.{k}": v for k, v in y["hours"].items()})
            base.update({f"cost.{k}": v for k, v in y["cost"].items()})
            rows.append(base)
        sheets[f"{pre}years"] = pd.DataFrame(rows)
        for key in GROUP_KEYS:
            out = []
            rule_ids = {x["rule_id"] for x in r["breakdowns"][key]}
            for year in sorted({x["year"] for x in r["breakdowns"][key]}):
                for rid in sorted(rule_ids):
                    sub = [x for x in r["breakdowns"][key] if x["year"] == year and x["rule_id"] == rid]
                    out.extend({k: v for k, v in x.items() if k != "_suppressed"} for x in suppress(sub, COUNT_COLS))
            sheets[f"{pre}{key}"] = pd.DataFrame(out)
        if r.get("burden"):
            from .model_sections import BURDEN_COLS
            out = []
            for year in sorted({x["year"] for x in r["burden"]}):
                for dim in sorted({x["dimension"] for x in r["burden"]}):
                    sub = [x for x in r["burden"] if x["year"] == year and x["dimension"] == dim]
                    out.extend({k: v for k, v in x.items() if k != "_suppressed"}
                               for x in suppress(sub, BURDEN_COLS + ["external", "employees_baseline"]))
            sheets[f"{pre}burden"] = pd.DataFrame(out).drop(columns=["policy_minus_baseline_employees"])
        if r.get("effects"):
            sheets[f"{pre}effects"] = pd.DataFrame([{"metric": k, **row} for k, rows in r["effects"].items()
                                                    for row in rows])
        sheets[f"{pre}criteria"] = pd.DataFrame(r["feasibility"]["criteria"])
        sheets[f"{pre}assumptions"] = pd.DataFrame(
            [{"key": f"{g}.{k}", "value": val(v)} for g, vs in r["assumptions"].items() if isinstance(vs, dict)
             for k, v in vs.items()])
        sheets[f"{pre}provenance"] = pd.DataFrame([{"key": k, "value": str(v)} for k, v in
                                                   {**r["scenario"], **r["provenance"]}.items()])
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, index=False, sheet_name=name[:31])
            ws = xw.sheets[name[:31]]
            ws.freeze_panes = "B2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
    return buf.getvalue()
