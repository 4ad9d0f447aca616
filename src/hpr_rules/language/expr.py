"""The rule expression language: a small, safe language parsed into a typed AST.

Grammar (lowest to highest precedence)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | cmp
    cmp     := sum (("<"|"<="|">"|">="|"=="|"!=") sum | "in" "[" expr ("," expr)* "]")?
    sum     := term (("+"|"-") term)*
    term    := unary (("*"|"/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | DATE | STRING | "true" | "false" | "null"
             | NAME | NAME "(" args ")" | "(" expr ")"

``DATE`` literals are written ``2026-01-01``. Names are record fields, rule
parameters, ``let`` definitions and the built-ins ``D`` (reference date),
``effective_from``, ``valid_until`` and ``state_pension_date``.

Nothing here ever calls ``eval``: rule files are untrusted input.

>>> parse("add_months(D, -12) > hire_date").op
'>'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import RuleError, closest, did_you_mean

# ----------------------------------------------------------------- AST

DATE, NUMBER, BOOL, STRING, NULL = "date", "number", "bool", "string", "null"


@dataclass(frozen=True)
class Node:
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Lit(Node):
    value: object = None  # int day number for dates, float for numbers, bool, str or None
    type: str = NUMBER


@dataclass(frozen=True)
class Name(Node):
    name: str = ""


@dataclass(frozen=True)
class Unary(Node):
    op: str = ""
    arg: Node = None


@dataclass(frozen=True)
class Binary(Node):
    op: str = ""
    left: Node = None
    right: Node = None


@dataclass(frozen=True)
class Call(Node):
    fn: str = ""
    args: tuple = ()


@dataclass(frozen=True)
class InList(Node):
    arg: Node = None
    items: tuple = ()


COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
ARITH = ("+", "-", "*", "/")
FUNCTIONS = {
    # name: (min args, max args, description)
    "add_months": (2, 2, "add_months(date, months): same day n months later, clipped to month end"),
    "add_days": (2, 2, "add_days(date, days)"),
    "full_months": (2, 2, "full_months(from, to): whole months between two dates (0 if to < from)"),
    "max": (2, 9, "max(a, b, ...)"),
    "min": (2, 9, "min(a, b, ...)"),
    "if": (3, 3, "if(condition, then, else)"),
    "coalesce": (2, 9, "coalesce(a, b, ...): the first value that is not null"),
    "absent_days": (2, 6, "absent_days(from, to, 'sick', ...): days in [from, to] with documented absence "
                          "of these kinds (all kinds when none is named)"),
}

# ----------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|!=|[<>+\-*/(),\[\]])
""", re.VERBOSE)

KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}

# Rule files are untrusted input and every engine walks expressions recursively: these
# bounds keep a pathological expression an error at file:line:col, never a RecursionError.
# Real conditions are a few hundred characters and a handful of levels deep.
MAX_LENGTH = 2_000  # characters in one expression
MAX_DEPTH = 32  # nested parentheses, calls and operators (a chain of n 'or' nests n deep)


@dataclass
class Tok:
    kind: str
    text: str
    pos: int


class ExprSyntaxError(RuleError):
    """A syntax or name error inside one expression; ``offset`` is the 0-based column in it."""

    def __init__(self, message: str, offset: int, suggestion: str | None = None):
        super().__init__(message, code="expression", suggestion=suggestion)
        self.offset = offset


def tokenize(src: str) -> list[Tok]:
    out, i = [], 0
    while i < len(src):
        m = _TOKEN.match(src, i)
        if not m:
            raise ExprSyntaxError(f"unexpected character {src[i]!r}", i)
        kind = m.lastgroup
        if kind != "ws":
            text = m.group()
            if kind == "name" and text in KEYWORDS:
                kind = text
            out.append(Tok(kind, text, i))
        i = m.end()
    out.append(Tok("eof", "", len(src)))
    return out


