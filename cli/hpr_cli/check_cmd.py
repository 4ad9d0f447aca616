"""``hpr check`` (HR batch check) and ``hpr explain`` (one employee, step by step)."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from hpr_rules.engines import ENGINES
from hpr_rules.errors import InputError
from hpr_rules.outputs import FORMATS
from hpr_rules.records.asof import STALE_DAYS

from .common import (DATE, data_path, is_stdout, note, read_options, report_side_tables, side_table_options, verbosity,
                     warn_data_dates, with_side_tables, rejects_to, write_rejects)
from .main import cli, settle

RULES_OPT = click.option("--rules", "rules_dir", type=click.Path(file_okay=False), default=None,
                         help="Rule draft directory (default: ./rules, else the shipped drafts).")


#: records checked and written at a time by ``hpr check --out`` (CSV, Parquet): one part is
#: written while the next is checked, and only one part's findings are held (README, Benchmark)
PART_RECORDS = 100_000


def load_book(rules_dir):
    from hpr_rules.language import default_rules_dir, load_rulebook
    return load_rulebook(rules_dir or default_rules_dir())


def lean_arrow_memory() -> None:
    """Arrow's jemalloc allocator for this process where PyPI's pyarrow has it (Linux x86-64):
    it hands freed pages back, so the reader's temporary Arrow buffers do not stay resident
    beside the engine's arrays (peak memory of a check of 1,000,000 records about 12% lower,
    README, Benchmark). Arrow reads the choice when pyarrow loads, so only before that, and
    never over the user's own ARROW_DEFAULT_MEMORY_POOL."""
    import os
    import platform
    if sys.platform.startswith("linux") and platform.machine() == "x86_64" and "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")


def progress_for(total: int, label: str, minimum: int = 20000):
    """A progress bar on a terminal (stderr) for ``minimum`` steps or more, nothing otherwise."""
    if not sys.stderr.isatty() or total < minimum or verbosity() < 0:
        return None, None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    bar.__enter__()
    return bar, bar.update


@cli.command("check")
@click.argument("data", type=click.Path())
@click.option("--date", "day", type=DATE, default=None, help="Reference date D (default: today).")
@RULES_OPT
@click.option("--mapping", type=click.Path(dir_okay=False), help="Column-mapping YAML for an HR export.")
@click.option("-o", "--out", type=click.Path(), help="Write findings here (default: CSV to stdout); "
              "a directory for a dataset.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from --out's extension).")
@click.option("--rule", "rule_ids", multiple=True, help="Only this rule (repeatable).")
@click.option("--engine", type=click.Choice(ENGINES + ("dask",)), default="vector", show_default=True,
              help="vector is fast; durable runs durable_rules; reference is the traced interpreter; "
                   "dask runs the vector engine per Parquet file (optional extra [dask]).")
@click.option("--fail-on", type=click.Choice(["violation", "due_soon"]),
              help="Exit 1 when a finding has this status (due_soon also fails on violations).")
