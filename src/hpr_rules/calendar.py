"""Calendar arithmetic shared by every engine: one place, scalar and vectorized.

Semantics (shared/spec/interventions.md, "Calendar semantics"):

* ``add_months(d, n)``: the same day-of-month ``n`` months later (``n`` may be
  negative); where that day does not exist, the last day of that month.
* ``full_months(a, b)``: the largest ``n >= 0`` with ``add_months(a, n) <= b``
  (0 when ``b < a``).

Vectorized forms work on day numbers (days since 1970-01-01; ``int32`` in the engines,
``int64`` accepted). Missing dates are handled by the
callers through validity masks; the values under a false mask are arbitrary.

>>> add_months(date(2024, 1, 31), 1)
datetime.date(2024, 2, 29)
>>> add_months(date(2024, 2, 29), 12)
datetime.date(2025, 2, 28)
>>> full_months(date(2024, 1, 31), date(2024, 2, 29))
1
"""

from __future__ import annotations

import calendar as _cal
import math
from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)
_EPOCH_ORD = EPOCH.toordinal()

#: Every date a rule names (literals, dated parameters, the reference date) or computes
#: (``add_months``, ``add_days``) lies within these bounds, in every engine: beyond them a
#: result is an error (:class:`hpr_rules.errors.DateRangeError`), never a wrapped value.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2200, 12, 31)
DAY_MIN, DAY_MAX = DATE_MIN.toordinal() - _EPOCH_ORD, DATE_MAX.toordinal() - _EPOCH_ORD
# offsets are clipped to these before any arithmetic (from a bound, they reach far beyond the
# other one), so a huge, infinite or NaN offset can neither overflow nor wrap
_MONTHS_CLIP, _DAYS_CLIP = 1 << 16, 1 << 22


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clipped to the end of the target month."""
    m0 = d.year * 12 + (d.month - 1) + int(n)
    y, m = divmod(m0, 12)
    last = _cal.monthrange(y, m + 1)[1]
    return date(y, m + 1, min(d.day, last))


def full_months(a: date, b: date) -> int:
    """Whole months from ``a`` to ``b`` (0 when ``b < a``)."""
    if b < a:
        return 0
    n = (b.year - a.year) * 12 + (b.month - a.month)
    while n > 0 and add_months(a, n) > b:
        n -= 1
    while add_months(a, n + 1) <= b:  # pragma: no cover - defensive, n is never too small
        n += 1
    return n


def check_bounds(d: date, what: str) -> date:
    """``d`` when it lies within DATE_MIN..DATE_MAX, else a ValueError naming ``what``."""
    if not DATE_MIN <= d <= DATE_MAX:
        raise ValueError(f"{what} {d} is outside {DATE_MIN}..{DATE_MAX}, the dates rules can use")
    return d


def _offset(n) -> int:
    """A month or day count as an int: truncated, a non-finite one as a far-away count."""
    if isinstance(n, float) and not math.isfinite(n):
        return _DAYS_CLIP if n != n or n > 0 else -_DAYS_CLIP
    return int(n)


def add_months_day(day: int, n) -> int:
    """:func:`add_months` over a day number, within the bounds (DateRangeError beyond them).

    >>> from_daynum(add_months_day(to_daynum(date(2024, 1, 31)), 1.7))
    datetime.date(2024, 2, 29)
    >>> add_months_day(to_daynum(date(2024, 1, 31)), 100000)
    Traceback (most recent call last):
    hpr_rules.errors.DateRangeError: date arithmetic gives a date after 2200-12-31; dates in rules are bounded to 1900-01-01..2200-12-31
    """
    d = from_daynum(day)
    year = (d.year * 12 + d.month - 1 + _offset(n)) // 12
    if not DATE_MIN.year <= year <= DATE_MAX.year:  # the bounds are whole years
        from .errors import DateRangeError
        raise DateRangeError(after=year > DATE_MAX.year)
    return to_daynum(add_months(d, _offset(n)))


def add_days_day(day: int, n) -> int:
    """``day`` plus ``n`` days (truncated), within the bounds (DateRangeError beyond them)."""
    out = int(day) + _offset(n)
    if not DAY_MIN <= out <= DAY_MAX:
        from .errors import DateRangeError
        raise DateRangeError(after=out > DAY_MAX)
    return out


def to_daynum(d: date) -> int:
    """Day number (days since 1970-01-01) of a date; the engines' internal form."""
    return d.toordinal() - _EPOCH_ORD


