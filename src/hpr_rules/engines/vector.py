"""The vector engine: the compiled rules over a whole population at once.

Every expression of the IR is evaluated with numpy over (values, valid) arrays, with
the same null semantics as :mod:`hpr_rules.engines.scalar`; the decision order is a
masked select over the ordered steps. This is the fast path (``hpr check`` default).
"""

from __future__ import annotations

import numpy as np

from ..absence import COLUMN as ABSENCES
from ..absence import absent_days_vector
from ..calendar import add_months_v, full_months_v
from ..language.compile import CompiledRule
from ..language.expr import NULL, Binary, Call, InList, Lit, Name, Node, Unary
from .columns import Column
from .scalar import is_null_lit

_CMP = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal,
}


def _full(n, v):
    if isinstance(v, str) or v is None:
        a = np.empty(n, dtype=object)
        a[:] = v
        return a
    return np.full(n, v)


def eval_vector(node: Node, cols: dict[str, Column], n: int) -> Column:
    """Evaluate ``node`` over ``n`` records; returns (values, valid)."""
    ones = np.ones(n, dtype=bool)
    if isinstance(node, Lit):
        if node.type == NULL:
            return np.zeros(n), np.zeros(n, dtype=bool)
        return _full(n, node.value), ones
    if isinstance(node, Name):
        return cols[node.name]
    if isinstance(node, Unary):
        v, ok = eval_vector(node.arg, cols, n)
        if node.op == "not":
            return ~v, ones
        return -v, ok
    if isinstance(node, InList):
        v, ok = eval_vector(node.arg, cols, n)
        hit = np.zeros(n, dtype=bool)
        for it in node.items:
            w, wok = eval_vector(it, cols, n)
            hit |= (v == w) & ok & wok
        return hit, ones
    if isinstance(node, Binary):
        op = node.op
        if op in ("and", "or"):
            a, _ = eval_vector(node.left, cols, n)
            b, _ = eval_vector(node.right, cols, n)
            return (a & b) if op == "and" else (a | b), ones
        if op in ("==", "!=") and (is_null_lit(node.left) or is_null_lit(node.right)):
            other = node.right if is_null_lit(node.left) else node.left
            _, ok = eval_vector(other, cols, n)
            return (~ok if op == "==" else ok.copy()), ones
        a, aok = eval_vector(node.left, cols, n)
        b, bok = eval_vector(node.right, cols, n)
        ok = aok & bok
        if op in _CMP:
            return _CMP[op](a, b) & ok, ones
        a = a.astype(np.float64)
        b = b.astype(np.float64)
        if op == "+":
            return a + b, ok
        if op == "-":
            return a - b, ok
        if op == "*":
            return a * b, ok
        if op == "/":
            zero = b == 0
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(zero, 0.0, a / np.where(zero, 1.0, b)), ok & ~zero
    if isinstance(node, Call):
        fn = node.fn
        if fn == "if":
            c, _ = eval_vector(node.args[0], cols, n)
            a, aok = eval_vector(node.args[1], cols, n)
            b, bok = eval_vector(node.args[2], cols, n)
            return np.where(c, a, b), np.where(c, aok, bok)
        args = [eval_vector(a, cols, n) for a in node.args]
        if fn == "absent_days":
            periods, has = cols[ABSENCES]
            ok = args[0][1] & args[1][1]
            a, b = np.where(ok, args[0][0], 0).astype(np.int64), np.where(ok, args[1][0], 0).astype(np.int64)
            return absent_days_vector(periods, has & ok, a, b, tuple(k.value for k in node.args[2:])), ok
        if fn == "coalesce":
            v, ok = args[-1]
            for w, wok in reversed(args[:-1]):
                v, ok = np.where(wok, w, v), wok | ok
            return v, ok
        ok = np.logical_and.reduce([x[1] for x in args])
        if fn == "add_months":
            d, m = args[0][0], np.trunc(args[1][0]).astype(np.int64)
            return add_months_v(np.where(ok, d, 0), np.where(ok, m, 0)), ok
        if fn == "add_days":
            return args[0][0] + np.trunc(args[1][0]).astype(np.int64), ok
        if fn == "full_months":
            a, b = np.where(ok, args[0][0], 0), np.where(ok, args[1][0], 0)
            return full_months_v(a, b).astype(np.float64), ok
        if fn in ("max", "min"):
            f = np.maximum if fn == "max" else np.minimum
            return f.reduce([x[0] for x in args]), ok
    raise AssertionError(node)  # pragma: no cover


def run_rule(rule: CompiledRule, cols: dict[str, Column], n: int, day_num: int):
    """Decide every record: returns (step index per record, let values)."""
    env = dict(cols)
    # day_num: one reference date for all, or one per record (a timeline, temporal probes)
    env["D"] = (np.broadcast_to(np.asarray(day_num, dtype=np.int64), (n,)).copy(), np.ones(n, dtype=bool))
    lets = {}
    for name, expr, _ in rule.lets:
        env[name] = lets[name] = eval_vector(expr, env, n)
    step = np.full(n, -1, dtype=np.int64)
    undecided = np.ones(n, dtype=bool)
    for k, s in enumerate(rule.steps):
        hit, _ = eval_vector(s.condition, env, n)
        take = hit & undecided
        step[take] = k
        undecided &= ~take
        if not undecided.any():
            break
    return step, lets
