"""Every rate, base charge and amount is checked for sign and range in every form it can take:
a negative figure written as a single rate is refused as it is in a tier list."""

from __future__ import annotations

from typing import Any

import pytest

import tariffcore
from tariffcore.arrears import load_arrears_version
from tests.helpers import dump, version

SOURCE = {"label": "charge", "source": "s"}


@pytest.mark.parametrize(
    ("charge", "where"),
    [
        # Before, a single class rate of -500 validated and billed a line of −5,000.
        ({"type": "graduated", "classes": {"household": -500}}, "rate -500 is negative"),
        ({"type": "volume", "classes": {"household": {"rate": -500}}}, "rate -500 is negative"),
        (
            {"type": "graduated", "classes": {"household": [{"upto": 10, "rate": 300}, {"rate": -1}]}},
            "rate -1",
        ),
        ({"type": "per_unit", "rate": -170}, "unit price -170 is negative"),
        (
            {
                "type": "per_unit",
                "rate": {"base": -170, "factors": [{"input": "levy_rate", "values": {"100": 1}}]},
            },
            "base -170 is negative",
        ),
        (
            {
                "type": "per_unit",
                "rate": {"base": 170, "factors": [{"input": "levy_rate", "values": {"x": -1}}]},
            },
            "factor -1 is negative",
        ),
        ({"type": "per_unit", "rate": {"base": -170, "factors": [-1]}}, "base -170 is negative"),
        ({"type": "base_by_meter", "rates": {15: -1000}}, "is negative"),
        ({"type": "base_by_meter", "classes": {"household": {15: -1000}}}, "is negative"),
    ],
)
def test_a_negative_figure_is_refused_in_every_form(charge: dict[str, Any], where: str) -> None:
    with pytest.raises(tariffcore.RulesetError, match=where):
        version({"water": {**SOURCE, **charge}})


def test_a_negative_usage_limit_of_a_billing_cycle_is_refused() -> None:
    with pytest.raises(tariffcore.RulesetError, match="greater than 0"):
        version(
            {"water": {**SOURCE, "type": "volume", "classes": {"household": 300}}},
            billing_cycle={"months": [1, 2], "below_monthly_m3": {2: -100}},
        )


ARREARS: dict[str, Any] = {
    "ruleset": "test/city",
    "version": "arrears-x",
    "title": "test",
    "jurisdiction": "nowhere",
    "currency": "KRW",
    "effective": {"from": "2020-01-01", "basis": "due_date"},
    "confidence": "test",
    "sources": [{"id": "s", "title": "test source", "tag": "NEWS"}],
}


@pytest.mark.parametrize(
    ("rule", "where"),
    [
        ({"kind": "one_off", "percent": 150}, "more than the principal"),
        ({"kind": "daily", "percent": -3}, "negative"),
        ({"kind": "monthly", "percent": 1, "max_months": 60, "threshold": -1}, "greater than or equal to 0"),
    ],
)
def test_late_payment_figures_are_checked(rule: dict[str, Any], where: str) -> None:
    data = {**ARREARS, "arrears": {"rules": {"fee": {"label": "fee", "source": "s", **rule}}}}
    with pytest.raises(tariffcore.RulesetError, match=where):
        load_arrears_version(dump(data), "<test>")
