"""Personnel records: read, map, validate, generate (shared/spec/data.md).

>>> from hpr_rules.records import generate_population, validate_frame
>>> rs = validate_frame(generate_population(20, seed=1))
>>> (rs.rows_read, len(rs.frame), len(rs.rejected_rows))
(20, 20, 0)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .schema import COLUMNS, FIELD_TYPES, REQUIRED

if TYPE_CHECKING:
    from .mapping import ColumnMapping
    from .readers import Source
    from .recordset import RecordSet

# Imported on first use (PEP 562): the record schema alone (what the rule compiler needs)
# must not pull in pandas, so `hpr rules show` stays instant.
_LAZY = {
    "load_function_catalogue": "catalogue", "ColumnMapping": "mapping", "load_mapping": "mapping",
    "mapping_doc": "mapping", "read_table": "readers", "write_records": "readers", "Source": "readers",
    "generate_population": "synthetic", "RecordSet": "recordset", "validate_frame": "validate",
    "validate_table": "arrowcheck",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COLUMNS", "FIELD_TYPES", "REQUIRED", "RecordSet", "ColumnMapping", "load_records", "validate_frame",
    "validate_table", "read_table", "open_source", "Source", "load_mapping", "generate_population", "write_records",
    "load_function_catalogue", "as_records",
]


def load_records(path, mapping: str | Path | ColumnMapping | None = None, *,
                 duplicates: dict | None = None) -> RecordSet:
    """Read a data file, apply the column mapping (if any) and validate every row.

    Errors that concern the whole file (missing, unreadable, a mapped column absent)
    raise :class:`hpr_rules.errors.InputError`; row problems end up in ``rejects``.
    ``duplicates``: ids duplicated beyond this file (see :func:`validate_frame`).
    """
    from .mapping import load_mapping, mapping_doc
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    src = open_source(path, m)
    table = src.arrow()  # a typed Parquet file: validated as Arrow, no frame while every row passes
    if table is not None:
        from .arrowcheck import validate_table
        rs = validate_table(table, source=str(path), duplicates=duplicates)
        rs.notes = src.notes + rs.notes
        return rs
    raw = src.read()
    if m is not None:
        raw = m.apply(raw, data_file=str(path), doc=mapping_doc(m))
    from .validate import validate_frame
    rs = validate_frame(raw, source=str(path), mapping=m, duplicates=duplicates)
    rs.notes = src.notes + rs.notes
    return rs


def as_records(data, mapping: str | Path | ColumnMapping | None = None) -> RecordSet:
    """Validated records from whatever a caller holds: a :class:`RecordSet` (as it is), a
    DataFrame (validated like a file, so a text frame and a typed frame give the same
    records), or a path (read with :func:`load_records`).
    """
    from .recordset import RecordSet
    from .validate import validate_frame
    if isinstance(data, RecordSet):
        return data
    if isinstance(data, (str, Path)):
        return load_records(data, mapping)
    import pandas as pd
    if isinstance(data, pd.DataFrame):
        if mapping is not None:
            from .mapping import load_mapping
            m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
            data = m.apply(data, data_file="<frame>")
            return validate_frame(data, mapping=m)
        return validate_frame(data)
    from ..errors import InputError
    raise InputError(f"expected records as a pandas DataFrame, a file path or a RecordSet, not {type(data).__name__}")


def open_source(path, mapping: ColumnMapping | None = None) -> Source:
    """The reader of a data file, with the format settings of the mapping (if any); the
    headers the mapping renames are spelled as it spells them (case and spaces aside)."""
    from .readers import Source
    m = mapping
    expected = set(COLUMNS) | (set(m.rename) if m else set())  # what a header row holds
    if m is not None and m.rename:
        from .mapping import SpelledSource
        return SpelledSource(path, m, encoding=m.encoding, delimiter=m.delimiter, header_row=m.header_row,
                             sheet=m.sheet, expected=expected)
    return Source(path, encoding=m.encoding if m else None, delimiter=m.delimiter if m else None,
                  header_row=m.header_row if m else None, sheet=m.sheet if m else None, typed=m is None,
                  expected=expected)
