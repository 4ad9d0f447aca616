"""Row-level validation of personnel records (shared/spec/data.md, "Validation").

Like pandera's lazy mode: every check runs over the whole column at once and every
failure becomes one row of the rejects table (row, line, employee_id, column, value, message):
``row`` counts records below the header, ``line`` is where a person finds the record in the
file (CSV: physical line; XLSX: sheet row; empty for Parquet and frames).
Nothing is lost: accepted + rejected rows == rows read.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .mapping import ColumnMapping
from .readers import LINE_ERROR, LINE_NUMBER, LINE_TEXT
from .recordset import (Accepted, RecordSet, YesNo, duplicate_message, require_columns,  # noqa: F401
                        typed_frame, yes_no_values)  # Accepted, duplicate_message: for those who import them here
from .sniff import EXCEL_DAYS, EXCEL_EPOCH, date_shape, settle_formats  # noqa: F401
from .schema import (COLUMNS, DATE_COLUMNS, DATE_MAX, DECIMAL_COLUMNS, DATE_MIN, FIELD_TYPES, HOURS_MAX, MIN_AGE_AT_HIRE, NS_DATE_MAX,
                     NS_DATE_MIN, REJECT_COLUMNS, REQUIRED, SCALE_MAX, SCALE_MIN)

_LO = pd.Timestamp(DATE_MIN)
_HI = pd.Timestamp(DATE_MAX)


@dataclass
class ColumnCheck:
    """How many values of one column failed to parse, with an example and a likely fix."""

    column: str
    failed: int
    present: int
    example: str
    kind: str
    setting: str  # the date format or decimal mark in use

    @classmethod
    def of(cls, column, bad, missing, t, kind, setting) -> ColumnCheck:
        failed = int(np.count_nonzero(bad))
        example = str(_pick(t, np.flatnonzero(bad)[:1])[0]) if failed else ""
        return cls(column, failed, int(np.count_nonzero(~missing)), example, kind, setting)

    def merged(self, other: ColumnCheck) -> ColumnCheck:
        return ColumnCheck(self.column, self.failed + other.failed, self.present + other.present,
                           self.example or other.example, self.kind, self.setting)

    @property
    def whole(self) -> bool:
        return self.failed > 0 and self.failed == self.present

    def __str__(self) -> str:
        head = f"{self.column}: {self.failed} of {self.present} values"
        v = self.example
        if self.kind == "date":
            shape = date_shape(v)
            if shape and shape[1] == EXCEL_DAYS:
                day = EXCEL_EPOCH + dt.timedelta(days=int(float(v)))
                return (f"{head} look like {shape[0]} (e.g. {v!r} = {day}); add `date_formats: {{{self.column}: "
                        f"{EXCEL_DAYS}}}` to the mapping")
            if shape:
                return (f"{head} look like {shape[0]}; add `date_format: '{shape[1]}'` to the mapping "
                        f"or pass `--date-format '{shape[1]}'`")
            return (f"{head} are not dates written {_fmt_human(self.setting)} (e.g. {v!r}); set `date_format` "
                    "in the mapping or pass `--date-format`")
        if self.kind in ("decimal", "int"):
            if "," in v and self.setting != ",":
                return f"{head} have a decimal comma (e.g. {v!r}); add `decimal: ','` to the mapping or pass `--decimal ,`"
            if "%" in v:
                return f"{head} carry a % sign (e.g. {v!r}); remove it in the export and add `units: {{{self.column}: percent}}`"
            return f"{head} are not numbers (e.g. {v!r})"
        return (f"{head} are not yes/no words (e.g. {v!r}); list the words under `booleans:` "
                "(`\"true\": [...]`, `\"false\": [...]`) in the mapping")


@dataclass
class _Failures:
    """Failures collected column by column: (row positions, column, message(s))."""

    parts: list = field(default_factory=list)

    def add(self, mask, column: str, message):
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        pos = np.flatnonzero(mask)
        if isinstance(message, str):
            msgs = np.full(len(pos), message, dtype=object)
        else:
            msgs = np.asarray(message, dtype=object)[pos]
        self.parts.append((pos, column, msgs))


def _fmt_human(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def _text(s: pd.Series) -> pd.Series:
    """Trimmed text of a column, missing and empty cells as NA."""
    t = s.astype("string").str.strip()
    return t.mask(t == "")


def _cell(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))  # a typed 19.0 shows as the 19 it was written as
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat(sep=" ")
    return str(v)


def _by_uniques(t: pd.Series, parse, fill, factored=None):
    """Apply ``parse`` (Series -> array) to the distinct values of ``t`` only.

    Exports repeat a few thousand dates and numbers a million times; parsing the
    distinct values and taking by code is several times faster. ``factored``: the
    ``(codes, uniques)`` of ``t`` when already known.
    """
    codes, uniq = factored if factored is not None else pd.factorize(t, use_na_sentinel=True)
    parsed = np.asarray(parse(pd.Series(np.asarray(uniq, dtype=object), dtype=object)))
    out = np.concatenate([parsed, np.array([fill], dtype=parsed.dtype)])
    return out[codes]  # code -1 (missing) picks the fill value at the end


def _pick(s: pd.Series, pos: np.ndarray) -> np.ndarray:
    """Original cells at positions ``pos`` as display text."""
    return np.array([_cell(v) for v in s.iloc[pos].astype(object).to_numpy()], dtype=object)


def _repeated(s: pd.Series) -> np.ndarray:
    """True where a value (not missing) occurs more than once: one hashing pass in Arrow,
    several times faster than pandas' duplicated on a million ids."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = pa.array(s, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr)
    k = len(enc.dictionary)
    idx = enc.indices.fill_null(k).to_numpy(zero_copy_only=False)
    return (np.bincount(idx, minlength=k + 1)[idx] > 1) & (idx < k)


