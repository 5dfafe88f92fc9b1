"""Runs as SQLite databases, written with the standard library's :mod:`sqlite3`, so Datasette,
DuckDB or a BI tool open a run directly.

Every amount, quantity and rate is ``TEXT`` holding the exact decimal, the same string the
JSON lines and CSV outputs write (``"10200"``, ``"0.5"``): SQLite has no decimal type, and a
``REAL`` column would hold a binary float. A whole amount (every amount of a bill rounded to
the won, say) still sums exactly in SQLite itself (``SUM`` adds texts that hold integers as
integers); see the documentation's page on SQL for sums of amounts with decimals, ordering and
comparing. Dates are ISO text (``YYYY-MM-DD``; a billing month ``YYYY-MM``), flags and
counts ``INTEGER``.

Tables of ``tariffcore bill --format sqlite`` (``row`` is the input row's position, from 1):

- ``run(key, value)``: what wrote the file (tariffcore's version, the command, the ruleset)
  and how amounts and dates are written;
- ``bills``: one row per input row; an error row has ``error_code`` and ``error_message``
  and nothing billed. Columns: ``row, account, ruleset, currency, usage_m3, billing_month,
  period_start, period_end, due_date, estimated``, one column per charge (the bill's amount
  of that charge; empty where it has no such line), ``total, use_class, meter_mm,
  household_units, error_code, error_message``;
- ``lines``: one row per line of a bill: ``row, position, account, charge, label, amount,
  quantity, unit, unit_price, rule, version, rounding, unrounded``, and ``sources``,
  ``slices``, ``parts`` as JSON text (as in JSON lines; SQLite's ``json_each`` reads them);
- ``not_included``: ``row, account, charge, reason`` for each charge a bill leaves out.

Indexes: ``bills(account)``, ``lines(account)``, ``lines(charge)``, ``not_included(account)``.
The file is written next to its target and moved into place when complete, so a failed run
never leaves half a database under the name asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..bill import Bill, Reading
from ..errors import BillingError, TariffcoreError
from ..money import format_amount
from .output import line_to_dict

__all__ = ["SqliteBillWriter", "SqliteFile", "Table", "line_rows", "quoted", "sql_text"]

#: Rows inserted per transaction.
BATCH = 4096


def sql_text(value: Any) -> Any:
    """A Python value as SQLite stores it here: a decimal as its exact text, a date as ISO
    text, a flag as 0 or 1, text and integers as they are, nothing as NULL."""
    if value is None or isinstance(value, (str, int)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return format_amount(value)


@dataclass(frozen=True)
class Table:
    """A table to create: its columns as ``(name, SQL type)``, the primary key, indexes."""

    name: str
    columns: Sequence[tuple[str, str]]
    key: Sequence[str] = ()
    indexes: Sequence[str] = ()

    def create(self) -> str:
        cells = [f"{quoted(name)} {kind}" for name, kind in self.columns]
        if self.key:
            cells.append(f"PRIMARY KEY ({', '.join(map(quoted, self.key))})")
        return f"CREATE TABLE {quoted(self.name)} ({', '.join(cells)})"

    def insert(self) -> str:
        places = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {quoted(self.name)} VALUES ({places})"


def quoted(name: str) -> str:
    """``name`` as an SQL identifier (any text: a charge id may hold ``-``)."""
    return '"' + name.replace('"', '""') + '"'


class SqliteFile:
    """A database being written: tables created first, rows inserted in batches, indexes made
    at the end; the file appears under ``path`` only once :meth:`close` has finished it."""

    def __init__(self, path: str | Path, tables: Sequence[Table], run: dict[str, str]) -> None:
        self.path = Path(path)
        # Created as any output file is (the umask applies), under a name of its own.
        self.temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.part")
        os.close(os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        self.tables = {table.name: table for table in tables}
        self.pending: dict[str, list[Sequence[Any]]] = {table.name: [] for table in tables}
        self.db = sqlite3.connect(self.temporary)
        try:
            with self.db:
                self.db.execute("PRAGMA journal_mode = OFF")
                self.db.execute("CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT)")
                about = {
                    "amounts": "TEXT holding the exact decimal (as in JSON lines and CSV)",
                    "dates": "TEXT, ISO 8601 (a billing month YYYY-MM)",
                    **run,
                }
                self.db.executemany("INSERT INTO run VALUES (?, ?)", sorted(about.items()))
                for table in tables:
                    self.db.execute(table.create())
        except BaseException:
            self.discard()
            raise

    def add(self, table: str, row: Sequence[Any]) -> None:
        """One row of ``table`` (values as :func:`sql_text` makes them)."""
        rows = self.pending[table]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        with self.db:
            for name, rows in self.pending.items():
                if rows:
                    self.db.executemany(self.tables[name].insert(), rows)
                    rows.clear()

    def close(self) -> None:
        """Write what is left, make the indexes and move the file into place."""
        try:
            self.flush()
            with self.db:
                for table in self.tables.values():
                    for column in table.indexes:
                        self.db.execute(
                            f"CREATE INDEX {quoted(f'{table.name}_{column}')} "
                            f"ON {quoted(table.name)} ({quoted(column)})"
                        )
            self.db.close()
            os.replace(self.temporary, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Give up: the partial file is removed, the target left as it was."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        self.temporary.unlink(missing_ok=True)


# --------------------------------------------------------------------------- bills

_LEADING = (
    ("row", "INTEGER NOT NULL"),
    ("account", "TEXT NOT NULL"),
    ("ruleset", "TEXT"),
    ("currency", "TEXT"),
    ("usage_m3", "TEXT"),
    ("billing_month", "TEXT"),
    ("period_start", "TEXT"),
    ("period_end", "TEXT"),
    ("due_date", "TEXT"),
    ("estimated", "INTEGER"),
)
_TRAILING = (
    ("total", "TEXT"),
    ("use_class", "TEXT"),
    ("meter_mm", "INTEGER"),
    ("household_units", "INTEGER"),
    ("error_code", "TEXT"),
    ("error_message", "TEXT"),
)
LINES = Table(
    "lines",
    [
        ("row", "INTEGER NOT NULL"),
        ("position", "INTEGER NOT NULL"),
        ("account", "TEXT NOT NULL"),
        ("charge", "TEXT NOT NULL"),
        ("label", "TEXT"),
        ("amount", "TEXT NOT NULL"),
        ("quantity", "TEXT"),
        ("unit", "TEXT"),
        ("unit_price", "TEXT"),
        ("rule", "TEXT"),
        ("version", "TEXT"),
        ("rounding", "TEXT"),
        ("unrounded", "TEXT"),
        ("sources", "TEXT"),
        ("slices", "TEXT"),
        ("parts", "TEXT"),
    ],
    key=("row", "position"),
    indexes=("account", "charge"),
)
NOT_INCLUDED = Table(
    "not_included",
    [
        ("row", "INTEGER NOT NULL"),
        ("account", "TEXT NOT NULL"),
        ("charge", "TEXT NOT NULL"),
        ("reason", "TEXT"),
    ],
    indexes=("account",),
)


def bills_table(charges: Sequence[str]) -> Table:
    """The ``bills`` table with a column per charge of ``charges``."""
    fixed = {name for name, _ in (*_LEADING, *_TRAILING)}
    clash = sorted(set(charges) & fixed)
    if clash:
        raise TariffcoreError(
            f"charge(s) {', '.join(clash)} have the name of a column of the bills table; "
            "write JSON lines, where charges are lines, not columns"
        )
    return Table(
        "bills",
        [*_LEADING, *((charge, "TEXT") for charge in charges), *_TRAILING],
        key=("row",),
        indexes=("account",),
    )


def _dates(reading: Reading | None) -> list[str | None]:
    if reading is None:
        return [None] * 4
    month = reading.billing_month
    return [
        None if month is None else month.isoformat()[:7],
        *(sql_text(getattr(reading, name)) for name in ("period_start", "period_end", "due_date")),
    ]


def line_rows(row: int, account: str, bill: Bill) -> Iterable[list[Any]]:
    """The ``lines`` rows of ``bill``, the ``row``-th of the run, for ``account``."""
    for position, line in enumerate(bill.lines, start=1):
        data = line_to_dict(line)
        yield [
            row,
            position,
            account,
            line.charge,
            line.label,
            format_amount(line.amount),
            data["quantity"],
            line.unit,
            data["unit_price"],
            line.rule,
            line.version,
            line.rounding,
            data["unrounded"],
            json.dumps(data["source"], ensure_ascii=False),
            json.dumps(data.get("slices", []), ensure_ascii=False),
            json.dumps(data.get("parts", []), ensure_ascii=False),
        ]


class SqliteBillWriter:
    """Writes the results of ``tariffcore bill`` (a bill or an error per input row) to a
    database at ``path``; ``charges`` are the columns of the ``bills`` table."""

    def __init__(self, path: str | Path, charges: Sequence[str], run: dict[str, str] | None = None) -> None:
        self.charges = list(charges)
        self.file = SqliteFile(path, [bills_table(self.charges), LINES, NOT_INCLUDED], run or {})
        self.rows = 0

    def write(self, account: str, result: Bill | BillingError) -> None:
        self.rows += 1
        row = self.rows
        if isinstance(result, BillingError):
            empty = [None] * (len(_LEADING) - 2 + len(self.charges) + len(_TRAILING) - 2)
            self.file.add("bills", [row, account, *empty, result.code, result.message])
            return
        amounts = {line.charge: format_amount(line.amount) for line in result.lines}
        self.file.add(
            "bills",
            [
                row,
                account,
                result.label,
                result.currency,
                format_amount(result.usage_m3),
                *_dates(result.reading),
                int(result.estimated),
                *(amounts.get(charge) for charge in self.charges),
                format_amount(result.total),
                result.use_class,
                result.meter_mm,
                result.household_units,
                None,
                None,
            ],
        )
        for line in line_rows(row, account, result):
            self.file.add("lines", line)
        for missing in result.not_included:
            self.file.add("not_included", [row, account, missing.charge, missing.reason])

    def close(self) -> None:
        self.file.close()

    def discard(self) -> None:
        self.file.discard()
