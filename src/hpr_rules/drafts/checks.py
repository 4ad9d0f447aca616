"""Static checks of a draft, beyond what loading already rejects (``hpr rules validate``).

Loading rejects schema errors, unknown names (with a did-you-mean), type errors and
overlapping dated parameter periods, each at ``file:line:col``. These checks find
drafts that load but cannot mean what their author intended:

* a parameter without a value on a date the rule is in force;
* an exemption that never decides anything because earlier steps always cover it
  (found by probing: a synthetic population on dates across the rule's life);
* a scope condition that excludes everyone in the probes;
* a rule the durable engine cannot run (beyond durable_rules' limits even after lowering);
* exemptions that overlap (both hold for someone in scope): a note, since then the
  order of the exemptions decides which reason is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass
class Finding:
    file: str
    line: int | None
    col: int | None
    message: str
    severity: str = "error"

    def __str__(self):
        where = ":".join(str(x) for x in (self.file, self.line, self.col) if x is not None)
        return f"{where}: {self.severity}: {self.message}"


def probe_dates(rule) -> list[dt.date]:
    m = rule.model
    start = m.effective_from
    end = m.valid_until or dt.date(start.year + 10, start.month, 1)
    dates = {start, end}
    for p in m.parameters.values():
        dates.update(v.from_ for v in p.values if start <= v.from_ <= end)
    y = start.year
    while dt.date(y, 1, 1) <= end:
        if dt.date(y, 7, 1) >= start:
            dates.add(dt.date(y, 7, 1))
        y += 2
    return sorted(d for d in dates if start <= d <= end)


def _probe_population(n=3000, seed=7):
    from ..records import generate_population
    df = generate_population(n, seed)
    rng = np.random.default_rng(seed)
    # make every branch reachable: everyone in scope half the time, many dispensations and sick leave
    half = rng.random(n) < 0.5
    df.loc[half, "physically_demanding"] = True
    df.loc[half, "salary_scale"] = np.minimum(df.loc[half, "salary_scale"], 7)
    return df


def check_rulebook_static(book) -> list[Finding]:
    from ..engines.vector import run_rule
    from ..engines.columns import frame_columns
    from ..engines.durable import lowering_problems
    from ..language.compile import compile_rule
    from ..calendar import to_daynum
    out: list[Finding] = []
    pop = None
    for rule in book.rules:
        m = rule.model
        doc = rule.doc
        for name, p in m.parameters.items():
            if p.values[0].from_ > m.effective_from:
                line, col = doc.where(("parameters", name, "values", 0))
                out.append(Finding(doc.file, line, col,
                                   f"parameter {name!r} has no value from {m.effective_from} (effective_from) "
                                   f"until {p.values[0].from_}"))
        if any(f.file == doc.file for f in out):
            continue
        if pop is None:
            pop = _probe_population()
        decided = {}
        in_scope = 0
        holds = {}
        both: dict[tuple[int, int], int] = {}  # (earlier, later) exemption steps holding together
        for day in probe_dates(rule):
            cr = compile_rule(rule, day)
            for problem in lowering_problems(cr):  # said here, before any check runs on durable
                f = Finding(doc.file, None, None, f"the durable engine cannot run this rule: {problem}")
                out.extend([f] if f not in out else [])
            cols = frame_columns(pop, cr.fields | {"birth_date"}, book.pension)
            step, _ = run_rule(cr, cols, len(pop), to_daynum(day))
            scope_k = next(k for k, s in enumerate(cr.steps) if s.kind == "scope")
            reach = step > scope_k  # in scope: the exemptions are looked at
            hits = {}
            for k, s in enumerate(cr.steps):
                decided[k] = decided.get(k, 0) + int((step == k).sum())
                if s.kind == "exemption":
                    from ..engines.vector import eval_vector
                    env = dict(cols)
                    env["D"] = (np.full(len(pop), to_daynum(day)), np.ones(len(pop), dtype=bool))
                    hit, _ = eval_vector(s.condition, env, len(pop))
                    holds[k] = holds.get(k, 0) + int(hit.sum())
                    hits[k] = np.asarray(hit, dtype=bool) & reach
            for a in hits:
                for b in hits:
                    if a < b:
                        both[(a, b)] = both.get((a, b), 0) + int((hits[a] & hits[b]).sum())
            in_scope += int(reach.sum())
        steps = compile_rule(rule, m.effective_from).steps
        probes = len(pop) * len(probe_dates(rule))
        if in_scope == 0:
            line, col = doc.where(("scope", "condition"))
            out.append(Finding(doc.file, line, col, f"the scope condition excludes everyone in {probes:,} probes"))
            continue  # every exemption is unreachable then; saying so adds nothing
        step_of = {s.reason: j for j, s in enumerate(steps) if s.kind == "exemption"}
        for i, ex in enumerate(m.exemptions):
            k = step_of[ex.reason]
            if decided.get(k, 0) == 0 and holds.get(k, 0) > 0:
                line, col = doc.where(("exemptions", i, "condition"))
                out.append(Finding(doc.file, line, col,
                                   f"exemption {ex.reason!r} is unreachable: whenever it holds ({holds[k]:,} of "
                                   f"{probes:,} probes) an earlier step already decided", "warning"))
            elif holds.get(k, 0) == 0:
                line, col = doc.where(("exemptions", i, "condition"))
                out.append(Finding(doc.file, line, col,
                                   f"exemption {ex.reason!r} never holds in {probes:,} probes", "warning"))
            else:
                for earlier in m.exemptions[:i]:
                    n_both = both.get((step_of[earlier.reason], k), 0)
                    if n_both:
                        line, col = doc.where(("exemptions", i, "condition"))
                        out.append(Finding(doc.file, line, col,
                                           f"exemption {ex.reason!r} overlaps {earlier.reason!r} in {n_both:,} "
                                           f"probes; there {earlier.reason!r} decides, as it comes first", "note"))
    return out
