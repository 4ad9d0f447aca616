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
import datetime as dt
import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowbuf import from_numpy, scalar, text, to_numpy, valid_mask
from .schema import (COLUMNS, DATE_COLUMNS, DATE_MAX, DATE_MIN, DECIMAL_COLUMNS, FIELD_TYPES, HOURS_MAX, LINE_ERROR,
                     MIN_AGE_AT_HIRE, NS_DATE_MAX, NS_DATE_MIN, REQUIRED, SCALE_MAX, SCALE_MIN)

if TYPE_CHECKING:  # a frame is one input; an Arrow table (a Parquet file) is validated without pandas
    import pandas as pd

_EPOCH = dt.date(1970, 1, 1).toordinal()
#: DATE_MIN..DATE_MAX and what datetime64[ns] holds, as day numbers
_LO, _HI = (dt.date.fromisoformat(d).toordinal() - _EPOCH for d in (DATE_MIN, DATE_MAX))
_NS_LO, _NS_HI = (dt.date.fromisoformat(d) for d in (NS_DATE_MIN, NS_DATE_MAX))
_NS_PER_DAY = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min


def _is_text(s: pd.Series) -> bool:
    import pandas as pd
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


def _offsets(a) -> np.ndarray:
    """The n + 1 offsets of a large_string array's values (its slice of the offsets buffer)."""
    return np.frombuffer(a.buffers()[1], dtype=np.int64, count=len(a) + 1, offset=a.offset * 8)


def _plain_ascii(a) -> bool:
    """No byte of the text is whitespace, a control character or beyond ASCII: nothing in it
    can be trimmed (two reductions over the bytes instead of a trimmed copy)."""
    if not len(a):
        return True
    offsets = _offsets(a)
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi == lo:
        return True
    data = np.frombuffer(a.buffers()[2], dtype=np.uint8, count=hi - lo, offset=lo)
    return int(data.min()) > 0x20 and int(data.max()) < 0x7F


def _trimmed(a):
    """``a`` with every value trimmed as pandas' str.strip does on Arrow text; ``a`` itself
    (no second copy kept) where no value had anything to trim."""
    if pa.types.is_large_string(a.type) and _plain_ascii(a):
        return a
    t = pc.utf8_trim_whitespace(a)
    return a if _used_bytes(t) == _used_bytes(a) else t


def _null_where_empty(t):
    """Trimmed text with its empty cells made null (a validity bitmap over the same text),
    and the missing mask."""
    if pa.types.is_large_string(t.type):  # empty: an offset equal to the next one
        missing = np.diff(_offsets(t)) == 0
        if t.null_count:
            missing |= ~valid_mask(t)
    else:
        missing = to_numpy(pc.fill_null(pc.equal(t, scalar("", t.type)), scalar(True, pa.bool_())))
    if not missing.any():
        return t, missing
    if t.offset or t.buffers()[0] is not None:
        return pc.if_else(from_numpy(missing), scalar(None, t.type), t), missing
    valid = from_numpy(~missing).buffers()[1]
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
        raw_codes = to_numpy(indices, fill=-1).astype(np.int64)
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
        import pandas as pd
        parsed = np.asarray(parse(pd.Series(np.asarray(self.uniques, dtype=object), dtype=object)))
        return np.concatenate([parsed, np.array([fill], dtype=parsed.dtype)])[self.codes]


class _Typed(NamedTuple):
    """A column the input already types: ``kind`` days (int64 day numbers, 0 where missing),
    number (float64, NaN where missing), bool, or boolnum (a yes/no column written 1/0)."""

    kind: str
    values: np.ndarray
    missing: np.ndarray


def _text_input(arr, kind: str) -> _Text:
    return _Text.of(arr) if kind == "string" else _Text.coded(arr)


def _trimmed_text(arr):
    """Every cell of a text column trimmed, null where empty."""
    return _Text.of(arr).values


