"""Coefficient levies: the published unit prices come out of base × coefficients, rounded as
each city's ordinance says (tariff digest §1, §3, §4, §10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import tariffcore
from tariffcore import InputError
from tariffcore.charges import BillContext
from tests.helpers import account, reading, repository_catalog, version

CATALOG = repository_catalog()


def unit_price(ref: str, use_class: str = "household", **attributes: str) -> Decimal:
    ruleset, pinned = CATALOG.resolve(ref)
    assert pinned is not None
    levy = pinned.charge("levy")
    assert levy is not None
    acct = tariffcore.Account(id="L", use_class=use_class, attributes=attributes)
    charged = levy.compute(BillContext(acct, tariffcore.Reading(usage_m3=Decimal(1)), 1, pinned.label))
    assert charged is not None and charged.unit_price is not None
    return charged.unit_price


@pytest.mark.parametrize(
    ("ref", "published"),
    [
        ("kr/ulsan@2018-03", "83.5"),  # 170 × 0.491 = 83.47 → half-up to 0.1: 83.5
        ("kr/ulsan@2019-03", "31.1"),  # 170 × 0.183 = 31.11 → 31.1
        ("kr/ulsan@2020-03", "25.2"),  # 170 × 0.148 = 25.16 → 25.2
        ("kr/ulsan@2017-03", "14.3"),  # published without a coefficient
        ("kr/ulsan@2024-03", "36.4"),
    ],
)
def test_ulsan_levy_unit_prices(ref: str, published: str) -> None:
    assert unit_price(ref) == Decimal(published)


@pytest.mark.parametrize(
    ("ref", "published"),
    [
        ("kr/busan@2019-02", "151.1"),  # 170 × 0.889 = 151.13 → 151.1
        ("kr/busan@2020-02", "149.9"),  # 170 × 0.882 = 149.94 → 149.9
        ("kr/busan@2024-02", "151.3"),  # 170 × 0.890 = 151.3
        ("kr/busan@2025-02", "148.9"),  # 170 × 0.876 = 148.92 → 148.9
        ("kr/busan@2026-02", "149.8"),  # 170 × 0.881 = 149.77 → 149.8
    ],
)
def test_busan_levy_unit_prices_at_full_application(ref: str, published: str) -> None:
    assert unit_price(ref, levy_application_rate="100") == Decimal(published)


def test_busan_levy_applies_the_monthly_rate_before_rounding() -> None:
    # 170 × 0.882 × 0.7 = 104.958 → 105.0; × 0.6 = 89.964 → 90.0; × 0.5 = 74.97 → 75.0
    assert unit_price("kr/busan@2020-02", levy_application_rate="70") == Decimal("105.0")
    assert unit_price("kr/busan@2020-02", levy_application_rate="60") == Decimal("90.0")
    assert unit_price("kr/busan@2020-02", levy_application_rate="50") == Decimal("75.0")
    # industrial water: 170 × application rate, no coefficient: 170 × 0.7 = 119
    assert unit_price("kr/busan@2020-02", "industrial", levy_application_rate="70") == Decimal("119.0")


def test_busan_application_rate_is_validated() -> None:
    with pytest.raises(InputError, match="not one of 100, 70, 60, 50"):
        unit_price("kr/busan@2020-02", levy_application_rate="80")
    with pytest.raises(InputError, match="must give 'levy_application_rate'"):
        unit_price("kr/busan@2020-02")


def test_daegu_levy_truncates_to_a_tenth() -> None:
    # 160 × 0.933 = 149.28 → truncated, not rounded: 149.2; industrial water 160
    assert unit_price("kr/daegu@2011-03") == Decimal("149.2")
    assert unit_price("kr/daegu@2011-03", "industrial") == Decimal("160")


def test_rounding_method_is_the_rulesets_own() -> None:
    levy = {
        "levy": {
            "type": "per_unit",
            "label": "levy",
            "source": "s",
            "rate": {
                "base": 160,
                "factors": [Decimal("0.933")],
                "rounding": {"unit": Decimal("0.1"), "method": "half_up"},
            },
        }
    }
    # the same product, half-up: 149.28 → 149.3
    line = version(levy).bill(account(), reading(10, date(2025, 3, 1))).lines[0]
    assert line.unit_price == Decimal("149.3")
    assert line.amount == Decimal("1493.0")
