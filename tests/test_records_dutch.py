"""Dutch exports read without code: sniffed settings, one diagnosis per failing column,
header row and sheet of a workbook with a title block, booleans in every file type."""

import datetime as dt
import io

import pandas as pd
import pytest
from click.testing import CliRunner

from hpr_cli.main import cli
from hpr_rules.errors import InputError
from hpr_rules.records import load_records
from hpr_rules.records.mapping import mapping_with

HEADER = ["employee_id", "birth_date", "hire_date", "function_code", "function_start_date", "salary_scale",
          "physically_demanding", "unit", "fte", "development_hours_12m", "department"]


def _rows(n, day_first_evidence=True):
    out = []
    for i in range(n):
        day = 13 + i % 15 if day_first_evidence else 1 + i % 12
        out.append([f"E{i + 1}", f"{day:02d}-05-1980", f"01-0{1 + i % 9}-2010", "AFV01", "01-03-2020", str(2 + i % 5),
                    "ja" if i % 2 else "nee", "DSB-HHO", "0,8" if i % 3 else "1", "12,5", "Café Noord"])
    return out


def _dutch_csv(path, rows, sep=";", encoding="cp1252"):
    text = "\r\n".join(sep.join(r) for r in [HEADER] + rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_dutch_csv_needs_no_settings(tmp_path):
    p = _dutch_csv(tmp_path / "export.csv", _rows(30))
    rs = load_records(p)
    assert rs.rows_read == 30 and len(rs.rejects) == 0, rs.rejects
    f = rs.frame.set_index("employee_id")
    assert f.loc["E2", "fte"] == 0.8 and f.loc["E1", "development_hours_12m"] == 12.5
    assert f.loc["E1", "birth_date"] == pd.Timestamp("1980-05-13")
    assert f.loc["E1", "department"] == "Café Noord" and not f.loc["E1", "physically_demanding"]
    notes = "; ".join(rs.notes)
    for said in ("cp1252", "semicolons", "decimal comma", "dates day first, dd-mm-jjjj"):
        assert said in notes


def test_ambiguous_dates_get_one_diagnosis_per_column_and_a_flag_fixes_them(tmp_path):
    p = _dutch_csv(tmp_path / "export.csv", _rows(20, day_first_evidence=False))
    rs = load_records(p)
    assert len(rs.frame) == 0 and rs.rows_read == 20  # rejected, never lost
    assert "birth_date: 20 of 20 values look like dd-mm-jjjj; add `date_format: '%d-%m-%Y'` to the mapping " \
           "or pass `--date-format '%d-%m-%Y'`" in rs.diagnoses
    assert len(rs.diagnoses) == 3  # birth, hire and function start dates
    r = run("data", "validate", p)
    assert r.exit_code == 0
    assert r.stdout.count("look like dd-mm-jjjj") == 3 and "is not a valid date" not in r.stdout
    fixed = load_records(p, mapping_with(None, date_format="%d-%m-%Y"))
    assert len(fixed.frame) == 20 and not fixed.diagnoses


def test_decimal_point_and_comma_mixed_are_diagnosed_not_guessed(tmp_path):
    rows = _rows(6)
    rows[0][8] = "0.9"
    rs = load_records(_dutch_csv(tmp_path / "e.csv", rows))
    assert not any("decimal comma" in n for n in rs.notes)
    assert set(rs.rejects["column"]) == {"fte", "development_hours_12m"}


def test_cli_flags_override_the_mapping_and_are_reported(tmp_path):
    p = _dutch_csv(tmp_path / "export.txt", _rows(8, day_first_evidence=False), sep="|", encoding="utf-8")
    m = tmp_path / "m.yaml"
    m.write_text('delimiter: ";"\n', encoding="utf-8")
    bad = run("check", p, "--mapping", m, "--date", "2027-03-01")
    assert bad.exit_code == 2 and "employee_id" in bad.stderr
    ok = run("check", p, "--mapping", m, "--delimiter", "|", "--date-format", "%d-%m-%Y", "--decimal", ",",
             "--date", "2027-03-01")
    assert ok.exit_code == 0, ok.output
    assert "8 rows read, 8 accepted, 0 rejected" in ok.stderr
    stream = run("check", p, "--delimiter", "|", "--date-format", "%d-%m-%Y", "--chunk-size", 3, "--date", "2027-03-01")
    assert stream.exit_code == 0 and stream.stdout == ok.stdout
    assert "--header-row" in run("check", "--help").stdout and "--sheet" in run("data", "validate", "--help").stdout


def test_streaming_sniffs_the_whole_file_like_the_whole_file_read(tmp_path):
    rows = _rows(30)
    for r in rows[:25]:  # the evidence for day-first dates only in the last chunk
        r[1] = "01-05-1980"
    p = _dutch_csv(tmp_path / "e.csv", rows)
    whole = run("check", p, "--date", "2027-03-01")
    chunks = run("check", p, "--date", "2027-03-01", "--chunk-size", 4)
    assert whole.exit_code == chunks.exit_code == 0
    assert whole.stdout == chunks.stdout
    assert "30 rows read, 30 accepted" in chunks.stderr and "dates day first" in chunks.stderr


def _workbook(path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.title = "Toelichting"
    wb.active["A1"] = "Zie tabblad Medewerkers"
    ws = wb.create_sheet("Medewerkers")
    ws["A1"] = "Personeelsoverzicht DSB, peildatum 1-1-2026"
    ws.merge_cells("A1:K1")
    ws["A2"], ws["D2"] = "Persoon", "Functie"
    ws.merge_cells("A2:C2")
    ws.merge_cells("D2:G2")
    for j, name in enumerate(HEADER, start=1):
        if name != "unit":
            ws.cell(row=3, column=j, value=name)
    ws.cell(row=2, column=HEADER.index("unit") + 1, value="unit")  # a header merged over two rows
    ws.merge_cells(start_row=2, end_row=3, start_column=HEADER.index("unit") + 1, end_column=HEADER.index("unit") + 1)
    for i, r in enumerate(_rows(5), start=4):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    ws.cell(row=4, column=2, value=dt.datetime(1980, 5, 13))  # a real date cell among text
    ws.cell(row=5, column=7, value=1)  # a boolean written as 1
    wb.save(path)
    return path


def test_xlsx_with_title_block_and_merged_header_rows(tmp_path):
    p = _workbook(tmp_path / "staff.xlsx")
    m = tmp_path / "m.yaml"
    m.write_text("sheet: Medewerkers\nheader_row: 3\n", encoding="utf-8")
    rs = load_records(p, str(m))
    assert rs.rows_read == 5 and len(rs.rejects) == 0, rs.rejects
    f = rs.frame.set_index("employee_id")
    assert f.loc["E2", "unit"] == "DSB-HHO" and f.loc["E2", "physically_demanding"]
    assert f.loc["E2", "fte"] == 0.8
    same = load_records(p, mapping_with(None, sheet="1", header_row=3))
    pd.testing.assert_frame_equal(same.frame, rs.frame)
    with pytest.raises(InputError, match="no sheet named 'Medewerker'; did you mean 'Medewerkers'"):
        load_records(p, mapping_with(None, sheet="Medewerker"))
    r = run("data", "validate", p, "--sheet", "Medewerkers", "--header-row", 3)
    assert r.exit_code == 0 and "5 rows read, 5 accepted, 0 rejected" in r.stdout


def test_parquet_booleans_stored_as_numbers(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hpr_rules.records import generate_population
    df = generate_population(6, seed=1).drop(columns=["row"])
    table = pa.Table.from_pandas(df, preserve_index=False)
    i = table.column_names.index("physically_demanding")
    table = table.set_column(i, "physically_demanding", pa.array([1, 0, 1, 0, 2, None], pa.int8()))
    p = tmp_path / "s.parquet"
    pq.write_table(table, p)
    rs = load_records(p)
    assert rs.rows_read == 6 and list(rs.rejected_rows["row"]) == [5, 6]
    assert rs.frame["physically_demanding"].tolist() == [True, False, True, False]
    r = run("check", p, "--date", "2027-03-01")
    assert r.exit_code == 0 and "6 rows read, 4 accepted, 2 rejected" in r.stderr
    assert len(pd.read_csv(io.StringIO(r.stdout))) == 6 * 3


@pytest.mark.parametrize("chunk", [None, 2])
def test_thousands_separators_in_numbers(tmp_path, chunk):
    """Excel writes `1.234,5` for hours formatted with a thousands separator; with a decimal
    comma the dots group digits in threes. A number that does not group in threes is rejected."""
    rows = _rows(6)
    import numpy as np

    from conftest import run_cli
    for r in rows:
        r[8] = "1"  # no other decimal comma in the file: the grouped hours alone show it
    rows[0][9], rows[1][9], rows[2][9], rows[3][9] = "1.234,5", "1.000", "1.23,5", "1.999,75"
    rows[4][9] = rows[5][9] = "8"
    p = _dutch_csv(tmp_path / "hours.csv", rows)
    rs = load_records(p)
    assert "decimal comma (detected)" in rs.notes
    got = dict(zip(rs.frame["employee_id"], rs.frame["development_hours_12m"]))
    assert got == {"E1": 1234.5, "E2": 1000.0, "E4": 1999.75, "E5": 8.0, "E6": 8.0}
    assert list(rs.rejects["row"]) == [3] and set(rs.rejects["column"]) == {"development_hours_12m"}
    args = ["check", p, "--date", "2027-03-01", "--out", tmp_path / f"f{chunk}.csv"] + \
        (["--chunk-size", chunk] if chunk else [])
    r = run_cli(*args)
    assert r.exit_code == 0 and "6 rows read, 5 accepted, 1 rejected" in r.stderr, r.output
    # the other way round: a decimal point, commas grouping thousands
    from hpr_rules.records.validate import parse_numbers
    assert list(parse_numbers(pd.Series(["1,234.5", "12,345,678", "1,5", "1,2345"]), comma=False)[:2]) == \
        [1234.5, 12345678.0]
    assert np.isnan(parse_numbers(pd.Series(["1,5", "1,2345", "1.2.3"]), comma=False)).all()
    assert np.isnan(parse_numbers(pd.Series(["1.23,5", "1.234.5", ".123,4"]), comma=True)).all()


DUTCH = {"Personeelsnummer": "employee_id", "Geboortedatum": "birth_date", "Datum in dienst": "hire_date",
         "Functiecode": "function_code", "Datum in functie": "function_start_date", "Schaal": "salary_scale",
         "Fysiek zwaar": "physically_demanding", "Eenheid": "unit", "Deeltijdfactor": "fte",
         "Ontwikkeluren 12 mnd": "development_hours_12m", "Afdeling": "department"}


def test_excel_unicode_text_gives_the_findings_of_the_csv_export(tmp_path):
    """Excel's "Unicode-tekst" (UTF-16 LE, BOM, tabs, CRLF) with Dutch headers, dd-mm-jjjj and
    decimal commas: the same findings as the UTF-8 export, whole, in chunks and as a dataset."""
    rows = _rows(40)
    rows[7][8] = "0,8,5"  # not a number: rejected alike
    back = {v: k for k, v in DUTCH.items()}
    header = [back[h] for h in HEADER]
    m = tmp_path / "m.yaml"
    m.write_text("rename:\n" + "".join(f"  {k}: {v}\n" for k, v in DUTCH.items()), encoding="utf-8")
    (tmp_path / "u8").mkdir()
    (tmp_path / "u16").mkdir()
    u8 = tmp_path / "u8" / "export.csv"
    u8.write_bytes(("\n".join(";".join(r) for r in [header] + rows) + "\n").encode("utf-8"))
    u16 = tmp_path / "u16" / "export.txt"
    u16.write_bytes(("\ufeff" + "\r\n".join("\t".join(r) for r in [header] + rows) + "\r\n").encode("utf-16-le"))
    assert u16.read_bytes()[:4] == b"\xff\xfe" + "P".encode("utf-16-le")
    for extra in ([], ["--chunk-size", 7]):
        want = run("check", u8, "--mapping", m, "--date", "2027-03-01", *extra)
        got = run("check", u16, "--mapping", m, "--date", "2027-03-01", *extra)
        assert want.exit_code == got.exit_code == 0, got.output
        assert got.stdout == want.stdout and "0,8,5" in got.stdout
        assert "encoding utf-16-le (BOM)" in got.stderr and "delimiter tabs (detected)" in got.stderr
        assert "decimal comma (detected)" in got.stderr and "dd-mm-jjjj" in got.stderr
    sets = {}
    for d in ("u8", "u16"):
        r = run("check", str(tmp_path / d / "*.*"), "--mapping", m, "--date", "2027-03-01", "--out", tmp_path / f"o{d}")
        assert r.exit_code == 0, r.output
        sets[d] = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / f"o{d}").glob("part-*.parquet"))])
    pd.testing.assert_frame_equal(sets["u16"].reset_index(drop=True), sets["u8"].reset_index(drop=True))
