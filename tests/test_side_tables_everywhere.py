"""Dispensations and absences beside the records give the same findings however the records
are read: whole, streamed in chunks, as a dataset of Parquet files, or through a mapping."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli

DAY = "2027-03-01"
KINDS = ["sick", "parental", "unpaid", "other"]
RULES = ["mandatory_pop", "max_function_tenure", "development_obligation"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """800 records (a few rejected, one id twice), absences and dispensations with rows that
    are used, rows of unknown or rejected employees and rows that are wrong in themselves."""
    from hpr_rules.records import write_records
    from hpr_rules.records.synthetic import generate_population
    d = tmp_path_factory.mktemp("side")
    pop = generate_population(800, seed=9).drop(columns=["row"])
    pop.loc[7, "fte"] = 2.0  # rejected record: its side rows are rejected too
    pop.loc[300, "employee_id"] = pop.loc[299, "employee_id"]  # both rows rejected, in different chunks
    write_records(pop, d / "staff.csv")
    rng = np.random.default_rng(4)
    ids = pop["employee_id"].tolist()
    pick = rng.choice(len(ids), 150, replace=False)
    start = [dt.date(2024, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 900, len(pick))]
    absences = pd.DataFrame({"employee_id": [ids[i] for i in pick], "start": start,
                             "end": [s + dt.timedelta(days=int(n)) if n < 300 else None
                                     for s, n in zip(start, rng.integers(10, 400, len(pick)))],
                             "kind": [KINDS[k] for k in rng.integers(0, 4, len(pick))]})
    extra = pd.DataFrame({"employee_id": ["NOBODY", ids[7], ids[299], ids[10]],
                          "start": [dt.date(2025, 1, 1)] * 4, "end": [None, None, None, dt.date(2024, 1, 1)],
                          "kind": ["sick", "sick", "unpaid", "sick"]})
    pd.concat([absences, extra]).to_csv(d / "absences.csv", index=False)
    pick = rng.choice(len(ids), 120, replace=False)
    disp = pd.DataFrame({"employee_id": [ids[i] for i in pick], "rule_id": [RULES[k] for k in rng.integers(0, 3, 120)],
                         "until": [dt.date(2026, 6, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 900, 120)],
                         "ground": ["hardheidsclausule" if g else "medische redenen" for g in rng.integers(0, 2, 120)]})
    disp.loc[len(disp)] = ["NOBODY", "mandatory_pop", dt.date(2028, 1, 1), "x"]
    disp.loc[len(disp)] = [ids[1], "mandatory_popp", dt.date(2028, 1, 1), "x"]
    disp.to_csv(d / "dispensations.csv", index=False)
    return d


def _check(files, *extra, side=True):
    args = ["check", files / "staff.csv", "--date", DAY, *extra]
    if side:
        args += ["--absences", files / "absences.csv", "--dispensations", files / "dispensations.csv"]
    r = run_cli(*args)
    assert r.exit_code == 0, r.output
    return r


def _rejected_lines(stderr):
    return [x for x in stderr.splitlines() if "row not used" in x or "rows read," in x and "used" in x]


def _frame(path):
    df = pd.read_parquet(path) if path.is_dir() or path.suffix == ".parquet" else \
        pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.astype(object).where(df.notna(), "").astype(str).replace({"<NA>": ""})
    df["days_overdue"] = df["days_overdue"].map(lambda v: str(int(float(v))) if v else "")
    for c in ("required_hours", "actual_hours", "shortfall_hours"):
        df[c] = df[c].map(lambda v: f"{float(v):.2f}" if v else "")
    return df.sort_values(["employee_id", "rule_id", "status"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def whole(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "f.csv"
    r = _check(files, "-o", out)
    return _frame(out), _rejected_lines(r.stderr)


def test_the_side_tables_change_findings_and_reject_what_they_must(files, whole, tmp_path):
    plain = tmp_path / "plain.csv"
    _check(files, "-o", plain, side=False)
    with_side, lines = whole
    assert (with_side != _frame(plain)).any(axis=1).sum() > 50
    assert set(with_side["reason"]) >= {"hardship", "dispensation"}
    text = "\n".join(lines)
    assert "'NOBODY'" in text and "mandatory_popp" in text and "end lies before start" in text
    assert sum("no accepted personnel record" in x for x in lines) == 4  # NOBODY twice, the two rejected records


@pytest.mark.parametrize("chunk", [97, 400])
@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_streaming_in_chunks_equals_the_whole_file(files, whole, tmp_path, chunk, ext):
    out = tmp_path / f"f.{ext}"
    r = _check(files, "--chunk-size", chunk, "-o", out)
    want, lines = whole
    pd.testing.assert_frame_equal(_frame(out), want)
    assert _rejected_lines(r.stderr) == lines


def test_a_dataset_equals_the_whole_file(files, whole, tmp_path):
    from hpr_rules.records.readers import read_table
    raw = read_table(files / "staff.csv")
    ds = tmp_path / "ds"
    ds.mkdir()
    for k in range(3):  # text Parquet files, read and validated like the CSV
        raw.iloc[k * 300:(k + 1) * 300].to_parquet(ds / f"p{k}.parquet", index=False)
    r = run_cli("check", ds, "--date", DAY, "--absences", files / "absences.csv",
                "--dispensations", files / "dispensations.csv", "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    want, lines = whole
    got = _frame(tmp_path / "out")
    for df in (got, want):  # a duplicate id across files is told as such; the rest is the same
        df.loc[df["reason"].str.startswith("employee_id E000300 occurs"), "reason"] = "duplicate"
    pd.testing.assert_frame_equal(got, want)
    assert _rejected_lines(r.stderr) == lines


def test_side_tables_are_read_with_the_records_mapping(tmp_path):
    """A Youforce export and side tables from the same system: the id under the export's
    header, ';' separated, dates dd-mm-jjjj; the findings equal those of canonical tables."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "examples"
    export, mapping = root / "youforce_export.csv", root / "youforce_mapping.yaml"
    ids = [line.split("|")[0] for line in export.read_text(encoding="cp1252").splitlines()[1:6]]
    canon_abs = tmp_path / "abs.csv"
    canon_abs.write_text("employee_id,start,end,kind\n" + "".join(f"{i},2025-02-01,2025-08-31,sick\n" for i in ids))
    canon_disp = tmp_path / "disp.csv"
    canon_disp.write_text(f"employee_id,rule_id,until,ground\n{ids[1]},mandatory_pop,2027-12-31,hardheidsclausule\n")
    yf_abs = tmp_path / "abs_yf.csv"
    yf_abs.write_text("001 Personeelsnummer;start;end;kind\n" + "".join(f"{i};01-02-2025;31-08-2025;sick\n" for i in ids),
                      encoding="cp1252")
    yf_disp = tmp_path / "disp_yf.csv"
    yf_disp.write_text(f"001 Personeelsnummer;rule_id;until;ground\n{ids[1]};mandatory_pop;31-12-2027;hardheidsclausule\n")
    out = {}
    for name, a, d in (("canon", canon_abs, canon_disp), ("yf", yf_abs, yf_disp), ("none", None, None)):
        args = ["check", export, "--mapping", mapping, "--date", DAY, "-o", tmp_path / f"{name}.csv"]
        if a:
            args += ["--absences", a, "--dispensations", d]
        r = run_cli(*args)
        assert r.exit_code == 0, r.output
        assert "row not used" not in r.stderr, r.stderr
        out[name] = _frame(tmp_path / f"{name}.csv")
    pd.testing.assert_frame_equal(out["yf"], out["canon"])
    assert (out["yf"] != out["none"]).any(axis=1).sum() >= 1
    assert "hardship" in set(out["yf"]["reason"])
    bad = tmp_path / "bad.csv"
    bad.write_text("001 Personeelsnummer;start;end;kind\n" + f"{ids[0]};2025/02/01;;sick\n")
    r = run_cli("check", export, "--mapping", mapping, "--date", DAY, "--absences", bad, "-o", tmp_path / "b.csv")
    assert r.exit_code == 0 and "not a date DD-MM-YYYY or YYYY-MM-DD" in r.stderr


