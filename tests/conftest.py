import datetime as dt
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the canonical header of a personnel CSV (shared/spec/data.md)
CSV_HEADER = ("employee_id,birth_date,hire_date,employment_end_date,function_code,function_title,function_start_date,"
              "salary_scale,physically_demanding,unit,department,fte,pop_date,development_hours_12m,sick_leave_start,"
              "exemption_until,contract_type\n")
#: the same with the employer's offers (development_offered, move_offered) at the end
OFFERS_HEADER = CSV_HEADER.rstrip("\n") + ",development_offered,move_offered\n"


def run_cli(*args):
    """``hpr ARGS`` through Click's CliRunner (arguments may be paths)."""
    from click.testing import CliRunner

    from hpr_cli.main import cli
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def check_loads_pandas(path, out) -> bool:
    """Whether ``hpr check PATH --out OUT``, run as the hpr script runs (a fresh interpreter),
    imports pandas."""
    import subprocess
    import sys
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('pandas' in sys.modules))\n"
            "from hpr_cli.main import main\n"
            "main()\n")
    run = subprocess.run([sys.executable, "-c", code, "-q", "check", str(path), "--date", "2027-03-01", "--out",
                          str(out)], capture_output=True, text=True, check=True)
    assert run.stdout.strip() in ("True", "False"), run.stderr
    return run.stdout.strip() == "True"


@pytest.fixture(scope="session")
def book():
    from hpr_rules.language import load_rulebook
    return load_rulebook(ROOT / "rules")


def record(**kw):
    """A valid in-scope record (defaults), with fields overridden by ``kw``."""
    import pandas as pd
    base = dict(
        employee_id="E1", birth_date="1980-05-05", hire_date="2010-01-01", employment_end_date=None,
        function_code="AFV01", function_title="Belader", function_start_date="2020-03-01", salary_scale=5,
        physically_demanding=True, unit="DSB-HHO", department=None, fte=1.0, pop_date=None,
        development_hours_12m=0.0, sick_leave_start=None, exemption_until=None, contract_type="vast",
    )
    base.update(kw)
    return base


def frame(*records):
    import pandas as pd
    from hpr_rules.records.schema import FIELD_TYPES, REQUIRED
    df = pd.DataFrame(list(records))
    for c, t in FIELD_TYPES.items():
        if c not in df.columns:  # an optional field a record leaves out (the employer's offers)
            continue
        if t == "date":
            df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
        elif t == "decimal":
            df[c] = df[c].astype("float64")
        elif t == "int":
            df[c] = df[c].astype("int64")
        elif t == "bool":
            df[c] = df[c].astype(bool if c in REQUIRED else "boolean")
        else:
            df[c] = df[c].astype(object)
    df["row"] = range(1, len(df) + 1)
    return df


def D(s):
    return dt.date.fromisoformat(s)
