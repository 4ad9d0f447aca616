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
