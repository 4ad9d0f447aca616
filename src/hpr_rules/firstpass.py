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
    read in one batch (``whole``: ids held as neither text nor numbers, which only the frame
    path reads; ids held as numbers are their text keys, ``102``)."""

    def __init__(self, path):
        import pyarrow.parquet as pq

        p = self.path = Path(path)
        if not p.exists():
            raise InputError("file not found", file=str(p))
        # the id column first, the rest of the imports after: Arrow reads while the caller's
        # thread loads its own (a failure is read again below, through the reader's guard)
        try:
            pf = pq.ParquetFile(p)
            ids = pf.read(columns=["employee_id"]).column(0) if "employee_id" in pf.schema_arrow.names else None
        except Exception:  # noqa: BLE001 - said below
            pf = ids = None

        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        from .arrowbuf import from_numpy, scalar
        from .records import ColumnMapping, open_source
        from .records.arrowcheck import _repeated_text, _trimmed_text
        from .records.readers import number_text
        from .records.recordset import duplicate_message
        from .records.schema import DATE_COLUMNS, DECIMAL_COLUMNS
        from .records.sniff import settle_formats

        guarded = self.guarded = open_source(p).guard  # a reader's error is one line naming the file
        if pf is None:
            pf = guarded(lambda: pq.ParquetFile(p))
        self.pf = pf
        names = pf.schema_arrow.names
        self.dups: dict = {}
        self.whole = False
        if "employee_id" in names:  # the id column alone
            if ids is None:
                ids = guarded(lambda: pf.read(columns=["employee_id"]).column(0))
            if pa.types.is_dictionary(ids.type):
                ids = ids.cast(ids.type.value_type)
            keys = number_text(ids)  # ids held as numbers: the text keys every batch reads them as
            if keys is not None:  # (a float that is no whole id is rejected, and no repeat)
                ids = pc.if_else(from_numpy(keys[1]), scalar(None, pa.large_string()), keys[0])
            elif pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
                ids = _trimmed_text(ids.cast(pa.large_string()).combine_chunks())  # as validation trims them
            else:  # ids of another type (dates, yes/no): only the frame path reads them, and it finds
                ids, self.whole = None, True  # repeats within what it is given: the whole file at once
            if ids is not None:
                rep = np.flatnonzero(_repeated_text(ids))
                rows_of: dict[str, list[int]] = {}
                for v, row in zip(ids.take(from_numpy(rep.astype(np.int64))).to_pylist(), (rep + 1).tolist()):
                    rows_of.setdefault(v, []).append(row)
                self.dups = {v: duplicate_message(v, r) for v, r in rows_of.items()}
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
