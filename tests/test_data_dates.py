"""Stale or future data: `hpr check` knows when the data were exported (`as_of`, `--as-of`,
else the newest event date in the file), warns when --date lies far from it, and counts
event dates after --date per column; those records are still checked, never rejected."""

import datetime as dt
import json

import pandas as pd
import pytest

from conftest import run_cli
from hpr_rules.records import generate_population, load_records, write_records
from hpr_rules.records.asof import STALE_DAYS, DataDates

DAY = "2027-03-01"


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    """40 records drawn on 2026-12-31; two POPs and one sick leave dated after 2027-03-01."""
    pop = generate_population(40, seed=4, reference_date=dt.date(2026, 12, 31)).drop(columns=["row"])
    pop["pop_date"] = pd.to_datetime(pop["pop_date"]).astype("datetime64[ns]")
    pop["sick_leave_start"] = pd.to_datetime(pop["sick_leave_start"]).astype("datetime64[ns]")
    pop.loc[3, "pop_date"] = pd.Timestamp("2027-04-15")
    pop.loc[7, "pop_date"] = pd.Timestamp("2027-03-02")
    pop.loc[7, "sick_leave_start"] = pd.Timestamp("2027-05-01")
    pop.loc[9, "sick_leave_start"] = pd.Timestamp("2027-06-01")
    d = tmp_path_factory.mktemp("staff")
    write_records(pop, d / "staff.csv")
    (d / "ds").mkdir()
    write_records(pop.iloc[:20].reset_index(drop=True), d / "ds" / "a.parquet")
    write_records(pop.iloc[20:].reset_index(drop=True), d / "ds" / "b.parquet")
    return d


FUTURE = ("3 records with a date after the reference date 2027-03-01: pop_date 2, sick_leave_start 2 "
          "(checked as they are)")


def warnings(stderr: str) -> list[str]:
    return [ln.split(": warning: ", 1)[1] for ln in stderr.splitlines() if ": warning: " in ln]


def test_future_dates_are_counted_per_column_and_checked(staff, tmp_path):
    r = run_cli("check", staff / "staff.csv", "--date", DAY, "--out", tmp_path / "f.csv", "--summary", tmp_path / "s.json")
    assert r.exit_code == 0, r.output
    assert warnings(r.stderr) == [FUTURE]
    assert "40 rows read, 40 accepted, 0 rejected" in r.stderr
    f = pd.read_csv(tmp_path / "f.csv", dtype=str)
    late = f[f["employee_id"].isin(["E000004", "E000008", "E000010"])]
    assert len(late) == 9 and "invalid" not in set(late["status"])
    s = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert s["warnings"] == [FUTURE]
    assert s["dates"]["dates_after_reference_date"] == {"pop_date": 2, "sick_leave_start": 2}
    assert s["dates"]["records_with_dates_after_reference_date"] == 3
    assert s["dates"]["export_date"] == "2027-06-01" and s["dates"]["export_date_from"] == \
        "the newest date in the file, sick_leave_start"
    assert (s["rows_read"], s["rows_accepted"], s["rows_rejected"]) == (40, 40, 0)
    assert sum(c["total"] for c in s["counts"]) == 120


