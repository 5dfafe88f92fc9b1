"""Usage from meter reads: roll-over, meter replacement, and refusing what cannot be true.

A reading may give the meter's reads instead of the usage: the usage is then derived here,
exactly, or the reads are refused with a message that says why. Nothing is clamped or guessed:

* ``current`` below ``previous`` is a roll-over only when the meter's digit count is given
  (``meter_digits`` 4: the dial goes 9998, 9999, 0000, 0001, so 9998 → 0003 is 5 m³);
  otherwise it is an error, never a negative usage;
* a read that does not fit the meter's digits (10000 on a 4-digit meter) is an error;
* a replaced meter (계량기 교체) gives the old meter's final read and the new meter's initial
  read; the usage is what each meter counted: ``(old_final - previous) + (current - new_initial)``.
  Neither meter may go backwards across a replacement (no roll-over is inferred there).

The reads travel with the bill (:attr:`tariffcore.Reading.meter`), so the bill shows what its
usage came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from typing import Any

from .errors import InputError
from .money import MONEY_CONTEXT, D, binary_float, format_amount, whole
from .units import USAGE_UNITS

__all__ = [
    "MAX_M3_DIGITS",
    "MAX_M3_PLACES",
    "READ_COLUMNS",
    "MeterReads",
    "check_m3",
    "reading_usage",
    "usage_from_fields",
]


@dataclass(frozen=True, slots=True)
class MeterReads:
    """The reads behind one period's usage, validated on construction.

    ``digits`` is the number of whole-m³ digits the meter's dial shows, when known;
    ``old_final``/``new_initial`` describe a meter replaced during the period (both or neither).
    """

    previous: Decimal
    current: Decimal
    digits: int | None = None
    old_final: Decimal | None = None
    new_initial: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.old_final is None) != (self.new_initial is None):
            given, missing = (
                ("old_final_read", "new_initial_read")
                if self.old_final is not None
                else ("new_initial_read", "old_final_read")
            )
            raise InputError(f"{given} is given without {missing}: a meter replacement needs both")
        if self.digits is not None and not 1 <= whole(self.digits, "meter_digits") <= 12:
            raise InputError(f"meter_digits must be between 1 and 12, not {self.digits}")
        for name, value in self._reads():
            if not value.is_finite() or value < 0:
                raise InputError(f"{name} must be a number of m³ of zero or more, not {format_amount(value)}")
            if self.digits is not None and value >= self.capacity:
                raise InputError(
                    f"{name} {format_amount(value)} has more digits than the meter's "
                    f"{self.digits} (meter_digits)"
                )
        _ = self.usage  # refuses a meter that went backwards

    def _reads(self) -> list[tuple[str, Decimal]]:
        reads = [("previous_read", self.previous), ("current_read", self.current)]
        if self.old_final is not None and self.new_initial is not None:
            reads += [("old_final_read", self.old_final), ("new_initial_read", self.new_initial)]
        return reads

    @property
    def capacity(self) -> Decimal:
        """The read after which the dial rolls over to zero (10 000 for 4 digits)."""
        assert self.digits is not None
        return Decimal(10) ** self.digits

    @property
    def replaced(self) -> bool:
        """Whether the meter was replaced during the period."""
        return self.old_final is not None

    @property
    def rolled_over(self) -> bool:
        """Whether the dial passed zero during the period (never with a replacement)."""
        return not self.replaced and self.current < self.previous

    @property
    def usage(self) -> Decimal:
        """The m³ the meter (or meters) counted over the period."""
        ctx = MONEY_CONTEXT
        if self.old_final is not None and self.new_initial is not None:
            if self.old_final < self.previous:
                raise InputError(
                    f"old_final_read {format_amount(self.old_final)} is below "
                    f"previous_read {format_amount(self.previous)}: the old meter "
                    "cannot have gone backwards"
                )
            if self.current < self.new_initial:
                raise InputError(
                    f"current_read {format_amount(self.current)} is below "
                    f"new_initial_read {format_amount(self.new_initial)}: the new "
                    "meter cannot have gone backwards"
                )
            return ctx.add(
                ctx.subtract(self.old_final, self.previous), ctx.subtract(self.current, self.new_initial)
            )
        if self.current >= self.previous:
            return ctx.subtract(self.current, self.previous)
        if self.digits is None:
            raise InputError(
                f"current_read {format_amount(self.current)} is below previous_read "
                f"{format_amount(self.previous)}: give meter_digits if the meter rolled over, "
                "or old_final_read and new_initial_read if it was replaced"
            )
        return ctx.add(ctx.subtract(self.capacity, self.previous), self.current)

    def describe(self) -> str:
        """The usage in words: ``read 1234 → 1260: 26 m³``."""
        if self.old_final is not None and self.new_initial is not None:
            return (
                f"old meter {format_amount(self.previous)} → {format_amount(self.old_final)}, "
                f"new meter {format_amount(self.new_initial)} → {format_amount(self.current)}: "
                f"{format_amount(self.usage)} m³"
            )
        text = f"read {format_amount(self.previous)} → {format_amount(self.current)}"
        if self.rolled_over:
            text += f" (rolled over at {format_amount(self.capacity)})"
        return f"{text}: {format_amount(self.usage)} m³"


#: Input columns that describe meter reads (see :func:`usage_from_fields`).
READ_COLUMNS = ("previous_read", "current_read", "meter_digits", "old_final_read", "new_initial_read")


#: The widest figure of m³ accepted: 12 digits before the decimal point and 6 after it, far
#: beyond any meter and far below what would stop a bill being exact.
MAX_M3_DIGITS = 12
MAX_M3_PLACES = 6


def check_m3(name: str, number: Decimal, shown: str | None = None, *, places: bool = True) -> None:
    """Refuse a figure of m³ no meter shows, with an :class:`~tariffcore.InputError` naming
    ``name`` and the figure (``shown``, or the number itself, shortened): more than
    :data:`MAX_M3_DIGITS` digits before the decimal point, or, when ``places``, more than
    :data:`MAX_M3_PLACES` after it. Unchecked, 1e999999 would overflow the bill and 1e-999999
    fill it with a million digits. A usage converted exactly from another unit has more
    places than the figure read (0.000001 ccf is 0.0000028316846592 m³): ``places=False``.
    """
    if not number:
        return
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int), "a finite number"
    if number.adjusted() < MAX_M3_DIGITS and not (places and exponent < -MAX_M3_PLACES):
        return
    if shown is None:
        text = str(number)
        shown = text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text):,} characters)"
    after = f" and {MAX_M3_PLACES} after it" if places else ""
    raise InputError(
        f"{name} {shown} is out of range: at most {MAX_M3_DIGITS} digits before the decimal point{after}"
    )


def _number(name: str, value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise InputError(f"{name} must be a number, not {value}")
        return None
    if binary_float(value):
        raise InputError(
            f"{name}: a float cannot carry an exact figure ({value!r}); give it as text or a Decimal"
        )
    text = str(value).strip()
    if not text:
        return None
    try:
        number = D(value if isinstance(value, (int, Decimal)) else text)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {text!r}") from None
    # A reading is a meter figure, not an arbitrary number: refuse what no meter can show.
    check_m3(name, number, repr(text))
    return number


def reading_usage(value: object) -> Decimal:
    """The usage of a :class:`~tariffcore.Reading` as an exact Decimal. A ``float`` or a
    ``bool`` is the caller's wrong type, a :class:`TypeError`, as :func:`~tariffcore.D` says;
    a value no input row could give is an :class:`~tariffcore.InputError`: text that is no
    number, not finite (NaN, Infinity), negative, or out of an input row's range
    (:func:`check_m3`; a usage converted from ccf or kgal has more decimal places, exactly, so
    those are not limited here)."""
    try:
        usage = D(value)
    except TypeError as exc:
        raise TypeError(f"usage_m3: {exc}") from None
    except ValueError:
        shown = value if isinstance(value, Decimal) else repr(value)
        raise InputError(f"usage_m3 must be a finite number, not {shown}") from None
    check_m3("usage_m3", usage, places=False)
    if usage < 0:
        raise InputError(f"usage_m3 cannot be negative ({format_amount(usage)})")
    return usage


def _usage(fields: Mapping[str, Any]) -> Decimal | None:
    """The usage a row states in m³: ``usage_m3``, or ``usage_ccf`` or ``usage_kgal`` converted
    exactly (:mod:`tariffcore.units`); more than one of them is an error."""
    given = [
        (unit, number)
        for unit in USAGE_UNITS
        if (number := _number(f"usage_{unit}", fields.get(f"usage_{unit}"))) is not None
    ]
    if len(given) > 1:
        raise InputError(
            f"the usage is given in {' and '.join(f'usage_{u}' for u, _ in given)}: "
            "give it in one column only"
        )
    if not given:
        return None
    unit, number = given[0]
    if unit == "m3":
        return number
    if number < 0:
        raise InputError(f"usage_{unit} cannot be negative ({format_amount(number)})")
    with localcontext(MONEY_CONTEXT) as ctx:
        ctx.traps[Inexact] = True  # never true at these sizes; a wrong usage must not pass
        m3 = number * USAGE_UNITS[unit]
    if m3.adjusted() >= MAX_M3_DIGITS:  # a figure within the reader's digits, but not its m³
        raise InputError(
            f"usage_{unit} {format_amount(number)} is {format_amount(m3)} m³, out of range: a "
            f"usage has at most {MAX_M3_DIGITS} digits of m³ before the decimal point"
        )
    return m3


def usage_from_fields(fields: Mapping[str, Any]) -> tuple[Decimal, MeterReads | None]:
    """The usage of an input row: ``usage_m3`` (or ``usage_ccf``/``usage_kgal``, converted to
    m³), or derived from its meter reads, or both when they agree. Raises
    :class:`~tariffcore.InputError` naming what is wrong or missing."""
    usage = _usage(fields)
    previous = _number("previous_read", fields.get("previous_read"))
    current = _number("current_read", fields.get("current_read"))
    old_final = _number("old_final_read", fields.get("old_final_read"))
    new_initial = _number("new_initial_read", fields.get("new_initial_read"))
    digits_value = _number("meter_digits", fields.get("meter_digits"))
    if previous is None and current is None:
        if old_final is not None or new_initial is not None:
            raise InputError("a meter replacement needs previous_read and current_read too")
        if usage is None:
            raise InputError("usage_m3 is empty (give usage_m3, or previous_read and current_read)")
        return usage, None
    if previous is None or current is None:
        given, missing = (
            ("previous_read", "current_read") if current is None else ("current_read", "previous_read")
        )
        raise InputError(f"{given} is given without {missing}")
    digits = None
    if digits_value is not None:
        if digits_value != digits_value.to_integral_value():
            raise InputError(f"meter_digits must be a whole number, not {format_amount(digits_value)}")
        digits = int(digits_value)
    reads = MeterReads(previous, current, digits, old_final, new_initial)
    if usage is not None and usage != reads.usage:
        raise InputError(
            f"usage_m3 {format_amount(usage)} disagrees with the meter reads ({reads.describe()})"
        )
    return reads.usage, reads
