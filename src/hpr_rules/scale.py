"""Populations beyond one file: each record is evaluated on its own, so a dataset of
Parquet files can be checked file by file (one partition per file), in one process
or with Dask.

The output is a directory of Parquet findings, ``part-00000.parquet`` ... in the
order of the input files, each written atomically.

An ``employee_id`` must be unique in the whole dataset: a first pass reads only the
id column of every file, and the rows of an id found in more than one file are
rejected in each (as duplicates within one file are).
"""

from __future__ import annotations

import datetime as dt
import glob
from pathlib import Path

from .errors import InputError
from .firstpass import FirstPass
from .outputs import csv_safe, finish_parts, write_table


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


def check_file(path, book, day: dt.date, rules=None, mapping=None, dups=None, dates=None,
               side=None):
    """Findings of one file (:class:`~hpr_rules.findings.Findings`) and its records; ``dups``:
    ids to reject (id -> message); ``dates``: a :class:`~hpr_rules.records.asof.DataDates` the
    accepted records are added to; ``side``: the run's
    :class:`~hpr_rules.records.sidetables.SideTables`, attached to the file's records."""
    from .engines import evaluate_findings
    from .errors import DateRangeError
    from .records import load_records
    rs = load_records(path, mapping, duplicates=dups)
    if dates is not None:
        dates.add(rs)
    if side:
        rs = side.attach(rs)
    try:
        return evaluate_findings(rs, book, day, rules=rules), rs
    except DateRangeError as exc:  # which file of a dataset the row is in
        exc.file = exc.file or Path(path).name
        raise


def part_name(i: int) -> str:
    return f"part-{i:05d}.parquet"


def check_part(i: int, path, book, day: dt.date, out_dir, mapping=None, dups=None, side=None,
               employer=(), rejects: bool = False) -> dict:
    """Check one file of a dataset and write its findings part (atomically).

    Returns only counts (rows read, rows rejected, rows per rule and status) and the
    side tables' ids with an accepted record in the file, so whoever runs the parts --
    this process or a Dask worker -- never hands the findings back. ``employer``: the
    (rule, reason) pairs of the employer's failing (:meth:`RuleBook.employer_reasons`).
    ``rejects``: also the file's rejected rows (:func:`dataset_rejects`), where it has any.
    """
    from .records.asof import DataDates
    dates = DataDates(day)
    findings, rs = check_file(path, book, day, mapping=mapping, dups=dups, dates=dates, side=side)
    write_table(_plain_arrow(findings), Path(out_dir) / part_name(i))
    kept = {"rejects": dataset_rejects(rs.rejects, Path(path).name)} if rejects and rs.rows_rejected else {}
    return {"rows_read": rs.rows_read, "rows_rejected": rs.rows_rejected, "counts": findings.counts(employer),
            "dates": dates, **({"side_ids": side.matched(rs.frame)} if side else {}), **kept}


#: the columns of a reject table (:attr:`~hpr_rules.records.RecordSet.rejects`) as written
REJECT_TYPES = {"row": "int64", "line": "int64", "employee_id": "string", "column": "string", "value": "string",
                "message": "string"}


def dataset_rejects(table, file: str):
    """The reject table of one file of a dataset with the file's name in front of each row
    (its rows are counted from its own header)."""
    table = table.copy()
    table.insert(0, "file", [file] * len(table))
    return table


