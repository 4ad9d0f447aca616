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
    """``--delimiter --encoding --decimal --date-format --sheet --header-row`` on a command that
    reads a DATA file; they override the mapping and reach the command as ``read_flags``."""
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
        click.option("--sheet", help="XLSX sheet: name or 0-based index (default: the first)."),
        click.option("--header-row", type=click.IntRange(min=1),
                     help="1-based line (CSV) or row (XLSX) of the header; title rows above it are skipped."),
    ]
    for option in reversed(options):
        with_flags = option(with_flags)
    return with_flags


def side_table_options(f):
    """``--dispensations`` and ``--absences``: the optional tables beside the records."""
    f = click.option("--absences", type=click.Path(dir_okay=False), default=None,
                     help="Documented absence periods (csv/xlsx/parquet: employee_id, start, end, kind "
                          "sick|parental|unpaid|other; empty end = ongoing).")(f)
    return click.option("--dispensations", type=click.Path(dir_okay=False), default=None,
                        help="Dispensations per rule (csv/xlsx/parquet: employee_id, rule_id, until, ground); "
                             "exemption_until in the records still exempts from every rule.")(f)


def with_side_tables(rs, rule_ids, dispensations=None, absences=None):
    """The record set with the side tables attached; their rejected rows are listed on
    stderr (they are not used)."""
    from hpr_rules.records.sidetables import with_side_tables as attach
    rs, tables = attach(rs, rule_ids, dispensations=dispensations, absences=absences)
    for t in tables:
        for _, r in t.rejects.iterrows():
            click.echo(f"{t.source}:{r['row']}: [{r['column']}] {r['message']} (value {r['value']!r}); row not used",
                       err=True)
        click.echo(f"{t.source}: {t.rows_read} rows read, {len(t.frame)} used, {t.rows_read - len(t.frame)} rejected",
                   err=True)
    return rs
