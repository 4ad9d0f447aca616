"""The vector engine: the compiled rules over a whole population at once.

Every expression of the IR is evaluated with numpy over (values, valid) arrays, with
the same null semantics as :mod:`hpr_rules.engines.scalar`; the decision order is a
masked select over the ordered steps. This is the fast path (``hpr check`` default).
"""

from __future__ import annotations

import functools

import numpy as np

from ..absence import COLUMN as ABSENCES
from ..absence import absent_days_vector
from ..calendar import DAY_MAX, DAY_MIN, add_days_v, add_months_v, clip_offsets, full_months_v, out_of_bounds_v
from ..language.compile import CompiledRule
from ..language.expr import NULL, Binary, Call, InList, Lit, Name, Node, Unary, to_text
from .columns import Column
from .scalar import is_null_lit

_CMP = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal,
}


def _scalar(v):
    """A literal as a numpy scalar: it broadcasts against the columns, so an expression over
    literals, parameters and ``D`` alone (``add_months(effective_from, 6)``) is computed once,
    not once per record."""
    if isinstance(v, str) or v is None:
        return np.array(v, dtype=object)
    if isinstance(v, bool):
        return np.bool_(v)
    if isinstance(v, int):
        return np.int32(v) if -(1 << 31) <= v < (1 << 31) else np.int64(v)
    return np.float64(v)


def _all(parts):
    return functools.reduce(np.logical_and, parts)


class Env(dict):
    """Names -> columns, plus the records whose date arithmetic left the calendar's bounds
    (``flagged``): :func:`run_rule` decides those again with the reference interpreter,
    which stops the run exactly where (and with the message that) the other engines do.
    ``shared``: what the rules of one evaluation have worked out already (:class:`Shared`),
    ``lets``: the names this rule gives values of its own."""

    def __init__(self, *args, shared: Shared | None = None, lets=frozenset(), **kw):
        super().__init__(*args, **kw)
        self.flagged: list = []
        self.shared, self.lets = shared, frozenset(lets)


class Shared:
    """Subexpressions the rules of one evaluation have in common, worked out once: the rules
    repeat the employment and scope conditions, the sick-leave and AOW exemptions, over the
    same records on the same date. An expression is shared when it reads record fields and
    ``D`` only (never a rule's own ``let``); with its value go the records it flagged (see
    :class:`Env`), which every rule that uses it then decides again."""

    def __init__(self, keys: dict | None = None):
        self.values: dict = {}
        # id(node) -> (node, key or None), the node held so that its id stays its own; give the
        # same dict to every evaluation of one set of compiled rules (the parts of a file)
        self._keys: dict[int, tuple] = {} if keys is None else keys

    def key(self, node: Node, lets) -> tuple | None:
        got = self._keys.get(id(node))
        if got is None:
            from ..language.expr import names_in
            key = None if names_in(node) & lets else _shape(node)
            got = self._keys[id(node)] = (node, key)
        return got[1]


def _shape(node: Node) -> tuple:
    """The structure of an expression, literals with their Python type (1 and 1.0 differ in
    integer arithmetic): equal shapes evaluate alike on the same columns."""
    if isinstance(node, Lit):
        return ("lit", node.type, type(node.value).__name__, node.value)
    if isinstance(node, Name):
        return ("name", node.name)
    if isinstance(node, Unary):
        return ("unary", node.op, _shape(node.arg))
    if isinstance(node, Binary):
        return ("binary", node.op, _shape(node.left), _shape(node.right))
    if isinstance(node, Call):
        return ("call", node.fn, tuple(_shape(a) for a in node.args))
    return ("in", _shape(node.arg), tuple(_shape(a) for a in node.items))


