"""Arrow arrays made from numpy arrays and Python text without ``pyarrow.array``, whose first
call imports pandas (a fifth of a second of start-up a command line run has no use for)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

__all__ = [
    "TextTable",
    "booleans",
    "bools",
    "children",
    "ints",
    "list_offsets",
    "numbers",
    "strings",
    "text",
    "validity",
]


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


def validity(valid: Any) -> Any:
    """The validity buffer of the numpy mask ``valid`` (``None``: every value is valid)."""
    if valid is None or bool(np.all(valid)):
        return None
    return pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))


def list_offsets(sizes: Any) -> Any:
    """Arrow ``int32`` list offsets of lists of ``sizes``."""
    data = np.zeros(len(sizes) + 1, dtype=np.int32)
    np.cumsum(sizes, out=data[1:])
    return pa.Array.from_buffers(pa.int32(), len(data), [None, pa.py_buffer(data)])


def children(starts: Any, sizes: Any) -> Any:
    """The positions of the children of lists that start at ``starts`` and hold ``sizes``."""
    ends = np.cumsum(sizes)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - ends + sizes, sizes)


class TextTable:
    """Texts (``None`` a null) and lists of texts, as numbers of the tables of those seen."""

    __slots__ = ("numbers", "items", "lists", "list_items", "_table", "_flat")

    def __init__(self) -> None:
        self.numbers: dict[str | None, int] = {}
        self.items: list[str | None] = []
        self.lists: dict[tuple[str, ...], int] = {}
        self.list_items: list[tuple[str, ...]] = []
        self._table: Any = None
        self._flat: Any = None

    def number(self, item: str | None) -> int:
        found = self.numbers.get(item)
        if found is None:
            found = self.numbers[item] = len(self.items)
            self.items.append(item)
        return found

    def list_number(self, items: Sequence[str]) -> int:
        key = tuple(items)
        found = self.lists.get(key)
        if found is None:
            found = self.lists[key] = len(self.list_items)
            self.list_items.append(key)
        return found

    def array(self, numbers: Any) -> Any:
        """The texts of ``numbers``, as an Arrow text array."""
        size = len(numbers)
        item = self.items[int(numbers[0])] if size and numbers.min() == numbers.max() else ""
        data = item.encode("utf-8") if item else b""
        if item is None:
            return pa.nulls(size, pa.string())
        if data and len(data) * size < 1 << 31:  # one text on every row: its bytes repeated
            offsets = np.arange(size + 1, dtype=np.int32) * np.int32(len(data))
            return pa.Array.from_buffers(
                pa.string(), size, [None, pa.py_buffer(offsets), pa.py_buffer(data * size)]
            )
        table = self._table
        if table is None or len(table) != len(self.items):
            table = strings([o if o is not None else "" for o in self.items])
            valid = np.array([o is not None for o in self.items], dtype=bool)
            if not valid.all():
                table = pa.Array.from_buffers(
                    pa.string(), len(valid), [validity(valid)] + table.buffers()[1:]
                )
            self._table = table
        return table.take(ints(numbers))

    def list_array(self, numbers: Any) -> Any:
        """The lists of texts of ``numbers``, as an Arrow list array."""
        flat = self._flat
        if flat is None or flat[0] != len(self.list_items):
            sizes = np.array([len(o) for o in self.list_items], dtype=np.int64)
            texts = strings([text for option in self.list_items for text in option])
            flat = self._flat = (len(self.list_items), sizes, np.cumsum(sizes) - sizes, texts)
        _, sizes, starts, texts = flat
        counts = sizes[numbers]
        values = texts.take(ints(children(starts[numbers], counts)))
        return pa.ListArray.from_arrays(list_offsets(counts), values, type=pa.list_(pa.string()))