class RejectsFile:
    """Reject tables (:attr:`~hpr_rules.records.RecordSet.rejects`; a dataset's with ``file``
    in front, ``dataset=True``) of the parts of one check, in order, written as one file
    (CSV, or XLSX, Parquet, JSON by extension), atomically. CSV and Parquet are written part by
    part as they come (:func:`~hpr_rules.outputs.write_parts`, in a second thread): a streamed
    check holds one part's rejected rows at a time. Use as a context manager; :meth:`add` each
    table; an error inside leaves no file."""

    def __init__(self, path, dataset: bool = False):
        import pyarrow as pa

        from .outputs import format_for
        self.path, self.fmt = Path(path), format_for(path)
        types = {**({"file": "string"} if dataset else {}), **REJECT_TYPES}
        self.schema = pa.schema([(c, getattr(pa, t)()) for c, t in types.items()])
        self.rows = 0
        self._held: list = []
        self._thread = None

    def __enter__(self):
        if self.fmt in ("csv", "parquet"):
            import queue
            import threading

            from .outputs import write_parts
            self._todo: queue.Queue = queue.Queue(maxsize=2)
            self._failed: list[BaseException] = []

            def parts():
                while (item := self._todo.get()) is not None:
                    if isinstance(item, BaseException):
                        raise item
                    yield item

            def run():
                try:
                    write_parts(parts(), self.path, self.fmt)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                    self._failed.append(exc)
                    while self._todo.get() is not None:  # let the caller finish its puts
                        pass
            self._thread = threading.Thread(target=run, name="hpr-rejects", daemon=True)
            self._thread.start()
            self._put(self.schema.empty_table())  # the header, also where no row is rejected
        return self

    def _put(self, item):
        if self._failed:
            raise self._failed[0]
        self._todo.put(item)

    def add(self, table) -> None:
        """The reject table of the next part (a frame of the reject columns)."""
        import pyarrow as pa
        if not len(table):
            return
        self.rows += len(table)
        if self._thread is None:
            self._held.append(table)
        else:
            self._put(pa.Table.from_pandas(table[self.schema.names], schema=self.schema, preserve_index=False))

    def __exit__(self, kind, exc, tb):
        if self._thread is None:
            if exc is None:
                import pandas as pd

                from .outputs import write_table
                from .records.recordset import empty_rejects
                held = self._held or [empty_rejects() if "file" not in self.schema.names
                                      else dataset_rejects(empty_rejects(), "")]
                write_table(pd.concat(held, ignore_index=True), self.path, self.fmt)
            return False
        if exc is not None:
            self._todo.put(exc if isinstance(exc, Exception) else RuntimeError("check interrupted"))
            self._todo.put(None)
            self._thread.join()
            return False
        self._todo.put(None)
        self._thread.join()
        if self._failed:
            raise self._failed[0]
        return False


def _kept_rejects(records, rejects):
    """The validated parts as they come; each one's reject table given to ``rejects`` (a
    callable, or None), where it rejects a row."""
    for rs in records:
        if rejects is not None and rs.rows_rejected:
            rejects(rs.rejects)
        yield rs


def check_dataset(spec, book, day: dt.date, out_dir: str | Path, *, rules=None, mapping=None,
                  use_dask: bool = False, scheduler: str | None = None, progress=None, side=None,
                  rejects=None) -> dict:
    """Check every file of a dataset; write one findings part per input file, then ``_SUCCESS``.

    With ``use_dask`` the files are checked on a Dask cluster (``scheduler``: its
    address; default: Dask's configured ``scheduler-address``, else a local cluster of
    worker processes). Returns counts: files, rows read, rows rejected, and the status
    summary; ``progress(1)`` is called per file done. ``rejects``: a callable given the
    rejected rows of each file that has any, in file order (:func:`dataset_rejects`; a
    :meth:`RejectsFile.add`).
    """
    from .findings import add_counts, summary_from_counts
    from .language import compile_book
    from .records import load_mapping
    from .outputs import refuse_input, start_parts
    files = input_files(spec)
    refuse_input(out_dir, *files)
    out = start_parts(out_dir)  # an earlier run's parts, marker and temporary files are removed
    compiled = compile_book(book, day, rules)
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    if use_dask:
        from .cluster import check_parts
        results = check_parts(files, compiled, day, out, mapping=m, scheduler=scheduler, progress=progress,
                              side=side, employer=book.employer_reasons(), rejects=rejects is not None)
    else:
        dups = cross_file_duplicates(files, m) if len(files) > 1 else {}
        results = []
        for i, f in enumerate(files):
            results.append(check_part(i, f, compiled, day, out, m, dups, side, book.employer_reasons(),
                                      rejects is not None))
            if progress:
                progress(1)
    finish_parts(out)
    for r in results:
        if rejects is not None and "rejects" in r:
            rejects(r["rejects"])
    counts: dict = {}
    from .records.asof import DataDates
    dates = DataDates(day)
    for r in results:
        counts = add_counts(counts, r["counts"])
        dates = dates.merged(r["dates"])
    return {"files": len(files), "rows_read": sum(r["rows_read"] for r in results),
            "rows_rejected": sum(r["rows_rejected"] for r in results), "summary": summary_from_counts(counts),
            "counts": counts,
            "dates": dates,
            **({"side_tables": side.checked(set().union(*[r["side_ids"] for r in results]))} if side else {})}


