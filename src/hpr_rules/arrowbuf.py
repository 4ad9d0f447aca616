"""numpy <-> Arrow by their buffers, for the check path.

pyarrow imports pandas (0.3 s, a sixth of a check of a million records) the first time it
converts a Python or numpy object (``pa.array``, ``pa.scalar``, a Python value handed to a
compute function) or turns an array into numpy with a copy (``to_numpy``). The check path
moves data between numpy and Arrow through these few functions instead, which read and
make the buffers themselves, so a check of a Parquet file never loads pandas (a test runs
one and looks). Everything else in the library may use pyarrow's conversions freely.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_TYPES = {np.dtype(np.bool_): pa.bool_(), np.dtype(np.int8): pa.int8(), np.dtype(np.int16): pa.int16(),
          np.dtype(np.int32): pa.int32(), np.dtype(np.int64): pa.int64(), np.dtype(np.uint8): pa.uint8(),
          np.dtype(np.uint16): pa.uint16(), np.dtype(np.uint32): pa.uint32(), np.dtype(np.uint64): pa.uint64(),
          np.dtype(np.float32): pa.float32(), np.dtype(np.float64): pa.float64()}
_NUMPY = {t: d for d, t in _TYPES.items()}


def _bits(values: np.ndarray) -> pa.Buffer:
    return pa.py_buffer(np.packbits(np.ascontiguousarray(values, dtype=bool), bitorder="little"))


def from_numpy(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An Arrow array of a 1-d numpy array of bool, integers or floats (no copy but for bool),
    null where ``valid`` is False."""
    values = np.ascontiguousarray(values)
    typ = _TYPES[values.dtype]
    data = _bits(values) if values.dtype == np.bool_ else pa.py_buffer(values)
    validity = None if valid is None or valid.all() else _bits(valid)
    nulls = 0 if validity is None else len(values) - int(np.count_nonzero(valid))
    return pa.Array.from_buffers(typ, len(values), [validity, data], null_count=nulls)


def _unbits(buf: pa.Buffer, offset: int, length: int) -> np.ndarray:
    bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8), bitorder="little")
    return bits[offset:offset + length].astype(bool)


def valid_mask(arr) -> np.ndarray:
    """True where an Arrow array (or chunked array) holds a value."""
    if isinstance(arr, pa.ChunkedArray):
        parts = [valid_mask(c) for c in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if not arr.null_count:
        return np.ones(len(arr), dtype=bool)
    validity = arr.buffers()[0]
    if validity is None:  # a column of type null: nothing in it
        return np.zeros(len(arr), dtype=bool)
    return _unbits(validity, arr.offset, len(arr))


def to_numpy(arr, fill=0) -> np.ndarray:
    """The values of an Arrow array (or chunked array) of bool, integers, floats, date32 (as
    int32 day numbers) or timestamps (as int64) as numpy, ``fill`` where null; no copy for a
    single chunk without nulls."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            return to_numpy(arr.chunk(0), fill)
        parts = [to_numpy(c, fill) for c in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=_numpy_type(arr.type))
    typ = arr.type
    if pa.types.is_boolean(typ):
        out = _unbits(arr.buffers()[1], arr.offset, len(arr)) if len(arr) else np.zeros(0, dtype=bool)
    else:
        dtype = _numpy_type(typ)
        out = np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize) \
            if len(arr) else np.zeros(0, dtype=dtype)
    if arr.null_count:
        out = np.where(valid_mask(arr), out, np.asarray(fill).astype(out.dtype))
    return out


def _numpy_type(typ) -> np.dtype:
    if pa.types.is_date32(typ):
        return np.dtype(np.int32)
    if pa.types.is_timestamp(typ) or pa.types.is_date64(typ):
        return np.dtype(np.int64)
    try:
        return _NUMPY[typ]
    except KeyError:
        raise TypeError(f"no numpy buffer for Arrow {typ}") from None


def text(values: list[str], typ=None) -> pa.Array:
    """An Arrow string (or large_string) array of Python strings (a few labels), None as null."""
    typ = typ or pa.string()
    large = pa.types.is_large_string(typ)
    data = [v.encode("utf-8") if v is not None else b"" for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int64 if large else np.int32)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    valid = np.array([v is not None for v in values], dtype=bool)
    validity = None if valid.all() else _bits(valid)
    return pa.Array.from_buffers(typ, len(values), [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))],
                                 null_count=len(values) - int(valid.sum()))


def scalar(value, typ) -> pa.Scalar:
    """An Arrow scalar of ``typ`` for a Python value (None: a null of ``typ``)."""
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return text([value], typ)[0]
    if value is None:
        return pa.nulls(1, typ)[0]
    return from_numpy(np.array([value], dtype=_numpy_type(typ)))[0].cast(typ)


__all__ = ["from_numpy", "to_numpy", "valid_mask", "text", "scalar"]
