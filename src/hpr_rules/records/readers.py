"""Reading and writing personnel files: CSV, Excel, Parquet, by extension.

Everything is read as text first, so validation can quote the value exactly as it
stood in the file. Typed Excel/Parquet cells are turned into the canonical text form
(ISO dates, ``true``/``false``, ``.`` decimals).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError
from .schema import COLUMNS, FIELD_TYPES, LINE_ERROR, LINE_NUMBER, LINE_TEXT, NS_DATE_MAX, NS_DATE_MIN

if TYPE_CHECKING:  # pandas is imported where a frame is made: a Parquet file is read as Arrow without it
    import pandas as pd

    from .csvfile import CsvFormat

__all__ = ["LINE_ERROR", "LINE_NUMBER", "LINE_TEXT", "Source", "read_table", "write_records", "to_canonical_text"]

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")


def _format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in CSV_EXTENSIONS:
        return "csv"
    if ext == ".xlsx":
        return "xlsx"
    if ext == ".parquet":
        return "parquet"
    raise InputError(f"unknown file type {ext or '(no extension)'!r}; expected .csv, .txt, .tsv, .xlsx or .parquet",
                     file=str(path))


class Source:
    """One data file, read as text frames: whole (:meth:`read`) or in chunks (:meth:`frames`).

    Every frame has the file's columns (trimmed headers) plus ``row``, the record's number
    in the file (1-based, header excluded), and the hidden ``_line``: where a person finds the
    record (CSV: physical line of its first line; XLSX: sheet row; absent for Parquet); CSV lines
    that cannot be split into the
    header's fields are kept as rows with the hidden columns ``_line_error`` and
    ``_line_text``, which validation rejects. ``notes`` say what was detected (encoding,
    delimiter, header line), filled once the file has been opened.

    Without ``header_row``, a CSV or XLSX header is the first non-empty line (row) or, below a
    title block, the one that holds the most ``expected`` column names (said in ``notes``).

    ``typed=True`` keeps the types a Parquet file already has (dates, numbers, booleans;
    strings as Arrow-backed text) instead of a text round trip; validation gives the
    same result either way, several times faster. Other formats are always text.
    """

    def __init__(self, path, *, encoding: str | None = None, delimiter: str | None = None,
                 header_row: int | None = None, sheet: str | int | None = None, typed: bool = False,
                 expected=None):
        self.path = Path(path)
        self.fmt = _format(self.path)
        self.encoding, self.delimiter, self.header_row, self.sheet = encoding, delimiter, header_row, sheet
        self.expected = expected  # column names a header holds: the header is found below a title block
        self.typed = typed
        self.notes: list[str] = []
        self._csv: CsvFormat | None = None

    def _open(self):
        p = self.path
        if not p.exists():
            raise InputError("file not found", file=str(p))
        if p.is_dir():
            raise InputError("is a directory, expected a data file", file=str(p))

    def frames(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        """Frames of at most ``rows`` records (``None``: one frame with the whole file)."""
        self._open()
        if self.fmt == "csv":
            from .csvfile import iter_csv, sniff_csv
            fmt = self.guard(lambda: sniff_csv(self.path, encoding=self.encoding, delimiter=self.delimiter,
                                                header_row=self.header_row, expected=self.expected))
            self._csv, self.notes = fmt, list(fmt.notes)
            it = iter_csv(fmt, rows)
            while True:
                frame = self.guard(lambda: next(it, None))
                if frame is None:
                    break
                yield frame
            if fmt.empty_lines:
                self.notes.append(f"{fmt.empty_lines} empty lines skipped")
            return
        if self.fmt == "xlsx":
            df = self.guard(lambda: _read_xlsx(self.path, self.sheet, self.header_row, self.expected, self.notes))
        else:
            df = self.guard(lambda: _read_parquet(self.path, typed=self.typed))
        df["row"] = np.arange(1, len(df) + 1, dtype=np.int64)
        step = rows or max(len(df), 1)
        for k in range(0, max(len(df), 1), step):
            yield df.iloc[k:k + step].reset_index(drop=True) if rows else df

    def arrow(self):
        """A typed Parquet file (``typed=True``) as the Arrow table it holds, read without
        pandas (validation takes it as it is, :func:`hpr_rules.records.validate_table`);
        None for any other file, which is read as frames."""
        if self.fmt != "parquet" or not self.typed:
            return None
        self._open()
        import pyarrow.parquet as pq
        return self.guard(lambda: pq.ParquetFile(self.path).read())  # read_table would import pandas

    def read(self) -> pd.DataFrame:
        """The whole file as one frame."""
        (frame,) = self.frames(None)  # to its end: the notes are complete then
        return frame

    def guard(self, fn):
        """``fn()``; a failure of the parser is an InputError naming the file and its format."""
        try:
            return fn()
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - any parser failure is a file the user must fix
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"cannot read as {self.fmt}: {text}", file=str(self.path)) from None


def read_table(path, *, encoding: str | None = None, delimiter: str | None = None,
               header_row: int | None = None, sheet: str | int | None = None, typed: bool = False) -> pd.DataFrame:
    """All cells of a data file as text (missing → ``""``), headers as in the file (trimmed).

    Lines that do not split into the header's fields are kept: their cells are blanked and
    the hidden column ``_line_error`` says what was wrong, so the row is rejected, not lost.
    See :class:`Source` for ``typed``.
    """
    return Source(path, encoding=encoding, delimiter=delimiter, header_row=header_row, sheet=sheet,
                  typed=typed).read().drop(columns=["row", LINE_NUMBER], errors="ignore")


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _read_xlsx(p: Path, sheet: str | int | None = None, header_row: int | None = None, expected=None,
               notes: list | None = None) -> pd.DataFrame:
    """A worksheet as text. ``header_row`` (1-based) skips a title block above the header;
    without it, the header is found below a title block by the ``expected`` column names
    (said in ``notes``). A header cell left empty by a merged (multi-row) header takes the
    nearest name above it."""
    import pandas as pd
    import itertools

    import openpyxl

    from ..errors import did_you_mean
    wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        ws = _worksheet(wb, sheet, p, did_you_mean, notes)
        rows = ws.iter_rows(values_only=True)
        if header_row is None and expected:
            from .sniff import HEADER_SEARCH
            head = [tuple(r) for r in itertools.islice(rows, HEADER_SEARCH)]
            header_row = _xlsx_header_row(head, expected, ws.title, p)
            if header_row is not None and notes is not None and header_row > 1:
                notes.append(f"sheet {ws.title!r}: header on row {header_row} (detected)")
            rows = itertools.chain(head, rows)
        above: list[list[str]] = []
        header = None
        for k, r in enumerate(rows, start=1):
            cells = [_cell_text(v) for v in r]
            if header_row is not None and k < header_row:
                above.append(cells)
                continue
            if header_row is None and not any(cells):
                continue
            header, k_header = cells, k
            break
        if header is None:
            where = f"row {header_row}" if header_row else "a header row"
            raise InputError(f"worksheet {ws.title!r} has no {where}", file=str(p))
        for j, name in enumerate(header):
            if not name:  # part of a merged cell: the name stands in a row above
                header[j] = next((row[j] for row in reversed(above) if j < len(row) and row[j]), "")
        while header and header[-1] == "":
            header.pop()
        from .csvfile import header_names
        names = header_names(header)
        k = len(names)
        data, at = [], []
        for sheet_row, r in enumerate(rows, start=k_header + 1):
            cells = [_cell_text(v) for v in r[:k]]
            if not any(cells):
                continue
            cells += [""] * (k - len(cells))
            data.append(cells)
            at.append(sheet_row)
    finally:
        wb.close()
    df = pd.DataFrame(data, columns=names, dtype=object)
    df[LINE_NUMBER] = np.asarray(at, dtype=np.int64)  # the row number Excel shows
    return df


def _xlsx_header_row(head, expected, title: str, p: Path) -> int | None:
    """The 1-based header row among the first rows of a worksheet (None: it has no cells)."""
    from .sniff import find_header
    h, others = find_header([[_cell_text(v) for v in r] for r in head], expected)
    if others:
        at = ", ".join(str(i + 1) for i in [h, *others])
        raise InputError(f"worksheet {title!r}: the header could be on row {at}: each holds the same column "
                         "names; pass --header-row (or set header_row in the mapping) to say which", file=str(p))
    return None if h is None else h + 1


def _worksheet(wb, sheet, p: Path, did_you_mean, notes: list | None = None):
    """The sheet asked for (by name or 0-based index, hidden or not), else the first visible
    one: the sheet HR sees when the workbook opens (a hidden one in front is said in ``notes``)."""
    names = wb.sheetnames
    if sheet is None or sheet == "":
        hidden = [ws.title for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") != "visible"]
        visible = [ws for ws in wb.worksheets if ws.title not in hidden] or wb.worksheets  # Excel keeps one visible
        if hidden and notes is not None and visible[0] is not wb.worksheets[0]:
            notes.append(f"sheet {visible[0].title!r} (the first visible sheet; hidden: {', '.join(hidden)})")
        return visible[0]
    if isinstance(sheet, str) and sheet in names:
        return wb[sheet]
    if isinstance(sheet, int) or str(sheet).isdigit():
        i = int(sheet)
        if 0 <= i < len(names):
            return wb.worksheets[i]
        raise InputError(f"sheet {i} does not exist; the workbook has {len(names)} sheets (0-based: "
                         f"0..{len(names) - 1}): {', '.join(names)}", file=str(p))
    listed = "; sheets: " + ", ".join(names)
    raise InputError(f"no sheet named {sheet!r}{did_you_mean(sheet, names, listed)}", file=str(p))


def _read_parquet(p: Path, typed: bool = False) -> pd.DataFrame:
    import pyarrow.parquet as pq
    return parquet_frame(pq.read_table(p), typed)


def parquet_frame(table, typed: bool = False) -> pd.DataFrame:
    """The frame of an Arrow table read from Parquet: typed columns kept where ``typed``
    (see :class:`Source`), else the canonical text form. A text field (an employee_id) held
    as numbers is its text keys (:func:`number_text`) where every value is a whole number."""
    import pandas as pd
    cols = {}
    for name, col in zip(table.column_names, table.columns):
        fast = _typed_parquet_column(col, FIELD_TYPES.get(str(name))) if typed else None
        cols[str(name)] = fast if fast is not None else _text_parquet_column(col)
    return pd.DataFrame(cols, copy=False)


#: every whole number up to this size, and no larger one, a float64 holds exactly
FLOAT_EXACT = 2 ** 53


def number_text(col):
    """Text held as numbers (an employee_id column of a Parquet file or a frame) as the text
    keys it is compared by everywhere: a whole number as its digits, ``102`` (never
    ``102.0``), an integer exactly at any size.

    ``col``: an Arrow array or chunked array (integers, floats, decimals). Returns ``(keys,
    unwhole)``: a large_string array (null where missing) and a numpy mask of the floats
    (and decimals with places) that are no whole number
    (102.5, NaN, inf) or one beyond :data:`FLOAT_EXACT` (which a float may already have
    changed), whose key is the float as written, for the message that rejects the row;
    None for a column not of numbers.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..arrowbuf import from_numpy, to_numpy, valid_mask
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = pc.cast(col, t.value_type), t.value_type
    if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
        return None
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if pa.types.is_integer(t) or (pa.types.is_decimal(t) and t.scale <= 0):
        return pc.cast(col, pa.large_string()), np.zeros(len(col), dtype=bool)
    # floats, and decimals with places (read as floats)
    x = to_numpy(pc.cast(col, pa.float64()), np.nan)
    valid = valid_mask(col)
    with np.errstate(invalid="ignore"):
        whole = valid & np.isfinite(x) & (np.floor(x) == x) & (np.abs(x) <= FLOAT_EXACT)
    ints = pc.cast(from_numpy(np.where(whole, x, 0).astype(np.int64)), pa.large_string())
    shown = pc.cast(pc.cast(col, pa.float64()), pa.large_string())  # 102.5 as a float writes it
    return pc.if_else(from_numpy(whole), ints, shown), valid & ~whole


