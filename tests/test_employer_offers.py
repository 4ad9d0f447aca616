"""The employer's offers (development_offered, move_offered): read tri-state by the one reader,
and where the data say the employer made no offer the finding carries the reason no_offer."""

import pandas as pd
import pytest

from conftest import OFFERS_HEADER, D, run_cli
from hpr_rules.engines import evaluate
from hpr_rules.records import load_records, validate_frame

ROW = "E{i},1980-05-05,2010-01-01,,HHO-BEL,Belader,2020-03-01,5,true,DSB-HHO,,1,,0,,,vast,{dev},{move}\n"
WORDS = [("J", True), ("N", False), ("ja", True), ("nee", False), ("1", True), ("0", False),
         ("true", True), ("false", False), ("", None), ("Nee", False)]


def _csv(tmp_path, pairs, name="staff.csv"):
    p = tmp_path / name
    p.write_text(OFFERS_HEADER + "".join(ROW.format(i=i, dev=d, move=m) for i, (d, m) in enumerate(pairs)),
                 encoding="utf-8")
    return p


def test_yes_no_words_and_empty_read_as_three_values(tmp_path):
    rs = load_records(_csv(tmp_path, [(w, w) for w, _ in WORDS]))
    assert rs.rejects.empty
    for col in ("development_offered", "move_offered"):
        got = [None if pd.isna(v) else bool(v) for v in rs.frame[col]]
        assert got == [want for _, want in WORDS]


def test_a_word_that_is_not_yes_or_no_rejects_its_row_with_the_column(tmp_path):
    rs = load_records(_csv(tmp_path, [("ja", ""), ("misschien", "")]))
    assert len(rs.frame) == 1 and rs.rows_read == 2
    r = rs.rejects.iloc[0]
    assert (r["row"], r["column"], r["value"]) == (2, "development_offered", "misschien")
    assert "is not a yes/no value" in r["message"]


def test_without_the_columns_nobody_has_an_offer_and_the_findings_carry_no_reason(book):
    raw = pd.DataFrame([dict(employee_id="E1", birth_date="1980-05-05", hire_date="2010-01-01",
                             function_code="HHO-BEL", function_start_date="2020-03-01", salary_scale="5",
                             physically_demanding="ja", unit="DSB-HHO", fte="1", development_hours_12m="0")])
    rs = validate_frame(raw)
    assert rs.frame["move_offered"].isna().all() and rs.frame["development_offered"].isna().all()
    f = evaluate(rs.frame, book, D("2028-03-01"))
    assert set(f["reason"].astype(str)) <= {"", "no_pop"}


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_written_records_keep_the_unknown_offer_empty(tmp_path, ext):
    from hpr_rules.records.readers import write_records
    rs = load_records(_csv(tmp_path, [("ja", ""), ("", "nee")]))
    out = tmp_path / f"again.{ext}"
    write_records(rs.frame, out)
    again = load_records(out)
    for col in ("development_offered", "move_offered"):
        assert [None if pd.isna(v) else bool(v) for v in again.frame[col]] == \
               [None if pd.isna(v) else bool(v) for v in rs.frame[col]]


@pytest.mark.parametrize("engine", ["vector", "reference", "durable"])
def test_check_gives_no_offer_where_the_employer_made_none(tmp_path, engine):
    p = _csv(tmp_path, [("nee", "nee"), ("ja", "ja"), ("", "")])
    r = run_cli("check", p, "--date", "2028-03-01", "--engine", engine, "-o", tmp_path / "f.csv")
    assert r.exit_code == 0, r.output
    f = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False)
    reason = {(e, rid): why for e, rid, why in zip(f["employee_id"], f["rule_id"], f["reason"])}
    for rid in ("max_function_tenure", "development_obligation"):
        assert f.loc[f["rule_id"] == rid, "status"].eq("violation").all()
        assert (reason[("E0", rid)], reason[("E1", rid)], reason[("E2", rid)]) == ("no_offer", "", "")
