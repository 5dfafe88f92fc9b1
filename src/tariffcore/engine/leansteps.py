"""The steps of a lean bill (:mod:`tariffcore.engine.lean`): each charge specialised to the
account, with what it wrote last, and the room lean bills share to keep what they wrote."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..charges import LeanCharge
from ..money import ROUNDING_METHODS, Rounding, format_amount
from ..rows import LineTemplate

__all__ = ["Room", "Step", "plain_text"]

_ONE = Decimal(1)
Round = Callable[[Decimal], Decimal]


def _rounder(rounding: Rounding | None) -> tuple[Round | None, str | None]:
    """``rounding.apply``, or (``None`` and) the rounding mode of the one quantize it comes to
    for a unit of exactly 1 (whose results are whole, written without a fraction)."""
    if rounding is None:
        return None, None
    if rounding.unit == 1 and rounding.unit.as_tuple().exponent == 0:
        return None, ROUNDING_METHODS[rounding.method]
    return rounding.apply, None


def plain_text(value: Decimal) -> str:
    """:func:`~tariffcore.money.format_amount` of ``value``: ``str`` where it writes the same
    (no exponent, no sign), which is the common case and the cheaper one."""
    text = str(value)
    return format_amount(value) if text[0] == "-" or "E" in text else text


class Step:
    """One charge of a lean bill, with what it wrote last: a charge that gives the very same
    result again (a fixed charge) is not rounded or written again, and the end of its line
    (unit, unit price, rule, version) is kept while they stay the same."""

    __slots__ = (
        "kernel",
        "label",
        "version",
        "apply",
        "mode",
        "exact",
        "template",
        "head",
        "found",
        "amount",
        "line",
        "rule",
        "unit",
        "price",
        "rest",
        "kept",
        "figure",
        "cell",
        "rules",
    )

    def __init__(
        self,
        kernel: LeanCharge,
        rounding: Rounding | None,
        exact: bool,
        template: LineTemplate,
        label: str = "",
        version: str = "",
    ):
        self.kernel = kernel
        self.label = label
        self.version = version
        self.apply, self.mode = _rounder(rounding)
        #: Whether every amount is at the currency's scale once rounded (no check needed).
        self.exact = exact and self.mode is not None
        self.template = template
        self.head = template.head.encode()
        self.found: Any = None
        self.amount = _ONE
        self.line = b""
        self.rule: Any = None
        self.unit: Any = None
        self.price: Any = None
        self.rest = b""
        self.kept: Any = None  # the last result made into a figure line, and that line
        self.figure: Any = None
        self.cell: str | None = None  # the amount of that figure line as a CSV of bills writes it
        self.rules: dict[str, str] = {}

    def end(self, rule: str, unit: str | None, price: Decimal | None) -> bytes:
        """The end of the line for ``rule``, ``unit`` and ``price`` (kept for the next bill)."""
        self.rule, self.unit, self.price = rule, unit, price
        self.rest = self.template.rest(unit, None if price is None else plain_text(price), rule).encode()
        return self.rest


class Room:
    """The bytes of text lean bills may still keep of the lines they wrote (see
    :meth:`LeanBill.render`); lean bills given the same room share it."""

    __slots__ = ("left",)

    def __init__(self, size: int = 0) -> None:
        self.left = size