def _scenario(tmp_path, extra=""):
    from hpr_rules.scenarios import load_scenario
    p = tmp_path / "sc.yaml"
    p.write_text(f"extends: {Path(__file__).resolve().parents[1] / 'scenarios' / 'baseline.yaml'}\n"
                 "name: met afwezigheid\nruns: 2\nhorizon_years: 2\n"
                 "population:\n  synthetic: {n: 400, seed: 1, gender: true}\n" + extra, encoding="utf-8")
    return load_scenario(p)


def test_a_scenario_names_the_side_tables_of_its_starting_population(tmp_path):
    from hpr_rules.records.synthetic import generate_population
    from hpr_rules.scenarios import run_scenario
    ids = generate_population(400, 1)["employee_id"].tolist()
    (tmp_path / "abs.csv").write_text("employee_id,start,end,kind\n" + "".join(
        f"{i},2025-01-01,,sick\n" for i in ids[::3]) + "NOBODY,2025-01-01,,sick\n", encoding="utf-8")
    (tmp_path / "disp.csv").write_text("employee_id,rule_id,until,ground\n" + "".join(
        f"{i},max_function_tenure,2030-12-31,hardheidsclausule\n" for i in ids[::2]), encoding="utf-8")
    plain = run_scenario(_scenario(tmp_path), timestamp="2026-01-01T00:00:00")
    side = run_scenario(_scenario(tmp_path, "  absences: abs.csv\n  dispensations: disp.csv\n"),
                        timestamp="2026-01-01T00:00:00")
    assert plain["assumptions"]["population"]["absences"] is None  # says it uses none
    assert side["assumptions"]["population"]["absences"] == "abs.csv"
    src = side["provenance"]["data_source"]
    assert "abs.csv (135 rows, 1 rejected)" in src and "disp.csv (200 rows, 0 rejected)" in src
    assert side["provenance"]["data_hash"] != plain["provenance"]["data_hash"]
    first = side["years"][0]["rules"]["max_function_tenure"]["exempt"]
    assert first.get("hardship", 0) > 0 and "hardship" not in plain["years"][0]["rules"]["max_function_tenure"]["exempt"]
    dev = [y["rules"]["development_obligation"]["violation"] for y in (plain["years"][1], side["years"][1])]
    assert dev[1] < dev[0]  # absence reduces the hours required