_META = {
    "employee_id": "object", "rule_id": "object", "status": "object", "reason": "object", "due_date": "object",
    "days_overdue": "Int64", "required_hours": "float64", "actual_hours": "float64", "shortfall_hours": "float64",
    "reference_date": "object",
}


# ------------------------------------------------------------------ streaming CSV

def _plain_arrow(findings):
    """The findings (:class:`~hpr_rules.findings.Findings`) as an Arrow table of plain columns
    (text, int64, float64): every part of a dataset has the same schema, whatever its values,
    with the pandas metadata of those columns (days_overdue reads back as Int64)."""
    import pyarrow as pa

    from .findings import plain_pandas_metadata
    table = findings.to_arrow()
    schema = pa.schema([(c, pa.int64() if t == "Int64" else pa.float64() if t == "float64" else pa.string())
                        for c, t in _META.items()], metadata=plain_pandas_metadata(_META))
    cols = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names).cast(schema)


def check_csv_stream(path, book, day: dt.date, out, *, chunk_size: int, mapping=None, rules=None,
                     fmt: str = "csv", progress=None, sink=None, side=None, rejects=None) -> dict:
    """``hpr check`` on a large CSV in chunks of ``chunk_size`` rows: memory stays bounded.

    A first pass reads only the employee_id column to find duplicate ids (all their rows
    are rejected, as in the whole-file path); the second pass validates, evaluates and
    appends the findings of each chunk to ``out`` (CSV or Parquet, written to a temporary
    file and renamed at the end) or to ``sink`` (a binary stream, CSV). ``side``: the
    run's :class:`~hpr_rules.records.sidetables.SideTables`, attached to every chunk; their
    rows are checked against the accepted records at the end (``side_tables``). ``rejects``:
    a callable given the reject table of each chunk that rejects a row, in order (a
    :meth:`RejectsFile.add`): together the whole file's :attr:`~hpr_rules.records.RecordSet.rejects`.
    """
    from .records import ColumnMapping, load_mapping, open_source, validate_frame
    from .records.mapping import mapping_doc
    from .records.sniff import text_uniques
    from .records.validate import settle_formats
    from .records.validate import duplicate_message

    p = Path(path)
    if p.suffix.lower() not in (".csv", ".txt", ".tsv"):
        raise InputError("--chunk-size streams CSV files, and Parquet files without a mapping; read other "
                         "files whole", file=str(p))
    if not p.exists():
        raise InputError("file not found", file=str(p))
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    id_col = _id_column(m)
    source = open_source(p, m)
    # first pass: the id column, so duplicates anywhere in the file (and their rows) are known, and
    # the distinct dates and numbers, so every chunk reads them as the whole file would
    first: dict[str, int] = {}
    rows_of: dict[str, list[int]] = {}
    uniques: dict[str, set] = {}
    for chunk in source.frames(max(chunk_size, 100_000)):
        text_uniques(m.apply(chunk, data_file=str(p), doc=mapping_doc(m)) if m else chunk, uniques)
        if id_col in chunk.columns:
            ids = chunk[id_col].astype(str).str.strip().to_numpy(dtype=object)
            for row, v in zip(chunk["row"].tolist(), ids):
                if not v:
                    continue
                r0 = first.setdefault(v, row)
                if r0 != row:
                    rows_of.setdefault(v, [r0]).append(row)
    dups = {v: duplicate_message(v, r) for v, r in rows_of.items()}
    del first, rows_of
    m, detected = settle_formats(m or ColumnMapping(), uniques)
    del uniques

    def records():
        for chunk in source.frames(chunk_size):
            raw = m.apply(chunk, data_file=str(p), doc=mapping_doc(m))
            yield validate_frame(raw, source=str(p), mapping=m, duplicates=dups)

    totals = _check_parts(_kept_rejects(records(), rejects), book, day, out, rules=rules, fmt=fmt,
                          progress=progress, sink=sink, side=side)
    totals["notes"] = source.notes + detected
    return totals


