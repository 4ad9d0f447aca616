"""Helpers shared by the command modules: option types and output writing."""

from __future__ import annotations

import datetime as dt

import click


class DateType(click.ParamType):
    """An ISO calendar date ``YYYY-MM-DD``."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD (e.g. 2027-03-01)", param, ctx)


DATE = DateType()


def read_options(command):
    """``--delimiter --encoding --decimal --date-format --sheet --header-row --as-of`` on a command
    that reads a DATA file; they override the mapping and reach the command as ``read_flags``."""
    import functools

    from hpr_rules.records.schema import READ_SETTINGS

    @functools.wraps(command)
    def with_flags(*args, **kwargs):
        kwargs["read_flags"] = {k: kwargs.pop(k) for k in READ_SETTINGS}
        return command(*args, **kwargs)

    options = [
        click.option("--delimiter", help="CSV field delimiter: , ; | or tab (default: detected)."),
        click.option("--encoding", help="CSV encoding: utf-8 or cp1252 (default: detected on the whole file)."),
        click.option("--decimal", type=click.Choice([",", "."]), help="Decimal mark (default: detected)."),
        click.option("--date-format", help="Date format, e.g. '%d-%m-%Y' (default: ISO, or day first when certain)."),
        click.option("--sheet", help="XLSX sheet: name or 0-based index (default: the first visible sheet)."),
        click.option("--header-row", type=click.IntRange(min=1),
                     help="1-based line (CSV) or row (XLSX) of the header; title rows above it are skipped "
                          "(default: detected below a title block)."),
        click.option("--as-of", type=DATE, help="Day the data were exported (default: the newest event date in "
                                               "the file); hpr check warns when --date is far from it."),
    ]
    for option in reversed(options):
        with_flags = option(with_flags)
    return with_flags


def data_mapping(mapping, read_flags: dict, data="given"):
    """The mapping ``--data`` is read with: ``mapping`` (a path, a ColumnMapping or None) with
    the read flags applied. Flags without a data file to read are an error, never ignored."""
    from hpr_rules.errors import InputError
    from hpr_rules.records.mapping import mapping_with
    given = [f"--{k.replace('_', '-')}" for k, v in read_flags.items() if v is not None]
    if given and not data:
        raise InputError(f"{', '.join(given)} {'says' if len(given) == 1 else 'say'} how --data is read; "
                         "give --data FILE")
    return mapping_with(mapping, **read_flags)


def warn_data_dates(shown, records, days, mapping=None) -> None:
    """The warnings of ``hpr check`` about stale or future data (see
    :mod:`hpr_rules.records.asof`) for a command that evaluates ``records`` (read from
    ``shown``) on the reference dates ``days``: --date far from the export date (``as_of`` of
    the mapping or --as-of, else the newest event date), event dates after --date. Each line once."""
    from hpr_rules.records.asof import DataDates
    from hpr_rules.records.mapping import mapping_with
    as_of = getattr(mapping_with(mapping), "as_of", None)
    seen: list[str] = []
    for day in days:
        for line in DataDates(day).add(records).warnings(as_of):
            if line not in seen:
                seen.append(line)
                note(f"{shown}: warning: {line}")


def side_table_options(f):
    """``--dispensations`` and ``--absences``: the optional tables beside the records."""
    f = click.option("--absences", type=click.Path(dir_okay=False), default=None,
                     help="Documented absence periods (csv/xlsx/parquet: employee_id, start, end, kind "
                          "sick|parental|unpaid|other; empty end = ongoing).")(f)
    return click.option("--dispensations", type=click.Path(dir_okay=False), default=None,
                        help="Dispensations per rule (csv/xlsx/parquet: employee_id, rule_id, until, ground); "
                             "exemption_until in the records still exempts from every rule.")(f)


def with_side_tables(rs, rule_ids, dispensations=None, absences=None, mapping=None):
    """The record set with the side tables attached (read with the records' ``mapping``);
    their rejected rows are listed on stderr (they are not used)."""
    if not (dispensations or absences):
        return rs  # as it is: its frame is built only where a command needs it
    from hpr_rules.records.sidetables import with_side_tables as attach
    rs, tables = attach(rs, rule_ids, dispensations=dispensations, absences=absences, mapping=mapping)
    report_side_tables(tables)
    return rs


def report_side_tables(tables) -> None:
    """Each side table's rejected rows (not used), by row and, where a person finds it, line
    (CSV) or sheet row (XLSX), and its counts, on stderr."""
    if not tables:
        return
    import pandas as pd
    for t in tables:
        for _, r in t.rejects.iterrows():
            where = f"row {r['row']}" + ("" if pd.isna(r["line"]) else f" (line {r['line']})")
            click.echo(f"{t.source}: {where}: [{r['column']}] {r['message']} (value {r['value']!r}); row not used",
                       err=True)
        click.echo(f"{t.source}: {t.rows_read} rows read, {len(t.frame)} used, {t.rows_read - len(t.frame)} rejected",
                   err=True)


def verbosity() -> int:
    """-1 with ``hpr -q``, 0 by default, 1 and up with ``-v``."""
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().meta.get("hpr.verbosity", 0) if ctx else 0


def note(message: str) -> None:
    """A line for the person at the terminal (stderr): summaries, where output went. ``-q``
    silences it; errors and the lines that explain a non-zero exit are echoed directly."""
    if verbosity() >= 0:
        click.echo(message, err=True)


def data_path(value: str) -> str:
    """``-`` reads CSV from stdin (kept in a temporary file for the command's lifetime)."""
    if value != "-":
        return value
    import shutil
    import sys
    import tempfile
    from pathlib import Path
    ctx = click.get_current_context()
    tmp = Path(tempfile.mkdtemp(prefix="hpr-stdin-"))
    ctx.call_on_close(lambda: shutil.rmtree(tmp, ignore_errors=True))
    path = tmp / "stdin.csv"
    with open(path, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    kind = {b"PK\x03\x04": "an Excel workbook", b"PAR1": "a Parquet file"}.get(magic)
    if kind:
        from hpr_rules.errors import InputError
        raise InputError(f"stdin holds {kind}; `-` reads CSV only: give the file's name instead", file="-")
    return str(path)


def is_stdout(out) -> bool:
    """``-o -`` (or no --out) writes to stdout."""
    return out is None or str(out) == "-"


def complete_scenario(ctx, param, incomplete):
    """Shell completion of NAME|FILE: the scenario names, then files."""
    from click.shell_completion import CompletionItem

    from hpr_rules.shipped import scenario_names
    names = [CompletionItem(n) for n in scenario_names() if n.startswith(incomplete)]
    return names + [CompletionItem(incomplete, type="file")]


def complete_rule_id(ctx, param, incomplete):
    """Shell completion of a rule id, from the rules the command would read."""
    from click.shell_completion import CompletionItem

    from hpr_rules.errors import HprError
    from hpr_rules.language import default_rules_dir, load_rulebook
    try:
        ids = load_rulebook(ctx.params.get("rules_dir") or default_rules_dir()).ids()
    except HprError:
        return []
    return [CompletionItem(i) for i in ids if i.startswith(incomplete)]


def rejects_to(path, dataset: bool = False):
    """Where ``hpr check --rejects`` writes: a :class:`hpr_rules.scale.RejectsFile` to use as a
    context manager (it says where it wrote on leaving), or one giving None without a path."""
    import contextlib
    if not path:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def written():
        from hpr_rules.scale import RejectsFile
        with RejectsFile(path, dataset=dataset) as rf:
            yield rf
        note(f"rejected rows written to {path}: {rf.rows:,} line(s), one for each field that failed")
    return written()


def write_rejects(table, path) -> None:
    """A reject table (row, line, employee_id, column, value, message; :attr:`RecordSet.rejects`)
    written to ``path``, atomically: CSV, or XLSX, Parquet or JSON by extension."""
    with rejects_to(path) as rf:
        rf.add(table)
