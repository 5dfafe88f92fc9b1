"""Compiled late-payment rules: counting time late, and the surcharges a principal accrues."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from dateutil.relativedelta import relativedelta

from ..bill import SourceRef
from ..errors import (
    UndeclaredRoundingError,
    UnknownValueError,
)
from ..format import (
    UNKNOWN,
)
from ..money import MONEY_CONTEXT, ZERO, Rounding, at_scale, format_amount, plain
from .rules import ArrearsVersionSpec, DailyRule, MonthlyRule, OneOffRule

__all__ = [
    "ArrearsVersion",
    "Covered",
    "Surcharge",
    "days_late",
    "full_months",
    "month_end",
]

_DAY = timedelta(days=1)
_HUNDRED = Decimal(100)


def days_late(due: date, on: date) -> int:
    """Days a payment made on ``on`` is late for a bill due on ``due`` (0 if not late)."""
    return max((on - due).days, 0)


def month_end(due: date, k: int) -> date:
    """The last day of the ``k``-th month of lateness of a bill due on ``due``.

    Lateness starts on ``due + 1 day``; a month starting on day *s* ends the day before day *s*
    of the next month, or on that month's last day when it has no day *s* (민법 제160조).
    """
    start = due + _DAY
    shifted = start + relativedelta(months=k)
    return shifted if shifted.day != start.day else shifted - _DAY


def full_months(due: date, on: date, limit: int | None = None) -> int:
    """Full months of lateness that have passed on ``on`` (a part month does not count; a
    month that would end after 9999-12-31 has not passed on any date of the calendar)."""
    count = 0
    while limit is None or count < limit:
        try:
            if not month_end(due, count + 1) < on:
                break
        except (ValueError, OverflowError):  # the month ends beyond the calendar
            break
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class Surcharge:
    """One surcharge on one bill: what it is, the period it covers and how it was computed.

    ``start``..``end`` is the lateness it covers: the day after the due date to the last day
    (daily) or the end of the last full month (monthly) counted; a one-off surcharge covers
    the single day it is incurred. ``count`` is the number of days or months counted.
    """

    rule: str
    kind: str
    label: str
    amount: Decimal
    unrounded: Decimal
    start: date
    end: date
    percent: Decimal
    count: int
    unit: str | None
    rounding: str | None
    version: str
    sources: tuple[SourceRef, ...]
    formula: str = ""


@dataclass(frozen=True, slots=True)
class _Compiled:
    id: str
    spec: OneOffRule | DailyRule | MonthlyRule
    charges: frozenset[str] | None
    rounding: Rounding | None
    sources: tuple[SourceRef, ...]


Covered = Callable[[date], Decimal]


@dataclass(frozen=True)
class ArrearsVersion:
    """A validated arrears version, ready to compute surcharges."""

    spec: ArrearsVersionSpec
    path: str
    rules: tuple[_Compiled, ...]

    @property
    def ruleset(self) -> str:
        return self.spec.ruleset

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def dated(self) -> bool:
        return self.spec.effective.from_ != UNKNOWN

    def charge_sets(self) -> set[frozenset[str] | None]:
        """The distinct sets of charges the rules apply to (``None``: the whole principal)."""
        return {rule.charges for rule in self.rules}

    def covered_charges(self) -> frozenset[str] | None:
        """Every charge some rule applies to; ``None`` when a rule takes the whole principal."""
        found: set[str] = set()
        for rule in self.rules:
            if rule.charges is None:
                return None
            found |= rule.charges
        return frozenset(found)

    def surcharges(
        self,
        due: date,
        on: date,
        covered: Callable[[frozenset[str] | None], Covered],
        changes: Sequence[date] | None = None,
    ) -> list[Surcharge]:
        """Every surcharge accrued by ``on`` on a bill due on ``due``.

        ``covered(charges)`` returns, for the charges a rule applies to, a function giving the
        principal of those charges still unpaid at the end of a day. Only days before ``on``
        matter: a payment made on ``on`` itself is late by ``on − due`` days. ``changes``, when
        given, lists (in order) every day the unpaid principal changes on, so that day-based
        fees are summed a stretch at a time rather than day by day.
        """
        found = []
        with localcontext(MONEY_CONTEXT):
            for rule in self.rules:
                surcharge = self._accrue(rule, due, on, covered(rule.charges), changes)
                if surcharge is not None:
                    found.append(surcharge)
        return found

    def _accrue(
        self, rule: _Compiled, due: date, on: date, unpaid: Covered, changes: Sequence[date] | None
    ) -> Surcharge | None:
        spec = rule.spec
        if on <= due:
            return None
        first = due + _DAY
        if isinstance(spec, OneOffRule):
            base = unpaid(due)
            count, unit, end, total = 1, None, first, base
        elif isinstance(spec, DailyRule):
            late = days_late(due, on)
            # Days counted: up to the divisor, or (per_day) to the end of the first month late.
            limit = (month_end(due, 1) - due).days if spec.per_day is not None else spec.divisor
            count = late if limit == UNKNOWN else min(late, int(limit))
            if (
                limit != UNKNOWN
                and late > int(limit)
                and spec.beyond == "unknown"
                and unpaid(due + timedelta(days=int(limit))) > 0
            ):
                known = f"{limit} days late" if spec.per_day is None else "month of lateness"
                raise UnknownValueError(
                    f"{self.label}: rule {rule.id!r} is known only for the first {known}; "
                    f"what applies after {due + timedelta(days=int(limit))} is unknown"
                )
            count, total = _day_sum(unpaid, due, due + timedelta(days=count - 1), changes)
            unit, end = "day", due + timedelta(days=count)
        else:
            at_due = unpaid(due)
            if spec.threshold is not None and at_due < spec.threshold:
                return None
            count = full_months(due, on, spec.max_months)
            if count == 0:
                return None
            bases = [unpaid(month_end(due, k)) for k in range(1, count + 1)]
            count = _owing(bases)
            total = sum(bases, ZERO)
            unit, end = "month", month_end(due, max(count, 1))
        if total == 0:
            return None
        if spec.percent == UNKNOWN:
            raise UnknownValueError(
                f"{self.label}: the percentage of rule {rule.id!r} ({spec.label}) is unknown"
            )
        assert isinstance(spec.percent, Decimal)
        percent = format_amount(spec.percent)
        amount = total * spec.percent / _HUNDRED
        if isinstance(spec, DailyRule) and spec.per_day is not None:
            top, bottom = spec.per_day
            cap = unpaid(due) * spec.percent / _HUNDRED
            passed = days_late(due, on) > (month_end(due, 1) - due).days
            if passed and spec.beyond == "cap":
                amount = cap
                formula = (
                    f"{percent} % of the principal unpaid at the due date (the first month late has passed)"
                )
            else:
                amount = min(amount * top / bottom, cap)
                formula = (
                    f"{percent} % × {format_amount(top)}/{format_amount(bottom)} a day of the unpaid "
                    f"principal for {count} day(s) of the first month late, at most {percent} %"
                )
        elif isinstance(spec, DailyRule):
            divisor = spec.divisor
            if divisor == UNKNOWN:
                raise UnknownValueError(
                    f"{self.label}: the day divisor of rule {rule.id!r} ({spec.label}) is unknown: "
                    f"{percent} % × days late / ? (days: unknown)"
                )
            amount = amount / int(divisor)
            formula = f"{percent} % × {count}/{divisor} of the unpaid principal, day by day"
        elif isinstance(spec, MonthlyRule):
            formula = f"{percent} % × {count} full month(s) of the unpaid principal"
        else:
            formula = f"{percent} % once of {format_amount(total)}"
        amount = plain(amount)
        rounded = rule.rounding.apply(amount) if rule.rounding is not None else amount
        scaled = at_scale(rounded, self.spec.currency)
        if scaled is None:
            how = (
                f"its rounding ({rule.rounding.describe()}) leaves"
                if rule.rounding
                else "no rounding removes"
            )
            raise UndeclaredRoundingError(
                f"{self.label}: rule {rule.id!r} ({spec.label}) comes to {format_amount(rounded)} "
                f"{self.spec.currency}, a fraction of the currency's minor unit, and {how} it; the "
                "late-payment rules must say how the ordinance rounds it ('rounding:')"
            )
        return Surcharge(
            rule=rule.id,
            kind=spec.kind,
            label=spec.label,
            amount=scaled,
            unrounded=amount,
            start=first,
            end=end,
            percent=spec.percent,
            count=count,
            unit=unit,
            rounding=rule.rounding.describe() if rule.rounding is not None else None,
            version=self.version,
            sources=rule.sources,
            formula=formula,
        )


def _day_sum(unpaid: Covered, first: date, last: date, changes: Sequence[date] | None) -> tuple[int, Decimal]:
    """Days from ``first`` to ``last`` with principal unpaid, and the sum of the unpaid
    principal over them (a day counts what was unpaid at its end)."""
    if last < first:
        return 0, ZERO
    if changes is None:
        bases = [unpaid(first + timedelta(days=d)) for d in range((last - first).days + 1)]
        return _owing(bases), sum(bases, ZERO)
    starts = [first, *sorted({day for day in changes if first < day <= last})]
    days, total = 0, ZERO
    for index, start in enumerate(starts):
        stop = starts[index + 1] - _DAY if index + 1 < len(starts) else last
        value = unpaid(start)
        length = (stop - start).days + 1
        total += value * length
        if value > 0:
            days += length
    return days, total


def _owing(bases: list[Decimal]) -> int:
    """Days (or months) counted: those with principal still unpaid (a prefix, as payments
    only lower it)."""
    return sum(1 for base in bases if base > 0)
