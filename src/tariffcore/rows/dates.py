"""Dates and months as input text: ``2025-03-31`` and ``2025-03``, with clear errors."""

from __future__ import annotations

import re
from datetime import date

from ..errors import InputError

__all__ = ["parse_date", "parse_month"]

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")

#: A date as written in inputs: ``2025-03-31``, and nothing else. Python also reads
#: ``20250331``, ``2025-W14`` and ``2025-W14-1`` as dates; a week date names a day that may
#: lie in another month or year (``2025-W01`` is 2024-12-30), so none of them is taken.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_month(text: str) -> date:
    """``2025-03`` → ``date(2025, 3, 1)``; a full ISO date is accepted and moved to the 1st."""
    value = text.strip()
    match = _MONTH.match(value)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise InputError(f"billing month {_shown(text)} has no month {month}")
        if year < 1:
            raise InputError(f"billing month {_shown(text)} is before the calendar's year 1")
        return date(year, month, 1)
    return parse_date(value).replace(day=1)


def parse_date(text: str) -> date:
    """An ISO date (``2025-03-31``), with a clear error otherwise: a date no calendar has
    (``2025-02-30``, ``0000-01-01``), past 9999-12-31 or written another way (``20250331``,
    ``2025-W14-1``) is not a date."""
    value = text.strip()
    try:
        if _DATE.fullmatch(value) is None:
            raise ValueError(value)
        return date.fromisoformat(value)
    except (ValueError, OverflowError):
        raise InputError(
            f"{_shown(text)} is not a date (expected YYYY-MM-DD, from 0001-01-01 to 9999-12-31)"
        ) from None


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut when long."""
    return repr(text) if len(text) <= 40 else repr(f"{text[:20]}…{text[-10:]}")
