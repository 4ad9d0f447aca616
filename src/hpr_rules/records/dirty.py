"""A deliberately broken personnel file, to exercise validation end to end.

Valid synthetic rows with, at seeded positions, rows that each break one rule of
shared/spec/data.md. The file also carries an unknown extra column, which must be ignored.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from .readers import to_canonical_text
from .synthetic import generate_population


def _break(kind: str, row: dict) -> None:
    """Mutate one canonical text row so that it fails exactly one kind of check."""
    if kind == "missing_required":
        row["unit"] = ""
    elif kind == "bad_date":
        row["hire_date"] = "31-02-2024"
    elif kind == "impossible_date":
        row["pop_date"] = "2023-02-30"
    elif kind == "date_out_of_range":
        row["exemption_until"] = "2150-01-01"
    elif kind == "fte_zero":
        row["fte"] = "0"
    elif kind == "fte_too_big":
        row["fte"] = "1.5"
    elif kind == "fte_text":
        row["fte"] = "0,8"
    elif kind == "scale_zero":
        row["salary_scale"] = "0"
    elif kind == "scale_19":
        row["salary_scale"] = "19"
    elif kind == "hours_negative":
        row["development_hours_12m"] = "-1"
    elif kind == "hours_too_many":
        row["development_hours_12m"] = "2500"
    elif kind == "bad_bool":
        row["physically_demanding"] = "misschien"
    elif kind == "birth_after_hire":
        row["birth_date"], row["hire_date"] = "2001-06-01", "1999-06-01"
        row["function_start_date"] = "2005-01-01"
    elif kind == "function_start_before_hire":
        row["function_start_date"] = "1980-01-01"
        row["hire_date"] = "1990-01-01"
        row["birth_date"] = "1960-01-01"
    elif kind == "too_young":
        row["birth_date"], row["hire_date"], row["function_start_date"] = "2000-03-01", "2012-03-01", "2012-03-01"
    elif kind == "missing_id":
        row["employee_id"] = ""
    else:  # pragma: no cover
        raise ValueError(kind)


KINDS = ["missing_required", "bad_date", "impossible_date", "date_out_of_range", "fte_zero", "fte_too_big",
         "fte_text", "scale_zero", "scale_19", "hours_negative", "hours_too_many", "bad_bool", "birth_after_hire",
         "function_start_before_hire", "too_young", "missing_id", "duplicate_id", "wrong_delimiter"]


def make_dirty_file(path, n: int, seed: int) -> int:
    """Write ``n`` rows to a CSV at ``path``, some broken; return how many must be rejected."""
    rng = np.random.default_rng(seed)
    text = to_canonical_text(generate_population(n, seed))
    text["remarks"] = "extra column"
    header = list(text.columns)
    rows = text.to_dict("records")
    kinds = KINDS[: max(0, n // 3)] if n < 3 * len(KINDS) else KINDS
    # the duplicate needs two rows
    slots = sum(2 if k == "duplicate_id" else 1 for k in kinds)
    pos = rng.permutation(n)[:slots].tolist() if slots <= n else []
    if not pos:
        kinds = []
    broken: set[int] = set()
    raw_lines: dict[int, str] = {}
    for k in kinds:
        i = pos.pop()
        if k == "duplicate_id":
            j = pos.pop()
            rows[j]["employee_id"] = rows[i]["employee_id"]
            broken.update((i, j))
        elif k == "wrong_delimiter":
            raw_lines[i] = ";".join(str(rows[i][h]) for h in header)
            broken.add(i)
        else:
            _break(k, rows[i])
            broken.add(i)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for i, r in enumerate(rows):
        if i in raw_lines:
            buf.write(raw_lines[i] + "\n")
        else:
            w.writerow([r[h] for h in header])
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, p)
    return len(broken)
