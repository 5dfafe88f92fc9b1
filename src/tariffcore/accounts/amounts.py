"""The amounts a ledger may hold: the bounds within which every surcharge is exact."""

from __future__ import annotations

from decimal import Decimal

from ..errors import InputError
from ..money import fraction_digits

__all__ = ["MAX_AMOUNT_DIGITS", "MAX_AMOUNT_PLACES", "check_amount"]

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
