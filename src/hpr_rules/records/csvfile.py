"""CSV personnel files, read strictly and accounted for line by line.

Every physical line after the header is a record, part of a multi-line record, an empty
line (only delimiters and spaces), or a rejected record that names its line: nothing is
dropped. The same code reads a file whole and in chunks (``--chunk-size``), block by block,
so both give the same records with the same row numbers.

- A line without a quote character is split on the delimiter (vectorised in Arrow).
- A line with a quote is parsed by :mod:`csv` (strict). A quoted field may continue on the
  next lines only when it closes within :data:`MAX_SPAN` lines and the record then has the
  header's number of fields; otherwise that one line is rejected as an unbalanced quote
  (line and column) and reading resumes on the next line.
- A record with more fields than the header is rejected (empty trailing fields, as
  spreadsheets write them, are tolerated); so is a record with fewer.
- Bytes that are not valid in the file's encoding and NUL characters reject their line.

The encoding is decided on the whole file (UTF-8 when every byte decodes, else cp1252), the
delimiter (``, ; | tab``) on the header line. A UTF-16 file (a BOM, or ``--encoding utf-16``:
Excel's "Unicode text") is transcoded to UTF-8 block by block as it is read, line breaks
kept, so its lines are numbered as in the file; a line with an odd number of bytes or a lone
surrogate is rejected like an undecodable line.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .schema import LINE_ERROR, LINE_NUMBER, LINE_TEXT  # noqa: F401 - the hidden columns of a line

DELIMITERS = (",", ";", "|", "\t")
#: lines a quoted field may span before its opening quote counts as unbalanced
MAX_SPAN = 10
#: bytes read at a time (a block always ends at a line break)
BLOCK_BYTES = 1 << 24
_SHOWN_TEXT = 200
_BAD_CHAR = re.compile("[\x00\udc80-\udcff]")
_BOMS = {b"\xef\xbb\xbf": "utf-8"}
_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
#: stands for a damaged stretch of a UTF-16 line in its UTF-8 transcript (never valid UTF-8)
_DAMAGE = "\udcff"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class CsvFormat:
    """How a CSV file is written, as declared or detected; ``notes`` say what was detected."""

    path: Path
    encoding: str
    bom: bool
    delimiter: str
    header_line: int
    columns: list[str]
    notes: list[str] = field(default_factory=list)
    #: filled while reading: records, empty lines and rejected lines seen so far
    records: int = 0
    empty_lines: int = 0
    #: physical line of the last line rejected with a quote it does not close (0: none yet):
    #: the lines a quoted field opened there may reach are never read for known fields
    open_quote_line: int = 0
    #: physical line of the last line rejected with fewer fields than the header (0: none):
    #: the line after it may be the rest of that record (a line break in a field not quoted)
    short_line: int = 0
    #: every byte is known to decode (the encoding was detected on the whole file)
    valid: bool = False
    #: the file's own encoding when it is read as a UTF-8 transcript (``utf-16-le``/``-be``)
    source_encoding: str | None = None


def show_delimiter(sep: str) -> str:
    return {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "'|'"}.get(sep, repr(sep))


def _codec(name: str, path: Path) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InputError(f"unknown encoding {name!r}; use utf-8 or cp1252", file=str(path)) from None


def _first_invalid_utf8(path: Path, skip: int) -> int | None:
    """Byte offset of the first byte that is not UTF-8, or None (the whole file is read)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    pos = 0
    with path.open("rb") as fh:
        fh.seek(skip)
        while True:
            data = fh.read(BLOCK_BYTES)
            try:
                dec.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                return pos + exc.start
            if not data:
                return None
            pos += len(data)