def check_parquet_stream(path, book, day: dt.date, out, *, chunk_size: int, rules=None, fmt: str = "csv",
                         progress=None, sink=None, side=None, first=None,
                         rejects=None) -> dict:
    """:func:`check_csv_stream` of a Parquet file, batch by batch as Arrow tables (validated
    without a frame, :func:`hpr_rules.records.validate_table`): memory stays bounded and the
    findings are those of the whole file. A first pass (:class:`FirstPass`; ``first``: one
    begun with :meth:`FirstPass.start`) reads the employee_id column alone (duplicates
    anywhere in the file) and the distinct values of date and number columns the file holds
    as text (every batch reads them as the whole file would). ``rejects``: see
    :func:`check_csv_stream`."""
    import pyarrow as pa

    from .pipeline import ahead
    from .records import validate_table
    from .records.schema import FIELD_TYPES, REQUIRED

    fp = first() if first is not None else FirstPass(path)
    p, pf, guarded, dups, m = fp.path, fp.pf, fp.guarded, fp.dups, fp.mapping
    if fp.whole:
        chunk_size = max(fp.rows, 1)
    names = pf.schema_arrow.names

    # the record's columns, less the optional text ones: nothing checks them, no finding shows them
    read = [c for c in names if c in FIELD_TYPES and (FIELD_TYPES[c] != "string" or c in REQUIRED)]

    def records():
        first_row = 1
        batches = guarded(lambda: pf.iter_batches(batch_size=chunk_size, columns=read))
        for batch in _guarded_iter(batches, guarded):
            table = pa.Table.from_batches([batch])
            # the first pass found every repeated id of the file: none is looked for per batch
            yield validate_table(table, str(p), mapping=m, duplicates=dups, first_row=first_row, repeats=False)
            first_row += table.num_rows
        if first_row == 1:  # no rows: the findings of none (a file with its columns)
            yield validate_table(pf.schema_arrow.empty_table(), str(p), mapping=m)

    # the next batch read and validated in a second thread while this one is evaluated
    totals = _check_parts(_kept_rejects(ahead(records()), rejects), book, day, out, rules=rules, fmt=fmt,
                          progress=progress, sink=sink, side=side)
    totals["notes"] = fp.notes
    return totals


def _guarded_iter(items, guarded):
    """The items, each taken through ``guarded`` (a reader's error becomes an InputError)."""
    it = iter(items)
    while True:
        item = guarded(lambda: next(it, None))
        if item is None:
            return
        yield item


def _check_parts(records, book, day: dt.date, out, *, rules=None, fmt: str = "csv", progress=None, sink=None,
                 side=None) -> dict:
    """Evaluate and write validated parts (:class:`RecordSet` one after the other, row numbers
    of the whole file) as one findings file ``out`` (CSV or Parquet, :func:`write_parts`: each
    part written while the next is checked) or CSV to ``sink``; the totals, summed counts and
    per-column diagnoses of the whole."""
    import pyarrow.csv as pacsv

    from .engines import evaluate_findings
    from .findings import add_counts
    from .outputs import write_parts
    from .records.asof import DataDates
    from .language import compile_book
    from .language.compile import CompiledBook
    compiled = book if isinstance(book, CompiledBook) else compile_book(book, day, rules)  # once, not per part
    book = compiled.book
    checks: dict = {}
    totals: dict = {"rows_read": 0, "rows_rejected": 0, "findings": 0, "dates": DataDates(day)}
    counts: dict = {}
    employer = book.employer_reasons()
    side_ids: set = set()

    def findings():
        nonlocal counts
        for rs in records:
            totals["dates"].add(rs)
            if side:
                rs = side.attach(rs)
                side_ids.update(side.matched(rs.frame))
            for c, k in rs.columns.items():
                checks[c] = checks[c].merged(k) if c in checks else k
            f = evaluate_findings(rs, compiled, day)
            totals["rows_read"] += rs.rows_read
            totals["rows_rejected"] += rs.rows_rejected
            totals["findings"] += len(f)
            counts = add_counts(counts, f.counts(employer))
            if progress:
                progress(rs.rows_read)
            yield f

    if sink is not None:
        header = True
        for f in findings():
            buf = __import__("io").BytesIO()
            pacsv.write_csv(csv_safe(_plain_arrow(f)), buf, pacsv.WriteOptions(quoting_style="needed",
                                                                     include_header=header))
            sink.write(buf.getvalue())
            header = False
    else:
        write_parts(findings(), out, fmt)
    totals["counts"] = counts  # hpr_rules.findings.summary_rows / summary_from_counts make the table
    totals["diagnoses"] = [str(k) for k in checks.values() if k.whole]
    if side:
        totals["side_tables"] = side.checked(side_ids)
    return totals


