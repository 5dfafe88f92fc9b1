"""Billing cycles declared by the ruleset: bill lengths, limits and what is stated per month."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariffcore import InputError, RulesetError, parse_row
from tests import strategies
from tests.helpers import account, reading, version

CHARGES: dict[str, Any] = {
    "base": {"type": "base_by_meter", "label": "base", "source": "s", "rates": {15: 1080}},
    "water": {
        "type": "graduated",
        "label": "water",
        "source": "s",
        "classes": {"household": [{"upto": 30, "rate": 300}, {"upto": 50, "rate": 700}, {"rate": 1070}]},
    },
    "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": 170},
}
BIMONTHLY = {"months": [2], "default": 2, "per_month": ["base", "water"]}
EITHER = {"months": [1, 2], "below_monthly_m3": {2: 100}, "per_month": ["water"]}


def test_a_two_month_bill_doubles_what_is_stated_per_month() -> None:
    bill = version(CHARGES, billing_cycle=BIMONTHLY).bill(account(meter_mm=15), reading(70))
    lines = {line.charge: line for line in bill.lines}
    assert lines["base"].amount == 2160 and lines["base"].quantity == 2  # 1,080 × 2
    # tiers 0–60 / 61–100 / 101+: 60 × 300 + 10 × 700
    assert lines["water"].amount == 18000 + 7000
    assert [s.upper for s in lines["water"].slices] == [60, 100]
    assert lines["levy"].amount == 70 * 170  # per m³: unchanged


def test_monthly_by_default() -> None:
    bill = version(CHARGES).bill(account(meter_mm=15), reading(70))
    assert bill.total == 1080 + (30 * 300 + 20 * 700 + 20 * 1070) + 70 * 170
    with pytest.raises(InputError, match="every 1 month") as caught:
        version(CHARGES).bill(account(meter_mm=15), reading(70, months=2))
    assert caught.value.code == "billing_cycle"


def test_a_length_the_cycle_does_not_allow_is_an_error_row() -> None:
    with pytest.raises(InputError, match="every 2 month") as caught:
        version(CHARGES, billing_cycle=BIMONTHLY).bill(account(meter_mm=15), reading(10, months=1))
    assert caught.value.code == "billing_cycle"


def test_usage_limit_of_a_two_month_bill() -> None:
    either = version(CHARGES, billing_cycle=EITHER)
    assert either.bill(account(meter_mm=15), reading(Decimal("199.9"), months=2)).total > 0
    with pytest.raises(InputError, match="below 100 m³ per month") as caught:
        either.bill(account(meter_mm=15), reading(200, months=2))  # 100 m³ a month
    assert caught.value.code == "billing_cycle"
    assert either.bill(account(meter_mm=15), reading(500, months=1)).total > 0
    with pytest.raises(InputError, match="must say how many months"):
        either.bill(account(meter_mm=15), reading(10))


def test_cycle_is_validated_where_it_is_written() -> None:
    with pytest.raises(RulesetError, match="default 1 is not one of"):
        version(CHARGES, billing_cycle={"months": [2], "default": 1})
    with pytest.raises(RulesetError, match="'gas'"):
        version(CHARGES, billing_cycle={"months": [2], "per_month": ["gas"]})


def test_months_column_is_read_and_checked() -> None:
    _, read = parse_row({"account": "A", "use_class": "household", "usage_m3": "10", "months": "2"})
    assert read.months == 2
    with pytest.raises(InputError, match="months must be a whole number"):
        parse_row({"account": "A", "use_class": "household", "usage_m3": "10", "months": "two"})
    with pytest.raises(InputError, match="at least 1"):
        parse_row({"account": "A", "use_class": "household", "usage_m3": "10", "months": "0"})


@given(tiers=strategies.tier_table(), monthly=st.integers(min_value=0, max_value=3_000))
def test_a_two_month_bill_of_even_usage_is_two_monthly_bills(
    tiers: list[dict[str, object]], monthly: int
) -> None:
    charges = {
        "water": {"type": "graduated", "label": "water", "source": "s", "classes": {"household": tiers}},
        "base": {"type": "base_by_meter", "label": "base", "source": "s", "rates": {15: 1080}},
    }
    # In dollars: rates in tenths × whole m³ are whole cents, never a fraction of the minor unit.
    one = version(charges, currency="USD").bill(account(meter_mm=15), reading(monthly))
    two = version(charges, billing_cycle=BIMONTHLY, currency="USD").bill(
        account(meter_mm=15), reading(2 * monthly)
    )
    assert two.total == 2 * one.total
