"""``hpr init``: a working folder with copies of the shipped drafts and scenarios."""

from __future__ import annotations

import click

from .common import note
from .main import cli


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
def init_cmd(directory):
    """Copy the shipped rule drafts (with tests and alternative drafts) and scenarios into DIRECTORY.

    Commands run inside DIRECTORY use its rules/ and scenarios/ instead of the
    shipped ones (a ./rules with a draft always wins; --rules DIR overrides both).
    Existing rules/ or scenarios/ folders are never overwritten.

    \b
    Example:
      hpr init concept-2027 && cd concept-2027
      hpr rules validate && hpr rules test
      hpr scenario run baseline --out report.html
    """
    from hpr_rules.shipped import init_folder
    for target in init_folder(directory):
        n = sum(1 for p in target.rglob("*.yaml"))
        click.echo(f"{target}/: {n} files")
    note(f"edit the drafts in {directory}/rules, then run hpr there (cd {directory})")
