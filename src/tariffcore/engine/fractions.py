"""Charges that can come to a fraction of the currency's minor unit with no rounding declared.

A bill line that holds a fraction of a won (or a cent) is an error row at bill time
(:mod:`tariffcore.engine.amounts`). This finds, when a version is compiled, the charges that
can get there: a figure with digits below the minor unit (a rate of 117.5 won), a coefficient
(``factors``), or a fixed amount shared by days (``split_by_days``), in a charge for which
neither the charge nor the version declares a rounding. Usage is taken in whole m³ here: a
fractional usage can make any rate yield a fraction, which the bill then reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..money import minor_unit

__all__ = ["fraction_reason"]

#: Keys whose numbers are quantities (m³, months, days, households), not money.
_QUANTITIES = frozenset({"upto", "per_household", "volume", "tier", "unit", "days", "months"})


def _money_figures(value: Any, key: str | None = None) -> Iterator[Decimal]:
    if key in _QUANTITIES or key == "rounding":
        return
    if isinstance(value, Decimal):
        yield value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield Decimal(value)
    elif isinstance(value, dict):
        for inner, item in value.items():
            yield from _money_figures(item, str(inner))
    elif isinstance(value, list):
        for item in value:
            yield from _money_figures(item, key)


def _has_factors(value: Any) -> bool:
    if isinstance(value, dict):
        return "factors" in value or any(_has_factors(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_factors(item) for item in value)
    return False


def fraction_reason(entry: Any, currency: str, split: bool) -> str | None:
    """Why the charge written as ``entry`` (its YAML data) can come to a fraction of the minor
    unit of ``currency``, or ``None``. ``split``: the charge is billed in parts by days."""
    unit = minor_unit(currency)
    if _has_factors(entry):
        return "its unit price is derived from coefficients ('factors')"
    for figure in _money_figures(entry):
        if figure % unit:
            return f"the figure {figure} has digits below the minor unit of {currency}"
    if split:
        return "a period split by days bills a fraction of each figure"
    return None