def _text_parquet_column(col) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc
    t = col.type
    if pa.types.is_timestamp(t):
        col = pc.strftime(col, format="%Y-%m-%d")
    elif pa.types.is_date(t):
        col = pc.cast(col, pa.string())
    elif pa.types.is_boolean(t):
        col = pc.if_else(col, "true", "false")
    elif pa.types.is_dictionary(t):
        col = pc.cast(pc.cast(col, t.value_type), pa.string())
    elif not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        col = pc.cast(col, pa.string())
    return pc.fill_null(col, "").to_pandas()


_TS_LO, _TS_HI = dt.date.fromisoformat(NS_DATE_MIN), dt.date.fromisoformat(NS_DATE_MAX)


def _typed_parquet_column(col, kind: str | None = None) -> pd.Series | None:
    """The column with its Parquet type kept, or None where only the text form is safe.
    ``kind``: the field's type (:data:`FIELD_TYPES`); a text field held as whole numbers
    reads as their text keys (:func:`number_text`)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = pc.cast(col, t.value_type), t.value_type
    if kind == "string":
        keys = number_text(col)
        if keys is not None and not keys[1].any():
            return pd.Series(pd.arrays.ArrowStringArray(keys[0]))
        if keys is not None:  # a number that is no whole id: validation rejects its row
            return pd.Series(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        d = pc.cast(col, pa.date32(), safe=False)  # the day; a time of day is dropped, as in the text form
        lo, hi = pc.min_max(d).values()
        if lo.is_valid and (lo.as_py() < _TS_LO or hi.as_py() >= _TS_HI):
            return None  # outside datetime64[ns]: the text form lets validation name the bad date
        return pd.Series(pc.cast(d, pa.timestamp("ns")).to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    if pa.types.is_boolean(t):
        return col.to_pandas() if col.null_count == 0 else None
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return pd.Series(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.Series(pd.arrays.ArrowStringArray(pc.cast(col, pa.large_string())))
    return None


# ---------------------------------------------------------------------------------- writing

def to_canonical_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical text form of a typed records frame (ISO dates, true/false, '.' decimals)."""
    import pandas as pd
    cols = [c for c in COLUMNS if c in frame.columns] + \
           [c for c in frame.columns if c not in COLUMNS and c != "row"]
    out = {}
    for c in cols:
        s = frame[c]
        kind = FIELD_TYPES.get(c)
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), "")
        elif pd.api.types.is_bool_dtype(s.dtype):  # an optional yes/no may be empty (not known)
            out[c] = np.where(s.fillna(False).to_numpy(dtype=bool), "true", "false").astype(object)
            out[c][s.isna().to_numpy()] = ""
        elif kind == "int" or pd.api.types.is_integer_dtype(s.dtype):
            out[c] = s.astype("Int64").astype(str).where(s.notna(), "").astype(object)
        elif kind == "string" and pd.api.types.is_float_dtype(s.dtype):  # ids held as floats: 102, not 102.0
            import pyarrow as pa
            keys = number_text(pa.array(s, from_pandas=True))[0].to_pylist()
            out[c] = pd.Series(["" if k is None else k for k in keys], index=s.index, dtype=object)
        elif pd.api.types.is_float_dtype(s.dtype):
            vals = s.to_numpy(dtype="float64")
            txt = np.array([repr(float(v)) if v == v else "" for v in vals], dtype=object) \
                if len(vals) < 1000 else _floats_text(vals)
            out[c] = txt
        else:
            out[c] = s.astype(object).where(s.notna(), "").map(str)
    return pd.DataFrame(out, index=frame.index)


