"""Reading and writing personnel files: CSV, Excel, Parquet, by extension.

Everything is read as text first, so validation can quote the value exactly as it
stood in the file. Typed Excel/Parquet cells are turned into the canonical text form
(ISO dates, ``true``/``false``, ``.`` decimals).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .schema import COLUMNS, FIELD_TYPES, NS_DATE_MAX, NS_DATE_MIN

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
DELIMITERS = (",", ";", "|", "\t")

#: first cell of a line the CSV parser could not split into the header's fields;
#: read_table turns it into the hidden column ``_line_error`` that validation rejects
_BAD_LINE = "\x00bad-line\x00"
LINE_ERROR = "_line_error"
LINE_TEXT = "_line_text"


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


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` when the bytes decode as such, else ``cp1252``."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def sniff_delimiter(header: str) -> str:
    """The candidate delimiter occurring most often in the header line (``,`` on a tie of zeros)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(path, *, encoding: str | None = None, delimiter: str | None = None,
               typed: bool = False) -> pd.DataFrame:
    """All cells of a data file as text (missing → ``""``), headers as in the file (trimmed).

    Lines with more fields than the header are kept: their cells are blanked and the
    hidden column ``_line_error`` says what was wrong, so the row is rejected, not lost.

    ``typed=True`` keeps the types a Parquet file already has (dates, numbers, booleans;
    strings as Arrow-backed text) instead of a text round trip; validation gives the
    same result either way, several times faster. Other formats are always text.
    """
    p = Path(path)
    fmt = _format(p)
    if not p.exists():
        raise InputError("file not found", file=str(p))
    if p.is_dir():
        raise InputError("is a directory, expected a data file", file=str(p))
    try:
        if fmt == "csv":
            df = _read_csv(p, encoding, delimiter)
        elif fmt == "xlsx":
            df = _read_xlsx(p)
        else:
            df = _read_parquet(p, typed=typed)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a file the user must fix
        raise InputError(f"cannot read as {fmt}: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}",
                         file=str(p)) from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    return df