@click.option("--strict", is_flag=True, help="Exit 2 when any input row is rejected.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None,
              help="Stream a large CSV in chunks of this many rows (bounded memory; csv/parquet output).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="With --engine dask: the Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (default: "
                   "Dask's configuration, DASK_SCHEDULER_ADDRESS, else a local cluster of worker processes).")
@click.option("--max-data-age", type=click.IntRange(min=0), default=STALE_DAYS, show_default=True, metavar="DAYS",
              help="Warn when --date lies more than DAYS from the day the data were exported (--as-of).")
@click.option("--summary", "summary_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the summary (rows, counts per rule and status, warnings) as JSON to this file.")
@click.option("--rejects", "rejects_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the rejected input rows, one line per failure (row, line, employee_id, column, "
                   "value, message; a dataset's begin with the file), to this file: CSV, or .xlsx, .parquet, "
                   ".json by extension.")
@read_options
@side_table_options
def check(data, day, rules_dir, mapping, out, fmt, rule_ids, engine, fail_on, strict, chunk_size, scheduler,
          max_data_age, summary_out, rejects_out, read_flags, dispensations, absences):
    """Check a personnel file against the rules in force on a date.

    One row per employee and rule (status, reason, due date, days overdue,
    hours). Rejected rows appear with status ``invalid``, so nothing is lost.
    A summary goes to stderr. DATA ``-`` reads CSV from stdin.

    Warnings (stderr and the --summary JSON): --date far from the day the data were
    exported (--as-of, else the newest event date in the file), and records with an
    event date (a POP, a sick leave) after --date; such records are still checked.

    \b
    Examples:
      hpr check staff.csv --date 2027-03-01 -o findings.csv
      hpr data generate --n 100 --date 2027-03-01 -o - | hpr -q check - --date 2027-03-01 > findings.csv
      hpr check export.txt --mapping youforce_mapping.yaml --date 2027-03-01 --fail-on violation
      hpr check staff.parquet --engine durable --rule mandatory_pop --out pop.xlsx
      hpr check 'dataset/*.parquet' --engine dask --date 2027-03-01 --out findings/
      hpr check dataset/ --engine dask --scheduler tcp://10.0.0.5:8786 --date 2027-03-01 --out findings/
      hpr check big.csv --chunk-size 200000 --date 2027-03-01 --out findings.parquet
      hpr check staff.csv --dispensations dispensations.csv --absences absences.csv --date 2027-03-01
      hpr check big.csv --chunk-size 200000 --absences absences.csv --date 2027-03-01 --out findings.csv
      hpr check export.csv --as-of 2026-12-31 --date 2027-03-01 --summary summary.json
      hpr check big.csv --chunk-size 200000 --date 2027-03-01 -o findings.csv --rejects rejects.csv

    A directory or glob of Parquet files is checked file by file and written as
    partitioned Parquet findings into the --out directory, with a _SUCCESS file
    written last. --engine dask checks the files on a Dask cluster.

    --dispensations and --absences work the same whole, streamed and on a dataset;
    with --mapping they are read as that export (its id header, its date format).

    --rejects writes the reject table `hpr data validate --rejects` writes: the
    same rows whole, streamed (--chunk-size) and on a dataset, where each row
    also names its file.
    """
    lean_arrow_memory()
    first = _first_pass_now(data, mapping, read_flags, engine, out, fmt)
    from hpr_rules.engines import evaluate_findings, iter_findings
    from hpr_rules.findings import add_counts
    from hpr_rules.outputs import format_for, table_bytes, write_parts, write_table
    from hpr_rules.records import load_records

    from hpr_rules.records.mapping import mapping_with
    day = day or dt.date.today()
    mapping = mapping_with(mapping, **read_flags)
    book = load_book(rules_dir)
    settle()  # imports and rule models live to the end: no collection need search them again
    for rid in rule_ids:
        book.get(rid)  # unknown id -> clear error with a suggestion
    shown, data, out = data, data_path(data), None if is_stdout(out) else out
    from pathlib import Path

    from hpr_rules.outputs import refuse_input
    if scheduler and engine != "dask":
        raise InputError("--scheduler runs the checks on a Dask cluster; add --engine dask")
    dataset = _is_dataset(data, engine)
    from hpr_rules.records.sidetables import SideTables
    side = SideTables(book.ids(), dispensations, absences, mapping)
    if summary_out:
        refuse_input(summary_out, data, getattr(mapping, "file", None))
    if rejects_out:
        refuse_input(rejects_out, data, getattr(mapping, "file", None))
        if out and Path(out).absolute() == Path(rejects_out).absolute():
            raise InputError("--rejects and --out name the same file; write the rejected rows elsewhere",
                             file=rejects_out)
    report = Report(getattr(mapping, "as_of", None), max_data_age, summary_out)
    if dataset:
        return _check_dataset(data, day, book, mapping, out, rule_ids, engine, fail_on, strict, scheduler, report,
                              side, rejects_out)
    refuse_input(out, data, getattr(mapping, "file", None))
    if out and Path(out).is_dir():
        raise InputError("is a directory; the findings of one file go to a file (a dataset writes a directory)",
                         file=out)
    fmt = format_for(out, fmt)
    if out is None and fmt in ("xlsx", "parquet"):
        raise InputError(f"--format {fmt} needs --out FILE (binary output is not written to a terminal)")
    if chunk_size or _streams_parquet(data, mapping is not None, engine, fmt):
        # a typed Parquet file is checked batch by batch as Arrow: bounded memory, each part
        # written while the next is checked, the findings of the whole file
        return _check_stream(data, day, book, mapping, out, fmt, rule_ids, engine, fail_on, strict,
                             chunk_size or PART_RECORDS, report, side, first, rejects_out)
    rs = with_side_tables(load_records(data, mapping), book.ids(), dispensations, absences, mapping)
    bar, update = progress_for(rs.rows_accepted * len(rule_ids or book.ids()), "checking")
    employer = book.employer_reasons()
    try:
        if out and fmt in ("csv", "parquet"):  # written part by part while the next part is checked
            counts: dict = {}

            def parts():
                nonlocal counts
                for part in iter_findings(rs, book, day, engine=engine, rules=list(rule_ids) or None,
                                          progress=update, part_records=PART_RECORDS):
                    counts = add_counts(counts, part.counts(employer))
                    yield part
            write_parts(parts(), out, fmt)
        else:
            findings = evaluate_findings(rs, book, day, engine=engine, rules=list(rule_ids) or None,
                                         progress=update)
            counts = findings.counts(employer)
            if out:
                write_table(findings, out, fmt)
            else:
                click.echo(table_bytes(findings, fmt).decode("utf-8"), nl=False)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    from hpr_rules.records.asof import DataDates
    if rejects_out:
        write_rejects(rs.rejects, rejects_out)
    _report(shown, day, book, rs.rows_read, rs.rows_rejected, counts, out, strict, fail_on,
            rs.notes, rs.diagnoses, report.with_dates(DataDates(day).add(rs)))


def _is_dataset(data, engine) -> bool:
    """DATA is a directory or a glob of Parquet files, or goes to Dask: checked file by file."""
    from pathlib import Path
    return engine == "dask" or Path(data).is_dir() or any(c in str(data) for c in "*?[")


def _streams_parquet(data, has_mapping: bool, engine, fmt) -> bool:
    """A Parquet file read without a mapping, checked by the vector engine into CSV or Parquet
    findings: checked batch by batch as Arrow, whatever --chunk-size says."""
    from pathlib import Path
    return (not has_mapping and engine == "vector" and fmt in ("csv", "parquet")
            and str(data).lower().endswith(".parquet") and Path(data).is_file())


def _first_pass_now(data, mapping, read_flags, engine, out, fmt):
    """Where DATA is a Parquet file that will be checked batch by batch (:func:`_streams_parquet`;
    a read flag makes a mapping too), the first pass over it
    (:class:`hpr_rules.firstpass.FirstPass`) begun now in a second thread, while the rules load;
    else None. The options are checked later as always: this only looks ahead."""
    from hpr_rules.outputs import format_for
    try:
        fmt = format_for(None if is_stdout(out) else out, fmt)
    except InputError:
        return None  # said later, in its turn
    has_mapping = mapping is not None or any(v is not None for v in read_flags.values())
    if _is_dataset(data, engine) or not _streams_parquet(data, has_mapping, engine, fmt):
        return None
    from hpr_rules.firstpass import FirstPass  # light: the pass imports what it needs in its thread
    return FirstPass.start(data)


def _check_stream(data, day, book, mapping, out, fmt, rule_ids, engine, fail_on, strict, chunk_size, report,
                  side=None, first=None, rejects_out=None):
    from pathlib import Path

    from hpr_rules.firstpass import FirstPass
    from hpr_rules.scale import check_csv_stream, check_parquet_stream
    if engine != "vector":
        raise InputError("--chunk-size runs the vector engine; leave out --engine")
    if fmt not in ("csv", "parquet"):
        raise InputError("--chunk-size writes csv or parquet findings")
    parquet = mapping is None and str(data).lower().endswith(".parquet")
    size = Path(data).stat().st_size if Path(data).exists() else 0
    if parquet and size:
        first = first or FirstPass.start(data)
        try:
            total = first().rows
        except InputError:  # said by the check itself
            total = 0
    else:  # about 100 bytes a CSV line
        total = size // 100 if size > 50_000_000 else 0
    bar, update = progress_for(total, "rows")
    try:
        with rejects_to(rejects_out) as rejects:
            kw = dict(chunk_size=chunk_size, rules=list(rule_ids) or None, fmt=fmt, progress=update,
                      sink=None if out else sys.stdout.buffer, side=side or None, rejects=rejects and rejects.add)
            res = check_parquet_stream(data, book, day, out, first=first, **kw) if parquet else \
                check_csv_stream(data, book, day, out, mapping=mapping, **kw)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    report_side_tables(res.get("side_tables", []))
    _report(data, day, book, res["rows_read"], res["rows_rejected"], res["counts"], out, strict, fail_on,
            res["notes"], res["diagnoses"], report.with_dates(res["dates"]))


class Report:
    """What the summary of a check says beyond the counts: the data's export date (--as-of),
    how far --date may lie from it, where the JSON summary goes, and the records' dates."""

    def __init__(self, as_of, max_days: int, summary_out=None, dates=None):
        self.as_of, self.max_days, self.summary_out, self.dates = as_of, max_days, summary_out, dates

    def with_dates(self, dates) -> "Report":
        return Report(self.as_of, self.max_days, self.summary_out, dates)

    def warnings(self) -> list[str]:
        return self.dates.warnings(self.as_of, self.max_days) if self.dates is not None else []


def _report(data, day, book, read, rejected, counts, out, strict, fail_on, notes=(), diagnoses=(), report=None):
    """The summary on stderr (and as JSON with --summary); exit 2 (--strict) or 1 (--fail-on).
    ``counts``: rows per (rule_id, status), see :func:`hpr_rules.findings.summary_rows`."""
    from hpr_rules.findings import EMPLOYER_FAILING, summary_rows
    if notes:
        note(f"{data}: read with {'; '.join(notes)}")
    for line in diagnoses:
        click.echo(f"{data}: {line}", err=True)
    warnings = report.warnings() if report else []
    for line in warnings:
        note(f"{data}: warning: {line}")
    note(f"{data}: {read} rows read, {read - rejected} accepted, {rejected} rejected; "
         f"reference date {day.isoformat()}; rules {book.version()} from {book.source}")
    columns, rows = summary_rows(counts)
    note(text_table(columns, rows) if rows else "no records to check: no findings")
    if report and report.summary_out:
        _write_summary(report, data, day, book, read, rejected, rows, notes, diagnoses)
    if out:
        note(f"findings written to {out}")
    if strict and rejected:
        click.echo(f"hpr: error: {rejected} rows rejected (--strict); see `hpr data validate {data}`", err=True)
        sys.exit(2)
    if fail_on:
        cols = ["violation"] if fail_on == "violation" else ["violation", "due_soon"]
        # a finding's status, as in the findings file: the employer's failing is a violation too
        hits = sum(row.get(c, 0) for row in rows for c in cols + [EMPLOYER_FAILING])
        if hits:
            click.echo(f"{hits} findings with status {' or '.join(cols)} (--fail-on {fail_on})", err=True)
            sys.exit(1)


def text_table(columns, rows) -> str:
    """Rows (dicts) as a plain text table: the first column left-aligned, numbers right-aligned;
    the employer's failing under its label from the catalogue."""
    from hpr_rules.findings import EMPLOYER_FAILING
    heads = list(columns)
    if EMPLOYER_FAILING in heads:  # the catalogue comes with the report renderer: only where needed
        from hpr_rules.reports.text import LABELS
        heads = [LABELS["en"][c] if c == EMPLOYER_FAILING else c for c in columns]
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(heads)]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))
    return "\n".join([line(heads), *(line(r) for r in cells)])


