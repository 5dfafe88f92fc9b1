"""``tariffcore rebill --format sqlite``: the checks of a history as a database.

- ``checks``: one row per history row: ``row`` (its number in the input), ``account,
  billing_month, ruleset, status`` (``match``, ``mismatch`` or ``error``), ``differences`` (how
  many), ``error_code, error_message``;
- ``differences``: one row per differing line (or total): ``row, account, billing_month,
  charge, issued, recomputed, difference`` (exact decimal ``TEXT``; empty where a side has no
  such line), ``rule, version, note``.

Indexes on ``account`` (both tables), ``status`` and ``charge``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..money import format_amount
from ..rows import SqliteFile, Table
from .rebill import Check

__all__ = ["SqliteRebillWriter"]

CHECKS = Table(
    "checks",
    [
        ("row", "INTEGER NOT NULL"),
        ("account", "TEXT NOT NULL"),
        ("billing_month", "TEXT"),
        ("ruleset", "TEXT"),
        ("status", "TEXT NOT NULL"),
        ("differences", "INTEGER NOT NULL"),
        ("error_code", "TEXT"),
        ("error_message", "TEXT"),
    ],
    key=("row",),
    indexes=("account", "status"),
)
DIFFERENCES = Table(
    "differences",
    [
        ("row", "INTEGER NOT NULL"),
        ("account", "TEXT NOT NULL"),
        ("billing_month", "TEXT"),
        ("charge", "TEXT NOT NULL"),
        ("issued", "TEXT"),
        ("recomputed", "TEXT"),
        ("difference", "TEXT"),
        ("rule", "TEXT"),
        ("version", "TEXT"),
        ("note", "TEXT"),
    ],
    indexes=("account", "charge"),
)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format_amount(value)


class SqliteRebillWriter:
    """Writes the :class:`~tariffcore.regression.Check` of every history row to ``path``."""

    def __init__(self, path: str | Path, run: dict[str, str]) -> None:
        self.file = SqliteFile(path, [CHECKS, DIFFERENCES], run)

    def write(self, check: Check) -> None:
        error = check.error
        self.file.add(
            "checks",
            [
                check.number,
                check.account,
                check.month or None,
                check.ruleset,
                check.status,
                len(check.differences),
                None if error is None else error.code,
                None if error is None else error.message,
            ],
        )
        for d in check.differences:
            self.file.add(
                "differences",
                [
                    check.number,
                    check.account,
                    check.month or None,
                    d.charge,
                    _text(d.issued),
                    _text(d.recomputed),
                    _text(d.difference),
                    d.rule,
                    d.version,
                    d.note,
                ],
            )

    def close(self) -> None:
        self.file.close()

    def discard(self) -> None:
        self.file.discard()
