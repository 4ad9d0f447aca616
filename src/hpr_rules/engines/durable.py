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


class _Lowering:
    """Turns IR conditions into durable_rules JSON over facts of one message."""

    def __init__(self):
        self.derived: dict[str, Node] = {}  # fact name -> expression computed per record
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

    def cond(self, n: Node, neg: bool = False) -> dict:
        if isinstance(n, Lit) and n.type == BOOL:
            return _TRUE if (bool(n.value) != neg) else _FALSE
        if isinstance(n, Unary) and n.op == "not":
            return self.cond(n.arg, not neg)
        if isinstance(n, Binary) and n.op in ("and", "or"):
            op = n.op if not neg else ("or" if n.op == "and" else "and")
            return {f"${op}": [self.cond(n.left, neg), self.cond(n.right, neg)]}
        if isinstance(n, InList):
            eqs = [Binary(n.pos, "==", n.arg, it) for it in n.items]
            node = eqs[0]
            for e in eqs[1:]:
                node = Binary(n.pos, "or", node, e)
            return self.cond(node, neg)
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
                return {"$and": oks + [cmp]}
            # not (L op R) with nulls: a side is null, or the opposite comparison holds
            nulls = [{k: False} for o in oks for k in o]
            return {"$or": nulls + [cmp]}
        if isinstance(n, Name):  # a boolean field or let
            self.facts.add(n.name)
            return {n.name: not neg}
        raise DurableEngineError(f"cannot lower {n!r} to durable_rules")


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
        low = _Lowering()
        conds = [low.cond(s.condition) for s in rule.steps]
        sig = json.dumps([rule.id, conds, sorted((k, repr(v)) for k, v in low.derived.items())], sort_keys=True,
                         default=repr)
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
        env = dict(env)
        env["D"] = day_num
        lets = {}
        for lname, expr, _ in rule.lets:
            env[lname] = lets[lname] = eval_scalar(expr, env)
        for fname, expr in low.derived.items():
            env[fname] = eval_scalar(expr, env)
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


__all__ = ["DurableEngine", "DurableEngineError", "to_json", "names_in", "NULL"]