def sniff_csv(path, *, encoding: str | None = None, delimiter: str | None = None,
              header_row: int | None = None, expected=None) -> CsvFormat:
    """The format of a CSV file: encoding, BOM, delimiter, header line and column names.

    Without ``header_row``, the header is the first non-empty line or, below a title block,
    the line that holds the most of the ``expected`` column names (see
    :func:`hpr_rules.records.sniff.find_header`)."""
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(1 << 20)
    if head.startswith(_UTF32):
        raise InputError("file is UTF-32; save it as UTF-8 (or UTF-16, cp1252) text", file=str(p))
    wide, notes = _utf16(head, encoding, p)
    if wide:
        enc = "utf-8"  # what the parser reads: the transcript
        bom = head[:2] in _UTF16
        head = b"".join(_head(_utf8_blocks(p, wide, 2 if bom else 0, 1 << 21), 1 << 20))
        text = head[:1 << 20]
        if len(head) > 1 << 20:
            text = text[:max(text.rfind(b"\n"), text.rfind(b"\r")) + 1]
    else:
        bom = head.startswith(b"\xef\xbb\xbf")
        if encoding:
            enc = _codec(encoding, p)
            if enc == "utf-8-sig":
                enc = "utf-8"
            notes.append(f"encoding {enc}" + (" with BOM" if bom else ""))
        else:
            bad = _first_invalid_utf8(p, 3 if bom else 0)
            enc = "utf-8" if bad is None else "cp1252"
            notes.append(f"encoding {enc}" + (" with BOM" if bom else "") + " (detected)")
        text = head[3 if bom else 0:]
        cut = max(text.rfind(b"\n"), text.rfind(b"\r"))
        if cut >= 0 and len(head) == 1 << 20:
            text = text[:cut + 1]
    lines = _split(text.decode(enc, "surrogateescape"))
    given = None
    if delimiter:
        given = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if len(given) != 1:
            raise InputError(f"delimiter must be one character (or 'tab'), not {delimiter!r}", file=str(p))
    elif p.suffix.lower() == ".tsv":
        given = "\t"
    if header_row is not None:
        if header_row < 1 or header_row > len(lines):
            raise InputError(f"header_row {header_row} is beyond the first {len(lines)} lines of the file",
                             file=str(p))
        h = header_row - 1
    else:
        h = next((i for i, ln in enumerate(lines) if ln.strip()), None)
        if h is None:
            raise InputError("file is empty (no header line)", file=str(p))
        if expected:
            h = _detect_header(lines, h, expected, given, p)
    header = lines[h]
    if _BAD_CHAR.search(header):
        raise InputError(f"line {h + 1}: the header holds bytes that are not {wide or enc} or NUL characters",
                         file=str(p))
    if given:
        sep = given
    else:
        sep = _sniff_delimiter(header, lines[h + 1:h + 51])
        notes.append(f"delimiter {show_delimiter(sep)} (detected)")
    try:
        names = next(csv.reader([header], delimiter=sep, strict=True))
    except csv.Error as exc:
        raise InputError(f"line {h + 1}: the header line cannot be read ({exc})", file=str(p)) from None
    if h:
        notes.append(f"header on line {h + 1}" + (" (detected)" if header_row is None else ""))
    return CsvFormat(path=p, encoding=enc, bom=bom, delimiter=sep, header_line=h + 1,
                     columns=header_names(names), notes=notes, valid=not encoding and enc == "utf-8" and not wide,
                     source_encoding=wide)


def _utf16(head: bytes, encoding: str | None, p: Path) -> tuple[str | None, list[str]]:
    """(``utf-16-le``/``utf-16-be`` or None, notes): UTF-16 by its BOM, which outweighs an
    8-bit encoding given (a mapping written for the CSV export), or as asked for (no BOM:
    little-endian, as Windows writes it)."""
    asked = _codec(encoding, p) if encoding else None
    by_bom = _UTF16.get(head[:2])
    if by_bom:
        if asked in (None, "utf-16", by_bom):
            return by_bom, [f"encoding {by_bom} (BOM)"]
        if asked.startswith("utf-16"):
            raise InputError(f"the file's BOM says {by_bom}, not the {asked} asked for", file=str(p))
        return by_bom, [f"encoding {by_bom} (BOM; not the {asked} asked for)"]
    if asked == "utf-16":
        return "utf-16-le", ["encoding utf-16-le (no BOM: little-endian taken)"]
    if asked in ("utf-16-le", "utf-16-be"):
        return asked, [f"encoding {asked}"]
    return None, []


