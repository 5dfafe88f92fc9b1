"""CSV rows gathered in blocks for the commands that read them by columns (``compare`` and
``rebill`` with the fast backend): a file read by Arrow, standard input by Python's reader.

A command's run is a :class:`BlockRun`. It says which headers it reads by columns
(:meth:`BlockRun.reads`), takes the rows it cannot read so record by record
(:meth:`BlockRun.records`) and a block of rows by columns (:meth:`BlockRun.columns`): a table
of text, the rows' numbers, and the rows the table leaves out (short or long rows), all to
be put in the order of their numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..batch import read_payloads
from ..meter import READ_COLUMNS
from ..rows import Chunk, Payload, Progress, missing_columns
from ..units import USAGE_COLUMNS

__all__ = ["BlockRun", "Spliced", "by_blocks", "csv_file_by_blocks", "layout_of"]

#: The headers whose kinds of account a run keeps lean bills for at once (memory).
KEPT_HEADERS = 4


def layout_of(header: tuple[str, ...]) -> Any:
    """The columnar layout of the bill inputs ``header``; ``None`` when its rows are not
    billed by columns (no account column, a name repeated, a column the engine needs missing)."""
    from ..columnar import Layout

    layout = Layout.of(header, USAGE_COLUMNS, READ_COLUMNS)
    return None if layout is None or missing_columns(header) else layout


class BlockRun:
    """A run over blocks of CSV rows (see the module); ``rows`` counts the rows done."""

    rows = 0

    def __init__(self, counts: list[int] | None = None) -> None:
        #: When given, gets the number of rows of each block taken by columns.
        self.counts = counts
        self._kept: dict[tuple[str, ...], Any] = {}

    def kept(self, header: tuple[str, ...], make: Callable[[], Any]) -> Any:
        """What ``make`` gives for ``header`` (the lean bills of its kinds of account), made
        once and kept for the last few headers."""
        found = self._kept.get(header)
        if found is None:
            if len(self._kept) >= KEPT_HEADERS:  # inputs of many headers: start again from none
                self._kept.clear()
            found = self._kept[header] = make()
        return found

    def in_order(self, header: tuple[str, ...], rows: list[tuple[int, Payload]]) -> None:
        """Take ``rows`` record by record, in the order of their numbers."""
        self.records(Chunk(header, sorted(rows, key=lambda row: row[0])))

    def counted(self, count: int) -> None:
        """A block is taken, ``count`` of its rows by columns."""
        if self.counts is not None:
            self.counts.append(count)

    def reads(self, header: tuple[str, ...]) -> bool:
        """Whether rows under ``header`` may be read by columns."""
        raise NotImplementedError

    def records(self, chunk: Chunk) -> None:
        """Take the rows of ``chunk`` record by record, in order."""
        raise NotImplementedError

    def columns(
        self,
        header: tuple[str, ...],
        table: Any,
        numbers: Sequence[int],
        rows_at: Callable[[Any], list[tuple[int, Payload]]],
        others: list[tuple[int, Payload]],
    ) -> None:
        """Take the rows of ``table`` (a record batch of text under ``header``; their numbers
        ``numbers``, and ``rows_at(positions)`` those rows as the record path reads them) and the rows
        ``others``, in the order of their numbers."""
        raise NotImplementedError

    def block(self, header: tuple[str, ...] | None, rows: list[tuple[int, Payload]]) -> None:
        """Take a block of CSV rows (as Python's reader reads them) under ``header``: the
        rows with a value under every column by columns, the others record by record."""
        if header is None or not rows:
            return
        width = len(header)
        whole = [row for row in rows if _whole(row[1], width)]
        others = [row for row in rows if not _whole(row[1], width)]
        if not whole:
            self.records(Chunk(header, rows))
            self.counted(0)
            return
        numbers = [number for number, _ in whole]
        table = _table(header, [values for _, values in whole])
        self.columns(header, table, numbers, lambda positions: [whole[at] for at in positions], others)


def by_blocks(run: BlockRun, chunks: Iterable[Chunk], block: int) -> None:
    """Hand ``run`` the rows of ``chunks``: CSV rows in blocks of ``block`` rows under one
    header, other records as they come."""
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, Payload]] = []
    for chunk in chunks:
        if chunk.header is None or chunk.header != header:
            run.block(header, rows)
            header, rows = chunk.header, []
        if chunk.header is None:
            run.records(chunk)
            continue
        rows += chunk.rows
        if len(rows) >= block:
            run.block(header, rows)
            rows = []
    run.block(header, rows)


def csv_file_by_blocks(run: BlockRun, source: str | Path, progress: Progress | None, block: int) -> bool:
    """Hand ``run`` the rows of the CSV file ``source``, read by Arrow in blocks of about
    ``block`` bytes where Arrow and Python's reader read them alike; ``False`` (nothing
    handed) when its header cannot be read line by line or ``run`` does not read it by
    columns (the caller then reads the file by chunks)."""
    from ..columnar import csv_blocks, read_header

    with open(source, "rb") as stream:
        header = read_header(stream.readline())
        if header is None or not run.reads(header):
            return False  # every row an error row, or a header Python's reader reads otherwise
        if progress is not None:
            progress.total = os.path.getsize(source)
            progress.unit = "bytes"
        for part in csv_blocks(stream, header, 1, block):
            numbers = None if part.table is None else _numbers(part.data, part.line, part.table.num_rows)
            if numbers is None:
                run.block(header, read_payloads(part.data, header, part.line))
            else:
                run.columns(header, part.table, numbers, _Rows(part.table, numbers), [])
            if progress is not None:
                progress.advance(run.rows - progress.rows, stream.tell())
    return True


class Spliced:
    """Lines joined by Arrow (a text array, a line a row, each with its line break) of rows
    numbered ``numbers`` (rising), written through ``write`` in input order among the lines
    of other rows: :meth:`before` a row of another number is written, :meth:`rest` at the end."""

    __slots__ = ("write", "numbers", "offsets", "data", "at")

    def __init__(self, write: Callable[[str], object], joined: Any, numbers: Any) -> None:
        import numpy as np

        buffers = joined.buffers()
        self.write = write
        self.numbers = numbers
        self.offsets = np.frombuffer(
            buffers[1], dtype=np.int32, count=len(joined) + 1, offset=4 * joined.offset
        )
        self.data = memoryview(buffers[2]) if buffers[2] is not None else memoryview(b"")
        self.at = 0

    def before(self, number: int) -> None:
        """Write the lines of the rows before the row ``number`` not yet written."""
        import numpy as np

        stop = int(np.searchsorted(self.numbers, number))
        if stop > self.at:
            self.write(str(self.data[self.offsets[self.at] : self.offsets[stop]], "utf-8"))
            self.at = stop

    def rest(self) -> None:
        """Write the lines not yet written."""
        if self.at < len(self.numbers):
            self.write(str(self.data[self.offsets[self.at] : self.offsets[len(self.numbers)]], "utf-8"))
            self.at = len(self.numbers)


def _numbers(data: bytes, line: int, rows: int) -> list[int] | None:
    """The line numbers of the records of a block of CSV text without quotes or lone carriage
    returns (a record a line; empty lines are none), after ``line`` lines; ``None`` when they
    are not ``rows``."""
    import numpy as np

    text = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(text == 10)
    if len(text) and text[-1] != 10:
        ends = np.append(ends, len(text))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    if len(text):
        returns = (lengths > 0) & (text[np.maximum(ends - 1, 0)] == 13)
        lengths = lengths - returns
    found = np.flatnonzero(lengths > 0)
    if len(found) != rows:
        return None
    return [int(number) for number in found + line + 1]


class _Rows:
    """Rows of a block read by Arrow, by their positions, as Python's reader reads them: each
    column's cells at those positions taken at once."""

    __slots__ = ("table", "numbers")

    def __init__(self, table: Any, numbers: list[int]) -> None:
        self.table = table
        self.numbers = numbers

    def __call__(self, positions: Any) -> list[tuple[int, Payload]]:
        import numpy as np

        from ..columnar import ints

        if not len(positions):
            return []
        table = self.table
        take = ints(np.asarray(positions, dtype=np.int64))
        cells = [table.column(i).take(take).to_pylist() for i in range(table.num_columns)]
        numbers = self.numbers
        return [(numbers[at], list(values)) for at, values in zip(positions, zip(*cells))]


def _whole(payload: Payload, width: int) -> bool:
    """Whether a CSV row has a value under every column of the header."""
    return isinstance(payload, list) and len(payload) == width


def _table(header: tuple[str, ...], rows: list[Any]) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    from ..columnar import strings

    columns = list(zip(*rows))
    return pa.RecordBatch.from_arrays([strings(column) for column in columns], names=list(header))
