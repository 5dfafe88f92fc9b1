"""Exact numbers for OWRS bills: rationals from the digits written, bounded, shown as decimals.

OWRS formulas divide (``indoor*(1/748)``) and usage may arrive in another unit than the file's
(m³ → ccf is not a terminating decimal), so a bill is computed over :class:`~fractions.Fraction`
— exact rational arithmetic, never a float — and an amount becomes a
:class:`~decimal.Decimal` only when it is written on a bill line, rounded to the cent there.

Every number read (a literal in a formula, a YAML number, a data value) is bounded in digits and
exponent, and every intermediate result in size, so a hostile file or row cannot make a bill
slow or huge: it gets a clear error instead.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from fractions import Fraction

__all__ = [
    "MAX_DIGITS",
    "MAX_BITS",
    "ExactError",
    "cents",
    "check_size",
    "checked",
    "from_yaml",
    "is_terminating",
    "literal",
    "r_text",
    "round_half_even",
    "shown",
    "to_decimal",
]

#: The most digits a number written in a file or a row may have.
MAX_DIGITS = 40
#: The largest numerator or denominator (in bits) a value may reach during a bill: about 150
#: decimal digits, far beyond any water bill and far below anything slow.
MAX_BITS = 500

_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


class ExactError(ValueError):
    """A number too long or too large to be a rate, a quantity or an amount."""


def literal(text: str) -> Fraction:
    """The exact value of a plain decimal numeral (``12``, ``-0.5``, ``.85``; no exponent)."""
    written = text.strip()
    if not _PLAIN.match(written):
        raise ExactError(f"{text!r} is not a plain decimal number")
    if sum(char.isdigit() for char in written) > MAX_DIGITS:
        raise ExactError(f"the number {written[:20]}… has more than {MAX_DIGITS} digits")
    return Fraction(written)


def checked(value: object) -> int | Decimal:
    """A YAML number (``int`` or :class:`~decimal.Decimal`, as tariffcore's reader gives them),
    once it is small enough to be a rate, a quantity or an amount."""
    if isinstance(value, bool):
        raise ExactError("true/false is not a number")
    if isinstance(value, int):
        if value.bit_length() > MAX_BITS // 4:
            raise ExactError("the whole number has too many digits to be a rate or an amount")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ExactError(f"{value} is not a finite number")
        _, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if len(digits) > MAX_DIGITS or not -MAX_DIGITS <= exponent <= MAX_DIGITS:
            raise ExactError(f"the number {value} is too long or too large to be a rate or an amount")
        return value
    raise ExactError(f"{value!r} is not a number")


def from_yaml(value: object) -> Fraction:
    """A YAML number as a bounded rational (see :func:`checked`)."""
    return Fraction(checked(value))


def check_size(value: Fraction) -> Fraction:
    """``value``, once its numerator and denominator are within :data:`MAX_BITS`."""
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise ExactError(
            "a value of the bill grew beyond 150 digits; the formulas multiply or "
            "divide too much to be a tariff"
        )
    return value


def round_half_even(value: Fraction) -> int:
    """R's ``round(x)``: the nearest whole number, a half going to the even one."""
    return round(value)  # Fraction.__round__ rounds half to even, exactly


def is_terminating(value: Fraction) -> bool:
    """Whether ``value`` has a finite decimal expansion (its denominator is 2^a·5^b)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def to_decimal(value: Fraction, places: int = 30) -> Decimal:
    """``value`` as a Decimal: exact when its expansion terminates within ``places`` decimals;
    otherwise its first ``places`` decimals followed by a 5, which lies strictly between the
    neighbouring ``places``-decimal numbers, so that rounding it to any coarser unit (a cent)
    gives the same result as rounding ``value`` itself — the Decimal is never exactly on a
    rounding boundary the true value is not on."""
    scaled = value * 10**places
    if scaled.denominator == 1:
        whole, exponent = scaled.numerator, places
        while exponent and whole % 10 == 0:
            whole, exponent = whole // 10, exponent - 1
        return Decimal(f"{whole}E-{exponent}")  # from text: exact, whatever the context
    floor = scaled.numerator // scaled.denominator  # rounds toward -infinity
    # strictly between floor and floor + 1, in units of 10^-(places+1)
    return Decimal(f"{floor * 10 + 5}E-{places + 1}")


def r_text(value: Fraction) -> str:
    """``value`` as R prints a number into text (``as.character``): ``1`` not ``1.0``, up to
    15 significant digits."""
    if value.denominator == 1:
        return str(value.numerator)
    with localcontext() as ctx:
        ctx.prec = 15
        number = Decimal(value.numerator) / Decimal(value.denominator)
    text = format(number.normalize(), "f")
    return text


def cents(value: Fraction) -> Decimal:
    """``value`` rounded to the cent, half to even (R's ``round(x, 2)`` on an exact value)."""
    return Decimal(round(value * 100)).scaleb(-2)


def shown(value: Fraction, places: int = 10) -> str:
    """``value`` for a person: exact when its decimals end within 30 places, else to
    ``places`` decimals followed by ``…``."""
    if is_terminating(value):
        exact = to_decimal(value)
        if len(exact.as_tuple().digits) <= 40:
            return format(exact, "f")
    rounded = Decimal(round(value * 10**places)).scaleb(-places)
    return format(rounded.normalize(), "f") + "…"