def test_a_scenario_rejects_a_side_table_it_cannot_read(tmp_path):
    from hpr_rules.errors import HprError
    from hpr_rules.scenarios import run_scenario
    (tmp_path / "abs.csv").write_text("employee_id,start,kind\nE000001,2025-01-01,sick\n", encoding="utf-8")
    with pytest.raises(HprError, match="'end'"):
        run_scenario(_scenario(tmp_path, "  absences: abs.csv\n"))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(150, 900), day=st.dates(dt.date(2026, 1, 1), dt.date(2031, 12, 31)))
def test_any_chunk_size_and_date_give_the_whole_file_findings(files, book, chunk, day):
    import io

    from hpr_rules.engines import evaluate
    from hpr_rules.records import load_records
    from hpr_rules.records.sidetables import SideTables, with_side_tables
    from hpr_rules.scale import check_csv_stream
    paths = dict(dispensations=files / "dispensations.csv", absences=files / "absences.csv")
    rs, tables = with_side_tables(load_records(files / "staff.csv"), book.ids(), **paths)
    want = pd.read_csv(io.StringIO(evaluate(rs, book, day).to_csv(index=False)), dtype=str, keep_default_na=False)
    sink = io.BytesIO()
    res = check_csv_stream(files / "staff.csv", book, day, None, chunk_size=chunk, sink=sink,
                           side=SideTables(book.ids(), **paths))
    got = pd.read_csv(io.BytesIO(sink.getvalue()), dtype=str, keep_default_na=False)
    for c in ("required_hours", "actual_hours", "shortfall_hours", "days_overdue"):
        got[c], want[c] = (x[c].map(lambda v: f"{float(v):.2f}" if v else "") for x in (got, want))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    assert [t.rejects.to_dict("records") for t in res["side_tables"]] == [t.rejects.to_dict("records") for t in tables]
