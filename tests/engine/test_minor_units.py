"""No amount below the currency's minor unit, and the same money written the same way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tariffcore.money import at_scale, format_money, minor_unit
from tariffcore.rows import bill_to_dict
from tests import strategies
from tests.helpers import account, reading, version

LEVY: dict[str, Any] = {
    "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": Decimal("117.5")}
}


def test_a_fraction_of_a_won_without_rounding_is_an_error_row() -> None:
    # 35 m³ × 117.5 = 4,112.5 won: no rounding declared. Before, the bill said 4112.5.
    with pytest.raises(tariffcore.BillingError) as caught:
        version(LEVY).bill(account(), reading(35))
    assert caught.value.code == "undeclared_rounding"
    assert "test/city@1 levy: the line comes to 4112.5 KRW" in str(caught.value)
    assert "declares no rounding" in str(caught.value)


def test_a_declared_rounding_removes_the_fraction() -> None:
    # 35 × 117.5 = 4,112.5, truncated to 1 won: 4,112
    truncated = {"levy": {**LEVY["levy"], "rounding": {"unit": 1, "method": "truncate"}}}
    assert version(truncated).bill(account(), reading(35)).total == 4112
    # 34 × 117.5 = 3,995: whole won, no rounding needed
    assert version(LEVY).bill(account(), reading(34)).total == 3995


def test_a_rounding_finer_than_the_minor_unit_still_fails() -> None:
    # 35 × 117.5 = 4,112.5 rounded to 0.1 is still 4,112.5
    tenth = {"levy": {**LEVY["levy"], "rounding": {"unit": "0.1", "method": "half_up"}}}
    with pytest.raises(
        tariffcore.BillingError, match=r"declared rounding \(half-up to 0.1\) leaves a fraction"
    ):
        version(tenth).bill(account(), reading(35))


def test_amounts_are_written_at_the_currency_scale() -> None:
    # 850.0 × 20 = 17000.0 as arithmetic gives it; the bill says 17000
    water = {"water": {"type": "volume", "label": "water", "source": "s", "classes": {"household": "850.0"}}}
    bill = version(water).bill(account(), reading("20.00"))
    assert str(bill.total) == "17000" and str(bill.lines[0].amount) == "17000"
    row = bill_to_dict(bill)
    assert row["total"] == "17000" and row["lines"][0]["amount"] == "17000"
    # USD: 1.25 × 10 = 12.50, never 12.5
    dollars = version({"water": {**water["water"], "classes": {"household": "1.25"}}}, currency="USD")
    bill = dollars.bill(account(), reading(10))
    assert str(bill.total) == "12.50"
    assert bill_to_dict(bill)["total"] == "12.50"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_at_scale_keeps_the_value_and_never_rounds(amount: Decimal) -> None:
    krw = at_scale(amount, "KRW")
    if amount == amount.to_integral_value():
        assert krw == amount and krw is not None and krw.as_tuple().exponent == 0
    else:
        assert krw is None
    usd = at_scale(amount, "USD")
    assert usd == amount and usd is not None and usd.as_tuple().exponent == -2
    assert format_money(amount, "USD") == f"{amount:.2f}"
    assert minor_unit("KRW") == 1


def test_a_currency_without_a_known_minor_unit_is_refused() -> None:
    with pytest.raises(tariffcore.RulesetError, match="currency 'XYZ' has no minor unit"):
        version(LEVY, currency="XYZ")


@given(
    tiers=strategies.tier_table(),
    usage=strategies.usage,
    currency=st.sampled_from(["KRW", "USD"]),
    rounded=st.booleans(),
)
def test_a_bill_is_whole_minor_units_or_an_error_row(
    tiers: list[dict[str, object]], usage: Decimal, currency: str, rounded: bool
) -> None:
    charges = {
        "base": {"type": "base_by_meter", "label": "base", "source": "s", "rates": {15: 1080}},
        "water": {"type": "graduated", "label": "water", "source": "s", "classes": {"household": tiers}},
        "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": Decimal("117.5")},
    }
    rounding = {"rounding": {"unit": 1, "method": "truncate"}} if rounded else {}
    city = version(charges, currency=currency, **rounding)
    try:
        bill = city.bill(account(meter_mm=15), reading(usage))
    except tariffcore.BillingError as exc:
        # Only where no rounding (to the won) is declared may a fraction stop the bill.
        assert exc.code == "undeclared_rounding" and not (rounded and currency == "KRW")
        return
    unit = minor_unit(currency)
    for amount in [line.amount for line in bill.lines] + [bill.total]:
        assert amount % unit == 0
        assert amount.as_tuple().exponent == unit.as_tuple().exponent
