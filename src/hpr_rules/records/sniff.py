"""How an export is written: where its header is, day-first dates and decimal commas.

Decided on the distinct values of the whole file (the streaming path collects them in its
first pass), and only when unambiguous: day-first dates need a day above 12 somewhere and
no month above 12; a decimal comma needs a comma and no decimal point. Anything the mapping
(or a CLI flag) sets explicitly is never second-guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .schema import DATE_COLUMNS, DECIMAL_COLUMNS

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00(\.0+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+$")  # 0,8 and 1.234,5
_POINT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d*)\.\d+$")
#: 1.000 may be a thousand (decimal comma) or one (decimal point): no evidence either way
_GROUPED = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
#: distinct values kept per column while sniffing a stream (dates over two centuries fit)
MAX_DISTINCT = 200_000

#: the date format of Excel's day numbers (a date cell without its date format: 45650 = 2024-12-24)
EXCEL_DAYS = "excel"
#: day 0 of Excel's day numbers (the 1900 date system; its leap day 1900-02-29 lies before any date read)
EXCEL_EPOCH = dt.date(1899, 12, 30)

#: shapes of a date written in some other way -> (how a Dutch user reads it, strptime format)
_SHAPES = [
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$"), "dd-mm-jjjj", "%d-%m-%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "dd/mm/jjjj", "%d/%m/%Y"),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"), "dd.mm.jjjj", "%d.%m.%Y"),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{2}$"), "dd-mm-jj", "%d-%m-%y"),
    (re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"), "jjjj/mm/dd", "%Y/%m/%d"),
    (re.compile(r"^\d{4}\.\d{1,2}\.\d{1,2}$"), "jjjj.mm.dd", "%Y.%m.%d"),
    (re.compile(r"^\d{8}$"), "jjjjmmdd", "%Y%m%d"),
    (re.compile(r"^\d{5}(\.0+)?$"), "Excel day numbers", EXCEL_DAYS),
]


def date_shape(value: str) -> tuple[str, str] | None:
    """(Dutch reading, strptime format) of a date written in a known non-ISO way.

    >>> date_shape("31-12-2020")
    ('dd-mm-jjjj', '%d-%m-%Y')
    """
    for rx, human, fmt in _SHAPES:
        if rx.match(value):
            return human, fmt
    return None


def sniff_values(uniques: dict[str, Iterable[str]], *, date_format: str | None,
                 date_formats: dict[str, str], decimal: str | None) -> tuple[dict, list[str]]:
    """Settings for the mapping from the distinct text values of each column.

    Returns (changes, notes): ``changes`` may hold ``date_formats`` (per column) and
    ``decimal``; ``notes`` say what was detected.
    """
    changes: dict = {}
    notes: list[str] = []
    if date_format is None:
        seps, day_first, month_first, cols = set(), False, False, []
        for col in DATE_COLUMNS:
            if col in date_formats or col not in uniques:
                continue
            vals = [v for v in (str(u).strip() for u in uniques[col]) if v and not _ISO.match(v)]
            if not vals:
                continue
            hits = [_DMY.match(v) for v in vals]
            if not all(hits) or not all(_real_date(h) for h in hits):
                continue  # something else, or an impossible date: validation says what
            cols.append(col)
            for h in hits:
                seps.add(h.group(2))
                a, b = int(h.group(1)), int(h.group(3))
                day_first |= a > 12 and b <= 12
                month_first |= b > 12
        if cols and len(seps) == 1 and day_first and not month_first:
            sep = seps.pop()
            fmt = f"%d{sep}%m{sep}%Y"
            changes["date_formats"] = {c: fmt for c in cols}
            notes.append(f"dates day first, dd{sep}mm{sep}jjjj (detected: {', '.join(cols)})")
    if decimal is None:
        comma = point = False
        for col in DECIMAL_COLUMNS:
            for u in uniques.get(col, ()):
                v = str(u).strip()
                comma |= bool(_COMMA.match(v))
                point |= bool(_POINT.match(v)) and not _GROUPED.match(v)
        if comma and not point:
            changes["decimal"] = ","
            notes.append("decimal comma (detected)")
    return changes, notes


def _real_date(h) -> bool:
    """A real calendar date read day first or month first (which one is decided file-wide)."""
    a, b, y = int(h.group(1)), int(h.group(3)), int(h.group(4))
    for day, month in ((a, b), (b, a)):
        try:
            dt.date(y, month, day)
            return True
        except ValueError:
            pass
    return False


#: lines (rows of a workbook) looked at for a header below a title block
HEADER_SEARCH = 50


def find_header(rows: list[list[str]], expected) -> tuple[int | None, list[int]]:
    """Where the header is among the first ``rows`` (their cells): (index, other indexes that
    match as well). ``expected``: the column names a header holds (canonical names and the
    export names the mapping renames), compared without case.

    The first non-empty row, unless a later row holds more expected names, and at least two:
    a title block above the header is skipped, a title that happens to hold one column name
    is not taken for the header. Several rows matching best is ambiguous (the caller says so).

    >>> find_header([["Overzicht DSB", ""], ["employee_id", "birth_date"], ["E1", "1980-05-05"]],
    ...             {"employee_id", "birth_date"})
    (1, [])
    """
    want = {str(e).strip().lower() for e in expected}
    score = [len({str(c).strip().lower() for c in r if str(c).strip()} & want) for r in rows]
    first = next((i for i, r in enumerate(rows) if any(str(c).strip() for c in r)), None)
    if first is None:
        return None, []
    best = max(score)
    if score[first] == best or best < 2:
        return first, []
    tops = [i for i, s in enumerate(score) if s == best]
    return tops[0], tops[1:]


def text_uniques(frame, into: dict[str, set] | None = None) -> dict[str, set]:
    """Distinct trimmed text values of the date and decimal columns of ``frame`` (added to ``into``)."""
    import pandas as pd
    out = into if into is not None else {}
    for col in DATE_COLUMNS + DECIMAL_COLUMNS:
        if col not in frame.columns:
            continue
        s = frame[col]
        if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
            continue
        seen = out.setdefault(col, set())
        if len(seen) < MAX_DISTINCT:
            seen.update(v for v in pd.unique(s.astype("str").str.strip()) if isinstance(v, str) and v)
    return out


def settle_formats(m, uniques: dict):
    """The mapping with the date formats and decimal mark the values show (see :mod:`.sniff`),
    made explicit, and notes on what was detected. A frame checked in chunks is settled once
    on the whole file first, so every chunk reads the same way."""
    changes, notes = sniff_values(uniques, date_format=m.date_format, date_formats=m.date_formats,
                                  decimal=m.decimal)
    update = {"date_format": m.date_format or "%Y-%m-%d", "decimal": changes.get("decimal", m.decimal or ".")}
    if "date_formats" in changes:
        update["date_formats"] = {**changes["date_formats"], **m.date_formats}
    return m.model_copy(update=update), notes
