"""``hpr rules``: validate, show, test and diff rule drafts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import (DATE, complete_rule_id, data_mapping, data_path, is_stdout, note, read_options, side_table_options,
                     warn_data_dates, with_side_tables)
from .main import cli


@cli.group("rules")
def rules():
    """Rule drafts: validate, show, test and diff them.

    \b
    Examples:
      hpr rules validate rules/drafts/alt
      hpr rules show max_function_tenure --date 2028-01-01
      hpr rules test
      hpr rules diff rules/ rules/drafts/alt/ --data staff.csv --date 2029-01-01
      hpr rules timeline staff.csv --employee E000001 --from 2026-01-01 --to 2031-12-31
    """


def _book(directory):
    from hpr_rules.language import default_rules_dir, load_rulebook
    return load_rulebook(directory or default_rules_dir())


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--no-probe", is_flag=True, help="Skip the probing checks (unreachable exemptions, empty scope).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: FILE:LINE:COL: severity: message on stderr; json: a list of diagnostics on stdout.")
def validate(directory, no_probe, fmt):
    """Check a draft: schema, expressions, dated parameters, unreachable exemptions.

    Problems are printed as FILE:LINE:COL: severity: message. With --format json
    stdout is one JSON list of {file, line, column, severity, code, message,
    suggestion}. Exit 0 when clean (warnings and notes allowed), 2 on errors.

    \b
    Examples:
      hpr rules validate
      hpr rules validate rules/drafts/alt
      hpr rules validate --format json > diagnostics.json
    """
    import json

    from hpr_rules.drafts.checks import collect_diagnostics, has_errors
    from hpr_rules.language import default_rules_dir
    source = str(directory or default_rules_dir())
    diags = collect_diagnostics(source, probe=not no_probe)
    if fmt == "json":
        click.echo(json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2))
    else:
        for d in diags:
            click.echo(str(d), err=True)
    counts = {sev: sum(d.severity == sev for d in diags) for sev in ("error", "warning", "note")}
    if has_errors(diags):
        n = counts["error"]
        click.echo(f"{n} error{'s' if n > 1 else ''} in {source}", err=True)
        sys.exit(2)
    parts = [f"{counts[s]} {s}s" for s in ("warning", "note") if counts[s]]
    warn = f" ({', '.join(parts)})" if parts else ""
    n_files = len(list(Path(source).glob("*.yaml")))
    click.echo(f"{n_files} rule files OK in {source}{warn}", err=fmt == "json")


@rules.command("show")
@click.argument("rule_id", shell_complete=complete_rule_id)
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
    click.echo(render_rule(book.get(rule_id), day, lang, book.pension))


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
    click.echo(f"{n_all - n_fail} passed, {n_fail} failed: expectations (a case and one rule) of {len(cases)} "
               f"cases, each on the engines {', '.join(engines)}")
    if failed:
        sys.exit(1)


@rules.command("timeline")
@click.argument("data", type=click.Path())
@click.option("--employee", "employee_id", required=True, help="employee_id (personeelsnummer).")
@click.option("--from", "start", type=DATE, required=True, help="First day of the period.")
@click.option("--to", "end", type=DATE, required=True, help="Last day of the period.")
@click.option("--rule", "rule_ids", multiple=True, help="Only this rule (repeatable).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Rule draft directory.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Column-mapping YAML for an HR export.")
@side_table_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@read_options
def timeline_cmd(data, employee_id, start, end, rule_ids, rules_dir, mapping, dispensations, absences, fmt, lang,
                 read_flags):
    """One person's status per rule over time: each period, and why it begins.

    The data stay as they are; only the reference date moves day by day, so every
    change is caused by time: a due date that passes, a warning period, an
    exemption that starts or stops holding, a parameter that changes on a date.

    \b
    Examples:
      hpr rules timeline staff.csv --employee E000001 --from 2026-01-01 --to 2031-12-31
      hpr rules timeline staff.csv --employee E000001 --from 2027-01-01 --to 2029-12-31 --rule max_function_tenure
      hpr rules timeline staff.csv --employee E000001 --from 2026-01-01 --to 2030-12-31 --format json
    """
    import json

    from hpr_rules.drafts.timeline import render_text, timeline, to_dict
    from hpr_rules.records import load_records
    book = _book(rules_dir)
    for rid in rule_ids:
        book.get(rid)
    mapping = data_mapping(mapping, read_flags)
    rs = with_side_tables(load_records(data, mapping), book.ids(), dispensations, absences, mapping)
    warn_data_dates(data, rs, [start], mapping)  # the data describe the start of the period
    result = timeline(rs, book, employee_id, start, end, list(rule_ids) or None, lang)
    if fmt == "json":
        click.echo(json.dumps(to_dict(result), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(result, book, lang), nl=False)


def _dates(ctx, param, value):
    if not value:
        return None
    out = []
    for part in value.split(","):
        part = part.strip()
        try:
            out.append(DATE.convert(part, param, ctx))
        except click.BadParameter:
            raise click.BadParameter(f"{part!r} is not a date in the form YYYY-MM-DD", ctx, param) from None
    return sorted(set(out))


@rules.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--data", type=click.Path(), default=None,
              help="Personnel file (csv/xlsx/parquet; - for CSV on stdin). Default: a synthetic population of 5000.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Column-mapping YAML for an HR export.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic population (without --data).")
@click.option("--date", "day", type=DATE, default=None, help="Reference date D (default: today).")
@click.option("--dates", callback=_dates, default=None, metavar="D1,D2,...",
              help="Several reference dates, to see when the difference bites (instead of --date).")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default=None,
              help="md: readable report (default); json: everything; csv: one row per change.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write the diff here (default: stdout).")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when any employee changes status (for CI).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@side_table_options
@read_options
def diff(old, new, data, mapping, seed, day, dates, fmt, out, fail_on_change, lang, dispensations, absences, read_flags):
    """Who changes status between two drafts, from what to what, and why.

    OLD and NEW are rule directories or ``git:REV[:PATH]`` (read with git show,
    no checkout; PATH defaults to ``rules``). Each change is attributed to the one
    difference between the drafts (a parameter, the scope, an exemption, the norm,
    the dates) that reproduces it when applied alone to OLD, else "combination".

    \b
    Examples:
      hpr rules diff rules/ rules/drafts/alt/ --data staff.csv --date 2029-01-01
      hpr rules diff git:HEAD~1 rules/ --data staff.csv --dates 2027-01-01,2028-01-01,2029-01-01
      hpr rules diff rules/ rules/drafts/alt/ --format csv --out changes.csv
      hpr rules diff git:main rules/ --data staff.csv --fail-on-change
      hpr rules diff rules/ rules/drafts/alt/ --data staff.csv --absences absences.csv
      hpr rules diff rules/ rules/drafts/alt/ --data export.csv --delimiter ';' --date-format '%d-%m-%Y'
    """
    import datetime as dt
    import json
    from pathlib import Path

    from hpr_rules.drafts.diff import behavioural_diff, render_markdown
    from hpr_rules.drafts.gitsource import load_draft
    from hpr_rules.errors import InputError
    from hpr_rules.outputs import atomic_write
    from hpr_rules.reports.text import source_label

    if dates and day:
        raise InputError("give either --date or --dates, not both")
    out = None if is_stdout(out) else out
    days = dates or [day or dt.date.today()]
    mapping = data_mapping(mapping, read_flags, data)
    old_book, new_book = load_draft(old), load_draft(new)
    if data:
        from hpr_rules.records import load_records
        rs = load_records(data_path(data), mapping)
        warn_data_dates(data, rs, days, mapping)
        n_read, n_rej = rs.rows_read, len(rs.rejected_rows)
        frame = rs  # validated: its accepted rows are compared
        label = source_label("records", source=data, read=n_read, rejected=n_rej)[lang]
    else:
        from hpr_rules.records import generate_population
        frame = generate_population(5000, seed, reference_date=days[0])
        label = source_label("synthetic", n=5000, seed=seed, date=days[0].isoformat())[lang]
    if dispensations or absences:
        frame = with_side_tables(frame, sorted(set(old_book.ids()) | set(new_book.ids())), dispensations, absences,
                                 mapping if data else None)
    result = behavioural_diff(frame, old_book, new_book, days)
    result["population"] = label
    changes = result["changes"]
    fmt = fmt or (Path(out).suffix.lstrip(".").lower() if out and Path(out).suffix.lower() in (".json", ".csv") else "md")
    if fmt == "md":
        text = render_markdown(result, lang)
    elif fmt == "csv":
        text = changes.to_csv(index=False)
    else:
        payload = dict(result, changes=changes.to_dict(orient="records"))
        text = json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"
    if out:
        atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        note(f"diff written to {out}")
    else:
        click.echo(text, nl=False)
    n_emp = changes["employee_id"].nunique() if len(changes) else 0
    note(f"{len(changes)} status changes for {n_emp} employees on {len(days)} date(s); "
         f"{len(result['differences'])} differences between the drafts; population: {label}")
    if fail_on_change and len(changes):
        sys.exit(1)
