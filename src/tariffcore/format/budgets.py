"""Ruleset files are untrusted input: the budgets a file must keep to be read at all.

A rules directory may hold a file nobody reviewed. Reading one must take bounded time and
memory and end in ``path:line:col`` problems, never in a traceback, a hang or a bill that
overflows later. The budgets (documented in ``docs/checking.md``) are far above what any
ordinance needs — the largest bundled or OWRS file is about 30 KB, 2,000 values and 8 levels
deep:

=============================== ==============================================================
:data:`MAX_FILE_BYTES`          1 MiB per file
:data:`MAX_DEPTH`               32 levels of nested mappings and lists
:data:`MAX_NODES`               100,000 values per file, counting each use of an alias anew
                                (an "alias bomb" of nested aliases stops here)
:data:`MAX_WHOLE_DIGITS`        a number below 10¹⁵ in size …
:data:`MAX_PLACES`              … with at most 12 digits after the decimal point
=============================== ==============================================================

Numbers within these bounds keep every bill exact in :data:`tariffcore.money.MONEY_CONTEXT`
(60 digits): a usage of at most 12 + 6 digits times a rate of at most 15 + 12 digits, times
the days of a period, stays well inside it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Final

from ..errors import Problem, RulesetError
from ..money import fraction_digits

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_PLACES",
    "MAX_WHOLE_DIGITS",
    "number_problem",
    "read_rule_text",
]

MAX_FILE_BYTES: Final = 1 << 20
MAX_DEPTH: Final = 32
MAX_NODES: Final = 100_000
MAX_WHOLE_DIGITS: Final = 15
MAX_PLACES: Final = 12


def read_rule_text(path: str | Path, name: str | None = None) -> str:
    """The text of the rule file ``path`` (UTF-8), or a :class:`RulesetError` at the place that
    makes it unreadable: larger than :data:`MAX_FILE_BYTES`, or a byte that is not UTF-8 (at
    its line and column)."""
    where = name if name is not None else str(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RulesetError([Problem(where, 1, 1, f"cannot be read: {exc.strerror or exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise RulesetError(
            [
                Problem(
                    where,
                    1,
                    1,
                    f"the file is larger than {MAX_FILE_BYTES:,} bytes, the most a rule file may be",
                )
            ]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", errors="replace")) + 1
        raise RulesetError(
            [
                Problem(
                    where,
                    line,
                    column,
                    f"cannot be read as UTF-8 text: byte 0x{data[exc.start]:02x} ({exc.reason}); "
                    "save the file as UTF-8",
                )
            ]
        ) from None


def number_problem(value: Decimal | int, written: str) -> str | None:
    """Why the number ``value`` (written ``written``) cannot be billed, or ``None``.

    A number must be below 10¹⁵ in size and have at most 12 digits after the decimal point
    (trailing zeros do not count): anything beyond would overflow or lose digits in a bill.
    """
    number = Decimal(value)
    if len(written) > 60:
        written = f"{written[:30]}…{written[-10:]} ({len(written):,} characters)"
    if not number:
        return None
    if number.adjusted() >= MAX_WHOLE_DIGITS:
        return f"{written!r} is too large to bill: a number must be below 10^{MAX_WHOLE_DIGITS}"
    if fraction_digits(number) > MAX_PLACES:
        return (
            f"{written!r} is too small or too fine to bill: a number may have at most "
            f"{MAX_PLACES} digits after the decimal point"
        )
    return None