def from_daynum(n: int) -> date:
    return date.fromordinal(int(n) + _EPOCH_ORD)


# ---------------------------------------------------------------- vectorized

def _civil(z: np.ndarray):
    """Day numbers -> (year, month, day) with integer arithmetic (H. Hinnant's algorithm)."""
    z = z + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def _days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(year, month, day) -> day numbers; the inverse of :func:`_civil`."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _month_length(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return _MONTH_DAYS[m - 1] + ((m == 2) & leap)


_DAYS_LIMIT, _MONTHS_LIMIT = 1 << 26, 1 << 20  # far beyond any date or month count a rule uses


def _narrow(*arrays_and_limits):
    """int32 copies when every value fits with room to spare (half the memory traffic,
    twice the speed on a million records); the int64 arrays otherwise."""
    small = all(a.size == 0 or int(np.abs(a).max()) < limit for a, limit in arrays_and_limits)
    return tuple(a.astype(np.int32) if small else a for a, _ in arrays_and_limits)


def _shift(y, m, d, n):
    """Day numbers of (y, m, d) plus ``n`` months, clipped to the month end."""
    m0 = y * 12 + (m - 1) + n
    ty, tm = m0 // 12, m0 % 12 + 1
    return _days(ty, tm, np.minimum(d, _month_length(ty, tm).astype(d.dtype, copy=False))).astype(np.int64, copy=False)


# Lookup tables over the years 1600..2399 (every date a personnel file or a rule can give, with
# centuries to spare): per day its month index and day of month, per month its first day and
# length. add_months is then two gathers and a min instead of a civil-date conversion there and
# back; values outside the tables take the arithmetic path above.
_T_YEAR0, _T_YEARS = 1600, 800
_TABLES: tuple | None = None


def _tables():
    global _TABLES
    if _TABLES is None:
        first = int(_days(np.array(_T_YEAR0), np.array(1), np.array(1)))
        last = int(_days(np.array(_T_YEAR0 + _T_YEARS), np.array(1), np.array(1)))
        y, m, d = _civil(np.arange(first, last, dtype=np.int64))
        month = ((y - _T_YEAR0) * 12 + m - 1).astype(np.int32)
        ym = np.arange(_T_YEARS * 12 + 1, dtype=np.int64)
        my, mm = ym // 12 + _T_YEAR0, ym % 12 + 1
        starts = _days(my, mm, np.ones_like(my)).astype(np.int32)
        _TABLES = (first, month, d.astype(np.int32), starts, _month_length(my, mm).astype(np.int32))
    return _TABLES


def _in(a: np.ndarray, lo: int, hi: int) -> bool:
    return a.size == 0 or (int(a.min()) >= lo and int(a.max()) < hi)


def _add_months_table(days: np.ndarray, n: np.ndarray):
    """add_months through the lookup tables (int32), or None where a value falls outside them."""
    first, month, dom, starts, length = _tables()
    if not _in(days, first, first + len(month)):
        return None
    i = days - first if days.dtype == np.int32 else (days - first).astype(np.int32)
    target = month[i] + n
    if not _in(target, 0, len(starts) - 1):
        return None
    return starts[target] + np.minimum(dom[i], length[target]) - 1


_SHIFTED: dict[int, tuple] = {}


def _add_months_const(days: np.ndarray, k: int):
    """add_months by the same ``k`` months for every record: one gather from a table of the
    result per day (built once per ``k``), or None where a value falls outside it."""
    entry = _SHIFTED.get(k)
    if entry is None:
        first, month, dom, starts, length = _tables()
        target = month.astype(np.int64) + k
        inside = np.flatnonzero((target >= 0) & (target < len(starts) - 1))
        entry = (0, 0, None)
        if len(inside):
            lo, hi = int(inside[0]), int(inside[-1]) + 1  # month is ascending: one run of days
            t = target[lo:hi]
            entry = (first + lo, first + hi, (starts[t] + np.minimum(dom[lo:hi], length[t]) - 1).astype(np.int32))
        if len(_SHIFTED) < 256:
            _SHIFTED[k] = entry
    lo, hi, table = entry
    if table is None or not _in(days, lo, hi):
        return None
    return table[days - lo]


