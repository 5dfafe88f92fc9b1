"""Bills as Parquet, for data pipelines (needs the optional ``pyarrow``: ``tariffcore[parquet]``).

One row per input row, in input order: ``account, ruleset, currency, usage_m3``, one column per
charge, ``total``, ``lines`` (the bill's lines as the JSON the ``jsonl`` output carries),
``not_included``, ``error_code``, ``error_message``, ``use_class``, ``meter_mm``,
``household_units``. Every amount is a string holding an exact
decimal, as in the other outputs: a Parquet float could not hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .bill import Bill
from .errors import BillingError, InputError
from .money import format_amount
from .output import ACCOUNT_COLUMNS, account_cells, charge_cells, compact_json, line_to_dict

__all__ = ["ParquetBillWriter"]


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.parquet  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("Parquet needs pyarrow: pip install 'tariffcore[parquet]'") from None
    return pyarrow


class ParquetBillWriter:
    """Writes results to a Parquet file in row groups of ``batch`` rows (memory stays flat)."""

    def __init__(self, path: str, charges: Sequence[str], batch: int = 65536) -> None:
        pa = _pyarrow()
        self.charges = list(charges)
        self.columns = ["account", "ruleset", "currency", "usage_m3", *self.charges,
                        "other_charges", "total", "lines", "not_included", "error_code",
                        "error_message", *ACCOUNT_COLUMNS]
        self.schema = pa.schema([(name, pa.string()) for name in self.columns])
        self.writer = pa.parquet.ParquetWriter(path, self.schema)
        self.batch = batch
        self.rows: list[list[str | None]] = []

    def write(self, account: str, result: Bill | BillingError) -> None:
        if isinstance(result, BillingError):
            row: list[str | None] = [account, None, None, None, *([None] * len(self.charges)),
                                     None, None, None, None, result.code, result.message,
                                     *([None] * len(ACCOUNT_COLUMNS))]
        else:
            amounts, other = charge_cells(result, self.charges)
            row = [account, result.label, result.currency, format_amount(result.usage_m3),
                   *amounts, ";".join(other) or None, format_amount(result.total),
                   compact_json([line_to_dict(line) for line in result.lines]),
                   ";".join(n.charge for n in result.not_included) or None, None, None,
                   *account_cells(result)]
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        pa = _pyarrow()
        columns = list(zip(*self.rows))
        table = pa.table({name: pa.array(list(values), pa.string())
                          for name, values in zip(self.columns, columns)}, schema=self.schema)
        self.writer.write_table(table)
        self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