def _frame_input(s: pd.Series, kind: str):
    """One column of a frame as this path reads it, or None where only the row-message path does."""
    if _is_text(s):
        arr = _arrow_text(s)
        return None if arr is None else _text_input(arr, kind)
    if kind == "date" and s.dtype == np.dtype("datetime64[ns]"):
        ns = s.to_numpy().view(np.int64)
        missing = ns == _NAT
        if np.any(ns[~missing] % _NS_PER_DAY):  # a time of day: the row-message path compares it exactly
            return None
        days = (ns // _NS_PER_DAY).astype(np.int32)
        days[missing] = 0
        return _Typed("days", days, missing)
    if kind in ("int", "decimal") and s.dtype.kind in "iuf":
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        return _Typed("number", x, s.isna().to_numpy())
    if kind == "bool" and s.dtype.kind == "b":
        return _Typed("bool", s.fillna(False).to_numpy(dtype=bool), s.isna().to_numpy())
    if kind == "bool" and s.dtype.kind in "iuf":
        return _Typed("boolnum", s.to_numpy(dtype="float64", na_value=np.nan), s.isna().to_numpy())
    return None


def _arrow_input(col, kind: str, name: str):
    """One column of an Arrow table read from Parquet (a chunked array) as this path reads it,
    taken as :func:`hpr_rules.records.readers.parquet_frame` would type it; None where that
    frame would hold the text form (a date outside what datetime64[ns] holds) or something
    only the row-message path reads. An optional text column, which nothing checks, is
    trimmed when it is used (a function of no arguments)."""
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = pc.cast(col, t.value_type), t.value_type
    if pa.types.is_null(t):  # a column with no value at all (pandas writes an empty one so): all missing
        t = {"date": pa.date32(), "bool": pa.bool_(), "int": pa.float64(), "decimal": pa.float64()}.get(
            kind, pa.large_string())
        col = pa.chunked_array([pa.nulls(len(col), t)], t)
    if kind == "string" and (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
        from .readers import number_text  # ids held as numbers: the text keys parquet_frame reads them as
        keys, unwhole = number_text(col)
        if unwhole.any():  # a float that is no whole id: the row-message path rejects it
            return None
        col, t = keys, keys.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        arr = pc.cast(col, pa.large_string())
        if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 1:
            arr = arr.chunk(0)
        if kind == "string" and name not in REQUIRED:  # nothing to check: trimmed where it is used
            return functools.partial(_trimmed_text, arr)
        return _text_input(arr, kind)
    missing = ~valid_mask(col) if col.null_count else np.zeros(len(col), dtype=bool)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        if kind != "date":
            return None
        d = pc.cast(col, pa.date32(), safe=False)  # the day; a time of day is dropped, as in the frame
        lo, hi = pc.min_max(d).values()
        if lo.is_valid and (lo.as_py() < _NS_LO or hi.as_py() >= _NS_HI):
            return None
        days = to_numpy(d)  # int32 day numbers as Arrow holds them, 0 where missing
        return _Typed("days", days, missing)
    if pa.types.is_boolean(t):
        if kind != "bool":
            return None
        return _Typed("bool", to_numpy(col, fill=False), missing)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if kind not in ("int", "decimal", "bool"):
            return None
        return _Typed("boolnum" if kind == "bool" else "number", to_numpy(pc.cast(col, pa.float64()), np.nan),
                      missing)
    return None


def _words(values):
    """ASCII texts of at most 8 bytes (ids usually are), none null and none ending in a space,
    as one uint64 each (padded with spaces by Arrow, read big-endian: the words sort as the
    texts do): equal texts give equal words, different ones different words. None otherwise."""
    n = len(values)
    if not n or values.null_count or not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    if not pc.all(pc.string_is_ascii(values)).as_py() or pc.max(pc.binary_length(values)).as_py() > 8 \
            or pc.any(pc.ends_with(values, " ")).as_py():
        return None
    padded = pc.ascii_rpad(values, width=8, padding=" ")
    offsets = np.frombuffer(padded.buffers()[1], dtype=np.int64 if pa.types.is_large_string(padded.type) else np.int32,
                            count=2, offset=padded.offset * (8 if pa.types.is_large_string(padded.type) else 4))
    return np.frombuffer(padded.buffers()[2], dtype=">u8", count=n, offset=int(offsets[0])).astype(np.uint64)


def _repeated_text(values) -> np.ndarray:
    """True where a text (not null) occurs more than once: ids of at most 8 bytes as one
    integer each (ascending, as exports usually are, is one comparison of neighbours; else an
    integer sort), others by equal neighbours after an Arrow sort; several times faster than
    hashing a million distinct ids."""
    n = len(values)
    out = np.zeros(n, dtype=bool)
    words = _words(values)
    if words is not None:
        if n < 2 or bool(np.all(words[1:] > words[:-1])):
            return out
        srt = np.sort(words)
        if not np.any(srt[1:] == srt[:-1]):
            return out
        order = np.argsort(words, kind="stable")
        srt = words[order]
        out[order[_either_side(srt[1:] == srt[:-1])]] = True
        return out
    valid = n - values.null_count
    if valid < 2:  # no text, or one: nothing repeats
        return out
    if not values.null_count and pc.all(pc.less(values.slice(0, n - 1), values.slice(1))).as_py():
        return out  # ascending: no two alike
    order = pc.array_sort_indices(values, null_placement="at_end")
    srt = values.take(order[:valid])
    same = to_numpy(pc.equal(srt.slice(1), srt.slice(0, valid - 1)))
    if same.any():
        out[to_numpy(order)[:valid][_either_side(same)]] = True
    return out


def _either_side(same: np.ndarray) -> np.ndarray:
    """Of sorted values, those equal to a neighbour (``same[i]``: value i+1 equals value i)."""
    hit = np.zeros(len(same) + 1, dtype=bool)
    hit[1:] |= same
    hit[:-1] |= same
    return hit


def validate_columns(raw, rows: np.ndarray, source: str, m, duplicates: dict | None, slow, repeats: bool = True):
    """The :class:`~hpr_rules.records.recordset.RecordSet` of ``raw``, or None where only the
    row-message path ``slow`` reads it.

    ``raw``: a frame (index 0..n-1, the required columns present), or the Arrow table of a
    Parquet file (typed as :func:`hpr_rules.records.readers.parquet_frame` types it, without
    pandas while no row fails). ``slow(frame, mapping, duplicates)`` validates the failing
    rows (the row-message path). ``repeats=False``: ``duplicates`` already names every id
    repeated in the file (a first pass over a file read in batches): none is looked for here.
    """
    from .recordset import Accepted, Days, RecordSet, absent_column, yes_no_values
    from .sniff import settle_formats
    arrow = isinstance(raw, pa.Table)
    names = set(raw.column_names if arrow else raw.columns)
    n = raw.num_rows if arrow else len(raw)
    suspect = np.zeros(n, dtype=bool)
    if not arrow and LINE_ERROR in names:
        suspect |= (raw[LINE_ERROR].astype(str) != "").to_numpy(dtype=bool)

    inputs: dict = {}
    for col in COLUMNS:
        if col not in names:
            continue
        got = _arrow_input(raw.column(col), FIELD_TYPES[col], col) if arrow else _frame_input(raw[col], FIELD_TYPES[col])
        if got is None:
            return None
        inputs[col] = got
    texts = {c: v for c, v in inputs.items() if isinstance(v, _Text)}
    m, notes = settle_formats(m, {c: texts[c].uniques for c in DATE_COLUMNS + DECIMAL_COLUMNS if c in texts})

    typed: dict = {}
    present: dict[str, int] = {}
    when: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # date columns: (day numbers, missing or out of range)
    for col in COLUMNS:
        kind = FIELD_TYPES[col]
        if col not in inputs:
            typed[col] = absent_column(kind, n)
            continue
        v = inputs[col]
        if callable(v):  # optional text: nothing to check
            typed[col] = v
            continue
        t = v if isinstance(v, _Text) else None
        missing = v.missing
        present[col] = n - int(np.count_nonzero(missing))
        if col in REQUIRED:
            suspect |= missing
        if kind == "string":
            typed[col] = t.values
        elif kind == "date":
            if t is None:
                days, gone = v.values, missing
            else:
                from .validate import parse_dates
                ns = t.by_uniques(lambda u, c=col: parse_dates(u, m.date_format_for(c)),
                                  np.datetime64("NaT", "ns")).view(np.int64)
                gone = ns == _NAT
                if np.any(ns[~gone] % _NS_PER_DAY):  # a format with a time of day
                    return None
                suspect |= ~missing & gone
                days = ns // _NS_PER_DAY
            out = ~gone & ((days < _LO) | (days > _HI))
            if out.any():
                suspect |= out
                gone = gone | out
            if t is not None or out.any():  # 0 where missing, as the typed input holds them
                days = np.where(gone, 0, days).astype(np.int32)
            when[col] = (days, gone)
            typed[col] = Days(days, gone)
        elif kind in ("int", "decimal"):
            if t is None:
                xv = v.values
            else:
                from .validate import parse_numbers
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
            if t is None and v.kind == "bool":
                b = v.values
            elif t is None:
                b = v.values == 1
                suspect |= ~missing & ~b & (v.values != 0)
            else:
                low = pc.utf8_lower(text(t.uniques, pa.large_string())).to_pylist()
                trues = {w.lower() for w in m.booleans.true}
                falses = {w.lower() for w in m.booleans.false}
                is_t = np.array([v in trues for v in low] + [False], dtype=bool)[t.codes]
                is_f = np.array([v in falses for v in low] + [False], dtype=bool)[t.codes]
                b = is_t
                suspect |= ~missing & ~is_t & ~is_f
            typed[col] = yes_no_values(col, b, missing)

    # relations between fields (only where both sides parsed), on day numbers
    nowhere = (np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool))
    (birth, b_gone), (hire, h_gone) = when["birth_date"], when["hire_date"]
    fstart, f_gone = when.get("function_start_date", nowhere)
    both = ~b_gone & ~h_gone
    suspect |= both & (birth >= hire)
    suspect |= ~h_gone & ~f_gone & (hire > fstart)
    # at least 15 * 366 days apart is 15 years of age for sure: only nearer pairs are counted out
    near = (hire - birth) < MIN_AGE_AT_HIRE * 366  # int32 day numbers: no overflow
    check = both & (birth < hire) & near & ~suspect
    if check.any():
        from ..calendar import _civil
        by, bm, bd = _civil(birth[check].astype(np.int64))
        hy, hm, hd = _civil(hire[check].astype(np.int64))
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
        known = to_numpy(pc.is_in(ids, value_set=text(list(duplicates), ids.type)), fill=False)
        suspect |= known
    rep = _repeated_text(ids) & ~known if repeats else np.zeros(n, dtype=bool)
    if rep.any():
        from .recordset import duplicate_message
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
        if arrow:
            from .readers import parquet_frame
            sub = parquet_frame(raw.take(from_numpy(pos.astype(np.int64))), typed=True)
        else:
            sub = raw.iloc[pos].reset_index(drop=True)
        sub["row"] = rows[pos]
        checked = slow(sub, m, dup_msgs)
        if checked.rows_accepted:  # a row this path rejects, the row-message path accepts
            return None
        rejects = checked.rejects
        columns = {c: dataclasses.replace(k, present=present[c]) for c, k in checked.columns.items()}
        keep = ~suspect
    return RecordSet(frame=None, rejects=rejects, rows_read=n, source=source, notes=notes, columns=columns,
                     accepted=Accepted(typed, keep, rows))


def validate_table(table, source: str = "<table>", *, mapping=None, duplicates: dict | None = None,
                   first_row: int = 1, repeats: bool = True):
    """:func:`hpr_rules.records.validate_frame` of a Parquet file's Arrow table, without a
    frame where every row passes; the same result as that of its frame. ``first_row``: the
    row number of the table's first row (a batch of a larger file); ``repeats``: see
    :func:`validate_columns`."""
    from .recordset import require_columns
    require_columns(table.column_names, source)
    rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
    from .mapping import ColumnMapping

    def slow(frame, settled, dups):
        from .validate import validate_frame
        return validate_frame(frame, source, mapping=settled, duplicates=dups, vectorised=False)
    fast = validate_columns(table, rows, source, mapping or ColumnMapping(), duplicates, slow, repeats)
    if fast is not None:
        return fast
    from .readers import parquet_frame
    from .validate import validate_frame
    frame = parquet_frame(table, typed=True)
    frame["row"] = rows
    return validate_frame(frame, source, mapping=mapping, duplicates=duplicates)


__all__ = ["validate_columns", "validate_table"]
