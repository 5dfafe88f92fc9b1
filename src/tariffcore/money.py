"""Exact money: one Decimal constructor and the named rounding rules ordinances use.

Every amount and quantity in tariffcore is a :class:`~decimal.Decimal` from the moment it is
read. Rounding happens only where a ruleset declares it, through :class:`Rounding`, and all
arithmetic of a bill runs inside :data:`MONEY_CONTEXT` so that a caller's global decimal
context (say, a low precision) can never change a bill.
"""

from __future__ import annotations

import decimal
import functools
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final, ParamSpec, TypeVar

__all__ = [
    "D",
    "MINOR_UNITS",
    "MONEY_CONTEXT",
    "ROUNDING_METHODS",
    "ZERO",
    "Rounding",
    "at_scale",
    "binary_float",
    "exact_difference",
    "format_amount",
    "format_money",
    "fraction_digits",
    "in_money_context",
    "minor_unit",
    "money_sum",
    "plain",
    "whole",
]

#: The context every bill is computed in: wide enough for any water bill, exact otherwise.
MONEY_CONTEXT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

#: Rounding methods a ruleset may name, mapped to :mod:`decimal` modes.
#: ``truncate`` is Korean 절사 (drop the digits below the unit, toward zero).
ROUNDING_METHODS: Final[dict[str, str]] = {
    "truncate": decimal.ROUND_DOWN,
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}

_ONE = Decimal(1)
#: Zero, the one constant every module adds from.
ZERO: Final = Decimal(0)


def binary_float(value: object) -> bool:
    """Whether ``value`` is a binary floating-point number (a ``float``, a NumPy floating
    scalar), which cannot carry an exact decimal figure; integers and decimals are not.

    >>> binary_float(1.5), binary_float(2), binary_float(Decimal("1.5"))
    (True, False, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational)


def D(value: object) -> Decimal:
    """Return ``value`` as an exact Decimal.

    Accepts ``Decimal``, ``int`` and ``str`` (surrounding blanks allowed). A ``float`` is
    refused: it has already lost the exact figure the ordinance wrote. ``bool`` is refused too.

    >>> D("12.30")
    Decimal('12.30')
    >>> D(7)
    Decimal('7')
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(f"float {value!r} refused: pass money and quantities as str, int or Decimal")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            number = Decimal(text)
        except decimal.InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return number
    raise TypeError(f"not a number: {value!r} ({type(value).__name__})")


def whole(value: object, name: str) -> int:
    """Return ``value``, a count or a size, as an ``int``: what :func:`D` is to amounts.

    An integer of any integral type (``int``, a NumPy integer) is taken as it is. A ``float``
    is refused as :func:`D` refuses it, even ``2.0``, and so are a ``bool`` (``True`` is not a
    count) and text (``"13"``, which the input readers parse before it gets here): a
    :class:`TypeError` naming ``name``, since the caller passed the wrong type.

    >>> whole(13, "meter_mm")
    13
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, not {value!r} ({type(value).__name__})")
    return int(value)


@dataclass(frozen=True, slots=True)
class Rounding:
    """A named rounding rule: round to a multiple of ``unit`` by ``method``.

    ``Rounding(Decimal(10), "truncate")`` is 10원 미만 절사; ``Rounding(Decimal("0.1"),
    "half_up")`` keeps a levy unit price to 0.1 won, rounding half up.
    """

    unit: Decimal
    method: str

    def __post_init__(self) -> None:
        if self.method not in ROUNDING_METHODS:
            raise ValueError(
                f"unknown rounding method {self.method!r}; use one of {', '.join(sorted(ROUNDING_METHODS))}"
            )
        if not self.unit > 0:
            raise ValueError(f"rounding unit must be positive, not {self.unit}")

    def apply(self, value: Decimal) -> Decimal:
        """Round ``value`` to a multiple of the unit, exactly, by the declared method."""
        ctx = MONEY_CONTEXT
        steps = ctx.divide(value, self.unit).quantize(_ONE, rounding=ROUNDING_METHODS[self.method])
        result = ctx.multiply(steps, self.unit)
        # Show the result with the unit's own exponent: 1234 truncated to 10 is 1230, not 1.23E+3.
        exponent = self.unit.as_tuple().exponent
        places = min(exponent, 0) if isinstance(exponent, int) else 0
        return result.quantize(Decimal(1).scaleb(places), context=ctx)

    def describe(self) -> str:
        """The rule in words, as a bill line shows it: ``truncate to 10``."""
        return f"{self.method.replace('_', '-')} to {format_amount(self.unit)}"


def format_amount(value: Decimal) -> str:
    """Format a Decimal as a plain string, never in exponent notation (``1E+3`` is ``1000``)."""
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def plain(value: Decimal) -> Decimal:
    """``19800.00`` → ``19800``: the same number without trailing zeros (never an exponent)."""
    _, digits, written = value.as_tuple()
    if not isinstance(written, int):
        return value
    # as many digits as the value has written out: exact, whatever the caller's context
    context = decimal.Context(
        prec=len(digits) + max(written, 0) + 1, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
    )
    normal = value.normalize(context)
    exponent = normal.as_tuple().exponent
    return normal.quantize(_ONE, context=context) if isinstance(exponent, int) and exponent > 0 else normal


def money_sum(values: Iterable[Decimal]) -> Decimal:
    """The sum of ``values`` in :data:`MONEY_CONTEXT`, whatever the caller's decimal context."""
    total = ZERO
    for value in values:
        total = MONEY_CONTEXT.add(total, value)
    return total


