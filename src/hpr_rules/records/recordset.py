"""Validated records: the :class:`RecordSet` validation returns, and the typed arrays it
holds (:class:`Accepted`) until a caller asks for a pandas frame.

Validation column-at-a-time (:mod:`.arrowcheck`) keeps every accepted column as arrays:
dates as int32 day numbers (:class:`Days`), numbers as float64, yes/no as bool (an optional
one with its "not known" mask, :class:`YesNo`), text as Arrow. The engines read their
columns from these (:meth:`Accepted.engine_column`) without a frame, so ``hpr check`` on a
Parquet file never imports pandas while every row passes; a frame is built, with pandas,
only where a caller asks for one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .schema import COLUMNS, FIELD_TYPES, REJECT_COLUMNS, REQUIRED

if TYPE_CHECKING:
    import pandas as pd

_NS_PER_DAY = 86_400 * 10**9


class Days(NamedTuple):
    """A date column as int32 day numbers since 1970-01-01 (0 where missing) and its missing mask."""

    days: np.ndarray
    missing: np.ndarray


class YesNo(NamedTuple):
    """An optional yes/no column: ``yes``, and ``missing`` where it is not known."""

    yes: np.ndarray
    missing: np.ndarray


def yes_no_values(col: str, yes: np.ndarray, missing: np.ndarray):
    """The typed values of a yes/no column: a required one is plain bool; an optional one
    keeps its third value, empty = not known (:class:`YesNo`)."""
    return yes if col in REQUIRED else YesNo(yes, missing.copy())


def require_columns(names, source: str) -> None:
    """An :class:`~hpr_rules.errors.InputError` when a required column is not among ``names``
    (a header problem, not a row problem)."""
    from ..errors import InputError, did_you_mean
    present = set(names)
    missing_cols = sorted(REQUIRED - present, key=COLUMNS.index)
    if missing_cols:
        c = missing_cols[0]
        others = [str(h) for h in names if h not in COLUMNS]
        more = f" (also missing: {', '.join(missing_cols[1:])})" if len(missing_cols) > 1 else ""
        raise InputError(f"required column {c!r} is not in the file{did_you_mean(c, others, cutoff=0.5)}{more}; "
                         "use --mapping to rename export headers", file=source, key=c)


def duplicate_message(employee_id: str, rows) -> str:
    rows = list(rows)
    more = ", ..." if len(rows) > 10 else ""
    return f"employee_id {employee_id} occurs {len(rows)} times (rows {', '.join(map(str, rows[:10]))}{more})"



@dataclass
class RecordSet:
    """Validated records of one file.

    ``frame``: accepted rows, canonical typed columns plus ``row`` (1-based data row).
    ``rejects``: one row per failure (row, line, employee_id, column, value, message).
    ``accepted``: the accepted rows as validation's own typed arrays (:class:`Accepted`),
    given with ``frame=None``: the frame is then built on first use, and the engines read
    the arrays without it. A frame given (or replaced) is the records; ``accepted`` is dropped.
    ``rejects=None``: no row failed (the empty table is built on first use).
    """

    frame: pd.DataFrame | None
    rejects: pd.DataFrame | None
    rows_read: int
    source: str = "<frame>"
    #: what the reader detected (encoding, delimiter, header line, ...), for the user
    notes: list[str] = field(default_factory=list)
    #: per column with failures: how many values failed (see :attr:`diagnoses`)
    columns: dict = field(default_factory=dict)
    accepted: Accepted | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.frame is not None:
            self.accepted = None
        elif self.accepted is None:
            raise ValueError("a RecordSet needs the accepted records: a frame or Accepted arrays")
        else:
            del self.__dict__["frame"]  # built by __getattr__ on first use
        if self.rejects is None:
            del self.__dict__["rejects"]

    def __getattr__(self, name: str):
        if name == "rejects":
            rejects = self.__dict__["rejects"] = empty_rejects()
            return rejects
        accepted = self.__dict__.get("accepted")
        if name != "frame" or accepted is None:
            raise AttributeError(name)
        frame = self.__dict__["frame"] = accepted.frame()
        return frame

    @property
    def view(self):
        """The accepted records by column (``view[name]`` a Series, ``view.columns``, ``len``):
        the frame, or the typed arrays while the frame is not built."""
        return self.accepted if self.accepted is not None and "frame" not in self.__dict__ else self.frame

    @property
    def diagnoses(self) -> list[str]:
        """One line per column whose every value failed, with the setting that reads it."""
        return [str(c) for c in self.columns.values() if c.whole]

    @cached_property
    def rejected_rows(self) -> pd.DataFrame:
        """One row per rejected input row: row, employee_id, message (joined by '; ')."""
        import pandas as pd
        r = self.rejects
        if not len(r):
            return pd.DataFrame({"row": pd.Series([], dtype="int64"),
                                 "employee_id": pd.Series([], dtype=object),
                                 "message": pd.Series([], dtype=object)})
        g = r.groupby("row", sort=True)
        out = pd.DataFrame({"employee_id": g["employee_id"].first(),
                            "message": g["message"].agg("; ".join)}).reset_index()
        out["row"] = out["row"].astype("int64")
        return out[["row", "employee_id", "message"]]

    @property
    def rows_accepted(self) -> int:
        return len(self.view)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_accepted


def empty_rejects() -> pd.DataFrame:
    """The rejects table of records that all passed."""
    import pandas as pd
    return pd.DataFrame({"row": pd.Series([], dtype="int64"), "line": pd.Series([], dtype="Int64"),
                         "employee_id": pd.Series([], dtype=object),
                         "column": pd.Series([], dtype=object), "value": pd.Series([], dtype=object),
                         "message": pd.Series([], dtype=object)})[REJECT_COLUMNS]


class Accepted:
    """The accepted rows of a validation as typed arrays, by column: what the records frame
    is built from (:meth:`frame`), one column at a time on demand (``accepted[name]``), and
    what the engines read without a frame (:meth:`engine_column`)."""

    def __init__(self, typed: dict, keep: np.ndarray | None, rows: np.ndarray):
        self.typed, self.keep, self.rows = typed, keep, rows
        self.columns = [*COLUMNS, "row"]

    def __len__(self) -> int:
        return len(self.rows) if self.keep is None else int(np.count_nonzero(self.keep))

    def _kept(self, a):
        return a if self.keep is None else a[self.keep]

    def value(self, name: str):
        """The typed values of one column (all rows validated); one computed on first use
        (validation leaves a text column nothing checks as a function) is kept."""
        v = self.typed[name]
        if callable(v):
            v = self.typed[name] = v()
        return v

    def __getitem__(self, name: str) -> pd.Series:
        import pandas as pd
        if name == "row":
            return pd.Series(self.row_numbers(), dtype="int64")
        if name not in self.typed:
            raise KeyError(name)
        if FIELD_TYPES[name] == "string":  # Arrow text as it is: no Python string per row
            return pd.Series(pd.arrays.ArrowStringArray(self.text(name)))
        return typed_column(name, self.value(name), self.keep)

    def row_numbers(self) -> np.ndarray:
        """The accepted rows' numbers (1-based data rows of the file)."""
        return np.asarray(self._kept(self.rows), dtype=np.int64)

    def text(self, name: str):
        """A text column of the accepted rows as one Arrow large_string array (null: missing)."""
        import pyarrow as pa
        v = self.value(name)
        if not isinstance(v, (pa.Array, pa.ChunkedArray)):  # a frame's text column
            v = pa.array(np.asarray(v.astype(object).where(v.notna(), None)), type=pa.large_string())
        if isinstance(v, pa.ChunkedArray):
            v = v.combine_chunks()
        if v.type != pa.large_string():
            v = v.cast(pa.large_string())
        from ..arrowbuf import from_numpy
        return v if self.keep is None else v.filter(from_numpy(self.keep))

    def day_numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A date column of the accepted rows as (int32 day numbers, valid)."""
        d = as_days(self.value(name))
        return self._kept(d.days), ~self._kept(d.missing)

    def engine_column(self, name: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, valid) of one column as the engines take it (see
        :func:`hpr_rules.engines.columns.frame_columns`); ``kind``: date, number, bool or text."""
        v = self.value(name)
        if kind == "date":
            return self.day_numbers(name)
        if kind == "number":
            x = self._kept(np.asarray(v, dtype=np.float64))
            ok = ~np.isnan(x)
            return np.where(ok, x, 0.0), ok
        if kind == "bool":
            if isinstance(v, YesNo):
                return self._kept(v.yes & ~v.missing), ~self._kept(v.missing)
            b = self._kept(np.asarray(v, dtype=bool))
            return b, np.ones(len(b), dtype=bool)
        from ..arrowbuf import valid_mask
        t = self.text(name)
        return np.asarray(t.to_pylist(), dtype=object), valid_mask(t)

    def frame(self) -> pd.DataFrame:
        return typed_frame({c: self.value(c) for c in self.typed}, self.keep, self.rows)


