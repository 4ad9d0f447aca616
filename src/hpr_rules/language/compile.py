"""Compile rule files into one intermediate form (IR) that every engine runs.

The decision order of shared/spec/interventions.md lives here and nowhere else:

1. ``not_in_force``   D < effective_from, or D > valid_until
2. ``not_applicable`` / ``not_employed``   hire_date > D or employment_end_date < D
3. ``not_applicable`` / ``out_of_scope``   not (scope condition)
4. ``exempt`` / <reason>   the rule's exemptions, in file order
5. the norm's outcomes (deadline or hours), each split by the norm's reason codes

A compiled rule is therefore an ordered list of :class:`Step` (status, reason,
condition); the first step whose condition holds decides. Parameters are bound to
their values on the reference date, so conditions only mention record fields,
``D``, ``state_pension_date`` and ``let`` values. ``let`` values (dates, hours)
are computed per record by the shared evaluator before any condition is tested.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from ..calendar import to_daynum
from ..errors import RuleError
from .expr import (BOOL, DATE, NULL, NUMBER, STRING, Binary, ExprSyntaxError, Lit, Name, Node, Unary,
                   calls_in, check_types, names_in, parse, substitute, to_text)
from .model import LoadedRule, RuleBook

STATUSES = ("not_in_force", "not_applicable", "exempt", "compliant", "due_soon", "violation", "invalid")

EMPLOYMENT = "hire_date > D or (employment_end_date != null and employment_end_date < D)"
IN_FORCE = "D < effective_from or (valid_until != null and D > valid_until)"

_TYPE_OF = {"string": STRING, "date": DATE, "int": NUMBER, "decimal": NUMBER, "bool": BOOL}


def record_types() -> dict[str, str]:
    """Types of the record fields as the expression language sees them."""
    from ..records.schema import FIELD_TYPES
    out = {k: _TYPE_OF[v] for k, v in FIELD_TYPES.items()}
    out["state_pension_date"] = DATE  # derived from birth_date and the AOW table
    return out


BUILTINS = {"D": DATE, "effective_from": DATE, "valid_until": DATE}


def rule_names() -> dict[str, str]:
    """Names that mean a different frame column for each rule (per-rule dispensations)."""
    from ..records.sidetables import RULE_FIELDS
    return {name: _TYPE_OF[typ] for name, (_, typ) in RULE_FIELDS.items()}


def field_type(name: str) -> str | None:
    """The type of a frame column the engines read: a record field, ``state_pension_date``
    or the column of a per-rule name (``dispensation_<rule_id>_until``); else None."""
    t = record_types().get(name)
    if t is None:
        from ..records.sidetables import rule_field_type
        kind = rule_field_type(name)
        t = _TYPE_OF[kind] if kind else None
    return t


@dataclass(frozen=True)
class Step:
    status: str
    reason: str
    condition: Node
    article: str
    kind: str  # in_force | employment | scope | exemption | norm
    source: str = ""  # condition as written in the file (before binding)


@dataclass
class CompiledRule:
    """One rule on one reference date: lets in evaluation order and ordered steps."""

    id: str
    rule: LoadedRule
    date: dt.date
    params: dict[str, object]
    lets: list[tuple[str, Node, str]]  # (name, expression, type)
    steps: list[Step]
    norm_type: str
    outputs: dict[str, str] = field(default_factory=dict)  # output column -> let name

    @cached_property
    def fields(self) -> frozenset[str]:
        """Record fields (and derived fields) this rule reads (worked out once: the parts of a
        streamed file ask for every part)."""
        out = set()
        for _, e, _ in self.lets:
            out |= names_in(e)
        for s in self.steps:
            out |= names_in(s.condition)
        from ..absence import COLUMN, FUNCTION
        reads_absences = any(calls_in(e, FUNCTION) for _, e, _ in self.lets) or \
            any(calls_in(s.condition, FUNCTION) for s in self.steps)
        return frozenset({n for n in out if field_type(n) is not None} | ({COLUMN} if reads_absences else set()))


@dataclass
class CompiledBook:
    book: RuleBook
    date: dt.date
    rules: list[CompiledRule]

    def fields(self) -> set[str]:
        out = set()
        for r in self.rules:
            out |= r.fields
        return out

    @cached_property
    def shared_keys(self) -> dict:
        """Where the vector engine keeps which of these rules' expressions it may share
        between them (:class:`hpr_rules.engines.vector.Shared`): worked out once per book."""
        return {}


# ------------------------------------------------------------------ helpers

def _param_lit(v) -> Lit:
    if v is None:
        return Lit(0, None, NULL)
    if isinstance(v, bool):
        return Lit(0, v, BOOL)
    if isinstance(v, dt.date):
        return Lit(0, to_daynum(v), DATE)
    return Lit(0, float(v), NUMBER)


def _param_type(p) -> str:
    kinds = {_param_lit(v.value).type for v in p.values} - {NULL}
    return kinds.pop() if len(kinds) == 1 else NUMBER


class _Ctx:
    """Parses expressions of one rule file and reports errors at file:line:col."""

    def __init__(self, rule: LoadedRule):
        self.rule = rule
        m = rule.model
        self.env = dict(record_types())
        self.env.update(BUILTINS)
        self.env.update(rule_names())
        for name, p in m.parameters.items():
            if name in self.env:
                self.fail(f"parameter {name!r} has the name of a record field or built-in", ("parameters", name),
                          code="name-clash")
            self.env[name] = _param_type(p)

    def fail(self, msg, path, offset=None, suggestion=None, code="expression"):
        doc = self.rule.doc
        line, col = doc.where(path)
        if offset is not None and line is not None:
            # expressions are plain one-line scalars; quoted ones start one column later
            text = doc.data
            for p in path:
                text = text[p] if isinstance(text, (dict, list)) else text
            col = col + offset + (1 if self._quoted(line, col) else 0)
        raise RuleError(msg, file=doc.file, line=line, col=col, key=".".join(map(str, path)), code=code,
                        suggestion=suggestion)

    def _quoted(self, line, col):
        lines = self.rule.text.splitlines()
        try:
            return lines[line - 1][col - 1] in "'\""
        except IndexError:
            return False

    def expr(self, src: str, path, want: str | None = None) -> Node:
        try:
            node = parse(src)
            t = check_types(node, self.env)
        except ExprSyntaxError as exc:
            self.fail(exc.message, path, exc.offset, exc.suggestion)
        if want and t != want and not (want == DATE and t == NULL):
            self.fail(f"expected a {want} here, but the expression gives a {t}", path, 0)
        return node


def _and(a: Node, b: Node) -> Node:
    if isinstance(a, Lit) and a.value is True:
        return b
    if isinstance(b, Lit) and b.value is True:
        return a
    return Binary(0, "and", a, b)


TRUE = Lit(0, True, BOOL)


def _parse_rule(rule: LoadedRule):
    """Parse and type-check every expression of a rule file (no binding)."""
    m = rule.model
    cx = _Ctx(rule)
    lets: list[tuple[str, Node, str]] = []
    for name, src in m.norm.let.items():
        if name in cx.env:
            cx.fail(f"let {name!r} has the name of a field, parameter or built-in", ("norm", "let", name),
                    code="name-clash")
        node = cx.expr(src, ("norm", "let", name))
        t = check_types(node, cx.env)
        cx.env[name] = t
        lets.append((name, node, t))

    def add_let(name, src, path, want):
        node = cx.expr(src, path, want)
        cx.env[name] = want
        lets.append((name, node, want))

    if m.norm.type == "deadline":
        add_let("due", m.norm.due, ("norm", "due"), DATE)
        warn = cx.expr(m.norm.warn_months, ("norm", "warn_months"), NUMBER)
        lets.append(("warn_from", parse(f"add_months(due, -({to_text(warn)}))"), DATE))
        cx.env["warn_from"] = DATE
        outcomes = [("violation", parse("D > due")), ("due_soon", parse("D >= warn_from")), ("compliant", TRUE)]
        outputs = {"due_date": "due"}
    else:
        add_let("required", m.norm.required, ("norm", "required"), NUMBER)
        add_let("actual", m.norm.actual, ("norm", "actual"), NUMBER)
        pending = cx.expr(m.norm.pending, ("norm", "pending"), BOOL)
        outcomes = [("compliant", parse("actual >= required")), ("due_soon", pending), ("violation", TRUE)]
        outputs = {"required_hours": "required", "actual_hours": "actual"}

    steps = [
        Step("not_in_force", "", parse(IN_FORCE), m.article.reference, "in_force", IN_FORCE),
        Step("not_applicable", "not_employed", parse(EMPLOYMENT), m.article.reference, "employment", EMPLOYMENT),
    ]
    scope = cx.expr(m.scope.condition, ("scope", "condition"), BOOL)
    steps.append(Step("not_applicable", "out_of_scope", Unary(0, "not", scope),
                      m.scope.article, "scope", f"not ({m.scope.condition})"))
    for i, ex in enumerate(m.exemptions):
        cond = cx.expr(ex.condition, ("exemptions", i, "condition"), BOOL)
        steps.append(Step("exempt", ex.reason, cond, ex.article, "exemption", ex.condition))
    reasons = [(r.code, cx.expr(r.when, ("norm", "reasons", i, "when"), BOOL), r.article or m.norm.article)
               for i, r in enumerate(m.norm.reasons)]
    for status, cond in outcomes:
        for code, when, article in reasons:
            steps.append(Step(status, code, _and(cond, when), article, "norm", to_text(_and(cond, when))))
        steps.append(Step(status, "", cond, m.norm.article, "norm", to_text(cond)))
    return lets, steps, outputs


def compile_rule(rule: LoadedRule, day: dt.date) -> CompiledRule:
    m = rule.model
    lets, steps, outputs = _parse_rule(rule)
    params: dict[str, object] = {}
    in_force = m.effective_from <= day and (m.valid_until is None or day <= m.valid_until)
    for name, p in m.parameters.items():
        v = p.value_on(day)
        if v is None:
            if in_force:
                line, col = rule.doc.where(("parameters", name))
                raise RuleError(f"parameter {name!r} has no value on {day} (first value from "
                                f"{p.values[0].from_})", file=rule.doc.file, line=line, col=col, code="parameter-gap")
            v = p.values[0]  # the rule is not in force on this day: any value will do
        params[name] = v.value
    binding = {k: _param_lit(v) for k, v in params.items()}
    binding["effective_from"] = _param_lit(m.effective_from)
    binding["valid_until"] = _param_lit(m.valid_until)
    from ..records.sidetables import rule_field_column
    binding.update({name: Name(0, rule_field_column(name, m.id)) for name in rule_names()})
    b_lets = [(n, substitute(e, binding), t) for n, e, t in lets]
    b_steps = [Step(s.status, s.reason, substitute(s.condition, binding), s.article, s.kind, s.source) for s in steps]
    return CompiledRule(m.id, rule, day, params, b_lets, b_steps, m.norm.type, outputs)


def compile_book(book: RuleBook, day: dt.date, only: list[str] | None = None) -> CompiledBook:
    from ..calendar import check_bounds
    from ..errors import InputError
    try:
        check_bounds(day, "reference date")
    except ValueError as exc:
        raise InputError(str(exc), key="date") from None
    rules = book.select(only).rules if only else book.rules
    return CompiledBook(book, day, [compile_rule(r, day) for r in rules])


def check_rulebook(book: RuleBook) -> None:
    """Parse and type-check every rule; raise the first error with its place."""
    for r in book.rules:
        _parse_rule(r)


__all__ = ["compile_book", "compile_rule", "CompiledBook", "CompiledRule", "Step", "STATUSES",
           "check_rulebook", "record_types", "field_type", "rule_names", "Name"]
