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
