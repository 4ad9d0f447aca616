"""``hpr report``: a readable report from a saved scenario result or a findings file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hpr_rules.errors import InputError

from .common import data_mapping, note, read_options
from .main import cli


@cli.command("report")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--out", type=click.Path(dir_okay=False), required=True, help="report.html, report.md or report.xlsx.")
@click.option("--data", type=click.Path(dir_okay=False), help="For findings: the personnel file, for per-unit tables.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Column mapping for --data.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--timestamp", default=None, help="Fix the 'generated at' stamp (byte-identical reports).")
@click.option("--year", type=int, default=None,
              help="For a comparison (a list of results): the year of the breakdowns per group (default: the last "
                   "year all scenarios simulate).")
@read_options
def report_cmd(file, out, data, mapping, lang, timestamp, year, read_flags):
    """Render a report from a scenario result (.json) or from hpr check findings (.csv/.parquet).

    \b
    Examples:
      hpr scenario run scenarios/baseline.yaml --out result.json
      hpr report result.json --out report.html
      hpr scenario compare baseline no_tenure_limit --out both.json && hpr report both.json --year 2029 --out both.md
      hpr check staff.csv --date 2027-03-01 --out findings.csv
      hpr report findings.csv --data staff.csv --out compliance.html
      hpr report findings.csv --data export.csv --delimiter ';' --encoding cp1252 --out compliance.html
    """
    from hpr_rules.reports import write_report
    from hpr_rules.reports.compliance import findings_report
    if read_flags.get("as_of"):
        raise InputError("--as-of has no effect on hpr report: the findings were made on their reference date by "
                         "hpr check, which warns when it lies far from the export date; give --as-of to hpr check")
    mapping = data_mapping(mapping, read_flags, data)
    p = Path(file)
    if not p.exists():
        raise InputError("file not found", file=file)
    if p.suffix.lower() == ".json":
        try:
            result = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"not a scenario result (invalid JSON: {exc.msg})", file=file, line=exc.lineno,
                             col=exc.colno) from None
        if not (isinstance(result, (dict, list)) and (isinstance(result, list) or "years" in result)):
            raise InputError("not a scenario result: expected the JSON written by `hpr scenario run --out x.json`",
                             file=file)
        write_report(result, out, lang=lang, timestamp=timestamp, year=year)
    else:
        findings_report(file, out, data=data, mapping=mapping, lang=lang, timestamp=timestamp)
    note(f"written: {out}")
