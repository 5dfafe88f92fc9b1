"""Dates of a bill: the anchor date each kind of effective date selects a version by.

The digest names four kinds (section 0): usage date (사용분), meter-read date (검침분), billing
month (고지분/부과분) and due month (납기분). :func:`anchor_date` picks the date of a reading
that the given kind refers to, or says which input is missing.
"""

from __future__ import annotations

import re
from datetime import date

from .bill import Reading
from .errors import InputError

__all__ = ["anchor_date", "parse_date", "parse_month"]

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(text: str) -> date:
    """``2025-03`` → ``date(2025, 3, 1)``; a full ISO date is accepted and moved to the 1st."""
    value = text.strip()
    match = _MONTH.match(value)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise InputError(f"billing month {text!r} has no month {month}")
        return date(year, month, 1)
    return parse_date(value).replace(day=1)


def parse_date(text: str) -> date:
    """An ISO date (``2025-03-31``), with a clear error otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def anchor_date(basis: str, reading: Reading, ruleset: str) -> date:
    """The date of ``reading`` that a version effective by ``basis`` is selected on.

    * ``billing_month``: the first day of the billing month;
    * ``due_month``: the due date;
    * ``meter_read``: the meter-read date, i.e. the end of the period;
    * ``usage``: the last day of usage, i.e. the end of the period (the whole period is billed
      under the version in force on it).
    """
    if basis == "billing_month":
        if reading.billing_month is None:
            raise InputError(f"{ruleset} selects its version by billing month: billing_month is required")
        return reading.billing_month
    if basis == "due_month":
        if reading.due_date is None:
            raise InputError(f"{ruleset} selects its version by due month: due_date is required")
        return reading.due_date.replace(day=1)
    if basis in ("meter_read", "usage"):
        if reading.period_end is None:
            kind = "meter-read date" if basis == "meter_read" else "usage date"
            raise InputError(f"{ruleset} selects its version by {kind}: period_end is required")
        return reading.period_end
    raise ValueError(f"unknown effective-date basis {basis!r}")  # pragma: no cover
