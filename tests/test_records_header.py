"""The header of an export below a title block is found without `header_row`: the first line
(row) that holds the mapping's column names, said in what the reader detected; never a
guess when two lines hold them equally well."""

import openpyxl
import pandas as pd
import pytest

from conftest import run_cli
from hpr_rules.errors import InputError
from hpr_rules.records import load_records
from hpr_rules.records.mapping import mapping_with
from hpr_rules.records.sniff import find_header
from test_records_dutch import HEADER, _rows

TITLE = ["Personeelsoverzicht gemeente Den Haag;;;", "Dienst Stadsbeheer, afdeling HHO;;;", "Peildatum: 31-12-2026;;;"]
DAY = "2027-03-01"


def _csv(path, lines, encoding="cp1252"):
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _export(path, n=9, header=HEADER, title=TITLE):
    return _csv(path, title + [";".join(header)] + [";".join(r) for r in _rows(n)])


def test_csv_header_below_a_three_line_title_block(tmp_path):
    p = _export(tmp_path / "export.csv")
    rs = load_records(p)
    assert rs.rows_read == 9 and len(rs.rejects) == 0, rs.rejects
    assert "header on line 4 (detected)" in rs.notes
    assert list(rs.frame["employee_id"]) == [f"E{i}" for i in range(1, 10)]
    # the same as saying where the header is
    said = load_records(p, mapping_with(None, header_row=4))
    pd.testing.assert_frame_equal(said.frame, rs.frame)
    assert "header on line 4" in said.notes and "header on line 4 (detected)" not in said.notes


def test_cli_says_what_it_detected_and_streams_the_same(tmp_path):
    p = _export(tmp_path / "export.csv")
    whole = run_cli("check", p, "--date", DAY)
    assert whole.exit_code == 0, whole.output
    assert "header on line 4 (detected)" in whole.stderr and "9 rows read, 9 accepted, 0 rejected" in whole.stderr
    chunks = run_cli("check", p, "--date", DAY, "--chunk-size", 4)
    assert chunks.exit_code == 0 and chunks.stdout == whole.stdout
    assert "header on line 4 (detected)" in chunks.stderr


def test_a_rejected_line_keeps_its_physical_line_number(tmp_path):
    rows = [";".join(r) for r in _rows(5)]
    rows[2] = rows[2] + ';"unbalanced'
    p = _csv(tmp_path / "export.csv", TITLE + [";".join(HEADER)] + rows)
    rs = load_records(p)
    assert rs.rows_read == 5 and len(rs.rejected_rows) == 1
    assert "line 7" in rs.rejects["message"].iloc[0]


def test_header_names_of_the_mapping_are_found(tmp_path):
    export_names = ["001 Personeelsnummer" if h == "employee_id" else "Geboortedatum" if h == "birth_date" else h
                    for h in HEADER]
    p = _export(tmp_path / "export.csv", header=export_names)
    m = tmp_path / "m.yaml"
    m.write_text("rename:\n  001 Personeelsnummer: employee_id\n  Geboortedatum: birth_date\n", encoding="utf-8")
    rs = load_records(p, str(m))
    assert rs.rows_read == 9 and len(rs.rejects) == 0 and "header on line 4 (detected)" in rs.notes


def test_a_title_that_holds_one_column_name_is_not_the_header(tmp_path):
    p = _export(tmp_path / "export.csv", title=["unit;DSB-HHO;;", "peildatum;31-12-2026;;"])
    rs = load_records(p)
    assert rs.rows_read == 9 and "header on line 3 (detected)" in rs.notes


def test_two_lines_that_hold_the_header_equally_well_are_an_error(tmp_path):
    p = _csv(tmp_path / "export.csv", TITLE + [";".join(HEADER)] * 2 + [";".join(r) for r in _rows(3)])
    with pytest.raises(InputError, match=r"the header could be on line 4, 5: .*pass --header-row"):
        load_records(p)
    r = run_cli("check", p, "--date", DAY)
    assert r.exit_code == 2
    assert r.stderr.strip() == (f"hpr: error: {p}: the header could be on line 4, 5: each holds the same column names; "
                                "pass --header-row (or set header_row in the mapping) to say which")
    ok = run_cli("check", p, "--date", DAY, "--header-row", 5)
    assert ok.exit_code == 0 and "3 rows read, 3 accepted" in ok.stderr


