"""A rejected row of a side table (dispensations, absences) says where HR finds it, as the
records' reject table does: ``row`` (rows below the header) and ``line`` (the physical CSV
line, the sheet row; empty for Parquet and frames). A CSV line that cannot be split is
rejected with the reader's message, never used with the fields it happens to hold."""

import openpyxl
import pandas as pd
import pytest

from conftest import CSV_HEADER, ROOT, run_cli
from hpr_rules.records.sidetables import load_absences, load_dispensations

RULES = ["development_obligation", "mandatory_pop", "max_function_tenure"]


def _rows(t):
    return [(r["row"], None if pd.isna(r["line"]) else int(r["line"]),
             None if pd.isna(r["employee_id"]) else r["employee_id"], r["column"])
            for _, r in t.rejects.iterrows()]


def test_csv_rows_carry_their_physical_line(tmp_path):
    p = tmp_path / "absences.csv"
    p.write_text("employee_id,start,end,kind\n"
                 "E1,2025-09-01,2026-04-30,sick\n"
                 "\n"  # an empty line: not a row, but a line
                 'E1,2026-06-01,,"long\nkind"\n'  # a row over two lines
                 "E2,2026-06-01,2026-05-01,sick\n"
                 "E3,01-06-2026,,sick\n", encoding="utf-8")
    t = load_absences(p, ["E1", "E2", "E3"])
    assert _rows(t) == [(2, 4, "E1", "kind"), (3, 6, "E2", "end"), (4, 7, "E3", "start")]
    assert t.rejects["line"].dtype == "Int64" and list(t.frame["line"]) == [2]


def test_a_broken_line_is_rejected_with_the_readers_message_not_used(tmp_path):
    """The id and dates stand before the unbalanced quote: known, but the row is not used
    (before, an empty end would have made it an absence still going on)."""
    p = tmp_path / "absences.csv"
    p.write_text("employee_id,start,kind,end\n"
                 "E1,2025-09-01,sick,2025-10-01\n"
                 'E2,2025-09-01,sick,"2025-10-01\n'
                 "E3,2025-09-01,sick,2025-09-30,extra\n", encoding="utf-8")
    t = load_absences(p, ["E1", "E2", "E3"])
    assert list(t.frame["employee_id"]) == ["E1"]
    rej = t.rejects
    assert _rows(t) == [(2, 3, "E2", "(line)"), (3, 4, None, "(line)")]
    assert rej["message"].iloc[0].startswith("line 3, column 20: unbalanced quote")
    assert rej["value"].iloc[0] == 'E2,2025-09-01,sick,"2025-10-01'
    assert rej["message"].iloc[1] == "line 4 has 5 fields, the header has 4"


def test_sheet_rows_and_parquet_and_frames(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["employee_id", "rule_id", "until", "ground"])
    ws.append(["E1", "mandatory_pop", "2029-12-31", "hardheidsclausule"])
    ws.append([None, None, None, None])  # an empty sheet row: skipped, still counted by Excel
    ws.append(["E1", "mandatory_popp", "2029-12-31", "x"])
    x = tmp_path / "disp.xlsx"
    wb.save(x)
    assert _rows(load_dispensations(x, RULES)) == [(2, 4, "E1", "rule_id")]
    frame = pd.DataFrame({"employee_id": ["E1", "E2"], "rule_id": ["mandatory_pop", "nope"],
                          "until": pd.to_datetime(["2029-12-31", "2029-12-31"]), "ground": ["x", "y"]})
    q = tmp_path / "disp.parquet"
    frame.to_parquet(q)
    assert _rows(load_dispensations(q, RULES)) == [(2, None, "E2", "rule_id")]
    t = load_dispensations(frame, RULES)
    assert _rows(t) == [(2, None, "E2", "rule_id")] and t.source == "<frame>"
    assert t.frame["until"].iloc[0] == pd.Timestamp("2029-12-31")


@pytest.mark.parametrize("chunk", [[], ["--chunk-size", "1"]])
def test_check_names_the_line_of_a_rejected_side_row(tmp_path, chunk):
    staff = tmp_path / "staff.csv"
    staff.write_text(CSV_HEADER + "E1,1980-05-05,2010-01-01,,AFV01,Belader,2015-03-01,5,true,DSB-HHO,,1.0,,0,,,vast\n",
                     encoding="utf-8")
    disp = tmp_path / "disp.csv"
    disp.write_text("employee_id,rule_id,until,ground\n\nE1,mandatory_popp,2029-12-31,x\n", encoding="utf-8")
    r = run_cli("check", staff, "--date", "2027-03-01", "--rules", ROOT / "rules", "--dispensations", disp, *chunk)
    assert r.exit_code == 0, r.output
    assert "disp.csv: row 1 (line 3): [rule_id] no rule 'mandatory_popp'" in r.stderr


def test_the_id_header_is_matched_as_the_mapping_matches_headers(tmp_path):
    from hpr_rules.errors import InputError
    from hpr_rules.records import ColumnMapping
    m = ColumnMapping(rename={"001 Personeelsnummer": "employee_id"})
    p = tmp_path / "absences.csv"
    p.write_text("  001 PERSONEELSNUMMER ,start,end,kind\nE1,2025-09-01,,sick\nE1,2025-09-01,,unknown\n",
                 encoding="utf-8")
    t = load_absences(p, ["E1"], mapping=m)
    assert list(t.frame["employee_id"]) == ["E1"] and _rows(t) == [(2, 3, "E1", "kind")]
    p.write_text("001 PERSONEELSNUMMER,001 personeelsnummer,start,end,kind\nE1,E1,2025-09-01,,sick\n",
                 encoding="utf-8")
    with pytest.raises(InputError, match="'001 PERSONEELSNUMMER' and '001 personeelsnummer', which differ only by case"):
        load_absences(p, ["E1"], mapping=m)


def test_only_the_id_header_of_the_mapping_is_looked_for(tmp_path):
    """Other headers the records' mapping names may stand in a side table twice in two cases:
    the table does not use them."""
    from hpr_rules.records import ColumnMapping
    m = ColumnMapping(rename={"PersNr": "employee_id", "Eenheid": "unit"})
    p = tmp_path / "absences.csv"
    p.write_text("persnr,Eenheid,EENHEID,start,end,kind\nE1,a,b,2025-09-01,,sick\n", encoding="utf-8")
    t = load_absences(p, ["E1"], mapping=m)
    assert list(t.frame["employee_id"]) == ["E1"] and not len(t.rejects)
