"""A seeded synthetic population shaped like the programme's target group.

Gemeente Den Haag, units DSB-HHO, DSB-HSO, DSB-Groenbedrijf and OCW-Sportvoorzieningen;
mostly scales 2..7 in physically demanding functions, with adjacent less demanding ones
and a few team leaders (scale 8-10). Calibrated to public figures for municipal staff:
mean age ~47 (18% under 35, 17% aged 60+), mean fte ~0.90, mean years of service ~11.
Everything is drawn from one ``numpy.random.Generator``: same seed, same frame.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .catalogue import load_function_catalogue
from .schema import COLUMNS

#: relative head count per function (the demanding core of each unit is large)
_WEIGHTS = {
    "HHO-BEL": 14, "HHO-CHF": 9, "HHO-GRO": 3, "HHO-ORC": 2, "HHO-AFP": 3, "HHO-TOE": 2, "HHO-PLN": 1,
    "HHO-MAG": 1, "HHO-KCC": 1.5, "HHO-TL": 0.8,
    "HSO-STR": 12, "HSO-VGM": 4, "HSO-ONH": 5, "HSO-GRF": 1.5, "HSO-WKB": 2, "HSO-TOE": 1.5, "HSO-PLN": 1,
    "HSO-MAG": 0.8, "HSO-TL": 0.8,
    "GRN-HOV": 13, "GRN-BMV": 3, "GRN-MAC": 3, "GRN-BMI": 0.8, "GRN-WVB": 1.2, "GRN-MAG": 0.6, "GRN-TOE": 0.8,
    "GRN-TL": 0.6,
    "SPO-SVB": 4, "SPO-ONH": 2.5, "SPO-BAL": 1.5, "SPO-PLN": 0.5, "SPO-TOE": 0.8, "SPO-TL": 0.3,
}

_DEPARTMENTS = {
    "DSB-HHO": ["Inzameling Noord", "Inzameling Zuid", "Inzameling Centrum", "Grofvuil en afvalpunten"],
    "DSB-HSO": ["Schoon Escamp", "Schoon Laak", "Schoon Scheveningen", "Onderhoud Openbare Ruimte"],
    "DSB-Groenbedrijf": ["Groen Noord", "Groen Zuid", "Bomen", "Parken"],
    "OCW-Sportvoorzieningen": ["Sportparken West", "Sportparken Oost", "Binnensport"],
}

# age bands [lo, hi) and their shares: 18% under 35, 17% aged 60+, mean about 47
_AGE_BANDS = [(19, 25, 0.04), (25, 35, 0.14), (35, 45, 0.21), (45, 55, 0.26), (55, 60, 0.18), (60, 67, 0.17)]

_FTE_PART = np.array([0.5, 0.5556, 0.6, 0.6667, 0.7, 0.75, 0.7778, 0.8, 0.8889, 0.9])


def generate_population(n: int, seed: int, reference_date: dt.date = dt.date(2026, 1, 1),
                        gender: bool = False) -> pd.DataFrame:
    """``n`` valid personnel records as of ``reference_date``, canonical typed form plus ``row``
    (and an extra ``gender`` column, m/v, when ``gender``: the other columns stay the same).

    >>> df = generate_population(3, seed=7)
    >>> list(df["employee_id"])
    ['E000001', 'E000002', 'E000003']
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    ref = np.datetime64(reference_date.isoformat(), "D")
    cat = load_function_catalogue()
    w = np.array([_WEIGHTS.get(c, 1.0) for c in cat["function_code"]], dtype=float)
    fidx = rng.choice(len(cat), size=n, p=w / w.sum())
    code = cat["function_code"].to_numpy(dtype=object)[fidx]
    title = cat["function_title"].to_numpy(dtype=object)[fidx]
    unit = cat["unit"].to_numpy(dtype=object)[fidx]
    base_scale = cat["salary_scale"].to_numpy(dtype=np.int64)[fidx]
    demanding = cat["physically_demanding"].to_numpy(dtype=bool)[fidx]

    # salary scale: the function's scale, one lower for some (starters); never above it
    step = rng.choice([-1, 0, 1], size=n, p=[0.25, 0.75, 0.0])
    scale = np.clip(base_scale + step, 2, 18)
    scale = np.where(demanding, np.minimum(scale, 7), scale)

    # age in days
    bands = np.array([(lo, hi) for lo, hi, _ in _AGE_BANDS], dtype=float)
    p_band = np.array([s for *_, s in _AGE_BANDS])
    b = rng.choice(len(bands), size=n, p=p_band / p_band.sum())
    age_years = bands[b, 0] + rng.random(n) * (bands[b, 1] - bands[b, 0])
    age_days = np.floor(age_years * 365.25).astype(np.int64)
    birth = ref - age_days

    # years of service: ~16% hired in the last 12 months (yearly inflow); the others joined at
    # an age between 18 and now, so service grows with age (mean ~11 years, nobody hired at 17)
    recent = rng.random(n) < 0.16
    career = np.maximum(age_years - 18.0, 0.05)
    service = np.where(recent, rng.random(n) * 0.999, 1.0 + (career - 1.0).clip(0) * rng.beta(1.6, 2.2, size=n))
    service = np.minimum(service, career)
    service_days = np.maximum(np.floor(service * 365.25).astype(np.int64), 0)
    hire = ref - service_days

    # time in the current function: function changes about 4% a year over the whole staff
    # (5% a year among those hired before the last 12 months), so the time since the last
    # change is exponential with a mean of 20 years, cut off at the hire date
    since_change = rng.exponential(20.0, size=n)
    fun_days = np.minimum(np.floor(since_change * 365.25).astype(np.int64), service_days)
    fstart = ref - fun_days  # >= hire because fun_days <= service_days

    # fte
    full = rng.random(n) < 0.66
    fte = np.where(full, 1.0, _FTE_PART[rng.integers(0, len(_FTE_PART), size=n)])

    # contract: temporary mostly for recent hires
    temp = np.where(service < 2.0, rng.random(n) < 0.55, rng.random(n) < 0.02)
    contract = np.where(temp, "tijdelijk", "vast").astype(object)
    end_off = rng.integers(30, 730, size=n)
    end = np.where(temp, ref + end_off, np.datetime64("NaT"))

    # POP: ~65% have one, made in the last 0-24 months (not before hire)
    has_pop = rng.random(n) < 0.65
    pop = np.maximum(ref - rng.integers(0, 731, size=n), hire)
    pop = np.where(has_pop, pop, np.datetime64("NaT"))

    # development hours in the last 12 months: many below 24
    zero = rng.random(n) < 0.25
    hours = np.round(rng.gamma(2.0, 11.0, size=n) * 2) / 2
    hours = np.where(zero, 0.0, np.minimum(hours, 160.0))

    # sick leave: ~4% long-term (> 42 days), rising with age (2% at 25, 6% at 65); ~3% short-term
    u = rng.random(n)
    p_long = 0.02 + 0.04 * np.clip((age_years - 25.0) / 40.0, 0, 1)
    long_sick = u < p_long
    short_sick = (u >= p_long) & (u < p_long + 0.03)
    sick_off = np.where(long_sick, rng.integers(43, 700, size=n), rng.integers(0, 42, size=n))
    sick = np.maximum(ref - sick_off, hire)
    sick = np.where(long_sick | short_sick, sick, np.datetime64("NaT"))

    # individual dispensations (~1.5%)
    exempt = rng.random(n) < 0.015
    exemption = np.where(exempt, ref + rng.integers(30, 1500, size=n), np.datetime64("NaT"))

    dept_choice = rng.random(n)
    department = np.empty(n, dtype=object)
    for u_name, depts in _DEPARTMENTS.items():
        sel = unit == u_name
        department[sel] = np.asarray(depts, dtype=object)[(dept_choice[sel] * len(depts)).astype(int)]

    def ns(a):
        return pd.Series(np.asarray(a, dtype="datetime64[D]").astype("datetime64[ns]"), dtype="datetime64[ns]")

    frame = pd.DataFrame({
        "employee_id": pd.Series([f"E{i:06d}" for i in range(1, n + 1)], dtype=object),
        "birth_date": ns(birth),
        "hire_date": ns(hire),
        "employment_end_date": ns(end),
        "function_code": pd.Series(code, dtype=object),
        "function_title": pd.Series(title, dtype=object),
        "function_start_date": ns(fstart),
        "salary_scale": pd.Series(scale, dtype="int64"),
        "physically_demanding": pd.Series(demanding, dtype=bool),
        "unit": pd.Series(unit, dtype=object),
        "department": pd.Series(department, dtype=object),
        "fte": pd.Series(fte, dtype="float64"),
        "pop_date": ns(pop),
        "development_hours_12m": pd.Series(hours, dtype="float64"),
        "sick_leave_start": ns(sick),
        "exemption_until": ns(exemption),
        "contract_type": pd.Series(contract, dtype=object),
        # whether the employer offered development / a move: not known in a synthetic population
        "development_offered": pd.Series(pd.NA, index=range(n), dtype="boolean"),
        "move_offered": pd.Series(pd.NA, index=range(n), dtype="boolean"),
    })[COLUMNS]
    # gender last, so asking for it changes no other column: mostly men in these functions
    male = rng.random(n) < np.where(demanding, 0.85, 0.55)
    if gender:
        frame["gender"] = pd.Series(np.where(male, "m", "v"), dtype=object)
    frame["row"] = np.arange(1, n + 1, dtype=np.int64)
    return frame
