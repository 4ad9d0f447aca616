"""Writing result tables safely: a temporary file next to the target, then a rename.

An interrupted run never leaves a half-written output file behind.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:  # pandas is imported where a table is written: `hpr --help` stays instant
    import pandas as pd

FORMATS = ("csv", "xlsx", "parquet", "json")
#: data rows an Excel sheet holds (1,048,576 rows, one of them the header)
XLSX_MAX_ROWS = 1_048_575
#: written last into a directory of parts: the parts beside it are complete
SUCCESS = "_SUCCESS"


def format_for(path: str | Path | None, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    if path is None:
        return "csv"
    ext = Path(path).suffix.lower().lstrip(".")
    if ext in FORMATS:
        return ext
    raise InputError(f"cannot tell the output format from the extension {Path(path).suffix or '(none)'!r}; "
                     f"use one of .{', .'.join(FORMATS)} or --format", file=str(path))


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(tmp_path)`` and move the result onto ``path`` only when it succeeded."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.exists():
        raise InputError("output directory does not exist", file=str(directory))
    if target.is_dir():
        raise InputError("is a directory; expected a file name for the output", file=str(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror or exc}", file=str(target)) from None
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is for reading by others too
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(target)) from None
    except UnicodeError as exc:
        raise InputError(f"cannot write: text that {exc.encoding} cannot hold", file=str(target)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def refuse_input(out, *inputs) -> None:
    """An ``--out`` that is one of the input files (a personnel file, a mapping) is refused:
    writing findings there would destroy the input."""
    if out is None or not Path(out).exists():
        return
    for inp in inputs:
        if inp is not None and Path(inp).is_file() and os.path.samefile(out, inp):
            raise InputError(f"--out is the input file {inp}; write the findings elsewhere", file=str(out))


def start_parts(directory: str | Path) -> Path:
    """A directory for findings parts, emptied of an earlier run's parts, marker and
    temporary files (a run that was killed leaves those)."""
    d = Path(directory)
    if d.exists() and not d.is_dir():
        raise InputError("exists and is not a directory; a dataset's findings are a directory of parts",
                         file=str(d))
    try:
        d.mkdir(parents=True, exist_ok=True)
        for stale in [*d.glob(".*.tmp"), *d.glob("part-*.parquet"), d / SUCCESS]:
            if stale.is_file():
                stale.unlink()
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror or exc}", file=str(d)) from None
    return d


def finish_parts(directory: str | Path) -> None:
    """The completion marker, written after every part."""
    atomic_write(Path(directory) / SUCCESS, lambda tmp: Path(tmp).write_bytes(b""))


FORMULA_START = "=+-@\t\r"  # a spreadsheet reads a cell starting with one of these as a formula


def _arrow(df):
    """An Arrow table of a frame, or of anything that makes its own (findings as codes)."""
    import pyarrow as pa
    if isinstance(df, pa.Table):
        return df
    if hasattr(df, "to_arrow"):
        return df.to_arrow()
    return pa.Table.from_pandas(df, preserve_index=False)


def _arrow_csv(df: pd.DataFrame, sink) -> None:
    """CSV through pyarrow (an order of magnitude faster than pandas on millions of rows):
    empty cells for missing values, quotes only where needed, ISO dates, formulas defused
    (:func:`csv_safe`)."""
    import pyarrow.csv as pacsv
    pacsv.write_csv(_csv_table(_arrow(df)), sink, pacsv.WriteOptions(quoting_style="needed"))


def _csv_table(table):
    """An Arrow table as CSV writes it: text for dictionaries, formulas defused."""
    import pyarrow as pa
    cols = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        cols.append(col)
    return csv_safe(pa.table(cols, names=table.column_names))


def csv_safe(table):
    """An Arrow table whose text cells a spreadsheet cannot run: one starting with = + - @,
    tab or CR gets a leading apostrophe (OWASP CSV injection; :func:`unescape_text` undoes it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    cols = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            risky = pc.match_substring_regex(col, "^[=+\\-@\t\r]")
            quote, empty = pa.scalar("'", col.type), pa.scalar("", col.type)
            col = pc.if_else(risky, pc.binary_join_element_wise(quote, col, empty), col)
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def table_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """A findings-like table in ``fmt`` (csv/json text or xlsx/parquet binary)."""
    if hasattr(df, "to_pandas") and fmt in ("json", "xlsx"):
        df = df.to_pandas()
    if fmt == "csv":
        buf = io.BytesIO()
        _arrow_csv(df, buf)
        return buf.getvalue()
    if fmt == "json":
        return df.to_json(orient="records", date_format="iso", force_ascii=False, indent=1).encode("utf-8")
    buf = io.BytesIO()
    if fmt == "parquet":
        write_parquet(df, buf)
    elif fmt == "xlsx":
        if len(df) > XLSX_MAX_ROWS:
            raise InputError(f"{len(df):,} rows do not fit in one Excel sheet (at most {XLSX_MAX_ROWS:,}); "
                             "write .parquet or .csv instead")
        import pandas as pd
        with pd.ExcelWriter(buf, engine="openpyxl") as xw:
            df.to_excel(xw, index=False, sheet_name="findings")
            ws = xw.sheets["findings"]
            ws.freeze_panes = "A2"
            text_as_text(ws)
            from openpyxl.styles import Font
            for cell in ws[1]:
                cell.font = Font(bold=True)
        return stable_xlsx(buf.getvalue())
    else:
        raise InputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return buf.getvalue()


XLSX_EPOCH = "2000-01-01T00:00:00"  # the document date of an Excel file that states no other


def stable_xlsx(data: bytes, when: str | None = None) -> bytes:
    """An Excel file whose bytes depend on its content only: openpyxl stamps the document's
    created and modified dates and every zip entry with the current time. The document
    dates become ``when`` (an ISO date-time, such as a report's "generated at") or
    XLSX_EPOCH, the entries' times 1980-01-01 (the zip format's first day).

    >>> from openpyxl import Workbook
    >>> def saved():
    ...     buf = io.BytesIO(); Workbook().save(buf); return stable_xlsx(buf.getvalue())
    >>> saved() == saved()
    True
    """
    import datetime as dt
    import re
    import zipfile
    try:
        stamp = dt.datetime.fromisoformat(str(when)[:19]).isoformat() if when else XLSX_EPOCH
    except ValueError:
        stamp = XLSX_EPOCH
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              lambda m: m.group(1) + stamp.encode() + b"Z" + m.group(3), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()


def text_as_text(ws) -> None:
    """Every text cell of a worksheet stays text: "=HYPERLINK(..)" in a name is never a formula."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] and cell.value[0] in FORMULA_START:
                cell.data_type = "s"
                cell.quotePrefix = True


def unescape_text(value: str) -> str:
    """The text as it was before :func:`_arrow_csv` guarded it against formulas."""
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START else value


def write_parquet(df: pd.DataFrame, sink) -> None:
    """Parquet with dictionary encoding only where it pays (see :func:`_parquet_table`)."""
    import pyarrow.parquet as pq
    table, options = _parquet_table(_arrow(df))
    pq.write_table(table, sink, **options)


def _parquet_table(table):
    """The table as written to Parquet, and the writer's options: a dictionary column with
    nearly one value per row (employee_id in findings) is written plain, five times faster,
    and so are numbers (hours, days: hashing them costs more than it saves). Statistics
    (min/max per row group) are left out for dictionary columns, whose few values they
    cannot prune."""
    import pyarrow as pa
    plain = [name for name, col in zip(table.column_names, table.columns)
             if pa.types.is_dictionary(col.type) and col.num_chunks
             and sum(len(c.dictionary) for c in col.chunks) > max(1000, len(table) // 10)]
    for name in plain:
        i = table.column_names.index(name)
        value_type = table.schema.field(name).type.value_type
        table = table.set_column(i, pa.field(name, value_type), table.column(i).cast(value_type))
    types = {f.name: f.type for f in table.schema}
    use_dict = [n for n in table.column_names if n not in plain
                and not (pa.types.is_integer(types[n]) or pa.types.is_floating(types[n]))]
    stats = [n for n in table.column_names if not pa.types.is_dictionary(types[n])]
    return table, {"use_dictionary": use_dict or False, "write_statistics": stats or False}


def _widened(table):
    """The table with int32 dictionary indices: room for the values of any later part."""
    import pyarrow as pa
    fields = [pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type))
              if pa.types.is_dictionary(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def _conformed(table, schema):
    """A later part in the first part's columns: a dictionary spelled out, or made, as there."""
    import pyarrow as pa
    import pyarrow.compute as pc
    cols = []
    for col, field in zip(table.columns, schema):
        if pa.types.is_dictionary(field.type) and not pa.types.is_dictionary(col.type):
            col = pc.dictionary_encode(col)
        cols.append(col.cast(field.type))
    return pa.table(cols, schema=schema)


def write_parts(parts, path: str | Path, fmt: str | None = None) -> None:
    """The parts of one table (Arrow tables, or anything with ``to_arrow``, in order) written
    as one CSV or Parquet file, atomically. Each part is made Arrow in the caller's thread and
    encoded and written by a second thread while the caller's iterator makes the next
    (pyarrow's writers let go of the interpreter; the encoding is the longer half). The first
    part fixes the file's columns; a later part is cast to them (a dictionary with more
    values, an id column written plain)."""
    import queue
    import threading

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    fmt = format_for(path, fmt)
    if fmt not in ("csv", "parquet"):
        raise InputError(f"parts are written as csv or parquet, not {fmt}", file=str(path))

    first: list = []  # the first part's schema: every later part is cast to it

    def prepared(part):
        """A part as the writer takes it: an Arrow table in the file's columns, and the
        writer's options."""
        table = _arrow(part)
        table, options = _parquet_table(table) if fmt == "parquet" else (_csv_table(table), {})
        if not first:
            table = _widened(table)
            first.append(table.schema)
        elif not table.schema.equals(first[0]):
            table = _conformed(table, first[0])
        return table, options

    def write(tmp):
        todo: queue.Queue = queue.Queue(maxsize=1)  # one part waits while one is written
        failed: list[BaseException] = []

        def consume():
            writer = None
            try:
                while (item := todo.get()) is not None:
                    table, options = item
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema, **options) if fmt == "parquet" else \
                            pacsv.CSVWriter(tmp, table.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
                    writer.write_table(table)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                failed.append(exc)
                while todo.get() is not None:  # let the caller finish its puts
                    pass
            finally:
                if writer is not None:
                    writer.close()

        worker = threading.Thread(target=consume, name="hpr-writer", daemon=True)
        worker.start()
        try:
            for part in parts:
                if failed:
                    break
                todo.put(prepared(part))  # made Arrow here: the writer's thread only encodes
        finally:
            todo.put(None)
            worker.join()
        if failed:
            raise failed[0]
    atomic_write(path, write)


def write_table(df: pd.DataFrame, path: str | Path, fmt: str | None = None) -> None:
    fmt = format_for(path, fmt)
    if fmt == "parquet":
        atomic_write(path, lambda tmp: write_parquet(df, tmp))
    elif fmt == "csv":
        atomic_write(path, lambda tmp: _arrow_csv(df, tmp))
    else:
        data = table_bytes(df, fmt)
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
