from pathlib import Path

import pandas as pd
import pytest

from hpr_rules.errors import InputError
from hpr_rules.records import load_mapping, load_records

ROOT = Path(__file__).resolve().parents[1]
EX_MAP = ROOT / "examples" / "youforce_mapping.yaml"
EX_DATA = ROOT / "examples" / "youforce_export.csv"


def test_shipped_example_round_trip():
    rs = load_records(EX_DATA, EX_MAP)
    assert rs.rows_read == 12 and len(rs.frame) == 12, rs.rejects
    f = rs.frame
    assert f.loc[0, "employee_id"] == "E000001"
    assert f.loc[0, "birth_date"] == pd.Timestamp("1966-12-21")
    assert f.loc[0, "fte"] == pytest.approx(0.6667)
    assert f["physically_demanding"].dtype == bool
    assert "099 Kostenplaats" not in f.columns
    assert any("é" in str(t) for t in f["function_title"])  # cp1252 declared in the mapping


def test_packaged_mapping_equals_example():
    pkg = ROOT / "src" / "hpr_rules" / "records" / "data" / "youforce_mapping.yaml"
    assert pkg.read_text() == EX_MAP.read_text()


def _map(tmp_path, text):
    p = tmp_path / "m.yaml"
    p.write_text(text)
    return p


def test_mapping_column_not_in_file(tmp_path):
    m = _map(tmp_path, 'delimiter: "|"\nrename:\n  001 Personeelsnumer: employee_id\n')
    with pytest.raises(InputError) as e:
        load_records(EX_DATA, m)
    msg = str(e.value)
    assert "m.yaml:3" in msg and "001 Personeelsnumer" in msg and "did you mean '001 Personeelsnummer'" in msg
    assert "youforce_export.csv" in msg


def test_mapping_schema_errors_have_lines(tmp_path):
    m = _map(tmp_path, "decimal: ','\nrename:\n  A: employe_id\n")
    with pytest.raises(InputError) as e:
        load_mapping(m)
    assert "m.yaml:3" in str(e.value) and "did you mean 'employee_id'" in str(e.value)
    m = _map(tmp_path, "decimal: ';'\n")
    with pytest.raises(InputError, match="m.yaml:1"):
        load_mapping(m)
    m = _map(tmp_path, "units:\n  fte: liters\n")
    with pytest.raises(InputError, match="m.yaml:2"):
        load_mapping(m)


def test_units_booleans_per_column_dates_defaults(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text(
        "id;geb;indienst;func;infunctie;schaal;zwaar;eenheid;dtf;minuten;pop\n"
        "7;05-05-1980;01-01-2010;HHO-BEL;2020/03/01;5;Y;DSB-HHO;80;90;\n"
        "8;05-05-1980;01-01-2010;HHO-BEL;2020/03/01;5;nee;;100,0;60;01-02-2025\n")
    m = _map(tmp_path, """
decimal: ","
date_format: "%d-%m-%Y"
date_formats: {function_start_date: "%Y/%m/%d"}
booleans: {"true": ["Y"], "false": ["nee"]}
rename: {id: employee_id, geb: birth_date, indienst: hire_date, func: function_code,
         infunctie: function_start_date, schaal: salary_scale, zwaar: physically_demanding,
         eenheid: unit, dtf: fte, minuten: development_hours_12m, pop: pop_date}
units: {fte: percent, development_hours_12m: minutes}
defaults: {unit: DSB-HSO}
constants: {contract_type: vast}
""")
    rs = load_records(data, m)
    assert len(rs.frame) == 2, rs.rejects
    f = rs.frame
    assert list(f["fte"]) == [0.8, 1.0]
    assert list(f["development_hours_12m"]) == [1.5, 1.0]
    assert list(f["physically_demanding"]) == [True, False]
    assert list(f["unit"]) == ["DSB-HHO", "DSB-HSO"]
    assert list(f["contract_type"]) == ["vast", "vast"]
    assert f.loc[0, "function_start_date"] == pd.Timestamp("2020-03-01")
    assert f.loc[1, "pop_date"] == pd.Timestamp("2025-02-01")


def test_dutch_date_error_message(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("employee_id,birth_date,hire_date,function_code,function_start_date,salary_scale,"
                    "physically_demanding,unit,fte,development_hours_12m\n"
                    "E1,1980/05/05,01-01-2010,X,01-01-2010,5,J,U,1,0\n")
    m = _map(tmp_path, 'date_format: "%d-%m-%Y"\n')
    rs = load_records(data, m)
    assert rs.rejects.loc[0, "message"] == "date 1980/05/05 is not a valid date (expected DD-MM-YYYY)"