def as_days(v) -> Days:
    """A typed date column (:class:`Days`, or a datetime64[ns] Series of the row-message path)
    as :class:`Days`."""
    if isinstance(v, Days):
        return v
    ns = np.asarray(v.to_numpy(dtype="datetime64[ns]")).view(np.int64)
    missing = ns == np.iinfo(np.int64).min
    days = (ns // _NS_PER_DAY).astype(np.int32)
    days[missing] = 0
    return Days(days, missing)


def absent_column(kind: str, n: int):
    """The typed values of a column the input does not have: missing for everyone."""
    if kind == "date":
        return Days(np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool))
    if kind in ("int", "decimal"):
        return np.full(n, np.nan)
    if kind == "bool":
        return YesNo(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    import pyarrow as pa
    return pa.nulls(n, pa.large_string())


def _arrow_objects(chunked, share: bool) -> np.ndarray:
    """Arrow text as a numpy object array (None for missing). With ``share``, equal
    strings are one Python object (a unit name repeated a million times costs one)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if not share:
        return np.asarray(chunked.to_numpy(zero_copy_only=False), dtype=object)
    enc = pc.dictionary_encode(chunked).combine_chunks() if isinstance(chunked, pa.ChunkedArray) \
        else pc.dictionary_encode(chunked)
    table = np.array(enc.dictionary.to_pylist() + [None], dtype=object)
    codes = enc.indices.fill_null(len(table) - 1).to_numpy(zero_copy_only=False)
    return table[codes]


def typed_column(col: str, v, keep: np.ndarray | None) -> pd.Series:
    """One column of the records frame from validation's typed values (``keep``: the accepted
    rows, None: all)."""
    import pandas as pd
    import pyarrow as pa
    kind = FIELD_TYPES[col]
    if keep is None:
        keep = slice(None)
    if kind == "date":
        if isinstance(v, Days):
            ns = v.days.astype("datetime64[D]").astype("datetime64[ns]")
            ns[v.missing] = np.datetime64("NaT")
            return pd.Series(ns[keep], dtype="datetime64[ns]", copy=False)
        return pd.Series(v.to_numpy(dtype="datetime64[ns]")[keep], dtype="datetime64[ns]", copy=False)
    if kind == "int":
        return pd.Series(np.asarray(v)[keep].astype(np.int64), dtype="int64", copy=False)
    if kind == "decimal":
        return pd.Series(np.asarray(v, dtype="float64")[keep], dtype="float64", copy=False)
    if kind == "bool":
        if isinstance(v, YesNo):  # yes / no / not known
            return pd.Series(pd.arrays.BooleanArray(v.yes[keep], v.missing[keep]), dtype="boolean")
        return pd.Series(np.asarray(v, dtype=bool)[keep], dtype=bool, copy=False)
    share = col != "employee_id"
    if isinstance(v, (pa.Array, pa.ChunkedArray)):
        arr = v if isinstance(keep, slice) else v.filter(pa.array(keep))
        return pd.Series(_arrow_objects(arr, share=share), dtype=object)
    if getattr(v.dtype, "storage", None) == "pyarrow":
        # Arrow text -> Python strings, equal strings shared (to_pandas deduplicates), NA -> None
        arr = v[keep] if isinstance(keep, slice) or len(v) == len(keep) else v
        return pd.Series(_arrow_objects(arr.array.__arrow_array__(), share=share), dtype=object)
    codes, uniq = pd.factorize(v[keep] if isinstance(keep, slice) or len(v) == len(keep) else v,
                               use_na_sentinel=True)
    table = np.concatenate([np.asarray(uniq, dtype=object), np.array([None], dtype=object)])
    return pd.Series(table[codes], dtype=object)


def typed_frame(typed: dict, keep: np.ndarray | None, rows: np.ndarray) -> pd.DataFrame:
    import pandas as pd
    frame = pd.DataFrame({col: typed_column(col, typed[col], keep) for col in COLUMNS})
    frame["row"] = (rows if keep is None else rows[keep]).astype(np.int64)
    return frame


__all__ = ["duplicate_message", "RecordSet", "Accepted", "Days", "YesNo", "yes_no_values", "require_columns", "typed_column",
           "typed_frame", "absent_column", "as_days", "empty_rejects"]