def _head(blocks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """The first blocks, until ``size`` bytes and one more are there."""
    n = 0
    for b in blocks:
        yield b
        n += len(b)
        if n > size:
            break


def _utf8_blocks(path: Path, encoding: str, skip: int, size: int = 0) -> Iterator[bytes]:
    """The UTF-8 transcript of a UTF-16 file, block by block, each ending at a line break.

    Line breaks (CR and LF) are found on the bytes, at any offset: a line with an odd number
    of bytes (one lost, or a truncated file) is damaged, and the next line is read in step
    again. A damaged line, and a lone surrogate, become :data:`_DAMAGE` in the transcript:
    that line alone is rejected (a line out of step: from its first column). A character
    U+0A00..U+0AFF or U+0D00..U+0DFF followed by one ending in 00 reads as a line break at
    an odd offset, too: such a line is rejected as damaged (and the lines around it kept).
    """
    size = size or BLOCK_BYTES
    le = encoding == "utf-16-le"
    carry = b""
    with path.open("rb") as fh:
        fh.seek(skip)
        while True:
            data = fh.read(size)
            final = not data
            buf = carry + data
            b = np.frombuffer(buf, dtype=np.uint8)
            if len(b) > 1:
                lo, hi = (b[:-1], b[1:]) if le else (b[1:], b[:-1])
                brk = np.flatnonzero(((lo == 10) | (lo == 13)) & (hi == 0))
            else:
                brk = np.zeros(0, dtype=np.int64)
            if final:
                cut = len(buf)
            elif len(brk):
                cut = int(brk[-1]) + 2
            else:
                carry = buf
                continue
            carry = buf[cut:]
            if cut:
                yield _transcode(buf[:cut], brk[brk + 2 <= cut], encoding)
            if final:
                yield b""
                return


def _transcode(raw: bytes, brk: np.ndarray, encoding: str) -> bytes:
    """UTF-8 of whole UTF-16 lines (``brk``: offsets of their line breaks)."""
    starts = np.concatenate([[0], brk + 2])
    ends = np.concatenate([brk, [len(raw)]])
    odd = np.flatnonzero((ends - starts) % 2).tolist()
    parts, at = [], 0
    for i in odd:
        s, e = int(starts[i]), int(ends[i])
        parts.append(_decode16(raw[at:s], encoding))
        parts.append(_DAMAGE + _decode16(raw[s:e - 1], encoding))  # where the byte went is not known
        at = e
    parts.append(_decode16(raw[at:], encoding))
    return "".join(parts).encode("utf-8", "surrogateescape")


def _decode16(raw: bytes, encoding: str) -> str:
    text = raw.decode(encoding, "surrogatepass")
    return _SURROGATE.sub(_DAMAGE, text) if _SURROGATE.search(text) else text


def _detect_header(lines: list[str], first: int, expected, sep: str | None, p: Path) -> int:
    """The header line below a title block (0-based): see :func:`.sniff.find_header`; each
    line split on the given delimiter, or on the candidate that finds the most names."""
    from .sniff import HEADER_SEARCH, find_header
    seps = [sep] if sep else list(DELIMITERS)
    want = {str(e).strip().lower() for e in expected}
    rows = []
    for ln in lines[first:first + HEADER_SEARCH]:
        best: list[str] = []
        for sep in seps:
            try:
                cells = next(csv.reader([ln], delimiter=sep), [])
            except csv.Error:
                cells = ln.split(sep)
            if len({c.strip().lower() for c in cells} & want) > len({c.strip().lower() for c in best} & want):
                best = cells
        rows.append(best or [ln])
    h, others = find_header(rows, want)
    if others:
        at = ", ".join(str(first + i + 1) for i in [h, *others])
        raise InputError(f"the header could be on line {at}: each holds the same column names; pass --header-row "
                         "(or set header_row in the mapping) to say which", file=str(p))
    return first + h


def header_names(names) -> list[str]:
    """Trimmed header names; an empty name becomes ``column N``, a repeated one gets ``.1``, ``.2``."""
    out, seen = [], {}
    for k, n in enumerate(names, start=1):
        n = str(n).strip().lstrip("\ufeff").strip() if n is not None else ""
        n = n or f"column {k}"
        base, i = n, seen.get(n, 0)
        while n in seen:
            i += 1
            n = f"{base}.{i}"
        seen[base] = i
        seen[n] = 0
        out.append(n)
    return out


def _sniff_delimiter(header: str, sample: list[str]) -> str:
    """The candidate most frequent outside quotes in the header; a tie goes to the one that
    splits the next lines into as many fields as the header."""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = {d: bare.count(d) for d in DELIMITERS}
    top = max(counts.values())
    if not top:
        return ","
    tied = [d for d in DELIMITERS if counts[d] == top]
    if len(tied) > 1:
        rows = [re.sub(r'"[^"]*"', "", s) for s in sample if s.strip()]
        tied.sort(key=lambda d: -sum(r.count(d) == top for r in rows))
    return tied[0]


def _split(text: str) -> list[str]:
    """Physical lines: ``\\r\\n``, ``\\r`` and ``\\n`` each end one."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def iter_csv(fmt: CsvFormat, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The records of the file as text frames of at most ``rows`` records (one frame when None).

    Columns: the header's, plus ``row`` (record number, 1-based, header excluded), ``_line``
    (:data:`LINE_NUMBER`: physical line of the record's first line) and, when
    a line was rejected, ``_line_error``/``_line_text``. Cells are text, never missing.
    """
    pending: list[pd.DataFrame] = []
    n = 0
    for frame in _blocks(fmt):
        if not len(frame):
            continue
        pending.append(frame)
        n += len(frame)
        while rows is not None and n >= rows:
            whole = _concat(pending)
            yield whole.iloc[:rows].reset_index(drop=True)
            rest = whole.iloc[rows:].reset_index(drop=True)
            pending, n = ([rest] if len(rest) else []), len(rest)
    if pending or rows is None or not fmt.records:  # a file without records still has its columns
        yield _concat(pending) if pending else _empty(fmt.columns)


def _empty(columns) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    out["row"] = pd.Series([], dtype="int64")
    out[LINE_NUMBER] = pd.Series([], dtype="int64")
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    if any(LINE_ERROR in f.columns for f in frames):
        frames = [f if LINE_ERROR in f.columns else f.assign(**{LINE_ERROR: "", LINE_TEXT: ""}) for f in frames]
    return pd.concat(frames, ignore_index=True)


def _raw_blocks(fmt: CsvFormat) -> Iterator[bytes]:
    """The bytes after the BOM, block by block (a UTF-16 file: its UTF-8 transcript); ``b""`` last."""
    if fmt.source_encoding:
        yield from _utf8_blocks(fmt.path, fmt.source_encoding, 2 if fmt.bom else 0)
        return
    with fmt.path.open("rb") as fh:
        if fmt.bom:
            fh.read(3)
        while True:
            data = fh.read(BLOCK_BYTES)
            yield data
            if not data:
                return


def _blocks(fmt: CsvFormat) -> Iterator[pd.DataFrame]:
    """Frames of records, one per block of the file; updates ``fmt.records``/``empty_lines``.

    The structure of a block (line ends, delimiters, quotes) is found on its bytes: in
    UTF-8 and cp1252 those are single bytes that never occur inside another character.
    """
    fmt.records = fmt.empty_lines = fmt.open_quote_line = fmt.short_line = 0
    carry = b""
    first = fmt.header_line + 1  # physical line number of the first line of ``carry``
    skip = fmt.header_line
    buf = b""
    for data in _raw_blocks(fmt):
        final = not data
        buf += data
        if final:
            chunk, buf = buf, b""
        else:
            cut = buf.rfind(b"\n")
            if cut < 0:
                continue
            chunk, buf = buf[:cut + 1], buf[cut + 1:]
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if final and chunk and not chunk.endswith(b"\n"):
            chunk += b"\n"
        while skip and chunk:
            k = chunk.find(b"\n")
            chunk = chunk[k + 1:] if k >= 0 else b""
            skip -= 1
        block = carry + chunk
        frame, used = _parse_block(fmt, block, first, final)
        carry = block[used[1]:]
        first += used[0]
        yield frame
        if final:
            return


class _Lines:
    """The decoded lines of a block, decoded only when asked for (quoted or rejected lines)."""

    def __init__(self, block: bytes, starts, ends, encoding: str):
        self.block, self.starts, self.ends, self.encoding = block, starts, ends, encoding

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, i) -> str:
        return self.block[self.starts[i]:self.ends[i]].decode(self.encoding, "surrogateescape")

    def raw(self, i) -> bytes:
        return self.block[self.starts[i]:self.ends[i]]


