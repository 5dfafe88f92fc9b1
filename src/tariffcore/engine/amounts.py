"""Amounts in whole minor units: no line of a bill carries a fraction of the currency's smallest
unit (a won, a cent), and every amount is written at the currency's scale.

A ruleset declares how odd amounts are rounded (``rounding:`` of a version, a charge or a
reduction). A line that still holds a fraction after its declared rounding, or that has none,
fails the row with code ``undeclared_rounding``: rounding it here would be a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..bill import BillLine
from ..errors import UndeclaredRoundingError
from ..money import at_scale, format_amount, minor_unit

__all__ = ["whole_lines"]


def whole_lines(lines: Sequence[BillLine], ruleset: str, currency: str) -> tuple[BillLine, ...]:
    """``lines`` with every amount at the scale of ``currency``; a line holding a fraction of
    its minor unit is a :class:`~tariffcore.BillingError` (code ``undeclared_rounding``)."""
    out: list[BillLine] = []
    for line in lines:
        scaled = at_scale(line.amount, currency)
        if scaled is None:
            unit = format_amount(minor_unit(currency))
            why = (
                f"its declared rounding ({line.rounding}) leaves a fraction"
                if line.rounding is not None
                else "the ruleset declares no rounding for it"
            )
            raise UndeclaredRoundingError(
                f"{ruleset}@{line.version} {line.charge}: the line comes to "
                f"{format_amount(line.amount)} {currency}, a fraction of the currency's minor "
                f"unit ({unit} {currency}), and {why}; the ruleset must say how the ordinance "
                "rounds it ('rounding:')"
            )
        out.append(line if scaled is line.amount else replace(line, amount=scaled))
    return tuple(out)
