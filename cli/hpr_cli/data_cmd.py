"""``hpr data``: generate and validate personnel files."""

import click

from .main import cli


@cli.group("data")
def data():
    """Personnel records: generate a synthetic population, validate an export."""
