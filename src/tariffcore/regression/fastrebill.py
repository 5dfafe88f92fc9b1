"""``rebill`` by columns: the fast backend's kernels recompute each block of history, and the
rows that match to the won are counted by columns.

Without the backend, every history row becomes a :class:`~tariffcore.regression.Check` (its
bill recomputed by the engine, each line compared with what was issued), added to the
:class:`~tariffcore.regression.RebillSummary` and written out. With it, the CSV rows are
gathered in blocks; the bill inputs (every column but the ``issued_…`` ones) are billed by
columns, as ``tariffcore bill`` bills them (:func:`~tariffcore.columnar.bill_kinds`), and the
issued amounts are read as integers at the scale of the bill's currency. A row matches by
columns when its kind is billed by kernels and:

- every issued cell is empty or a plain decimal (``-``, up to 12 digits, a point and up to 9
  more);
- each charge billed has an issued amount equal to its line's, every other charge's issued
  cell is empty (a charge left out on request may have any amount), the issued total is
  given and, unless charges were left out on request, equal to the bill's.

A matching row adds to the summary by columns: the bills and matches by billing month, and a
match for each of its charges (and the total). It writes nothing in text or CSV (they list
differences and errors only); in JSON lines, its line is joined from the columns, where its
billing month is plain text (a JSON string as it is, nothing to strip). Every other row is
checked record by record, in order: a mismatch, an error row, a row the kernels leave to the
engine, an issued amount written otherwise (an exponent, blanks, more digits). The output is
the one the record path writes, byte for byte, and the summary the same, figure for figure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..batch import BatchEngine, LeanRows, kind_bills
from ..rows import CHUNK_ROWS, Chunk, Payload, Progress
from .blocks import BlockRun, Spliced, by_blocks, csv_file_by_blocks, layout_of
from .rebill import ISSUED_PREFIX, TOTAL, Check, RebillSummary, check_chunk

__all__ = ["REBILL_BLOCK", "rebill_by_columns", "rebill_csv_file"]

#: Rows of CSV checked by columns at once.
REBILL_BLOCK = 1 << 16

#: An issued amount read by columns: other amounts are read by the record path.
PLAIN_AMOUNT = r"^-?[0-9]{1,12}(\.[0-9]{1,9})?$"

#: The parts of a plain amount.
AMOUNT_PARTS = r"^(?P<sign>-?)(?P<whole>[0-9]+)(?:\.(?P<part>[0-9]+))?$"

#: The decimals of a plain amount's part after the point, at most.
PART_DIGITS = 9

#: Text a JSON line holds as it is, and the record path reads without stripping.
PLAIN = re.compile(r"^[A-Za-z0-9_.:/@+-]+$")


def rebill_by_columns(
    engine: BatchEngine,
    chunks: Iterable[Chunk],
    summary: RebillSummary,
    emit: Callable[[Check], object],
    *,
    lines: Callable[[str], object] | None = None,
    block: int = REBILL_BLOCK,
    counts: list[int] | None = None,
) -> None:
    """Check the history rows of ``chunks`` into ``summary``; ``emit`` gets, in input order,
    every row checked record by record (every row that does not match, and some that do).
    When ``lines`` is given, it gets the JSON line of every row matched by columns (the one
    :meth:`Check.to_dict` gives), in its place among the rows ``emit`` gets: ``emit`` then
    writes the JSON lines of its rows to the same place. ``counts``, when given, gets the
    number of rows of each block matched by columns."""
    by_blocks(_State(engine, summary, emit, counts, lines), chunks, block)


def rebill_csv_file(
    engine: BatchEngine,
    source: str | Path,
    summary: RebillSummary,
    emit: Callable[[Check], object],
    progress: Progress | None = None,
    *,
    lines: Callable[[str], object] | None = None,
    block: int = 1 << 21,
    counts: list[int] | None = None,
) -> bool:
    """:func:`rebill_by_columns` of the CSV file ``source``, read by Arrow in blocks of about
    ``block`` bytes where Arrow and Python's reader read them alike; ``False`` (nothing done)
    when its header cannot be read line by line, or leaves every row to the record path (the
    caller then reads the file by chunks)."""
    return csv_file_by_blocks(_State(engine, summary, emit, counts, lines), source, progress, block)


def _inputs(header: tuple[str, ...]) -> list[int]:
    """The positions of the bill's inputs in a history's header (the columns billed)."""
    return [at for at, name in enumerate(header) if not name.startswith(ISSUED_PREFIX)]


class _State(BlockRun):
    """A run of ``rebill`` by columns (see :func:`rebill_by_columns`)."""

    def __init__(
        self,
        engine: BatchEngine,
        summary: RebillSummary,
        emit: Callable[[Check], object],
        counts: list[int] | None,
        lines: Callable[[str], object] | None = None,
    ) -> None:
        from ..columnar import KindPlans

        super().__init__(counts)
        self.engine = engine
        self.summary = summary
        self.emit = emit
        self.lines = lines
        #: The JSON lines of the block's rows matched by columns, written among its others.
        self.spliced: Spliced | None = None
        self.plans = KindPlans()

    def reads(self, header: tuple[str, ...]) -> bool:
        return layout_of(tuple(header[at] for at in _inputs(header))) is not None

    def records(self, chunk: Chunk) -> None:
        """Check the rows of ``chunk`` record by record, in order."""
        for start in range(0, len(chunk.rows), CHUNK_ROWS):  # a chunk's checks held at a time
            for check in check_chunk(
                self.engine, Chunk(chunk.header, chunk.rows[start : start + CHUNK_ROWS])
            ):
                self.rows += 1
                self.summary.add(check)
                if self.spliced is not None:
                    self.spliced.before(check.number)
                self.emit(check)

    def columns(
        self,
        header: tuple[str, ...],
        table: Any,
        numbers: Sequence[int],
        rows_at: Callable[[Any], list[tuple[int, Payload]]],
        others: list[tuple[int, Payload]],
    ) -> None:
        """Check the rows of ``table`` and ``others``: those that match by columns counted,
        the rest record by record, in the order of their numbers."""
        import numpy as np
        import pyarrow as pa  # type: ignore[import-untyped]

        inputs = _inputs(header)
        names = tuple(header[at] for at in inputs)
        layout = layout_of(names)
        if not table.num_rows or layout is None:
            self.in_order(header, [*others, *rows_at(range(len(numbers)))])
            self.counted(0)
            return
        lean = self.kept(names, lambda: kind_bills(LeanRows(self.engine, names)))
        billed = table.select(inputs)
        plain = None if self.lines is None else _plain_months(names, billed)
        matched, charges, labels = _matches(billed, layout, lean, self.plans, header, table, plain)
        keep = np.flatnonzero(matched)
        left = np.flatnonzero(~matched).tolist()
        if self.lines is not None and len(keep):
            joined = _json_lines(names, billed, np.asarray(numbers, dtype=np.int64), keep, labels)
            self.spliced = Spliced(self.lines, joined, np.asarray(numbers, dtype=np.int64)[keep])
        self.in_order(header, [*others, *rows_at(left)])
        if self.spliced is not None:
            self.spliced.rest()
            self.spliced = None
        if len(keep):
            self.summary.add_matches(_months(names, billed, keep), charges)
            self.rows += len(keep)
        self.counted(len(keep))
        pa.default_memory_pool().release_unused()  # what the block left free in Arrow's pool


def _matches(
    inputs: Any,
    layout: Any,
    lean: Any,
    plans: Any,
    header: tuple[str, ...],
    table: Any,
    plain: Any = None,
) -> tuple[Any, Counter[str], Any]:
    """Which rows of a block match by columns (see the module; of the rows ``plain`` only,
    when it is given), how many matches each charge (and the total) has among them, and each
    row's version label (a ruleset id and a version label: text a JSON line holds as it is,
    as the ruleset format's patterns have it)."""
    import numpy as np

    from ..columnar import bill_kinds

    _, done, _ = bill_kinds(inputs, layout, lean, plans)
    matched = np.zeros(table.num_rows, dtype=bool)
    charges: Counter[str] = Counter()
    labels = np.full(table.num_rows, "", dtype=object)
    if not done:
        return matched, charges, labels
    issued = {
        name[len(ISSUED_PREFIX) :]: _Issued(table.column(at))
        for at, name in enumerate(header)
        if name.startswith(ISSUED_PREFIX)
    }
    total = issued.get(TOTAL)
    if total is None:
        return matched, charges, labels  # every row an error row
    readable = np.logical_and.reduce([amounts.plain | amounts.empty for amounts in issued.values()])
    for rows, plan, computed, _ in done:
        facts = plan.bill.facts
        ids = [entry.id for entry, _ in plan.kernels]
        if facts is None or TOTAL in ids or plan.digits > 6:
            continue  # a charge named as the total, or amounts of over 10¹⁸ minor units
        if any(charge not in issued for charge in ids):
            continue  # a line without an issued amount: a mismatch on every row
        skipped = set(facts.not_requested)
        ok = readable[rows] & ~total.empty[rows]
        if plain is not None:
            ok &= plain[rows]
        for charge, amounts in issued.items():
            if charge in ids:
                at = ids.index(charge)
                given = amounts.minor(rows, plan.digits)
                ok &= ~amounts.empty[rows] & (given == np.asarray(computed.amounts[at], dtype=np.int64))
            elif charge != TOTAL and charge not in skipped:
                ok &= amounts.empty[rows]  # an amount issued for a charge the bill has no line of
        if not skipped:
            ok &= total.minor(rows, plan.digits) == np.asarray(computed.total, dtype=np.int64)
        count = int(ok.sum())
        if not count:
            continue
        matched[rows[ok]] = True
        labels[rows[ok]] = facts.label
        for charge in ids if skipped else [*ids, TOTAL]:
            charges[charge] += count
    return matched, charges, labels