def _id_column(m) -> str:
    """The header of the employee_id column in the file: renamed by the mapping, if any."""
    return next((src for src, dst in (m.rename.items() if m else []) if dst == "employee_id"), "employee_id")


def file_ids(path, column: str, mapping=None) -> list[str]:
    """The distinct, non-empty employee ids of one file of a dataset: of a Parquet file the id
    column only; another format is read by the one reader (with the format settings of
    ``mapping``), chunk by chunk.

    A file that lacks the column or cannot be read gives none: checking it reports that properly.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .arrowbuf import from_numpy
    if Path(path).suffix.lower() != ".parquet":
        from .errors import HprError
        from .records import load_mapping, open_source
        m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
        ids: set[str] = set()
        try:
            for frame in open_source(path, m).frames(100_000):
                if column in frame.columns:
                    ids.update(frame[column].astype(str).str.strip())
        except HprError:
            return []  # reported when the file itself is checked
        ids.discard("")
        return sorted(ids)
    from .records.mapping import header_key
    try:
        pf = pq.ParquetFile(path)
        # the header as the file spells it: matched as a mapping matches it (case, spaces)
        same = [h for h in pf.schema_arrow.names if header_key(h) == header_key(column)]
        col = pf.read(columns=[same[0] if len(same) == 1 else column]).column(0)
    except Exception:  # noqa: BLE001 - reported when the file itself is checked
        return []
    from .records.readers import number_text
    keys = number_text(col)  # ids held as numbers: the text keys validation reads them as (102, not 102.0)
    if keys is not None:
        col = pc.filter(keys[0], from_numpy(~keys[1]))  # a float that is no whole id is rejected in its file
    return [v for v in pc.unique(pc.utf8_trim_whitespace(pc.cast(col, "string"))).drop_null().to_pylist() if v]


def id_column(mapping=None) -> str:
    """The header of the employee_id column in a dataset's files (renamed by ``mapping``, a path or a mapping)."""
    from .records import load_mapping
    return _id_column(load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping)


def cross_file_messages(where: dict, files) -> dict:
    """employee_id -> message, for each id of ``where`` (id -> indices of the files holding it) in more than one."""
    out = {}
    for v, idx in where.items():
        idx = sorted(set(idx))
        if len(idx) > 1:
            names = ", ".join(Path(files[i]).name for i in idx)
            out[v] = f"employee_id {v} occurs in more than one file of the dataset ({names})"
    return out


def cross_file_duplicates(files, mapping=None) -> dict:
    """employee_id -> message, for ids that occur in more than one file of a dataset.

    Reads only the id column of each Parquet file (see :func:`file_ids`).
    """
    column = id_column(mapping)
    ids, where = [], []
    for i, f in enumerate(files):
        u = file_ids(f, column, mapping)
        ids.extend(u)
        where.extend([i] * len(u))
    if not ids:
        return {}
    import pandas as pd
    s = pd.Series(where, index=pd.Index(ids, dtype=object))
    multi = s[s.index.duplicated(keep=False)]
    return cross_file_messages({v: idx.tolist() for v, idx in multi.groupby(level=0)}, files)
