"""Charges whose basis is usage split a straddling period by days; nothing else looks at usage
dates. Amounts computed by hand from the tariff digest §2 (Seoul) through the fixture ruleset
tests/fixtures/rulesets/seoul, and from round figures in versions built here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import tariffcore
from tests.helpers import amounts, fixture_catalog, period_reading, version

HOME = tariffcore.Account("H-1", "household", meter_mm=15)


@pytest.fixture(scope="module")
def seoul() -> tariffcore.Catalog:
    return fixture_catalog("seoul")


def test_seoul_household_straddling_2022_is_billed_in_two_parts(seoul: tariffcore.Catalog) -> None:
    # 2021-12-01..2022-01-31: 31 + 31 = 62 days, two months; 31 days under 2021-07 (390 won for
    # 0–30 m³ a month), 31 under 2022-01 (one rate, 480 won).
    # Usage 40 m³: first part round(40 × 31 / 62) = 20 m³, second 40 − 20 = 20 m³.
    # Tier-1 bound 2 × 30 = 60 for the period: round(60 × 31 / 62) = 30 for the first part.
    # water = 20 × 390 + 20 × 480 = 7,800 + 9,600 = 17,400
    # sewer 400 in both versions (not split): 40 m³, tier 1 is 60 wide: 40 × 400 = 16,000
    # levy 40 × 170 = 6,800; total 17,400 + 16,000 + 6,800 = 40,200
    bill = seoul.bill("test/seoul", HOME, period_reading(40, date(2021, 12, 1), date(2022, 1, 31)))
    assert amounts(bill) == {"water": 17400, "sewer": 16000, "levy": 6800}
    assert bill.total == 40200
    water = bill.line("water")
    assert water is not None and water.version == "2021-07+2022-01"
    assert [(p.version, p.start, p.end, p.days, p.quantity, p.amount) for p in water.parts] == [
        ("2021-07", date(2021, 12, 1), date(2021, 12, 31), 31, 20, 7800),
        ("2022-01", date(2022, 1, 1), date(2022, 1, 31), 31, 20, 9600),
    ]


SPLIT = {
    "basis": "usage",
    "policy": "split_by_days",
    "apportion": {"m3": {"unit": 1, "method": "half_up"}, "fixed": {"unit": "0.0001", "method": "half_up"}},
}
WATER = {"type": "volume", "label": "water", "source": "s"}


def _billing_month_then_usage() -> tariffcore.Ruleset:
    """2014: selected by billing month, switch; 2021-07: by usage date, split by days."""
    old = version(
        {"water": {**WATER, "classes": {"household": 300}}},
        version="2014",
        effective={"from": "2014-01", "basis": "billing_month"},
    )
    new = version(
        {"water": {**WATER, "classes": {"household": 400}}},
        version="2021-07",
        effective={**SPLIT, "from": "2021-07-01"},
    )
    return tariffcore.Ruleset("test/city", (old, new))


def test_a_bill_with_no_charge_selected_by_usage_date_is_not_split() -> None:
    # The 2014 version is selected by billing month: its bill has no charge selected by usage
    # date, so the later version's split_by_days is not consulted and the usage days
    # (December 2013, before any version) do not matter. water 10 × 300 = 3,000
    ruleset = _billing_month_then_usage()
    reading = period_reading(10, date(2013, 12, 1), date(2013, 12, 31), billing_month=date(2014, 1, 1))
    bill = ruleset.bill(HOME, reading)
    assert bill.version == "2014"
    assert amounts(bill) == {"water": 3000}


def test_usage_dates_still_select_the_split_version() -> None:
    # Usage 2021-07-01..2021-07-31 under 2021-07 by usage date: 10 × 400 = 4,000
    ruleset = _billing_month_then_usage()
    reading = period_reading(10, date(2021, 7, 1), date(2021, 7, 31), billing_month=date(2021, 8, 1))
    bill = ruleset.bill(HOME, reading)
    assert bill.version == "2021-07"
    assert amounts(bill) == {"water": 4000}


def test_a_split_period_parts_sum_to_the_line_for_a_volume_charge() -> None:
    # Two usage versions, 300 then 400 won/m³ from 2025-01-01; 2024-12-17..2025-01-16 is
    # 31 days, one month: 15 under the first, 16 under the second.
    # 31 m³: round(31 × 15 / 31) = 15 m³ × 300 = 4,500; 16 × 400 = 6,400; water 10,900
    first = version(
        {"water": {**WATER, "classes": {"household": 300}}},
        version="1",
        effective={**SPLIT, "from": "2024-01-01"},
    )
    second = version(
        {"water": {**WATER, "classes": {"household": 400}}},
        version="2",
        effective={**SPLIT, "from": "2025-01-01"},
    )
    bill = tariffcore.Ruleset("test/city", (first, second)).bill(
        HOME, period_reading(31, date(2024, 12, 17), date(2025, 1, 16))
    )
    water = bill.line("water")
    assert water is not None and water.amount == Decimal(10900)
    assert [(p.quantity, p.amount) for p in water.parts] == [(15, 4500), (16, 6400)]
