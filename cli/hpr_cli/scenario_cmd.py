"""``hpr scenario``: run, compare and sweep what-if scenarios."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hpr_rules.errors import InputError, ScenarioError

from .common import complete_scenario, data_mapping, note, read_options, verbosity
from .main import cli

OUT_KINDS = (".json", ".xlsx", ".html", ".md")


def _progress(total, label):
    if not sys.stderr.isatty() or verbosity() < 0:
        return None, None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    bar.__enter__()
    return bar, bar.update


def _check_out(out):
    """Refuse an --out we cannot write before any projection runs."""
    if out is None:
        return
    ext = Path(out).suffix.lower()
    if ext not in OUT_KINDS:
        raise InputError(f"cannot tell what to write from {ext or '(no extension)'!r}; use one of {', '.join(OUT_KINDS)}",
                         file=str(out))
    parent = Path(out).parent
    if str(parent) and not parent.exists():
        raise InputError("output directory does not exist", file=str(parent))


def _write(result_or_results, out, lang, timestamp, year=None):
    from hpr_rules.reports import write_report
    from hpr_rules.scenarios import write_result_json
    ext = Path(out).suffix.lower()  # checked by _check_out before the projection ran
    if ext == ".json":
        write_result_json(result_or_results, out)
    else:
        write_report(result_or_results, out, lang=lang, timestamp=timestamp, year=year)


def _check_year(files, year):
    """Refuse a --year that not every scenario simulates before any projection runs."""
    from hpr_rules.reports.compare import compare_year
    from hpr_rules.scenarios import load_scenario
    from hpr_rules.scenarios.model import simulated_years
    from hpr_rules.shipped import find_scenario
    return compare_year([simulated_years(load_scenario(find_scenario(f)).model) for f in files], year)


def _check_setting(file, key):
    """--set names a scenario setting or RULE.PARAM of the scenario's draft (else a usage error naming --set)."""
    from hpr_rules.errors import did_you_mean
    from hpr_rules.language import default_rules_dir, load_rulebook
    from hpr_rules.scenarios import load_scenario
    from hpr_rules.scenarios.settings import setting_kind
    from hpr_rules.shipped import find_scenario
    if setting_kind(key) == "scenario":
        return
    sc = load_scenario(find_scenario(file))
    book = load_rulebook(sc.resolve(sc.model.rules.directory) or default_rules_dir())

    def hint(name, choices):
        return did_you_mean(name, choices, otherwise=f"; choose from {', '.join(sorted(choices))}")
    parts = key.split(".")
    if len(parts) != 2:
        raise click.BadParameter(f"unknown setting {key!r}: expected a scenario setting (mobility.advisor_capacity) "
                                 "or RULE.PARAM", param_hint="--set")
    rule_id, param = parts
    if rule_id not in book.ids():
        raise click.BadParameter(f"no rule {rule_id!r}{hint(rule_id, book.ids())}", param_hint="--set")
    params = book.get(rule_id).model.parameters
    if param not in params:
        raise click.BadParameter(f"rule {rule_id} has no parameter {param!r}{hint(param, params)}", param_hint="--set")


def _parse_set(setting):
    from hpr_rules.scenarios.settings import parse_value
    try:
        key, values = setting.split("=", 1)
        vals = [parse_value(v) for v in values.split(",") if v.strip()]
    except ValueError:
        vals = []
    if not vals or not key.strip():
        raise click.BadParameter("expected KEY=V1,V2,... e.g. mobility.advisor_capacity=150,250 or "
                                 "RULE.PARAM=5,7,10", param_hint="--set")
    return key.strip(), vals


def _verdict_lines(result, lang="nl"):
    from hpr_rules.reports.text import verdict_sentences
    return verdict_sentences(result, lang)


def _cluster(scheduler):
    """A Dask client for --scheduler, closed when the command ends (None without --scheduler)."""
    if not scheduler:
        return None
    from hpr_rules.cluster import connect
    return click.get_current_context().with_resource(connect(scheduler))


def _executor(client, progress, years):
    """Replications as tasks on the cluster of ``client``; the bar moves as each one returns."""
    from hpr_rules.cluster import ClusterMap
    return ClusterMap(client, progress=progress and (lambda k: progress(k * years)))


def _data_mapping(sc, data, mapping, read_flags):
    """The mapping the population file (--data, else the scenario's file) is read with: the
    read flags applied to --mapping, else to the scenario's mapping."""
    if not read_flags or all(v is None for v in read_flags.values()):
        return mapping
    pop = sc.model.population
    base = mapping or (sc.resolve(pop.mapping) if pop.mapping else None)
    return data_mapping(base, read_flags, data or pop.file)


