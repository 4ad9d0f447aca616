"""Validation of a whole column at a time on Arrow and numpy: the common case, fast.

:func:`hpr_rules.records.validate_frame` calls :func:`validate_columns` first. It parses
every column with Arrow kernels (trim, hash, take) and numpy, the distinct values of a
date or number column once each with the very parsers of the row-message path
(:func:`~hpr_rules.records.validate.parse_dates`, ``parse_numbers``), and checks the
same rules on the typed arrays: no object columns, no Python per row. Its result is the
set of rows that fail; only those rows go through the row-message path, so every message,
and every per-column diagnosis, is the one that path writes. Where the frame holds
something this path does not read (typed cells of an unexpected kind, text that is not
text), or where the row-message path would accept a row this path rejects, it returns
``None`` and the whole frame takes the row-message path.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .readers import LINE_ERROR
from .schema import (COLUMNS, DATE_COLUMNS, DATE_MAX, DATE_MIN, DECIMAL_COLUMNS, FIELD_TYPES, HOURS_MAX,
                     MIN_AGE_AT_HIRE, REQUIRED, SCALE_MAX, SCALE_MIN)

_LO, _HI = np.datetime64(DATE_MIN, "ns"), np.datetime64(DATE_MAX, "ns")
_NAT = np.datetime64("NaT", "ns")


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def _arrow_text(s: pd.Series):
    """A text column as Arrow large_string (an array or chunked array, null for missing), or
    None where the cells are not all text."""
    if hasattr(s.array, "__arrow_array__"):
        arr = s.array.__arrow_array__()
    else:
        try:
            arr = pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            return None
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 1:
        arr = arr.chunk(0)
    if pa.types.is_string(arr.type):
        arr = arr.cast(pa.large_string())
    return arr if pa.types.is_large_string(arr.type) else None


def _used_bytes(a) -> int:
    """Bytes of text in a large_string array (the span of its offsets)."""
    if not len(a):
        return 0
    offsets = np.frombuffer(a.buffers()[1], dtype=np.int64)
    return int(offsets[a.offset + len(a)] - offsets[a.offset])


def _trimmed(a):
    """``a`` with every value trimmed as pandas' str.strip does on Arrow text; ``a`` itself
    (no second copy kept) where no value had anything to trim."""
    t = pc.utf8_trim_whitespace(a)
    return a if _used_bytes(t) == _used_bytes(a) else t


def _null_where_empty(t):
    """Trimmed text with its empty cells made null (a validity bitmap over the same text),
    and the missing mask."""
    missing = pc.fill_null(pc.equal(t, ""), True).to_numpy(zero_copy_only=False)
    if not missing.any():
        return t, missing
    if t.offset or t.buffers()[0] is not None:
        return pc.if_else(pa.array(missing), None, t), missing
    valid = pa.array(~missing).buffers()[1]
    return pa.Array.from_buffers(t.type, len(t), [valid, *t.buffers()[1:]]), missing


@dataclasses.dataclass
class _Text:
    """A trimmed text column: ``values`` (null where missing; None for a coded column),
    ``missing`` (numpy bool), ``codes`` into ``uniques`` (-1: missing) once encoded."""

    values: object
    missing: np.ndarray
    codes: np.ndarray | None = None
    uniques: list | None = None

    @classmethod
    def of(cls, arr) -> _Text:
        """Every cell trimmed, as text (for the text columns)."""
        if isinstance(arr, pa.ChunkedArray):
            parts = [_null_where_empty(_trimmed(c)) for c in arr.chunks]
            return cls(pa.chunked_array([v for v, _ in parts], arr.type),
                       np.concatenate([mk for _, mk in parts]) if parts else np.zeros(0, dtype=bool))
        return cls(*_null_where_empty(_trimmed(arr)))

    @classmethod
    def coded(cls, arr) -> _Text:
        """Codes into the distinct trimmed values (for dates, numbers, yes/no: a few thousand
        distinct values a million times): the distinct raw values are trimmed, not every cell."""
        enc = pc.dictionary_encode(arr)
        if isinstance(enc, pa.ChunkedArray):
            chunks = enc.chunks
            if not chunks:
                return cls(None, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64), [])
            dictionary = chunks[-1].dictionary
            if not all(c.dictionary.equals(dictionary) for c in chunks[:-1]):
                return cls.coded(arr.combine_chunks())
            indices = pa.chunked_array([c.indices for c in chunks]).combine_chunks()
        else:
            dictionary, indices = enc.dictionary, enc.indices
        raw_codes = indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        trimmed = pc.utf8_trim_whitespace(dictionary).to_pylist()
        uniques: list[str] = []
        where: dict[str, int] = {}
        remap = np.full(len(trimmed) + 1, -1, dtype=np.int64)  # the last entry: null cells
        for j, v in enumerate(trimmed):
            if v:
                remap[j] = where.setdefault(v, len(uniques))
                if remap[j] == len(uniques):
                    uniques.append(v)
        codes = remap[raw_codes]
        return cls(None, codes < 0, codes, uniques)

    def by_uniques(self, parse, fill):
        """``parse`` (Series of distinct texts -> array) applied to the distinct values, taken back."""
        parsed = np.asarray(parse(pd.Series(np.asarray(self.uniques, dtype=object), dtype=object)))
        return np.concatenate([parsed, np.array([fill], dtype=parsed.dtype)])[self.codes]


def _ymd(d: np.ndarray):
    from ..calendar import _civil
    return _civil(d.astype("datetime64[D]").astype(np.int64))


def _repeated_text(values) -> np.ndarray:
    """True where a text (not null) occurs more than once: equal neighbours after a sort,
    several times faster than hashing a million distinct ids."""
    n = len(values)
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    order = pc.array_sort_indices(values, null_placement="at_end")
    valid = n - values.null_count
    if valid < 2:  # no text, or one: nothing repeats
        return out
    srt = values.take(order[:valid])
    same = pc.equal(srt.slice(1), srt.slice(0, valid - 1)).to_numpy(zero_copy_only=False)
    if not same.any():
        return out
    hit = np.zeros(valid, dtype=bool)
    hit[1:] |= same
    hit[:-1] |= same
    out[order.to_numpy(zero_copy_only=False)[:valid][hit]] = True
    return out


def validate_columns(raw: pd.DataFrame, rows: np.ndarray, source: str, m, duplicates: dict | None, slow):
    """The :class:`~hpr_rules.records.validate.RecordSet` of ``raw`` (index 0..n-1, the
    required columns present), or None where only the row-message path ``slow`` reads it.

    ``slow(frame, mapping, duplicates)`` validates the failing rows (the row-message path).
    """
    from .validate import Accepted, RecordSet, parse_dates, parse_numbers, settle_formats, yes_no_values
    n = len(raw)
    suspect = np.zeros(n, dtype=bool)
    if LINE_ERROR in raw.columns:
        suspect |= (raw[LINE_ERROR].astype(str) != "").to_numpy(dtype=bool)

    texts: dict[str, _Text] = {}
    for col in COLUMNS:
        if col not in raw.columns:
            continue
        s, kind = raw[col], FIELD_TYPES[col]
        if _is_text(s):
            arr = _arrow_text(s)
            if arr is None:
                return None
            texts[col] = _Text.of(arr) if kind == "string" else _Text.coded(arr)
        elif kind == "date" and s.dtype == np.dtype("datetime64[ns]"):
            continue
        elif kind in ("int", "decimal") and s.dtype.kind in "iuf":
            continue
        elif kind == "bool" and s.dtype.kind in "biuf":
            continue
        else:
            return None
    m, notes = settle_formats(m, {c: texts[c].uniques for c in DATE_COLUMNS + DECIMAL_COLUMNS if c in texts})

    typed: dict = {}
    present: dict[str, int] = {}
    for col in COLUMNS:
        kind = FIELD_TYPES[col]
        if col not in raw.columns:
            typed[col] = None
            continue
        s = raw[col]
        t = texts.get(col)
        missing = t.missing if t is not None else s.isna().to_numpy()
        present[col] = n - int(np.count_nonzero(missing))
        if col in REQUIRED:
            suspect |= missing
        if kind == "string":
            typed[col] = pd.Series(pd.arrays.ArrowStringArray(t.values))
        elif kind == "date":
            if t is None:
                d = s.to_numpy(dtype="datetime64[ns]")
            else:
                d = t.by_uniques(lambda u, c=col: parse_dates(u, m.date_format_for(c)), _NAT)
                suspect |= ~missing & np.isnat(d)
            out = (d < _LO) | (d > _HI)
            if out.any():
                suspect |= out
                d = np.where(out, _NAT, d)
            typed[col] = pd.Series(d, dtype="datetime64[ns]", copy=False)
        elif kind in ("int", "decimal"):
            if t is None:
                xv = s.to_numpy(dtype="float64", na_value=np.nan)
            else:
                xv = t.by_uniques(lambda u: parse_numbers(u, m.decimal == ","), np.nan)
            nan = np.isnan(xv)
            suspect |= ~missing & nan
            with np.errstate(invalid="ignore"):
                if kind == "int":
                    frac = ~nan & (np.floor(xv) != xv)
                    suspect |= frac | (~nan & ~frac & ((xv < SCALE_MIN) | (xv > SCALE_MAX)))
                else:
                    unit = m.units.get(col)
                    if unit == "percent":
                        xv = np.round(xv / 100.0, 10)
                    elif unit == "minutes":
                        xv = np.round(xv / 60.0, 10)
                    ok = ~np.isnan(xv)
                    if col == "fte":
                        suspect |= ok & ~((xv > 0) & (xv <= 1))
                    else:
                        suspect |= ok & ~((xv >= 0) & (xv <= HOURS_MAX))
            typed[col] = xv
        else:  # bool
            if t is None and s.dtype.kind == "b":
                b = s.fillna(False).to_numpy(dtype=bool)
            elif t is None:
                xv = s.to_numpy(dtype="float64", na_value=np.nan)
                b = xv == 1
                suspect |= ~missing & ~b & (xv != 0)
            else:
                low = pc.utf8_lower(pa.array(t.uniques, type=pa.large_string())).to_pylist()
                trues = {w.lower() for w in m.booleans.true}
                falses = {w.lower() for w in m.booleans.false}
                is_t = np.array([v in trues for v in low] + [False], dtype=bool)[t.codes]
                is_f = np.array([v in falses for v in low] + [False], dtype=bool)[t.codes]
                b = is_t
                suspect |= ~missing & ~is_t & ~is_f
            typed[col] = yes_no_values(col, b, missing)

    # relations between fields (only where both sides parsed)
    def day(col):
        v = typed[col]
        return None if v is None else v.to_numpy()
    birth, hire, fstart = day("birth_date"), day("hire_date"), day("function_start_date")
    both = ~np.isnat(birth) & ~np.isnat(hire)
    suspect |= both & (birth >= hire)
    if fstart is not None:
        suspect |= ~np.isnat(hire) & ~np.isnat(fstart) & (hire > fstart)
    # at least 15 * 366 days apart is 15 years of age for sure: only nearer pairs are counted out
    with np.errstate(over="ignore"):
        near = (hire.view(np.int64) - birth.view(np.int64)) < MIN_AGE_AT_HIRE * 366 * 86_400 * 10**9
    check = both & (birth < hire) & near & ~suspect
    if check.any():
        by, bm, bd = _ymd(birth[check])
        hy, hm, hd = _ymd(hire[check])
        age = hy - by - ((hm * 100 + hd) < (bm * 100 + bd))
        young = np.zeros(n, dtype=bool)
        young[np.flatnonzero(check)[age < MIN_AGE_AT_HIRE]] = True
        suspect |= young

    # duplicates: known beyond this frame, and within it
    ids = texts["employee_id"].values
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    dup_msgs = dict(duplicates or {})
    known = np.zeros(n, dtype=bool)
    if duplicates:
        known = pc.fill_null(pc.is_in(ids, value_set=pa.array(list(duplicates), type=ids.type)), False) \
            .to_numpy(zero_copy_only=False)
        suspect |= known
    rep = _repeated_text(ids) & ~known
    if rep.any():
        from .validate import duplicate_message
        pos = np.flatnonzero(rep)
        by_id: dict[str, list[int]] = {}
        for i, row in zip(ids.take(pos).to_pylist(), rows[pos].tolist()):
            by_id.setdefault(i, []).append(row)
        dup_msgs.update({i: duplicate_message(i, r) for i, r in by_id.items()})
        suspect |= rep

    columns: dict = {}
    keep = None
    rejects = None
    if suspect.any():
        pos = np.flatnonzero(suspect)
        sub = raw.iloc[pos].reset_index(drop=True)
        sub["row"] = rows[pos]
        checked = slow(sub, m, dup_msgs)
        if checked.rows_accepted:  # a row this path rejects, the row-message path accepts
            return None
        rejects = checked.rejects
        columns = {c: dataclasses.replace(k, present=present[c]) for c, k in checked.columns.items()}
        keep = ~suspect
    for col, v in typed.items():
        if v is None:
            from .validate import _empty_typed
            typed[col] = _empty_typed(FIELD_TYPES[col], n)
    if rejects is None:
        from .validate import _Failures, _rejects_table
        rejects = _rejects_table(_Failures(), rows, {}, raw)
    return RecordSet(frame=None, rejects=rejects, rows_read=n, source=source, notes=notes, columns=columns,
                     accepted=Accepted(typed, keep, rows))


__all__ = ["validate_columns"]
