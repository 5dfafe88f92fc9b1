"""Bills as Parquet, for data pipelines (needs the optional ``pyarrow``: ``tariffcore[parquet]``).

One row per input row, in input order, typed so that pandas, DuckDB or a BI tool read the
figures as numbers without parsing text:

==================================== =================================================
column                               type
==================================== =================================================
``account, ruleset, currency``       string
``usage_m3``                         decimal128(38, 6)
``billing_month, period_start,``     date32 (the billing month is its first day)
``period_end, due_date``
``estimated``                        bool
one column per charge                decimal128(38, 6); empty where the bill has no
                                     such line
``other_charges``                    list of ``{charge, amount}``: lines of charges
                                     that have no column (a row billed under another
                                     ruleset)
``total``                            decimal128(38, 6)
``lines``                            list of structs, the fields of a JSON-lines bill
                                     line: with ``explain="lean"`` (``bill``'s
                                     default) ``charge, label, amount, quantity,
                                     unit, unit_price, rule, version``; with
                                     ``full`` also ``rounding, unrounded, source,
                                     slices, notes, parts`` (``slices`` and
                                     ``parts`` nested alike)
``not_included``                     list of charge ids
``error_code, error_message``        string, for an error row (every other column empty)
==================================== =================================================

Amounts are exact (see :mod:`tariffcore.frames.arrow`: a figure that ``decimal128(38, 6)``
cannot hold stops the run with an error, it is never rounded).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from ..bill import Bill, BillFigures
from ..errors import BillingError, TariffcoreError
from .arrow import AMOUNT_PRECISION, AMOUNT_SCALE, BillColumns, fits, pyarrow

__all__ = ["ParquetBillWriter", "ParquetRowsWriter"]


class ParquetBillWriter:
    """Writes results to a Parquet file in row groups of ``batch`` rows (memory stays flat);
    ``explain`` says how much of each line the ``lines`` column holds (see the module)."""

    def __init__(
        self, path: str, charges: Sequence[str], batch: int = 65536, *, explain: str = "full"
    ) -> None:
        pa = pyarrow()
        parquet: Any = importlib.import_module("pyarrow.parquet")
        self.rows = BillColumns(charges, detail=True, grow=False, explain=explain)
        self.writer = parquet.ParquetWriter(path, self.rows.schema(pa))
        self.batch = batch

    def write(self, account: str, result: Bill | BillFigures | BillingError) -> None:
        """Add one row's result: a bill, an error, or (lean lines) a lean bill's figures."""
        self.rows.add(account, result)
        if len(self.rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if len(self.rows):
            self.writer.write_table(self.rows.table())
            self.rows.rows.clear()

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self.writer.close()


class ParquetRowsWriter:
    """Rows of typed columns to a Parquet file, in row groups of ``batch`` rows.

    ``columns`` are ``(name, kind)``: ``int`` (int64), ``text`` (string), ``amount``
    (``decimal128(38, 6)``, exact or refused) or ``others`` (a list of ``{charge, amount}``).
    """

    def __init__(self, path: str, columns: Sequence[tuple[str, str]], batch: int = 65536) -> None:
        pa = pyarrow()
        parquet: Any = importlib.import_module("pyarrow.parquet")
        amount = pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)
        kinds = {
            "int": pa.int64(),
            "text": pa.string(),
            "amount": amount,
            "others": pa.list_(pa.struct([("charge", pa.string()), ("amount", amount)])),
        }
        self.columns = list(columns)
        self.schema = pa.schema([pa.field(name, kinds[kind]) for name, kind in self.columns])
        self.writer = parquet.ParquetWriter(path, self.schema)
        self.rows: list[Sequence[Any]] = []
        self.batch = batch

    def write(self, values: Sequence[Any]) -> None:
        self.rows.append(values)
        if len(self.rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        pa = pyarrow()
        arrays = []
        for index, ((name, kind), field) in enumerate(zip(self.columns, self.schema)):
            data = [row[index] for row in self.rows]
            if kind == "others":
                data = [None if v is None else [{"charge": c, "amount": a} for c, a in v] for v in data]
            if kind in ("amount", "others"):
                amounts = [
                    a
                    for v in data
                    if v is not None
                    for a in ([v] if kind == "amount" else [e["amount"] for e in v])
                ]
                bad = next((a for a in amounts if not fits(a)), None)
                if bad is not None:
                    raise TariffcoreError(
                        f"column {name}: the amount {bad} cannot be written exactly as decimal128("
                        f"{AMOUNT_PRECISION}, {AMOUNT_SCALE}); write CSV or JSON lines, which keep every digit"
                    )
            arrays.append(pa.array(data, field.type))
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows.clear()

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self.writer.close()