def _bounded(days, ok, node: Node, env):
    """Computed day numbers within the bounds; where a valid one is not, the record is
    flagged (and the value clipped) or, without an :class:`Env`, the error raised."""
    found = out_of_bounds_v(days, ok)
    if found is None:
        return days
    flagged = getattr(env, "flagged", None)
    if flagged is None:
        from ..errors import DateRangeError
        raise DateRangeError(found[1], to_text(node))
    flagged.append(found[0])
    return np.clip(days, DAY_MIN, DAY_MAX).astype(days.dtype, copy=False)


def eval_vector(node: Node, cols: dict[str, Column], n: int) -> Column:
    """Evaluate ``node`` over ``n`` records; returns (values, valid). Either may be a numpy
    scalar where it is the same for every record (broadcasting does the rest). With an
    :class:`Env` that has a :class:`Shared`, a subexpression another rule has worked out is
    taken from there."""
    shared = getattr(cols, "shared", None)
    if shared is None or isinstance(node, (Lit, Name)):
        return _eval(node, cols, n)
    key = shared.key(node, cols.lets)
    if key is None:
        return _eval(node, cols, n)
    hit = shared.values.get(key)
    if hit is None:
        before = len(cols.flagged)
        hit = shared.values[key] = (_eval(node, cols, n), cols.flagged[before:])
    else:
        cols.flagged.extend(hit[1])
    return hit[0]


def _eval(node: Node, cols: dict[str, Column], n: int) -> Column:
    if isinstance(node, Lit):
        if node.type == NULL:
            return np.int32(0), np.False_
        return _scalar(node.value), np.True_
    if isinstance(node, Name):
        return cols[node.name]
    if isinstance(node, Unary):
        v, ok = eval_vector(node.arg, cols, n)
        if node.op == "not":
            return ~v, np.True_
        return -v, ok
    if isinstance(node, InList):
        v, ok = eval_vector(node.arg, cols, n)
        hit = np.False_
        for it in node.items:
            w, wok = eval_vector(it, cols, n)
            hit = hit | ((v == w) & ok & wok)
        return hit, np.True_
    if isinstance(node, Binary):
        op = node.op
        if op in ("and", "or"):
            a, _ = eval_vector(node.left, cols, n)
            b, _ = eval_vector(node.right, cols, n)
            return (a & b) if op == "and" else (a | b), np.True_
        if op in ("==", "!=") and (is_null_lit(node.left) or is_null_lit(node.right)):
            other = node.right if is_null_lit(node.left) else node.left
            _, ok = eval_vector(other, cols, n)
            return (~ok if op == "==" else ok.copy()), np.True_
        a, aok = eval_vector(node.left, cols, n)
        b, bok = eval_vector(node.right, cols, n)
        ok = aok & bok
        if op in _CMP:
            return _CMP[op](a, b) & ok, np.True_
        if op in ("+", "-") and a.dtype.kind == "i" and b.dtype.kind == "i":
            return (a + b if op == "+" else a - b), ok  # day numbers and day counts: exact as integers
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if op == "+":
            return a + b, ok
        if op == "-":
            return a - b, ok
        if op == "*":
            return a * b, ok
        if op == "/":
            if np.ndim(b) == 0 and b != 0:  # by a nonzero constant (months / 12): no guard per record
                return a / b, ok
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
            if np.ndim(has) == 0 and not has:  # no absences given: nobody was absent a day
                return np.float64(0.0), ok
            a, b = np.where(ok, args[0][0], 0).astype(np.int64), np.where(ok, args[1][0], 0).astype(np.int64)
            return absent_days_vector(periods, has & ok, a, b, tuple(k.value for k in node.args[2:])), ok
        if fn == "coalesce":
            v, ok = args[-1]
            for w, wok in reversed(args[:-1]):
                v, ok = np.where(wok, w, v), wok | ok
            return v, ok
        ok = _all([x[1] for x in args])
        if fn == "add_months":
            d, m = args[0][0], args[1][0]
            if np.ndim(d):  # a record whose date is null gives no date: day 0 keeps it inside the tables
                d = np.where(ok, d, d.dtype.type(0))
            m = clip_offsets(m)
            if np.ndim(m):  # a constant stays a scalar: add_months by it is one table gather
                m = np.where(ok, m, 0)
            return _bounded(add_months_v(d, m), ok, node, cols), ok
        if fn == "add_days":
            return _bounded(add_days_v(args[0][0], args[1][0]), ok, node, cols), ok
        if fn == "full_months":
            a, b = np.where(ok, args[0][0], 0), np.where(ok, args[1][0], 0)
            return full_months_v(a, b).astype(np.float64), ok
        if fn in ("max", "min"):
            return functools.reduce(np.maximum if fn == "max" else np.minimum, [x[0] for x in args]), ok
    raise AssertionError(node)  # pragma: no cover


