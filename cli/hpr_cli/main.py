"""Entry point of the ``hpr`` command line.

Library errors (:class:`hpr_rules.errors.HprError`) become one line on stderr and exit 2,
here and nowhere else.
"""

from __future__ import annotations

import sys

import click

from hpr_rules import __version__
from hpr_rules.errors import HprError


class HprGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HprError as exc:
            click.echo(f"hpr: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=HprGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hpr")
def cli():
    """hpr: the HPR employability interventions as testable rules.

    \b
    Three interventions (concept drafts) for physically demanding functions up to scale 7:
      development_obligation  doorontwikkelverplichting (24 h/year development)
      mandatory_pop           verplichting opstellen POP
      max_function_tenure     maximaliseren functieverblijftijd (7 years)

    \b
    Examples:
      hpr data generate --n 1000 --seed 1 --out staff.csv
      hpr check staff.csv --date 2027-03-01 --out findings.csv
      hpr explain staff.csv --employee E000001 --date 2027-03-01
      hpr scenario run scenarios/baseline.yaml --out report.html
    """


def _register():
    from . import check_cmd, data_cmd, init_cmd, rules_cmd  # noqa: F401  (commands register themselves)

    for mod in ("scenario_cmd", "report_cmd"):
        try:
            __import__(f"hpr_cli.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"hpr_cli.{mod}":
                raise


_register()
