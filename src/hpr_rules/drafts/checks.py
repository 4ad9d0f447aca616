"""Everything ``hpr rules validate`` finds in a draft, as one list of diagnostics.

:func:`collect_diagnostics` is the one collecting function. It reports, each as a
:class:`hpr_rules.diagnostics.Diagnostic` with a code:

* loading errors of every file (``yaml``, ``schema``, ``expression``, ``name-clash``,
  ``duplicate-id``, ``missing-file``), file by file, so one typo does not hide the next;
* ``parameter-gap``: a parameter without a value on a date the rule is in force;
* ``missing-legal-instrument`` (a warning): the rule does not say how it binds;

and, probing a synthetic population on dates across each rule's life:

* ``empty-scope``: a scope condition that excludes everyone in the probes;
* ``unreachable-exemption``: an exemption that holds only where an earlier step
  already decided; ``exemption-never-holds``: one that never holds;
* ``date-range``: date arithmetic that leaves the calendar's bounds (1900-01-01..2200-12-31)
  for some probe, at the place of the expression;
* ``durable-limit``: a rule the durable engine cannot run (beyond durable_rules' limits
  even after lowering), said before any check runs on it;
* ``exemption-overlap`` (a note): two exemptions hold for someone in scope, so their
  order decides which reason is given;

and, for deadline rules, probing the same population month by month over the rule's life:

* ``temporal-cliff``: someone goes from violation or due_soon to exempt or compliant with
  no change in their data, only because time passes (the situation is held fixed: the
  optional fields an exemption reads, such as a sick leave or a dispensation, are empty);
* ``deadline-inside-exemption``: someone is in violation of a due date on which an
  exemption held (the term ran out while they were exempt).

Hours norms assess a rolling window anew on every date, so a change between dates is
not a cliff there; they are not probed over time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..diagnostics import Diagnostic, has_errors, sort_key
from ..errors import DateRangeError, RuleError


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
        out += gaps + _legal_instrument(rule)
        if gaps or not probe:
            continue
        if pop is None:
            pop = _with_rule_dispensations(_probe_population(), book)
        try:
            out += _probe_rule(book, rule, pop)
            out += _temporal_checks(book, rule, pop)
        except DateRangeError as exc:
            out.append(_date_range(rule, exc))
    return out


def _date_range(rule, exc) -> Diagnostic:
    """A probe whose date arithmetic left the calendar's bounds, at the expression's place."""
    m, where = rule.model, exc.where or ""
    if where in m.norm.let:
        path: tuple = ("norm", "let", where)
    elif where in ("due", "warn_from", "required", "actual", "pending"):
        path = ("norm", "due" if where == "warn_from" else where)
    elif where == "scope":
        path = ("scope", "condition")
    elif where.startswith("exemption "):
        reasons = [e.reason for e in m.exemptions]
        path = ("exemptions", reasons.index(where.split(" ", 1)[1]), "condition")
    else:
        path = ("norm",)
    exc.update(rule=rule.id)
    return _diag(rule.doc, path, "error", "date-range",
                 f"on the probe population: {exc.message}")


def _legal_instrument(rule) -> list[Diagnostic]:
    if rule.model.legal_instrument:
        return []
    return [_diag(rule.doc, ("id",), "warning", "missing-legal-instrument",
                  "no legal_instrument: say how the rule binds (an agreement under the cao, the works "
                  "council's consent, or the employer's instruction right, BW 7:660)")]


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

    from ..engines.vector import Env, eval_vector, run_rule
    from ..engines.columns import frame_columns
    from ..engines.durable import lowering_problems
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
        for problem in lowering_problems(cr):  # said here, before any check runs on durable
            d = Diagnostic(doc.file, None, None, "error", "durable-limit",
                           f"the durable engine cannot run this rule: {problem}")
            out.extend([d] if d not in out else [])
        cols = frame_columns(pop, cr.fields | {"birth_date"}, book.pension)
        step, lets = run_rule(cr, cols, len(pop), to_daynum(day))
        scope_k = next(k for k, s in enumerate(cr.steps) if s.kind == "scope")
        reach = step > scope_k  # in scope: the exemptions are looked at
        hits = {}
        # an exemption may read a let (e.g. tested on the due date); date arithmetic beyond the
        # bounds where the decision never looks is flagged in the Env, not an error (run_rule decided)
        env = Env({**cols, **lets})
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


def _month_grid(rule) -> list[dt.date]:
    from ..calendar import add_months
    dates = probe_dates(rule)
    start, end = dates[0], dates[-1]
    out, k = [], 0
    while (d := add_months(start, k)) <= end:
        out.append(d)
        k += 1
    return out


def _without_events(pop, rule):
    """The population with the optional record fields the exemptions read emptied (and no
    per-rule dispensations or absences): each person's situation held fixed."""
    import pandas as pd

    from ..language.compile import _parse_rule
    from ..language.expr import names_in
    from ..records.schema import FIELD_TYPES, REQUIRED
    from ..records.sidetables import rule_field_type
    _, steps, _ = _parse_rule(rule)
    read = set().union(*[names_in(s.condition) for s in steps if s.kind == "exemption"])
    fixed = pop.drop(columns=[c for c in pop.columns if rule_field_type(c) or c == "absences"])
    for name in read:
        if name in FIELD_TYPES and name not in REQUIRED and name in fixed.columns:
            fixed[name] = pd.NaT if FIELD_TYPES[name] == "date" else None
            if FIELD_TYPES[name] == "date":
                fixed[name] = fixed[name].astype("datetime64[ns]")
    return fixed


