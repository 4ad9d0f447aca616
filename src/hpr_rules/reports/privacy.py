"""Small-group suppression: no count of fewer than 5 employees leaves a report.

A count of 1..4 becomes "<5". Where a column total is published (the per-year
numbers of the whole workforce), a single suppressed cell in that column could be
recovered by subtraction, so the smallest other non-zero cell of the column is
suppressed too (complementary suppression) and shown as "x": it is not small
itself, and "<5" would say something untrue about it.
"""

from __future__ import annotations

MIN_GROUP = 5
SUPPRESSED = "<5"   # the count itself is 1..4
COMPLEMENT = "x"    # a count of 5 or more, hidden so that a total does not give away a "<5" cell


def suppress(rows: list[dict], count_cols: list[str], size_col: str = "employees") -> list[dict]:
    """Copies of ``rows`` with small counts replaced by ``"<5"`` and complementary cells by
    ``"x"``; share columns follow their counts."""
    out = [dict(r) for r in rows]
    small = [set() for _ in out]
    comp = [set() for _ in out]
    for r, sm in zip(out, small):
        if r.get(size_col, MIN_GROUP) < MIN_GROUP:
            sm.update(count_cols)  # every count of a group under 5 is itself under 5
        for c in count_cols:
            if 0 < r[c] < MIN_GROUP:
                sm.add(c)
    for c in count_cols:  # complementary suppression per column
        while True:
            hidden = [i for i in range(len(out)) if c in small[i] or c in comp[i]]
            if len(hidden) != 1:
                break
            visible = [i for i in range(len(out)) if i not in hidden and out[i][c] > 0]
            if not visible:
                break
            comp[min(visible, key=lambda i: out[i][c])].add(c)
    for r, sm, cp in zip(out, small, comp):
        for c in cp:
            r[c] = COMPLEMENT
        for c in sm:
            r[c] = SUPPRESSED
        for share, basis in (("share_violation", {"violation", "in_scope"}),
                             ("share_affected", {"violation", "due_soon", size_col})):
            if share in r:
                if basis & sm:
                    r[share] = SUPPRESSED
                elif basis & cp:
                    r[share] = COMPLEMENT
        r["_suppressed"] = bool(sm or cp)
    return out
