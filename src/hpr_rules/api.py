"""The library in a few verbs, for notebooks and scripts (``import hpr_rules as hpr``).

>>> import hpr_rules as hpr
>>> staff = hpr.generate_population(50, seed=1)
>>> findings = hpr.check(staff, "2027-03-01")
>>> len(findings) == 50 * len(hpr.load_rules().rules)
True

Every verb validates what it is given the way a file is validated (rejected rows come
back as ``invalid`` findings), takes dates as :class:`datetime.date`, :class:`datetime.datetime`
or ISO text, and reads the rules as the command line does (see :mod:`hpr_rules.shipped`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence, Union

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from .engines.reference import Trace
    from .language import RuleBook
    from .records import RecordSet
    from .scenarios import LoadedScenario

DateLike = Union[dt.date, dt.datetime, str]
Records = Union["pd.DataFrame", "RecordSet", str, Path]
Rules = Union["RuleBook", str, Path, None]
#: a table beside the records (dispensations, absences): a file path or a DataFrame
SideTable = Union["pd.DataFrame", str, Path, None]


def as_date(value: DateLike, what: str = "date") -> dt.date:
    """A calendar date from a date, a datetime (its day) or ``YYYY-MM-DD`` text."""
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{value!r} is not a date in the form YYYY-MM-DD (e.g. 2027-03-01)", key=what) from None
    raise InputError(f"expected a date (datetime.date, datetime or 'YYYY-MM-DD'), not {type(value).__name__}",
                     key=what)


def load_rules(path: Rules = None) -> RuleBook:
    """A rule draft: the one commands use by default (``./rules``, else the shipped drafts),
    a directory, a directory under the default one (``"drafts/alt"``), or ``git:REV[:PATH]``.
    A loaded :class:`RuleBook` is returned as it is."""
    from .language import RuleBook, default_rules_dir, load_rulebook
    if isinstance(path, RuleBook):
        return path
    if path is None:
        return load_rulebook(default_rules_dir())
    from .drafts.gitsource import load_draft
    p = Path(path)
    if not str(path).startswith("git:") and not p.is_dir() and not p.is_absolute():
        under = default_rules_dir() / p
        if under.is_dir():
            return load_rulebook(under)
    return load_draft(str(path))


def generate_population(n: int, seed: int = 1, reference_date: DateLike = "2026-01-01") -> pd.DataFrame:
    """``n`` synthetic personnel records shaped like the programme's target group (the record
    contract, typed); the same seed gives the same frame."""
    from .records import generate_population as generate
    return generate(n, seed, reference_date=as_date(reference_date, "reference_date"))


def check(data: Records, date: DateLike | None = None, *, rules: Rules = None, engine: str = "vector",
          only: Sequence[str] | None = None, mapping: str | Path | None = None,
          dispensations: SideTable = None, absences: SideTable = None) -> pd.DataFrame:
    """Findings on ``date`` (default today): one row per input row and rule, in input order,
    the columns of the findings contract. ``data`` is a DataFrame, a file path or a RecordSet;
    rows that fail validation come back with status ``invalid`` and the message as reason.
    ``only``: rule ids to evaluate (default all).

    ``dispensations`` / ``absences``: the tables beside the records (``hpr check
    --dispensations / --absences``), each a file path or a DataFrame with their columns,
    read and checked as the command line reads them (with ``mapping``). Their rows that
    cannot be used are left out and listed in ``findings.attrs["side_table_rejects"]``: one
    dict per row (table, row, line, employee_id, column, value, message)."""
    from .engines import check_engine, evaluate
    from .records import as_records
    check_engine(engine)
    book = load_rules(rules)
    ids = _rule_ids(book, only)
    rs, rejects = _with_side_tables(as_records(data, mapping), book, mapping, dispensations, absences)
    findings = evaluate(rs, book, _day(date), engine=engine, rules=ids)
    if rejects is not None:
        findings.attrs["side_table_rejects"] = rejects
    return findings


def explain(data: Records, employee_id: str, date: DateLike | None = None, *, rules: Rules = None,
            only: Sequence[str] | None = None, mapping: str | Path | None = None, lang: str = "nl",
            dispensations: SideTable = None, absences: SideTable = None) -> Explanation:
    """Why one employee gets the outcome they get, step by step, per rule; ``print`` it.
    ``dispensations`` / ``absences`` as in :func:`check` (their rejected rows in
    ``Explanation.side_table_rejects``)."""
    from .explain import explain as traces_of
    from .records import as_records
    book = load_rules(rules)
    rs, rejects = _with_side_tables(as_records(data, mapping), book, mapping, dispensations, absences)
    traces = traces_of(rs, book, _day(date), str(employee_id), _rule_ids(book, only))
    return Explanation(traces, lang, tuple(rejects or ()))


def _with_side_tables(rs, book, mapping, dispensations, absences):
    """The records with the side tables attached (None: not given), and the rows of the
    tables that cannot be used as plain dicts (None when no table is given)."""
    if dispensations is None and absences is None:
        return rs, None
    import pandas as pd

    from .records.sidetables import with_side_tables
    rs, tables = with_side_tables(rs, book.ids(), dispensations=dispensations, absences=absences, mapping=mapping)
    rejects = [{"table": t.source, **{k: (None if pd.isna(v) else v) for k, v in r.items()}}
               for t in tables for r in t.rejects.to_dict("records")]
    return rs, rejects


def diff(old: Rules, new: Rules, data: Records | None = None, dates: DateLike | Sequence[DateLike] | None = None, *,
         mapping: str | Path | None = None) -> DraftDiff:
    """Who changes status between two drafts and why (see ``hpr rules diff``).

    ``old``/``new``: rule directories, ``git:REV[:PATH]`` or loaded rule books. ``data``: the
    records (default: the synthetic population of 5000, seed 1, drawn on the first date);
    ``dates``: one date or several (default today)."""
    from .drafts.diff import behavioural_diff
    from .records import as_records
    from .reports.text import source_label
    days = sorted({_day(d) for d in ([dates] if dates is None or isinstance(dates, (str, dt.date)) else dates)})
    if not days:
        raise InputError("no dates to compare the drafts on", key="dates")
    if data is None:
        rs = as_records(generate_population(5000, 1, reference_date=days[0]))
        label = source_label("synthetic", n=5000, seed=1, date=days[0].isoformat())
    else:
        rs = as_records(data, mapping)
        label = source_label("records", source=rs.source, read=rs.rows_read, rejected=rs.rows_rejected)
    result = behavioural_diff(rs, load_rules(old), load_rules(new), days)
    result["population"] = label
    return DraftDiff(result)


def run_scenario(scenario: str | Path | LoadedScenario, *, population: Records | None = None,
                 runs: int | None = None, horizon: int | None = None, overrides: Mapping[str, Any] | None = None,
                 seed: int | None = None, mapping: str | Path | None = None) -> ScenarioRun:
    """Run a scenario: a shipped one by name (``"baseline"``), a file, or a loaded scenario.

    ``population``: records (DataFrame or path, validated; rejected rows are left out)
    instead of the scenario's own; ``runs``: seeded replications (default: the scenario's);
    ``horizon``: years to project; ``overrides``: settings by dotted key, e.g.
    ``{"max_function_tenure.max_years": 10, "mobility.advisor_capacity": 400}``.
    """
    from .scenarios import run_scenario as run
    pop = None
    if population is not None:
        from .records import as_records
        from .reports.text import source_label
        rs = as_records(population, mapping)
        pop = (rs.frame, source_label("records", source=rs.source, read=rs.rows_read, rejected=rs.rows_rejected))
    return ScenarioRun(run(scenario, population=pop, runs=runs, horizon=horizon, overrides=dict(overrides or {}),
                           seed=seed))


def sweep(scenario: str | Path | LoadedScenario, key: str, values: Sequence[Any], *,
          population: Records | None = None, runs: int | None = None, horizon: int | None = None,
          seed: int | None = None, mapping: str | Path | None = None) -> Sweep:
    """One scenario run per value of one setting (``key`` as in ``overrides``), on the same
    population and seeds: ``hpr.sweep("baseline", "mobility.advisor_capacity", [150, 250, 400])``."""
    from .scenarios import LoadedScenario, load_scenario
    from .shipped import find_scenario
    if isinstance(values, (str, bytes)) or not len(values):
        raise InputError("give a list of values to sweep", key=key)
    sc = scenario if isinstance(scenario, LoadedScenario) else load_scenario(find_scenario(scenario))
    if population is not None:
        from .records import as_records
        population = as_records(population, mapping)  # validated once for every value
    return Sweep(key, tuple(values), tuple(
        run_scenario(sc, population=population, runs=runs, horizon=horizon, seed=seed, overrides={key: v})
        for v in values))


def _day(date: DateLike | None) -> dt.date:
    return dt.date.today() if date is None else as_date(date)


def _rule_ids(book, only) -> list[str] | None:
    if only is None:
        return None
    ids = [only] if isinstance(only, str) else list(only)
    for rid in ids:
        book.get(rid)  # an unknown id is an error with a suggestion
    return ids


@dataclass(frozen=True)
class Table:
    """Rows of a result (plain dicts, as in ``result.json``); ``.to_frame()`` gives a DataFrame
    with nested values flattened to dotted columns (``rules.mandatory_pop.violation``)."""

    rows: tuple[dict, ...]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        return pd.json_normalize(list(self.rows), sep=".")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> dict:
        return self.rows[i]


@dataclass(frozen=True)
class Verdict:
    """The feasibility verdict: ``feasible`` and each criterion with its worst value; true when feasible."""

    feasible: bool
    criteria: Table
    sentences: tuple[str, ...] = field(repr=False)

    def __bool__(self) -> bool:
        return self.feasible

    def failed(self) -> list[str]:
        return [c["id"] for c in self.criteria if not c["passed"]]

    def __str__(self) -> str:
        return "\n".join(self.sentences)


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario result: ``years`` (one row per simulated year), ``verdict``, ``provenance``;
    ``result`` is the complete result object (what ``hpr report`` reads); ``write`` saves it."""

    result: dict = field(repr=False)

    @property
    def name(self) -> str:
        return self.result["scenario"]["name"]

    @property
    def years(self) -> Table:
        return Table(tuple(self.result["years"]))

    @property
    def verdict(self) -> Verdict:
        from .reports.text import verdict_sentences
        f = self.result["feasibility"]
        return Verdict(bool(f["feasible"]), Table(tuple(f["criteria"])), tuple(verdict_sentences(self.result, "en")))

    @property
    def provenance(self) -> dict:
        return dict(self.result["provenance"])

    def to_frame(self) -> pd.DataFrame:
        return self.years.to_frame()

    def write(self, path: str | Path, lang: str = "nl", timestamp: str | None = None) -> Path:
        """``.json`` (the result object) or a report (``.html``, ``.md``, ``.xlsx``)."""
        if Path(path).suffix.lower() == ".json":
            from .scenarios import write_result_json
            write_result_json(self.result, path)
        else:
            from .reports import write_report
            write_report(self.result, path, lang=lang, timestamp=timestamp)
        return Path(path)

    def __repr__(self) -> str:
        v = self.verdict
        return f"ScenarioRun({self.name!r}, years={len(self.years)}, feasible={v.feasible}, failed={v.failed()})"


