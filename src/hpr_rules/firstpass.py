"""The first pass of a streamed check of a Parquet file (:func:`hpr_rules.scale.check_parquet_stream`).

This module imports nothing heavy itself, so that ``hpr check`` can begin the pass in a second
thread at once (:meth:`FirstPass.start`), before it loads numpy, pydantic and the rules."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError


class FirstPass:
    """What a streamed check of a Parquet file must know of the whole file before its first
    batch: the file (``pf``), every repeated employee_id (``dups``: id -> message), the formats
    of date and number columns held as text (``mapping``, ``notes``), and whether the file is
    read in one batch (``whole``: ids held as numbers, which only the frame path reads)."""

    def __init__(self, path):
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        from .arrowbuf import from_numpy
        from .records import ColumnMapping, open_source
        from .records.arrowcheck import _repeated_text, _trimmed_text
        from .records.recordset import duplicate_message
        from .records.schema import DATE_COLUMNS, DECIMAL_COLUMNS
        from .records.sniff import settle_formats

        p = self.path = Path(path)
        if not p.exists():
            raise InputError("file not found", file=str(p))
        guarded = self.guarded = open_source(p).guard  # a reader's error is one line naming the file
        pf = self.pf = guarded(lambda: pq.ParquetFile(p))
        names = pf.schema_arrow.names
        self.dups: dict = {}
        self.whole = False
        if "employee_id" in names:  # the id column alone
            ids = guarded(lambda: pf.read(columns=["employee_id"]).column(0))
            if pa.types.is_dictionary(ids.type):
                ids = ids.cast(ids.type.value_type)
            if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
                ids = _trimmed_text(ids.cast(pa.large_string()).combine_chunks())  # as validation trims them
                rep = np.flatnonzero(_repeated_text(ids))
                rows_of: dict[str, list[int]] = {}
                for v, row in zip(ids.take(from_numpy(rep.astype(np.int64))).to_pylist(), (rep + 1).tolist()):
                    rows_of.setdefault(v, []).append(row)
                self.dups = {v: duplicate_message(v, r) for v, r in rows_of.items()}
            else:  # ids held as numbers: only the frame path reads them, and it finds repeats within
                self.whole = True  # what it is given: the whole file at once
            del ids
        texts = [c for c in DATE_COLUMNS + DECIMAL_COLUMNS if c in names
                 and (pa.types.is_string(pf.schema_arrow.field(c).type)
                      or pa.types.is_large_string(pf.schema_arrow.field(c).type))]
        uniques: dict = {}
        for c in texts:  # read as the whole file's values say (date format, decimal mark)
            col = guarded(lambda c=c: pf.read(columns=[c]).column(0))
            uniques[c] = {v for v in pc.unique(pc.utf8_trim_whitespace(col.combine_chunks())).to_pylist() if v}
        self.mapping, self.notes = settle_formats(ColumnMapping(), uniques)

    @property
    def rows(self) -> int:
        return self.pf.metadata.num_rows

    @classmethod
    def start(cls, path):
        """The first pass over ``path`` begun in a second thread (Arrow's reader and kernels let
        go of the interpreter), so that it runs while the caller loads its rules; calling the
        result waits for it (and raises its error, an :class:`InputError` naming the file)."""
        from .pipeline import later
        return later(lambda: cls(path), name="hpr-first-pass")


__all__ = ["FirstPass"]