def _run(path, data, mapping, seed, runs, timestamp, label=None, settings=None, name=None, tornado=None,
         client=None, read_flags=None):
    from hpr_rules.scenarios import load_scenario, run_scenario
    from hpr_rules.scenarios.settings import apply_settings
    from hpr_rules.shipped import find_scenario
    sc = load_scenario(find_scenario(path))
    mapping = _data_mapping(sc, data, mapping, read_flags)
    if settings:
        sc = apply_settings(sc, settings)
    if name:
        sc.model = sc.model.model_copy(update={"name": f"{sc.model.name} [{name}]"})
    horizon = sc.model.horizon_years * (runs or sc.model.runs)
    bar, update = _progress(horizon, label or f"{sc.model.name[:30]}")
    try:
        executor = client and _executor(client, update, sc.model.horizon_years)
        result = run_scenario(sc, data=data, mapping=mapping, seed=seed, runs=runs, timestamp=timestamp,
                              progress=None if executor else update, executor=executor, tornado=tornado)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    _warn_once(data or sc.resolve(sc.model.population.file), result.data_warnings)
    return result


def _warn_once(source, lines) -> None:
    """Warnings about the population file, each once per command (a sweep runs it many times)."""
    shown = click.get_current_context().find_root().meta.setdefault("hpr.data_warnings", set())
    for line in lines:
        if line not in shown:
            shown.add(line)
            note(f"{source}: warning: {line}")


COMMON = [
    click.option("--data", type=click.Path(dir_okay=False), help="Personnel file instead of the embedded population."),
    click.option("--mapping", type=click.Path(dir_okay=False), help="Column mapping for --data."),
    click.option("--seed", type=int, default=None, help="Seed of the simulation (default: the scenario's)."),
    click.option("--runs", type=click.IntRange(1, 1000), default=None,
                 help="Replications with consecutive seeds (default: the scenario's, 20); headline numbers are "
                      "medians with P10-P90 bands."),
    click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True),
    click.option("--timestamp", default=None, help="Fix the 'generated at' stamp (byte-identical reports)."),
    click.option("--scheduler", metavar="ADDRESS", default=None,
                 help="Run the replications on a Dask cluster, one task each (e.g. tcp://10.0.0.5:8786; 'local': "
                      "a local cluster of worker processes; extra [dask]). Same results as without."),
]


def common(f):
    """The options every scenario command takes, and the read flags of --data (``read_flags``)."""
    f = read_options(f)
    for opt in reversed(COMMON):
        f = opt(f)
    return f


@cli.group("scenario")
def scenario():
    """What-if scenarios: multi-year projection and feasibility verdict.

    \b
    Examples:
      hpr scenario run scenarios/baseline.yaml --out report.html
      hpr scenario compare scenarios/baseline.yaml scenarios/no_tenure_limit.yaml --out compare.html
      hpr scenario sweep scenarios/baseline.yaml --set max_function_tenure.max_years=5,7,10
    """


SCENARIO_ARG = click.argument("file", metavar="NAME|FILE", shell_complete=complete_scenario)


@scenario.command("run")
@SCENARIO_ARG
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="report.html, report.md, result.xlsx or result.json.")
@click.option("--tornado/--no-tornado", default=None,
              help="Also vary each of the scenario's sensitivity.settings (default: sensitivity.enabled).")
@common
def run_cmd(file, out, tornado, data, mapping, seed, runs, lang, timestamp, scheduler, read_flags):
    """Project a scenario year by year and judge its feasibility.

    NAME is a shipped scenario (baseline, no_tenure_limit, tenure_10_years,
    development_40_hours; ./scenarios/NAME.yaml wins), FILE a scenario file.
    Without --data it runs on the embedded synthetic population.

    \b
    Examples:
      hpr scenario run baseline
      hpr scenario run scenarios/baseline.yaml --out report.html
      hpr scenario run scenarios/baseline.yaml --runs 5 --out result.json
      hpr scenario run scenarios/baseline.yaml --tornado --out report.html
      hpr scenario run baseline --runs 200 --scheduler tcp://10.0.0.5:8786 --out result.json
      hpr scenario run scenarios/tenure_10_years.yaml --data staff.csv --lang en --out report.md
      hpr scenario run baseline --data export.csv --delimiter ';' --date-format '%d-%m-%Y'
    """
    _check_out(out)
    from hpr_rules.reports.text import year_table
    result = _run(file, data, mapping, seed, runs, timestamp, tornado=tornado, client=_cluster(scheduler),
                  read_flags=read_flags)
    for line in _verdict_lines(result, lang):
        click.echo(line)
    click.echo("")
    click.echo(year_table(result, lang))
    if out:
        _write(result, out, lang, timestamp)
        note(f"written: {out}")


@scenario.command("compare")
@click.argument("files", metavar="NAME|FILE...", nargs=-1, required=True, shell_complete=complete_scenario)
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="One report (.html/.md/.xlsx/.json) with all scenarios.")
@click.option("--year", type=int, default=None,
              help="Year of the breakdowns per group, the same for every scenario (default: the last year all "
                   "scenarios simulate).")