def _plain_months(names: tuple[str, ...], inputs: Any) -> Any:
    """Where a row's billing month is :data:`PLAIN` text, which a JSON line holds as it is
    (the columns bill only accounts it holds as they are)."""
    import numpy as np
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    from ..columnar import booleans

    if "billing_month" not in names:
        return np.ones(inputs.num_rows, dtype=bool)
    return booleans(pc.match_substring_regex(inputs.column(names.index("billing_month")), PLAIN.pattern))


def _json_lines(names: tuple[str, ...], inputs: Any, numbers: Any, keep: Any, labels: Any) -> Any:
    """The JSON lines of the matching rows ``keep`` (numbered ``numbers``), as Arrow text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..columnar import ints, strings, text

    take = ints(keep)
    empty = text("")

    def cells(name: str) -> Any:
        return inputs.column(names.index(name)).take(take) if name in names else empty

    month = cells("billing_month")
    return pc.binary_join_element_wise(
        text('{"row":'),
        pc.cast(ints(numbers[keep]), pa.string()),
        text(',"account":"'),
        cells("account"),
        text('","billing_month":"'),
        month if month is empty else pc.utf8_slice_codeunits(month, 0, 7),
        text('","ruleset":"'),
        strings(labels[keep].tolist()),
        text('","status":"match","differences":[]}\n'),
        empty,
    )


class _Issued:
    """A column of issued amounts: which cells are empty, which plain (see
    :data:`PLAIN_AMOUNT`), and the plain ones' parts."""

    __slots__ = ("empty", "plain", "negative", "whole", "part")

    def __init__(self, column: Any) -> None:
        import numpy as np
        import pyarrow.compute as pc

        from ..columnar import booleans, bools, numbers, text

        self.empty = booleans(pc.equal(column, text("")))
        self.plain = booleans(pc.match_substring_regex(column, PLAIN_AMOUNT))
        plain = pc.if_else(bools(self.plain), column, text("0"))
        if not booleans(pc.greater_equal(pc.find_substring(plain, "."), 0)).any():
            # whole amounts only (as most are in a currency of whole units): read with their sign
            self.negative = np.zeros(len(self.plain), dtype=bool)
            self.whole = numbers(pc.cast(plain, "int64"))
            self.part = np.zeros(len(self.plain), dtype=np.int64)
            return
        parts = pc.extract_regex(plain, AMOUNT_PARTS)
        self.negative = booleans(pc.equal(parts.field("sign"), text("-")))
        self.whole = numbers(pc.cast(parts.field("whole"), "int64"))
        self.part = numbers(pc.cast(pc.utf8_rpad(parts.field("part"), PART_DIGITS, "0"), "int64"))

    def minor(self, rows: Any, digits: int) -> Any:
        """The amounts of ``rows`` in minor units of a currency of ``digits`` decimals; the
        least ``int64`` (no bill's amount) where an amount has a fraction of the minor unit."""
        import numpy as np

        unit = 10 ** (PART_DIGITS - digits)
        part = self.part[rows]
        amount = self.whole[rows] * 10**digits + part // unit
        amount = np.where(self.negative[rows], -amount, amount)
        return np.where(part % unit == 0, amount, np.iinfo(np.int64).min)


def _months(names: tuple[str, ...], inputs: Any, keep: Any) -> Counter[str]:
    """The rows ``keep`` counted by billing month, as the record path reads it."""
    import pyarrow.compute as pc

    from ..columnar import ints, numbers

    if "billing_month" not in names:
        return Counter({"-": len(keep)})
    column = inputs.column(names.index("billing_month")).take(ints(keep))
    counted = pc.value_counts(column)
    found: Counter[str] = Counter()
    for value, count in zip(counted.field("values").to_pylist(), numbers(counted.field("counts"))):
        found[value.strip()[:7] or "-"] += int(count)
    return found
