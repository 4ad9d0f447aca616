"""The durable_rules engine: the compiled conditions run as durable_rules rulesets.

Each compiled rule becomes one ruleset whose rules are its decision steps, with
salience ``pri`` = the step's place in the decision order. A record is posted as
an event; durable_rules consumes an event with the matching rule of highest
salience, so "the first step that applies wins" is decided by the engine itself,
and that rule's action records the decision. (Making the steps mutually exclusive
by conjoining the negations of all earlier steps instead overflows durable_rules'
expression limit, error 113.) Date and hour arithmetic (``let`` values and compound operands) is
computed per record by the shared scalar evaluator and handed over as facts (dates
as day numbers), so durable_rules only compares.

Traps of durable_rules 2.0 handled here (each seen on this version):

* a record that matches no rule raises MessageNotHandledException: a catch-all rule
  with the lowest priority fires instead, and is reported as an engine error;
* ``$nex``/``$ex`` on a missing attribute can hang the engine: every attribute is
  always present, with an explicit ``<name>__ok`` flag for null;
* floats in exponent form (``1e-05``) and NaN are rejected by its JSON parser:
  messages are serialised here with positional floats and no NaN;
* ``$or`` may fire once per matching branch: decisions are recorded per state id
  and a second one for the same record is an error;
* state ids must not collide between runs: each record gets a fresh id, and its
  state is deleted after use;
* exceptions raised inside actions are swallowed by the host: the action catches
  and stores them, and the engine re-raises after the post;
* each Host starts two dispatch threads that take pending actions of any ruleset
  every 0.2 s and so can steal the decision of a record being posted: the host
  here starts none; actions run synchronously in :meth:`DurableEngine._post`.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np

from ..errors import DateRangeError
from ..language.compile import CompiledRule
from ..language.expr import BOOL, NULL, Binary, InList, Lit, Name, Node, Unary, names_in
from .scalar import eval_scalar, is_null_lit

_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NEG = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_TRUE = {"_one": 1}
_FALSE = {"_one": 0}


class DurableEngineError(RuntimeError):
    pass


def _num(v) -> str:
    """JSON number without exponent (durable_rules' parser rejects ``1e-05``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if not math.isfinite(f):
        raise DurableEngineError(f"cannot hand {f!r} to durable_rules")
    s = np.format_float_positional(f, unique=True, trim="-")
    return s


def to_json(msg: dict) -> str:
    parts = []
    for k, v in msg.items():
        if isinstance(v, str):
            val = json.dumps(v, ensure_ascii=False)
        else:
            val = _num(v)
        parts.append(f"{json.dumps(k)}:{val}")
    return "{" + ",".join(parts) + "}"


# durable_rules 2.0 keeps one rule's condition in a sequence of at most 31 entries, and each
# $and/$or takes two (its operator and an end mark); comparisons with a constant or another
# fact of the message cost none. One more group fails with "error code 113".
MAX_GROUPS = 15
# a message (one record) holds at most ~253 properties: two per fact (value and null flag)
MAX_MESSAGE_PROPERTIES = 250


def _join(op: str, parts: list[dict]) -> dict:
    """``{op: parts}`` with nested groups of the same operator merged and neutral parts dropped."""
    keep, neutral, absorbing = [], (_TRUE if op == "$and" else _FALSE), (_FALSE if op == "$and" else _TRUE)
    for p in parts:
        if p == neutral:
            continue
        if p == absorbing:
            return absorbing
        keep.extend(p[op] if list(p) == [op] else [p])
    if not keep:
        return neutral
    return keep[0] if len(keep) == 1 else {op: keep}


def groups(cond) -> int:
    """How many $and/$or groups a lowered condition has (what durable_rules limits)."""
    if isinstance(cond, dict):
        return sum((k in ("$and", "$or")) + groups(v) for k, v in cond.items())
    if isinstance(cond, list):
        return sum(groups(c) for c in cond)
    return 0


class _Lowering:
    """Turns IR conditions into durable_rules JSON over facts of one message."""

    def __init__(self):
        self.derived: dict[str, Node] = {}  # fact name -> expression computed per record
        self.flags: dict[str, Node] = {}  # fact name -> sub-condition decided per record
        self._by_expr: dict[Node, str] = {}
        self.facts: set[str] = set()

    def operand(self, n: Node):
        """('fact', name) or ('const', value) for one side of a comparison."""
        if isinstance(n, Lit):
            return ("const", n.value)
        if isinstance(n, Name):
            self.facts.add(n.name)
            return ("fact", n.name)
        if n not in self._by_expr:
            name = f"_x{len(self._by_expr)}"
            self._by_expr[n] = name
            self.derived[name] = n
            self.facts.add(name)
        return ("fact", self._by_expr[n])

    def step(self, n: Node) -> dict:
        """One decision step's condition, within durable_rules' limit of groups.

        Where the condition as a whole needs more groups, its largest operands are decided
        per record by the shared evaluator and handed over as boolean facts (as arithmetic
        is), largest first, until it fits.
        """
        cond = self.cond(n)
        if groups(cond) <= MAX_GROUPS:
            return cond
        neg = False
        while isinstance(n, Unary) and n.op == "not":
            n, neg = n.arg, not neg
        if not (isinstance(n, Binary) and n.op in ("and", "or")):
            return self.flag(n, neg)
        operands = _operands(n, n.op)
        parts = [self.cond(o, neg) for o in operands]
        op = "$" + (n.op if not neg else ("or" if n.op == "and" else "and"))
        for i in sorted(range(len(parts)), key=lambda i: -groups(parts[i])):
            if groups(_join(op, parts)) <= MAX_GROUPS:
                break
            parts[i] = self.flag(operands[i], neg)
        return _join(op, parts)

    def flag(self, n: Node, neg: bool) -> dict:
        if n not in self._by_expr:
            name = f"_b{len(self.flags)}"
            self._by_expr[n] = name
            self.flags[name] = n
            self.facts.add(name)
        return {self._by_expr[n]: not neg}

    def cond(self, n: Node, neg: bool = False) -> dict:
        if isinstance(n, Lit) and n.type == BOOL:
            return _TRUE if (bool(n.value) != neg) else _FALSE
        if isinstance(n, Unary) and n.op == "not":
            return self.cond(n.arg, not neg)
        if isinstance(n, Binary) and n.op in ("and", "or"):
            op = n.op if not neg else ("or" if n.op == "and" else "and")
            return _join(f"${op}", [self.cond(n.left, neg), self.cond(n.right, neg)])
        if isinstance(n, InList):
            return self.in_list(n, neg)
        if isinstance(n, Binary) and (is_null_lit(n.left) or is_null_lit(n.right)):
            other = n.right if is_null_lit(n.left) else n.left
            kind, val = self.operand(other)
            if kind == "const":
                is_null = val is None
                return _TRUE if ((is_null if n.op == "==" else not is_null) != neg) else _FALSE
            want_null = (n.op == "==") != neg
            return {f"{val}__ok": not want_null}
        if isinstance(n, Binary):
            op = _NEG[n.op] if neg else n.op
            l, r = self.operand(n.left), self.operand(n.right)
            if l[0] == "const" and r[0] == "const":
                from .scalar import eval_scalar as ev
                return _TRUE if bool(ev(Binary(0, op, Lit(0, l[1]), Lit(0, r[1])), {})) else _FALSE
            if l[0] == "const":
                l, r, op = r, l, _FLIP[op]
            target = {"$m": r[1]} if r[0] == "fact" else r[1]
            cmp = {l[1]: target} if op == "==" else {_OPS[op]: {l[1]: target}}
            oks = [{f"{l[1]}__ok": True}] + ([{f"{r[1]}__ok": True}] if r[0] == "fact" else [])
            if not neg:
                return _join("$and", oks + [cmp])
            # not (L op R) with nulls: a side is null, or the opposite comparison holds
            nulls = [{k: False} for o in oks for k in o]
            return _join("$or", nulls + [cmp])
        if isinstance(n, Name):  # a boolean field or let
            self.facts.add(n.name)
            return {n.name: not neg}
        raise DurableEngineError(f"cannot lower {n!r} to durable_rules")

    def in_list(self, n: InList, neg: bool) -> dict:
        """``x in [a, b, ...]`` as one group of equalities (null never matches), not a chain
        of or-groups: a list of any length costs at most two groups."""
        kind, x = self.operand(n.arg)
        if kind == "const":
            from .scalar import eval_scalar as ev
            return _TRUE if bool(ev(n, {})) != neg else _FALSE
        hits = []
        for item in n.items:
            ik, iv = self.operand(item)
            if ik == "const":
                if iv is not None:
                    hits.append({x: iv} if not neg else {"$neq": {x: iv}})
            elif not neg:
                hits.append(_join("$and", [{f"{iv}__ok": True}, {x: {"$m": iv}}]))
            else:
                hits.append(_join("$or", [{f"{iv}__ok": False}, {"$neq": {x: {"$m": iv}}}]))
        if not neg:
            return _join("$and", [{f"{x}__ok": True}, _join("$or", hits)])
        return _join("$or", [{f"{x}__ok": False}, _join("$and", hits)])


def _operands(n: Node, op: str) -> list[Node]:
    """The operands of a chain of one operator: ``a or b or c`` -> [a, b, c]."""
    out, stack = [], [n]
    while stack:
        x = stack.pop()
        if isinstance(x, Binary) and x.op == op:
            stack.extend((x.right, x.left))
        else:
            out.append(x)
    return out


def lowering_problems(rule: CompiledRule) -> list[str]:
    """Why ``rule`` cannot run on durable_rules (empty when it can); checked before any record."""
    low = _Lowering()
    try:
        conds = [low.step(s.condition) for s in rule.steps]
    except DurableEngineError as exc:
        return [str(exc)]
    out = [f"step {k} ({s.kind} {s.reason or s.status}) needs {groups(c)} condition groups; durable_rules "
           f"allows {MAX_GROUPS}" for k, (s, c) in enumerate(zip(rule.steps, conds)) if groups(c) > MAX_GROUPS]
    props = 2 * len(low.facts | {n for n, _, _ in rule.lets}) + 2
    if props > MAX_MESSAGE_PROPERTIES:
        out.append(f"a record needs {props} message properties; durable_rules allows {MAX_MESSAGE_PROPERTIES}")
    return out


class DurableEngine:
    """One durable_rules host with one ruleset per compiled rule; close() when done."""

    _ids = itertools.count()

    def __init__(self):
        from durable.engine import Host

        engine = self

        class _Host(Host):
            def get_action(self, name):
                return engine._actions[name]

            def _run(self):
                # Host starts two self-rescheduling threads that call start_action and
                # assert_timers on every ruleset every 0.2 s. One of them can take the
                # action of a record between our assert_event and do_actions (a rare,
                # timing-dependent lost decision). Actions are run synchronously here,
                # and no timers are used, so the host runs no threads at all.
                self._d_timer = self._t_timer = None

        self._actions: dict[str, object] = {}
        self._decided: dict[str, int] = {}
        self._errors: list[BaseException] = []
        self._Host = _Host
        self._host = None
        self._rulesets: dict[str, tuple[str, _Lowering]] = {}  # lowered signature -> ruleset
        self._by_id: dict[int, tuple[CompiledRule, str, _Lowering]] = {}
        self._seq = itertools.count()
        self._tag = next(DurableEngine._ids)

    def _host_(self):
        if self._host is None:
            self._host = self._Host()
        return self._host

    def close(self):
        self._host = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def ruleset_for(self, rule: CompiledRule) -> tuple[str, _Lowering]:
        """The durable ruleset of ``rule`` (created once per distinct lowered rule).

        Not keyed by ``id(rule)`` alone: a compiled rule that has been garbage collected
        leaves its id free for the next one (another rule, or other parameters), which
        would then run the wrong ruleset. The cache holds the rule, and rulesets are
        shared only between rules whose lowered conditions and facts are identical.
        """
        hit = self._by_id.get(id(rule))
        if hit is not None and hit[0] is rule:
            return hit[1], hit[2]
        problems = lowering_problems(rule)
        if problems:
            raise DurableEngineError(f"rule {rule.id} cannot run on durable_rules: {'; '.join(problems)}")
        low = _Lowering()
        conds = [low.step(s.condition) for s in rule.steps]
        sig = json.dumps([rule.id, conds, sorted((k, repr(v)) for k, v in low.derived.items()),
                          sorted((k, repr(v)) for k, v in low.flags.items())], sort_keys=True, default=repr)
        if sig not in self._rulesets:
            name = f"hpr_{rule.id}_{self._tag}_{len(self._rulesets)}"
            definition = {}
            for k, cond in enumerate(conds):
                action = f"{name}.step{k}"
                self._actions[action] = self._record(k)
                definition[f"step{k}"] = {"all": [{"m": cond}], "pri": k + 1, "run": action}
            catch = f"{name}.unmatched"
            self._actions[catch] = self._record(-1)
            definition["unmatched"] = {"all": [{"m": _TRUE}], "pri": 1000, "run": catch}
            self._host_().set_rulesets({name: definition})
            self._rulesets[sig] = (name, low)
        name, low = self._rulesets[sig]
        self._by_id[id(rule)] = (rule, name, low)
        return name, low

    def _record(self, k):
        def action(c):
            try:
                sid = c.m["sid"]
                if sid in self._decided:
                    raise DurableEngineError(f"record {sid} fired two rules ({self._decided[sid]} and {k})")
                self._decided[sid] = k
            except BaseException as exc:  # durable_rules swallows exceptions in actions
                self._errors.append(exc)
        return action

    def ruleset_json(self, rule: CompiledRule) -> dict:
        """The ruleset definition as durable_rules receives it (for inspection)."""
        name, _ = self.ruleset_for(rule)
        return self._host_().get_ruleset(name)._definition

    def decide(self, rule: CompiledRule, env: dict, day_num: int) -> tuple[int, dict]:
        """Decide one record (env: name -> scalar value); returns (step, lets)."""
        name, low = self.ruleset_for(rule)
        record = env
        env = dict(env)
        env["D"] = day_num
        lets = {}
        try:
            for lname, expr, _ in rule.lets:
                env[lname] = lets[lname] = eval_scalar(expr, env)
            for fname, expr in low.derived.items():
                env[fname] = eval_scalar(expr, env)
            for fname, expr in low.flags.items():
                env[fname] = bool(eval_scalar(expr, env))
        except DateRangeError:
            # the facts are computed for every step, also those the decision order never
            # reaches for this record: the reference interpreter decides it, and stops the run
            # only where the arithmetic that left the calendar's bounds decides
            from .reference import decide as decide_reference
            return decide_reference(rule, record, day_num)[:2]
        sid = f"{self._tag}-{next(self._seq)}"
        msg = {"sid": sid, "_one": 1}
        for f in sorted(low.facts):
            v = env.get(f)
            msg[f] = 0 if v is None else v
            msg[f + "__ok"] = v is not None
        self._post(name, msg)
        k = self._decided.pop(sid, None)
        if self._errors:
            exc = self._errors[0]
            self._errors.clear()
            raise DurableEngineError(f"a durable_rules action failed: {exc}") from exc
        if k is None or k < 0:
            raise DurableEngineError(f"no decision step matched record {sid} of rule {rule.id}")
        return k, lets

    def _post(self, name, msg):
        import durable_rules_engine as dre
        host = self._host_()
        rs = host.get_ruleset(name)
        err = [None]

        def done(e, state):
            err[0] = e

        # Host.post would serialise with json.dumps (exponent floats); same steps, own JSON.
        rs.do_actions(rs._handle_result(dre.assert_event(rs._handle, to_json(msg)), msg), done)
        if err[0]:
            raise DurableEngineError(f"durable_rules failed on a record: {err[0]}")
        host.delete_state(name, msg["sid"])

    def run_rule(self, rule: CompiledRule, cols, n: int, day_num: int, progress=None):
        from .reference import per_record
        return per_record(rule, cols, n, lambda env: self.decide(rule, env, day_num), progress)


__all__ = ["DurableEngine", "DurableEngineError", "lowering_problems", "to_json", "names_in", "NULL"]
