"""Billing a pandas DataFrame or an Arrow table (the optional ``tariffcore[dataframe]``).

:func:`bill_frame` and :func:`bill_table` bill every row of a frame or table with the batch
engine (:class:`tariffcore.BatchEngine`) and return one row per input row, in input order:
``account, ruleset, currency, usage_m3``, one column per charge, ``total``, ``not_included``
(the ids of charges the bill does not include), ``error_code`` and ``error_message``. A row
that cannot be billed keeps its place, with only ``account`` and the error filled in.

Amounts are exact: :class:`~decimal.Decimal` objects in pandas, ``decimal128(38, 6)`` in
Arrow (:mod:`tariffcore.frames.arrow`). Input columns are those of the CSV and JSON-lines
input (:mod:`tariffcore.inputs`), with the types pandas and Arrow use by default
(:mod:`tariffcore.frames.values`).

pandas and pyarrow are imported only when these functions run.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..batch import BatchEngine, fast_frame, fast_table, use_fast
from ..engine import Catalog, charge_ids
from ..errors import TariffcoreError
from ..rows import CHUNK_ROWS, BillColumns, Chunk, Payload, plain_record, plain_value, pyarrow

__all__ = ["bill_frame", "bill_table", "plain_record", "plain_value"]


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise TariffcoreError("bill_frame needs pandas: pip install 'tariffcore[dataframe]'") from None


def _engine(ruleset: str | None, charges: Iterable[str] | None, catalog: Catalog | None) -> BatchEngine:
    if isinstance(charges, str):
        charges = [part.strip() for part in charges.split(",")]
    if catalog is None:
        return BatchEngine.load(ruleset, charges=charges)
    return BatchEngine(catalog, ruleset, charges=charges)


def _charges(engine: BatchEngine, ruleset: str | None) -> list[str]:
    """The first charge columns: the ruleset's charges (those asked for, if any)."""
    known = charge_ids(engine.catalog, ruleset)
    wanted = engine.charges
    return known if wanted is None else [c for c in known if c in wanted] or list(dict.fromkeys(wanted))


def _fast(bill: Any, engine: BatchEngine, data: Any, charges: list[str]) -> Any:
    """``bill(engine, data, charges)`` (the fast backend's), or ``None`` where Arrow has no
    kernel for a column's type or cannot hold what the record path reads: the rows are then
    billed record by record, which says what is wrong with a row, if anything is."""
    import pyarrow as pa  # type: ignore[import-untyped]

    try:
        return bill(engine, data, charges)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _bill(engine: BatchEngine, records: Iterable[Mapping[str, Any]], ruleset: str | None) -> BillColumns:
    columns = BillColumns(_charges(engine, ruleset), detail=False, grow=True)
    for chunk in _chunks(records):
        for _, account, result in engine.figures(chunk):
            columns.add(account, result)
    return columns


def _chunks(records: Iterable[Mapping[str, Any]]) -> Iterator[Chunk]:
    rows: list[tuple[int, Payload]] = []
    for number, record in enumerate(records, start=1):
        rows.append((number, plain_record(record)))
        if len(rows) >= CHUNK_ROWS:
            yield Chunk(None, rows)
            rows = []
    if rows:
        yield Chunk(None, rows)


def bill_frame(
    frame: Any,
    *,
    ruleset: str | None = None,
    charges: Iterable[str] | None = None,
    catalog: Catalog | None = None,
    backend: str = "auto",
) -> Any:
    """Bill every row of the pandas DataFrame ``frame``; a DataFrame with the same index.

    ``ruleset`` (``id`` or ``id@version``) bills the rows that have no ``ruleset`` column of
    their own. ``catalog`` defaults to the installed rulesets. ``charges`` (ids, or one
    string ``"water,sewer"``) bills only those charges: the others are not computed, and a row
    of a ruleset that has no such charge is an error row (``unknown_charge``).

    Amount columns hold :class:`~decimal.Decimal` objects (``object`` dtype), ``None`` where a
    bill has no such line or the row is an error row.

    ``backend`` is that of ``tariffcore bill --backend``: ``fast`` bills by columns (the
    optional ``tariffcore[fast]``; a clear error without it), ``python`` record by record,
    ``auto`` (the default) by columns where the extra is installed and the frame holds at
    least a megabyte. Both make the same frame, value for value.
    """
    pd = _pandas()
    engine = _engine(ruleset, charges, catalog)
    made = None
    if use_fast(backend, int(frame.memory_usage(index=False).sum())):
        made = _fast(fast_frame, engine, frame, _charges(engine, ruleset))
    if made is not None:
        data, known = made
    else:
        names = [str(name) for name in frame.columns]
        records = (dict(zip(names, values)) for values in frame.itertuples(index=False, name=None))
        columns = _bill(engine, records, ruleset)
        data, known = columns.columns(), columns.charges
    amounts = {"usage_m3", "total", *known}
    series = {
        name: pd.Series(
            values, index=frame.index, dtype=object if name in amounts or name == "not_included" else None
        )
        for name, values in data.items()
    }
    return pd.DataFrame(series, index=frame.index)


def bill_table(
    table: Any,
    *,
    ruleset: str | None = None,
    charges: Iterable[str] | None = None,
    catalog: Catalog | None = None,
    backend: str = "auto",
) -> Any:
    """Bill every row of the pyarrow Table (or RecordBatch) ``table``; an Arrow table.

    The arguments are those of :func:`bill_frame`. Amount columns are ``decimal128(38, 6)``,
    ``not_included`` a list of strings, the other columns strings.

    ``backend`` is that of ``tariffcore bill --backend``: ``fast`` bills by columns (the
    optional ``tariffcore[fast]``; a clear error without it), ``python`` record by record,
    ``auto`` (the default) by columns where the extra is installed and the table holds at
    least a megabyte. Both make the same table, value for value.
    """
    pa = pyarrow("dataframe")
    engine = _engine(ruleset, charges, catalog)
    if use_fast(backend, getattr(table, "nbytes", None)):
        whole = table if hasattr(table, "to_batches") else pa.Table.from_batches([table])
        made = _fast(fast_table, engine, whole, _charges(engine, ruleset))
        if made is not None:
            return made
    batches = table.to_batches(max_chunksize=CHUNK_ROWS) if hasattr(table, "to_batches") else [table]
    records = (record for batch in batches for record in batch.to_pylist())
    return _bill(engine, records, ruleset).table()
