"""``hpr rules``: validate, show, test and diff rule drafts."""

from __future__ import annotations

import sys

import click

from hpr_rules.errors import RuleError

from .common import DATE
from .main import cli


@cli.group("rules")
def rules():
    """Rule drafts: validate, show, test and diff them."""


def _book(directory):
    from hpr_rules.language import default_rules_dir, load_rulebook
    return load_rulebook(directory or default_rules_dir())


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--no-probe", is_flag=True, help="Skip the probing checks (unreachable exemptions, empty scope).")
def validate(directory, no_probe):
    """Check a draft: schema, expressions, dated parameters, unreachable exemptions.

    Errors are printed as FILE:LINE:COL: message. Exit 0 when clean (warnings
    allowed), 2 on errors.

    \b
    Examples:
      hpr rules validate
      hpr rules validate rules/drafts/alt
    """
    from hpr_rules.drafts.checks import check_rulebook_static
    try:
        book = _book(directory)
    except RuleError as exc:
        click.echo(f"{exc.location()}: error: {exc.message}", err=True)
        sys.exit(2)
    findings = [] if no_probe else check_rulebook_static(book)
    for f in findings:
        click.echo(str(f), err=True)
    errors = [f for f in findings if f.severity == "error"]
    n = len(book.rules) + 1
    if errors:
        click.echo(f"{len(errors)} errors in {book.source}", err=True)
        sys.exit(2)
    warn = f" ({len(findings)} warnings)" if findings else ""
    click.echo(f"{n} rule files OK in {book.source}{warn}")


@rules.command("show")
@click.argument("rule_id")
@click.option("--date", "day", type=DATE, default=None, help="Show the parameters in force on this date (default: today).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Rule draft directory.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
def show(rule_id, day, rules_dir, lang):
    """Show a rule as a lawyer reads it: article, parameters in force, legal basis, aim.

    \b
    Examples:
      hpr rules show development_obligation --date 2028-06-01
      hpr rules show max_function_tenure --lang en
    """
    import datetime as dt

    from hpr_rules.drafts.show import render_rule
    day = day or dt.date.today()
    book = _book(rules_dir)
    click.echo(render_rule(book.get(rule_id), day, lang))


@rules.command("test")
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Rule draft directory.")
@click.option("--engine", type=click.Choice(["all", "vector", "durable", "reference"]), default="all",
              show_default=True, help="all: every engine must give the expected outcome.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
def test(path, rules_dir, engine, lang):
    """Run rule test cases (YAML); show expected vs actual and the trace of failures.

    PATH is a test file or a directory of them (default: rules/tests next to the
    rules). Exit 1 when a case fails.

    \b
    Examples:
      hpr rules test
      hpr rules test rules/tests/mandatory_pop.yaml
      hpr rules test --rules rules/drafts/alt --engine vector
    """
    from pathlib import Path

    from hpr_rules.drafts.testcases import format_failure, load_cases, run_cases
    book = _book(rules_dir)
    cases = load_cases(path or Path(book.source) / "tests")
    engines = ("vector", "durable", "reference") if engine == "all" else (engine,)
    results = run_cases(cases, book, engines)
    failed = [r for r in results if not r.ok]
    seen = set()
    for r in failed:
        key = (id(r.case), r.rule_id)
        if key in seen:
            continue
        seen.add(key)
        click.echo(format_failure(r, book, lang))
        click.echo("")
    n_fail = len({(id(r.case), r.rule_id) for r in failed})
    n_all = len({(id(r.case), r.rule_id) for r in results})
    click.echo(f"{n_all - n_fail} passed, {n_fail} failed ({len(cases)} cases, engines: {', '.join(engines)})")
    if failed:
        sys.exit(1)
