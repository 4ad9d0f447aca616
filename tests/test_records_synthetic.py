import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hpr_rules.records import (COLUMNS, generate_population, load_function_catalogue, validate_frame,
                               write_records)


@pytest.fixture(scope="module")
def pop():
    return generate_population(10_000, seed=11)


def test_calibration(pop):
    ref = pd.Timestamp("2026-01-01")
    age = (ref - pop["birth_date"]).dt.days / 365.25
    service = (ref - pop["hire_date"]).dt.days / 365.25
    assert 45 <= age.mean() <= 49
    assert 0.14 <= (age < 35).mean() <= 0.22
    assert 0.13 <= (age >= 60).mean() <= 0.21
    assert 0.85 <= pop["fte"].mean() <= 0.95
    assert 10 <= service.mean() <= 12                         # mean years of service ~11
    assert 0.14 <= (service < 1).mean() <= 0.18               # yearly inflow ~16%
    changed = ((ref - pop["function_start_date"]).dt.days < 365) & (pop["function_start_date"] > pop["hire_date"])
    assert 0.03 <= changed.mean() <= 0.05                     # function changes ~4% a year
    assert 0.55 <= pop["pop_date"].notna().mean() <= 0.75
    assert (pop["development_hours_12m"] < 24).mean() > 0.5
    long_sick = (ref - pop["sick_leave_start"]).dt.days > 42
    assert 0.02 <= long_sick.mean() <= 0.06
    assert 0.005 <= pop["exemption_until"].notna().mean() <= 0.03
    assert ((ref - pop["function_start_date"]).dt.days / 365.25 > 7).mean() > 0.2
    assert pop["salary_scale"].between(2, 7).mean() > 0.9 and (pop["salary_scale"] >= 8).any()
    assert set(pop["unit"]) == {"DSB-HHO", "DSB-Groenbedrijf", "DSB-HSO", "OCW-Sportvoorzieningen"}
    assert set(pop["contract_type"]) == {"vast", "tijdelijk"}
    assert (pop["employment_end_date"].notna() == (pop["contract_type"] == "tijdelijk")).all()


def test_all_valid_and_typed(pop):
    rs = validate_frame(pop)
    assert rs.rejects.empty and len(rs.frame) == len(pop)
    assert list(pop.columns) == COLUMNS + ["row"]
    assert all(str(pop[c].dtype) == "datetime64[ns]" for c in ["birth_date", "pop_date"])
    assert (pop["birth_date"] == pop["birth_date"].dt.normalize()).all()


def test_deterministic_bytes(tmp_path):
    a, b, c = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv"))
    write_records(generate_population(500, seed=9), a)
    write_records(generate_population(500, seed=9), b)
    write_records(generate_population(500, seed=10), c)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    pa, pb = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_records(generate_population(500, seed=9), pa)
    write_records(generate_population(500, seed=9), pb)
    assert pa.read_bytes() == pb.read_bytes()


def test_reference_date_shifts_population():
    p = generate_population(200, seed=1, reference_date=dt.date(2030, 6, 1))
    assert (p["function_start_date"] <= pd.Timestamp("2030-06-01")).all()
    assert validate_frame(p).rejects.empty


def test_catalogue_adjacency():
    cat = load_function_catalogue()
    codes = set(cat["function_code"])
    demanding = cat[cat["physically_demanding"]]
    assert 20 <= len(cat) <= 40
    assert demanding["salary_scale"].between(2, 7).all()
    for _, r in demanding.iterrows():
        assert 2 <= len(r["adjacent"]) <= 4
        adj = cat.set_index("function_code").loc[r["adjacent"]]
        assert set(r["adjacent"]) <= codes and not adj["physically_demanding"].any()
        assert (adj["unit"] == r["unit"]).all()


def test_shape_by_age_scale_and_gender(pop):
    ref = pd.Timestamp("2026-01-01")
    age = (ref - pop["birth_date"]).dt.days / 365.25
    service = (ref - pop["hire_date"]).dt.days / 365.25
    in_function = (ref - pop["function_start_date"]).dt.days / 365.25
    assert (age - service).min() >= 17.99  # nobody hired before 18
    young, old = age < 30, age >= 55
    assert service[young].mean() < service[old].mean() / 3 and in_function[young].mean() < in_function[old].mean()
    cat = load_function_catalogue().set_index("function_code")
    assert (pop["salary_scale"] <= pop["function_code"].map(cat["salary_scale"])).all()
    long_sick = (ref - pop["sick_leave_start"]).dt.days > 42
    assert long_sick[old].mean() > 1.5 * long_sick[age < 35].mean()
    assert "gender" not in pop.columns
    g = generate_population(2000, seed=11, gender=True)
    assert set(g["gender"]) == {"m", "v"} and 0.6 < (g["gender"] == "m").mean() < 0.9
    plain = generate_population(2000, seed=11)
    pd.testing.assert_frame_equal(g.drop(columns=["gender"]), plain)  # asking for gender changes nothing else
