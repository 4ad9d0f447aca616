"""Render scenario results (one, or several side by side) as HTML, Markdown or XLSX."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Callable, NamedTuple

import jinja2

from ..errors import InputError
from ..outputs import FORMULA_START, atomic_write, stable_xlsx
from . import charts
from .privacy import HIDDEN, Protection
from .tables import AGE_ORDER, _order, margins_shown, protect_scenario, resolve, scenario_tables, year_shown
from .text import LABELS, criterion_sentence, key_label, setting_rows, short_title, with_titles, words

__all__ = ["AGE_ORDER", "prepare", "render", "write_report"]


_MD_SPECIAL = str.maketrans({"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;", "[": "\\[",
                             "]": "\\]", "*": "\\*", "_": "\\_", "`": "\\`", "#": "\\#", "!": "\\!",
                             "\n": " ", "\r": " "})


def md_escape(text) -> str:
    """Text from data (a unit, a scenario name) as literal Markdown: no link, image, HTML,
    emphasis or extra table column can come out of it.

    >>> md_escape("a|b <script>")
    'a\\\\|b &lt;script&gt;'
    """
    return str(text).translate(_MD_SPECIAL)


def _env():
    env = jinja2.Environment(loader=jinja2.PackageLoader("hpr_rules.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "html.j2"]), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = md_escape
    return env


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




def cell_text(value, fmt, f: Formatters) -> str:
    """A resolved cell as printed in HTML and Markdown."""
    if isinstance(value, str) and value == HIDDEN:
        return HIDDEN
    if fmt == "pct":
        return f.pct(value)
    if fmt == "band":
        return " / ".join(f.num(v) for v in value)
    if fmt == "spread":
        lo, mid, hi = value
        return f"{f.num(mid)} ({f.num(lo)} – {f.num(hi)})"
    if fmt in ("count", "euro", "hours"):
        return f.num(value)
    if fmt == "num":
        return f.val(value)
    return str(value)


def _hidden(v) -> bool:
    return isinstance(v, str) and v == HIDDEN


def shown_tables(tables: dict, prot: Protection, f: Formatters) -> dict:
    """Each table with every cell resolved against the protection: (text, hidden?)."""
    out = {}
    for section, tabs in tables.items():
        out[section] = []
        for tb in tabs:
            rows = []
            for label, cells in tb.rows:
                vals = [resolve(c, prot) for c in cells]
                rows.append((label, [(cell_text(v, fmt, f), _hidden(v)) for v, fmt in vals]))
            out[section].append({"id": tb.id, "title": tb.title, "header": tb.header, "rows": rows})
    return out


def _series(prot: Protection, keys) -> list:
    return [(prot.estimate(k), _hidden(prot.value(k))) for k in keys]


def _charts(result, prot: Protection, t, titles, rule_ids, moves: bool, lang: str = "nl") -> dict:
    """The charts, drawn from the protected cells (a hidden one hatched, see charts._bars)."""
    ys = [y["year"] for y in result["years"]]
    panels = {}
    for rid in rule_ids:
        exempt = []
        for y in ys:
            keys = [k for k in prot.linked.values if k[:4] == ("rule", y, rid, "exempt") and len(k) == 5]
            exempt.append((sum(prot.estimate(k) for k in keys), any(_hidden(prot.value(k)) for k in keys)))
        panels[rid] = {"exempt": exempt, **{s: _series(prot, [("rule", y, rid, s) for y in ys])
                                            for s in ("compliant", "due_soon", "violation")}}
    budget = result["assumptions"].get("criteria", {}).get("budget_per_year")
    parts = [k for k in result["years"][0]["cost"] if k != "total"]
    cost = [[(v / 1e6, h) for v, h in _series(prot, [("cost", y, k) for y in ys])] for k in parts]
    out = {
        "status": charts.status_bars(ys, panels, t, titles),
        "moves": charts.grouped_bars(ys, [_series(prot, [("moves", y, k) for y in ys]) for k in
                                          ("required", "vacancies", "made")],
                                     [t["moves_required"], t["vacancies"], t["moves_made"]],
                                     [charts.COLORS[k] for k in ("required", "vacancies", "made")]) if moves else None,
        "cost": charts.stacked_bars(ys, cost, [t.get(f"cost_{k}", k) for k in parts],
                                    [charts.COLORS.get(k, "#9aa5b1") for k in parts], "mln euro",
                                    (budget / 1e6, t["budget"]) if budget else None),
        "age": None,
        "tornado": charts.tornado_chart(result["tornado"], t, [key_label(r["key"], lang) for r in result["tornado"]],
                                        margins_shown(result)) if result.get("tornado") else None,
    }
    bands = _order("age_band", {k[2] for k in prot.linked.values if k[:2] == ("bd", "age_band")})
    if bands:
        series = []
        for rid in rule_ids:
            ser = []
            for b in bands:
                v = prot.ratio([("bd", "age_band", b, rid, "violation"), ("bd", "age_band", b, rid, "due_soon")],
                               ("bd", "age_band", b, "employees"))
                ser.append((0.0, True) if _hidden(v) else (100 * v, False))
            series.append(ser)
        out["age"] = charts.grouped_bars(bands, series, [titles[r] for r in rule_ids], ylabel="%", figsize=(7, 2.8))
    return out


def _worst(result, c, prot: Protection):
    """The worst value a criterion quotes, recomputed from published cells; None when it
    rests on a hidden one."""
    years = [y["year"] for y in result["years"]]
    if c["kind"] == "violation_share":
        span = [y["year"] for y in result["years"] if y["date"] >= c.get("from", "")]
        vals = [prot.ratio([("rule", y, c["rule_id"], "violation")], ("rule", y, c["rule_id"], "in_scope"))
                for y in span]
    elif c["kind"] == "moves_within_vacancies":
        pairs = [(prot.value(("moves", y, "required")), prot.value(("moves", y, "vacancies"))) for y in years]
        vals = [HIDDEN if _hidden(a) or _hidden(b) else a - b for a, b in pairs]
    elif c["kind"] == "budget":
        vals = [prot.value(("cost", y, "total")) for y in years]
    elif c["kind"] == "advisor_capacity":
        vals = [prot.value(("moves", y, "attempts")) for y in years]
    else:
        return None
    if not vals or any(_hidden(v) for v in vals):
        return None
    return c.get("worst_value", max(vals))


def _parameter_labels(lang: str) -> dict:
    """Parameter names as the rule files describe them (the result names them by code)."""
    try:
        from ..language import default_rules_dir, load_rulebook
        book = load_rulebook(default_rules_dir())
    except Exception:  # noqa: BLE001 - without the rule files a name is written as words
        return {}
    out = {}
    for r in book.rules:
        for name, p in r.model.parameters.items():
            d = p.description
            if d is not None:
                out[name] = (getattr(d, "en", None) or d.nl) if lang == "en" else d.nl
    return out


def _described(result: dict, lang: str, titles: dict, val) -> dict:
    """The rules' parameters, the assumptions, their sources and the provenance as labelled rows."""
    params = _parameter_labels(lang)
    every = {r["id"]: r["title"][lang] for r in result["rules"] if r.get("title")}
    prov = {**result["scenario"], **result["provenance"]}
    source = prov.pop("data_source_text", None)  # the data source in the reader's language
    if source:
        prov["data_source"] = source.get(lang, prov.get("data_source"))
    if "rules_version" in prov:
        prov["rules_version"] = with_titles(str(prov["rules_version"]), every)
    return {
        "parameter_rows": {r["id"]: [(params.get(n, words(n)[:1].upper() + words(n)[1:]), val(v), n in r.get("overridden", []))
                                     for n, v in r["parameters"].items()] for r in result["rules"] if r.get("enabled", True)},
        "assumption_rows": setting_rows(result.get("assumptions", {}), lang, val, every),
        "source_rows": [(key_label(k, lang, every), v) for k, v in (result.get("assumption_sources") or {}).items()],
        "provenance_rows": setting_rows(prov, lang, val, every),
        "disabled_titles": [every.get(r["id"], words(r["id"])) for r in result["rules"] if not r.get("enabled", True)],
    }