def test_header_on_the_first_line_is_as_before(tmp_path):
    """A file that starts with its header, even one that repeats it further down, is read as always."""
    lines = [";".join(HEADER)] + [";".join(r) for r in _rows(4)] + [";".join(HEADER)]
    rs = load_records(_csv(tmp_path / "e.csv", lines), mapping_with(None, date_format="%d-%m-%Y", decimal=","))
    assert rs.rows_read == 5 and list(rs.rejected_rows["row"]) == [5]
    assert not any("header on line" in n for n in rs.notes)
    assert find_header([["", ""], ["a", "b"], ["a", "b"]], {"a", "b"}) == (1, [])
    assert find_header([["x"], ["a", "b", "c"]], {"a", "b"}) == (1, [])
    assert find_header([["x"], ["a", "q"]], {"a", "b"}) == (0, [])  # one name: no header found, the first line
    assert find_header([[""], [""]], {"a"}) == (None, [])


def _workbook(path, title_rows=3, duplicate=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Medewerkers"
    ws["A1"] = "Personeelsoverzicht gemeente Den Haag"
    ws.merge_cells("A1:K1")
    ws["A2"] = "Dienst Stadsbeheer"
    ws["A3"] = "Peildatum 31-12-2026"
    start = title_rows + 1
    headers = [HEADER] * (2 if duplicate else 1)
    for k, h in enumerate(headers):
        for j, name in enumerate(h, start=1):
            ws.cell(row=start + k, column=j, value=name)
    for i, r in enumerate(_rows(6), start=start + len(headers)):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    wb.save(path)
    return path


def test_xlsx_header_below_a_title_block(tmp_path):
    p = _workbook(tmp_path / "staff.xlsx")
    rs = load_records(p)
    assert rs.rows_read == 6 and len(rs.rejects) == 0, rs.rejects
    assert "sheet 'Medewerkers': header on row 4 (detected)" in rs.notes
    r = run_cli("data", "validate", p)
    assert r.exit_code == 0 and "6 rows read, 6 accepted, 0 rejected" in r.stdout
    assert "header on row 4 (detected)" in r.stderr
    bad = _workbook(tmp_path / "twice.xlsx", duplicate=True)
    with pytest.raises(InputError, match="worksheet 'Medewerkers': the header could be on row 4, 5"):
        load_records(bad)
    assert len(load_records(bad, mapping_with(None, header_row=5)).frame) == 6


def test_xlsx_without_sheet_reads_the_first_visible_sheet(tmp_path):
    """A hidden sheet in front (a lookup table) is not what HR sees when the workbook opens."""
    p = _workbook(tmp_path / "staff.xlsx")
    wb = openpyxl.load_workbook(p)
    for name, state in (("Hulp", "hidden"), ("Codes", "veryHidden")):
        ws = wb.create_sheet(name, 0)
        ws["A1"] = "lookup"
        ws.sheet_state = state
    wb.save(p)
    rs = load_records(p)
    assert rs.rows_read == 6 and len(rs.rejects) == 0, rs.rejects
    assert "sheet 'Medewerkers' (the first visible sheet; hidden: Codes, Hulp)" in "; ".join(rs.notes)
    # a hidden sheet is still read when asked for by name or index
    with pytest.raises(InputError, match="worksheet 'Codes' has no row 3"):
        load_records(p, mapping_with(None, sheet=0, header_row=3))
    r = run_cli("data", "validate", p)
    assert r.exit_code == 0 and "6 rows read, 6 accepted, 0 rejected" in r.stdout


def test_xlsx_dates_stored_as_excel_day_numbers(tmp_path):
    """A date column that lost its date format holds Excel's day numbers (45650 = 2024-12-24):
    one diagnosis naming the mapping line that reads them, and with it every date is right."""
    import datetime as dt
    p = _workbook(tmp_path / "staff.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["Medewerkers"]
    col = HEADER.index("function_start_date") + 1
    for i in range(5, 11):
        ws.cell(row=i, column=col, value=45650 + i)
    wb.save(p)
    rs = load_records(p)
    assert len(rs.rejects) == 6
    r = run_cli("data", "validate", p)
    assert ("function_start_date: 6 of 6 values look like Excel day numbers (e.g. '45655' = 2024-12-29); add "
            "`date_formats: {function_start_date: excel}` to the mapping") in r.output, r.output
    ws.cell(row=10, column=col, value=dt.datetime(2024, 12, 1))  # a real date cell beside them
    wb.save(p)
    m = tmp_path / "m.yaml"
    m.write_text("date_formats: {function_start_date: excel}\n", encoding="utf-8")
    rs = load_records(p, m)
    assert len(rs.rejects) == 0, rs.rejects
    got = [d.date() for d in rs.frame["function_start_date"]]
    assert got == [dt.date(2024, 12, 29) + dt.timedelta(days=k) for k in range(5)] + [dt.date(2024, 12, 1)]
    from hpr_rules.records.validate import parse_dates
    import pandas as pd
    out = parse_dates(pd.Series(["45650", "45650.0", "45650.5", "abc", "99999999999", "-3"]), "excel")
    assert str(out[0])[:10] == str(out[1])[:10] == "2024-12-24" and pd.isna(out[2:]).all()
