"""The fast backend's Parquet: CSV text billed by columns and written as typed columns.

As :mod:`tariffcore.batch.fast` does for JSON lines: a block of CSV rows is read as columns,
each kind of account whose lean bill has kernels for every charge is billed a column at a
time, and the bills of a block become Arrow columns directly
(:class:`tariffcore.columnar.BlockColumns`), typed as the Parquet output always is
(:class:`~tariffcore.rows.BillColumns`). Every other row is billed by the engine and gathered
by :class:`~tariffcore.rows.BillColumns`, and the rows are put back in input order before
each block is written, in row groups, so memory stays flat. A block is written on a thread of
its own while the next one is billed (one block waits at most).
The file holds the same table as without the backend.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..meter import READ_COLUMNS
from ..rows import BillColumns, Chunk, Payload, Progress, csv_reader, missing_columns, records
from ..units import USAGE_COLUMNS
from .fast import kind_bills
from .lean import LeanRows

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = ["OneAtATime", "fast_csv_file_to_parquet", "read_payloads"]

#: Rows of a Parquet row group, as the scalar engine's writer makes them.
_GROUP = 65536


def fast_csv_file_to_parquet(
    engine: BatchEngine,
    source: str | Path,
    target: str,
    charges: Sequence[str],
    progress: Progress | None = None,
    *,
    block: int = 1 << 21,
    columns: list[int] | None = None,
) -> tuple[int, int] | None:
    """Bill the CSV file ``source`` into the Parquet file ``target`` (one column per charge of
    ``charges``), by columns where they cover a row; (rows, error rows). ``None`` when the file's
    header leaves every row to the engine (the caller then bills it as without the backend)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from ..columnar import BlockColumns, KindPlans, Layout, csv_blocks, read_header

    with open(source, "rb") as stream:
        header = read_header(stream.readline())
        layout = Layout.of(header, USAGE_COLUMNS, READ_COLUMNS) if header is not None else None
        if header is None or layout is None or missing_columns(header):
            return None
        if progress is not None:
            progress.total = os.path.getsize(source)
            progress.unit = "bytes"
        import pyarrow as pa

        gathered = BillColumns(charges, detail=True, grow=False, explain=engine.explain)
        schema = gathered.schema(pa)
        lean = LeanRows(engine, header)
        kind_bill = kind_bills(lean)
        plans = KindPlans()
        made = BlockColumns(schema, charges, engine.explain)
        rows = failed = 0
        with pq.ParquetWriter(target, schema) as writer, OneAtATime() as background:
            for part in csv_blocks(stream, header, 1, block):
                if part.table is None:
                    payloads = read_payloads(part.data, header, part.line)
                    table, errors = _engine_table(engine, header, charges, payloads)
                    count, billed = len(payloads), 0
                else:
                    table, (errors, left) = _column_table(
                        engine, header, charges, made, part.table, layout, kind_bill, plans
                    )
                    count = part.table.num_rows
                    billed = count - left
                if table is not None and table.num_rows:  # written while the next block is billed
                    background.run(writer.write_table, table, row_group_size=_GROUP)
                rows += count
                failed += errors
                if columns is not None:
                    columns.append(billed)
                if progress is not None:
                    progress.advance(count, stream.tell())
    return rows, failed


def _column_table(
    engine: BatchEngine,
    header: tuple[str, ...],
    charges: Sequence[str],
    made: Any,
    data: Any,
    layout: Any,
    kind_bill: Any,
    plans: Any,
) -> tuple[Any, tuple[int, int]]:
    """A block of columns billed into one table in input order (``None`` for a block of no
    rows); (table, (error rows, rows billed by the engine))."""
    import numpy as np
    import pyarrow as pa

    from ..columnar import bill_kinds, ints

    def check(kind: Any) -> Any:
        at, plan, computed, usage = kind
        return made.add(at, plan, computed, usage)  # the rows it cannot write, billed again

    _, _, back = bill_kinds(data, layout, kind_bill, plans, check)
    table, positions = made.table(data.column(layout.account))
    fallback = back.tolist()
    if not fallback:
        return table, (0, 0)
    payloads: list[tuple[int, Payload]] = [
        (at, [str(c[at].as_py()) for c in data.columns]) for at in fallback
    ]
    other, errors = _engine_table(engine, header, charges, payloads)
    if table is None:
        return other, (errors, len(fallback))
    order = np.argsort(np.concatenate([positions, back]), kind="stable")
    return pa.concat_tables([table, other]).take(ints(order)), (errors, len(fallback))


class OneAtATime:
    """One call at a time on a thread of its own (pyarrow's writer lets go of the GIL), so a
    block is written while the next one is billed; each call waits for the one before, so
    at most one block is held for writing, and its error is raised in the caller."""

    def __enter__(self) -> OneAtATime:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: Future[Any] | None = None
        return self

    def run(self, call: Any, *args: Any, **options: Any) -> None:
        self.wait()
        self.pending = self.pool.submit(call, *args, **options)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, kind: object, *exc: object) -> None:
        try:
            if kind is None:
                self.wait()
            else:  # the error on its way out is the one to report; the write is dropped
                with contextlib.suppress(Exception):
                    self.wait()
        finally:
            self.pool.shutdown()


def read_payloads(data: bytes, header: tuple[str, ...], line: int) -> list[tuple[int, Payload]]:
    """The rows of a block of CSV text, as the scalar engine's reader gives them."""
    reader = csv_reader(io.StringIO(data.decode("utf-8"), newline=""))
    width = len(header)
    rows: list[tuple[int, Payload]] = []
    for number, values in records(reader, line):  # blank records left out, unreadable ones errors
        if not isinstance(values, InputError) and len(values) > width:
            rows.append((number, InputError(f"line {number} has more fields than the header")))
        else:
            rows.append((number, values))
    return rows


def _engine_table(
    engine: BatchEngine, header: tuple[str, ...], charges: Sequence[str], payloads: list[tuple[int, Payload]]
) -> tuple[Any, int]:
    """The engine's bills of ``payloads`` as a table of the Parquet output; (table, error rows)."""
    gathered = BillColumns(charges, detail=True, grow=False, explain=engine.explain)
    failed = 0
    for outcome in engine.results(Chunk(header, payloads)):
        gathered.add(outcome.account, outcome.result)
        failed += outcome.failed
    return gathered.table(), failed
