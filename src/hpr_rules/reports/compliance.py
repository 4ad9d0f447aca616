"""A compliance report from ``hpr check`` findings: a verdict per rule (share in violation,
per reference date when there are several), counts per rule and status, per unit and age
band, and provenance. Every number goes through the same disclosure control as the
scenario report (:mod:`.privacy`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd

from .. import run_timestamp
from ..errors import InputError
from ..findings import EMPLOYER_FAILING, FINDINGS_COLUMNS, employer_mask
from ..outputs import atomic_write, stable_xlsx, unescape_text
from .privacy import Linked, protect
from .tables import AGE_ORDER, Num, Share, Table, _order, resolve
from .text import LABELS

STATUS_COLS = ["exempt", "compliant", "due_soon", "violation", "not_applicable", "not_in_force", "invalid"]
IN_SCOPE = ["exempt", "compliant", "due_soon", "violation"]
#: a violation whose reason is the employer's failing (``party: employer`` in the rule file):
#: counted in a column of its own, never in the violations nor in the share in violation
EMPLOYER = EMPLOYER_FAILING
VERDICT = ("violation", EMPLOYER)   # the verdict's numbers: the last to give up for a complement
ATTRIBUTES = ("violation", EMPLOYER, "exempt")


def _cols(df: pd.DataFrame, cols: list) -> list:
    """``cols`` with the employer's failing after violation, when the findings have one."""
    if EMPLOYER not in set(df["status"]):
        return list(cols)
    i = cols.index("violation") + 1
    return cols[:i] + [EMPLOYER] + cols[i:]


def _employer_status(df: pd.DataFrame, employer) -> pd.DataFrame:
    """The report's status of every finding: a violation whose reason is the employer's
    failing (``employer``: :meth:`RuleBook.employer_reasons`) is :data:`EMPLOYER`. The
    findings file is not changed."""
    mask = employer_mask(df, employer)
    return df.assign(status=df["status"].where(~mask, EMPLOYER)) if mask.any() else df


def _read(path) -> pd.DataFrame:
    p = Path(path)
    try:
        df = pd.read_parquet(p) if p.suffix.lower() == ".parquet" else pd.read_csv(p, keep_default_na=False, dtype=str)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"cannot read findings: {exc}", file=str(p)) from None
    missing = [c for c in FINDINGS_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"not a findings file: missing columns {', '.join(missing)}", file=str(p))
    if df.empty:
        raise InputError("the findings file has no rows", file=str(p))
    df = df.astype({"employee_id": str, "rule_id": str, "status": str, "reference_date": str})
    df["employee_id"] = df["employee_id"].map(unescape_text)  # "'=1" in the CSV is the id "=1"
    book = _book()
    return _employer_status(df, book.employer_reasons() if book else ())


def _attach(df: pd.DataFrame, data, mapping, findings_file, t) -> pd.DataFrame:
    """Unit and age band of every finding, from the personnel file. Findings and data must
    describe the same people: an employee on one side only is an error, not a silent drop."""
    from ..records import load_records
    from ..scenarios.projection import age_bands
    frame = load_records(data, mapping).frame
    ids = frame["employee_id"].astype(str)
    valid = df[df["status"] != "invalid"]
    only_findings = sorted(set(valid["employee_id"]) - set(ids))
    only_data = sorted(set(ids) - set(df["employee_id"]))
    if only_findings or only_data:
        parts = []
        if only_findings:
            parts.append(f"{len(only_findings)} employee(s) in the findings are not in the data "
                         f"(first: {only_findings[0]})")
        if only_data:
            parts.append(f"{len(only_data)} employee(s) in the data have no findings (first: {only_data[0]})")
        raise InputError("findings and data do not match: " + "; ".join(parts) +
                         "; run hpr check on this data file again", file=str(findings_file))
    out = []
    for date, sub in df.groupby("reference_date", sort=True):
        day = dt.date.fromisoformat(str(date)[:10])
        attrs = pd.DataFrame({"employee_id": ids, "unit": frame["unit"].astype(str),
                              "age_band": age_bands(frame["birth_date"], day)}).drop_duplicates("employee_id")
        out.append(sub.merge(attrs, on="employee_id", how="left"))
    merged = pd.concat(out, ignore_index=True)
    return merged.fillna({"unit": t["invalid"], "age_band": t["invalid"]})


