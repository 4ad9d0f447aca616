"""The Arrow-native check path: a Parquet file validated as its Arrow table, evaluated in parts
and written part by part, gives exactly what the frame path gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpr_rules.engines import evaluate_findings, iter_findings
from hpr_rules.language import default_rules_dir, load_rulebook
from hpr_rules.outputs import write_parts, write_table
from hpr_rules.records import generate_population, load_records, open_source, validate_table, write_records
from hpr_rules.records.validate import validate_frame

DAY = dt.date(2027, 3, 1)


@pytest.fixture(scope="module")
def book():
    return load_rulebook(default_rules_dir())


@pytest.fixture(scope="module")
def population():
    return generate_population(60, seed=11, reference_date=dt.date(2026, 6, 1))


def _same(a, b):
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.rejects, b.rejects, check_exact=True)
    assert a.notes == b.notes and a.columns == b.columns and a.diagnoses == b.diagnoses
    assert (a.rows_read, a.rows_accepted, a.rows_rejected) == (b.rows_read, b.rows_accepted, b.rows_rejected)


def _by_frame(path):
    """The records of a Parquet file the way the row-message path reads them."""
    raw = open_source(path).read()
    return validate_frame(raw, str(path), vectorised=False)


EDITS = {
    "employee_id": [None, "", "  ", " E9 ", "DUP"],
    "birth_date": [None, dt.date(1850, 1, 1), dt.date(2025, 1, 1), dt.date(2000, 2, 29)],
    "hire_date": [None, dt.date(2015, 2, 28), dt.date(2101, 1, 1), dt.date(1900, 1, 1)],
    "function_start_date": [None, dt.date(1901, 1, 1), dt.date(2100, 12, 31)],
    "pop_date": [None, dt.date(2026, 11, 30), dt.date(2024, 2, 29)],
    "fte": [None, 0.0, 1.0, 1.5, -0.1],
    "salary_scale": [None, 0, 7, 19],
    "development_hours_12m": [None, -1.0, 2000.0, 2000.5],
    "physically_demanding": [None, True, False],
    "development_offered": [None, True, False],
    "unit": [None, "", " Afval "],
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 59), st.sampled_from(sorted(EDITS)), st.integers(0, 4)),
                      max_size=10))
def test_arrow_validation_agrees_with_the_row_message_path(tmp_path, population, edits):
    t = pa.Table.from_pandas(population.drop(columns=["row"], errors="ignore"), preserve_index=False)
    cols = {name: t.column(name).to_pylist() for name in t.column_names}
    for i, col, k in edits:
        choices = EDITS[col]
        v = choices[k % len(choices)]
        if isinstance(v, dt.date) and col in cols and isinstance(cols[col][i], dt.datetime):
            v = dt.datetime(v.year, v.month, v.day)
        cols[col][i] = cols["employee_id"][0] if v == "DUP" else v
    types = {name: t.schema.field(name).type for name in t.column_names}
    types = {name: (pa.date32() if pa.types.is_timestamp(ty) else ty) for name, ty in types.items()}
    table = pa.table({name: pa.array(vals, type=types[name]) for name, vals in cols.items()})
    path = tmp_path / "edited.parquet"
    pq.write_table(table, path)
    fast = load_records(path)
    _same(fast, _by_frame(path))


def test_typed_parquet_is_validated_without_a_frame(tmp_path, population):
    path = tmp_path / "staff.parquet"
    write_records(population, path)
    rs = load_records(path)
    assert rs.accepted is not None and "frame" not in vars(rs) and "rejects" not in vars(rs)
    assert rs.rows_rejected == 0 and len(rs.rejects) == 0
    _same(rs, _by_frame(path))


@pytest.mark.parametrize("case", ["timestamps", "dictionary", "int ids", "ancient date", "text dates", "int bools"])
def test_parquet_types_the_frame_path_reads(tmp_path, population, case):
    t = pa.Table.from_pandas(population.drop(columns=["row"]), preserve_index=False)
    i = t.column_names.index
    if case == "timestamps":  # a time of day is dropped, as the frame path does
        ts = pa.array([dt.datetime(2020, 1, 1, 13, 5)] * len(t), pa.timestamp("us"))
        t = t.set_column(i("pop_date"), "pop_date", ts)
    elif case == "dictionary":
        t = t.set_column(i("unit"), "unit", t.column("unit").dictionary_encode())
    elif case == "int ids":  # a number where text belongs: the row-message path decides
        t = t.set_column(i("employee_id"), "employee_id", pa.array(range(len(t)), pa.int64()))
    elif case == "ancient date":  # outside what the frame's datetime64[ns] holds
        d = t.column("birth_date").to_pylist()
        d[3] = dt.date(1500, 1, 1)
        t = t.set_column(i("birth_date"), "birth_date", pa.array(d, pa.date32()))
    elif case == "text dates":
        t = t.set_column(i("hire_date"), "hire_date", t.column("hire_date").cast(pa.string()))
    else:
        col = t.column("physically_demanding").cast(pa.int64())
        t = t.set_column(i("physically_demanding"), "physically_demanding", col)
    path = tmp_path / "t.parquet"
    pq.write_table(t, path)
    _same(validate_table(pq.read_table(path), str(path)), _by_frame(path))


def _values(frame):
    return frame.apply(lambda c: c.astype(object) if isinstance(c.dtype, pd.CategoricalDtype) else c)


def _plain(table):
    return pa.table([c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns],
                    names=table.column_names)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.integers(1, 70), rejected=st.lists(st.integers(0, 59), max_size=8))
def test_parts_are_the_whole_in_order(book, population, part, rejected):
    raw = population.copy()
    for i in rejected:  # rejected rows anywhere: first, last, between parts
        raw.loc[i, "fte"] = 7.0
    rs = validate_frame(raw)
    whole = evaluate_findings(rs, book, DAY).to_arrow()
    parts = list(iter_findings(rs, book, DAY, part_records=part))
    assert len(parts) == max(1, -(-rs.rows_accepted // part))
    together = pa.concat_tables([_plain(p.to_arrow()) for p in parts])
    assert together.equals(_plain(whole))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_written_parts_read_as_the_whole(tmp_path, book, population, fmt):
    rs = validate_frame(population)
    write_table(evaluate_findings(rs, book, DAY), tmp_path / f"whole.{fmt}")
    write_parts(iter_findings(rs, book, DAY, part_records=7), tmp_path / f"parts.{fmt}")
    if fmt == "csv":
        assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    else:
        a, b = (pq.read_table(tmp_path / f"{n}.parquet") for n in ("whole", "parts"))
        assert _plain(a).equals(_plain(b.cast(a.schema)))
        # the same values; a dictionary per part lists a part's due dates first
        pd.testing.assert_frame_equal(_values(a.to_pandas()), _values(b.to_pandas()))


def test_a_failing_part_leaves_no_file(tmp_path, book, population):
    rs = validate_frame(population)

    def parts():
        yield from iter_findings(rs, book, DAY, part_records=20)
        raise RuntimeError("stopped")
    with pytest.raises(RuntimeError, match="stopped"):
        write_parts(parts(), tmp_path / "f.parquet")
    assert list(tmp_path.iterdir()) == []


def test_check_writes_parts_as_one_file(tmp_path, population, monkeypatch):
    from hpr_cli import check_cmd
    from hpr_cli.main import cli
    path = tmp_path / "staff.parquet"
    write_records(population, path)
    runner = CliRunner()
    outs = []
    for size in (1_000_000, 9):
        monkeypatch.setattr(check_cmd, "PART_RECORDS", size)
        out = tmp_path / f"f{size}.parquet"
        res = runner.invoke(cli, ["check", str(path), "--date", DAY.isoformat(), "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(_values(pq.read_table(out).to_pandas()))
    pd.testing.assert_frame_equal(*outs)
    assert len(outs[0]) == 3 * len(population)
    assert np.array_equal(outs[0]["employee_id"].astype(str).to_numpy()[::3],
                          population["employee_id"].astype(str).to_numpy())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(1, 70), fmt=st.sampled_from(["parquet", "csv"]),
       edits=st.lists(st.tuples(st.integers(0, 59), st.sampled_from(sorted(EDITS)), st.integers(0, 4)),
                      max_size=6))
def test_parquet_stream_is_the_whole_file(tmp_path_factory, book, population, chunk, fmt, edits):
    """Batch by batch (duplicates in other batches, rejected rows anywhere) = the whole file."""
    from hpr_rules.scale import check_parquet_stream
    tmp = tmp_path_factory.mktemp("stream")
    t = pa.Table.from_pandas(population.drop(columns=["row"]), preserve_index=False)
    cols = {name: t.column(name).to_pylist() for name in t.column_names}
    for i, col, k in edits:
        v = EDITS[col][k % len(EDITS[col])]
        cols[col][i] = cols["employee_id"][59 - i] if v == "DUP" else v
    types = {n: (pa.date32() if pa.types.is_timestamp(ty) else ty) for n, ty in zip(t.column_names, t.schema.types)}
    path = tmp / "staff.parquet"
    pq.write_table(pa.table({n: pa.array(v, type=types[n]) for n, v in cols.items()}), path, row_group_size=25)
    rs = load_records(path)
    write_table(evaluate_findings(rs, book, DAY), tmp / f"whole.{fmt}")
    res = check_parquet_stream(path, book, DAY, tmp / f"parts.{fmt}", chunk_size=chunk, fmt=fmt)
    assert (res["rows_read"], res["rows_rejected"]) == (rs.rows_read, rs.rows_rejected)
    assert res["counts"] == evaluate_findings(rs, book, DAY).counts(book.employer_reasons())
    assert res["diagnoses"] == rs.diagnoses
    if fmt == "csv":
        assert (tmp / "parts.csv").read_bytes() == (tmp / "whole.csv").read_bytes()
    else:
        a, b = (pq.read_table(tmp / f"{n}.parquet") for n in ("whole", "parts"))
        assert _plain(a).equals(_plain(b))


def test_an_empty_parquet_file_gives_an_empty_findings_file(tmp_path, book, population):
    from hpr_rules.scale import check_parquet_stream
    path = tmp_path / "none.parquet"
    t = pa.Table.from_pandas(population.drop(columns=["row"]), preserve_index=False)
    pq.write_table(t.slice(0, 0), path)
    res = check_parquet_stream(path, book, DAY, tmp_path / "f.parquet", chunk_size=10, fmt="parquet")
    assert res["rows_read"] == 0
    assert pq.read_table(tmp_path / "f.parquet").num_rows == 0


def test_checking_a_parquet_file_never_loads_pandas(tmp_path, population):
    """pyarrow loads pandas on its first conversion of a Python or numpy object (0.3 s a run):
    the check of a Parquet file moves its data by buffers (hpr_rules.arrowbuf) instead."""
    from conftest import check_loads_pandas
    path = tmp_path / "staff.parquet"
    write_records(population, path)
    assert not check_loads_pandas(path, tmp_path / "f.parquet")
    assert pq.read_table(tmp_path / "f.parquet").num_rows == 3 * len(population)


@pytest.mark.parametrize("typ", ["bool", "int8", "int32", "int64", "float64"])
def test_buffers_round_trip(typ):
    from hpr_rules.arrowbuf import from_numpy, to_numpy, valid_mask
    rng = np.random.default_rng(3)
    values = (rng.random(77) > 0.5) if typ == "bool" else (rng.random(77) * 100).astype(typ)
    valid = rng.random(77) > 0.3
    arr = from_numpy(values, valid)
    assert arr.to_pylist() == [v.item() if ok else None for v, ok in zip(values, valid)]
    for a, b in ((0, 77), (5, 40), (13, 13)):
        part = arr.slice(a, b - a)
        assert np.array_equal(valid_mask(part), valid[a:b])
        got = to_numpy(part, fill=0)
        want = np.where(valid[a:b], values[a:b], 0).astype(values.dtype)
        assert np.array_equal(got, want)


def test_text_and_scalars():
    from hpr_rules.arrowbuf import scalar, text
    assert text(["a", None, "één"]).to_pylist() == ["a", None, "één"]
    assert text(["x"], pa.large_string()).type == pa.large_string()
    assert scalar("", pa.large_string()).as_py() == "" and scalar(None, pa.string()).as_py() is None
    assert scalar(True, pa.bool_()).as_py() is True and scalar(3, pa.int64()).as_py() == 3


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.one_of(st.none(), st.text(alphabet="AB\u00e9 \x00", min_size=0, max_size=3)), max_size=30),
       large=st.booleans(), start=st.integers(0, 3))
def test_repeated_ids_are_found_however_they_are_held(ids, large, start):
    from collections import Counter

    from hpr_rules.records.arrowcheck import _repeated_text
    arr = pa.array(ids, pa.large_string() if large else pa.string()).slice(start)
    kept = ids[start:]
    seen = Counter(v for v in kept if v is not None)
    assert _repeated_text(arr).tolist() == [v is not None and seen[v] > 1 for v in kept]
    fixed = [f"E{i:05d}" for i in range(40)] + ["E00007"]
    assert np.flatnonzero(_repeated_text(pa.array(fixed))).tolist() == [7, 40]
    assert not _repeated_text(pa.array(sorted(set(fixed)))).any()


def test_columns_with_no_value_at_all(tmp_path, population):
    """pandas writes a column that holds nothing as Arrow type null; such a column is all missing,
    as in the frame path, whole and streamed."""
    from hpr_rules.scale import check_parquet_stream
    t = pa.Table.from_pandas(population.drop(columns=["row"]), preserve_index=False)
    for name in ("development_offered", "pop_date", "unit", "department"):
        t = t.set_column(t.column_names.index(name), name, pa.nulls(len(t)))
    path = tmp_path / "nulls.parquet"
    pq.write_table(t, path)
    rs = load_records(path)
    _same(rs, _by_frame(path))
    assert rs.rows_rejected == len(population)  # unit is required
    res = check_parquet_stream(path, load_rulebook(default_rules_dir()), DAY, tmp_path / "f.parquet", chunk_size=7,
                               fmt="parquet")
    assert res["rows_rejected"] == len(population)


def test_optional_columns_with_no_value_at_all_take_the_arrow_path(tmp_path, population):
    t = pa.Table.from_pandas(population.drop(columns=["row"]), preserve_index=False)
    for name in ("development_offered", "move_offered", "pop_date", "exemption_until", "department"):
        t = t.set_column(t.column_names.index(name), name, pa.nulls(len(t)))
    path = tmp_path / "nulls.parquet"
    pq.write_table(t, path)
    rs = load_records(path)
    assert rs.accepted is not None and rs.rows_rejected == 0
    _same(rs, _by_frame(path))


def test_ids_held_as_numbers_repeat_across_batches_as_in_the_whole_file(tmp_path, book, population):
    from hpr_rules.scale import check_parquet_stream
    t = pa.Table.from_pandas(population.drop(columns=["row"]), preserve_index=False)
    ids = list(range(100, 100 + len(t)))
    ids[55] = 102  # the third record's id again, in another batch
    t = t.set_column(0, "employee_id", pa.array(ids, pa.int64()))
    path = tmp_path / "numbers.parquet"
    pq.write_table(t, path)
    rs = load_records(path)
    assert rs.rows_rejected == 2
    write_table(evaluate_findings(rs, book, DAY), tmp_path / "whole.csv")
    res = check_parquet_stream(path, book, DAY, tmp_path / "parts.csv", chunk_size=10, fmt="csv")
    assert res["rows_rejected"] == 2
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_the_hpr_script_runs_main_and_freezes_only_its_own_process(tmp_path, population):
    """The script's process freezes what lives after the rules are loaded (its last collections
    skip it); a caller running commands in its own process (CliRunner) is left as it was."""
    import gc
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    from hpr_cli.main import cli
    root = Path(__file__).resolve().parents[1]
    assert tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]["hpr"] == "hpr_cli.main:main"
    path = tmp_path / "staff.parquet"
    write_records(population.head(50), path)
    before = gc.get_freeze_count()
    r = CliRunner().invoke(cli, ["-q", "check", str(path), "--date", "2027-03-01", "--out", str(tmp_path / "a.csv")])
    assert r.exit_code == 0, r.output
    assert gc.get_freeze_count() == before
    code = ("import atexit, gc, sys\n"
            "from hpr_cli import check_cmd\n"
            "load = check_cmd.load_book\n"
            "def spy(d):\n"
            "    b = load(d)\n"
            "    print('before', gc.get_freeze_count(), file=sys.stderr)\n"
            "    return b\n"
            "check_cmd.load_book = spy\n"
            "atexit.register(lambda: print('after', gc.get_freeze_count() > 0, file=sys.stderr))\n"
            "from hpr_cli.main import main\n"
            "main()\n")
    out = subprocess.run([sys.executable, "-c", code, "-q", "check", str(path), "--date", "2027-03-01", "--out",
                          str(tmp_path / "b.csv")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "before 0" in out.stderr and "after True" in out.stderr
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_first_pass_begun_early_is_the_first_pass(tmp_path, book, population):
    """hpr check begins the first pass over a Parquet file while the rules load: the findings
    and the totals are those of a pass made in turn; its error is raised where it is used,
    each time, naming the file."""
    from hpr_rules.errors import InputError
    from hpr_rules.pipeline import later
    from hpr_rules.scale import FirstPass, check_parquet_stream
    df = population.copy()
    df.loc[df.index[[3, 40]], "employee_id"] = df["employee_id"].iloc[7]  # repeated in other batches
    path = tmp_path / "staff.parquet"
    write_records(df, path)
    a = check_parquet_stream(path, book, DAY, tmp_path / "a.parquet", chunk_size=9, fmt="parquet")
    b = check_parquet_stream(path, book, DAY, tmp_path / "b.parquet", chunk_size=9, fmt="parquet",
                             first=FirstPass.start(path))
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert a["counts"] == b["counts"] and a["rows_rejected"] == b["rows_rejected"] == 3
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    got = FirstPass.start(bad)
    for _ in range(2):
        with pytest.raises(InputError, match="bad.parquet"):
            got()
    assert later(lambda: 41 + 1)() == 42


def test_a_broken_parquet_file_is_one_error_on_the_command_line(tmp_path):
    from hpr_cli.main import cli
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    r = CliRunner().invoke(cli, ["check", str(bad), "--date", "2027-03-01", "--out", str(tmp_path / "f.parquet")])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hpr: error: ") and "bad.parquet" in lines[0], r.stderr
    assert not (tmp_path / "f.parquet").exists()


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "E1", " E2", "E3\t", "\u00a0E4", "E5\u00a0",
                                                           "\x7fE6", "é", "a b", "E7 "]),
                                st.text(max_size=4)), max_size=20),
       start=st.integers(0, 3))
def test_trimming_skips_only_text_with_nothing_to_trim(cells, start):
    """Plain ASCII text is left as it is (nothing in it can be trimmed); anything else is trimmed
    by Arrow: the result is Arrow's trimming, empty cells null, also on a slice of an array."""
    import pyarrow.compute as pc

    from hpr_rules.records.arrowcheck import _trimmed_text
    arr = pa.array(["pad"] * start + cells, type=pa.large_string()).slice(start)
    want = [None if v is None or v == "" else v for v in pc.utf8_trim_whitespace(arr).to_pylist()]
    assert _trimmed_text(arr).to_pylist() == want
