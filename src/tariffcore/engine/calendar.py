"""Dates of a bill: the anchor date each kind of effective date selects a version by.

The digest names four kinds (section 0): usage date (사용분), meter-read date (검침분), billing
month (고지분/부과분) and due month (납기분). :func:`anchor_date` picks the date of a reading
that the given kind refers to, or says which input is missing:

============== ===================================================== =========================
kind           anchor (the date compared with a version's ``from``)   needs
============== ===================================================== =========================
usage          the last day of usage                                  ``period_end``
meter_read     the day the meter was read, which ends the period      ``period_end``
billing_month  the first day of the billing month                     ``billing_month``
due_month      the first day of the month the bill is due in          ``due_date``
============== ===================================================== =========================

A ruleset may state how the billing month and the due date follow from the other dates
(``dates:`` in a version file, :class:`~tariffcore.format.model.DateRules`); a reading that lacks
them then gets them derived, with :mod:`dateutil` month arithmetic (a due day past the end of a
short month falls on its last day).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dateutil.relativedelta import relativedelta

from ..bill import Reading
from ..errors import InputError
from ..format import DateRules

__all__ = [
    "anchor_date",
    "billing_month_of",
    "complete_dates",
    "due_date_of",
]


_KIND = {
    "usage": "usage date (사용분)",
    "meter_read": "meter-read date (검침분)",
    "billing_month": "billing month (고지분)",
    "due_month": "due month (납기분)",
}


def billing_month_of(reading: Reading, rules: DateRules | None = None) -> date | None:
    """The reading's billing month, or the one ``rules`` derive from its period end.

    >>> from decimal import Decimal
    >>> from tariffcore.format.model import DateRules, BillingMonthRule
    >>> rules = DateRules(billing_month=BillingMonthRule(months_after_period_end=1))
    >>> billing_month_of(Reading(Decimal(9), period_end=date(2025, 1, 31)), rules)
    datetime.date(2025, 2, 1)
    """
    if reading.billing_month is not None:
        return reading.billing_month
    rule = rules.billing_month if rules is not None else None
    if rule is None or reading.period_end is None:
        return None
    return _months_after(reading.period_end.replace(day=1), rule.months_after_period_end, "billing month")


def due_date_of(reading: Reading, rules: DateRules | None = None) -> date | None:
    """The reading's due date, or the one ``rules`` derive from its (possibly derived)
    billing month."""
    if reading.due_date is not None:
        return reading.due_date
    rule = rules.due_date if rules is not None else None
    month = billing_month_of(reading, rules)
    if rule is None or month is None:
        return None
    day = 31 if rule.day == "last" else rule.day
    return _months_after(month, rule.months_after_billing, "due date", day)


def _months_after(start: date, months: int, what: str, day: int | None = None) -> date:
    """``start`` plus ``months`` months (on ``day``, or the month's last day before it); a
    date past 9999-12-31 is an :class:`~tariffcore.InputError` naming ``what``."""
    try:
        return start + relativedelta(months=months, day=day)
    except (ValueError, OverflowError):
        raise InputError(
            f"the {what} {months} month(s) after {start:%Y-%m} is past the last day of the calendar (9999-12-31)"
        ) from None


def complete_dates(reading: Reading, rules: DateRules | None) -> Reading:
    """``reading`` with the billing month and due date that ``rules`` derive filled in."""
    if rules is None or (reading.billing_month is not None and reading.due_date is not None):
        return reading
    month = billing_month_of(reading, rules)
    due = due_date_of(reading, rules)
    if month == reading.billing_month and due == reading.due_date:
        return reading
    return replace(reading, billing_month=month, due_date=due)


def _needs(basis: str, ruleset: str, what: str | None) -> str:
    """The start of the error when a reading lacks the date a version is selected by (made
    only then: selecting a version happens for every bill)."""
    return f"{what or ruleset} is selected by {_KIND.get(basis, basis)}"


def anchor_date(
    basis: str,
    reading: Reading,
    ruleset: str,
    rules: DateRules | None = None,
    what: str | None = None,
) -> date:
    """The date of ``reading`` that a version effective by ``basis`` is selected on.

    * ``billing_month``: the first day of the billing month;
    * ``due_month``: the first day of the due date's month;
    * ``meter_read``: the meter-read date, i.e. the end of the period;
    * ``usage``: the last day of usage, i.e. the end of the period (under the ``switch``
      policy the whole period is billed under the version in force on it).

    ``rules`` are the ruleset's date rules (to derive a missing billing month or due date);
    ``what`` names what is being selected (``kr/example@2026-01 levy``) in the error raised when
    the reading lacks the date.
    """
    if basis == "billing_month":
        month = billing_month_of(reading, rules)
        if month is None:
            derive = rules is not None and rules.billing_month is not None
            hint = " (or period_end, from which the ruleset derives it)" if derive else ""
            raise InputError(f"{_needs(basis, ruleset, what)}: billing_month is required{hint}")
        return month
    if basis == "due_month":
        due = due_date_of(reading, rules)
        if due is None:
            hint = ""
            if rules is not None and rules.due_date is not None:
                hint = " (or billing_month, from which the ruleset derives it"
                hint += ", or period_end)" if rules.billing_month is not None else ")"
            raise InputError(f"{_needs(basis, ruleset, what)}: due_date is required{hint}")
        return due.replace(day=1)
    if basis in ("meter_read", "usage"):
        if reading.period_end is None:
            day = "the last day of usage" if basis == "usage" else "the day the meter was read"
            raise InputError(f"{_needs(basis, ruleset, what)}: period_end ({day}) is required")
        return reading.period_end
    raise ValueError(f"unknown effective-date basis {basis!r}")  # pragma: no cover
