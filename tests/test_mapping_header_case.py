"""A mapping names export headers without regard to case and surrounding spaces
(``personeelsnummer`` finds ``Personeelsnummer``); two headers that differ only by case
are refused, naming the file and both headers."""

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT, run_cli
from hpr_rules.errors import InputError
from hpr_rules.records import load_mapping, load_records

EX_MAP = ROOT / "examples" / "youforce_mapping.yaml"
EX_DATA = ROOT / "examples" / "youforce_export.csv"
DAY = "2027-03-01"


def _recased(tmp_path, change) -> Path:
    """The example mapping with every rename key passed through ``change``."""
    text = EX_MAP.read_text(encoding="utf-8")
    m = load_mapping(EX_MAP)
    for src in m.rename:
        text = text.replace(f"  {src}:", f"  {change(src)!r}:" if change(src) != change(src).strip() else
                            f"  {change(src)}:", 1)
    p = tmp_path / "mapping.yaml"
    p.write_text(text, encoding="utf-8")
    assert set(load_mapping(p).rename) == {change(s) for s in m.rename}
    return p


@pytest.mark.parametrize("change", [str.lower, str.upper, lambda s: f"  {s.swapcase()} "],
                         ids=["lower", "upper", "swapped-and-spaced"])
def test_keys_in_another_case_read_the_same_records(tmp_path, change):
    want = load_records(EX_DATA, EX_MAP)
    got = load_records(EX_DATA, _recased(tmp_path, change))
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.rows_read == want.rows_read and len(got.rejects) == len(want.rejects)


def test_streaming_finds_duplicates_through_a_recased_id_key(tmp_path):
    """The first pass of --chunk-size reads the id column by the mapping's name: a duplicate
    id in another chunk is found there as in the whole file."""
    lines = EX_DATA.read_bytes().split(b"\r\n" if b"\r\n" in EX_DATA.read_bytes() else b"\n")
    lines = [ln for ln in lines if ln]
    lines.append(lines[1])  # E000001 again, far from the first
    data = tmp_path / "export.csv"
    data.write_bytes(b"\n".join(lines) + b"\n")
    m = _recased(tmp_path, str.lower)
    outs = []
    for extra in ([], ["--chunk-size", "3"]):
        r = run_cli("check", data, "--mapping", m, "--date", DAY, "--rules", ROOT / "rules", *extra)
        assert r.exit_code == 0, r.output
        outs.append(r.stdout)
        f = pd.read_csv(io.StringIO(r.stdout), dtype=str, keep_default_na=False)
        dup = f[(f["employee_id"] == "E000001")]
        assert set(dup["status"]) == {"invalid"} and dup["reason"].str.contains("occurs 2 times").all()
    assert outs[0] == outs[1]


def test_headers_differing_only_by_case_are_refused(tmp_path):
    data = tmp_path / "export.csv"
    text = EX_DATA.read_text(encoding="cp1252").splitlines()
    text[0] = text[0].replace("099 Kostenplaats", "001 PERSONEELSNUMMER")
    data.write_text("\n".join(text) + "\n", encoding="cp1252")
    for mapping in (EX_MAP, _recased(tmp_path, str.lower)):
        with pytest.raises(InputError) as e:
            load_records(data, mapping)
        msg = str(e.value)
        assert "'001 Personeelsnummer' and '001 PERSONEELSNUMMER'" in msg and "export.csv" in msg
        assert "differ only by case" in msg and ":12" in msg.split(" ")[0]  # the mapping's line
        r = run_cli("check", data, "--mapping", mapping, "--date", DAY, "--rules", ROOT / "rules")
        assert r.exit_code == 2 and "differ only by case" in r.output and "Traceback" not in r.output
        r = run_cli("check", data, "--mapping", mapping, "--date", DAY, "--chunk-size", "5",
                    "--rules", ROOT / "rules")
        assert r.exit_code == 2 and "differ only by case" in r.output


def test_two_keys_for_one_header_are_a_mapping_error(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("rename:\n  Personeelsnummer: employee_id\n  personeelsnummer : unit\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_mapping(p)
    assert "m.yaml:2" in str(e.value) and "name the same export header" in str(e.value)


def test_a_key_that_matches_nothing_still_names_the_nearest_header(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text('delimiter: "|"\nencoding: cp1252\nrename:\n  001 personeelsnumer: employee_id\n',
                 encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_records(EX_DATA, p)
    assert "m.yaml:4" in str(e.value) and "did you mean '001 Personeelsnummer'" in str(e.value)


def test_a_workbook_and_a_frame_are_matched_the_same_way(tmp_path):
    want = load_records(EX_DATA, EX_MAP)
    raw = pd.read_csv(EX_DATA, sep="|", dtype=str, keep_default_na=False, encoding="cp1252")
    raw.columns = [c.upper() for c in raw.columns]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(raw.columns))
    for rec in raw.itertuples(index=False):
        ws.append(list(rec))
    x = tmp_path / "export.xlsx"
    wb.save(x)
    got = load_records(x, EX_MAP)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    import hpr_rules as hpr
    f = hpr.check(raw, DAY, mapping=EX_MAP)
    assert set(f["employee_id"]) == set(want.frame["employee_id"])


def test_a_dataset_finds_an_id_in_two_files_through_a_recased_id_key(tmp_path):
    """The first pass of a dataset reads each file's id column as the file spells it."""
    raw = pd.read_csv(EX_DATA, dtype=str, keep_default_na=False, sep="|", encoding="cp1252")
    ds = tmp_path / "ds"
    ds.mkdir()
    raw.iloc[:3].to_parquet(ds / "a.parquet")
    raw.iloc[2:].to_parquet(ds / "b.parquet")  # the third record again, in the second file
    m = _recased(tmp_path, str.lower)
    r = run_cli("check", ds, "--mapping", m, "--date", DAY, "--rules", ROOT / "rules", "--out", tmp_path / "f")
    assert r.exit_code == 0, r.output
    f = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "f").glob("part-*.parquet"))])
    dup = f[f["reason"].astype(str).str.contains("more than one file")]
    assert len(dup) and set(dup["status"].astype(str)) == {"invalid"}
