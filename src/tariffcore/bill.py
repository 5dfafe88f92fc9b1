"""What goes into a bill (an account and a reading) and what comes out (a frozen Bill).

These are plain frozen dataclasses rather than pydantic models: they are built once per
account in batch runs of hundreds of thousands. An account and a reading check their fields'
types and ranges on construction, whoever builds them (an input reader or a caller in Python).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from .errors import InputError
from .meter import MeterReads, reading_usage
from .money import MONEY_CONTEXT, D, format_amount, whole
from .sources import SourceRef

__all__ = [
    "Account",
    "Bill",
    "BillFigures",
    "BillLine",
    "Billed",
    "FigureLine",
    "LinePart",
    "MeterReads",
    "NotIncluded",
    "Reading",
    "ReadingDates",
    "SourceRef",
    "TierSlice",
]

_EMPTY: Mapping[str, str] = MappingProxyType({})
#: A reading's billing month, period start, period end and due date (:attr:`Reading.dates`).
ReadingDates = tuple[date | None, date | None, date | None, date | None]


@dataclass(frozen=True, slots=True)
class Account:
    """A metered account as the ordinance sees it.

    ``meter_mm`` is the meter's size in mm. ``household_units`` is the number of households
    behind the meter (0: a general meter that serves none); ``None``: the use class's default
    (1 for a household meter). ``reductions`` names reduction ids the account qualifies for;
    ``attributes`` carries further inputs a ruleset asks for (a levy application category), as
    text. A wrong type (a ``float`` or a ``bool`` for an ``int``, as :class:`Reading` refuses
    a float) raises :class:`TypeError`, a value out of range :class:`~tariffcore.InputError`.
    """

    id: str
    use_class: str
    meter_mm: int | None = None
    household_units: int | None = None
    reductions: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        _typed(self.id, str, "id")
        if not _typed(self.use_class, str, "use_class"):
            raise InputError("use_class is empty")
        if self.meter_mm is not None and whole(self.meter_mm, "meter_mm") <= 0:
            raise InputError(f"meter_mm must be a positive whole number, not {self.meter_mm}")
        if self.household_units is not None and whole(self.household_units, "household_units") < 0:
            raise InputError(f"household_units cannot be negative ({self.household_units})")
        if isinstance(self.reductions, list):  # kept as a tuple: an account is frozen
            object.__setattr__(self, "reductions", tuple(self.reductions))
        if not isinstance(self.reductions, tuple) or not all(isinstance(r, str) for r in self.reductions):
            raise TypeError(f"reductions must be a tuple (or a list) of ids (str), not {self.reductions!r}")
        pairs = _typed(self.attributes, Mapping, "attributes").items()
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in pairs):
            raise TypeError(f"attributes must map names to text (str to str), not {self.attributes!r}")


_T = TypeVar("_T")


def _typed(value: _T, kind: type, name: str) -> _T:
    """``value`` when it is a ``kind``; a :class:`TypeError` naming the field otherwise."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, not {value!r} ({type(value).__name__})")
    return value