def _per_line(b: np.ndarray, ends: np.ndarray, byte: int, n: int) -> np.ndarray:
    """How often ``byte`` occurs in each line."""
    pos = np.flatnonzero(b == byte)
    if not len(pos):
        return np.zeros(n, dtype=np.int64)
    return np.bincount(np.searchsorted(ends, pos), minlength=n)[:n]


def _parse_block(fmt: CsvFormat, block: bytes, first: int, final: bool) -> tuple[pd.DataFrame, tuple[int, int]]:
    """Records of the complete lines in ``block`` (its first line is physical line ``first``).

    Returns the frame and (lines used, bytes used). Unless ``final``, the last lines are left
    for the next block so that a quoted field opened there can still be closed.
    """
    import pyarrow as pa

    sep, ncols = fmt.delimiter, len(fmt.columns)
    sepb = ord(sep)
    b = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(b == 10)
    n = len(ends)
    starts = np.concatenate([[0], ends[:-1] + 1]) if n else np.zeros(0, dtype=np.int64)
    lines = _Lines(block, starts, ends, fmt.encoding)
    # a line of delimiters and spaces is short: only short lines are looked at one by one
    short = np.flatnonzero(ends - starts <= 4 * ncols + 8)
    empty = np.zeros(n, dtype=bool)
    blank_chars = " \t" + sep
    for i in short.tolist():
        empty[i] = not lines[i].strip(blank_chars)
    decodes = fmt.valid or _decodes(block, fmt.encoding)
    if decodes and n and not empty.any() and not (b == 34).any() and not (b == 0).any():  # the usual block: plain lines only; a line with another field count makes it unclean
        end = n if final else max(n - MAX_SPAN, 0)
        used_bytes = int(starts[end]) if end < n else len(block)
        cols = _split_plain(block[:used_bytes], end, fmt.encoding, sep, ncols, strict=False)
        if cols is not None:
            return _frame(fmt, cols, end, {}, {}, None, first), (end, used_bytes)
    seps = np.add.reduceat((b == sepb).view(np.uint8), starts, dtype=np.int64) if n else np.zeros(0, np.int64)
    quoted = _per_line(b, ends, 34, n) > 0

    errors: dict[int, str] = {}  # line index -> why the line is rejected
    damaged = np.flatnonzero(_per_line(b, ends, 0, n)).tolist() if decodes else range(n)
    damage_lines = set()
    for i in damaged:
        m = _BAD_CHAR.search(lines[i])
        if m:
            errors[i] = _damage_message(m, fmt.source_encoding or fmt.encoding, first + i)
            empty[i] = quoted[i] = False
            damage_lines.add(i)

    limit = n if final else max(n - MAX_SPAN, 0)
    consumed = np.zeros(n, dtype=bool)
    parsed: dict[int, list[str]] = {}  # start line index -> fields of a record with quotes
    end = limit
    damaged_at = sorted(damage_lines)  # a quoted field never continues over a damaged line
    for i in np.flatnonzero(quoted[:limit]).tolist():
        if consumed[i]:
            continue
        k = bisect.bisect_right(damaged_at, i)
        stop = min(n, i + MAX_SPAN, damaged_at[k] if k < len(damaged_at) else n)
        fields, span, err = _quoted_record(lines, i, stop, sep, ncols, first)
        if err:
            errors[i] = err
            continue
        parsed[i] = fields
        if span > 1:
            consumed[i + 1:i + span] = True
            end = max(end, i + span)
    rec = ~empty & ~consumed
    rec[end:] = False
    fmt.empty_lines += int((empty[:end] & ~consumed[:end]).sum())

    plain = rec & ~quoted
    for i in errors:
        plain[i] = False
    trimmed: dict[int, bytes] = {}
    blank_bytes = blank_chars.encode()
    for i in np.flatnonzero(plain & (seps != ncols - 1)).tolist():
        ln, count = lines.raw(i), int(seps[i]) + 1
        if count > ncols:  # empty trailing fields, as spreadsheets write them, are no data
            cut = ln.rstrip(blank_bytes)
            k = cut.count(sep.encode())
            if k <= ncols - 1:
                trimmed[i] = cut + sep.encode() * (ncols - 1 - k)
                continue
        errors[i] = _count_message(lines[i], count, ncols, sep, first + i)
        plain[i] = False
    plain_idx = np.flatnonzero(plain)
    known = _known_fields(fmt, lines, sorted(i for i in errors if i < end), damage_lines, first)
    used_bytes = int(starts[end]) if end < n else len(block)
    if not trimmed and len(plain_idx) == end:  # the usual block: every line a plain record
        text = block[:used_bytes]
    else:
        text = b"\n".join(trimmed.get(i) or lines.raw(i) for i in plain_idx.tolist()) + b"\n"
    cols = _split_plain(text, len(plain_idx), fmt.encoding, sep, ncols)
    return _frame(fmt, cols, n, parsed, errors, (rec, plain_idx, lines), first, known), (end, used_bytes)


