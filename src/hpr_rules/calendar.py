"""Calendar arithmetic shared by every engine: one place, scalar and vectorized.

Semantics (shared/spec/interventions.md, "Calendar semantics"):

* ``add_months(d, n)``: the same day-of-month ``n`` months later (``n`` may be
  negative); where that day does not exist, the last day of that month.
* ``full_months(a, b)``: the largest ``n >= 0`` with ``add_months(a, n) <= b``
  (0 when ``b < a``).

Vectorized forms work on ``int64`` day numbers (days since 1970-01-01), the
representation every engine uses internally. Missing dates are handled by the
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
from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)
_EPOCH_ORD = EPOCH.toordinal()


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


def to_daynum(d: date) -> int:
    """Day number (days since 1970-01-01) of a date; the engines' internal form."""
    return d.toordinal() - _EPOCH_ORD


def from_daynum(n: int) -> date:
    return date.fromordinal(int(n) + _EPOCH_ORD)


# ---------------------------------------------------------------- vectorized

def _split(days: np.ndarray):
    """Day numbers -> (month index since 1970-01, day-of-month 1..31)."""
    dd = days.astype("datetime64[D]")
    mm = dd.astype("datetime64[M]")
    dom = (dd - mm.astype("datetime64[D]")).astype(np.int64) + 1
    return mm.astype(np.int64), dom


def add_months_v(days: np.ndarray, n) -> np.ndarray:
    """Vectorized :func:`add_months` over int64 day numbers; ``n`` scalar or array."""
    days = np.asarray(days, dtype=np.int64)
    months, dom = _split(days)
    target = months + np.asarray(n, dtype=np.int64)
    first = target.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    nxt = (target + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    last_dom = nxt - first
    return first + np.minimum(dom, last_dom) - 1


def full_months_v(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Vectorized :func:`full_months` over int64 day numbers."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ma, _ = _split(a)
    mb, _ = _split(b)
    n = mb - ma
    n = n - (add_months_v(a, n) > b)
    return np.where(b < a, 0, np.maximum(n, 0))


def state_pension_date(birth: date, table) -> date:
    """AOW date: birth date plus the AOW age (in months) that ``table`` gives for it."""
    return add_months(birth, table.months_for(birth))


def state_pension_date_v(birth_days: np.ndarray, table) -> np.ndarray:
    return add_months_v(birth_days, table.months_for_v(birth_days))


__all__ = [
    "add_months", "full_months", "add_months_v", "full_months_v", "to_daynum", "from_daynum",
    "state_pension_date", "state_pension_date_v", "timedelta",
]
