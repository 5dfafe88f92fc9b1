"""The amounts a ledger may hold: the bounds within which every surcharge is exact, and the
scale of the currency they are money of."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..errors import InputError
from ..money import MINOR_UNITS, at_scale, format_amount, fraction_digits, minor_unit

__all__ = ["MAX_AMOUNT_DIGITS", "MAX_AMOUNT_PLACES", "at_currency_scale", "check_amount"]

#: The widest amount a ledger may hold: 15 digits before the decimal point and 6 after it
#: (trailing zeros do not count). Within it, every surcharge is computed exactly.
MAX_AMOUNT_DIGITS = 15
MAX_AMOUNT_PLACES = 6


def check_amount(what: str, value: Decimal) -> None:
    """Refuse an amount no ledger holds (an :class:`~tariffcore.InputError` naming ``what``):
    not a finite number, or beyond :data:`MAX_AMOUNT_DIGITS` and :data:`MAX_AMOUNT_PLACES`."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InputError(f"{what} is not an amount: {value!r}")
    if not value:
        return
    if value.adjusted() >= MAX_AMOUNT_DIGITS or fraction_digits(value) > MAX_AMOUNT_PLACES:
        text = str(value)
        shown = text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text):,} characters)"
        raise InputError(
            f"{what} {shown} is out of range: an amount has at most {MAX_AMOUNT_DIGITS} digits "
            f"before the decimal point and {MAX_AMOUNT_PLACES} after it"
        )


def at_currency_scale(amounts: Sequence[tuple[str, Decimal]], currency: str) -> list[Decimal]:
    """Each of ``amounts`` (what it is, and an amount :func:`check_amount` let through) written
    at the scale of ``currency``, as a bill's amounts are: ``52000.00`` KRW is ``52000``,
    ``12.5`` USD is ``12.50``. An amount with a fraction of the currency's minor unit
    (``52000.5`` KRW) is no sum anyone owes or pays, and every surcharge and total computed
    from it would carry the fraction: one :class:`~tariffcore.InputError` names each such
    amount, its value and the currency's scale."""
    scaled = [at_scale(value, currency) for _, value in amounts]
    wrong = [
        f"{what} {format_amount(value)}"
        for (what, value), done in zip(amounts, scaled, strict=True)
        if done is None
    ]
    if wrong:
        digits = MINOR_UNITS[currency]
        places = f"{digits} decimal place{'s' if digits > 1 else ''}" if digits else "no decimal places"
        unit = f"{format_amount(minor_unit(currency))} {currency}"
        raise InputError(
            "; ".join(
                f"{amount} {currency} holds a fraction of the currency's minor unit ({unit}): "
                f"{currency} amounts have {places}"
                for amount in wrong
            )
        )
    return [value for value in scaled if value is not None]