@dataclass(frozen=True)
class Sweep:
    """Runs of one scenario for each value of one setting; ``to_frame()``: one row per value
    with the verdict and each criterion's share of runs in which it held."""

    key: str
    values: tuple
    runs: tuple[ScenarioRun, ...] = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = []
        for value, run in zip(self.values, self.runs):
            row = {self.key: value, "feasible": run.verdict.feasible}
            for c in run.verdict.criteria:
                row[c["id"]] = c.get("share_passed", float(c["passed"]))
            rows.append(row)
        return pd.DataFrame(rows)

    def __iter__(self) -> Iterator[ScenarioRun]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)


@dataclass(frozen=True)
class Explanation:
    """Decision traces of one employee, one per rule; ``str()`` is the readable tree."""

    traces: list[Trace] = field(repr=False)
    lang: str = "nl"
    #: rows of the side tables that could not be used (see :func:`check`)
    side_table_rejects: tuple[dict, ...] = field(default=(), repr=False)

    def text(self, lang: str | None = None) -> str:
        from .explain import render_text
        return render_text(self.traces, lang or self.lang)

    def to_dict(self) -> dict:
        from .explain import to_dict
        return to_dict(self.traces)

    def to_frame(self) -> pd.DataFrame:
        """One row per rule and decision step: the condition, the values it read, whether it held."""
        import pandas as pd
        d = self.to_dict()
        rows = [{"employee_id": d["employee_id"], "rule_id": r["rule_id"], **s, "decides": s["step"] == tr.decided + 1}
                for tr, r in zip(self.traces, d["rules"]) for s in r["steps"]]
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class DraftDiff:
    """Behavioural difference of two drafts: ``changes`` (one row per employee, rule and date
    whose status or reason changes, with its cause), the ``differences`` between the drafts."""

    result: dict = field(repr=False)

    @property
    def changes(self) -> pd.DataFrame:
        return self.result["changes"]

    @property
    def differences(self) -> Table:
        return Table(tuple(self.result["differences"]))

    def to_frame(self) -> pd.DataFrame:
        return self.changes

    def markdown(self, lang: str = "nl") -> str:
        from .drafts.diff import render_markdown
        return render_markdown(self.result, lang)

    def __repr__(self) -> str:
        n = self.changes["employee_id"].nunique() if len(self.changes) else 0
        return f"DraftDiff({len(self.changes)} changes for {n} employees, {len(self.differences)} differences)"
