"""The fast backend for Arrow tables: :func:`tariffcore.bill_table` by columns.

Without the backend, :func:`~tariffcore.bill_table` bills a table record by record: each
cell as :func:`~tariffcore.rows.plain_value` reads it, each record through the batch engine,
which bills it by a lean bill from its cells' text where one covers it (what
:meth:`~tariffcore.batch.RecordKeys.text` gives) and by the scalar engine elsewhere.

With it, a block of the table is first made that text, column by column: plain text and
whole numbers by Arrow itself (they read as they are written), any other column one distinct
value at a time, by the very functions the record path reads a cell with, the text spread
over the column's rows by Arrow. The block is then billed by columns, as a
block of CSV text is (:func:`~tariffcore.columnar.bill_kinds`,
:class:`~tariffcore.columnar.BlockColumns`). A row the columns do not cover goes the record
path, from its own cells: a cell that has no such text (a float with a fraction, a list…),
an ``account`` that is no id, a ``ruleset`` that is not text, and every row a block of CSV
leaves to the engine (an odd usage, a kind of account without kernels, an amount that does
not fit). The rows are put back in input order, and the table is the one the record path
makes, value for value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import BillingError, InputError, TariffcoreError
from ..meter import READ_COLUMNS
from ..rows import (
    BillColumns,
    Chunk,
    Payload,
    account_id,
    missing_columns,
    plain_account,
    plain_record,
    plain_value,
)
from ..units import USAGE_COLUMNS
from .fast import kind_bills
from .forms import Figured
from .keys import TEXTUAL
from .lean import LeanRows

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = [
    "TABLE_BLOCK",
    "Block",
    "bill_blocks",
    "fast_table",
    "numbered",
    "plain_table",
    "reader",
    "text_batch",
    "text_block",
    "texts_of",
]

#: Rows of a table billed by columns at once.
TABLE_BLOCK = 1 << 17


def _cell(value: Any) -> str | None:
    """A cell's text as a lean bill reads a record's cell, or ``None`` for a cell that has
    none (the record is billed as it is)."""
    value = plain_value(value)
    if value is None:
        return ""
    if isinstance(value, TEXTUAL):
        return str(value).strip()
    return None


def _ruleset_cell(value: Any) -> str | None:
    """A ``ruleset`` cell: as :func:`_cell`, but only text (or nothing) names a ruleset."""
    value = plain_value(value)
    if value is not None and not isinstance(value, str):
        return None
    return _cell(value)


def _account_cell(value: Any) -> str | None:
    """An ``account`` cell: its id, or ``None`` for a value that is no id (an error row)."""
    try:
        return account_id(plain_account(value))
    except InputError:
        return None


#: A text that :meth:`str.strip` would change, or that holds more than ASCII: read by Python.
_ODD = r"^[\t-\r\x1c- ]|[\t-\r\x1c- ]$|[^\x00-\x7f]"


def texts_of(column: Any, read: Callable[[Any], str | None]) -> tuple[Any, Any]:
    """``(text of each row, rows that have none)``, as ``read`` reads each cell: text and
    whole numbers by Arrow (plain text as it is, a number as its digits), where ``read`` would
    give the same; any other value read once by ``read`` for all the rows that hold it."""
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    from ..columnar import booleans, ints

    count = len(column)
    kind = column.type
    nothing = np.zeros(count, dtype=bool)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        texts = column.cast(pa.string()).fill_null("")
        odd = booleans(pc.match_substring_regex(texts, _ODD))
        if not odd.any():
            return texts, nothing
        at = np.flatnonzero(odd)
        found = [read(value) for value in texts.take(ints(at)).to_pylist()]
        none = nothing.copy()
        none[at] = [text is None for text in found]
        fixed = pa.array([text or "" for text in found], pa.string())
        return pc.replace_with_mask(texts, pa.array(odd), fixed), none
    if pa.types.is_integer(kind) and read(1) == "1":  # a whole number: its digits
        return column.cast(pa.string()).fill_null(""), nothing
    try:
        encoded = column if pa.types.is_dictionary(kind) else pc.dictionary_encode(column)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):  # lists, structs…
        found = [read(value) for value in column.to_pylist()]
        none = np.array([text is None for text in found], dtype=bool)
        return pa.array([text or "" for text in found], pa.string()), none
    found = [read(value) for value in encoded.dictionary.to_pylist()]
    found.append(read(None))  # a null cell
    indices = encoded.indices.cast(pa.int64()).fill_null(len(found) - 1).to_numpy(zero_copy_only=False)
    none = np.array([text is None for text in found], dtype=bool)[indices]
    return pa.array([text or "" for text in found], pa.string()).take(ints(indices)), none


def reader(index: int, name: str, account: int) -> Callable[[Any], str | None]:
    """How the cells of column ``index`` (named ``name``) are read as text (see the module)."""
    return _account_cell if index == account else _ruleset_cell if name == "ruleset" else _cell


def text_batch(columns: list[Any], lefts: list[Any], header: tuple[str, ...], account: int) -> Any:
    """A record batch of the text ``columns``; a row with a cell that has no text (``lefts``:
    the rows of each column that have none) gets an empty account, which the columns leave
    to the record path."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..columnar import bools

    left = np.logical_or.reduce(lefts) if lefts else None
    if left is not None and left.any():
        columns = [*columns]
        columns[account] = pc.if_else(bools(left), "", columns[account])
    return pa.RecordBatch.from_arrays(columns, names=list(header))