def _numbers_as_text(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """``raw`` with its text fields held as numbers (an employee_id column a frame or a
    Parquet file types as int64 or float64) as their text keys, ``102`` and never ``102.0``
    (:func:`~hpr_rules.records.readers.number_text`: the keys of every path), and per such
    column the mask of the floats that are no whole number (rejected, never changed)."""
    unwhole: dict[str, np.ndarray] = {}
    numeric = [c for c in COLUMNS if FIELD_TYPES[c] == "string" and c in raw.columns
               and pd.api.types.is_numeric_dtype(raw[c].dtype) and not pd.api.types.is_bool_dtype(raw[c].dtype)]
    if not numeric:
        return raw, unwhole
    import pyarrow as pa

    from .readers import number_text
    raw = raw.copy(deep=False)
    for c in numeric:
        keys, bad = number_text(pa.array(raw[c], from_pandas=True))  # NaN: missing, as pandas holds it
        raw[c] = pd.Series(pd.arrays.ArrowStringArray(keys), index=raw.index)
        if bad.any():
            unwhole[c] = bad
    return raw, unwhole


def _unwhole_message(col: str, v: str) -> str:
    try:
        x = float(v)
    except ValueError:
        x = float("nan")
    if x == x and x not in (float("inf"), float("-inf")) and x == int(x):
        return (f"{col} {v} is beyond the whole numbers a float column holds exactly; "
                "store the column as text or integers")
    return f"{col} {v} is not a whole number"


def validate_frame(raw: pd.DataFrame, source: str = "<frame>", *, mapping: ColumnMapping | None = None,
                   duplicates: dict | None = None, vectorised: bool = True) -> RecordSet:
    """Parse and check a frame with canonical column names (text or typed cells).

    ``duplicates`` (employee_id -> message): ids known to be duplicated beyond this frame
    (a chunk of a file, one file of a dataset); their rows are rejected with that message,
    the other ids are still checked for duplicates within the frame.

    Unknown extra columns are dropped. A required column absent from the frame is an
    :class:`InputError` (a header problem, not a row problem).

    ``vectorised`` (default): checked a whole column at a time on Arrow and numpy
    (:mod:`.arrowcheck`), only the failing rows through the path that writes the messages;
    ``False``: every row through that path. Both give the same result.
    """
    m = mapping or ColumnMapping()
    n = len(raw)
    raw = raw.reset_index(drop=True)
    if "row" in raw.columns and pd.api.types.is_integer_dtype(raw["row"].dtype):
        rows = raw["row"].to_numpy(dtype=np.int64)
    else:
        rows = np.arange(1, n + 1, dtype=np.int64)
    require_columns(raw.columns, source)
    raw, unwhole = _numbers_as_text(raw)
    if vectorised and not unwhole:  # a float that is no whole id: only the row-message path names it
        from .arrowcheck import validate_columns

        def slow(frame, settled, dups):
            return validate_frame(frame, source, mapping=settled, duplicates=dups, vectorised=False)
        fast = validate_columns(raw, rows, source, m, duplicates, slow)
        if fast is not None:
            return fast

    fail = _Failures()
    texts: dict[str, pd.Series] = {}
    typed: dict[str, pd.Series] = {}

    line_bad = np.zeros(n, dtype=bool)
    if LINE_ERROR in raw.columns:
        le = raw[LINE_ERROR].astype(str)
        line_bad = (le != "").to_numpy()
        texts["(line)"] = raw[LINE_TEXT] if LINE_TEXT in raw.columns else pd.Series("", index=raw.index)

    trues = {w.lower() for w in m.booleans.true}
    falses = {w.lower() for w in m.booleans.false}
    # distinct values of the date and number columns: parsed once each, and they tell how
    # the file writes dates and decimals where the mapping does not say
    pretext = {col: _text(raw[col]) for col in DATE_COLUMNS + DECIMAL_COLUMNS
               if col in raw.columns and _is_text(raw[col])}
    factored = {col: pd.factorize(t, use_na_sentinel=True) for col, t in pretext.items()}
    m, notes = settle_formats(m, {col: u for col, (_, u) in factored.items()})
    columns: dict[str, ColumnCheck] = {}

    for col in COLUMNS:
        kind = FIELD_TYPES[col]
        if col not in raw.columns:
            texts[col] = pd.Series(pd.NA, index=range(n), dtype="string")
            typed[col] = _empty_typed(kind, n)
            continue
        s = raw[col]
        if _is_text(s):
            t = pretext[col] if col in pretext else _text(s)
            missing = t.isna().to_numpy()
        else:  # already typed (e.g. a generated population): no text round trip
            t = s
            missing = s.isna().to_numpy()
        texts[col] = t
        if col in REQUIRED:
            fail.add(missing, col, f"{col} is missing (required)")
        if col in unwhole:
            fail.add(unwhole[col], col, _msgs(unwhole[col], t, functools.partial(_unwhole_message, col)))
        if kind == "string":
            typed[col] = t if _is_text(s) else _text(s)
        elif kind == "date":
            if pd.api.types.is_datetime64_any_dtype(s.dtype):
                d = s.astype("datetime64[ns]")
            else:
                fmt = m.date_format_for(col)
                parse = functools.partial(parse_dates, fmt=fmt)
                d = pd.Series(_by_uniques(t, parse, np.datetime64("NaT", "ns"), factored.get(col)),
                              dtype="datetime64[ns]")
                bad = ~missing & d.isna().to_numpy()
                fail.add(bad, col, _msgs(bad, t, lambda v, fmt=fmt: f"date {v} is not a valid date (expected {_fmt_human(fmt)})"))
                columns[col] = ColumnCheck.of(col, bad, missing, t, "date", fmt)
            out = (d < _LO) | (d > _HI)
            out = out.to_numpy()
            fail.add(out, col, f"{col} must be between {DATE_MIN} and {DATE_MAX}")
            typed[col] = d.mask(out)
        elif kind in ("int", "decimal"):
            if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
                x = s.astype("float64")
            else:
                number = functools.partial(parse_numbers, comma=m.decimal == ",")
                x = pd.Series(_by_uniques(t, number, np.nan, factored.get(col)), dtype="float64")
            xv = x.to_numpy(dtype="float64")
            bad = ~missing & np.isnan(xv)
            if _is_text(s):
                columns[col] = ColumnCheck.of(col, bad, missing, t, kind, m.decimal or ".")
            if kind == "int":
                frac = ~np.isnan(xv) & (np.floor(xv) != xv)
                fail.add(bad | frac, col, _msgs(bad | frac, t, lambda v, c=col: f"{c} {v} is not a whole number"))
                ok = ~np.isnan(xv) & ~frac
                fail.add(ok & ((xv < SCALE_MIN) | (xv > SCALE_MAX)), col,
                         f"{col} must be between {SCALE_MIN} and {SCALE_MAX}")
            else:
                hint = " (expected a decimal comma, e.g. 0,9)" if m.decimal == "," else " (expected a decimal point, e.g. 0.9)"
                fail.add(bad, col, _msgs(bad, t, lambda v, c=col: f"{c} {v} is not a number{hint}"))
                unit = m.units.get(col)
                if unit == "percent":  # round away binary noise: 66,67 % -> 0.6667, not 0.66670000001
                    xv = np.round(xv / 100.0, 10)
                elif unit == "minutes":
                    xv = np.round(xv / 60.0, 10)
                ok = ~np.isnan(xv)
                if col == "fte":
                    fail.add(ok & ~((xv > 0) & (xv <= 1)), col, "fte must be greater than 0 and at most 1")
                else:
                    fail.add(ok & ~((xv >= 0) & (xv <= HOURS_MAX)), col,
                             f"{col} must be between 0 and {HOURS_MAX} hours")
            typed[col] = xv
        elif kind == "bool":
            if pd.api.types.is_bool_dtype(s.dtype):
                b = s.fillna(False).to_numpy(dtype=bool)
                bad = np.zeros(n, dtype=bool)
            elif pd.api.types.is_numeric_dtype(s.dtype):  # 1/0 as numbers (a Parquet int column)
                xv = s.to_numpy(dtype="float64", na_value=np.nan)
                b = xv == 1
                bad = ~missing & ~b & (xv != 0)
            else:
                low = t.str.lower()
                is_t = low.isin(trues).to_numpy(dtype=bool)
                is_f = low.isin(falses).to_numpy(dtype=bool)
                b = is_t
                bad = ~missing & ~is_t & ~is_f
            words = f"{', '.join(m.booleans.true[:3])} for yes or {', '.join(m.booleans.false[:3])} for no"
            fail.add(bad, col, _msgs(bad, t, lambda v, c=col: f"{c} {v} is not a yes/no value (expected {words})"))
            columns[col] = ColumnCheck.of(col, bad, missing, t, kind, "")
            typed[col] = yes_no_values(col, b, missing)

    # relations between fields (only where both sides parsed)
    birth, hire, fstart = typed["birth_date"], typed["hire_date"], typed["function_start_date"]
    both = (birth.notna() & hire.notna()).to_numpy()
    fail.add(both & (birth >= hire).to_numpy(), "birth_date", "birth_date must be before hire_date")
    fail.add((hire.notna() & fstart.notna() & (hire > fstart)).to_numpy(), "function_start_date",
             "function_start_date must not be before hire_date")
    age = (hire.dt.year - birth.dt.year
           - ((hire.dt.month * 100 + hire.dt.day) < (birth.dt.month * 100 + birth.dt.day)).astype(int))
    agev = age.to_numpy(dtype="float64", na_value=np.nan)
    young = both & (birth < hire).to_numpy() & (agev < MIN_AGE_AT_HIRE)
    if young.any():
        fail.add(young, "hire_date",
                 np.array([f"employee is younger than {MIN_AGE_AT_HIRE} at hire_date (age {int(a)})"
                           if y else "" for a, y in zip(np.nan_to_num(agev), young)], dtype=object))

    ids = texts["employee_id"]
    if "employee_id" in unwhole:  # rejected as it is: no key to compare (102.5 is no id 102.5 of a text file)
        ids = ids.mask(unwhole["employee_id"])
    known = np.zeros(n, dtype=bool)
    if duplicates:  # found beyond this frame: the whole file (chunks) or other files (a dataset)
        known = (ids.notna() & ids.isin(list(duplicates))).to_numpy()
        if known.any():
            msgs = np.full(n, "", dtype=object)
            msgs[known] = [duplicates[i] for i in _pick(ids, np.flatnonzero(known))]
            fail.add(known, "employee_id", msgs)
    dup = _repeated(ids) & ~known
    if dup.any():
        sub = pd.DataFrame({"id": _pick(ids, np.flatnonzero(dup)), "row": rows[dup]})
        info = sub.groupby("id", sort=False)["row"].agg(list)
        msgs = np.full(n, "", dtype=object)
        msgs[dup] = [duplicate_message(i, info[i]) for i in sub["id"]]
        fail.add(dup, "employee_id", msgs)

    if line_bad.any():
        # a line that could not be split: its cells mean nothing, report the line alone
        fail.parts = [(pos[~line_bad[pos]], col, msgs[~line_bad[pos]]) for pos, col, msgs in fail.parts]
        fail.parts = [p for p in fail.parts if len(p[0])]
        fail.add(line_bad, "(line)", le.to_numpy(dtype=object))
    rejects = _rejects_table(fail, rows, texts, raw)
    bad_pos = np.zeros(n, dtype=bool)
    for pos, _, _ in fail.parts:
        bad_pos[pos] = True
    keep = ~bad_pos
    frame = typed_frame(typed, keep, rows)
    return RecordSet(frame=frame, rejects=rejects, rows_read=n, source=source, notes=notes,
                     columns={c: k for c, k in columns.items() if k.failed})


def parse_dates(u: pd.Series, fmt: str) -> np.ndarray:
    """Trimmed date texts (distinct values) as datetime64[ns], NaT where not a date in ``fmt``."""
    if fmt == "%Y-%m-%d" and (u.str.len() > 10).any():
        u = u.str.replace(r"[ T]00:00(:00(\.0+)?)?$", "", regex=True)
    if fmt == EXCEL_DAYS:
        n = pd.to_numeric(u, errors="coerce")
        n = n.where((n == n.round()) & (n > 0) & (n < 110_000))  # whole days, up to about 2200
        r = pd.Timestamp(EXCEL_EPOCH) + pd.to_timedelta(n, unit="D")
    else:
        r = pd.to_datetime(u, format=fmt, errors="coerce")
    if not pd.api.types.is_datetime64_any_dtype(r.dtype):
        r = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    if fmt != "%Y-%m-%d" and r.isna().any():  # a real date cell of a workbook reads as ISO
        iso = pd.to_datetime(u[r.isna()], format="%Y-%m-%d", errors="coerce")
        if pd.api.types.is_datetime64_any_dtype(iso.dtype):
            r = _clip_ns(r).astype("datetime64[ns]")
            r[r.isna()] = _clip_ns(iso).astype("datetime64[ns]")
    return _clip_ns(r).to_numpy()


#: a number whose thousands are grouped (1.234,5 with a decimal comma, 1,234.5 with a point)
_THOUSANDS = {True: r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$", False: r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"}


def parse_numbers(u: pd.Series, comma: bool) -> np.ndarray:
    """Trimmed number texts (distinct values) as float64, NaN where not a number. The other
    mark may group thousands in threes (``1.234,5`` with a decimal comma)."""
    grouped = u.str.match(_THOUSANDS[comma]).fillna(False).to_numpy(dtype=bool)
    if grouped.any():
        u = u.where(~grouped, u.str.replace("." if comma else ",", "", regex=False))
    u = u.str.replace(",", ".", regex=False) if comma else u
    return pd.to_numeric(u, errors="coerce").astype("float64").to_numpy()


_NS_LO, _NS_HI = pd.Timestamp(NS_DATE_MIN), pd.Timestamp(NS_DATE_MAX)


def _clip_ns(r: pd.Series) -> pd.Series:
    """Parsed dates as datetime64[ns]. A date ns cannot hold (year 1500, 2300) becomes the
    nearest bound, which lies outside DATE_MIN..DATE_MAX: the range check names it."""
    if str(r.dtype) != "datetime64[ns]":
        r = r.mask(r < _NS_LO, _NS_LO).mask(r >= _NS_HI, _NS_HI)
    return r.astype("datetime64[ns]")


def _msgs(mask: np.ndarray, t: pd.Series, make) -> np.ndarray:
    out = np.full(len(t), "", dtype=object)
    if mask.any():
        out[mask] = [make(v) for v in _pick(t, np.flatnonzero(mask))]
    return out


def _empty_typed(kind: str, n: int):
    if kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if kind in ("int", "decimal"):
        return np.full(n, np.nan)
    if kind == "bool":
        return YesNo(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    return pd.Series(pd.NA, index=range(n), dtype="string")


def _rejects_table(fail: _Failures, rows, texts, raw) -> pd.DataFrame:
    if not fail.parts:
        return pd.DataFrame({"row": pd.Series([], dtype="int64"), "line": pd.Series([], dtype="Int64"),
                             "employee_id": pd.Series([], dtype=object),
                             "column": pd.Series([], dtype=object), "value": pd.Series([], dtype=object),
                             "message": pd.Series([], dtype=object)})[REJECT_COLUMNS]
    pos_l, col_l, val_l, msg_l, order_l = [], [], [], [], []
    for k, (pos, col, msgs) in enumerate(fail.parts):
        if col in texts:
            v = _pick(texts[col], pos)
        else:
            v = np.full(len(pos), None, dtype=object)
        pos_l.append(pos)
        col_l.append(np.full(len(pos), col, dtype=object))
        val_l.append(v)
        msg_l.append(msgs)
        order_l.append(np.full(len(pos), k))
    pos = np.concatenate(pos_l)
    order = np.lexsort((np.concatenate(order_l), pos))
    pos = pos[order]
    val = np.concatenate(val_l)[order]
    eid = np.array([v or None for v in _pick(texts["employee_id"], pos)], dtype=object)
    if LINE_NUMBER in raw.columns:  # carried from the reader: the line or sheet row a person sees
        line = pd.array(raw[LINE_NUMBER].to_numpy(dtype=np.int64)[pos], dtype="Int64")
    else:
        line = pd.array([pd.NA] * len(pos), dtype="Int64")
    return pd.DataFrame({
        "row": rows[pos].astype(np.int64),
        "line": line,
        "employee_id": eid,
        "column": np.concatenate(col_l)[order],
        "value": val,
        "message": np.concatenate(msg_l)[order],
    })[REJECT_COLUMNS]