def add_months_v(days: np.ndarray, n) -> np.ndarray:
    """Vectorized :func:`add_months` over day numbers; ``n`` scalar or array. int32 day numbers
    give int32 results, others int64."""
    days = np.asarray(days)
    kind = np.int32 if days.dtype == np.int32 else np.int64
    n = np.asarray(n)
    if n.dtype.kind == "f":
        n = np.trunc(n)
    n = n.astype(np.int32) if _in(n, -_MONTHS_LIMIT, _MONTHS_LIMIT) else n.astype(np.int64)
    if n.dtype != np.int32:
        out = None
    elif n.ndim == 0:
        out = _add_months_const(days, int(n))
    else:
        out = _add_months_table(days, n)
    if out is None:
        days, n = _narrow((days.astype(np.int64), _DAYS_LIMIT), (n.astype(np.int64), _MONTHS_LIMIT))
        out = _shift(*_civil(days), n)
    return out.astype(kind, copy=False)


def clip_offsets(n, months: bool = True) -> np.ndarray:
    """Month (or day) counts clipped so that no arithmetic on them overflows; a NaN becomes a
    far-away count, so its result falls outside the bounds as in the scalar path."""
    n = np.asarray(n)
    limit = _MONTHS_CLIP if months else _DAYS_CLIP
    if n.dtype.kind != "f" or n.size == 0 or (n.min() >= -limit and n.max() <= limit):  # NaN fails this
        return n
    return np.clip(np.nan_to_num(n, nan=limit), -limit, limit)


def add_days_v(days: np.ndarray, n) -> np.ndarray:
    """``days`` plus ``n`` days (truncated) over day numbers; never wraps (int64 where int32
    could overflow). A cast truncates towards zero, as ``int()`` does in the scalar path."""
    days, n = np.asarray(days), clip_offsets(n, months=False)
    if days.dtype == np.int32 and n.dtype.kind == "f":
        n = n.astype(np.int32)  # clipped: the sum of two such values fits in int32
    elif days.dtype != np.int32 or n.dtype != np.int32:
        days, n = days.astype(np.int64), n.astype(np.int64)
    return days + n


def out_of_bounds_v(days, ok):
    """Where a valid day number lies outside DAY_MIN..DAY_MAX: None when nowhere (a fast
    check of the extremes), else (mask, any_after)."""
    days = np.asarray(days)
    if days.size == 0 or (int(days.min()) >= DAY_MIN and int(days.max()) <= DAY_MAX):
        return None
    after, before = (days > DAY_MAX) & ok, (days < DAY_MIN) & ok
    bad = after | before
    if not bad.any():
        return None
    return bad, bool(after.any())


def full_months_v(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Vectorized :func:`full_months` over day numbers (int32 results for int32 input)."""
    a = np.asarray(a)
    b = np.asarray(b)
    first, month, _, _, _ = _tables()
    if _in(a, first, first + len(month)) and _in(b, first, first + len(month)):
        n = month[(b - first).astype(np.int32, copy=False)] - month[(a - first).astype(np.int32, copy=False)]
        n = n - (add_months_v(a, n) > b)
        n = np.where(b < a, 0, np.maximum(n, 0))
        return n.astype(np.int32 if a.dtype == np.int32 and b.dtype == np.int32 else np.int64, copy=False)
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    a32, b32 = _narrow((a64, _DAYS_LIMIT), (b64, _DAYS_LIMIT))
    ya, ma, da = _civil(a32)
    yb, mb, _ = _civil(b32)
    n = (yb - ya) * 12 + (mb - ma)
    n = n - (_shift(ya, ma, da, n) > b64)
    return np.where(b64 < a64, 0, np.maximum(n, 0))


def state_pension_date(birth: date, table) -> date:
    """AOW date: birth date plus the AOW age (in months) that ``table`` gives for it."""
    return add_months(birth, table.months_for(birth))


def state_pension_date_v(birth_days: np.ndarray, table) -> np.ndarray:
    return add_months_v(birth_days, table.months_for_v(birth_days))


__all__ = [
    "add_months", "full_months", "add_months_v", "full_months_v", "to_daynum", "from_daynum",
    "DATE_MIN", "DATE_MAX", "DAY_MIN", "DAY_MAX", "check_bounds", "add_months_day", "add_days_day",
    "add_days_v", "clip_offsets", "out_of_bounds_v",
    "state_pension_date", "state_pension_date_v", "timedelta",
]
