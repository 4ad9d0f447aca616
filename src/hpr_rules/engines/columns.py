"""Records as engine input: every value as (values, valid) numpy arrays.

Dates become int32 day numbers, numbers float64, booleans bool, strings objects.
``state_pension_date`` is derived here, once, with the shared calendar code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..absence import COLUMN as ABSENCES
from ..calendar import state_pension_date_v
from ..language.compile import field_type, record_types
from ..language.expr import BOOL, DATE, NUMBER

if TYPE_CHECKING:  # validation's typed arrays reach the engines without a frame, nor pandas
    import pandas as pd

Column = tuple[np.ndarray, np.ndarray]
_NAT = np.iinfo(np.int64).min  # NaT as int64
_NS_PER_DAY = 86_400 * 10**9


def _optional_null() -> frozenset:
    from ..records.schema import FIELD_TYPES, REQUIRED
    return frozenset(k for k, t in FIELD_TYPES.items() if t == "bool" and k not in REQUIRED)


_OPTIONAL_NULL = _optional_null()


def _kind_ok(t, dtype) -> bool:
    import pandas as pd
    if t == DATE:
        return pd.api.types.is_datetime64_dtype(dtype)
    if t == BOOL:
        return pd.api.types.is_bool_dtype(dtype)
    if t == NUMBER:
        return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return True


_KINDS = {DATE: "date", NUMBER: "number", BOOL: "bool"}


def frame_columns(frame: pd.DataFrame, fields, pension, scalar_nulls: bool = False) -> dict[str, Column]:
    """The columns ``fields`` need, from a validated records frame, or from validation's typed
    arrays (:class:`hpr_rules.records.recordset.Accepted`, read without a frame).

    A column not in its canonical type (text where a date, number or yes/no belongs) is an
    error, never converted here: ``"false"`` as a boolean would be true. Validation
    (:func:`hpr_rules.records.as_records`) turns any frame into the canonical types.
    A side-table column the frame does not carry (a per-rule dispensation
    ``dispensation_<rule_id>_until``, the absences) is all null: without the table
    nobody has one (``scalar_nulls``: one null for everyone, as the vector engine takes it).
    """
    from ..errors import InputError
    types = record_types()
    need = set(fields)
    if "state_pension_date" in need:
        need.add("birth_date")
    cols: dict[str, Column] = {}
    for name in sorted(need):
        if name == "state_pension_date":
            continue
        if name not in frame.columns and (name not in types or name in _OPTIONAL_NULL):
            # a side table that was not given, or an optional record field a frame made
            # before the field existed leaves out (the employer's offers): nobody has one
            cols.update(null_columns([name], len(frame), scalar_nulls))
            continue
        if name == ABSENCES:  # one tuple of (start, end, kind) per record
            vals = frame[name].to_numpy(dtype=object)
            cols[name] = (vals, np.array([bool(v) for v in vals], dtype=bool))
            continue
        t = field_type(name)
        if hasattr(frame, "engine_column"):  # validation's arrays: already in the engines' types
            cols[name] = frame.engine_column(name, _KINDS.get(t, "text"))
            continue
        s = frame[name]
        if not _kind_ok(t, s.dtype):
            raise InputError(f"column {name!r} is {s.dtype}, not a validated {t}; validate the frame first "
                             "(hpr_rules.records.as_records, or hpr.check, which does)", key=name)
        if t == DATE:
            ns = s.to_numpy(dtype="datetime64[ns]").view(np.int64)
            ok = ns != _NAT
            days = ns // _NS_PER_DAY
            days[~ok] = 0
            vals = days.astype(np.int32)
        elif t == NUMBER:
            vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
            ok = ~np.isnan(vals)
            vals = np.where(ok, vals, 0.0)
        elif t == BOOL:  # an optional yes/no may be empty (not known)
            ok = ~s.isna().to_numpy()
            vals = s.fillna(False).to_numpy(dtype=bool)
        else:
            ok = ~s.isna().to_numpy()
            vals = np.where(ok, s.to_numpy(dtype=object), None)  # pd.NA does not compare
        cols[name] = (vals, ok)
    if "state_pension_date" in fields:
        b, ok = cols["birth_date"]
        cols["state_pension_date"] = (np.where(ok, state_pension_date_v(b, pension), 0), ok.copy())
    return cols


def null_columns(names, n: int, scalar: bool = False) -> dict[str, Column]:
    """All-null engine columns for side-table names (per-rule dispensations, absences) that
    were not given: without a dispensations or absences table nobody has one. ``scalar``:
    one null for everyone (numpy scalars that broadcast, as
    :func:`~hpr_rules.engines.vector.constant_nulls` makes them), not one per record."""
    out = {}
    for name in names:
        t = field_type(name)
        if scalar:
            out[name] = (np.int64(0) if t == DATE else np.False_ if t == BOOL else np.array(None, dtype=object),
                         np.False_)
            continue
        out[name] = (np.zeros(n, dtype=np.int64) if t == DATE else np.zeros(n, dtype=bool) if t == BOOL
                     else np.full(n, None, dtype=object), np.zeros(n, dtype=bool))
    return out


def row_env(cols: dict[str, Column], i: int) -> dict[str, object]:
    """One record as a plain dict (None for missing) for the scalar evaluator. A column may be
    one scalar for every record (see :func:`~hpr_rules.engines.vector.constant_nulls`)."""
    out = {}
    for name, (vals, ok) in cols.items():
        if not (ok if np.ndim(ok) == 0 else ok[i]):
            out[name] = None
        else:
            v = vals if np.ndim(vals) == 0 else vals[i]
            out[name] = v.item() if hasattr(v, "item") else v
    return out