def _example(pop, i, dates, j, due):
    from ..calendar import from_daynum
    born = pop["birth_date"].iloc[i]
    born = f"born {born.date().isoformat()}, " if hasattr(born, "date") else ""
    return born, (from_daynum(int(due)).isoformat() if due is not None else "?")


def _temporal_checks(book, rule, pop) -> list[Diagnostic]:
    import numpy as np

    from ..engines.columns import frame_columns
    from ..engines.vector import eval_vector
    from .timeline import decide_over_dates
    m = rule.model
    if m.norm.type != "deadline":
        return []
    doc = rule.doc
    dates = _month_grid(rule)
    out: list[Diagnostic] = []
    where_of = {e.reason: ("exemptions", i, "condition") for i, e in enumerate(m.exemptions)}

    # temporal-cliff: the same people, their situation fixed, month after month
    fixed = _without_events(pop, rule)
    steps, lets, compiled = decide_over_dates(rule, fixed, dates, book.pension)
    st = compiled[0].steps
    status = np.array([s.status for s in st], dtype=object)
    before = np.isin(status[steps[:-1]], ["violation", "due_soon"])
    after = np.isin(status[steps[1:]], ["exempt", "compliant"])
    cliff = before & after
    due_v, due_ok = lets["due"]
    for k in sorted(set(steps[1:][cliff].tolist())):
        hit = cliff & (steps[1:] == k)
        j, i = (int(x[0]) for x in np.nonzero(hit))
        s = st[k]
        born, due = _example(fixed, i, dates, j, due_v[j, i] if due_ok[j, i] else None)
        to = f"exempt ({s.reason})" if s.status == "exempt" else s.status
        path = where_of.get(s.reason, ("norm", "due"))
        out.append(_diag(doc, path, "warning", "temporal-cliff",
                         f"temporal cliff: {int(hit.sum()):,} month-to-month probes go from "
                         f"{status[steps[j, i]]} to {to} with no change in the person's data; e.g. {born}"
                         f"{status[steps[j, i]]} on {dates[j]} (due {due}), {to} on {dates[j + 1]}"))

    # deadline-inside-exemption: violations of a due date on which an exemption held
    steps, lets, compiled = decide_over_dates(rule, pop, dates, book.pension)
    due_v, due_ok = lets["due"]
    viol = (status[steps] == "violation") & due_ok
    if viol.any():
        jj, ii = np.nonzero(viol)
        cols_all = frame_columns(pop, compiled[0].fields | {"birth_date"}, book.pension)
        env = {k: (v[ii], ok[ii]) for k, (v, ok) in cols_all.items()}
        for name, (v, ok) in lets.items():
            env[name] = (v[jj, ii], ok[jj, ii])
        env["D"] = (due_v[jj, ii], np.ones(len(ii), dtype=bool))
        taken = np.zeros(len(ii), dtype=bool)
        for s in compiled[0].steps:
            if s.kind != "exemption":
                continue
            # the exemption as bound on each probe's own date (parameters may differ by date)
            hit = np.zeros(len(ii), dtype=bool)
            for cr in {id(c): c for c in compiled}.values():
                rows = np.array([compiled[j] is cr for j in jj])
                cond = next(x.condition for x in cr.steps if x.kind == "exemption" and x.reason == s.reason)
                h, _ = eval_vector(cond, env, len(ii))
                hit |= np.asarray(h, dtype=bool) & rows
            hit &= ~taken
            taken |= hit
            if hit.any():
                t = int(np.flatnonzero(hit)[0])
                born, due = _example(pop, int(ii[t]), dates, int(jj[t]), due_v[jj[t], ii[t]])
                out.append(_diag(doc, where_of[s.reason], "warning", "deadline-inside-exemption",
                                 f"deadline inside exemption: {int(hit.sum()):,} probes are in violation of a due "
                                 f"date on which exemption {s.reason!r} held, so the term ran out while they were "
                                 f"exempt; e.g. {born}due {due}, violation on {dates[int(jj[t])]}"))
    return out


__all__ = ["collect_diagnostics", "check_book", "probe_dates", "has_errors"]