def _floats_text(vals: np.ndarray) -> np.ndarray:
    # few distinct values in practice (fte, hours): format the uniques once
    uniq, inv = np.unique(vals, return_inverse=True)
    text = np.array([repr(float(v)) if v == v else "" for v in uniq], dtype=object)
    return text[inv.ravel()]


def write_records(frame: pd.DataFrame, path) -> None:
    """Write a records frame as CSV, XLSX or Parquet (by extension), atomically.

    CSV is the canonical text form; Parquet keeps types (dates as day dates) and is
    byte-identical for identical frames.
    """
    import pandas as pd
    from ..outputs import atomic_write
    p = Path(path)
    fmt = _format(p)

    def write(tmp):
        if fmt == "csv":
            text = to_canonical_text(frame)
            sep = "\t" if p.suffix.lower() == ".tsv" else ","
            text.to_csv(tmp, index=False, sep=sep, lineterminator="\n", encoding="utf-8")
        elif fmt == "xlsx":
            out = frame.drop(columns=["row"], errors="ignore").copy()
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c].dtype):
                    out[c] = out[c].dt.date.astype(object).where(out[c].notna(), None)
            buf = io.BytesIO()  # the engine goes by the file name, and a temporary file ends in .tmp
            out.to_excel(buf, index=False, engine="openpyxl")
            Path(tmp).write_bytes(buf.getvalue())
        else:
            _write_parquet(frame, tmp)
    atomic_write(p, write)


def _write_parquet(frame: pd.DataFrame, tmp: Path) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays, names = [], []
    for c in frame.columns:
        if c == "row":
            continue
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            arr = pa.array(s.to_numpy(dtype="datetime64[D]"), type=pa.date32(), mask=s.isna().to_numpy())
        elif pd.api.types.is_bool_dtype(s.dtype):
            arr = pa.array(s.fillna(False).to_numpy(dtype=bool), type=pa.bool_(), mask=s.isna().to_numpy())
        elif pd.api.types.is_integer_dtype(s.dtype):
            arr = pa.array(s.to_numpy(dtype="int64"), type=pa.int64())
        elif pd.api.types.is_float_dtype(s.dtype):
            arr = pa.array(s.to_numpy(dtype="float64"), type=pa.float64())
        else:
            vals = s.astype(object).where(s.notna(), None).tolist()
            arr = pa.array([None if v is None else str(v) for v in vals], type=pa.string())
        arrays.append(arr)
        names.append(str(c))
    table = pa.Table.from_arrays(arrays, names=names)
    pq.write_table(table, tmp, compression="snappy")
