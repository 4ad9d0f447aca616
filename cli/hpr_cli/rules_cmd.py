"""``hpr rules``: validate, show, test and diff rule drafts."""

import click

from .main import cli


@cli.group("rules")
def rules():
    """Rule drafts: validate, show, test and diff them."""
