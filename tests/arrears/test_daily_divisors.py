"""Daily late fees: an unknown day divisor, a rate per day apart from its cap (Paju, digest §9),
and surcharges in whole minor units."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import tariffcore
from tariffcore.arrears import load_arrears_version
from tests.helpers import dump

HEADER: dict[str, Any] = {
    "ruleset": "test/city",
    "version": "arrears-x",
    "title": "test",
    "jurisdiction": "nowhere",
    "currency": "KRW",
    "effective": {"from": "2019-01-01", "basis": "due_date"},
    "confidence": "test",
    "sources": [{"id": "s", "title": "test source", "tag": "NEWS"}],
}
DUE = date(2025, 3, 31)


def _fee(rule: dict[str, Any], principal: int, on: date, rounding: Any = None) -> Decimal:
    arrears: dict[str, Any] = {
        "rules": {"late_fee": {"kind": "daily", "label": "가산금", "source": "s", **rule}}
    }
    if rounding is not None:
        arrears["rounding"] = rounding
    version = load_arrears_version(dump({**HEADER, "arrears": arrears}), "<test>")
    (surcharge,) = version.surcharges(DUE, on, lambda charges: lambda day: Decimal(principal))
    return surcharge.amount


TRUNCATE_10 = {"unit": 10, "method": "truncate"}


def test_an_unknown_day_divisor_names_the_divisor() -> None:
    # Before, an unknown divisor could only be written as 'percent: unknown', and the error
    # blamed the percentage.
    with pytest.raises(tariffcore.UnknownValueError) as caught:
        _fee({"percent": 3, "days": "unknown"}, 100000, date(2025, 4, 1))
    message = str(caught.value)
    assert "the day divisor of rule 'late_fee' (가산금) is unknown" in message
    assert "3 % × days late / ? (days: unknown)" in message
    assert "percentage" not in message


def test_paju_one_day_late_by_its_own_example() -> None:
    # Digest §9: 100,000 won one day late → 90 won. 100,000 × 3 % × 12/365 = 98.63…,
    # truncated below 10 won: 90 (where 3 % × 1/30 would give 100).
    paju = {"percent": 3, "per_day": "12/365"}
    assert _fee(paju, 100000, date(2025, 4, 1), TRUNCATE_10) == 90
    # days/30 gives 100 for the same day
    assert _fee({"percent": 3, "days": 30}, 100000, date(2025, 4, 1), TRUNCATE_10) == 100


def test_paju_within_and_after_the_first_month() -> None:
    paju = {"percent": 3, "per_day": "12/365"}
    # Due 2025-03-31: the first month late is 04-01..04-30 (30 days).
    # Paid 04-10, 10 days late: 100,000 × 3 % × 10 × 12/365 = 986.3… → 980
    assert _fee(paju, 100000, date(2025, 4, 10), TRUNCATE_10) == 980
    # Paid 05-01, 31 days late: the first month has passed: the fixed 3 %, 3,000
    assert _fee(paju, 100000, date(2025, 5, 1), TRUNCATE_10) == 3000
    # Paid 04-30, 30 days late: 3 % × 30 × 12/365 = 2.958 % → 2,958.9 → 2,950 (below the cap)
    assert _fee(paju, 100000, date(2025, 4, 30), TRUNCATE_10) == 2950


def test_the_fixed_percentage_after_the_first_month_says_so() -> None:
    # 31 days late the fee is the fixed 3 % (3,000), not 3 % × 12/365 for the 30 days of the
    # first month (2,958.90): the explanation must not show the per-day formula for it.
    arrears = {
        "rounding": TRUNCATE_10,
        "rules": {
            "late_fee": {"kind": "daily", "label": "가산금", "source": "s", "percent": 3, "per_day": "12/365"}
        },
    }
    version = load_arrears_version(dump({**HEADER, "arrears": arrears}), "<test>")
    principal = lambda charges: lambda day: Decimal(100000)  # noqa: E731
    (late,) = version.surcharges(DUE, date(2025, 5, 1), principal)
    assert late.amount == 3000
    assert late.formula == "3 % of the principal unpaid at the due date (the first month late has passed)"
    (within,) = version.surcharges(DUE, date(2025, 4, 30), principal)
    assert within.amount == 2950
    assert "12/365 a day" in within.formula and "30 day(s)" in within.formula


def test_per_day_and_days_together_are_refused() -> None:
    with pytest.raises(tariffcore.RulesetError, match="not both"):
        _fee({"percent": 3, "per_day": "12/365", "days": 30}, 1, date(2025, 4, 1))
    with pytest.raises(tariffcore.RulesetError, match="above 0 and at most 1"):
        _fee({"percent": 3, "per_day": "365/12"}, 1, date(2025, 4, 1))


def test_a_late_fee_with_a_fraction_of_a_won_is_an_error() -> None:
    # 12,345 × 3 % × 1/30 = 12.345 won: no rounding declared. Before, the fee was 12.345.
    with pytest.raises(tariffcore.BillingError) as caught:
        _fee({"percent": 3, "days": 30}, 12345, date(2025, 4, 1))
    assert caught.value.code == "undeclared_rounding"
    assert "comes to 12.345 KRW" in str(caught.value)
    # Truncated to whole won: 12, written without decimals
    fee = _fee({"percent": 3, "days": 30}, 12345, date(2025, 4, 1), {"unit": 1, "method": "truncate"})
    assert str(fee) == "12"
