"""The reference interpreter: one record at a time, with a trace of every step.

It is the readable statement of the semantics (and what ``hpr explain`` shows); the
vector and durable engines must agree with it row for row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..calendar import from_daynum
from ..errors import DateRangeError
from ..language.compile import CompiledRule
from ..language.expr import DATE, names_in, to_text
from .scalar import eval_scalar


@dataclass
class TraceStep:
    index: int
    kind: str
    status: str
    reason: str
    article: str
    condition: str  # as written in the rule file
    bound: str  # with the parameters in force filled in
    values: dict[str, object]
    result: bool


@dataclass
class Trace:
    rule: CompiledRule
    env: dict
    lets: list[tuple[str, str, object]] = field(default_factory=list)  # (name, expression, value)
    used: dict[str, dict] = field(default_factory=dict)  # let name -> the values its expression reads
    steps: list[TraceStep] = field(default_factory=list)
    decided: int = -1


def _show(value, typ):
    if value is None:
        return None
    if typ == DATE:
        return from_daynum(value)
    return value


def decide(rule: CompiledRule, env: dict, day_num: int, trace: bool = False):
    """Decide one record; returns (step index, lets dict, Trace or None)."""
    from ..language.compile import field_type
    env = dict(env)
    env["D"] = day_num
    types = {name: field_type(name) for name in env}
    types["D"] = DATE
    tr = Trace(rule, env) if trace else None
    lets = {}
    for name, expr, typ in rule.lets:
        v = _located(expr, env, name)
        if tr:
            tr.used[name] = {u: _show(env.get(u), types.get(u)) for u in sorted(names_in(expr))}
        env[name] = lets[name] = v
        types[name] = typ
        if tr:
            tr.lets.append((name, to_text(expr), _show(v, typ)))
    for k, s in enumerate(rule.steps):
        hit = bool(_located(s.condition, env, step_label(s)))
        if tr:
            used = sorted(names_in(s.condition))
            tr.steps.append(TraceStep(k, s.kind, s.status, s.reason, s.article, s.source,
                                      to_text(s.condition), {u: _show(env.get(u), types.get(u)) for u in used}, hit))
        if hit:
            if tr:
                tr.decided = k
            return k, lets, tr
    raise AssertionError("the last step of a rule always holds")  # pragma: no cover


def step_label(s) -> str:
    """How a decision step is named in messages: ``exemption long_term_sick``, ``scope``."""
    return f"{s.kind} {s.reason}" if s.kind == "exemption" else s.kind


def _located(expr, env, where: str):
    """``eval_scalar``, with a DateRangeError told which let or step it came from."""
    try:
        return eval_scalar(expr, env)
    except DateRangeError as exc:
        raise exc.update(where=where) from None


def run_rule(rule: CompiledRule, cols, n: int, day_num: int, progress=None):
    """The reference interpreter over a population (slow; for tests and small files)."""
    return per_record(rule, cols, n, lambda env: decide(rule, env, day_num)[:2], progress)


def decide_record(rule: CompiledRule, cols, i: int, day_num: int):
    """Record ``i`` of ``cols`` decided by the reference interpreter: (step, lets)."""
    from .columns import row_env
    return at_record(i, lambda: decide(rule, row_env(cols, i), day_num)[:2])


def at_record(i: int, decide_one):
    """``decide_one()``, with a DateRangeError it raises told which record it was."""
    try:
        return decide_one()
    except DateRangeError as exc:
        raise exc.update(record=i) from None


def per_record(rule: CompiledRule, cols, n: int, decide_one, progress=None):
    """Run ``decide_one(env) -> (step, lets)`` record by record; gather steps and let columns."""
    from .columns import row_env
    step = np.empty(n, dtype=np.int64)
    let_vals = {name: [None] * n for name, _, _ in rule.lets}
    for i in range(n):
        k, lets = at_record(i, lambda: decide_one(row_env(cols, i)))
        step[i] = k
        for name, v in lets.items():
            let_vals[name][i] = v
        if progress and i % 1000 == 999:
            progress(1000)
    return step, _as_columns(let_vals, rule)


def _as_columns(let_vals, rule):
    out = {}
    for name, _, typ in rule.lets:
        vs = let_vals[name]
        ok = np.array([v is not None for v in vs], dtype=bool)
        if typ == DATE:
            arr = np.array([v if v is not None else 0 for v in vs], dtype=np.int64)
        else:
            arr = np.array([v if v is not None else 0.0 for v in vs], dtype=np.float64)
        out[name] = (arr, ok)
    return out
