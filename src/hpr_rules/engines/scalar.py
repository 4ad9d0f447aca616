"""Scalar evaluation of expressions: one record, plain Python values.

Values: dates are int day numbers, numbers float, booleans bool, strings str and a
missing value is ``None``. The null semantics are shared with the vector engine:

* arithmetic and functions with a null argument give null (``coalesce`` excepted);
  division by zero gives null;
* a comparison with a null side is false, except ``x == null`` / ``x != null``;
* ``if(c, a, b)`` takes ``b`` when ``c`` is false.
"""

from __future__ import annotations

from ..absence import COLUMN as ABSENCES
from ..absence import absent_days_scalar
from ..calendar import add_days_day, add_months_day, from_daynum, full_months
from ..errors import DateRangeError
from ..language.expr import NULL, Binary, Call, InList, Lit, Name, Node, Unary, to_text

_CMP = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def full_months_n(a: int, b: int) -> float:
    return float(full_months(from_daynum(a), from_daynum(b)))


def is_null_lit(n: Node) -> bool:
    return isinstance(n, Lit) and n.type == NULL


def eval_scalar(node: Node, env: dict):
    """Evaluate ``node`` over one record ``env`` (name -> value)."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Name):
        return env[node.name]
    if isinstance(node, Unary):
        v = eval_scalar(node.arg, env)
        if node.op == "not":
            return not v
        return None if v is None else -v
    if isinstance(node, InList):
        v = eval_scalar(node.arg, env)
        return v is not None and any(v == eval_scalar(i, env) for i in node.items)
    if isinstance(node, Binary):
        op = node.op
        if op == "and":
            return bool(eval_scalar(node.left, env)) and bool(eval_scalar(node.right, env))
        if op == "or":
            return bool(eval_scalar(node.left, env)) or bool(eval_scalar(node.right, env))
        if op in ("==", "!=") and (is_null_lit(node.left) or is_null_lit(node.right)):
            other = node.right if is_null_lit(node.left) else node.left
            is_null = eval_scalar(other, env) is None
            return is_null if op == "==" else not is_null
        a, b = eval_scalar(node.left, env), eval_scalar(node.right, env)
        if op in _CMP:
            return a is not None and b is not None and _CMP[op](a, b)
        if a is None or b is None:
            return None
        if op == "+":
            return float(a + b)
        if op == "-":
            return float(a - b)
        if op == "*":
            return float(a * b)
        if op == "/":
            return None if b == 0 else float(a / b)
        raise AssertionError(op)  # pragma: no cover
    if isinstance(node, Call):
        fn = node.fn
        if fn == "if":
            return eval_scalar(node.args[1] if eval_scalar(node.args[0], env) else node.args[2], env)
        args = [eval_scalar(a, env) for a in node.args]
        if fn == "absent_days":
            if args[0] is None or args[1] is None:
                return None
            return float(absent_days_scalar(env.get(ABSENCES), args[0], args[1], tuple(args[2:])))
        if fn == "coalesce":
            return next((a for a in args if a is not None), None)
        if any(a is None for a in args):
            return None
        if fn in ("add_months", "add_days"):
            try:
                return (add_months_day if fn == "add_months" else add_days_day)(args[0], args[1])
            except DateRangeError as exc:
                raise exc.update(expression=to_text(node)) from None
        if fn == "full_months":
            return full_months_n(args[0], args[1])
        if fn == "max":
            return max(args)
        if fn == "min":
            return min(args)
    raise AssertionError(node)  # pragma: no cover