def compliance_cells(df: pd.DataFrame, keys=("unit", "age_band")) -> Linked:
    """The linked cells of a compliance report: per date, rule and status; per group of the
    last date. A row of a table adds up to its records; every column adds up to its total."""
    L = Linked()
    dates = sorted(df["reference_date"].unique())
    rules = sorted(df["rule_id"].unique())
    counts = df.groupby(["reference_date", "rule_id", "status"]).size()
    cols, scope = _cols(df, STATUS_COLS), _cols(df, IN_SCOPE)
    for d in dates:
        for r in rules:
            for s in cols:  # the verdict's numbers are the last to give up for a complement
                L.cell(("f", d, r, s), int(counts.get((d, r, s), 0)), weight=10 if s in VERDICT else 1,
                       attribute=s in ATTRIBUTES)
            L.cell(("f", d, r, "records"), sum(int(counts.get((d, r, s), 0)) for s in cols))
            L.total(("f", d, r, "records"), [("f", d, r, s) for s in cols])
            L.cell(("f", d, r, "in_scope"), sum(int(counts.get((d, r, s), 0)) for s in scope), weight=10)
            L.total(("f", d, r, "in_scope"), [("f", d, r, s) for s in scope])
    last = dates[-1]
    sub = df[df["reference_date"] == last]
    _reason_cells(L, sub, last, rules)
    for key in keys:
        if key not in sub.columns:
            continue
        by = sub.groupby([key, "rule_id", "status"]).size()
        groups = _order(key, set(sub[key]))
        for g in groups:
            sizes = {r: sum(int(by.get((g, r, s), 0)) for s in cols) for r in rules}
            shared = len(set(sizes.values())) == 1  # one head count for the group in every rule's table
            for r in rules:
                rec = ("g", key, g, "records") if shared else ("g", key, g, r, "records")
                L.cell(rec, sizes[r])
                for s in cols:
                    L.cell(("g", key, g, r, s), int(by.get((g, r, s), 0)), attribute=s in ATTRIBUTES)
                L.total(rec, [("g", key, g, r, s) for s in cols])
                L.cell(("g", key, g, r, "in_scope"), sum(int(by.get((g, r, s), 0)) for s in scope))
                L.total(("g", key, g, r, "in_scope"), [("g", key, g, r, s) for s in scope])
        for r in rules:
            for s in cols + ["in_scope"]:
                L.total(("f", last, r, s), [("g", key, g, r, s) for g in groups])
    return L


#: outcomes a reason qualifies (an exemption's ground; a norm reason such as no_offer)
REASONED = ["exempt", "due_soon", "violation", EMPLOYER]


def _reason_cells(L: Linked, sub: pd.DataFrame, last, rules) -> None:
    """Counts per reason of the last date's outcomes that carry one, adding up to the status."""
    reasons = sub["reason"].astype(str) if "reason" in sub.columns else pd.Series("", index=sub.index)
    by = sub.assign(reason=reasons).groupby(["rule_id", "status", "reason"]).size()
    for r in rules:
        for s in REASONED:
            codes = sorted(c for (rr, ss, c) in by.index if rr == r and ss == s)
            if not any(codes):
                continue
            for c in codes:
                L.cell(("f", last, r, s, c), int(by[(r, s, c)]))
            L.total(("f", last, r, s), [("f", last, r, s, c) for c in codes])


def _reason_table(L: Linked, last, rules, t: dict, titles: dict, labels: dict, lang: str):
    from .text import outcome_label
    tb = Table("reasons", f"{t['by_reason']} ({str(last)[:10]})", [t["rule"], t["outcome"], t["employees"]])
    for r in rules:
        for s in REASONED:
            for k in sorted(k for k in L.values if len(k) == 5 and k[:4] == ("f", last, r, s)):
                what = outcome_label("violation" if s == EMPLOYER else s, k[4], lang, labels.get(r))
                tb.rows.append((titles.get(r, r), [what, Num(k)]))
    return tb if tb.rows else None


def _rec(L: Linked, key, g, r):
    return ("g", key, g, "records") if ("g", key, g, "records") in L.values else ("g", key, g, r, "records")


