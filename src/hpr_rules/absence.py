"""Documented absence periods and ``absent_days(from, to, kind, ...)`` (shared/spec/data.md).

An employee's absences travel with their record as one value: a tuple of
``(start, end, kind)`` with dates as day numbers and ``end`` = :data:`OPEN_END` for an
absence still going on. The rule language reads them only through
``absent_days(from, to[, kind, ...])``: the number of days in ``[from, to]`` (both
included) on which the employee was absent, for any of the given kinds (every kind when
none is given). A day counts once, even when absences of two kinds overlap on it.
Without an absences table every record has no absences, so ``absent_days`` is 0.

>>> absent_days_scalar(((10, 19, "sick"), (15, 24, "parental")), 0, 100, ())
15
>>> absent_days_scalar(((10, 19, "sick"), (15, 24, "parental")), 0, 100, ("sick",))
10
"""

from __future__ import annotations

KINDS = ("sick", "parental", "unpaid", "other")
#: the frame column that holds each record's absences (not a name of the rule language)
COLUMN = "absences"
#: the end of an absence that is still going on: later than any date of the calendar
OPEN_END = 2**40
FUNCTION = "absent_days"


def absent_days_scalar(periods, a: int, b: int, kinds) -> int:
    """Days in ``[a, b]`` covered by ``periods`` of ``kinds`` (all kinds when empty)."""
    spans = sorted((max(s, a), min(e, b)) for s, e, k in (periods or ()) if not kinds or k in kinds)
    total, reach = 0, a - 1
    for s, e in spans:
        s = max(s, reach + 1)
        if e >= s:
            total += e - s + 1
            reach = e
    return total


def absent_days_vector(periods, ok, a, b, kinds):
    """Vectorized :func:`absent_days_scalar` over records; ``periods`` is the object array of
    the absences column (``ok`` False where a record has none), ``a``/``b`` day numbers."""
    import numpy as np
    n = len(a)
    out = np.zeros(n, dtype=np.float64)
    if not ok.any():
        return out
    rec, starts, ends = [], [], []
    for i in np.flatnonzero(ok):
        for s, e, k in periods[i]:
            if not kinds or k in kinds:
                rec.append(i)
                starts.append(s)
                ends.append(e)
    if not rec:
        return out
    rec = np.asarray(rec, dtype=np.int64)
    s = np.maximum(np.asarray(starts, dtype=np.int64), a[rec])
    e = np.minimum(np.asarray(ends, dtype=np.int64), b[rec])
    keep = e >= s
    rec, s, e = rec[keep], s[keep], e[keep]
    if not len(rec):
        return out
    # union of the spans per record: sort by (record, start) and shift each record into its
    # own range of numbers, so one running maximum of the ends never leaks between records
    order = np.lexsort((s, rec))
    rec, s, e = rec[order], s[order], e[order]
    shift = rec * np.int64(1 << 24)  # clipped spans lie within [from, to]: calendar dates, |day| < 2**24
    s, e = s + shift, e + shift
    reach = np.maximum.accumulate(e)
    before = np.concatenate(([np.iinfo(np.int64).min], reach[:-1]))
    first = np.concatenate(([True], rec[1:] != rec[:-1]))
    start = np.where(first, s, np.maximum(s, before + 1))
    days = np.maximum(e - start + 1, 0)
    np.add.at(out, rec, days.astype(np.float64))
    return out


__all__ = ["COLUMN", "FUNCTION", "KINDS", "OPEN_END", "absent_days_scalar", "absent_days_vector"]
