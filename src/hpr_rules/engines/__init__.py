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
from typing import TYPE_CHECKING, Callable, Iterator

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
    (whole,) = iter_findings(records, book, day, engine=engine, rules=rules, progress=progress, durable=durable)
    return whole


def iter_findings(records, book: RuleBook | CompiledBook, day: dt.date, *, engine: str = "vector",
                  rules: list[str] | None = None, progress: Callable[[int], None] | None = None,
                  durable=None, part_records: int | None = None) -> Iterator[Findings]:
    """:func:`evaluate_findings` in parts of ``part_records`` accepted records (None: one part),
    in row order: the parts one after the other are the findings of the whole, each rejected
    row in the part that holds its row number. A writer writes one part while the next is
    evaluated (:func:`hpr_rules.outputs.write_parts`), and only one part's findings are held."""
    import numpy as np

    from ..errors import DateRangeError
    from ..findings import findings_of
    from ..language import compile_book
    from ..language.compile import CompiledBook
    from ..records.recordset import RecordSet
    from .columns import frame_columns
    check_engine(engine)
    compiled = book if isinstance(book, CompiledBook) else compile_book(book, day, rules)
    frame = getattr(records, "view", records)  # a RecordSet's typed arrays, without building its frame
    validated = isinstance(records, RecordSet)
    rejected = records.rejected_rows if validated and records.rows_rejected else None
    n = len(frame)
    if hasattr(frame, "row_numbers"):  # validation's arrays: ids as Arrow text, no frame
        rows, ids = frame.row_numbers(), frame.text("employee_id")
    else:
        rows = frame["row"].to_numpy() if "row" in frame.columns else np.arange(1, n + 1)
        ids = frame["employee_id"]
        # Arrow text stays Arrow (the findings' labels), anything else becomes Python strings
        ids = ids.array.__arrow_array__() if getattr(ids.dtype, "storage", None) == "pyarrow" \
            else ids.to_numpy(dtype=object)
    cols = frame_columns(frame, compiled.fields() | {"birth_date"}, compiled.book.pension,
                         scalar_nulls=engine == "vector")
    bounds = list(range(0, n, part_records)) + [n] if part_records and n > part_records else [0, n]
    last_row = -1
    rejected_at = rejected["row"].to_numpy() if rejected is not None else None
    for a, b in zip(bounds, bounds[1:]):
        part = {k: (v if np.ndim(v) == 0 else v[a:b], ok if np.ndim(ok) == 0 else ok[a:b])
                for k, (v, ok) in cols.items()} if (a, b) != (0, n) else cols
        try:
            outcomes = rule_outcomes(part, b - a, compiled, day, engine=engine, progress=progress, durable=durable)
        except DateRangeError as exc:
            if exc.record is not None:
                i = exc.record = exc.record + a
                employee = ids[i]
                exc.update(row=int(rows[i]),
                           employee=employee.as_py() if hasattr(employee, "as_py") else employee)
            raise
        if b == n:
            del cols, part  # the engine columns go before the last findings arrays come
        mine = None
        if rejected is not None:  # rejected rows after the previous part, up to this part's last record
            upto = rejected_at > last_row if b == n else (rejected_at > last_row) & (rejected_at <= rows[b - 1])
            mine = rejected[upto].reset_index(drop=True)
            last_row = int(rows[b - 1]) if b else last_row
        # validated records (a RecordSet) never repeat an id: duplicates are rejected
        yield findings_of(outcomes, ids[a:b], rows[a:b], day, mine, unique_ids=validated)


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
        cols = {**cols, **null_columns(missing, n, scalar=engine == "vector")}
    shared = None
    if engine == "vector":  # a column null for everyone is one null: no comparison per record
        from .vector import Shared, constant_nulls
        cols = constant_nulls(cols)
        shared = Shared(compiled.shared_keys)  # conditions the rules have in common, worked out once
    parts = []
    own = None
    if engine == "durable" and durable is None:
        from .durable import DurableEngine
        durable = own = DurableEngine()
    try:
        for rule in compiled.rules:
            try:
                step, lets = _run_rule(rule, cols, n, day_num, engine, progress, durable, shared)
            except DateRangeError as exc:
                raise exc.update(rule=rule.id) from None
            parts.append(rule_outcome(rule, step, lets, day))
    finally:
        if own is not None:
            own.close()
    return parts


def _run_rule(rule, cols, n, day_num, engine, progress, durable, shared=None):
    if engine == "vector":
        from .vector import run_rule
        out = run_rule(rule, cols, n, day_num, shared)
        if progress:
            progress(n)
        return out
    if engine == "reference":
        from .reference import run_rule
        return run_rule(rule, cols, n, day_num, progress)
    return durable.run_rule(rule, cols, n, day_num, progress)


__all__ = ["evaluate", "evaluate_findings", "iter_findings", "rule_outcomes", "check_engine", "ENGINES"]