def prepare(result: dict, lang: str = "nl", prot: Protection | None = None, charts: bool = True) -> dict:
    """Everything a template needs, every number drawn from the protected cells."""
    t = LABELS[lang]
    f = _fmt(lang)
    prot = prot or protect_scenario(result)
    rules = [r for r in result["rules"] if r.get("enabled", True)]
    rule_ids = [r["id"] for r in rules]
    titles = {r["id"]: r["title"][lang] for r in rules}
    shorts = {rid: short_title(result, rid, lang) for rid in rule_ids}
    tables = scenario_tables(result, prot, t, titles, shorts, f, lang)
    moves = t["moves_required"] in tables["per_year"][0].header
    crit = result["feasibility"]["criteria"]
    return {
        "t": t, "lang": lang, "r": result, "rules": rules, "rule_ids": rule_ids, "titles": titles, "shorts": shorts,
        "disabled": [r["id"] for r in result["rules"] if not r.get("enabled", True)],
        "year_shown": year_shown(result), "prot": prot, "table_specs": tables,
        "tables": shown_tables(tables, prot, f),
        "verdicts": [(c["passed"], criterion_sentence(result, c, lang, _worst(result, c, prot))) for c in crit],
        **_described(result, lang, titles, f.val),
        "charts": _charts(result, prot, t, titles, rule_ids, moves, lang) if charts else {},
    }


