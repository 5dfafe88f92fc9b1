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
                                     line (``slices`` and ``parts`` nested alike)
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

from ..bill import Bill
from ..errors import BillingError
from .arrow import BillColumns, pyarrow

__all__ = ["ParquetBillWriter"]


class ParquetBillWriter:
    """Writes results to a Parquet file in row groups of ``batch`` rows (memory stays flat)."""

    def __init__(self, path: str, charges: Sequence[str], batch: int = 65536) -> None:
        pa = pyarrow()
        parquet: Any = importlib.import_module("pyarrow.parquet")
        self.rows = BillColumns(charges, detail=True, grow=False)
        self.writer = parquet.ParquetWriter(path, self.rows.schema(pa))
        self.batch = batch

    def write(self, account: str, result: Bill | BillingError) -> None:
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
