"""Small-group suppression: no count of fewer than 5 employees leaves a report.

A count of 1..4 becomes "<5". Where a column total is published (the per-year
numbers of the whole workforce), a single suppressed cell in that column could be
recovered by subtraction, so the smallest other non-zero cell of the column is
suppressed too (complementary suppression).
"""

from __future__ import annotations

MIN_GROUP = 5
SUPPRESSED = "<5"


def suppress(rows: list[dict], count_cols: list[str], size_col: str = "employees") -> list[dict]:
    """Copies of ``rows`` with small counts replaced by ``"<5"``; share columns follow their counts."""
    out = [dict(r) for r in rows]
    for r in out:
        r["_suppressed"] = set()
        if r.get(size_col, MIN_GROUP) < MIN_GROUP:
            r["_suppressed"].update(count_cols)
        for c in count_cols:
            if 0 < r[c] < MIN_GROUP:
                r["_suppressed"].add(c)
    for c in count_cols:  # complementary suppression per column
        while True:
            hidden = [r for r in out if c in r["_suppressed"]]
            if len(hidden) != 1:
                break
            visible = [r for r in out if c not in r["_suppressed"] and r[c] > 0]
            if not visible:
                break
            min(visible, key=lambda r: r[c])["_suppressed"].add(c)
    for r in out:
        for c in r["_suppressed"]:
            r[c] = SUPPRESSED
        if "violation" in r["_suppressed"] or "in_scope" in r["_suppressed"]:
            if "share_violation" in r:
                r["share_violation"] = SUPPRESSED
        if {"violation", "due_soon"} & r["_suppressed"] or size_col in r["_suppressed"]:
            if "share_affected" in r:
                r["share_affected"] = SUPPRESSED
        r["_suppressed"] = bool(r["_suppressed"])
    return out