def render(result, fmt: str = "html", lang: str = "nl", timestamp: str | None = None,
           year: int | None = None) -> bytes:
    """The report of one result (dict), or one report of several side by side (list of
    dicts; ``year``: the year of their breakdowns, by default the last one they share)."""
    results = result if isinstance(result, list) else [result]
    results = [copy.deepcopy(r) for r in results]
    if timestamp:
        for r in results:
            r["provenance"]["generated_at"] = timestamp
    if fmt not in ("html", "md", "xlsx"):
        raise InputError(f"unknown report format {fmt!r}; use html, md or xlsx")
    if len(results) > 1:
        return _comparison(results, fmt, lang, year)
    reports = [prepare(r, lang, charts=fmt == "html") for r in results]
    if fmt == "xlsx":
        return _xlsx(reports, lang)
    ctx = {"reports": reports, **_fmt(lang)._asdict(), "t": LABELS[lang], "lang": lang, "key_label": key_label}
    name = {"html": "report.html.j2", "md": "report.md.j2"}[fmt]
    return _env().get_template(name).render(**ctx).encode("utf-8")


def _comparison(results: list, fmt: str, lang: str, year: int | None) -> bytes:
    from .compare import prepare_comparison
    ctx = prepare_comparison(results, lang, year, charts=fmt == "html")
    if fmt == "xlsx":
        return _comparison_xlsx(ctx)
    name = {"html": "compare.html.j2", "md": "compare.md.j2"}[fmt]
    return _env().get_template(name).render(**ctx, **_fmt(lang)._asdict()).encode("utf-8")


def write_report(result, path, lang: str = "nl", timestamp: str | None = None, year: int | None = None) -> None:
    ext = Path(path).suffix.lower().lstrip(".")
    fmt = {"htm": "html"}.get(ext, ext)
    data = render(result, fmt, lang, timestamp, year)
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


XLSX_FORMATS = {"count": "#,##0", "hours": "#,##0", "euro": '"€" #,##0', "pct": "0.0%", "num": "General"}


def xlsx_cell(ws, row: int, col: int, value, fmt: str = "text"):
    """One worksheet cell: a number stays a number with a number format (Excel shows it in
    the reader's locale, 1.234 in Dutch); text is always stored as text, never a formula."""
    from openpyxl.styles import Alignment
    cell = ws.cell(row=row, column=col)
    if isinstance(value, bool) or value is None:
        value = "" if value is None else str(value)
    if isinstance(value, (int, float)):
        cell.value = value
        cell.number_format = XLSX_FORMATS.get(fmt, "General")
        return cell
    g = [f"{v:.0f}" if abs(v) >= 10 else f"{v:g}" for v in value] if isinstance(value, tuple) else []
    if isinstance(value, tuple) and fmt == "spread":  # median over runs: a number, P10 – P90 in a note
        from openpyxl.comments import Comment
        cell.value = value[1]
        cell.number_format = "#,##0" if abs(value[1]) >= 100 else "General"
        cell.comment = Comment(f"P10 – P90: {g[0]} – {g[2]}", "hpr-rules")
        return cell
    if isinstance(value, tuple):  # min / median / max over runs
        value = " / ".join(g)
    cell.value = str(value)
    cell.data_type = "s"   # "=HYPERLINK(..)" in a unit name stays text
    if str(value)[:1] and str(value)[0] in FORMULA_START:
        cell.quotePrefix = True
    if value == HIDDEN:
        cell.alignment = Alignment(horizontal="right")
    return cell