def text_block(batch: Any, header: tuple[str, ...], account: int) -> Any:
    """The record batch ``batch`` as a record batch of text (see :func:`text_batch`)."""
    made = [texts_of(batch.column(i), reader(i, name, account)) for i, name in enumerate(header)]
    return text_batch([texts for texts, _ in made], [none for _, none in made], header, account)


def fast_table(
    engine: BatchEngine,
    table: Any,
    charges: Sequence[str],
    block: int | None = None,
    columns: list[int] | None = None,
) -> Any:
    """The table :func:`~tariffcore.bill_table` makes of the Arrow table ``table`` (charge
    columns ``charges``, then those met on bills, in the order met), billed by columns where
    they cover a row, ``block`` rows at a time (:data:`TABLE_BLOCK`); ``None`` when the
    table's columns leave every row to the record path (no ``account`` column, a name given
    twice, a column the engine needs missing). ``columns``, when given, gets the number of
    rows each block billed by columns."""
    import pyarrow as pa

    header = tuple(table.column_names)

    def parts(account: int) -> Iterator[tuple[Any, Callable[[Any], list[Any]]]]:
        for batch in _batches(table, block or TABLE_BLOCK):
            yield text_block(batch, header, account), functools.partial(_records, batch)

    billed = bill_blocks(engine, header, charges, parts, columns)
    if billed is None:
        return None
    blocks, known = billed
    schema = BillColumns(known, detail=False, grow=False).schema(pa)
    if not blocks:
        return schema.empty_table()
    return pa.concat_tables([found.table(known, schema) for found in blocks])


#: Blocks of a table as text: each a record batch of text and how to get the records of rows
#: (by their positions in the block) for the record path.
Parts = Callable[[int], Iterator[tuple[Any, Callable[[Any], list[Any]]]]]


def bill_blocks(
    engine: BatchEngine,
    header: tuple[str, ...],
    charges: Sequence[str],
    parts: Parts,
    columns: list[int] | None = None,
    usages: bool = False,
) -> tuple[list[Block], list[str]] | None:
    """The blocks of ``parts(account)`` (``account``: where the header has it) billed by
    columns where they cover a row and by the record path elsewhere, and the charge columns
    (``charges``, then those met on bills, in the order met); ``None`` when the header leaves
    every row to the record path (see :func:`fast_table`). With ``usages``, each block keeps
    the text of the usages it billed by columns."""
    import numpy as np
    import pyarrow as pa

    from ..columnar import BlockColumns, KindPlans, Layout, bill_kinds

    layout = Layout.of(header, USAGE_COLUMNS, READ_COLUMNS)
    if layout is None or missing_columns(header):
        return None
    try:
        detailed = BillColumns(charges, detail=True, grow=False, explain="lean").schema(pa)
    except TariffcoreError:  # a charge named as a column only the detailed table has
        return None
    # The detailed table without its lines: the columns of the table of amounts are among its
    # columns, and its other charges give the columns of charges met beyond ``charges``.
    made = BlockColumns(detailed.remove(detailed.get_field_index("lines")), charges, "lean")
    kind_bill = kind_bills(LeanRows(engine, header))
    plans = KindPlans()
    blocks: list[Block] = []
    start = 0

    def check(kind: Any) -> Any:
        at, plan, computed, usage = kind
        return made.add(at, plan, computed, usage)  # the rows it cannot hold, billed again

    for data, records_at in parts(layout.account):
        figures, _, back = bill_kinds(data, layout, kind_bill, plans, check)
        detail, positions = made.table(data.column(layout.account))
        left = back.tolist()
        records = numbered(start, left, records_at(back))
        billed = engine.figures(Chunk(None, records)) if records else []
        usage = figures.usage_text.take(positions) if detail is not None and usages else None
        blocks.append(Block(detail, positions, np.asarray(back, dtype=np.int64), billed, charges, usage))
        if columns is not None:
            columns.append(data.num_rows - len(left))
        start += data.num_rows
    known = list(charges)
    for found in blocks:
        for charge in found.met():
            if charge not in known:
                known.append(charge)
    return blocks, known


def numbered(start: int, at: list[int], records: list[Any]) -> list[tuple[int, Payload]]:
    """The ``records`` of the rows at positions ``at`` of a block whose first row is row
    ``start + 1``, numbered and read as the record path numbers and reads them."""
    return [(start + position + 1, plain_record(record)) for position, record in zip(at, records)]


