"""The fast backend for Parquet input: a Parquet file billed by columns into JSON lines.

Without the backend, a Parquet file is billed record by record (each record's cells as
:func:`~tariffcore.rows.plain_value` reads them; see :func:`tariffcore.rows.read_chunks`).
With it, the file is read in blocks of record batches; each block is made the text its cells
stand for, as :func:`tariffcore.bill_table` makes it (:mod:`tariffcore.batch.fasttable`), and
billed into JSON lines as a block of CSV text is (:func:`tariffcore.columnar.lean_block`).
Every row the columns do not cover is billed record by record, as without the backend, and
its line is put back where its row was: the lines are the same, byte for byte.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import TariffcoreError
from ..meter import READ_COLUMNS
from ..rows import CHUNK_ROWS, Chunk, Progress, check_header, missing_columns
from ..units import USAGE_COLUMNS
from .fast import Background, block_lines, kind_bills
from .fasttable import TABLE_BLOCK, numbered, plain_table, text_block
from .lean import LeanRows

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = ["fast_parquet_file_to_jsonl"]


def fast_parquet_file_to_jsonl(
    engine: BatchEngine,
    source: str | Path,
    out: IO[bytes],
    progress: Progress | None = None,
    *,
    block: int = TABLE_BLOCK,
    window: int = 1 << 13,
    columns: list[int] | None = None,
) -> tuple[int, int] | None:
    """Bill the Parquet file ``source`` into ``out`` as JSON lines (explained as the engine's
    ``explain`` says), by columns where they cover a row; (rows, error rows). ``None`` when the
    file cannot be billed so (not Parquet, a column named twice, no ``account`` column, a
    column the engine needs missing): the caller bills it record by record, which says why.
    ``columns``, when given, gets the number of rows each block billed by columns."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from ..columnar import KindPlans, Layout

    try:
        parquet = pq.ParquetFile(source)
        header = check_header(parquet.schema_arrow.names)
    except (pa.ArrowException, TariffcoreError, OSError):
        return None
    layout = Layout.of(header, USAGE_COLUMNS, READ_COLUMNS)
    if layout is None or missing_columns(header):
        return None
    if progress is not None:
        progress.total = parquet.metadata.num_rows
        progress.unit = "rows"
    kind_bill = kind_bills(LeanRows(engine, header))
    plans = KindPlans()
    rows = failed = 0
    with Background(out) as background:
        for batch in _blocks(parquet, block, Path(source)):
            data = text_block(batch, header, layout.account)
            others = functools.partial(_lines, engine, batch, rows)
            count, errors, billed = block_lines(
                engine, header, data, layout, kind_bill, plans, background, window, others
            )
            rows += count
            failed += errors
            if columns is not None:
                columns.append(billed)
            if progress is not None:
                progress.advance(count, rows)
    return rows, failed


def _blocks(parquet: Any, size: int, path: Path) -> Iterator[Any]:
    """The record batches of ``parquet``, read as the record path reads them (batches of
    :data:`~tariffcore.rows.CHUNK_ROWS`, so a file that cannot be read fails after as many
    rows), made blocks of about ``size`` rows."""
    import pyarrow as pa

    number = 0
    read: list[Any] = []
    batches = parquet.iter_batches(batch_size=CHUNK_ROWS)
    while True:
        try:
            batch = next(batches, None)
        except pa.ArrowException as exc:  # as the record path says it
            raise TariffcoreError(
                f"{path} is not a readable Parquet file (after {number} row(s)): {exc}"
            ) from None
        if batch is not None:
            number += batch.num_rows
            read.append(batch)
        if read and (batch is None or sum(part.num_rows for part in read) >= size):
            yield from plain_table(pa.Table.from_batches(read)).combine_chunks().to_batches()
            read = []
        if batch is None:
            return


def _lines(engine: BatchEngine, batch: Any, start: int, at: list[int]) -> tuple[list[bytes], int]:
    """The JSON lines of the rows at positions ``at`` of ``batch`` (rows ``start + 1`` on),
    billed record by record, and how many are error rows."""
    data, _, failed = engine.jsonl(Chunk(None, numbered(start, at, batch.take(at).to_pylist())))
    return data.splitlines(keepends=True), failed