@common
def compare_cmd(files, out, year, data, mapping, seed, runs, lang, timestamp, scheduler, read_flags):
    """Run several scenarios on the same population and put them side by side in one
    report: a verdict table with a column per scenario, charts with the scenarios next
    to each other, and the breakdowns per group of one common year.

    \b
    Examples:
      hpr scenario compare scenarios/baseline.yaml scenarios/tenure_10_years.yaml scenarios/no_tenure_limit.yaml
      hpr scenario compare scenarios/*.yaml --out compare.html
      hpr scenario compare baseline no_tenure_limit --year 2029 --out compare.xlsx
      hpr scenario compare baseline no_tenure_limit --data export.xlsx --sheet Medewerkers --header-row 3
    """
    from hpr_rules.reports.text import comparison_table
    if len(files) < 2:
        raise ScenarioError("compare needs at least two scenario files")
    _check_out(out)
    year = _check_year(files, year)
    client = _cluster(scheduler)
    results = [_run(f, data, mapping, seed, runs, timestamp, client=client, read_flags=read_flags) for f in files]
    click.echo(comparison_table(results, lang, year))
    if out:
        _write(results, out, lang, timestamp, year)
        note(f"written: {out}")


@scenario.command("sweep")
@SCENARIO_ARG
@click.option("--set", "setting", required=True, metavar="KEY=V1,V2,...",
              help="A scenario setting (mobility.*, dynamics.*, hours.*, costs.*, criteria.*) or RULE.PARAM, "
                   "and the values to try.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="One report (.html/.md/.xlsx/.json) with every value.")
@common
def sweep_cmd(file, setting, out, data, mapping, seed, runs, lang, timestamp, scheduler, read_flags):
    """Run one scenario for a range of values of one setting.

    \b
    Examples:
      hpr scenario sweep scenarios/baseline.yaml --set max_function_tenure.max_years=5,7,10
      hpr scenario sweep scenarios/baseline.yaml --set mobility.advisor_capacity=150,250,400 --runs 10
      hpr scenario sweep scenarios/baseline.yaml --set dynamics.hires.fill_rate=0.8,0.95 --out sweep.html
      hpr scenario sweep baseline --set mobility.advisor_capacity=100,200,400,800 --scheduler local
    """
    from hpr_rules.reports.text import comparison_table
    key, vals = _parse_set(setting)
    _check_out(out)
    _check_setting(file, key)
    client = _cluster(scheduler)
    results = [_run(file, data, mapping, seed, runs, timestamp, label=f"{key}={v}", settings={key: v}, client=client,
                    read_flags=read_flags, name=f"{key} = {v:g}" if isinstance(v, (int, float)) else f"{key} = {v}") for v in vals]
    click.echo(comparison_table(results, lang))
    if out:
        _write(results, out, lang, timestamp)
        note(f"written: {out}")


@scenario.command("breakeven")
@SCENARIO_ARG
@click.option("--vary", "key", required=True, metavar="KEY",
              help="The numeric setting to search, e.g. mobility.advisor_capacity.")
@click.option("--low", type=float, required=True, help="Lowest value to try.")
@click.option("--high", type=float, required=True, help="Highest value to try.")
@click.option("--criterion", default=None, help="Criterion id to reach (default: the whole verdict).")
@click.option("--steps", type=click.IntRange(1, 20), default=6, show_default=True, help="Bisection steps.")
@click.option("--integer/--no-integer", default=None, help="Search whole numbers (default: when both ends are).")
@common
def breakeven_cmd(file, key, low, high, criterion, steps, integer, data, mapping, seed, runs, lang, timestamp,
                  scheduler, read_flags):
    """Find the value of one setting from which the verdict (or one criterion) holds.

    Bisection on the share of runs in which it holds: both ends are run first; a
    setting that works against the verdict (a cost) is searched the other way round.

    \b
    Examples:
      hpr scenario breakeven scenarios/baseline.yaml --vary mobility.advisor_capacity --low 100 --high 2000
      hpr scenario breakeven scenarios/baseline.yaml --vary mobility.vacancy_rate --low 0 --high 0.5 --criterion moves_within_vacancies --runs 10
    """
    from hpr_rules.scenarios import load_scenario
    from hpr_rules.scenarios.breakeven import breakeven
    from hpr_rules.shipped import find_scenario
    _check_setting(file, key)
    sc = load_scenario(find_scenario(file))
    mapping = _data_mapping(sc, data, mapping, read_flags)
    whole = integer if integer is not None else (low.is_integer() and high.is_integer())
    client = _cluster(scheduler)
    out = breakeven(sc, key, low, high, criterion=criterion, steps=steps, integer=whole, runs=runs, seed=seed,
                    data=data, mapping=mapping, executor=client and _executor(client, None, 0))
    _warn_once(data or sc.resolve(sc.model.population.file), out["data_warnings"])
    for row in out["tried"]:
        click.echo(f"{key} = {row['value']:g}: {row['share']:.0%} of runs hold"
                   f"{' (verdict holds)' if row['holds'] else ''}")
    if out["value"] is None:
        click.echo(f"no value of {key} between {low:g} and {high:g} makes "
                   f"{criterion or 'the verdict'} hold in {out['min_share']:.0%} of the runs")
    else:
        click.echo(f"break-even: {key} = {out['value']:g}")
