"""Arrow arrays made from numpy arrays and Python text without ``pyarrow.array``, whose first
call imports pandas (a fifth of a second of start-up a command line run has no use for)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

__all__ = ["booleans", "bools", "ints", "numbers", "strings", "text"]


def ints(values: Any) -> Any:
    """An ``int64`` Arrow array of the numpy ``values``."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def bools(mask: Any) -> Any:
    """A boolean Arrow array of the numpy ``mask``."""
    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def strings(items: Sequence[str]) -> Any:
    """A text Arrow array of ``items``."""
    encoded = [item.encode("utf-8") for item in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def numbers(array: Any, dtype: Any = np.int64) -> Any:
    """The values of a primitive Arrow array without nulls, as numpy (``dtype`` its type)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    size = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=size * array.offset)


def text(value: str) -> Any:
    """An Arrow text scalar (``pyarrow.scalar`` goes through ``pyarrow.array``)."""
    return strings([value])[0]


def booleans(array: Any) -> Any:
    """The values of a boolean Arrow array without nulls, as a numpy array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    bits = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little", count=array.offset + len(array))[array.offset :].astype(
        bool
    )
