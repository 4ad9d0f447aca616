"""The reject table says where HR finds a rejected record: ``row`` counts records below the
header (the contract), ``line`` is the physical line of a CSV (title and header lines
counted, a multi-line record by its first line) or the sheet row of a workbook; Parquet has
no lines. Whole-file and chunked reading give the same table."""

import openpyxl
import pandas as pd
import pytest

from conftest import run_cli
from hpr_rules.records import generate_population, load_records, open_source, validate_frame
from hpr_rules.records.readers import to_canonical_text, write_records

TITLE = ["Personeelsoverzicht gemeente Den Haag", "Peildatum: 2026-12-31", ""]


def _records(n=6):
    return to_canonical_text(generate_population(n, seed=3))


def _bad_csv(path):
    """A 3-line title block, header on line 4; record 1 spans lines 5-6 (a quoted title with
    a line break), an empty line 8, and record 4 (line 10) has salary_scale 99."""
    t = _records()
    t.loc[0, "function_title"] = "Medewerker\nafvalinzameling"
    t.loc[3, "salary_scale"] = "99"
    body = t.to_csv(index=False, lineterminator="\n")
    lines = body.split("\n")
    assert lines[1].count('"') == 1  # the quoted field opens on one line and closes on the next
    out = TITLE + [lines[0], lines[1], lines[2], lines[3], "", *lines[4:]]
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def _chunked(path, size):
    src = open_source(path)
    parts = [validate_frame(frame, source=str(path)).rejects for frame in src.frames(size)]
    return pd.concat([r for r in parts if len(r)] or parts[:1], ignore_index=True)


def _same(a, b):
    """The same failures, row and line (the text dtype of employee_id may differ by path)."""
    a, b = (x.astype(object) for x in (a, b))
    pd.testing.assert_frame_equal(a.where(a.notna(), None), b.where(b.notna(), None))


def test_csv_line_counts_title_block_and_multi_line_records(tmp_path):
    p = _bad_csv(tmp_path / "export.csv")
    physical = p.read_text(encoding="utf-8").split("\n")
    rs = load_records(p)
    assert rs.rows_read == 6
    rej = rs.rejects
    assert list(rej["row"]) == [4] and list(rej["line"]) == [10]
    assert physical[10 - 1].startswith(rej["employee_id"].iloc[0] + ",")  # the line a person sees
    for size in (1, 2, 4):
        _same(_chunked(p, size), rej)


def test_csv_unreadable_line_keeps_its_line(tmp_path):
    p = _bad_csv(tmp_path / "export.csv")
    text = p.read_text(encoding="utf-8").split("\n")
    text[6] = text[6] + ",extra,fields"  # record 2, line 7: too many fields
    p.write_text("\n".join(text), encoding="utf-8")
    rej = load_records(p).rejects
    got = rej.set_index("row")["line"].to_dict()
    assert got == {2: 7, 4: 10}
    assert "line 7 " in rej.loc[rej["row"] == 2, "message"].iloc[0]
    _same(_chunked(p, 1), rej)


def test_xlsx_line_is_the_sheet_row(tmp_path):
    t = _records()
    t.loc[3, "salary_scale"] = "99"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Personeel"
    for title in ("Personeelsoverzicht gemeente Den Haag", "Peildatum: 2026-12-31", None, None, None):
        ws.append([title])
    ws.append(list(t.columns))  # header on sheet row 6
    for i, rec in enumerate(t.itertuples(index=False)):
        if i == 2:
            ws.append([])  # an empty sheet row 9 between the records
        ws.append(list(rec))
    p = tmp_path / "export.xlsx"
    wb.save(p)
    rej = load_records(p).rejects
    assert list(rej["row"]) == [4] and list(rej["line"]) == [11]
    assert openpyxl.load_workbook(p)["Personeel"].cell(11, 1).value == rej["employee_id"].iloc[0]
    for size in (1, 3):
        _same(_chunked(p, size), rej)


def test_parquet_has_no_line(tmp_path):
    frame = generate_population(4, seed=3)
    frame.loc[1, "salary_scale"] = 99
    p = tmp_path / "staff.parquet"
    write_records(frame, p)
    rej = load_records(p).rejects
    assert list(rej["row"]) == [2] and rej["line"].isna().all()


@pytest.mark.parametrize("name", ["export.csv", "export.xlsx"])
def test_cli_validate_shows_and_writes_the_line(tmp_path, name):
    p = _bad_csv(tmp_path / "export.csv")
    if name.endswith("xlsx"):  # the same records in a workbook without a title block: row + 1
        rs = load_records(p)
        write_records(rs.frame.drop(columns=["row"]), tmp_path / "ok.xlsx")
        wb = openpyxl.load_workbook(tmp_path / "ok.xlsx")
        wb.active.cell(5, list(rs.frame.columns).index("salary_scale") + 1).value = 99
        wb.save(tmp_path / name)
        p, want = tmp_path / name, "5"
    else:
        want = "10"
    out = tmp_path / "rejects.csv"
    r = run_cli("data", "validate", p, "--rejects", out)
    assert r.exit_code == 0, r.output
    header = next(ln for ln in r.output.splitlines() if ln.startswith("row"))
    assert header.split()[:2] == ["row", "line"]
    shown = next(ln for ln in r.output.splitlines() if "salary_scale must be" in ln)
    assert shown.split()[1] == want
    table = pd.read_csv(out, dtype=str)
    assert list(table.columns[:2]) == ["row", "line"] and list(table["line"]) == [want]