@dataclass(frozen=True, slots=True)
class Reading:
    """One billing period's consumption.

    ``usage_m3`` is exact (never a ``float``), of at most 12 digits before the decimal point,
    as in an input row; ``billing_month`` is the first day of the month the bill is issued for
    (고지월); ``period_start``/``period_end`` bound the usage, both inclusive, when known;
    ``due_date`` is the payment due date when the application already knows it. ``estimated``
    marks usage that was estimated rather than read (추정); ``meter`` holds the reads the usage
    was derived from, when it was (see :meth:`from_reads`). ``months`` is how many months the
    bill covers (2 for a bimonthly bill), ``None`` when the reading does not say and the
    ruleset's billing cycle decides.
    """

    usage_m3: Decimal
    billing_month: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    due_date: date | None = None
    estimated: bool = False
    meter: MeterReads | None = None
    months: int | None = None

    def __post_init__(self) -> None:
        usage = reading_usage(self.usage_m3)
        object.__setattr__(self, "usage_m3", usage)
        for name in ("billing_month", "period_start", "period_end", "due_date"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                object.__setattr__(self, name, value.date())
            elif value is not None:
                _typed(value, date, name)
        _typed(self.estimated, bool, "estimated")
        if self.meter is not None and _typed(self.meter, MeterReads, "meter").usage != usage:
            raise InputError(
                f"usage_m3 {format_amount(usage)} disagrees with the meter reads ({self.meter.describe()})"
            )
        if self.months is not None and whole(self.months, "months") < 1:
            raise InputError(f"months must be a whole number of at least 1, not {self.months}")
        if self.billing_month is not None and self.billing_month.day != 1:
            object.__setattr__(self, "billing_month", self.billing_month.replace(day=1))
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            raise InputError(f"period ends ({self.period_end}) before it starts ({self.period_start})")

    @property
    def dates(self) -> ReadingDates:
        """The billing month, period start, period end and due date."""
        return (self.billing_month, self.period_start, self.period_end, self.due_date)

    @classmethod
    def from_reads(
        cls,
        previous_read: Decimal | int | str,
        current_read: Decimal | int | str,
        *,
        meter_digits: int | None = None,
        old_final_read: Decimal | int | str | None = None,
        new_initial_read: Decimal | int | str | None = None,
        billing_month: date | None = None,
        period_start: date | None = None,
        period_end: date | None = None,
        due_date: date | None = None,
        estimated: bool = False,
    ) -> Reading:
        """A reading whose usage is derived from meter reads (see :mod:`tariffcore.meter`)."""
        reads = MeterReads(
            D(previous_read),
            D(current_read),
            meter_digits,
            None if old_final_read is None else D(old_final_read),
            None if new_initial_read is None else D(new_initial_read),
        )
        return cls(reads.usage, billing_month, period_start, period_end, due_date, estimated, reads)

    @property
    def days(self) -> int | None:
        """Days of usage in the period, both ends included, when the period is known."""
        if self.period_start is None or self.period_end is None:
            return None
        return (self.period_end - self.period_start).days + 1


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
    version: str | None = None

    def describe(self, unit: str = "m³") -> str:
        """``household tier 2 (21–30 m³): 10 × 810 = 8100``, ranges as ordinances write them;
        ``unit`` names the unit of the bounds when the line's quantity is not in m³."""
        if self.lower == self.lower.to_integral_value():
            first = format_amount(self.lower + 1)
        else:
            first = f"over {format_amount(self.lower)}"
        if self.upper is not None:
            span = f"{first}–{format_amount(self.upper)} {unit}"
        else:
            span = "all usage" if self.tier == 1 and self.lower == 0 else f"{first}+ {unit}"
        under = f" [{self.version}]" if self.version is not None else ""
        return (
            f"{self.use_class} tier {self.tier} ({span}){under}: "
            f"{format_amount(self.quantity)} × {format_amount(self.rate)} = {format_amount(self.amount)}"
        )


@dataclass(frozen=True, slots=True)
class LinePart:
    """The days of a split line billed under one version (policy ``split_by_days``).

    ``start``..``end`` (both included) are this version's ``days`` of the period's
    ``period_days``; ``quantity`` is the share of the line's quantity apportioned to them (m³,
    or the fraction of a fixed charge), ``amount`` what that share costs under ``version``
    before the line is rounded. The parts' quantities and amounts sum to the line's.
    """

    version: str
    start: date
    end: date
    days: int
    period_days: int
    quantity: Decimal | None
    amount: Decimal
    unit_price: Decimal | None = None
    slices: tuple[TierSlice, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BillLine:
    """One charge on a bill, with everything needed to explain it.

    ``amount`` is ``unrounded`` after ``rounding`` (a description such as ``truncate to 10``,
    or ``None`` when no rounding applied). ``rule`` names the ruleset rule that produced the
    line (``water.general``), ``version`` the ordinance version, ``sources`` where its figures
    come from. ``quantity`` × ``unit_price`` is given where the line is a single rate.
    A line split by days between versions lists its ``parts``; its ``version`` is then the
    versions joined by ``+`` and its slices carry the version each was billed under.
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
    parts: tuple[LinePart, ...] = ()


@dataclass(frozen=True, slots=True)
class NotIncluded:
    """A charge the ordinance has but the ruleset's data lacks, so the bill leaves it out."""

    charge: str
    reason: str


@dataclass(frozen=True, slots=True)
class Bill:
    """A computed bill. ``total`` is always the exact sum of the lines' amounts.

    ``reading`` is the reading as billed: the input with any billing month or due date the
    ruleset derives filled in, its meter reads and its ``estimated`` flag. ``use_class``,
    ``meter_mm`` and ``household_units`` are the account's as billed (households after the
    use class's default), for reports and notices; ``None`` on a bill made without them.
    ``not_requested`` are the charges of the version left out because the caller asked for
    others only (``charges=``): not computed, apart from ``not_included`` (what the data lacks).
    """

    account: str
    ruleset: str
    version: str
    currency: str
    usage_m3: Decimal
    lines: tuple[BillLine, ...]
    total: Decimal
    not_included: tuple[NotIncluded, ...] = ()
    reading: Reading | None = None
    use_class: str | None = None
    meter_mm: int | None = None
    household_units: int | None = None
    not_requested: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        expected = Decimal(0)
        for line in self.lines:
            expected = MONEY_CONTEXT.add(expected, line.amount)
        if expected != self.total:
            raise ValueError(f"bill total {self.total} is not the sum of its lines ({expected})")

    @property
    def estimated(self) -> bool:
        """Whether the usage billed was estimated rather than read."""
        return self.reading is not None and self.reading.estimated

    @property
    def label(self) -> str:
        """``ruleset@version`` of the version that billed this account."""
        return f"{self.ruleset}@{self.version}"

    def line(self, charge: str) -> BillLine | None:
        """The line for ``charge``, or ``None`` if the bill has none."""
        return next((line for line in self.lines if line.charge == charge), None)


class FigureLine(NamedTuple):
    """A bill line's figures, without its explanation: what a :class:`BillLine` says of the
    charge, its amount, quantity, unit, unit price, rule and version (see
    :class:`BillFigures`)."""

    charge: str
    label: str
    amount: Decimal
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    rule: str
    version: str


_FIGURE_FIELDS = attrgetter(*FigureLine._fields)


class BillFigures:
    """The figures of a bill, without its explanation: every field of :class:`Bill` that
    bulk outputs read (CSV and tables, comparisons of ordinances, re-billing), each the same
    as the bill's, with lines as :class:`FigureLine` (no rounding, unrounded amount, sources,
    tier slices, notes or parts) and no reading but whether it was ``estimated`` and its
    ``dates``: the billing month, period start and end and due date of the bill's reading
    (``None`` for figures made without them).

    Batch runs that need no more give these where a lean bill computes the row (see
    :meth:`tariffcore.BatchEngine.results` with ``lean=True``); the :class:`Bill` itself,
    with its explanation, is what :meth:`tariffcore.Ruleset.bill` gives.
    """

    __slots__ = (
        "account",
        "ruleset",
        "version",
        "currency",
        "usage_m3",
        "lines",
        "total",
        "not_included",
        "estimated",
        "use_class",
        "meter_mm",
        "household_units",
        "not_requested",
        "dates",
    )

    def __init__(
        self,
        account: str,
        ruleset: str,
        version: str,
        currency: str,
        usage_m3: Decimal,
        lines: tuple[FigureLine, ...],
        total: Decimal,
        not_included: tuple[NotIncluded, ...] = (),
        estimated: bool = False,
        use_class: str | None = None,
        meter_mm: int | None = None,
        household_units: int | None = None,
        not_requested: tuple[str, ...] = (),
        dates: ReadingDates | None = None,
    ) -> None:
        self.account = account
        self.ruleset = ruleset
        self.version = version
        self.currency = currency
        self.usage_m3 = usage_m3
        self.lines = lines
        self.total = total
        self.not_included = not_included
        self.estimated = estimated
        self.use_class = use_class
        self.meter_mm = meter_mm
        self.household_units = household_units
        self.not_requested = not_requested
        self.dates = dates

    @classmethod
    def of(cls, bill: Bill) -> BillFigures:
        """The figures of ``bill``."""
        lines = tuple(FigureLine._make(_FIGURE_FIELDS(line)) for line in bill.lines)
        return cls(
            bill.account,
            bill.ruleset,
            bill.version,
            bill.currency,
            bill.usage_m3,
            lines,
            bill.total,
            bill.not_included,
            bill.estimated,
            bill.use_class,
            bill.meter_mm,
            bill.household_units,
            bill.not_requested,
            bill.reading.dates if bill.reading is not None else (None, None, None, None),
        )

    def with_account(self, account: str) -> BillFigures:
        """The same figures for the account ``account``."""
        copy = object.__new__(BillFigures)
        for name in self.__slots__:
            setattr(copy, name, getattr(self, name))
        copy.account = account
        return copy

    @property
    def label(self) -> str:
        """``ruleset@version`` of the version that billed this account."""
        return f"{self.ruleset}@{self.version}"

    def line(self, charge: str) -> FigureLine | None:
        """The line for ``charge``, or ``None`` if the bill has none."""
        return next((line for line in self.lines if line.charge == charge), None)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BillFigures) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"BillFigures({self.label}, account={self.account!r}, total={self.total})"


#: A bill, or its figures (what bulk outputs read of it).
Billed = Bill | BillFigures
