"""Splitting a billing period between ordinance versions by days (policy ``split_by_days``).

When a version that declares ``effective.policy: split_by_days`` takes effect inside a usage
period, each version bills the days of the period it is in force on. A version with ``d`` of
the period's ``N`` days gets, for every charge selected by usage date:

* a share of the usage, the tier bounds and any allowance (m³), and
* a share of each fixed charge (the fraction of the period),

each apportioned by :func:`apportion`: the *cumulative* share up to the end of a part is
``whole × (days so far) / N`` rounded by the version's declared rule (never past the whole),
and a part is the difference between its cumulative share and the previous part's. So the parts
are never negative and always sum to the whole exactly, whatever the rounding; the last part
simply ends at the whole. Example: 31 m³ over 62 days, 16 of them before the change, rounded
half-up to 1 m³: the first part is round(31 × 16 / 62) = round(8) = 8 m³, the second 31 − 8 = 23.

A period inside one version is never split, so it bills the same under either policy.

:func:`period_months` counts the months a period covers, for the billing cycle (see
``docs/levies-reductions-cycles.md``): meter readings rarely fall on the 1st, so a period is
``N`` months when the day after it lies within :data:`MONTH_TOLERANCE_DAYS` days of the same
day ``N`` calendar months after its first day.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Generic, TypeVar

from .money import MONEY_CONTEXT, ZERO, Rounding, format_amount

__all__ = [
    "MONTH_TOLERANCE_DAYS",
    "DayShare",
    "Segment",
    "apportion",
    "cumulative_share",
    "period_months",
    "segments",
]

T = TypeVar("T")

_DAY = timedelta(days=1)
_ONE = Decimal(1)


def cumulative_share(whole: Decimal, days: int, total_days: int, rounding: Rounding) -> Decimal:
    """``whole × days / total_days`` rounded by ``rounding``, never above ``whole``.

    The first and last points are exact: 0 days give 0 and all days give ``whole``.
    """
    if days <= 0:
        return ZERO
    if days >= total_days:
        return whole
    ctx = MONEY_CONTEXT
    share = rounding.apply(ctx.divide(ctx.multiply(whole, days), total_days))
    return whole if share > whole else share


def apportion(whole: Decimal, days: Sequence[int], rounding: Rounding) -> tuple[Decimal, ...]:
    """Split ``whole`` into parts proportional to ``days``; the parts sum to ``whole`` exactly.

    >>> from tariffcore.money import Rounding
    >>> apportion(Decimal(31), [16, 46], Rounding(Decimal(1), "half_up"))
    (Decimal('8'), Decimal('23'))
    >>> apportion(Decimal(1), [16, 15], Rounding(Decimal("0.0001"), "half_up"))
    (Decimal('0.5161'), Decimal('0.4839'))
    """
    total = sum(days)
    parts = []
    before = ZERO
    elapsed = 0
    for count in days:
        elapsed += count
        upto = cumulative_share(whole, elapsed, total, rounding)
        parts.append(MONEY_CONTEXT.subtract(upto, before))
        before = upto
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class DayShare:
    """One part of a split period, as a charge sees it while billing that part.

    The part covers ``days`` of the period's ``total_days``, after ``before`` days of earlier
    parts. :meth:`m3` gives this part's share of any quantity of m³ (tier bound, allowance);
    :attr:`fixed` its share of a fixed charge.
    """

    before: int
    days: int
    total_days: int
    m3_rounding: Rounding
    fixed_rounding: Rounding

    def m3(self, whole: Decimal) -> Decimal:
        """This part's share of ``whole`` m³ (a tier bound, an allowance, the usage)."""
        rounding = self.m3_rounding
        start = cumulative_share(whole, self.before, self.total_days, rounding)
        end = cumulative_share(whole, self.before + self.days, self.total_days, rounding)
        return MONEY_CONTEXT.subtract(end, start)

    @property
    def fixed(self) -> Decimal:
        """This part's fraction of a fixed charge for the whole period."""
        rounding = self.fixed_rounding
        start = cumulative_share(_ONE, self.before, self.total_days, rounding)
        end = cumulative_share(_ONE, self.before + self.days, self.total_days, rounding)
        return MONEY_CONTEXT.subtract(end, start)

    def describe(self, whole: Decimal) -> str:
        """How ``whole`` m³ was apportioned to this part, in words."""
        return (
            f"{format_amount(whole)} m³ × days {self.before + 1}–{self.before + self.days} "
            f"of {self.total_days}, {self.m3_rounding.describe()} cumulatively: "
            f"{format_amount(self.m3(whole))} m³"
        )