def compliance_tables(df: pd.DataFrame, L: Linked, t: dict, titles: dict, labels: dict | None = None,
                      lang: str = "nl") -> list:
    dates = sorted(df["reference_date"].unique())
    rules = sorted(df["rule_id"].unique())
    last = dates[-1]
    cols = _cols(df, STATUS_COLS)
    employer = [EMPLOYER] if EMPLOYER in cols else []
    verdict = Table("verdict", t["verdict"], [t["rule"], t["date"], t["in_scope"], t["violation"]] +
                    [t[c] for c in employer] + [t["share_violation"]])
    for r in rules:
        for d in dates:
            verdict.rows.append((titles.get(r, r), [str(d)[:10], Num(("f", d, r, "in_scope")),
                                                    Num(("f", d, r, "violation"))] +
                                 [Num(("f", d, r, c)) for c in employer] +
                                 [Share((("f", d, r, "violation"),), ("f", d, r, "in_scope"))]))
    overall = Table("per_rule", f"{t['rule']} ({str(last)[:10]})",
                    [t["rule"], t["employees"], t["in_scope"]] + [t[c] for c in cols])
    for r in rules:
        overall.rows.append((titles.get(r, r), [Num(("f", last, r, "records")), Num(("f", last, r, "in_scope"))] +
                             [Num(("f", last, r, c)) for c in cols]))
    out = [verdict, overall]
    reasons = _reason_table(L, last, rules, t, titles, labels or {}, lang)
    if reasons is not None:
        out.append(reasons)
    for key in ("unit", "age_band"):
        groups = _order(key, {k[2] for k in L.values if k[:2] == ("g", key)})
        for r in rules:
            tb = Table(f"{key}_{r}", f"{t[key]}: {titles.get(r, r)} ({str(last)[:10]})",
                       [t["group"], t["employees"], t["in_scope"]] + [t[c] for c in cols] +
                       [t["share_violation"]])
            for g in groups:
                k = ("g", key, g, r)
                tb.rows.append((g, [Num(_rec(L, key, g, r)), Num(k + ("in_scope",))] +
                                [Num(k + (c,)) for c in cols] + [Share((k + ("violation",),), k + ("in_scope",))]))
            out.append(tb)
    return out


def _titles(lang) -> dict:
    """Rule titles from the rule files (the findings name rules by id only)."""
    book = _book()
    return {r.id: (r.model.title.en or r.model.title.nl) if lang == "en" else r.model.title.nl
            for r in (book.rules if book else [])}


def _reason_labels() -> dict:
    """Per rule id, its reasons in words (from the rule files)."""
    book = _book()
    return {r.id: r.model.reason_labels() for r in (book.rules if book else [])}


def _book():
    try:
        from ..language import default_rules_dir, load_rulebook
        return load_rulebook(default_rules_dir())
    except Exception:  # noqa: BLE001 - without the rule files the ids are still correct names
        return None


def findings_report(findings_file, out, *, data=None, mapping=None, lang="nl", timestamp=None) -> None:
    """Write the compliance report of a findings file (.html, .md or .xlsx)."""
    from .render import _env, _fmt, shown_tables, xlsx_cell, xlsx_sheet
    ext = Path(out).suffix.lower()
    if ext not in (".html", ".md", ".xlsx"):
        raise InputError("use .html, .md or .xlsx for a report", file=str(out))
    df = _read(findings_file)
    t = LABELS[lang]
    if data:
        df = _attach(df, data, mapping, findings_file, t)
    L = compliance_cells(df)
    prot = protect(L)
    titles = _titles(lang)
    tables = compliance_tables(df, L, t, titles, _reason_labels(), lang)
    f = _fmt(lang)
    digest = hashlib.sha256(Path(findings_file).read_bytes()).hexdigest()
    dates = sorted(df["reference_date"].unique())
    generated = run_timestamp(timestamp)
    meta = [(t["findings_source"], str(findings_file)), (t["findings_hash"], digest),
            (t["data_source"], str(data) if data else "—"), (t["reference_dates"], ", ".join(d[:10] for d in dates)),
            (t["generated"], generated)]
    if ext == ".xlsx":
        from openpyxl import Workbook
        wb = Workbook()
        wb.remove(wb.active)
        for tb in tables:
            xlsx_sheet(wb, tb.title if tb.id not in ("verdict",) else t["verdict"], tb.header,
                       [[(label, "text")] + [resolve(c, prot) for c in cells] for label, cells in tb.rows])
        ws = xlsx_sheet(wb, t["provenance"], [t["provenance"], ""], [[(k, "text"), (v, "text")] for k, v in meta])
        xlsx_cell(ws, len(meta) + 3, 1, t["suppressed"])
        import io
        buf = io.BytesIO()
        wb.save(buf)
        data_bytes = stable_xlsx(buf.getvalue(), generated)
    else:
        shown = shown_tables({"all": tables}, prot, f)["all"]
        data_bytes = _env().get_template("compliance" + ext + ".j2").render(
            t=t, lang=lang, verdict=shown[0], tables=shown[1:], meta=meta, source=str(findings_file),
            dates=dates).encode("utf-8")
    atomic_write(out, lambda tmp: Path(tmp).write_bytes(data_bytes))
