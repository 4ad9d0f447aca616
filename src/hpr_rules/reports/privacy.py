"""Disclosure control over linked tables: no count of 1..4 people can be told from a report.

A report is one set of linked cells (:class:`Linked`): every number it shows, and the
counts it does not show but that follow from them (the compliant in a group, those out of
scope), tied together by the linear relations of how the tables are built (a row adds up to
its total, a group has the same head count in every table, next year's workforce is this
year's end) and by what the verdict says (a share stays below its threshold).

:func:`protect` hides every count of 1..4 (primary suppression) and then, by linear
programming, as few other cells as it takes (secondary suppression) until no hidden cell can
be narrowed to an interval narrower than 5 by any combination of the published numbers (the
protection standard of tau-ARGUS). A 0 is published unless it reveals a whole group (all
members of a group in violation: :meth:`Linked.revealing`). :func:`attack` is that intruder: for each hidden cell it
minimises and maximises the cell subject to every published number and relation, with
HiGHS (highspy). The test suite runs the same attack on numbers parsed back out of rendered
reports.

Hidden cells are all shown as ``x``: a separate mark for "fewer than 5" would itself narrow
the cell to 1..4.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Hashable, Iterable

import numpy as np

MIN_GROUP = 5      # a count of 1..4 people is never published
MIN_WIDTH = 5.0    # every hidden cell must stay uncertain over at least this width
HIDDEN = "x"
_EPS = 1e-6

Key = Hashable


@dataclass
class Constraint:
    """``lo <= sum(coef * cell) <= hi``."""
    coefs: dict
    lo: float = 0.0
    hi: float = 0.0


@dataclass
class Linked:
    """The cells of one report and the linear relations between them.

    ``shown`` cells appear somewhere in the report (unless hidden); ``latent`` cells never
    do but follow from others. ``count`` cells are numbers of people: a count of 1..4 is
    sensitive. ``resolution`` is the step in which a shown cell is printed (1 for a count,
    1 euro for an amount), so that a relation still holds on rounded numbers.
    """
    values: dict = field(default_factory=dict)
    shown: set = field(default_factory=set)
    counts: set = field(default_factory=set)
    resolution: dict = field(default_factory=dict)
    constraints: list = field(default_factory=list)
    weight: dict = field(default_factory=dict)
    attributes: set = field(default_factory=set)

    def cell(self, key: Key, value, *, count: bool = True, shown: bool = True, resolution: float = 0.0,
             weight: float = 1.0, attribute: bool = False) -> Key:
        """Declare a cell (again: the same key is the same cell in every table that shows it).
        ``weight`` makes a cell dearer to hide as a complement (a headline number);
        ``attribute``: the cell counts people with something to protect (a violation, an
        exemption for sickness), so that it may not be a whole group (see :meth:`revealing`)."""
        value = float(value)
        if key in self.values and abs(self.values[key] - value) > _EPS:
            raise ValueError(f"cell {key!r} declared with two values: {self.values[key]} and {value}")
        self.values[key] = value
        if count:
            self.counts.add(key)
        if shown:
            self.shown.add(key)
        self.resolution[key] = min(resolution, self.resolution.get(key, resolution))
        self.weight[key] = max(weight, self.weight.get(key, weight))
        if attribute:
            self.attributes.add(key)
        return key

    def total(self, total: Key, parts: Iterable[Key], coefs: Iterable[float] | None = None,
              if_true: bool = False) -> None:
        """``total = sum(coef * part)`` (coefficients 1 unless given). ``if_true``: only where
        it holds on the data (numbers aggregated over runs add up only where the runs agree,
        as in the first year; where they do, an intruder may use it)."""
        parts = list(parts)
        coefs = [1.0] * len(parts) if coefs is None else [float(c) for c in coefs]
        terms: dict = {}
        for p, c in zip(parts, coefs):
            terms[p] = terms.get(p, 0.0) + c
        terms[total] = terms.get(total, 0.0) - 1.0
        self.relate(terms, if_true=if_true)

    def same(self, a: Key, b: Key) -> None:
        self.relate({a: 1.0, b: -1.0})

    def relate(self, coefs: dict, lo: float = 0.0, hi: float = 0.0, if_true: bool = False) -> None:
        missing = [k for k in coefs if k not in self.values]
        if missing:
            raise KeyError(f"relation names undeclared cells: {missing!r}")
        coefs = {k: c for k, c in coefs.items() if c != 0}
        if coefs and not (if_true and not self._holds(Constraint(coefs, lo, hi))):
            self.constraints.append(Constraint(coefs, lo, hi))

    def _holds(self, c: Constraint) -> bool:
        s = sum(v * self.values[k] for k, v in c.coefs.items())
        tol = sum(abs(v) * self.resolution[k] for k, v in c.coefs.items()) / 2 + _EPS
        return c.lo - tol <= s <= c.hi + tol

    def include(self, other: "Linked", prefix: tuple) -> None:
        """Every cell and relation of ``other``, its keys prefixed with ``prefix`` (several
        reports in one: each keeps its own cells), none of them shown yet."""
        def k(key):
            return prefix + (key if isinstance(key, tuple) else (key,))
        for key, v in other.values.items():
            self.cell(k(key), v, count=key in other.counts, shown=False, resolution=other.resolution[key],
                      weight=other.weight.get(key, 1.0), attribute=key in other.attributes)
        for c in other.constraints:
            self.constraints.append(Constraint({k(key): v for key, v in c.coefs.items()}, c.lo, c.hi))

    def sensitive(self, key: Key) -> bool:
        return key in self.counts and 0 < self.values[key] < MIN_GROUP

    def revealing(self) -> set:
        """Attribute cells that make up the whole of a group: the other parts of the group's
        total are all 0, so each of its members is known to have the attribute (all 7 in a
        unit are in violation). A 0 is no small group and is published; it is sensitive
        only here, where it tells something about everyone in a group, and then its
        nonzero complement is protected like a small count."""
        out = set()
        for c in self.constraints:
            if c.lo != 0 or c.hi != 0:
                continue
            totals = [k for k, v in c.coefs.items() if v == -1.0]
            parts = [k for k, v in c.coefs.items() if v == 1.0]
            if len(totals) != 1 or len(parts) + 1 != len(c.coefs) or totals[0] not in self.counts:
                continue
            total = self.values[totals[0]]
            for p in parts:
                if p in self.attributes and total > 0 and self.values[p] == total and \
                        all(q in self.counts for q in parts):
                    out.add(p)
        return out

    def check(self) -> None:
        """Every relation holds on the true values (within the printing resolution)."""
        for c in self.constraints:
            if not self._holds(c):
                s = sum(v * self.values[k] for k, v in c.coefs.items())
                raise ValueError(f"relation does not hold on the data: {c.coefs!r} = {s}, not in [{c.lo}, {c.hi}]")


def attack(linked: Linked, published: dict, targets: Iterable[Key] | None = None,
           width: float | None = None) -> dict:
    """The interval ``(lo, hi)`` of every cell that is not in ``published`` (or of ``targets``),
    given the published values and every relation of ``linked``: what an intruder with a
    linear-programming solver learns. ``hi`` may be ``inf``. With ``width``, a cell already
    seen to take values at least ``width`` apart (in solutions found for other cells) is
    not solved for: its interval is then the part seen, which lies inside the true one.

    Published values are taken as printed: a relation need only hold within the rounding
    of its published terms.
    """
    unknown = [k for k in linked.values if k not in published]
    want = set(unknown if targets is None else targets) - set(published)
    index = {k: i for i, k in enumerate(unknown)}
    rows = []  # (coefs over unknowns, lo, hi)
    for c in linked.constraints:
        known = sum(v * published[k] for k, v in c.coefs.items() if k in published)
        tol = sum(abs(v) * linked.resolution.get(k, 1.0) for k, v in c.coefs.items() if k in published) / 2
        free = {index[k]: v for k, v in c.coefs.items() if k not in published}
        if free:
            rows.append((free, c.lo - known - tol, c.hi - known + tol))
    # connected components of unknowns, so each LP is only as large as it must be
    parent = list(range(len(unknown)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for free, _, _ in rows:
        ids = list(free)
        for j in ids[1:]:
            parent[find(j)] = find(ids[0])
    comps: dict = {}
    for i in range(len(unknown)):
        comps.setdefault(find(i), []).append(i)
    by_comp: dict = {}
    for r in rows:
        by_comp.setdefault(find(next(iter(r[0]))), []).append(r)
    out = {}
    for root, members in comps.items():
        targets_here = [i for i in members if unknown[i] in want]
        if targets_here:
            local = {g: j for j, g in enumerate(members)}
            rows_here = [({local[g]: v for g, v in free.items()}, lo, hi) for free, lo, hi in by_comp.get(root, [])]
            for g, iv in zip(targets_here, _ranges(len(members), rows_here, [local[g] for g in targets_here], width)):
                out[unknown[g]] = iv
    for k in want - set(out):  # in no relation at all: anything from 0 up
        out[k] = (0.0, math.inf)
    return out


def _highs():
    """A silent HiGHS instance. The first one a process makes prints a banner straight to
    file descriptor 1 (not through Python), which would end up in a report piped to stdout."""
    import highspy
    if not _QUIETED:
        sys.stdout.flush()
        saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
            try:
                ctypes.CDLL(None).fflush(None)
            except (OSError, AttributeError, TypeError):  # no C library handle (Windows): nothing buffered there
                pass
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _QUIETED.append(True)
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


_QUIETED: list = []


def _ranges(n: int, rows: list, targets: list, width: float | None = None) -> list:
    """Min and max of each target column over ``lo <= A x <= hi, x >= 0``: one HiGHS model,
    re-solved from the previous basis for each objective (much faster than a fresh LP).
    Every solution is a point an intruder cannot rule out: with ``width``, a column whose
    values in the solutions so far already lie ``width`` apart is not solved for."""
    import highspy
    h = _model(n, rows, np.zeros(n), np.full(n, np.inf), np.zeros(n))
    seen_lo, seen_hi = np.full(n, np.inf), np.full(n, -np.inf)
    out = []
    for j in targets:
        if width is not None and seen_hi[j] - seen_lo[j] >= width:
            out.append((max(0.0, float(seen_lo[j])), float(seen_hi[j])))
            continue
        ends = []
        for sign in (1.0, -1.0):
            h.changeColCost(j, sign)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                ends.append(sign * h.getInfo().objective_function_value)
                if width is not None:
                    x = np.asarray(h.getSolution().col_value)
                    np.minimum(seen_lo, x, out=seen_lo)
                    np.maximum(seen_hi, x, out=seen_hi)
            elif status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible) \
                    and sign < 0:
                ends.append(math.inf)
            else:
                raise ValueError(f"the published numbers contradict the relations ({h.modelStatusToString(status)})")
        h.changeColCost(j, 0.0)
        out.append((max(0.0, ends[0]), ends[1]))
    return out


def ratio_bounds(nums, den, share: float, half_step: float) -> list:
    """A printed share as linear knowledge: ``(p - h) * den <= sum(nums) <= (p + h) * den``."""
    out = []
    for bound, lo, hi in ((share + half_step, -math.inf, 0.0), (share - half_step, 0.0, math.inf)):
        coefs = {k: 1.0 for k in nums}
        coefs[den] = coefs.get(den, 0.0) - bound
        out.append(Constraint(coefs, lo, hi))
    return out


def audit(linked: Linked, published: dict, targets: Iterable[Key], extra: Iterable[Constraint] = (),
          width: float | None = None) -> dict:
    """The attack on a report as printed: ``published`` are the numbers read back from it,
    ``extra`` what else it prints about them (shares: :func:`ratio_bounds`; sums);
    returns the interval of every cell in ``targets`` (``width``: see :func:`attack`)."""
    more = Linked(values=linked.values, shown=linked.shown, counts=linked.counts, resolution=linked.resolution,
                  constraints=list(linked.constraints) + list(extra), weight=linked.weight,
                  attributes=linked.attributes)
    return attack(more, published, targets, width)


@dataclass
class Protection:
    """The outcome of :func:`protect`: which cells are hidden, and what an intruder can
    still tell about each (its interval), computed from the published numbers only."""
    linked: Linked
    hidden: frozenset
    intervals: dict

    def value(self, key: Key):
        """The number to print, or ``"x"``."""
        if key in self.hidden or key not in self.linked.shown:
            return HIDDEN
        return self.linked.values[key]

    def published(self) -> dict:
        return {k: v for k, v in self.linked.values.items() if k in self.linked.shown and k not in self.hidden}

    def ratio(self, num: Key | Iterable[Key], den: Key):
        """A share from published cells only; ``"x"`` when a part of it is hidden."""
        nums = [num] if not isinstance(num, (list, tuple)) else list(num)
        vals = [self.value(k) for k in nums + [den]]
        if any(v == HIDDEN for v in vals):
            return HIDDEN
        return sum(vals[:-1]) / vals[-1] if vals[-1] else 0.0

    def estimate(self, key: Key) -> float:
        """For a chart: the value if published, else the middle of what the published
        numbers allow (so a drawing never shows more than the tables)."""
        v = self.value(key)
        if v != HIDDEN:
            return v
        lo, hi = self.intervals.get(key, (0.0, math.inf))
        return lo if hi == math.inf else (lo + hi) / 2

    def too_narrow(self) -> dict:
        """Hidden cells an intruder could narrow below MIN_WIDTH (empty after :func:`protect`)."""
        return {k: iv for k, iv in self.intervals.items() if iv[1] - iv[0] < MIN_WIDTH - _EPS}


def _model(n_cols: int, rows: list, col_lower, col_upper, cost):
    """A HiGHS model of ``row_lo <= A x <= row_hi``; ``rows`` are (coefs by column, lo, hi)."""
    import highspy
    inf = highspy.kHighsInf
    cols: list = [[] for _ in range(n_cols)]
    for r, (free, _, _) in enumerate(rows):
        for j, v in free.items():
            cols[j].append((r, v))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, len(rows)
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.where(np.isinf(col_upper), inf, col_upper).astype(float)
    lp.row_lower_ = np.array([lo if lo > -math.inf else -inf for _, lo, _ in rows], dtype=float)
    lp.row_upper_ = np.array([hi if hi < math.inf else inf for _, _, hi in rows], dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.cumsum([0] + [len(c) for c in cols]).astype(np.int32)
    lp.a_matrix_.index_ = np.array([r for c in cols for r, _ in c], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([v for c in cols for _, v in c], dtype=float)
    h = _highs()
    h.passModel(lp)
    return h


class _Deviations:
    """Secondary suppression for one cell at a time: the cheapest way to move the cell up by
    MIN_WIDTH while every relation keeps holding and no count goes negative. Each published
    cell that has to move with it must be hidden; a cell costs its own size (times its
    weight) per unit moved, so small cells are given up before totals and headline numbers.
    One model (y = p - q, columns p then q), re-solved per cell."""

    def __init__(self, linked: Linked):
        self.keys = list(linked.values)
        self.linked = linked
        n = len(self.keys)
        index = {k: i for i, k in enumerate(self.keys)}
        rows = []
        for con in linked.constraints:
            s = sum(v * linked.values[k] for k, v in con.coefs.items())
            coefs = {}
            for k, v in con.coefs.items():
                coefs[index[k]] = v
                coefs[n + index[k]] = -v
            rows.append((coefs, con.lo - s, con.hi - s))
        x = np.array([linked.values[k] for k in self.keys])
        self.upper = np.concatenate([np.full(n, np.inf), x])
        self.weight = np.array([(1.0 + abs(linked.values[k])) * linked.weight.get(k, 1.0) for k in self.keys])
        self.h = _model(2 * n, rows, np.zeros(2 * n), self.upper, np.concatenate([self.weight, self.weight]))
        self.n = n
        self.index = index

    def complement(self, target: Key, unknown: set) -> set:
        import highspy
        n, h = self.n, self.h
        free = np.array([k in unknown for k in self.keys])
        w = np.where(free, 1e-3, self.weight)
        h.changeColsCost(2 * n, np.arange(2 * n, dtype=np.int32), np.concatenate([w, w]))
        t = self.index[target]
        h.changeColBounds(t, MIN_WIDTH, highspy.kHighsInf)
        h.changeColBounds(n + t, 0.0, 0.0)
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        y = np.asarray(h.getSolution().col_value) if ok else None
        h.changeColBounds(t, 0.0, highspy.kHighsInf)
        h.changeColBounds(n + t, 0.0, float(self.upper[n + t]))
        if not ok:  # no way to move it at all: hide every published neighbour
            return {k for con in self.linked.constraints if target in con.coefs for k in con.coefs} - unknown
        moved = y[:n] + y[n:]
        return {self.keys[i] for i in np.flatnonzero(moved > 1e-7) if not free[i]}


def protect(linked: Linked, hide: Iterable[Key] = ()) -> Protection:
    """Hide the sensitive shown cells (and ``hide``) and as few others as it takes until no
    hidden cell, and no sensitive unshown cell, can be narrowed below MIN_WIDTH."""
    linked.check()
    whole = linked.revealing()
    hidden = {k for k in linked.shown if linked.sensitive(k) or k in whole} | (set(hide) & linked.shown)
    latent_sensitive = {k for k in linked.values if k not in linked.shown and (linked.sensitive(k) or k in whole)}
    deviations = None
    need = hidden | latent_sensitive
    intervals: dict = {}
    while True:
        published = {k: v for k, v in linked.values.items() if k in linked.shown and k not in hidden}
        fresh = attack(linked, published, need, MIN_WIDTH)
        intervals.update(fresh)
        bad = sorted((k for k in need if fresh[k][1] - fresh[k][0] < MIN_WIDTH - _EPS), key=repr)
        if not bad:
            # intervals of earlier rounds knew numbers hidden since: those the charts use are redone
            stale = (hidden & linked.shown) - set(fresh)
            intervals.update(attack(linked, published, stale) if stale else {})
            return Protection(linked, frozenset(hidden), intervals)
        unknown = set(linked.values) - set(published)
        added = set()
        deviations = deviations or _Deviations(linked)
        for k in bad:
            added |= deviations.complement(k, unknown | added)
        if not added:
            raise RuntimeError(f"cannot protect {bad[:3]!r}")
        hidden |= added  # only grows, and is bounded by the shown cells: the loop ends
        # hiding more only widens what an intruder can tell: a cell wide enough stays so
        need = set(bad) | added
