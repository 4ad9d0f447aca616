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