def _frame(fmt: CsvFormat, cols, n: int, parsed: dict, errors: dict, where, first: int,
           known: dict | None = None) -> pd.DataFrame:
    """The records of a block in file order: plain ones (``cols``), quoted ones (``parsed``)
    and rejected lines (``errors``, their cells empty but for the ``known`` fields); ``where`` =
    (record start mask, plain line indices, lines); ``first``: the physical line number of the
    block's first line."""
    import pyarrow as pa
    ncols = len(fmt.columns)
    if where is None:
        nrec, e_idx = n, ()
        rec_idx = np.arange(n, dtype=np.int64)
    else:
        rec, plain_idx, lines = where
        rec_idx = np.flatnonzero(rec)  # record start lines, in file order
        nrec = len(rec_idx)
        if not nrec:
            return _empty(fmt.columns)
        e_idx = np.array(sorted(i for i in errors if rec[i]), dtype=np.int64)
    if parsed or len(e_idx):
        # plain records, then quoted ones, then rejected lines; then back to file order
        q_idx = np.array(sorted(parsed), dtype=np.int64)
        source = np.concatenate([plain_idx, q_idx, e_idx])
        pos = np.empty(len(rec), dtype=np.int64)
        pos[source] = np.arange(len(source))
        order = pa.array(pos[rec_idx])
        known = known or {}
        rejected = [known.get(i, ()) for i in e_idx.tolist()]
        cols = [pa.chunked_array(cols[j].chunks + [
                    pa.array([parsed[i][j] for i in q_idx.tolist()], pa.large_string()),
                    pa.array([f[j] if j < len(f) else "" for f in rejected], pa.large_string())]).take(order)
                for j in range(ncols)]
    frame = pd.DataFrame({name: pd.Series(pd.arrays.ArrowStringArray(col)) for name, col in zip(fmt.columns, cols)})
    frame["row"] = np.arange(fmt.records + 1, fmt.records + nrec + 1, dtype=np.int64)
    frame[LINE_NUMBER] = (first + rec_idx).astype(np.int64)
    if len(e_idx):
        err_msg = np.full(len(rec), "", dtype=object)
        err_txt = np.full(len(rec), "", dtype=object)
        for i in e_idx.tolist():
            err_msg[i] = errors[i]
            err_txt[i] = _shown(lines[i])
        frame[LINE_ERROR] = pd.Series(err_msg[rec_idx], dtype="str")
        frame[LINE_TEXT] = pd.Series(err_txt[rec_idx], dtype="str")
    fmt.records += nrec
    return frame


