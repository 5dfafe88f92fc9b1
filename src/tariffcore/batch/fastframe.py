"""The fast backend for pandas: :func:`tariffcore.bill_frame` by columns.

As :mod:`tariffcore.batch.fasttable` bills an Arrow table, a DataFrame is billed a block of
rows at a time. Each column is made the text its cells stand for, as the record path reads the
very cells it is handed row by row: ``DataFrame.itertuples`` gives a NumPy column's cells as
Python numbers, a column of pandas strings as text or a missing value, and any other column's
as the objects it holds (NumPy and string columns are read by Arrow, the others a cell at a
time). The block is billed by columns, and every row the columns do not cover is billed
record by record, as without the backend. The frame's values are the record path's, a :class:`~decimal.Decimal`'s exponent
included: every amount of a bill is at its currency's scale (a line's amount and the total
are, see :func:`~tariffcore.money.at_scale`), and a usage is the one its text was read as.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import MINOR_UNITS, MONEY_CONTEXT
from ..rows import BillColumns
from .fasttable import TABLE_BLOCK, Block, bill_blocks, reader, text_batch, texts_of

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = ["fast_frame"]


def fast_frame(
    engine: BatchEngine,
    frame: Any,
    charges: Sequence[str],
    block: int | None = None,
    columns: list[int] | None = None,
) -> tuple[dict[str, Any], list[str]] | None:
    """The columns :func:`~tariffcore.bill_frame` makes of the DataFrame ``frame`` (Python
    values in input order: arrays of objects for the amounts and ``not_included``, lists for
    the columns whose type pandas infers), and the charge columns among them (``charges``, then
    those met on bills, in the order met); ``None`` when the frame's columns leave every row
    to the record path. ``block`` and ``columns`` as for
    :func:`~tariffcore.batch.fasttable.fast_table`."""
    import numpy as np

    header = tuple(str(name) for name in frame.columns)
    size = block or TABLE_BLOCK

    def parts(account: int) -> Iterator[tuple[Any, Callable[[Any], list[Any]]]]:
        for start in range(0, len(frame), size):
            part = frame.iloc[start : start + size]
            made = [_column_texts(part.iloc[:, i], reader(i, name, account)) for i, name in enumerate(header)]
            data = text_batch([t for t, _ in made], [n for _, n in made], header, account)
            yield data, functools.partial(_records, part, header)

    billed = bill_blocks(engine, header, charges, parts, columns, usages=True)
    if billed is None:
        return None
    blocks, known = billed
    names = BillColumns(known, detail=False, grow=False).names()
    found = [_values(found, known, names) for found in blocks]
    objects = {"usage_m3", "total", "not_included", *known}  # columns of objects, as they are
    data: dict[str, Any] = {}
    for name in names:
        column = np.concatenate([part[name] for part in found]) if found else np.empty(0, dtype=object)
        data[name] = column if name in objects else column.tolist()
    return data, known


def _column_texts(series: Any, read: Callable[[Any], str | None]) -> tuple[Any, Any]:
    """``(text of each row, rows that have none)`` of a column of a DataFrame (see the module)."""
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]

    kind = series.dtype
    if isinstance(kind, np.dtype) and kind.kind in "iufb" and kind.itemsize <= 8:  # as Arrow gives them
        return texts_of(pa.array(series.to_numpy()), read)
    if type(kind).__name__ == "StringDtype":  # text or missing (NaN or NA: a null in Arrow)
        try:
            array = pa.array(series)
        except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold: cell by cell
            array = None
        if array is not None:
            return texts_of(array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array, read)
    found = [read(value) for value in series]  # the objects themselves, as itertuples gives them
    try:
        texts = pa.array([text or "" for text in found], pa.string())
    except UnicodeEncodeError:  # a lone surrogate: no text, the row goes the record path
        found = [text if text is None or _utf8(text) else None for text in found]
        texts = pa.array([text or "" for text in found], pa.string())
    return texts, np.array([text is None for text in found], dtype=bool)


def _utf8(text: str) -> bool:
    """Whether UTF-8 can hold ``text`` (a lone surrogate it cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _records(part: Any, header: tuple[str, ...], at: Any) -> list[Any]:
    """The records of the rows at positions ``at`` of the block ``part``, as the record path
    reads them."""
    return [dict(zip(header, values)) for values in part.iloc[at].itertuples(index=False, name=None)]


def _objects(values: list[Any]) -> Any:
    """``values`` as a NumPy array of objects (a list in it stays one object)."""
    import numpy as np

    return np.fromiter(values, dtype=object, count=len(values))


def _values(block: Block, charges: list[str], names: list[str]) -> dict[str, Any]:
    """The block's rows in input order, column by column (arrays of Python objects)."""
    import numpy as np

    size = len(block.positions) + len(block.back)
    out = {name: np.full(size, None, dtype=object) for name in names}
    detail = block.detail
    if detail is not None:
        import pyarrow as pa
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        from ..columnar import ints

        at = block.positions
        currencies = pc.dictionary_encode(detail.column("currency")).combine_chunks()
        scales = [MINOR_UNITS[currency] for currency in currencies.dictionary.to_pylist()]
        digits = np.array(scales, dtype=np.int64)[ints(currencies.indices.to_numpy(zero_copy_only=False))]
        amounts = {"total", *charges}
        for name in names:
            if name not in detail.column_names:  # a charge met beyond the first ones: below
                continue
            column = detail.column(name)
            if name == "usage_m3":
                out[name][at] = _each(block.usage, Decimal)
            elif name in amounts:
                out[name][at] = _money(column, digits)
            elif pa.types.is_string(column.type):
                out[name][at] = column.to_numpy(zero_copy_only=False)  # text, or None
            else:  # whole numbers (not floats), lists
                out[name][at] = _objects(column.to_pylist())
        where = {int(p): n for n, p in enumerate(at)} if block.others else {}
        for position, items in block.others.items():  # charges met beyond the first ones
            for charge, amount in items:
                unit = Decimal(1).scaleb(-int(digits[where[position]]), context=MONEY_CONTEXT)
                out[charge][position] = amount.quantize(unit, context=MONEY_CONTEXT)
    if block.billed:
        gathered = BillColumns(charges, detail=False, grow=False)
        for _, account, result in block.billed:
            gathered.add(account, result)
        for name, values in gathered.columns().items():
            out[name][block.back] = _objects(values)
    return out


def _money(column: Any, digits: Any) -> Any:
    """Amounts of a ``decimal128`` column as :class:`~decimal.Decimal` objects at the scale of
    each row's currency (``digits``), ``None`` where there is none."""
    import numpy as np
    import pyarrow as pa

    from ..columnar import booleans, ints

    out = np.full(len(column), None, dtype=object)
    valid = booleans(column.is_valid())
    for places in np.unique(digits[valid]).tolist():
        rows = np.flatnonzero(valid & (digits == places))
        part = column.take(ints(rows)).cast(pa.decimal128(38, places))  # exact: at that scale
        whole = None
        if places == 0:
            try:
                whole = part.cast(pa.int64()).to_numpy()
            except pa.ArrowInvalid:  # past int64: as Arrow gives them
                whole = None
        if whole is not None:  # each distinct amount made once, then shared (as Decimals may be)
            distinct, inverse = np.unique(whole, return_inverse=True)
            out[rows] = _objects(list(map(Decimal, distinct.tolist())))[inverse]
        else:
            out[rows] = _each(part, lambda value: value)
    return out


def _each(column: Any, make: Callable[[Any], Any]) -> Any:
    """``make`` of each value of the Arrow ``column`` (none null), as an array of objects:
    made once for each distinct value, and shared by the rows that hold it."""
    import numpy as np
    import pyarrow.compute as pc

    from ..columnar import ints

    if hasattr(column, "combine_chunks"):  # a table's column
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    made = _objects([make(value) for value in encoded.dictionary.to_pylist()])
    return made[ints(encoded.indices.to_numpy(zero_copy_only=False))] if len(made) else np.empty(0, object)
