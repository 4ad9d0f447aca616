"""Everything ``hpr rules validate`` finds in a draft, as one list of diagnostics.

:func:`collect_diagnostics` is the one collecting function. It reports, each as a
:class:`hpr_rules.diagnostics.Diagnostic` with a code:

* loading errors of every file (``yaml``, ``schema``, ``expression``, ``name-clash``,
  ``duplicate-id``, ``missing-file``), file by file, so one typo does not hide the next;
* ``parameter-gap``: a parameter without a value on a date the rule is in force;

and, probing a synthetic population on dates across each rule's life:

* ``empty-scope``: a scope condition that excludes everyone in the probes;
* ``unreachable-exemption``: an exemption that holds only where an earlier step
  already decided; ``exemption-never-holds``: one that never holds;
* ``exemption-overlap`` (a note): two exemptions hold for someone in scope, so their
  order decides which reason is given.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..diagnostics import Diagnostic, has_errors, sort_key
from ..errors import RuleError


def _diag(doc, path, severity, code, message, suggestion=None) -> Diagnostic:
    line, col = doc.where(path)
    return Diagnostic(doc.file, line, col, severity, code, message, suggestion)


def _from_error(exc: RuleError) -> list[Diagnostic]:
    return [Diagnostic.from_error(e) for e in (getattr(exc, "failures", None) or [exc])]


def collect_diagnostics(directory: str | Path, probe: bool = True) -> list[Diagnostic]:
    """Every diagnostic of the draft in ``directory``, sorted by file and place.

    Loading errors of every file are reported (not only the first); the checks of a
    loaded draft follow when no file has an error. ``probe=False`` skips the checks
    that evaluate a synthetic population (the slow part).
    """
    from ..language.model import load_rulebook
    try:
        book = load_rulebook(directory)
    except RuleError as exc:
        out = _from_error(exc)
        if Path(directory).is_dir():
            seen = {(d.location(), d.message) for d in out}
            out += [d for d in _file_errors(Path(directory)) if (d.location(), d.message) not in seen]
        return sorted(out, key=sort_key)
    return sorted(check_book(book, probe), key=sort_key)


def _file_errors(d: Path) -> list[Diagnostic]:
    """Each file's own loading error, file by file (loading the draft stops at the first)."""
    from ..language.model import PENSION_FILE, StatePensionTable, _finish, _load, _validate, load_rule_file
    out: list[Diagnostic] = []
    pension, ptext = None, ""
    if (d / PENSION_FILE).exists():
        try:
            pension = _validate(_load(d / PENSION_FILE), StatePensionTable)
            ptext = (d / PENSION_FILE).read_text(encoding="utf-8-sig")
        except RuleError as exc:
            out += _from_error(exc)
    for p in sorted(d.glob("*.yaml")):
        if p.name == PENSION_FILE:
            continue
        try:
            rule = load_rule_file(p)
            if pension is not None:
                _finish([rule], pension, str(d), ptext)
        except RuleError as exc:
            out += _from_error(exc)
    return out


def check_book(book, probe: bool = True) -> list[Diagnostic]:
    """The checks of a loaded draft: parameter gaps, then (``probe``) the probing checks."""
    out: list[Diagnostic] = []
    pop = None
    for rule in book.rules:
        gaps = _parameter_gaps(rule)
        out += gaps
        if gaps or not probe:
            continue
        if pop is None:
            pop = _with_rule_dispensations(_probe_population(), book)
        out += _probe_rule(book, rule, pop)
    return out


def _parameter_gaps(rule) -> list[Diagnostic]:
    m = rule.model
    return [_diag(rule.doc, ("parameters", name, "values", 0), "error", "parameter-gap",
                  f"parameter {name!r} has no value from {m.effective_from} (effective_from) "
                  f"until {p.values[0].from_}")
            for name, p in m.parameters.items() if p.values[0].from_ > m.effective_from]


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
    import numpy as np

    from ..records import generate_population
    df = generate_population(n, seed)
    rng = np.random.default_rng(seed)
    # make every branch reachable: everyone in scope half the time, many dispensations and sick leave
    half = rng.random(n) < 0.5
    df.loc[half, "physically_demanding"] = True
    df.loc[half, "salary_scale"] = np.minimum(df.loc[half, "salary_scale"], 7)
    return df