def xlsx_sheet(wb, title: str, header: list, rows: list, widths_from: int = 50):
    """A sheet with a bold, frozen header row and columns wide enough for their content.
    ``rows`` are lists of (value, format) pairs."""
    from openpyxl.styles import Font
    name = _sheet_name(wb, title)
    ws = wb.create_sheet(name)
    for j, h in enumerate(header, 1):
        xlsx_cell(ws, 1, j, h).font = Font(bold=True)
    for i, row in enumerate(rows, 2):
        for j, (v, fmt) in enumerate(row, 1):
            xlsx_cell(ws, i, j, v, fmt)
    ws.freeze_panes = "B2"
    for j, col in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, widths_from)), 1):
        width = max((len(str(c.value)) if c.value is not None else 0) for c in col)
        ws.column_dimensions[col[0].column_letter].width = min(60, max(9, width + 2))
    return ws


def _sheet_name(wb, title: str) -> str:
    if len(title) > 31 and " (" in title:  # a remark in brackets goes first
        title = title.split(" (")[0]
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "blad"
    name, i = base, 2
    while name in wb.sheetnames:
        suffix = f" ({i})"
        name, i = base[:31 - len(suffix)] + suffix, i + 1
    return name


def _xlsx(reports: list, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    t = LABELS[lang]
    f = _fmt(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = t["verdict"]
    ws.column_dimensions["A"].width = 110
    row = 1
    for rep in reports:
        r = rep["r"]
        xlsx_cell(ws, row, 1, f"{r['scenario']['name']}: "
                  f"{t['feasible'] if r['feasibility']['feasible'] else t['not_feasible']}").font = Font(bold=True)
        row += 1
        for passed, sentence in rep["verdicts"]:
            xlsx_cell(ws, row, 1, ("✓ " if passed else "✗ ") + sentence).alignment = Alignment(wrap_text=True)
            row += 1
        row += 1
    xlsx_cell(ws, row, 1, t["suppressed"]).alignment = Alignment(wrap_text=True)
    for i, rep in enumerate(reports):
        pre = f"{i + 1} " if len(reports) > 1 else ""
        prot = rep["prot"]
        for tabs in rep["table_specs"].values():
            for tb in tabs:
                rows = [[(label, "text")] + [resolve(c, prot) for c in cells] for label, cells in tb.rows]
                xlsx_sheet(wb, pre + tb.title, tb.header, rows)
        r = rep["r"]
        xlsx_sheet(wb, pre + t["assumptions"], [t["assumptions"], ""],
                   [[(k, "text"), (v, "text")] for k, v in rep["assumption_rows"]])
        xlsx_sheet(wb, pre + t["provenance"], [t["provenance"], ""],
                   [[(k, "text"), (v, "text")] for k, v in rep["provenance_rows"]])
    buf = io.BytesIO()
    wb.save(buf)
    return stable_xlsx(buf.getvalue(), reports[0]["r"]["provenance"].get("generated_at"))


def _comparison_xlsx(ctx: dict) -> bytes:
    """A comparison as a workbook: the verdict table first, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    t, prot = ctx["t"], ctx["prot"]
    wb = Workbook()
    wb.remove(wb.active)
    first = True
    for tabs in ctx["table_specs"].values():
        for tb in tabs:
            rows = [[(label, "text")] + [resolve(c, prot) for c in cells] for label, cells in tb.rows]
            ws = xlsx_sheet(wb, t["verdict"] if first else (tb.sheet or tb.title), tb.header, rows)
            if first:
                row = len(rows) + 3
                for name_row, name in enumerate(ctx["names"]):
                    xlsx_cell(ws, row + name_row, 1, f"[{name_row + 1}] {name}")
                xlsx_cell(ws, row + len(ctx["names"]) + 1, 1, t["compare_verdict_note"])
                xlsx_cell(ws, row + len(ctx["names"]) + 2, 1, t["suppressed"]).alignment = Alignment(wrap_text=False)
                first = False
    buf = io.BytesIO()
    wb.save(buf)
    return stable_xlsx(buf.getvalue(), ctx["generated_at"])
