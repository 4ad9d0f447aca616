"""Engines: the same compiled rules, three ways to run them, one findings frame.

* ``vector`` (default): numpy over the whole population;
* ``durable``: durable_rules rulesets, one event per record;
* ``reference``: the plain interpreter that also produces explain traces.

>>> from hpr_rules.engines import ENGINES
>>> sorted(ENGINES)
['durable', 'reference', 'vector']
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # imported in evaluate(): naming the engines (CLI choices) stays cheap
    import pandas as pd

    from ..findings import Findings
    from ..language import RuleBook
    from ..language.compile import CompiledBook

ENGINES = ("vector", "durable", "reference")


def check_engine(engine: str) -> str:
    """``engine`` if it names an engine, else an error that lists them."""
    if engine not in ENGINES:
        from ..errors import InputError, did_you_mean
        raise InputError(f"unknown engine {engine!r}"
                         + did_you_mean(engine, ENGINES, otherwise=f"; choose from {', '.join(ENGINES)}"), key="engine")
    return engine


def evaluate(records, book: RuleBook | CompiledBook, day: dt.date, *, engine: str = "vector",
             rules: list[str] | None = None, progress: Callable[[int], None] | None = None,
             durable=None) -> pd.DataFrame:
    """Findings of every record under every rule on reference date ``day``.

    ``records`` is a :class:`hpr_rules.records.RecordSet` (rejected rows then appear
    with status ``invalid``) or a validated records frame. Returns the findings frame
    of the contract, one row per (input row, rule) in input order.
    """
    return evaluate_findings(records, book, day, engine=engine, rules=rules, progress=progress,
                             durable=durable).to_pandas()


def evaluate_findings(records, book: RuleBook | CompiledBook, day: dt.date, *, engine: str = "vector",
                      rules: list[str] | None = None, progress: Callable[[int], None] | None = None,
                      durable=None) -> Findings:
    """:func:`evaluate` as :class:`hpr_rules.findings.Findings` (codes and labels): what
    ``hpr check`` writes as Arrow and summarizes, without a pandas frame of the findings."""
    import numpy as np

    from ..errors import DateRangeError
    from ..findings import findings_of
    from ..language import compile_book
    from ..language.compile import CompiledBook
    from .columns import frame_columns
    check_engine(engine)
    compiled = book if isinstance(book, CompiledBook) else compile_book(book, day, rules)
    frame = getattr(records, "view", records)  # a RecordSet's typed arrays, without building its frame
    rejected = getattr(records, "rejected_rows", None)
    n = len(frame)
    rows = frame["row"].to_numpy() if "row" in frame.columns else np.arange(1, n + 1)
    ids = frame["employee_id"]
    # Arrow text stays Arrow (the findings' labels), anything else becomes Python strings
    ids = ids.array.__arrow_array__() if getattr(ids.dtype, "storage", None) == "pyarrow" \
        else ids.to_numpy(dtype=object)
    cols = frame_columns(frame, compiled.fields() | {"birth_date"}, compiled.book.pension)
    try:
        parts = rule_outcomes(cols, n, compiled, day, engine=engine, progress=progress, durable=durable)
    except DateRangeError as exc:
        if exc.record is not None:
            employee = ids[exc.record]
            exc.update(row=int(rows[exc.record]), employee=employee.as_py() if hasattr(employee, "as_py") else employee)
        raise
    del cols  # the engine columns go before the findings arrays come
    # validated records (a RecordSet) never repeat an id: duplicates are rejected
    return findings_of(parts, ids, rows, day, rejected, unique_ids=rejected is not None)


def rule_outcomes(cols: dict, n: int, compiled: CompiledBook, day: dt.date, *, engine: str = "vector",
                  progress: Callable[[int], None] | None = None, durable=None) -> list:
    """Per-rule outcomes (decisive step, due dates, hours) of ``n`` records given as engine
    columns (:func:`frame_columns`), without building the findings frame: the form a
    simulation that evaluates the same population many times needs."""
    from ..calendar import to_daynum
    from ..errors import DateRangeError
    from ..findings import rule_outcome
    from .columns import null_columns
    day_num = to_daynum(day)
    missing = compiled.fields() - set(cols)  # side tables not given (dispensations, absences)
    if missing:
        cols = {**cols, **null_columns(missing, n)}
    if engine == "vector":  # a column null for everyone is one null: no comparison per record
        from .vector import constant_nulls
        cols = constant_nulls(cols)
    parts = []
    own = None
    if engine == "durable" and durable is None:
        from .durable import DurableEngine
        durable = own = DurableEngine()
    try:
        for rule in compiled.rules:
            try:
                step, lets = _run_rule(rule, cols, n, day_num, engine, progress, durable)
            except DateRangeError as exc:
                raise exc.update(rule=rule.id) from None
            parts.append(rule_outcome(rule, step, lets, day))
    finally:
        if own is not None:
            own.close()
    return parts


def _run_rule(rule, cols, n, day_num, engine, progress, durable):
    if engine == "vector":
        from .vector import run_rule
        out = run_rule(rule, cols, n, day_num)
        if progress:
            progress(n)
        return out
    if engine == "reference":
        from .reference import run_rule
        return run_rule(rule, cols, n, day_num, progress)
    return durable.run_rule(rule, cols, n, day_num, progress)


__all__ = ["evaluate", "evaluate_findings", "rule_outcomes", "check_engine", "ENGINES"]
