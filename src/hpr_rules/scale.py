"""Populations beyond one file: each record is evaluated on its own, so a dataset of
Parquet files can be checked file by file (one partition per file), in one process
or with Dask.

The output is a directory of Parquet findings, ``part-00000.parquet`` ... in the
order of the input files, each written atomically.

Limits: duplicate ``employee_id`` values are detected within a file, not across
files of a dataset.
"""

from __future__ import annotations

import datetime as dt
import glob
from pathlib import Path

import pandas as pd

from .errors import InputError
from .findings import FINDINGS_COLUMNS
from .outputs import write_table


def input_files(spec: str | Path) -> list[Path]:
    """A directory (its ``*.parquet``), a glob pattern, or one file."""
    p = Path(spec)
    if p.is_dir():
        files = sorted(p.glob("*.parquet"))
        if not files:
            raise InputError("directory holds no *.parquet files", file=str(p))
        return files
    if any(ch in str(spec) for ch in "*?["):
        files = [Path(f) for f in sorted(glob.glob(str(spec)))]
        if not files:
            raise InputError("no files match this pattern", file=str(spec))
        return files
    if not p.exists():
        raise InputError("file not found", file=str(p))
    return [p]


def check_file(path, book, day: dt.date, rules=None, mapping=None) -> tuple[pd.DataFrame, int, int]:
    """Findings of one file, with (rows read, rows rejected)."""
    from .engines import evaluate
    from .records import load_records
    rs = load_records(path, mapping)
    return evaluate(rs, book, day, rules=rules), rs.rows_read, len(rs.rejected_rows)


def check_dataset(spec, book, day: dt.date, out_dir: str | Path, *, rules=None, mapping=None,
                  use_dask: bool = False, progress=None) -> dict:
    """Check every file of a dataset; write one findings part per input file.

    Returns counts: files, rows read, rows rejected, and the status summary.
    """
    from .findings import summarize
    files = input_files(spec)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if use_dask:
        try:
            import dask.dataframe as dd
        except ImportError:
            raise InputError("--engine dask needs the optional extra: pip install 'hpr-rules[dask]'") from None
        meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _META.items()})
        ddf = dd.from_map(lambda f: _typed(check_file(f, book, day, rules, mapping)[0]), files,
                          meta=meta, enforce_metadata=False)
        # one output part per input file, like the single-process path
        ddf.to_parquet(out, write_index=False, name_function=lambda i: f"part-{i:05d}.parquet",
                       compute_kwargs={"scheduler": "threads"})
        parts = [pd.read_parquet(out / f"part-{i:05d}.parquet") for i in range(len(files))]
        findings = pd.concat(parts, ignore_index=True)
        read = rejected = None
    else:
        frames, read, rejected = [], 0, 0
        for i, f in enumerate(files):
            fd, r, j = check_file(f, book, day, rules, mapping)
            write_table(_typed(fd), out / f"part-{i:05d}.parquet")
            frames.append(fd[["rule_id", "status"]])
            read += r
            rejected += j
            if progress:
                progress(1)
        findings = pd.concat(frames, ignore_index=True)
    return {"files": len(files), "rows_read": read, "rows_rejected": rejected, "summary": summarize(findings)}


_META = {
    "employee_id": "object", "rule_id": "object", "status": "object", "reason": "object", "due_date": "object",
    "days_overdue": "Int64", "required_hours": "float64", "actual_hours": "float64", "shortfall_hours": "float64",
    "reference_date": "object",
}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes in every part (an all-empty column must not change the Parquet schema)."""
    out = df[FINDINGS_COLUMNS].copy()
    for c, t in _META.items():
        out[c] = out[c].astype(t)
    return out
