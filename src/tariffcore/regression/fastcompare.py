"""``compare`` by columns: the fast backend's kernels bill each side, the summary and the CSV
of accounts are made from the columns.

Without the backend, every row becomes a :class:`~tariffcore.regression.Comparison` (one bill
per side), added to each :class:`~tariffcore.regression.CompareSummary` and written as a CSV
row. With it, the CSV rows are gathered in blocks, and each side bills a block by columns, as
``tariffcore bill`` does (:func:`~tariffcore.columnar.bill_kinds`). A row every side bills by
columns adds to the summaries by columns: counts and exact sums by group, the changes and
their per cents counted by value. Its CSV row is joined from the columns.

Every other row goes the record path, and keeps its place: a row a side leaves to the engine
(an error row, a kind of account without kernels), a charge without a column of its own, a
currency of another scale than the side's first, odd text. So do the few rows whose order
matters to the summary: the first row of a use class to bring a charge (the summary lists
charges in the order met), the first row billed by both (the currency), the first to change
by zero per cent (``0.00`` and ``-0.00`` are one value, counted under the first met), and
the rows that rise most in each block (the accounts hit hardest are kept as comparisons); and
a whole block where a change the record path makes is written with other decimals than the
columns' (equal changes are counted under the first met). The output is the one the record
path writes, byte for byte, and the summary the same, figure for figure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..batch import LeanRows, kind_bills
from ..rows import Chunk, Payload, Progress
from .blocks import BlockRun, Spliced, by_blocks, csv_file_by_blocks, layout_of
from .columns import ScenarioColumns
from .compare import Comparison, compare_chunk, refuse_ruleset_column
from .fastblock import Found, Side, add_sums, bill_side, csv_lines, found_of, moved
from .summary import CompareSummary

__all__ = ["COMPARE_BLOCK", "compare_by_columns", "compare_csv_file"]

#: Rows of CSV billed by columns at once.
COMPARE_BLOCK = 1 << 16


def compare_by_columns(
    engines: Sequence[Any],
    chunks: Iterable[Chunk],
    columns: ScenarioColumns,
    summaries: Sequence[CompareSummary],
    write: Callable[[str], object] | None,
    *,
    block: int = COMPARE_BLOCK,
    counts: list[int] | None = None,
) -> tuple[int, int]:
    """Compare the rows of ``chunks`` under ``engines`` (the old ordinance first) into
    ``summaries`` and, when ``write`` is given, into CSV text (the header already written);
    (rows, rows billed by every side). ``counts``, when given, gets the number of rows of each
    block compared by columns."""
    state = _State(engines, columns, summaries, write, counts)
    by_blocks(state, chunks, block)
    return state.rows, state.billed


def compare_csv_file(
    engines: Sequence[Any],
    source: str | Path,
    columns: ScenarioColumns,
    summaries: Sequence[CompareSummary],
    write: Callable[[str], object] | None,
    progress: Progress | None = None,
    *,
    block: int = 1 << 21,
    counts: list[int] | None = None,
) -> tuple[int, int] | None:
    """:func:`compare_by_columns` of the CSV file ``source``, read by Arrow in blocks of about
    ``block`` bytes where Arrow and Python's reader read them alike; ``None`` when its header
    cannot be read line by line, or leaves every row to the record path (the caller then
    reads the file by chunks)."""
    state = _State(engines, columns, summaries, write, counts)
    if not csv_file_by_blocks(state, source, progress, block):
        return None
    return state.rows, state.billed


class _State(BlockRun):
    """A run of ``compare`` by columns (see :func:`compare_by_columns`)."""

    def __init__(
        self,
        engines: Sequence[Any],
        columns: ScenarioColumns,
        summaries: Sequence[CompareSummary],
        write: Callable[[str], object] | None,
        counts: list[int] | None,
    ) -> None:
        from ..columnar import KindPlans

        super().__init__(counts)
        self.engines = tuple(engines)
        self.columns_of = columns
        self.summaries = summaries
        self.write = write
        self.rows = self.billed = 0
        self.plans = [KindPlans() for _ in self.engines]
        self.digits: list[int | None] = [None for _ in self.engines]
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\n")

    def reads(self, header: tuple[str, ...]) -> bool:
        return layout_of(header) is not None

    # -- the record path

    def records(self, chunk: Chunk) -> None:
        """Compare the rows of ``chunk`` record by record, in order."""
        if not chunk.rows:
            return
        for item in compare_chunk(self.engines, chunk):
            self._add(item)
            if self.write is not None:
                self.write(self._line(item))

    def _add(self, item: Comparison) -> None:
        self.rows += 1
        self.billed += item.both
        for summary in self.summaries:
            summary.add(item)

    def _line(self, item: Comparison) -> str:
        buffer = self.buffer
        buffer.seek(0)
        buffer.truncate()
        self.csv.writerow(self.columns_of.csv_row(item))
        return buffer.getvalue()

    # -- a block

    def columns(
        self,
        header: tuple[str, ...],
        table: Any,
        numbers: Sequence[int],
        rows_at: Callable[[Any], list[tuple[int, Payload]]],
        others: list[tuple[int, Payload]],
    ) -> None:
        """Compare the rows of ``table`` (a record batch of text, under ``header``; their row
        numbers ``numbers``, and ``rows_at(positions)`` those rows as the record path reads them) and
        the rows ``others``: by columns where every side bills a row by columns, record by
        record elsewhere, all in the order of their numbers."""
        import numpy as np
        import pyarrow as pa  # type: ignore[import-untyped]

        if not others and (table is None or not table.num_rows):
            return  # no rows (blank lines only): nothing to compare, or to refuse
        refuse_ruleset_column(Chunk(header, []), [engine.ruleset for engine in self.engines])
        layout = layout_of(header)
        if table is None or layout is None:
            self.in_order(header, [*others, *rows_at(range(len(numbers)))])
            self.counted(0)
            return
        leans = self.kept(header, lambda: [kind_bills(LeanRows(engine, header)) for engine in self.engines])
        known = self.columns_of.known
        sides = [
            bill_side(table, layout, leans[index], self.plans[index], known, self.digits, index)
            for index in range(len(self.engines))
        ]
        found = found_of(header, table, sides)
        covered = np.flatnonzero(found.ok)
        numbered = np.asarray(numbers, dtype=np.int64)
        taken = moved(self.summaries, found, sides, covered, numbered)
        keep = np.setdiff1d(covered, taken, assume_unique=True)
        left = np.setdiff1d(np.arange(table.num_rows), keep, assume_unique=True).tolist()
        rows = [*others, *rows_at(left)]
        rows.sort(key=lambda row: row[0])
        items = compare_chunk(self.engines, Chunk(header, rows)) if rows else []
        if len(keep) and _written_otherwise(items, found.digits):
            # A change written with other decimals than the columns' (a side whose versions
            # bill in currencies of other scales): the summary counts equal changes under the
            # one met first, so the whole block goes row by row, in order.
            rows = sorted([*rows, *rows_at(keep)], key=lambda row: row[0])
            items = compare_chunk(self.engines, Chunk(header, rows))
            keep = keep[:0]
        lines: list[str] = []
        for item in items:
            self._add(item)
            if self.write is not None:
                lines.append(self._line(item))
        add_sums(self.summaries, found, sides, keep)
        self.rows += len(keep)
        self.billed += len(keep)
        if self.write is not None:
            self._write(found, sides, keep, numbered, table, [number for number, _ in rows], lines)
        self.counted(len(keep))
        pa.default_memory_pool().release_unused()  # what the block left free in Arrow's pool

    def _write(
        self,
        found: Found,
        sides: list[Side],
        keep: Any,
        numbers: Any,
        table: Any,
        others: list[int],
        lines: list[str],
    ) -> None:
        """Write the block's CSV rows in input order: those of ``keep`` joined from the
        columns, the ``lines`` of the rows numbered ``others`` in their places."""
        write = self.write
        assert write is not None
        if not len(keep):
            for line in lines:
                write(line)
            return
        joined = csv_lines(self.columns_of.charges, found, sides, keep, numbers, table)
        spliced = Spliced(write, joined, numbers[keep])
        for number, line in zip(others, lines):
            spliced.before(number)
            write(line)
        spliced.rest()


def _written_otherwise(items: list[Comparison], digits: list[int]) -> bool:
    """Whether a change of ``items`` has other decimals than a change made by columns (the
    finer of the old side's and the candidate's ``digits``)."""
    for item in items:
        for index in range(1, len(digits)):
            change = item.change_of(index)
            if change is not None and change.as_tuple().exponent != -max(digits[0], digits[index]):
                return True
    return False