def test_stale_data_warn_once_and_the_distance_is_configurable(staff, tmp_path):
    stale = "reference date 2028-12-01 is 549 days after the data's export date 2027-06-01 " \
            "(the newest date in the file, sick_leave_start); the data may be out of date"
    r = run_cli("check", staff / "staff.csv", "--date", "2028-12-01", "--out", tmp_path / "f.csv")
    assert r.exit_code == 0 and warnings(r.stderr) == [stale]
    r = run_cli("check", staff / "staff.csv", "--date", "2028-12-01", "--out", tmp_path / "f.csv", "--max-data-age", 600)
    assert warnings(r.stderr) == []
    early = run_cli("check", staff / "staff.csv", "--date", "2025-01-01", "--out", tmp_path / "f.csv")
    assert warnings(early.stderr)[0] == ("reference date 2025-01-01 is 881 days before the data's export date 2027-06-01 "
                                         "(the newest date in the file, sick_leave_start); the data describe a later moment")
    quiet = run_cli("-q", "check", staff / "staff.csv", "--date", "2028-12-01", "--out", tmp_path / "f.csv")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_as_of_from_the_mapping_and_the_flag(staff, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("as_of: 2026-01-31\n", encoding="utf-8")
    r = run_cli("check", staff / "staff.csv", "--mapping", m, "--date", DAY, "--out", tmp_path / "f.csv")
    assert warnings(r.stderr) == ["reference date 2027-03-01 is 394 days after the data's export date 2026-01-31 "
                                  "(as_of); the data may be out of date", FUTURE]
    r = run_cli("check", staff / "staff.csv", "--mapping", m, "--as-of", "2027-01-02", "--date", DAY,
                "--out", tmp_path / "f.csv")
    assert warnings(r.stderr) == [FUTURE]
    assert run_cli("check", staff / "staff.csv", "--as-of", "2027-13-01", "--date", DAY).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("as_of: gisteren\n", encoding="utf-8")
    r = run_cli("check", staff / "staff.csv", "--mapping", bad, "--date", DAY)
    assert r.exit_code == 2 and "bad.yaml:1:" in r.stderr and "as_of" in r.stderr


def test_streaming_and_a_dataset_say_the_same(staff, tmp_path):
    whole = run_cli("check", staff / "staff.csv", "--date", "2028-12-01", "--out", tmp_path / "w.csv",
                    "--summary", tmp_path / "w.json")
    chunks = run_cli("check", staff / "staff.csv", "--date", "2028-12-01", "--out", tmp_path / "c.csv",
                     "--chunk-size", 7, "--summary", tmp_path / "c.json")
    parts = run_cli("check", staff / "ds", "--date", "2028-12-01", "--out", tmp_path / "parts",
                    "--summary", tmp_path / "d.json")
    assert whole.exit_code == chunks.exit_code == parts.exit_code == 0, parts.output
    assert warnings(whole.stderr) == warnings(chunks.stderr) == warnings(parts.stderr)
    a, b, c = (json.loads((tmp_path / f"{k}.json").read_text(encoding="utf-8")) for k in "wcd")
    assert a["dates"] == b["dates"] == c["dates"] and a["counts"] == b["counts"] == c["counts"]


def test_data_dates_add_up_by_chunk(staff):
    rs = load_records(staff / "staff.csv")
    day = dt.date(2027, 3, 1)
    whole = DataDates(day).add(rs)
    frame = rs.frame
    parts = DataDates(day).add(frame.iloc[:13]).merged(DataDates(day).add(frame.iloc[13:]))
    assert parts == whole
    assert whole.after == {"pop_date": 2, "sick_leave_start": 2} and whole.records_after == 3
    assert DataDates(day).warnings() == [] and DataDates(day).export_date() == (None, "")
    assert DataDates(day).add(frame).warnings(dt.date(2027, 2, 1), STALE_DAYS) == [FUTURE]


def test_data_validate_says_when_the_data_were_exported(staff):
    r = run_cli("data", "validate", staff / "staff.csv")
    assert r.exit_code == 0
    assert "exported on 2027-06-01 (the newest date in the file, sick_leave_start)" in r.stderr
    r = run_cli("data", "validate", staff / "staff.csv", "--as-of", "2027-01-15")
    assert "exported on 2027-01-15 (as_of)" in r.stderr


STALE_2029 = ("reference date 2029-01-01 is 580 days after the data's export date 2027-06-01 "
              "(the newest date in the file, sick_leave_start); the data may be out of date")


def test_explain_and_rules_diff_warn_as_check_does(staff):
    """--as-of (and the export date found in the file) is used by every command that evaluates
    --data on a reference date, with the warning of `hpr check`."""
    from conftest import ROOT
    r = run_cli("explain", staff / "staff.csv", "--employee", "E000001", "--date", "2029-01-01")
    assert r.exit_code == 0, r.output
    assert warnings(r.stderr) == [STALE_2029]
    r = run_cli("explain", staff / "staff.csv", "--employee", "E000001", "--date", "2029-01-01", "--as-of", "2028-12-01")
    assert r.exit_code == 0 and warnings(r.stderr) == []
    diff = ("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--data", staff / "staff.csv")
    r = run_cli(*diff, "--dates", "2027-06-01,2029-01-01")
    assert r.exit_code == 0, r.output
    assert warnings(r.stderr) == [STALE_2029]
    r = run_cli(*diff, "--date", "2029-01-01", "--as-of", "2028-06-01")
    assert r.exit_code == 0 and warnings(r.stderr) == []
    r = run_cli("rules", "timeline", staff / "staff.csv", "--employee", "E000001", "--from", "2029-01-01",
                "--to", "2029-06-01")
    assert r.exit_code == 0 and warnings(r.stderr) == [STALE_2029]


def test_scenario_from_data_warns_on_its_reference_date(staff, tmp_path):
    from conftest import ROOT
    sc = tmp_path / "sc.yaml"
    text = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    sc.write_text(text, encoding="utf-8")
    from hpr_rules.scenarios import load_scenario
    ref = load_scenario(sc).model.reference_date
    args = ("scenario", "run", sc, "--data", staff / "staff.csv", "--runs", "1", "--out", tmp_path / "r.json")
    r = run_cli(*args, "--as-of", (ref - dt.timedelta(days=STALE_DAYS + 10)).isoformat())
    assert r.exit_code == 0, r.output
    assert [w for w in warnings(r.stderr) if "may be out of date" in w] == [
        f"reference date {ref} is {STALE_DAYS + 10} days after the data's export date "
        f"{ref - dt.timedelta(days=STALE_DAYS + 10)} (as_of); the data may be out of date"]
    r = run_cli("scenario", "breakeven", sc, "--vary", "mobility.advisor_capacity", "--low", "100", "--high", "200",
                "--steps", "1", "--data", staff / "staff.csv", "--runs", "1",
                "--as-of", (ref - dt.timedelta(days=STALE_DAYS + 10)).isoformat())
    assert r.exit_code == 0, r.output
    assert len([w for w in warnings(r.stderr) if "may be out of date" in w]) == 1  # once, not per value tried


def test_as_of_without_effect_is_an_error(staff, tmp_path):
    """hpr report groups findings that hpr check already made: --as-of would change nothing."""
    f = tmp_path / "f.csv"
    assert run_cli("check", staff / "staff.csv", "--date", DAY, "--out", f).exit_code == 0
    r = run_cli("report", f, "--data", staff / "staff.csv", "--as-of", "2027-01-01", "--out", tmp_path / "r.md")
    assert r.exit_code == 2 and "--as-of" in r.stderr and "hpr check" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "r.md").exists()