def _read_csv(p: Path, encoding: str | None, delimiter: str | None) -> pd.DataFrame:
    raw = p.read_bytes()
    enc = encoding or detect_encoding(raw)
    if enc.lower().replace("_", "-") in ("utf-8", "utf8") and raw.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    try:
        text_head = raw[:65536].decode(enc, errors="strict" if len(raw) <= 65536 else "ignore")
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"cannot decode as {enc}: {exc}", file=str(p)) from None
    if not text_head.strip():
        raise InputError("file is empty (no header line)", file=str(p))
    header = text_head.lstrip("\ufeff").splitlines()[0]
    sep = delimiter or (("\t" if p.suffix.lower() == ".tsv" else sniff_delimiter(header)))
    df = _read_csv_arrow(p, enc, sep, header)
    if df is None:  # some line does not fit the header: the slower parser keeps and marks it
        df = _read_csv_pandas(p, enc, sep, header)
    df = df.fillna("")
    ncols = len(df.columns)
    if ncols > 1:
        first = df.iloc[:, 0].astype(str)
        marked = first.str.startswith(_BAD_LINE).to_numpy()
        # a line written with another delimiter lands whole in the first cell
        others = [d for d in DELIMITERS if d != sep]
        rest_empty = (df.iloc[:, 1:] == "").all(axis=1).to_numpy()
        wrong = np.zeros(len(df), dtype=bool)
        if rest_empty.any():
            cand = first[rest_empty]
            for d in others:
                hit = cand.str.count(re.escape(d)).to_numpy() >= max(ncols // 2, 1)
                idx = np.flatnonzero(rest_empty)[hit]
                wrong[idx] = True
        if marked.any() or wrong.any():
            msg = first.where(pd.Series(marked, index=df.index), "").str.replace(_BAD_LINE, "", regex=False)
            msg = msg.where(~pd.Series(wrong, index=df.index),
                            f"line is not separated by {_show(sep)} like the header (another delimiter?)")
            df[LINE_ERROR] = msg.astype(object)
            df[LINE_TEXT] = first.where(pd.Series(wrong, index=df.index), "").astype(object)
            df.iloc[np.flatnonzero(marked | wrong), 0] = ""
    return df


def _show(sep: str) -> str:
    return {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "'|'"}.get(sep, repr(sep))


def _read_csv_arrow(p: Path, enc: str, sep: str, header: str) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad = []

    def handler(row):
        bad.append(row)
        return "skip"

    try:
        reader_opts = pcsv.ReadOptions(encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc,
                                       block_size=1 << 24)
        table = pcsv.read_csv(
            p, read_options=reader_opts,
            parse_options=pcsv.ParseOptions(delimiter=sep, quote_char='"', newlines_in_values=True,
                                            invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(column_types={h: pa.string() for h in next(csv.reader([header], delimiter=sep))}, strings_can_be_null=False,
                                                quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    if bad:
        return None
    names = [str(c) for c in table.column_names]
    if len(set(names)) != len(names):
        return None  # duplicate headers: let pandas de-duplicate them
    return table.to_pandas()


def _read_csv_pandas(p: Path, enc: str, sep: str, header: str) -> pd.DataFrame:
    opts = dict(sep=sep, dtype=str, keep_default_na=False, na_filter=False, encoding=enc,
                skip_blank_lines=True, quoting=csv.QUOTE_MINIMAL)
    try:
        return pd.read_csv(p, engine="c", **opts)
    except pd.errors.ParserError:
        ncols = len(next(csv.reader([header], delimiter=sep)))

        def bad(fields):
            return [f"{_BAD_LINE}line has {len(fields)} fields, the header has {ncols}"] + [""] * (ncols - 1)

        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(p, engine="python", on_bad_lines=bad, **opts)


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


def _read_xlsx(p: Path) -> pd.DataFrame:
    import openpyxl

    wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError("worksheet is empty (no header row)", file=str(p))
        names = [_cell_text(h) for h in header]
        while names and names[-1] == "":
            names.pop()
        k = len(names)
        data = []
        for r in rows:
            cells = [_cell_text(v) for v in r[:k]]
            if not any(cells):
                continue
            cells += [""] * (k - len(cells))
            data.append(cells)
    finally:
        wb.close()
    return pd.DataFrame(data, columns=names, dtype=object)


def _read_parquet(p: Path, typed: bool = False) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(p)
    cols = {}
    for name, col in zip(table.column_names, table.columns):
        fast = _typed_parquet_column(col) if typed else None
        cols[str(name)] = fast if fast is not None else _text_parquet_column(col)
    return pd.DataFrame(cols, copy=False)


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


def _typed_parquet_column(col) -> pd.Series | None:
    """The column with its Parquet type kept, or None where only the text form is safe."""
    import pyarrow as pa
    import pyarrow.compute as pc
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = pc.cast(col, t.value_type), t.value_type
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
    cols = [c for c in COLUMNS if c in frame.columns] + \
           [c for c in frame.columns if c not in COLUMNS and c != "row"]
    out = {}
    for c in cols:
        s = frame[c]
        kind = FIELD_TYPES.get(c)
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), "")
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[c] = np.where(s.to_numpy(dtype=bool), "true", "false").astype(object)
        elif kind == "int" or pd.api.types.is_integer_dtype(s.dtype):
            out[c] = s.astype("Int64").astype(str).where(s.notna(), "").astype(object)
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


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_records(frame: pd.DataFrame, path) -> None:
    """Write a records frame as CSV, XLSX or Parquet (by extension), atomically.

    CSV is the canonical text form; Parquet keeps types (dates as day dates) and is
    byte-identical for identical frames.
    """
    p = Path(path)
    fmt = _format(p)
    tmp = _tmp_path(p)
    try:
        if fmt == "csv":
            text = to_canonical_text(frame)
            sep = "\t" if p.suffix.lower() == ".tsv" else ","
            text.to_csv(tmp, index=False, sep=sep, lineterminator="\n", encoding="utf-8")
        elif fmt == "xlsx":
            out = frame.drop(columns=["row"], errors="ignore").copy()
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c].dtype):
                    out[c] = out[c].dt.date.astype(object).where(out[c].notna(), None)
            out.to_excel(tmp, index=False, engine="openpyxl")
        else:
            _write_parquet(frame, tmp)
        os.replace(tmp, p)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(p)) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_parquet(frame: pd.DataFrame, tmp: Path) -> None:
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
            arr = pa.array(s.to_numpy(dtype=bool), type=pa.bool_())
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
