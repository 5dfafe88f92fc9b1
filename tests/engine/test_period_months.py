"""The months a bill covers follow from its period: never a bill for months its period does not
cover (see docs/levies-reductions-cycles.md, "Counting the months of a period")."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from tariffcore import InputError, Reading
from tariffcore.periods import MONTH_TOLERANCE_DAYS, period_months
from tests.helpers import account, version

WATER: dict[str, Any] = {
    "water": {
        "type": "graduated",
        "label": "water",
        "source": "s",
        "classes": {"household": [{"upto": 30, "rate": 300}, {"rate": 700}]},
    },
}
BIMONTHLY = {"months": [2], "default": 2, "per_month": ["water"]}
EITHER = {"months": [1, 2], "default": 2, "per_month": ["water"]}


def _reading(usage: int, start: date, end: date, months: int | None = None) -> Reading:
    return Reading(usage, billing_month=date(2025, 5, 1), period_start=start, period_end=end, months=months)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2025, 2, 1), date(2025, 2, 28), 1),  # 28 days
        (date(2025, 3, 15), date(2025, 4, 14), 1),  # 31 days, not from the 1st
        (date(2025, 3, 15), date(2025, 4, 21), 1),  # a week late: 04-22 is 7 days after 04-15
        (date(2025, 3, 15), date(2025, 4, 7), 1),  # a week early: 04-08 is 7 days before 04-15
        (date(2021, 12, 16), date(2022, 2, 15), 2),
        (date(2025, 1, 31), date(2025, 3, 30), 2),  # 01-31 + 2 months = 03-31
        (date(2025, 3, 15), date(2025, 4, 22), None),  # 8 days late
        (date(2025, 3, 15), date(2025, 4, 6), None),  # 8 days early
        (date(2025, 3, 1), date(2025, 4, 15), None),  # a month and a half
        (date(2025, 3, 1), date(2025, 3, 10), None),  # ten days
    ],
)
def test_months_of_a_period(start: date, end: date, months: int | None) -> None:
    assert period_months(start, end) == months


@given(
    start=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    months=st.integers(1, 12),
    jitter=st.integers(-MONTH_TOLERANCE_DAYS, MONTH_TOLERANCE_DAYS),
)
def test_a_period_of_whole_months_give_or_take_a_week_is_those_months(
    start: date, months: int, jitter: int
) -> None:
    end = start + relativedelta(months=months) - timedelta(days=1 - jitter)
    assert period_months(start, end) == months


def _months_one_by_one(start: date, end: date) -> int | None:
    """The definition, month after month: the first count whose end is within the tolerance of
    the day after ``end``, or none once a count passes it."""
    months = 1
    while True:
        gap = (end + timedelta(days=1) - (start + relativedelta(months=months))).days
        if abs(gap) <= MONTH_TOLERANCE_DAYS:
            return months
        if gap < 0:
            return None
        months += 1


@given(start=st.dates(date(1990, 1, 1), date(2060, 12, 31)), days=st.integers(0, 3000))
def test_the_months_are_those_counted_one_by_one(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    assert period_months(start, end) == _months_one_by_one(start, end)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(9999, 12, 1), date(9999, 12, 31), 1),  # the day after is past the calendar
        (date(9999, 11, 1), date(9999, 12, 31), 2),
        (date(9999, 11, 17), date(9999, 12, 26), None),  # 40 days: the next count is in 10000
        (date(2024, 2, 1), date(9999, 12, 31), 95_711),  # at once, not 95,711 steps
        (date(1, 1, 1), date(1, 1, 31), 1),
    ],
)
def test_periods_at_the_ends_of_the_calendar(start: date, end: date, months: int | None) -> None:
    # these used to raise OverflowError or ValueError: an internal error row
    assert period_months(start, end) == months


def test_a_one_month_period_under_a_two_month_cycle_is_an_error_row() -> None:
    # Before: the cycle's default of 2 applied whatever the period, so one month of 40 m³
    # was billed with tier 1 doubled to 60 m³: 40 × 300 = 12,000 instead of an error.
    bimonthly = version(WATER, billing_cycle=BIMONTHLY)
    with pytest.raises(InputError) as caught:
        bimonthly.bill(account(), _reading(40, date(2025, 3, 1), date(2025, 3, 31)))
    assert caught.value.code == "billing_cycle"
    message = str(caught.value)
    assert "bills every 2 month(s), not 1" in message
    assert "the period 2025-03-01..2025-03-31 (31 days) covers 1" in message


def test_the_period_decides_the_months_of_the_bill() -> None:
    either = version(WATER, billing_cycle=EITHER)
    # One month (the default would be 2): 30 × 300 + 10 × 700 = 9,000 + 7,000 = 16,000
    one = either.bill(account(), _reading(40, date(2025, 3, 10), date(2025, 4, 9)))
    assert one.total == 16000
    # Two months: tier 1 is 60 m³, 40 × 300 = 12,000
    two = either.bill(account(), _reading(40, date(2025, 3, 10), date(2025, 5, 9)))
    assert two.total == 12000


def test_months_that_disagree_with_the_period_are_an_error_row() -> None:
    either = version(WATER, billing_cycle=EITHER)
    with pytest.raises(InputError) as caught:
        either.bill(account(), _reading(40, date(2025, 3, 1), date(2025, 4, 30), months=1))
    assert caught.value.code == "billing_cycle"
    assert "months 1 disagrees with the period 2025-03-01..2025-04-30 (61 days), which covers 2" in str(
        caught.value
    )
    # Agreeing months are fine: 12,000 as above
    assert either.bill(account(), _reading(40, date(2025, 3, 1), date(2025, 4, 30), months=2)).total == 12000


def test_a_period_between_whole_months_is_an_error_row() -> None:
    monthly = version(WATER)
    with pytest.raises(InputError) as caught:
        monthly.bill(account(), _reading(40, date(2025, 3, 1), date(2025, 4, 15)))
    assert caught.value.code == "billing_cycle"
    assert "2025-03-01..2025-04-15 (46 days) is not a whole number of months" in str(caught.value)
    assert "bills every 1 month(s)" in str(caught.value)


def test_without_both_period_dates_the_months_column_or_default_decides() -> None:
    either = version(WATER, billing_cycle=EITHER)
    # default 2: 40 × 300 = 12,000; months 1: 16,000
    assert either.bill(account(), Reading(40, billing_month=date(2025, 5, 1))).total == 12000
    assert either.bill(account(), Reading(40, billing_month=date(2025, 5, 1), months=1)).total == 16000
