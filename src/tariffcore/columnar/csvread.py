"""CSV text as blocks of columns, and usages read and validated as columns.

:func:`csv_blocks` reads a CSV stream in blocks of whole lines and parses each with Arrow's
CSV reader, every field as text. A block is parsed only when Arrow and Python's :mod:`csv`
(which the scalar engine reads with) are bound to read it alike: no quote character, no
carriage return but before a line feed, no byte order mark at its start (Arrow would drop it,
where it is data in a line after the header), every line as wide as the header (Arrow refuses
the others). Any other block is handed over as its lines, for the scalar engine to read (and
report) as it always has (so is a block with a line longer than the longest field that
reader reads); a block holding a quote character ends where a record of Python's
:mod:`csv` ends (a quoted field may hold line breaks), and lines are numbered as that reader
numbers them (a carriage return alone ends one).

:func:`read_usage` checks, row by row, that a usage or meter read is a figure as the engine's
lean bills read it (digits, at most 12 before a point and 6 after it) and written as they
write it (no leading zero), and gives its value as a scaled integer with its exponent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]

from ..rows import FIELD_LIMIT, csv_reader
from .arrays import booleans, bools, numbers, text

__all__ = ["Block", "Usage", "csv_blocks", "per_row", "read_header", "read_usage", "text_bytes"]

_POWERS = np.array([10**k for k in range(7)], dtype=np.int64)
_BOM = b"\xef\xbb\xbf"


@dataclass
class Block:
    """Lines of CSV text after the header: ``table`` (a record batch, every column as text, one
    row per line that is not empty) when Arrow could read them, else ``None``; ``data`` is the text and
    ``line`` the number of lines before it (the header's included)."""

    data: bytes
    line: int
    table: Any


def read_header(first: bytes) -> tuple[str, ...] | None:
    """The header in the first line of a CSV stream (a leading BOM skipped); ``None`` when it
    cannot be read line by line (a quoted name holding a line break, a carriage return alone
    in it, a name over the CSV module's limit) or is blank (Python's reader skips it)."""
    if first.startswith(_BOM):
        first = first[len(_BOM) :]
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    body = line.removesuffix("\n").removesuffix("\r")
    if line.count('"') % 2 or "\r" in body or "\n" in body:  # not one line as Python's csv reads it
        return None
    try:
        rows = list(csv.reader(io.StringIO(line)))
    except csv.Error:  # a field over the limit: the engine's reader says so
        return None
    if len(rows) != 1 or not rows[0] or (len(rows[0]) == 1 and not rows[0][0].strip()):
        return None
    return tuple(rows[0])


def csv_blocks(stream: IO[bytes], header: Sequence[str], line: int, size: int = 1 << 23) -> Iterator[Block]:
    """The rest of ``stream`` (after the header, which took ``line`` lines) as blocks of
    about ``size`` bytes, each ending at a line break."""
    names = list(header)
    types = {name: pa.string() for name in names}
    # One chunk per block (no copy to combine chunks), read on one thread: the block is small.
    read = pcsv.ReadOptions(column_names=names, use_threads=False, block_size=max(size, 1 << 16) * 2)
    parse = pcsv.ParseOptions(
        quote_char=False, double_quote=False, escape_char=False, ignore_empty_lines=True
    )
    convert = pcsv.ConvertOptions(
        column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[]
    )
    rest = b""
    while True:
        chunk = stream.read(size)
        data = rest + chunk
        if not chunk:
            if data:
                yield _block(data, line, read, parse, convert, len(names))
            return
        end = data.rfind(b"\n")
        if end < 0:
            rest = data
            continue
        block, rest = data[: end + 1], data[end + 1 :]
        if b'"' in block:  # a quoted field may hold a line break: end where a record ends
            block, rest = whole_records(block, rest, stream, size)
        yield _block(block, line, read, parse, convert, len(names))
        # lines as Python's csv counts them: a carriage return alone ends one too
        line += block.count(b"\n")
        if b"\r" in block:
            line += block.count(b"\r") - block.count(b"\r\n")
        # The block is done with, or handed on (read ahead, billed on another thread, which
        # then does the same): Arrow's pool hands back what it holds free, so that peak
        # memory stays that of a block however many blocks the file has.
        pa.default_memory_pool().release_unused()


def whole_records(block: bytes, rest: bytes, stream: IO[bytes], size: int) -> tuple[bytes, bytes]:
    """``block`` (whole lines) and what follows it, ``rest`` then ``stream``, split where a
    record of Python's :mod:`csv` ends at or after the end of ``block``: its reader reads the
    lines (as the engine's does) and is given more only when a record goes on past them."""
    parts = [block]
    fresh = True  # the reader is between records

    def lines() -> Iterator[str]:
        nonlocal fresh, rest
        chunk = block
        while chunk:
            # a byte that is not UTF-8 is never a quote or a line break: it is kept as it is
            for piece in io.StringIO(chunk.decode("utf-8", "surrogateescape"), newline=""):
                fresh = False
                yield piece
            if fresh:
                return
            while b"\n" not in rest and (more := stream.read(size)):
                rest += more
            end = rest.find(b"\n") + 1 or len(rest)
            chunk, rest = rest[:end], rest[end:]
            parts.append(chunk)

    reader = csv_reader(lines())
    while True:
        try:
            for _ in reader:
                fresh = True
            return b"".join(parts), rest
        except csv.Error:  # a record the reader cannot read ends where the reader stopped
            fresh = True


def _block(data: bytes, line: int, read: Any, parse: Any, convert: Any, width: int) -> Block:
    if b'"' in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return Block(data, line, None)
    if data.startswith(_BOM):  # Arrow drops a BOM that starts its text, a line's data for Python
        return Block(data, line, None)
    if len(data) > FIELD_LIMIT and _longest_line(data) > FIELD_LIMIT:  # a field Python's csv refuses
        return Block(data, line, None)
    try:
        table = pcsv.read_csv(
            pa.py_buffer(data), read_options=read, parse_options=parse, convert_options=convert
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return Block(data, line, None)
    if table.num_columns != width:
        return Block(data, line, None)
    batches = table.to_batches()
    if len(batches) != 1:  # no rows (empty lines only), or more than one batch
        arrays = [table.column(i).combine_chunks() for i in range(width)]
        return Block(data, line, pa.RecordBatch.from_arrays(arrays, names=table.column_names))
    return Block(data, line, batches[0])


def _longest_line(data: bytes) -> int:
    """The length in bytes of the longest line of ``data``."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    return int(np.diff(bounds).max())


def text_bytes(texts: Any) -> tuple[Any, Any, Any]:
    """``(bytes, starts, lengths)`` of an Arrow text column, without copying its text: row
    ``i`` is ``bytes[starts[i] : starts[i] + lengths[i]]``, and ``bytes`` holds the rows' text
    only (of a slice of a column, not the text of the rows around it)."""
    count = len(texts)
    buffers = texts.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=count + 1, offset=4 * texts.offset)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    first = int(offsets[0])
    return (
        data[first : int(offsets[-1])],
        (offsets[:-1] - first).astype(np.int64),
        np.diff(offsets).astype(np.int64),
    )


def per_row(flags: Any, starts: Any, lengths: Any) -> Any:
    """How many of ``flags`` (one per byte) each row's bytes hold."""
    total = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    return total[starts + lengths] - total[starts]


@dataclass
class Usage:
    """Figures of a text column: ``ok`` where a row holds one (see the module), its value
    scaled by ``10 ** scale`` and its number of decimals (``places``, minus its exponent)."""

    ok: Any
    values: Any
    places: Any
    scale: int


def read_usage(texts: Any) -> Usage:
    """The figures of the text column ``texts`` (see :class:`Usage`)."""
    count = len(texts)
    data, starts, lengths = text_bytes(texts)
    if not count:
        empty = np.zeros(0, dtype=np.int64)
        return Usage(np.zeros(0, dtype=bool), empty, empty.astype(np.int16), 0)
    first_byte = data[np.minimum(starts, max(len(data) - 1, 0))] if len(data) else np.zeros(count, np.uint8)
    second = data[np.minimum(starts + 1, max(len(data) - 1, 0))] if len(data) else np.zeros(count, np.uint8)
    whole = booleans(pc.ascii_is_decimal(texts))  # digits only, not empty
    if whole.all():  # whole figures: no point anywhere
        ok = (lengths <= 12) & ((first_byte != 48) | (lengths == 1))
        places = np.zeros(count, dtype=np.int16)
        return Usage(ok, _integers(texts, ok), places, 0)
    digit = (data - 48) < 10  # bytes wrap: only '0'..'9' are below 10
    dot = data == 46
    others = per_row(~(digit | dot), starts, lengths)
    dots = per_row(dot, starts, lengths)
    last = np.maximum(starts + lengths - 1, 0)
    ok = (lengths > 0) & (others == 0) & (dots <= 1)
    ok &= (first_byte != 48) | (lengths == 1) | (second == 46)  # no leading zero
    ok &= first_byte != 46
    if len(data):
        ok &= data[last] != 46
    if not dots.any():
        places = np.zeros(count, dtype=np.int64)
        ok &= lengths <= 12
        values = _integers(texts, ok)
        return Usage(ok, values, places.astype(np.int16), 0)
    point = np.where(dots > 0, _first(dot, starts, lengths), -1)
    places = np.where(dots > 0, lengths - point - 1, 0)
    whole = np.where(dots > 0, point, lengths)
    ok &= (whole <= 12) & (places <= 6)
    places = np.where(ok, places, 0)
    values = _integers(pc.replace_substring(texts, ".", ""), ok)
    scale = int(places.max())
    if scale:
        values = values * _POWERS[scale - places]
    return Usage(ok, values, places.astype(np.int16), scale)


def _first(flags: Any, starts: Any, lengths: Any) -> Any:
    """The position, within its row, of each row's first flagged byte (rows that have one)."""
    at = np.flatnonzero(flags)
    row = np.searchsorted(starts + lengths, at, side="right")
    found = np.full(len(starts), -1, dtype=np.int64)
    keep = np.concatenate(([True], row[1:] != row[:-1])) if len(row) else np.zeros(0, dtype=bool)
    found[row[keep]] = at[keep] - starts[row[keep]]
    return found


def _integers(texts: Any, ok: Any) -> Any:
    """The digits of ``texts`` as integers where ``ok`` (0 elsewhere)."""
    try:
        values = numbers(pc.cast(texts, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        cleaned = pc.if_else(bools(ok), texts, text("0"))
        values = numbers(pc.cast(cleaned, pa.int64()))
    return np.where(ok, values, 0)
