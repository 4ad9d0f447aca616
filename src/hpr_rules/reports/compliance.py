"""A compliance report from ``hpr check`` findings: counts per rule and status, per unit and age band."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from .. import run_timestamp
from ..errors import InputError
from ..findings import FINDINGS_COLUMNS
from ..outputs import atomic_write
from .privacy import suppress
from .render import AGE_ORDER, _env, _fmt
from .text import LABELS

STATUS_COLS = ["exempt", "compliant", "due_soon", "violation", "not_applicable", "not_in_force", "invalid"]


def _read(path) -> pd.DataFrame:
    p = Path(path)
    try:
        df = pd.read_parquet(p) if p.suffix.lower() == ".parquet" else pd.read_csv(p, keep_default_na=False, dtype=str)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"cannot read findings: {exc}", file=str(p)) from None
    missing = [c for c in FINDINGS_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"not a findings file: missing columns {', '.join(missing)}", file=str(p))
    return df.astype({"employee_id": str, "rule_id": str, "status": str})


def _table(df: pd.DataFrame, by: str | None) -> list[dict]:
    rows = []
    keys = [by, "rule_id"] if by else ["rule_id"]
    for key, sub in df.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        counts = sub["status"].value_counts()
        row = {"group": str(key[0]) if by else "", "rule_id": key[-1], "employees": int(sub["employee_id"].nunique())}
        row.update({s: int(counts.get(s, 0)) for s in STATUS_COLS})
        rows.append(row)
    return rows


def findings_report(findings_file, out, *, data=None, mapping=None, lang="nl", timestamp=None) -> None:
    df = _read(findings_file)
    t = LABELS[lang]
    groups = {}
    if data:
        from ..reports.render import AGE_ORDER as _  # noqa: F401
        from ..records import load_records
        from ..scenarios.projection import age_bands
        frame = load_records(data, mapping).frame
        day = dt.date.fromisoformat(str(df["reference_date"].iloc[0]))
        attrs = pd.DataFrame({"employee_id": frame["employee_id"].astype(str), "unit": frame["unit"].astype(str),
                              "age_band": age_bands(frame["birth_date"], day)})
        df = df.merge(attrs, on="employee_id", how="left")
        for key in ("unit", "age_band"):
            rows = []
            for rid in sorted(df["rule_id"].unique()):
                sub = _table(df[df["rule_id"] == rid].dropna(subset=[key]), key)
                if key == "age_band":
                    sub.sort(key=lambda r: AGE_ORDER.index(r["group"]) if r["group"] in AGE_ORDER else 99)
                rows.extend(suppress(sub, ["employees"] + STATUS_COLS))
            groups[key] = rows
    overall = suppress(_table(df, None), ["employees"] + STATUS_COLS)
    ext = Path(out).suffix.lower()
    meta = {"source": str(findings_file), "reference_date": str(df["reference_date"].iloc[0]),
            "generated_at": run_timestamp(timestamp), "rows": len(df)}
    if ext == ".xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xw:
            pd.DataFrame(overall).drop(columns=["_suppressed"]).to_excel(xw, index=False, sheet_name="per rule")
            for key, rows in groups.items():
                pd.DataFrame(rows).drop(columns=["_suppressed"]).to_excel(xw, index=False, sheet_name=f"per {key}")
        data_bytes = buf.getvalue()
    elif ext in (".html", ".md"):
        num = _fmt(lang).num
        data_bytes = _env().get_template("compliance" + ext + ".j2").render(
            t=t, lang=lang, overall=overall, groups=groups, cols=STATUS_COLS, meta=meta, num=num).encode("utf-8")
    else:
        raise InputError("use .html, .md or .xlsx for a report", file=str(out))
    atomic_write(out, lambda tmp: Path(tmp).write_bytes(data_bytes))