class _Parser:
    def __init__(self, src: str):
        self.src = src
        if len(src) > MAX_LENGTH:
            raise ExprSyntaxError(f"expression longer than {MAX_LENGTH:,} characters ({len(src):,}); "
                                  "write a long list of alternatives as 'x in [a, b, c]'", 0)
        self.toks = tokenize(src)
        self.i = 0
        self.depth = 0

    def nested(self, parse_inner, pos: int):
        """``parse_inner()`` one level deeper; refused beyond ``MAX_DEPTH`` before Python's stack is."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ExprSyntaxError(f"expression nested more than {MAX_DEPTH} levels deep", pos)
            return parse_inner()
        finally:
            self.depth -= 1

    def peek(self) -> Tok:
        return self.toks[self.i]

    def take(self, kind: str | None = None, text: str | None = None) -> Tok:
        t = self.peek()
        if (kind and t.kind != kind) or (text and t.text != text):
            want = text or kind
            got = "end of expression" if t.kind == "eof" else repr(t.text)
            raise ExprSyntaxError(f"expected {want!r}, found {got}", t.pos)
        self.i += 1
        return t

    def accept(self, kind: str, text: str | None = None) -> Tok | None:
        t = self.peek()
        if t.kind == kind and (text is None or t.text == text):
            self.i += 1
            return t
        return None

    def parse(self) -> Node:
        if self.peek().kind == "eof":
            raise ExprSyntaxError("empty expression", 0)
        node = self.or_()
        t = self.peek()
        if t.kind != "eof":
            raise ExprSyntaxError(f"unexpected {t.text!r} after a complete expression", t.pos)
        _check_depth(node)
        return node

    def or_(self):
        left = self.and_()
        while (t := self.accept("or")):
            left = Binary(t.pos, "or", left, self.and_())
        return left

    def and_(self):
        left = self.not_()
        while (t := self.accept("and")):
            left = Binary(t.pos, "and", left, self.not_())
        return left

    def not_(self):
        if (t := self.accept("not")):
            return Unary(t.pos, "not", self.nested(self.not_, t.pos))
        return self.cmp()

    def cmp(self):
        left = self.sum()
        t = self.peek()
        if t.kind == "op" and t.text in COMPARISONS:
            self.i += 1
            return Binary(t.pos, t.text, left, self.sum())
        if t.kind == "in":
            self.i += 1
            self.take("op", "[")
            items = [self.sum()]
            while self.accept("op", ","):
                items.append(self.sum())
            self.take("op", "]")
            return InList(t.pos, left, tuple(items))
        return left

    def sum(self):
        left = self.term()
        while (t := self.peek()).kind == "op" and t.text in "+-":
            self.i += 1
            left = Binary(t.pos, t.text, left, self.term())
        return left

    def term(self):
        left = self.unary()
        while (t := self.peek()).kind == "op" and t.text in "*/":
            self.i += 1
            left = Binary(t.pos, t.text, left, self.unary())
        return left

    def unary(self):
        if (t := self.accept("op", "-")):
            arg = self.nested(self.unary, t.pos)
            if isinstance(arg, Lit) and arg.type == NUMBER:
                return Lit(t.pos, -arg.value, NUMBER)
            return Unary(t.pos, "-", arg)
        return self.atom()

    def atom(self):
        t = self.peek()
        self.i += 1
        if t.kind == "number":
            if float(t.text) == float("inf"):
                raise ExprSyntaxError(f"number {t.text[:12]}... is too large", t.pos)
            return Lit(t.pos, float(t.text), NUMBER)
        if t.kind == "date":
            from datetime import date
            from ..calendar import check_bounds, to_daynum
            try:
                day = date.fromisoformat(t.text)
            except ValueError:
                raise ExprSyntaxError(f"{t.text} is not a valid date", t.pos) from None
            try:
                return Lit(t.pos, to_daynum(check_bounds(day, "date")), DATE)
            except ValueError as exc:
                raise ExprSyntaxError(str(exc), t.pos) from None
        if t.kind == "string":
            return Lit(t.pos, t.text[1:-1], STRING)
        if t.kind in ("true", "false"):
            return Lit(t.pos, t.kind == "true", BOOL)
        if t.kind == "null":
            return Lit(t.pos, None, NULL)
        if t.kind == "name":
            if self.accept("op", "("):
                args = []
                if not self.accept("op", ")"):
                    args.append(self.nested(self.or_, t.pos))
                    while self.accept("op", ","):
                        args.append(self.nested(self.or_, t.pos))
                    self.take("op", ")")
                if t.text not in FUNCTIONS:
                    dym = did_you_mean(t.text, FUNCTIONS, otherwise=f"; known: {', '.join(FUNCTIONS)}")
                    raise ExprSyntaxError(f"unknown function {t.text!r}{dym}", t.pos, closest(t.text, FUNCTIONS))
                lo, hi, _ = FUNCTIONS[t.text]
                if not lo <= len(args) <= hi:
                    raise ExprSyntaxError(f"{t.text}() takes {lo}{'' if lo == hi else f'..{hi}'} arguments, got {len(args)}", t.pos)
                return Call(t.pos, t.text, tuple(args))
            return Name(t.pos, t.text)
        if t.kind == "op" and t.text == "(":
            node = self.nested(self.or_, t.pos)
            self.take("op", ")")
            return node
        got = "end of expression" if t.kind == "eof" else repr(t.text)
        raise ExprSyntaxError(f"expected a value, found {got}", t.pos)


def parse(src: str) -> Node:
    """Parse one expression; raises :class:`ExprSyntaxError` with a 0-based offset.

    >>> parse("a or " * 40 + "a")
    Traceback (most recent call last):
    hpr_rules.language.expr.ExprSyntaxError: expression nested more than 32 levels deep; write a long list of alternatives as 'x in [a, b, c]'
    """
    return _Parser(str(src)).parse()


def _check_depth(node: Node) -> None:
    """Refuse a tree deeper than ``MAX_DEPTH`` (chains of 'and'/'or'/'+' nest without parentheses)."""
    stack = [(node, 1)]
    while stack:  # iterative: this is the check that keeps the recursive walks safe
        n, d = stack.pop()
        if d > MAX_DEPTH:
            raise ExprSyntaxError(f"expression nested more than {MAX_DEPTH} levels deep; write a long "
                                  "list of alternatives as 'x in [a, b, c]'", n.pos)
        stack.extend((c, d + 1) for c in children(n))


# ----------------------------------------------------------------- types

def check_types(node: Node, env: dict[str, str]) -> str:
    """Infer the type of ``node`` given the types of names; raise on errors.

    ``env`` maps every known name to its type. Unknown names get a did-you-mean.
    """
    def err(msg, n):
        raise ExprSyntaxError(msg, n.pos)

    def t(n: Node) -> str:
        if isinstance(n, Lit):
            return n.type
        if isinstance(n, Name):
            if n.name not in env:
                raise ExprSyntaxError(f"unknown name {n.name!r}{did_you_mean(n.name, env)}", n.pos,
                                      closest(n.name, env))
            return env[n.name]
        if isinstance(n, Unary):
            a = t(n.arg)
            if n.op == "not":
                if a != BOOL:
                    err(f"'not' needs a condition, got a {a}", n)
                return BOOL
            if a != NUMBER:
                err(f"'-' needs a number, got a {a}", n)
            return NUMBER
        if isinstance(n, InList):
            a = t(n.arg)
            for it in n.items:
                b = t(it)
                if b not in (a, NULL):
                    err(f"'in' compares a {a} with a {b}", it)
            return BOOL
        if isinstance(n, Binary):
            a, b = t(n.left), t(n.right)
            if n.op in ("and", "or"):
                if a != BOOL or b != BOOL:
                    err(f"'{n.op}' needs conditions on both sides, got {a} and {b}", n)
                return BOOL
            if n.op in COMPARISONS:
                if NULL in (a, b):
                    if n.op not in ("==", "!="):
                        err("null can only be compared with == or !=", n)
                    return BOOL
                if a != b:
                    err(f"cannot compare a {a} with a {b}", n)
                if a in (BOOL, STRING) and n.op not in ("==", "!="):
                    err(f"'{n.op}' does not apply to a {a}", n)
                return BOOL
            if n.op == "-" and a == DATE and b == DATE:
                return NUMBER  # days between
            if a != NUMBER or b != NUMBER:
                err(f"'{n.op}' needs numbers, got {a} and {b}" +
                    ("; use add_months/add_days for dates" if DATE in (a, b) else ""), n)
            return NUMBER
        if isinstance(n, Call):
            ts = [t(x) for x in n.args]
            if n.fn in ("add_months", "add_days"):
                if ts != [DATE, NUMBER]:
                    err(f"{n.fn}(date, number) got ({', '.join(ts)})", n)
                return DATE
            if n.fn == "absent_days":
                _check_absent_days(n, ts)
                return NUMBER
            if n.fn == "full_months":
                if ts != [DATE, DATE]:
                    err(f"full_months(date, date) got ({', '.join(ts)})", n)
                return NUMBER
            if n.fn == "if":
                if ts[0] != BOOL:
                    err("if() needs a condition as first argument", n)
                kinds = {x for x in ts[1:] if x != NULL}
                if len(kinds) > 1:
                    err(f"if() branches have different types: {' and '.join(sorted(kinds))}", n)
                return kinds.pop() if kinds else NULL
            kinds = {x for x in ts if x != NULL}
            if len(kinds) != 1 or kinds.pop() not in (DATE, NUMBER) and n.fn != "coalesce":
                err(f"{n.fn}() needs arguments of one type (all dates or all numbers), got {', '.join(ts)}", n)
            return next(x for x in ts if x != NULL)
        raise AssertionError(n)  # pragma: no cover

    return t(node)


def _check_absent_days(n: Call, ts: list[str]) -> None:
    from ..absence import KINDS
    if ts[:2] != [DATE, DATE]:
        raise ExprSyntaxError(f"absent_days(date, date, kind, ...) got ({', '.join(ts)})", n.pos)
    for a in n.args[2:]:
        if not (isinstance(a, Lit) and a.type == STRING):
            raise ExprSyntaxError(f"absent_days() names kinds as quoted words: {', '.join(map(repr, KINDS))}", a.pos)
        if a.value not in KINDS:
            raise ExprSyntaxError(f"unknown absence kind {a.value!r}{did_you_mean(a.value, KINDS)}; kinds: "
                                  f"{', '.join(KINDS)}", a.pos, closest(a.value, KINDS))


def calls_in(node: Node, fn: str) -> bool:
    """Whether ``node`` calls function ``fn`` anywhere."""
    return (isinstance(node, Call) and node.fn == fn) or any(calls_in(c, fn) for c in children(node))


def names_in(node: Node) -> set[str]:
    """All names an expression refers to."""
    out: set[str] = set()

    def walk(n):
        if isinstance(n, Name):
            out.add(n.name)
        for child in children(n):
            walk(child)

    walk(node)
    return out


def children(n: Node) -> tuple:
    if isinstance(n, Unary):
        return (n.arg,)
    if isinstance(n, Binary):
        return (n.left, n.right)
    if isinstance(n, Call):
        return n.args
    if isinstance(n, InList):
        return (n.arg,) + n.items
    return ()


def substitute(node: Node, values: dict[str, Node]) -> Node:
    """Replace names by nodes (used to bind parameters as constants)."""
    if isinstance(node, Name):
        return values.get(node.name, node)
    if isinstance(node, Unary):
        return Unary(node.pos, node.op, substitute(node.arg, values))
    if isinstance(node, Binary):
        return Binary(node.pos, node.op, substitute(node.left, values), substitute(node.right, values))
    if isinstance(node, Call):
        return Call(node.pos, node.fn, tuple(substitute(a, values) for a in node.args))
    if isinstance(node, InList):
        return InList(node.pos, substitute(node.arg, values), tuple(substitute(a, values) for a in node.items))
    return node


def to_text(n: Node) -> str:
    """Render an expression back to source form (for traces and diffs)."""
    from ..calendar import from_daynum
    if isinstance(n, Lit):
        if n.type == DATE:
            return from_daynum(n.value).isoformat()
        if n.type == NUMBER:
            v = n.value
            return str(int(v)) if float(v).is_integer() else repr(v)
        if n.type == STRING:
            return repr(n.value)
        return {True: "true", False: "false", None: "null"}[n.value]
    if isinstance(n, Name):
        return n.name
    if isinstance(n, Unary):
        inner = to_text(n.arg)
        if isinstance(n.arg, (Binary, InList)):
            inner = f"({inner})"
        return f"not {inner}" if n.op == "not" else f"-{inner}"
    if isinstance(n, Binary):
        l, r = to_text(n.left), to_text(n.right)
        if isinstance(n.left, (Binary, InList)) and _PREC[_op(n.left)] < _PREC[n.op]:
            l = f"({l})"
        if isinstance(n.right, (Binary, InList)) and _PREC[_op(n.right)] <= _PREC[n.op]:
            r = f"({r})"
        return f"{l} {n.op} {r}"
    if isinstance(n, Call):
        return f"{n.fn}({', '.join(to_text(a) for a in n.args)})"
    if isinstance(n, InList):
        return f"{to_text(n.arg)} in [{', '.join(to_text(a) for a in n.items)}]"
    raise AssertionError(n)  # pragma: no cover


_PREC = {"or": 1, "and": 2, "in": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4,
         "+": 5, "-": 5, "*": 6, "/": 6}


def _op(n: Node) -> str:
    return "in" if isinstance(n, InList) else n.op