def constant_nulls(cols: dict[str, Column]) -> dict[str, Column]:
    """``cols`` with every column that is null for every record as a scalar null (a side
    table not given: nobody has a dispensation): it broadcasts, so a condition on it is
    decided once, not compared record by record."""
    out = {}
    for name, (vals, ok) in cols.items():
        if np.ndim(ok) and len(ok) and not ok.any():
            vals = np.array(None, dtype=object) if vals.dtype == object else vals.dtype.type(0)
            ok = np.False_
        out[name] = (vals, ok)
    return out


def run_rule(rule: CompiledRule, cols: dict[str, Column], n: int, day_num: int, shared: Shared | None = None):
    """Decide every record: returns (step index per record, let values as length-n arrays).

    A record whose date arithmetic leaves the calendar's bounds anywhere (even where the
    decision order would never look) is decided again by the reference interpreter: it
    stops the run with a DateRangeError where that arithmetic decides, as every engine does.
    ``shared``: one :class:`Shared` for the rules of one evaluation (same records, same date).
    """
    env = Env(cols, shared=shared, lets=[name for name, _, _ in rule.lets])
    if np.ndim(day_num) == 0:
        env["D"] = (np.int32(day_num), np.True_)
    else:  # one reference date per record (a timeline, temporal probes)
        env["D"] = (np.asarray(day_num, dtype=np.int64), np.ones(n, dtype=bool))
    lets = {}
    for name, expr, _ in rule.lets:
        env[name] = eval_vector(expr, env, n)
        v, ok = env[name]
        lets[name] = (np.broadcast_to(v, n), np.broadcast_to(ok, n))
    kind = np.int8 if len(rule.steps) < 127 else np.int32
    # the step of each record, plus one (0: undecided): the steps taken are disjoint, so each
    # adds its number where it decides (a multiplication by the mask: no masked store)
    step = np.zeros(n, dtype=kind)
    undecided = np.ones(n, dtype=bool)
    for k, s in enumerate(rule.steps):
        hit, _ = eval_vector(s.condition, env, n)
        if np.ndim(hit) == 0:  # the same for everyone (not in force, a norm's last step)
            if not hit:
                continue
            step += undecided.astype(kind) * kind(k + 1)
            break
        take = hit & undecided
        step += take.astype(kind) * kind(k + 1)
        undecided &= ~take
        if not undecided.any():
            break
    step -= kind(1)
    if env.flagged:
        step, lets = _redecide(rule, cols, n, day_num, step, lets, env.flagged)
    return step, lets


def _redecide(rule, cols, n, day_num, step, lets, flagged):
    """The flagged records decided by the reference interpreter (in record order, so the
    first that fails is the one the reference engine names)."""
    from .reference import decide_record
    bad = functools.reduce(np.logical_or, [np.broadcast_to(b, n) for b in flagged])
    step = step.copy()
    lets = {k: (v.copy(), ok.copy()) for k, (v, ok) in lets.items()}
    for i in np.flatnonzero(bad):
        day = day_num if np.ndim(day_num) == 0 else int(day_num[i])
        step[i], values = decide_record(rule, cols, int(i), day)
        for name, v in values.items():
            vals, ok = lets[name]
            ok[i] = v is not None
            if v is not None:
                vals[i] = v
    return step, lets
