"""Tables beside the personnel records: per-rule dispensations (shared/spec/data.md).

A side table is read with the one reader (:func:`hpr_rules.records.read_table`, any
format it reads) and checked row by row like the records: a row that cannot be used is
rejected with its row number, column, value and a message, never dropped silently.

**Dispensations per rule** (``employee_id, rule_id, until, ground``): a dispensation
the employer granted for one rule only, with its ground (for instance the hardship
clause). The rule files read it through two per-rule names of the expression language,
``rule_dispensation_until`` and ``rule_dispensation_ground``; for each rule they are
the columns ``dispensation_<rule_id>_until`` and ``dispensation_<rule_id>_ground`` of
the frame the engines evaluate. Where an employee has several for one rule, the one
that lasts longest counts (it holds whenever any of them holds). The record column
``exemption_until`` keeps its meaning: a dispensation from every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, did_you_mean
from .schema import DATE_MAX, DATE_MIN, REJECT_COLUMNS

DISPENSATION_COLUMNS = ("employee_id", "rule_id", "until", "ground")

#: per-rule names of the expression language -> (frame column template, type)
RULE_FIELDS = {
    "rule_dispensation_until": ("dispensation_{rule}_until", "date"),
    "rule_dispensation_ground": ("dispensation_{rule}_ground", "string"),
}


def rule_field_column(name: str, rule_id: str) -> str:
    return RULE_FIELDS[name][0].format(rule=rule_id)


def rule_field_type(column: str) -> str | None:
    """The type of a frame column made from a per-rule name (None for any other column)."""
    for template, typ in RULE_FIELDS.values():
        head, tail = template.split("{rule}")
        if column.startswith(head) and column.endswith(tail) and len(column) > len(head) + len(tail):
            return typ
    return None


@dataclass
class SideTable:
    """The accepted rows of a side table (typed) and the rejected ones (REJECT_COLUMNS)."""

    frame: object  # pandas.DataFrame
    rejects: object  # pandas.DataFrame
    source: str
    rows_read: int


def _rejects(rows):
    import pandas as pd
    return pd.DataFrame(rows, columns=REJECT_COLUMNS)


def read_side_table(path, columns: dict[str, str], required: set[str], source: str | None = None):
    """Read ``path`` and type its ``columns`` (name -> date | string); returns
    (typed frame with a ``row`` column, list of reject dicts).

    A required column missing from the header is an :class:`InputError`; a required
    cell that is empty or a date that is not ``YYYY-MM-DD`` within 1900..2100 rejects
    its row.
    """
    import numpy as np
    import pandas as pd

    from .readers import read_table
    source = source or str(path)
    raw = read_table(path)
    missing = [c for c in columns if c in required and c not in raw.columns]
    if missing:
        c = missing[0]
        raise InputError(f"required column {c!r} is not in the file"
                         f"{did_you_mean(c, [str(h) for h in raw.columns])}; columns: {', '.join(columns)}",
                         file=source, key=c)
    n = len(raw)
    rows = np.arange(1, n + 1)
    ok = np.ones(n, dtype=bool)
    rejects = []
    out = {"row": rows}
    ids = raw["employee_id"].astype("string").str.strip() if "employee_id" in raw.columns else None
    for col, typ in columns.items():
        if col not in raw.columns:
            out[col] = pd.Series([pd.NA] * n, dtype="string" if typ == "string" else "datetime64[ns]")
            continue
        text = raw[col].astype("string").str.strip().replace("", pd.NA)
        empty = text.isna().to_numpy()
        if typ == "date":
            vals = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
            bad = ~empty & (vals.isna().to_numpy() | (vals < pd.Timestamp(DATE_MIN)).to_numpy()
                            | (vals > pd.Timestamp(DATE_MAX)).to_numpy())
            for i in np.flatnonzero(bad & ok):
                rejects.append({"row": int(rows[i]), "employee_id": None if ids is None else ids.iloc[i],
                                "column": col, "value": str(text.iloc[i]),
                                "message": f"not a date YYYY-MM-DD between {DATE_MIN} and {DATE_MAX}"})
            ok &= ~bad
            out[col] = vals.where(~pd.Series(bad, index=vals.index))
        else:
            out[col] = text
        if col in required:
            for i in np.flatnonzero(empty & ok):
                rejects.append({"row": int(rows[i]), "employee_id": None if ids is None else ids.iloc[i],
                                "column": col, "value": "", "message": f"{col} is required"})
            ok &= ~empty
    frame = pd.DataFrame(out)
    return frame, ok, rejects


def _reject_where(frame, ok, mask, column, message, rejects):
    import numpy as np
    for i in np.flatnonzero(mask & ok):
        rejects.append({"row": int(frame["row"].iloc[i]), "employee_id": frame["employee_id"].iloc[i],
                        "column": column, "value": str(frame[column].iloc[i]), "message": message(i)})
    return ok & ~mask


def load_dispensations(path, rule_ids, employee_ids=None, source: str | None = None) -> SideTable:
    """Read and check a dispensations table: every rule_id must be a rule of the draft,
    every employee_id (when ``employee_ids`` is given) an accepted record."""
    import numpy as np
    source = source or str(path)
    frame, ok, rejects = read_side_table(path, {"employee_id": "string", "rule_id": "string", "until": "date",
                                                "ground": "string"}, set(DISPENSATION_COLUMNS), source)
    known = set(rule_ids)
    rid = frame["rule_id"].fillna("")
    ok = _reject_where(frame, ok, ~rid.isin(known).to_numpy(), "rule_id",
                       lambda i: f"no rule {rid.iloc[i]!r} in the draft"
                                 + did_you_mean(rid.iloc[i], sorted(known), otherwise=f"; rules: {', '.join(sorted(known))}"),
                       rejects)
    if employee_ids is not None:
        ids = set(employee_ids)
        ok = _reject_where(frame, ok, ~frame["employee_id"].fillna("").isin(ids).to_numpy(), "employee_id",
                           lambda i: "no accepted personnel record with this employee_id", rejects)
    rejects.sort(key=lambda r: r["row"])
    return SideTable(frame[np.asarray(ok)].reset_index(drop=True), _rejects(rejects), source, len(frame))


def attach_dispensations(records, dispensations):
    """The records frame with the per-rule dispensation columns of ``dispensations``
    (a :class:`SideTable` or a frame with DISPENSATION_COLUMNS) added; a copy."""
    import pandas as pd
    table = getattr(dispensations, "frame", dispensations)
    out = records.copy()
    if table is None or not len(table):
        return out
    latest = (table.sort_values(["until", "row"] if "row" in table.columns else ["until"], kind="stable")
              .groupby(["rule_id", "employee_id"], sort=False).tail(1))
    for rule_id, part in latest.groupby("rule_id", sort=True):
        by_id = part.set_index("employee_id")
        until_col = rule_field_column("rule_dispensation_until", rule_id)
        ground_col = rule_field_column("rule_dispensation_ground", rule_id)
        out[until_col] = pd.to_datetime(out["employee_id"].map(by_id["until"]))
        out[ground_col] = out["employee_id"].map(by_id["ground"]).astype("string")
    return out


__all__ = ["DISPENSATION_COLUMNS", "RULE_FIELDS", "SideTable", "attach_dispensations", "load_dispensations",
           "read_side_table", "rule_field_column", "rule_field_type"]