def _decodes(block: bytes, encoding: str) -> bool:
    try:
        block.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _split_plain(text: bytes, nlines: int, encoding: str, sep: str, ncols: int, strict: bool = True):
    """Columns (Arrow text) of ``nlines`` lines without quotes that each hold ``ncols`` fields;
    not ``strict``: None when some line has another number of fields."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv
    if not nlines:
        return [pa.chunked_array([], pa.large_string()) for _ in range(ncols)]
    names = [f"f{j}" for j in range(ncols)]
    misfits = []

    def misfit(row):
        misfits.append(row)
        return "skip"
    table = pcsv.read_csv(
        io.BytesIO(text),
        read_options=pcsv.ReadOptions(column_names=names, encoding="utf8" if encoding == "utf-8" else encoding),
        parse_options=pcsv.ParseOptions(delimiter=sep, quote_char=False, ignore_empty_lines=False,
                                        invalid_row_handler=None if strict else misfit),
        convert_options=pcsv.ConvertOptions(column_types={c: pa.large_string() for c in names},
                                            strings_can_be_null=False, quoted_strings_can_be_null=False))
    if misfits:
        return None
    if table.num_rows != nlines:  # pragma: no cover - every line was counted to fit
        raise AssertionError("CSV block parsed into another number of rows than it has lines")
    return [table.column(j) for j in range(ncols)]


def _shown(line: str) -> str:
    txt = line.replace("\x00", "\\0").encode("utf-8", "backslashreplace").decode("utf-8")
    return txt if len(txt) <= _SHOWN_TEXT else txt[:_SHOWN_TEXT] + "…"


def _damage_message(m, encoding: str, lineno: int) -> str:
    ch, col = m.group(), m.start() + 1
    if ch == "\x00":
        return f"line {lineno}, column {col}: NUL character (a damaged or binary file?)"
    if encoding.startswith("utf-16"):
        return f"line {lineno}, column {col}: not valid {encoding} (a byte missing, or a lone surrogate)"
    hint = " (pass --encoding cp1252?)" if encoding == "utf-8" else ""
    return f"line {lineno}, column {col}: byte 0x{ord(ch) - 0xdc00:02x} is not valid {encoding}{hint}"


def _count_message(line: str, count: int, ncols: int, sep: str, lineno: int) -> str:
    if count == 1 and ncols > 1:
        for d in DELIMITERS:
            if d != sep and line.count(d) >= max(ncols // 2, 1):
                return (f"line {lineno} is not separated by {show_delimiter(sep)} like the header "
                        f"(another delimiter?)")
    return f"line {lineno} has {count} fields, the header has {ncols}"


class _Feed:
    """Lines for :mod:`csv`, one at a time, at most ``limit``; counts how many were taken."""

    def __init__(self, lines, start, stop):
        self.lines, self.i, self.stop, self.used = lines, start, stop, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.i >= self.stop:
            raise StopIteration
        ln = self.lines[self.i]
        self.i += 1
        self.used += 1
        return ln + "\n"


def _quoted_record(lines, i, stop, sep, ncols, first) -> tuple[list[str] | None, int, str | None]:
    """(fields, lines spanned, None) for a record starting at line ``i`` that holds a quote,
    or (None, 1, message) when its quoting is broken: then line ``i`` alone is rejected."""
    feed = _Feed(lines, i, stop)
    try:
        fields = next(csv.reader(feed, delimiter=sep, strict=True))
    except csv.Error:
        return None, 1, _quote_message(lines[i], sep, first + i)
    except StopIteration:  # pragma: no cover - a quoted line is never empty
        return None, 1, f"line {first + i} cannot be read"
    span = feed.used
    if len(fields) > ncols and not any(f.strip() for f in fields[ncols:]):
        fields = fields[:ncols]
    if len(fields) != ncols:
        if span > 1:
            return None, 1, _quote_message(lines[i], sep, first + i)
        return None, 1, _count_message(lines[i], len(fields), ncols, sep, first + i)
    return fields, span, None


def _quote_message(line: str, sep: str, lineno: int) -> str:
    """Where the quoting of a line goes wrong: an unclosed quote, or text after a closing one."""
    col, kind = _quote_problem(line, sep)
    if kind == "open":
        return f"line {lineno}, column {col}: unbalanced quote (the field opened here is not closed)"
    if kind == "after":
        return f"line {lineno}, column {col}: text after the closing quote of a field"
    return f"line {lineno}: quotes do not pair up"


def _quote_problem(line: str, sep: str) -> tuple[int | None, str]:
    """(1-based column, kind) of the first quoting fault of a line: ``open`` (a field opened
    by the quote in that column is not closed on the line), ``after`` (text after the quote
    that closes a field), or (None, ``pairs``) when none is found."""
    k, start = 0, True
    n = len(line)
    while k < n:
        ch = line[k]
        if start and ch == '"':
            j = k + 1
            while True:
                j = line.find('"', j)
                if j < 0:
                    return k + 1, "open"
                if j + 1 < n and line[j + 1] == '"':
                    j += 2
                    continue
                break
            if j + 1 < n and line[j + 1] != sep:
                return j + 2, "after"
            k, start = j + 1, False
            continue
        start = ch == sep
        k += 1
    return None, "pairs"


def _known_fields(fmt: CsvFormat, lines, rejected: list[int], damaged: set, first: int) -> dict[int, list[str]]:
    """The fields of rejected lines that can be read without a guess: line index -> fields.

    The fields that end before the first fault of a line (an unbalanced quote, text after a
    closing quote, a NUL or a byte the encoding does not have) are read as every line is
    read, so the record's id is known when its column comes first, the usual export. None are
    known

    - of a line whose fields do not match the header's number, without another fault:
      which field gained or lost a delimiter cannot be told;
    - of a damaged line that does not split into the header's fields (a byte may have been
      a delimiter), or whose damage comes before every delimiter (a UTF-16 line out of step);
    - of a line that a quoted field opened on one of the lines before it (an unbalanced
      quote) may reach, or that follows a line with too few fields: the line may hold the
      rest of that field or record (a line break in a field that is not quoted), not a
      record of its own.
    """
    sep, ncols = fmt.delimiter, len(fmt.columns)
    out: dict[int, list[str]] = {}
    for i in rejected:
        line = lines[i]
        lineno = first + i
        col, kind = _quote_problem(line, sep) if '"' in line else (None, "pairs")
        reach = (fmt.open_quote_line and lineno - fmt.open_quote_line < MAX_SPAN) or fmt.short_line == lineno - 1
        if kind == "open":
            fmt.open_quote_line = lineno
        if kind == "pairs" and i not in damaged and not _fits(line, sep, ncols, exact=False):
            fmt.short_line = lineno  # too few fields, or quotes that cannot be read: may go on below
        if reach:
            continue
        if i in damaged:
            bad = _BAD_CHAR.search(line)
            if bad is None or not _fits(line, sep, ncols):
                continue
            col = bad.start() + 1
        elif col is None:
            continue
        fields = _fields_before(line, col, sep)
        if fields and len(fields) < ncols:
            out[i] = fields
    return out


def _fits(line: str, sep: str, ncols: int, exact: bool = True) -> bool:
    """The line splits into the header's number of fields (empty trailing fields aside);
    not ``exact``: into at least that many."""
    try:
        fields = next(csv.reader([line], delimiter=sep, strict=True), [])
    except csv.Error:
        return False
    while len(fields) > ncols and not fields[-1].strip():
        fields.pop()
    return len(fields) == ncols if exact else len(fields) >= ncols


def _fields_before(line: str, col: int, sep: str) -> list[str]:
    """The whole fields of ``line`` before (1-based) column ``col``: the field that column is
    in is left out."""
    head = line[:col - 1]
    if not head:
        return []
    for text in (head, head + '"'):  # the fault may lie inside a quoted field: close it
        try:
            return next(csv.reader([text], delimiter=sep, strict=True))[:-1]
        except csv.Error:
            continue
    return []