def _strings_in(rule) -> set[str]:
    """The string literals a rule's conditions compare with (e.g. a dispensation ground)."""
    from ..language.compile import _parse_rule
    from ..language.expr import STRING, Lit, children
    found: set[str] = set()

    def walk(n):
        if isinstance(n, Lit) and n.type == STRING:
            found.add(n.value)
        for c in children(n):
            walk(c)

    lets, steps, _ = _parse_rule(rule)
    for s in steps:
        walk(s.condition)
    for _, e, _ in lets:
        walk(e)
    return found


def _with_rule_dispensations(pop, book, seed=11):
    """Per-rule dispensations for a tenth of the probes, with every ground the draft's
    conditions name and one they do not, ending on dates across the rules' lives."""
    import numpy as np
    import pandas as pd

    from ..records.sidetables import attach_dispensations
    rng = np.random.default_rng(seed)
    rows = []
    ids = pop["employee_id"].to_numpy()
    for rule in book.rules:
        grounds = sorted(_strings_in(rule)) + ["(other ground)"]
        pick = np.flatnonzero(rng.random(len(pop)) < 0.1)
        start = rule.model.effective_from
        days = rng.integers(0, 10 * 366, len(pick))
        for i, d in zip(pick, days):
            rows.append((ids[i], rule.id, pd.Timestamp(start) + pd.Timedelta(days=int(d)),
                         grounds[rng.integers(len(grounds))]))
    table = pd.DataFrame(rows, columns=["employee_id", "rule_id", "until", "ground"])
    return attach_dispensations(pop, table)


def _probe_rule(book, rule, pop) -> list[Diagnostic]:
    import numpy as np

    from ..engines.vector import eval_vector, run_rule
    from ..engines.columns import frame_columns
    from ..language.compile import compile_rule
    from ..calendar import to_daynum
    out: list[Diagnostic] = []
    m = rule.model
    doc = rule.doc
    decided = {}
    in_scope = 0
    holds = {}
    both: dict[tuple[int, int], int] = {}  # (earlier, later) exemption steps holding together
    dates = probe_dates(rule)
    for day in dates:
        cr = compile_rule(rule, day)
        cols = frame_columns(pop, cr.fields | {"birth_date"}, book.pension)
        step, _ = run_rule(cr, cols, len(pop), to_daynum(day))
        scope_k = next(k for k, s in enumerate(cr.steps) if s.kind == "scope")
        reach = step > scope_k  # in scope: the exemptions are looked at
        hits = {}
        env = dict(cols)
        env["D"] = (np.full(len(pop), to_daynum(day)), np.ones(len(pop), dtype=bool))
        for k, s in enumerate(cr.steps):
            decided[k] = decided.get(k, 0) + int((step == k).sum())
            if s.kind == "exemption":
                hit, _ = eval_vector(s.condition, env, len(pop))
                holds[k] = holds.get(k, 0) + int(hit.sum())
                hits[k] = np.asarray(hit, dtype=bool) & reach
        for a in hits:
            for b in hits:
                if a < b:
                    both[(a, b)] = both.get((a, b), 0) + int((hits[a] & hits[b]).sum())
        in_scope += int(reach.sum())
    steps = compile_rule(rule, m.effective_from).steps
    probes = len(pop) * len(dates)
    if in_scope == 0:
        # every exemption is unreachable then; saying so adds nothing
        return [_diag(doc, ("scope", "condition"), "error", "empty-scope",
                      f"the scope condition excludes everyone in {probes:,} probes")]
    step_of = {s.reason: j for j, s in enumerate(steps) if s.kind == "exemption"}
    for i, ex in enumerate(m.exemptions):
        k = step_of[ex.reason]
        where = ("exemptions", i, "condition")
        if decided.get(k, 0) == 0 and holds.get(k, 0) > 0:
            out.append(_diag(doc, where, "warning", "unreachable-exemption",
                             f"exemption {ex.reason!r} is unreachable: whenever it holds ({holds[k]:,} of "
                             f"{probes:,} probes) an earlier step already decided"))
        elif holds.get(k, 0) == 0:
            out.append(_diag(doc, where, "warning", "exemption-never-holds",
                             f"exemption {ex.reason!r} never holds in {probes:,} probes"))
        else:
            for earlier in m.exemptions[:i]:
                n_both = both.get((step_of[earlier.reason], k), 0)
                if n_both:
                    out.append(_diag(doc, where, "note", "exemption-overlap",
                                     f"exemption {ex.reason!r} overlaps {earlier.reason!r} in {n_both:,} "
                                     f"probes; there {earlier.reason!r} decides, as it comes first"))
    return out


__all__ = ["collect_diagnostics", "check_book", "probe_dates", "has_errors"]