def exact_difference(a: Decimal, b: Decimal, most_digits: int = 1000) -> Decimal:
    """``a − b`` exactly, however large or fine the two are, whatever the caller's context.

    The precision is the number of digits the difference can need; a difference that would
    need more than ``most_digits`` digits written out raises :class:`ValueError`.
    """
    if not (a.is_finite() and b.is_finite()):
        raise ValueError(f"not a finite number: {a if not a.is_finite() else b}")
    # the digits written out: from the higher leading digit (or the units) down to the lower
    # last exponent (or the units), and two to spare
    top = max(a.adjusted() if a else 0, b.adjusted() if b else 0, 0)
    digits = top - min(int(a.as_tuple().exponent), int(b.as_tuple().exponent), 0) + 2
    if digits > most_digits:
        raise ValueError(
            f"the difference of {_short(a)} and {_short(b)} has more than {most_digits:,} digits"
        )
    return _exact_context(digits).subtract(a, b)


@functools.lru_cache(maxsize=64)
def _exact_context(digits: int) -> decimal.Context:
    """A context of ``digits`` digits that traps any rounding (made once per precision: the
    flags it sets do not change what it computes)."""
    return decimal.Context(
        prec=digits,
        rounding=decimal.ROUND_HALF_EVEN,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow],
    )


def _short(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}…{text[-10:]}"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_money_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function``, run in :data:`MONEY_CONTEXT` whatever the caller's decimal context."""

    @functools.wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(MONEY_CONTEXT):
            return function(*args, **kwargs)

    return run


#: ISO 4217 minor units (digits after the decimal point) of the currencies rulesets use: no
#: bill line, total or late fee may carry a fraction of the minor unit.
MINOR_UNITS: Final = MappingProxyType(
    {"KRW": 0, "JPY": 0, "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "CNY": 2}
)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``1`` for KRW, ``0.01`` for USD.

    >>> minor_unit("USD")
    Decimal('0.01')
    """
    unit = _UNITS.get(currency)
    if unit is None:
        raise ValueError(
            f"currency {currency!r} has no minor unit known to tariffcore (known: {', '.join(MINOR_UNITS)})"
        )
    return unit


_UNITS: Final = {code: _ONE.scaleb(-digits) for code, digits in MINOR_UNITS.items()}


def at_scale(amount: Decimal, currency: str) -> Decimal | None:
    """``amount`` written at the scale of ``currency`` (``17000.0`` KRW → ``17000``, ``12.5``
    USD → ``12.50``), or ``None`` when it holds a fraction of the minor unit (``43477.5`` KRW).

    >>> at_scale(Decimal("17000.00"), "KRW"), at_scale(Decimal("12.5"), "USD")
    (Decimal('17000'), Decimal('12.50'))
    """
    unit = minor_unit(currency)
    if amount.as_tuple().exponent == -MINOR_UNITS[currency]:
        return amount
    scaled = amount.quantize(unit, context=MONEY_CONTEXT)
    if scaled != amount:
        return None
    return scaled if scaled else _ZERO_AT[currency]


_ZERO_AT: Final = {code: ZERO.scaleb(-digits) for code, digits in MINOR_UNITS.items()}


def format_money(amount: Decimal, currency: str) -> str:
    """``amount`` as text at the scale of ``currency`` (``17000``, ``12.50``); an amount that
    holds a fraction of the minor unit is written exactly as it is (it is never rounded here)."""
    digits = MINOR_UNITS.get(currency)
    if digits is None:
        return format_amount(amount)
    if amount.is_finite():  # written with the currency's decimals already (the common case)
        text = format(amount, "f")
        point = text.find(".")
        if (point < 0 and digits == 0) or (point >= 0 and len(text) - point - 1 == digits):
            return "0" if text in ("-0", "-0.0") else text
    scaled = at_scale(amount, currency)
    return format_amount(amount if scaled is None else scaled)


def fraction_digits(value: Decimal) -> int:
    """How many digits a finite ``value`` has after the decimal point, trailing zeros not
    counted (``1.50`` has 1, ``100`` and ``1E+2`` have 0)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    trailing = 0
    for digit in reversed(digits):
        if digit:
            break
        trailing += 1
    return max(0, -exponent - trailing)
