from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpr_rules.calendar import add_months, add_months_v, from_daynum, full_months, full_months_v, to_daynum


@pytest.mark.parametrize("d,n,want", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),   # leap year month end
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day + a year
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),  # negative months clip too
    (date(2024, 5, 31), 1, date(2024, 6, 30)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)),  # year boundary
    (date(2026, 1, 1), -12, date(2025, 1, 1)),
    (date(2026, 1, 1), 0, date(2026, 1, 1)),
])
def test_add_months(d, n, want):
    assert add_months(d, n) == want
    assert from_daynum(add_months_v(np.array([to_daynum(d)]), n)[0]) == want


@pytest.mark.parametrize("a,b,want", [
    (date(2024, 1, 31), date(2024, 2, 29), 1),
    (date(2024, 1, 31), date(2024, 2, 28), 0),
    (date(2024, 2, 29), date(2025, 2, 28), 12),
    (date(2026, 1, 1), date(2026, 1, 1), 0),
    (date(2026, 1, 2), date(2026, 1, 1), 0),  # b < a
    (date(2025, 3, 1), date(2026, 3, 1), 12),
    (date(2025, 3, 1), date(2026, 2, 28), 11),
])
def test_full_months(a, b, want):
    assert full_months(a, b) == want
    assert full_months_v(np.array([to_daynum(a)]), np.array([to_daynum(b)]))[0] == want


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(-600, 600))
def test_add_months_vector_equals_scalar(d, n):
    try:
        want = add_months(d, n)
    except ValueError:  # beyond year 1..9999
        return
    assert from_daynum(add_months_v(np.array([to_daynum(d)]), n)[0]) == want
    assert want.day <= d.day


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(-400, 5000))
def test_full_months_is_the_largest(a, delta):
    b = a + timedelta(days=delta)
    n = full_months(a, b)
    assert n == full_months_v(np.array([to_daynum(a)]), np.array([to_daynum(b)]))[0]
    if b >= a:
        assert add_months(a, n) <= b < add_months(a, n + 1)
    else:
        assert n == 0


wide = st.dates(min_value=date(1000, 1, 1), max_value=date(3000, 12, 31))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(wide, st.integers(-1200, 1200)), min_size=1, max_size=5), st.sampled_from([np.int32, np.int64]))
def test_vector_forms_agree_with_scalar_inside_and_outside_the_lookup_tables(pairs, dtype):
    days = np.array([to_daynum(d) for d, _ in pairs], dtype=dtype)
    months = np.array([n for _, n in pairs])
    got = add_months_v(days, months)
    assert got.dtype == dtype
    for (d, n), g in zip(pairs, got):
        assert from_daynum(g) == add_months(d, n)
    later = np.array([to_daynum(d) + 17 * n for d, n in pairs], dtype=dtype)
    fm = full_months_v(days, later)
    for (d, n), b, f in zip(pairs, later, fm):
        assert f == full_months(d, from_daynum(b))


@settings(max_examples=200, deadline=None)
@given(st.lists(wide, min_size=1, max_size=6), st.integers(-1200, 1200), st.sampled_from([np.int32, np.int64]))
def test_the_same_months_for_every_record_agree_with_scalar(ds, n, dtype):
    days = np.array([to_daynum(d) for d in ds], dtype=dtype)
    for k in (n, np.int32(n)):
        got = add_months_v(days, k)
        assert got.dtype == dtype
        assert [from_daynum(g) for g in got] == [add_months(d, n) for d in ds]