def test_readme_examples_check_the_synthetic_population_on_the_day_it_is_drawn_for():
    """The stale-data warning is right for real data; the README's examples draw the synthetic
    population for the dates they evaluate it on, so they run without it."""
    import re
    import shlex

    from conftest import ROOT
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    drawn: dict[str, dt.date] = {}
    checked = []
    for line in text.splitlines():
        for cmd in line.split("&&"):
            cmd = cmd.split("  #", 1)[0].strip()
            if not cmd.startswith("hpr "):
                continue
            words = shlex.split(cmd)
            opts = {w: words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("-")}
            if words[1:3] == ["data", "generate"]:
                drawn[opts.get("--out", opts.get("-o"))] = dt.date.fromisoformat(opts.get("--date", "2026-01-01"))
                continue
            data = opts.get("--data") or (words[2] if words[1] in ("check", "explain") else None)
            if words[1:3] == ["rules", "timeline"]:
                data = words[3]
            days = [opts[k] for k in ("--date", "--from") if k in opts] + \
                   (opts["--dates"].split(",") if "--dates" in opts else [])
            if data in drawn and days:
                checked.append(cmd)
                for d in days:
                    gap = abs((dt.date.fromisoformat(d) - drawn[data]).days)
                    assert gap <= STALE_DAYS, f"{cmd}: {data} is drawn for {drawn[data]}, {gap} days from {d}"
    assert len(checked) >= 8, checked
    assert re.search(r"hpr data generate .*--date 2027-03-01 .*--out staff\.csv", text)