def _write_summary(report, data, day, book, read, rejected, rows, notes, diagnoses):
    from pathlib import Path

    from hpr_rules.outputs import atomic_write
    payload = {
        "data": str(data), "reference_date": day.isoformat(), "rules": book.version(),
        "rows_read": int(read), "rows_accepted": int(read - rejected), "rows_rejected": int(rejected),
        "counts": [dict(row) for row in rows],
        "read_with": list(notes), "diagnoses": list(diagnoses),
        "dates": report.dates.to_dict(report.as_of, report.max_days) if report.dates is not None else None,
        "warnings": report.warnings(),
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    atomic_write(report.summary_out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    note(f"summary written to {report.summary_out}")


def _check_dataset(data, day, book, mapping, out, rule_ids, engine, fail_on, strict, scheduler=None, report=None,
                   side=None, rejects_out=None):
    import os
    from pathlib import Path

    from hpr_rules.scale import check_dataset, input_files
    if not out:
        raise InputError("a dataset (directory or glob of Parquet files) needs --out DIRECTORY for the findings")
    if Path(out).suffix and not str(out).endswith(("/", os.sep)):
        raise InputError(f"a dataset's findings are a directory of parts, one per input file; give --out a "
                         f"directory (no suffix, or ending in '/'), not {out!r}")
    if engine not in ("vector", "dask"):
        raise InputError(f"--engine {engine} runs on single files; use vector or dask for a dataset")
    files = input_files(data)
    if rejects_out:
        from hpr_rules.outputs import refuse_input
        refuse_input(rejects_out, *files)
    bar, update = progress_for(len(files), "files", minimum=2)
    try:
        with rejects_to(rejects_out, dataset=True) as rejects:
            res = check_dataset(data, book, day, out, rules=list(rule_ids) or None, mapping=mapping,
                                use_dask=engine == "dask", scheduler=scheduler, progress=update, side=side or None,
                                rejects=rejects and rejects.add)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    report_side_tables(res.get("side_tables", []))
    note(f"{data}: {res['files']} files, one findings part each in {str(out).rstrip('/')}/")
    _report(data, day, book, res["rows_read"], res["rows_rejected"], res["counts"], None, strict, fail_on,
            report=report and report.with_dates(res["dates"]))


@cli.command("explain")
@click.argument("data", type=click.Path())
@click.option("--employee", "employee_id", required=True, help="employee_id (personeelsnummer).")
@click.option("--date", "day", type=DATE, default=None, help="Reference date D (default: today).")
@click.option("--rule", "rule_ids", multiple=True, help="Only this rule (repeatable).")
@RULES_OPT
@click.option("--mapping", type=click.Path(dir_okay=False), help="Column-mapping YAML for an HR export.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@read_options
@side_table_options
def explain_cmd(data, employee_id, day, rule_ids, rules_dir, mapping, fmt, lang, read_flags, dispensations,
                absences):
    """Explain, step by step, why one employee gets the outcome they get.

    Every step of the decision order with the article, the values used, the
    parameters in force and the computed dates and hours. DATA ``-`` reads CSV from stdin.

    \b
    Examples:
      hpr explain staff.csv --employee E000001 --date 2027-03-01
      hpr explain staff.csv --employee E000001 --rule max_function_tenure --lang en
      hpr explain staff.csv --employee E000001 --format json
      hpr explain staff.csv --employee E000001 --absences absences.csv
    """
    from hpr_rules.explain import explain, render_text, to_dict
    from hpr_rules.records import load_records

    day = day or dt.date.today()
    book = load_book(rules_dir)
    for rid in rule_ids:
        book.get(rid)
    from hpr_rules.records.mapping import mapping_with
    mapping = mapping_with(mapping, **read_flags)
    rs = with_side_tables(load_records(data_path(data), mapping), book.ids(), dispensations, absences, mapping)
    warn_data_dates(data, rs, [day], mapping)
    traces = explain(rs, book, day, employee_id, list(rule_ids) or None)
    if fmt == "json":
        click.echo(json.dumps(to_dict(traces), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(traces, lang), nl=False)