def _records(batch: Any, at: Any) -> list[Any]:
    """The records of the rows at positions ``at`` of ``batch``."""
    return batch.take(at).to_pylist()  # type: ignore[no-any-return]


def _batches(table: Any, size: int) -> Iterator[Any]:
    """``table`` as record batches of ``size`` rows (the last one shorter), whatever its chunks
    (a table read from CSV or Parquet comes in chunks of a few thousand rows, and a kind of
    account costs the same to bill on a few rows as on many)."""
    table = plain_table(table)
    for start in range(0, table.num_rows, size):
        yield from table.slice(start, size).combine_chunks().to_batches()


def plain_table(table: Any) -> Any:
    """``table`` with the same values in types Arrow's kernels all take: text and bytes as
    ``string`` and ``binary`` rather than views, run-end encoded columns decoded, and a
    dictionary column in chunks as its values (the chunks' dictionaries together may need a
    larger index than each has)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, field in enumerate(table.schema):
        kind, column = field.type, table.column(index)
        if pa.types.is_string_view(kind):
            column = column.cast(pa.string())
        elif pa.types.is_binary_view(kind):
            column = column.cast(pa.binary())
        elif pa.types.is_run_end_encoded(kind):
            column = pa.chunked_array([pc.run_end_decode(chunk) for chunk in column.chunks], kind.value_type)
        elif pa.types.is_dictionary(kind) and column.num_chunks > 1:
            column = column.cast(kind.value_type)
        else:
            continue
        table = table.set_column(index, field.name, column)
    return table


class Block:
    """A block's bills: those made by columns (a detailed table, their positions and the
    text of their usages) and those of the record path (their positions and results)."""

    __slots__ = ("detail", "positions", "back", "billed", "charges", "others", "usage")

    def __init__(
        self,
        detail: Any,
        positions: Any,
        back: Any,
        billed: list[tuple[int, str, Figured]],
        charges: Sequence[str],
        usage: Any = None,
    ) -> None:
        import pyarrow.compute as pc

        self.usage = usage
        self.positions = positions
        self.back = back
        self.billed = billed
        self.charges = set(charges)
        #: The charges beyond ``charges`` of the bills made by columns, by position in the
        #: block: (charge, amount) in the order of the bill's lines.
        self.others: dict[int, list[tuple[str, Decimal]]] = {}
        if detail is not None:
            lists = detail.column("other_charges")
            has = pc.greater(pc.list_value_length(lists), 0)
            if pc.any(has).as_py():
                where = pc.indices_nonzero(has).to_pylist()
                for at, found in zip(where, lists.take(where).to_pylist()):
                    self.others[int(positions[at])] = [(item["charge"], item["amount"]) for item in found]
            # The flat table's columns only: a charge met beyond ``charges`` may be named as a
            # column of the detailed table alone (``due_date``), and is filled from ``others``.
            flat = {*BillColumns([], detail=False, grow=False).names(), *self.charges}
            detail = detail.select([name for name in detail.column_names if name in flat])
        self.detail = detail

    def met(self) -> list[str]:
        """The charges beyond the first ones met on the block's bills, in input order."""
        found: dict[int, list[str]] = {
            at: [charge for charge, _ in items] for at, items in self.others.items()
        }
        for at, (_, _, result) in zip(self.back.tolist(), self.billed):
            if isinstance(result, BillingError):
                continue
            found[at] = [line.charge for line in result.lines if line.charge not in self.charges]
        return [charge for at in sorted(found) for charge in found[at]]

    def table(self, charges: list[str], schema: Any) -> Any:
        """The block's rows in input order, as a table of ``schema`` (charge columns ``charges``)."""
        import numpy as np
        import pyarrow as pa

        from ..columnar import ints

        parts: list[Any] = []
        if self.detail is not None:
            detail = self.detail
            size = detail.num_rows
            columns = []
            where = {int(p): n for n, p in enumerate(self.positions)} if self.others else {}
            for field in schema:
                if field.name in detail.column_names:
                    columns.append(detail.column(field.name))
                    continue
                values: list[Decimal | None] = [None] * size  # a charge met beyond the first ones
                for at, items in self.others.items():
                    for charge, amount in items:
                        if charge == field.name:
                            values[where[at]] = amount
                columns.append(pa.array(values, field.type))
            parts.append(pa.Table.from_arrays(columns, schema=schema))
        if self.billed:
            gathered = BillColumns(charges, detail=False, grow=False)
            for _, account, result in self.billed:
                gathered.add(account, result)
            parts.append(gathered.table())
        if not parts:
            return schema.empty_table()
        order = np.argsort(np.concatenate([self.positions if self.detail is not None else [], self.back]))
        whole = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        return whole.take(ints(order.astype(np.int64)))