@dataclass(frozen=True, slots=True)
class Segment(Generic[T]):
    """The days ``start``..``end`` (both included) of a period during which ``item`` is in force."""

    item: T
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def segments(
    ranges: Sequence[tuple[T, date, date | None]], start: date, end: date
) -> tuple[list[Segment[T]], list[tuple[date, date]]]:
    """Cut ``start``..``end`` into the runs of days each item's range covers.

    ``ranges`` are (item, first day, last day or ``None``) in order and not overlapping.
    Returns the segments in date order and the runs of days no item covers.
    """
    found: list[Segment[T]] = []
    for item, first, last in ranges:
        lo = max(first, start)
        hi = end if last is None else min(last, end)
        if lo <= hi:
            found.append(Segment(item, lo, hi))
    gaps: list[tuple[date, date]] = []
    day = start
    for segment in found:
        if segment.start > day:
            gaps.append((day, segment.start - _DAY))
        if segment.end == date.max:  # the last day of the calendar: nothing can follow it
            return found, gaps
        day = segment.end + _DAY
    if day <= end:
        gaps.append((day, end))
    return found, gaps


#: How far (in days, either way) a period's end may fall from a whole number of calendar months
#: after its start and still count as those months: a reading route moves by a few days.
MONTH_TOLERANCE_DAYS: Final = 7


def period_months(start: date, end: date) -> int | None:
    """The whole months the period ``start``..``end`` (both included) covers, or ``None``.

    The period is ``N`` months (``N`` ≥ 1) when the day after ``end`` is within
    :data:`MONTH_TOLERANCE_DAYS` days of ``start`` + ``N`` calendar months (a day past a
    month's end is its last day). So 2025-03-15..2025-04-14 and 2025-02-01..2025-02-28 are one
    month, 2025-03-01..2025-04-30 two; a period of 20 days or less, or one between
    whole months (2025-03-01..2025-04-15), is ``None``. The windows of successive ``N`` never
    overlap (a month has at least 28 days), so ``N`` is unique.

    >>> period_months(date(2025, 3, 15), date(2025, 4, 14))
    1
    >>> period_months(date(2021, 12, 1), date(2022, 1, 31))
    2
    >>> period_months(date(2025, 3, 1), date(2025, 4, 15)) is None
    True
    """
    after = end.toordinal() + 1  # the day after ``end``, as a number: 9999-12-31 has one too
    # start + (months) calendar months falls before the month of ``end`` for every count below
    # this one, so no whole number of months is passed over by starting here.
    months = max(1, (end.year - start.year) * 12 + end.month - start.month - 1)
    while True:
        gap = after - _months_later(start, months)
        if abs(gap) <= MONTH_TOLERANCE_DAYS:
            return months
        if gap < 0:
            return None
        months += 1


#: Days in 400 years of the Gregorian calendar: its leap years repeat with that period.
_DAYS_IN_400_YEARS: Final = 146_097


def _months_later(start: date, months: int) -> int:
    """The ordinal (:meth:`date.toordinal`) of ``start`` + ``months`` calendar months, the day
    kept or, past the month's end, its last day (as :class:`~dateutil.relativedelta.relativedelta`
    adds months); counted on past 9999-12-31, where :class:`date` ends."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    shift = 0
    while year > date.max.year:
        year, shift = year - 400, shift + _DAYS_IN_400_YEARS
    day = min(start.day, monthrange(year, month)[1])
    return date(year, month, day).toordinal() + shift
