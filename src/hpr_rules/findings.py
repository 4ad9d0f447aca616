"""The findings frame: one row per (input row, rule), columns as in the contract.

Every engine hands over, per rule, the decisive step of each record and the ``let``
values; this module alone turns that into findings, so the engines cannot differ
in formatting.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

FINDINGS_COLUMNS = [
    "employee_id", "rule_id", "status", "reason", "due_date", "days_overdue",
    "required_hours", "actual_hours", "shortfall_hours", "reference_date",
]


def _iso(days: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.empty(len(days), dtype=object)
    if ok.any():
        out[ok] = days[ok].astype("datetime64[D]").astype(str)
    return out


def rule_findings(rule, step: np.ndarray, lets: dict, ids: np.ndarray, rows: np.ndarray,
                  day: dt.date, rule_pos: int) -> pd.DataFrame:
    """Findings of one compiled rule for accepted records."""
    n = len(step)
    statuses = np.array([s.status for s in rule.steps], dtype=object)
    reasons = np.array([s.reason for s in rule.steps], dtype=object)
    is_norm = np.array([s.kind == "norm" for s in rule.steps])[step]
    status = statuses[step]
    nan = np.full(n, np.nan)
    due_date = np.full(n, None, dtype=object)
    overdue = pd.array(np.full(n, pd.NA), dtype="Int64")
    req = act = short = nan
    if rule.norm_type == "deadline":
        due, ok = lets["due"]
        show = is_norm & ok
        due_date = _iso(due, show)
        viol = show & (status == "violation")
        day_num = (np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
        od = np.where(viol, day_num - due, 0)
        overdue = pd.array(od, dtype="Int64")
        overdue[~viol] = pd.NA
    else:
        r, rok = lets["required"]
        a, aok = lets["actual"]
        show = is_norm & rok & aok
        req = np.where(show, np.round(r, 2), np.nan)
        act = np.where(show, np.round(a, 2), np.nan)
        short = np.where(show & (a < r), np.round(r - a, 2), np.nan)
    return pd.DataFrame({
        "_row": rows, "_rule": rule_pos,
        "employee_id": ids, "rule_id": rule.id, "status": status, "reason": reasons[step],
        "due_date": due_date, "days_overdue": overdue,
        "required_hours": req, "actual_hours": act, "shortfall_hours": short,
        "reference_date": day.isoformat(),
    })


def invalid_findings(rejected: pd.DataFrame, rule_ids: list[str], day: dt.date) -> pd.DataFrame:
    """Rows for rejected records: status ``invalid``, reason the validation message."""
    parts = []
    for pos, rid in enumerate(rule_ids):
        n = len(rejected)
        parts.append(pd.DataFrame({
            "_row": rejected["row"].to_numpy(), "_rule": pos,
            "employee_id": rejected["employee_id"].to_numpy(dtype=object), "rule_id": rid,
            "status": "invalid", "reason": rejected["message"].to_numpy(dtype=object),
            "due_date": np.full(n, None, dtype=object), "days_overdue": pd.array([pd.NA] * n, dtype="Int64"),
            "required_hours": np.nan, "actual_hours": np.nan, "shortfall_hours": np.nan,
            "reference_date": day.isoformat(),
        }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def assemble(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-rule parts in (input row, rule) order with the contract's columns."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDINGS_COLUMNS})
    df = pd.concat(parts, ignore_index=True)
    order = np.lexsort((df["_rule"].to_numpy(), df["_row"].to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    df["days_overdue"] = df["days_overdue"].astype("Int64")
    return df[FINDINGS_COLUMNS]


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts per rule and status (the summary ``hpr check`` prints)."""
    from .language.compile import STATUSES
    if findings.empty:
        return pd.DataFrame(columns=["rule_id", *STATUSES, "total"])
    t = pd.crosstab(findings["rule_id"], findings["status"])
    for s in STATUSES:
        if s not in t.columns:
            t[s] = 0
    t = t[list(STATUSES)]
    t["total"] = t.sum(axis=1)
    return t.reset_index()
