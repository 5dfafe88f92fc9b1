"""What goes into a bill (an account and a reading) and what comes out (a frozen Bill).

These are plain frozen dataclasses rather than pydantic models: they are built once per
account in batch runs of hundreds of thousands, and every field is already validated by the
input reader or by the caller's own types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from .errors import InputError
from .money import MONEY_CONTEXT, D, format_amount

__all__ = ["Account", "Bill", "BillLine", "NotIncluded", "Reading", "SourceRef", "TierSlice"]

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Account:
    """A metered account as the ordinance sees it.

    ``household_units`` is the number of households behind the meter; ``None`` means the
    account did not say, and the use class's default applies (1 for a household meter).
    ``reductions`` names reduction ids the account qualifies for; ``attributes`` carries any
    further per-account inputs a ruleset asks for (for example a levy application category).
    """

    id: str
    use_class: str
    meter_mm: int | None = None
    household_units: int | None = None
    reductions: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if not self.use_class:
            raise InputError("use_class is empty")
        if self.meter_mm is not None and self.meter_mm <= 0:
            raise InputError(f"meter_mm must be a positive whole number, not {self.meter_mm}")
        if self.household_units is not None and self.household_units < 0:
            raise InputError(f"household_units cannot be negative ({self.household_units})")


@dataclass(frozen=True, slots=True)
class Reading:
    """One billing period's consumption.

    ``billing_month`` is the first day of the month the bill is issued for (고지월);
    ``period_start``/``period_end`` bound the usage, both inclusive, when known;
    ``due_date`` is the payment due date when the application already knows it.
    """

    usage_m3: Decimal
    billing_month: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    due_date: date | None = None

    def __post_init__(self) -> None:
        usage = D(self.usage_m3)
        if usage < 0:
            raise InputError(f"usage_m3 cannot be negative ({format_amount(usage)})")
        object.__setattr__(self, "usage_m3", usage)
        if self.billing_month is not None and self.billing_month.day != 1:
            object.__setattr__(self, "billing_month", self.billing_month.replace(day=1))
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            raise InputError(
                f"period ends ({self.period_end}) before it starts ({self.period_start})"
            )


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source a line's figures come from (a copy of the ruleset's source entry)."""

    id: str
    title: str
    tag: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class TierSlice:
    """The part of the usage billed at one tier's rate.

    ``lower`` (exclusive) and ``upper`` (inclusive, ``None`` for the open top tier) are the
    tier's bounds after any scaling by households; ``use_class`` is the class whose rate table
    the slice used (it differs from the account's in mixed use).
    """

    tier: int
    lower: Decimal
    upper: Decimal | None
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    use_class: str

    def describe(self) -> str:
        """``household tier 2 (21–30 m³): 10 × 810 = 8100``, ranges as ordinances write them."""
        if self.lower == self.lower.to_integral_value():
            first = format_amount(self.lower + 1)
        else:
            first = f"over {format_amount(self.lower)}"
        if self.upper is not None:
            span = f"{first}–{format_amount(self.upper)} m³"
        else:
            span = "all usage" if self.tier == 1 and self.lower == 0 else f"{first}+ m³"
        return (
            f"{self.use_class} tier {self.tier} ({span}): "
            f"{format_amount(self.quantity)} × {format_amount(self.rate)} = {format_amount(self.amount)}"
        )


@dataclass(frozen=True, slots=True)
class BillLine:
    """One charge on a bill, with everything needed to explain it.

    ``amount`` is ``unrounded`` after ``rounding`` (a description such as ``truncate to 10``,
    or ``None`` when no rounding applied). ``rule`` names the ruleset rule that produced the
    line (``water.general``), ``version`` the ordinance version, ``sources`` where its figures
    come from. ``quantity`` × ``unit_price`` is given where the line is a single rate.
    """

    charge: str
    label: str
    amount: Decimal
    unrounded: Decimal
    rounding: str | None
    rule: str
    version: str
    sources: tuple[SourceRef, ...]
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    slices: tuple[TierSlice, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotIncluded:
    """A charge the ordinance has but the ruleset's data lacks, so the bill leaves it out."""

    charge: str
    reason: str


@dataclass(frozen=True, slots=True)
class Bill:
    """A computed bill. ``total`` is always the exact sum of the lines' amounts."""

    account: str
    ruleset: str
    version: str
    currency: str
    usage_m3: Decimal
    lines: tuple[BillLine, ...]
    total: Decimal
    not_included: tuple[NotIncluded, ...] = ()

    def __post_init__(self) -> None:
        expected = Decimal(0)
        for line in self.lines:
            expected = MONEY_CONTEXT.add(expected, line.amount)
        if expected != self.total:
            raise ValueError(f"bill total {self.total} is not the sum of its lines ({expected})")

    @property
    def label(self) -> str:
        """``ruleset@version`` of the version that billed this account."""
        return f"{self.ruleset}@{self.version}"

    def line(self, charge: str) -> BillLine | None:
        """The line for ``charge``, or ``None`` if the bill has none."""
        for line in self.lines:
            if line.charge == charge:
                return line
        return None
