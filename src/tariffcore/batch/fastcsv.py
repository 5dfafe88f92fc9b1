"""The fast backend's CSV of bills (``bill --format csv``): CSV text billed by columns.

As :mod:`tariffcore.batch.fastparquet` does for Parquet: a block of CSV rows is read as
columns, each kind of account whose lean bill has kernels for every charge is billed a column
at a time, and the rows of its bills are joined from columns
(:func:`tariffcore.columnar.csv_block`). Every other row is billed by the engine and written by
the same code as without the backend (:func:`~tariffcore.rows.csv_cells`), and the rows are put
back in input order before each block is written, on a thread of its own while the next block
is billed. The file holds the same bytes as without the backend.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import BillingError
from ..meter import READ_COLUMNS
from ..rows import Chunk, CsvWriter, Payload, Progress, csv_cells, missing_columns
from ..units import USAGE_COLUMNS
from .fast import kind_bills
from .fastparquet import OneAtATime, read_payloads
from .lean import LeanRows

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = ["fast_csv_file_to_csv", "fast_csv_to_csv"]


def fast_csv_file_to_csv(
    engine: BatchEngine,
    source: str | Path,
    out: IO[bytes],
    charges: Sequence[str],
    progress: Progress | None = None,
    *,
    block: int = 1 << 22,
    columns: list[int] | None = None,
) -> tuple[int, int] | None:
    """Bill the CSV file ``source`` into ``out`` as a CSV of bills (UTF-8, its header first;
    one column per charge of ``charges``), by columns where they cover a row; (rows, error
    rows). ``None``, with nothing written, when the file's header leaves every row to the
    engine (the caller then bills it as without the backend). ``columns``, when given, gets
    the number of rows each block billed by columns."""
    with open(source, "rb") as stream:
        if progress is not None:
            progress.total = os.path.getsize(source)
            progress.unit = "bytes"
        return fast_csv_to_csv(engine, stream, out, charges, progress, block=block, columns=columns)


def fast_csv_to_csv(
    engine: BatchEngine,
    stream: IO[bytes],
    out: IO[bytes],
    charges: Sequence[str],
    progress: Progress | None = None,
    *,
    block: int = 1 << 22,
    columns: list[int] | None = None,
) -> tuple[int, int] | None:
    """:func:`fast_csv_file_to_csv` of the CSV text of the binary ``stream``."""
    from ..columnar import CsvTemplates, KindPlans, Layout, csv_blocks, read_header

    header = read_header(stream.readline())
    layout = Layout.of(header, USAGE_COLUMNS, READ_COLUMNS) if header is not None else None
    if header is None or layout is None or missing_columns(header):
        return None
    kind_bill = kind_bills(LeanRows(engine, header))
    plans = KindPlans()
    templates = CsvTemplates(charges)
    first = io.StringIO()
    CsvWriter(first, charges)  # the header row
    out.write(first.getvalue().encode("utf-8"))
    rows = failed = 0
    with OneAtATime() as background:
        for part in csv_blocks(stream, header, 1, block):
            if part.table is None:  # read by Python's csv, as without the backend
                payloads = read_payloads(part.data, header, part.line)
                lines, errors = _engine_rows(engine, header, charges, payloads)
                data: Any = "".join(lines).encode("utf-8")
                count, billed = len(payloads), 0
            else:
                data, errors, left = _column_rows(
                    engine, header, charges, part.table, layout, kind_bill, plans, templates
                )
                count = part.table.num_rows
                billed = count - left
            if len(data):  # written while the next block is billed
                background.run(out.write, data)
            rows += count
            failed += errors
            if columns is not None:
                columns.append(billed)
            if progress is not None:
                progress.advance(count, stream.tell())
    return rows, failed


class _Lines:
    """What a :func:`csv.writer` writes, a row at a time (it writes each row in one call)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.write = self.items.append


def _engine_rows(
    engine: BatchEngine, header: tuple[str, ...], charges: Sequence[str], payloads: list[tuple[int, Payload]]
) -> tuple[list[str], int]:
    """The engine's CSV rows of ``payloads``, one text each, as without the backend; (rows,
    error rows)."""
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\n")
    failed = 0
    for _, account, result in engine.figures(Chunk(header, payloads)):
        failed += isinstance(result, BillingError)
        writer.writerow(csv_cells(account, result, charges))
    if len(lines.items) != len(payloads):  # each row is one call of write: else say so
        raise AssertionError("a CSV row was not written in one piece")
    return lines.items, failed


def _column_rows(
    engine: BatchEngine,
    header: tuple[str, ...],
    charges: Sequence[str],
    table: Any,
    layout: Any,
    kind_bill: Any,
    plans: Any,
    templates: Any,
) -> tuple[Any, int, int]:
    """A block of columns billed into CSV rows in input order; (the rows' bytes, error rows,
    rows billed by the engine)."""
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]

    from ..columnar import csv_block, ints, strings

    positions, made, back = csv_block(table, layout, kind_bill, plans, templates)
    fallback = back.tolist()
    failed = 0
    if fallback:
        payloads: list[tuple[int, Payload]] = [
            (at, [str(c[at].as_py()) for c in table.columns]) for at in fallback
        ]
        others, failed = _engine_rows(engine, header, charges, payloads)
        other = strings(others)
        made = other if made is None else pa.concat_arrays([made, other])
        positions = np.concatenate([positions, back])
    if made is None:
        return b"", 0, 0
    texts = made.take(ints(np.argsort(positions, kind="stable")))
    buffers = texts.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(texts) + 1, offset=4 * texts.offset)
    data = memoryview(buffers[2])[int(offsets[0]) : int(offsets[-1])] if buffers[2] is not None else b""
    return data, failed, len(fallback)
