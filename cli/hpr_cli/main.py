"""Entry point of the ``hpr`` command line.

Library errors (:class:`hpr_rules.errors.HprError`) become one line on stderr and exit 2,
here and nowhere else.
"""

from __future__ import annotations

import gc
import sys

import click

from hpr_rules import __version__
from hpr_rules.errors import HprError


_OWN_PROCESS = False


def main() -> None:
    """The ``hpr`` script: :func:`cli` in a process of its own, which ends with the command.
    What is alive at the end is frozen (:func:`gc.freeze`) so that the interpreter's last
    collections need not search numpy's, pyarrow's and the rule models' objects (about 70 ms
    of every run); see also :func:`settle`."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    import atexit
    atexit.register(gc.freeze)
    cli(prog_name="hpr")


def settle() -> None:
    """Say that what is alive now (imports, the rules) lives to the end of the process: later
    collections do not search it again (:func:`gc.freeze`). Only in the ``hpr`` script's own
    process (:func:`main`); a caller that runs commands in its own process (CliRunner) keeps
    its garbage collection as it was."""
    if _OWN_PROCESS:
        gc.freeze()


class HprGroup(click.Group):
    def invoke(self, ctx):
        import time
        start = time.perf_counter()
        try:
            out = super().invoke(ctx)
        except HprError as exc:
            click.echo(f"hpr: error: {exc}", err=True)
            if ctx.meta.get("hpr.verbosity", 0) > 0:
                import traceback
                click.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
            sys.exit(2)
        if ctx.meta.get("hpr.verbosity", 0) > 0:
            click.echo(f"hpr: done in {time.perf_counter() - start:.2f} s", err=True)
        return out


@click.group(cls=HprGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hpr")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr: no summaries, notes or progress bars.")
@click.option("-v", "--verbose", count=True, help="More on stderr: the time taken, the traceback of an error.")
@click.pass_context
def cli(ctx, quiet, verbose):
    """hpr: the HPR employability interventions as testable rules.

    The rules (the development obligation, the mandatory POP and the maximum function
    tenure, as concept drafts) are YAML files: `hpr rules show RULE` prints one as a lawyer
    reads it, with its article and the parameters in force on a date.

    \b
    Examples:
      hpr data generate --n 1000 --seed 1 --out staff.csv
      hpr check staff.csv --date 2027-03-01 --out findings.csv
      hpr explain staff.csv --employee E000001 --date 2027-03-01
      hpr scenario run baseline -o report.html
      hpr -q check staff.csv --date 2027-03-01 -o findings.csv

    \b
    Shell completion (bash; zsh and fish alike with zsh_source, fish_source):
      eval "$(_HPR_COMPLETE=bash_source hpr)"
    """
    ctx.meta["hpr.verbosity"] = -1 if quiet else verbose


def _register():
    from . import check_cmd, data_cmd, init_cmd, rules_cmd  # noqa: F401  (commands register themselves)

    for mod in ("scenario_cmd", "report_cmd"):
        try:
            __import__(f"hpr_cli.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"hpr_cli.{mod}":
                raise


_register()
