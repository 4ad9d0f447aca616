"""The findings frame: one row per (input row, rule), columns as in the contract.

Every engine hands over, per rule, the decisive step of each record and the ``let``
values; this module alone turns that into findings, so the engines cannot differ
in formatting. Text columns are categoricals built from codes (a million records
give three million rows: building them as Python strings would dominate the run).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

FINDINGS_COLUMNS = [
    "employee_id", "rule_id", "status", "reason", "due_date", "days_overdue",
    "required_hours", "actual_hours", "shortfall_hours", "reference_date",
]


@dataclass
class RuleOutcome:
    """Per-record outcome of one rule, as arrays (accepted records, input order)."""

    rule_id: str
    step: np.ndarray  # decisive step index per record
    step_status: list[str]  # status of each step
    step_reason: list[str]  # reason code of each step
    due: np.ndarray  # int64 day number, valid where due_ok
    due_ok: np.ndarray
    overdue: np.ndarray  # int64, valid where overdue_ok
    overdue_ok: np.ndarray
    required: np.ndarray  # float64, NaN where not shown
    actual: np.ndarray
    shortfall: np.ndarray


def rule_outcome(rule, step: np.ndarray, lets: dict, day: dt.date) -> RuleOutcome:
    """Outputs of one compiled rule from the decisive step of each record."""
    n = len(step)
    step_status = [s.status for s in rule.steps]
    is_norm = np.array([s.kind == "norm" for s in rule.steps])[step]
    violation = np.array([s == "violation" for s in step_status])[step]
    nan = np.full(n, np.nan)
    none = np.zeros(n, dtype=bool)
    zeros = np.zeros(n, dtype=np.int64)
    due, due_ok, od, od_ok = zeros, none, zeros, none
    req = act = short = nan
    if rule.norm_type == "deadline":
        due, ok = lets["due"]
        due_ok = is_norm & ok
        od_ok = due_ok & violation
        day_num = (np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
        od = np.where(od_ok, day_num - due, 0)
    else:
        r, rok = lets["required"]
        a, aok = lets["actual"]
        show = is_norm & rok & aok
        req = np.where(show, np.round(r, 2), np.nan)
        act = np.where(show, np.round(a, 2), np.nan)
        short = np.where(show & (a < r), np.round(r - a, 2), np.nan)
    return RuleOutcome(rule.id, step, step_status, [s.reason for s in rule.steps],
                       due, due_ok, od, od_ok, req, act, short)


def _categorical(codes: np.ndarray, labels: list) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object), validate=False)


def _iso_cat(days: np.ndarray, ok: np.ndarray) -> pd.Categorical:
    codes = np.full(len(days), -1, dtype=np.int64)
    if not ok.any():
        return _categorical(codes, [])
    inv, uniq = pd.factorize(days[ok], sort=True)
    codes[ok] = inv
    return _categorical(codes, list(uniq.astype("datetime64[D]").astype(str)))


def build_findings(outcomes: list[RuleOutcome], ids: np.ndarray, rows: np.ndarray, day: dt.date,
                   rejected: pd.DataFrame | None = None) -> pd.DataFrame:
    """The findings frame: accepted records row-major by rule, rejected rows merged in by row number."""
    from .language.compile import STATUSES
    r = len(outcomes)
    n = len(ids)
    rule_ids = [o.rule_id for o in outcomes]
    reasons: list[str] = [""]
    status_of, reason_of = [], []
    for o in outcomes:
        status_of.append(np.array([STATUSES.index(s) for s in o.step_status], dtype=np.int64))
        codes = []
        for reason in o.step_reason:
            if reason not in reasons:
                reasons.append(reason)
            codes.append(reasons.index(reason))
        reason_of.append(np.array(codes, dtype=np.int64))

    def stack(parts, dtype):
        if r == 0:
            return np.empty(0, dtype=dtype)
        return np.stack(parts, axis=1).ravel().astype(dtype, copy=False)

    emp_codes, emp_labels = pd.factorize(np.asarray(ids, dtype=object))
    emp_labels = list(emp_labels)
    emp = np.repeat(emp_codes, r)
    rule_col = np.tile(np.arange(r), n)
    status = stack([status_of[k][o.step] for k, o in enumerate(outcomes)], np.int64)
    reason = stack([reason_of[k][o.step] for k, o in enumerate(outcomes)], np.int64)
    due = stack([o.due for o in outcomes], np.int64)
    due_ok = stack([o.due_ok for o in outcomes], bool)
    od = stack([o.overdue for o in outcomes], np.int64)
    od_ok = stack([o.overdue_ok for o in outcomes], bool)
    req, act, short = (stack([getattr(o, a) for o in outcomes], np.float64)
                       for a in ("required", "actual", "shortfall"))
    if rejected is not None and len(rejected) and r:
        m = len(rejected)
        rej_ids = rejected["employee_id"].to_numpy(dtype=object)
        rej_codes = []
        index = {v: i for i, v in enumerate(emp_labels)}
        for v in rej_ids:
            if v not in index:
                index[v] = len(emp_labels)
                emp_labels.append(v)
            rej_codes.append(index[v])
        msg_codes = []
        for msg in rejected["message"].astype(str):
            if msg not in reasons:
                reasons.append(msg)
            msg_codes.append(reasons.index(msg))
        emp = np.concatenate([emp, np.repeat(np.array(rej_codes, dtype=np.int64), r)])
        rule_col = np.concatenate([rule_col, np.tile(np.arange(r), m)])
        status = np.concatenate([status, np.full(m * r, STATUSES.index("invalid"), dtype=np.int64)])
        reason = np.concatenate([reason, np.repeat(np.array(msg_codes, dtype=np.int64), r)])
        due = np.concatenate([due, np.zeros(m * r, dtype=np.int64)])
        due_ok = np.concatenate([due_ok, np.zeros(m * r, dtype=bool)])
        od = np.concatenate([od, np.zeros(m * r, dtype=np.int64)])
        od_ok = np.concatenate([od_ok, np.zeros(m * r, dtype=bool)])
        req, act, short = (np.concatenate([x, np.full(m * r, np.nan)]) for x in (req, act, short))
        row_key = np.concatenate([np.repeat(np.asarray(rows, dtype=np.int64), r),
                                  np.repeat(rejected["row"].to_numpy(dtype=np.int64), r)])
        order = np.lexsort((rule_col, row_key))
        emp, rule_col, status, reason, due, due_ok, od, od_ok, req, act, short = (
            x[order] for x in (emp, rule_col, status, reason, due, due_ok, od, od_ok, req, act, short))
    total = len(status)
    labels = pd.Index(emp_labels, dtype=object)
    na = labels.isna()
    if na.any():  # a rejected row without an employee_id
        missing = int(np.flatnonzero(na)[0])
        emp = np.where(emp == missing, -1, emp - (emp > missing))
        labels = labels[~na]
    emp_cat = labels.astype(str)
    return pd.DataFrame({
        "employee_id": _categorical(emp, emp_cat), "rule_id": _categorical(rule_col, rule_ids),
        "status": _categorical(status, list(STATUSES)), "reason": _categorical(reason, reasons),
        "due_date": _iso_cat(due, due_ok), "days_overdue": pd.arrays.IntegerArray(od, ~od_ok),
        "required_hours": req, "actual_hours": act, "shortfall_hours": short,
        "reference_date": _categorical(np.zeros(total, dtype=np.int64), [day.isoformat()]),
    }, columns=FINDINGS_COLUMNS)


def status_counts(findings: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Rows per (rule_id, status): all a summary needs, small enough to send anywhere."""
    if findings.empty:
        return {}
    size = findings.groupby([findings["rule_id"].astype(str), findings["status"].astype(str)], observed=True).size()
    return {k: int(v) for k, v in size.items() if v}


def add_counts(total: dict, part: dict) -> dict:
    """``total`` plus ``part`` (status counts of two parts of the findings)."""
    out = dict(total)
    for k, v in part.items():
        out[k] = out.get(k, 0) + v
    return out


def summary_from_counts(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    """The summary table (rules by status, with a total) from :func:`status_counts`."""
    from .language.compile import STATUSES
    if not counts:
        return pd.DataFrame(columns=["rule_id", *STATUSES, "total"])
    t = pd.Series(counts, dtype="int64").unstack(fill_value=0)
    t = t.reindex(columns=list(STATUSES), fill_value=0).sort_index()
    t["total"] = t.sum(axis=1)
    t.index.name = "rule_id"
    t.columns.name = None
    return t.reset_index()


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts per rule and status (the summary ``hpr check`` prints)."""
    return summary_from_counts(status_counts(findings))
