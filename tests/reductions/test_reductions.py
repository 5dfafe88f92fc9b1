"""Reductions (감면) as ruleset data: volume allowances, percentages, exclusivity, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariffcore import (
    BillingError,
    NotApplicableError,
    PluginError,
    Reading,
    Reduced,
    ReductionContext,
    ReductionSpec,
    ReductionType,
    Ruleset,
    RulesetError,
    UnknownValueError,
    hookimpl,
    load_version_file,
)
from tariffcore.plugins import load_plugins
from tariffcore.reductions import PercentageReduction
from tests import strategies
from tests.helpers import BASE, account, amounts, dump, reading, version

TIERS = [{"upto": 20, "rate": 650}, {"upto": 30, "rate": 810}, {"rate": 1030}]
CHARGES: dict[str, Any] = {
    "water": {
        "type": "graduated",
        "label": "water",
        "source": "s",
        "classes": {"household": TIERS, "general": 1000},
    },
    "sewer": {
        "type": "graduated",
        "label": "sewer",
        "source": "s",
        "classes": {"household": 400, "general": 500},
    },
    "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": 170},
}
REDUCTIONS: dict[str, Any] = {
    "free_water": {
        "type": "volume_allowance",
        "label": "free water",
        "source": "s",
        "volume": 10,
        "charges": ["water", "sewer", "levy"],
    },
    "share": {
        "type": "percentage",
        "label": "share",
        "source": "s",
        "percent": {"household": 20, "general": 10},
        "charges": ["water"],
        "exclusive": True,
    },
    "other": {"type": "percentage", "label": "other", "source": "s", "percent": 50, "charges": ["sewer"]},
    "mystery": {"type": "unknown", "label": "mystery", "source": "s", "charges": ["water"]},
}


def v(**fields: Any) -> Any:
    return version(CHARGES, reductions=fields.pop("reductions", REDUCTIONS), **fields)


def test_volume_allowance_comes_off_the_first_tiers() -> None:
    # 35 m³: water 20 × 650 + 10 × 810 + 5 × 1,030 = 26,250; the free 10 m³ are the first
    # 10 m³ of the bill: 10 × 650 = 6,500 (not 10 × 1,030 at the top tier)
    bill = v().bill(account(reductions=("free_water",)), reading(35))
    assert amounts(bill) == {
        "water": 26250,
        "water_reduction": -6500,
        "sewer": 14000,
        "sewer_reduction": -4000,  # 35 × 400; 10 × 400
        "levy": 5950,
        "levy_reduction": -1700,  # 35 × 170; 10 × 170
    }
    assert bill.total == 26250 - 6500 + 14000 - 4000 + 5950 - 1700
    line = bill.line("water_reduction")
    assert line is not None
    assert line.rule == "water_reduction.free_water"
    assert line.version == "1" and line.sources[0].id == "s"
    assert line.quantity == 10 and line.unit == "m3"


def test_volume_allowance_never_exceeds_the_usage() -> None:
    bill = v().bill(account(reductions=("free_water",)), reading(4))
    assert bill.total == 0  # 4 m³ of each charge, all free


def test_volume_allowance_is_per_month_of_the_bill() -> None:
    cycle = {"months": [2], "default": 2, "per_month": ["water", "sewer"]}
    # two months: tiers 0–40 / 41–60 / 61+, 20 m³ free: 20 × 650 = 13,000 off water
    bill = v(billing_cycle=cycle).bill(account(reductions=("free_water",)), reading(50))
    assert amounts(bill)["water"] == 40 * 650 + 10 * 810
    assert amounts(bill)["water_reduction"] == -13000
    assert amounts(bill)["levy_reduction"] == -20 * 170


def test_percentage_by_use_class() -> None:
    bill = v().bill(account(reductions=("share",)), reading(35))
    assert amounts(bill)["water_reduction"] == Decimal("-5250")  # 26,250 × 20 %
    general = v().bill(account("general", reductions=("share",)), reading(10))
    assert amounts(general)["water_reduction"] == -1000  # 10,000 × 10 %
    assert "sewer_reduction" not in amounts(general)


def test_reduction_lines_take_the_charges_rounding_unless_told() -> None:
    rounded = v(rounding={"unit": 10, "method": "truncate"})
    # 21 m³: water 13,810; 20 % = 2,762 → truncated to 10: 2,760
    assert amounts(rounded.bill(account(reductions=("share",)), reading(21)))["water_reduction"] == -2760
    own = dict(REDUCTIONS, share={**REDUCTIONS["share"], "rounding": "none"})
    exact = v(rounding={"unit": 10, "method": "truncate"}, reductions=own)
    assert amounts(exact.bill(account(reductions=("share",)), reading(21)))["water_reduction"] == -2762


def test_exclusive_reduction_is_not_combinable() -> None:
    with pytest.raises(BillingError, match="cannot be combined") as caught:
        v().bill(account(reductions=("share", "other")), reading(10))
    assert caught.value.code == "reduction_conflict"


def test_two_reductions_of_one_charge_are_refused() -> None:
    both = dict(REDUCTIONS, share={**REDUCTIONS["share"], "exclusive": False})
    with pytest.raises(BillingError, match="both reduce water") as caught:
        v(reductions=both).bill(account(reductions=("free_water", "share")), reading(10))
    assert caught.value.code == "reduction_conflict"
    # on different charges they combine
    bill = v(reductions=both).bill(account(reductions=("share", "other")), reading(10))
    assert amounts(bill)["water_reduction"] == -1300 and amounts(bill)["sewer_reduction"] == -2000


def test_unknown_reduction_id_and_unknown_amount() -> None:
    with pytest.raises(NotApplicableError, match="no reduction 'nope'") as caught:
        v().bill(account(reductions=("nope",)), reading(10))
    assert caught.value.code == "unknown_reduction"
    with pytest.raises(UnknownValueError, match="'mystery'"):
        v().bill(account(reductions=("mystery",)), reading(10))


def test_reduction_of_a_class_that_may_not_claim_it() -> None:
    limited = dict(REDUCTIONS, free_water={**REDUCTIONS["free_water"], "applies_to": ["general"]})
    with pytest.raises(NotApplicableError) as caught:
        v(reductions=limited).bill(account(reductions=("free_water",)), reading(10))
    assert caught.value.code == "reduction_not_applicable"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"type": "volume_allowance", "label": "x", "source": "s", "volume": 10, "charges": ["gas"]},
            "'gas'",
        ),
        (
            {"type": "percentage", "label": "x", "source": "s", "percent": 120, "charges": ["water"]},
            "at most 100",
        ),
        (
            {
                "type": "percentage",
                "label": "x",
                "source": "s",
                "percent": 20,
                "charges": ["water"],
                "applies_to": ["shop"],
            },
            "'shop'",
        ),
        ({"type": "refund", "label": "x", "source": "s"}, "unknown reduction type"),
        (
            {
                "type": "volume_allowance",
                "label": "x",
                "source": "nowhere",
                "volume": 10,
                "charges": ["water"],
            },
            "'nowhere'",
        ),
    ],
)
def test_malformed_reductions_are_located_problems(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesetError, match=message) as caught:
        v(reductions={"bad": entry})
    assert all(problem.line > 1 for problem in caught.value.problems)


@given(usage=strategies.usage, claim=st.sampled_from(["free_water", "share", "other"]))
def test_reductions_never_exceed_the_gross_and_lines_sum_to_the_total(usage: Decimal, claim: str) -> None:
    # Usage in hundredths of a m³ makes fractions of a won: lines are truncated to the won.
    bill = v(rounding={"unit": 1, "method": "truncate"}).bill(account(reductions=(claim,)), reading(usage))
    gross = {line.charge: line.amount for line in bill.lines if not line.charge.endswith("_reduction")}
    for line in bill.lines:
        if line.charge.endswith("_reduction"):
            assert line.amount <= 0
            assert -line.amount <= gross[line.charge.removesuffix("_reduction")]
    assert bill.total == sum((line.amount for line in bill.lines), Decimal(0))
    assert bill.total >= 0


class _FlatSpec(ReductionSpec):
    won: Decimal


class _Flat(ReductionType):
    """A fixed amount off each named charge: a reduction type from outside tariffcore."""

    name = "flat"
    spec = _FlatSpec

    def compile(self, spec: Any, ctx: Any) -> Any:
        def compute(bill: ReductionContext) -> dict[str, Reduced]:
            return {charge: Reduced(spec.won) for charge in spec.charges if charge in bill.lines}

        return compute


class _FlatPlugin:
    @hookimpl
    def tariffcore_reduction_types(self) -> list[ReductionType]:
        return [_Flat()]


def test_a_plugin_adds_a_reduction_type_through_the_hook() -> None:
    plugins = load_plugins(entry_points=False, extra=[_FlatPlugin()])
    assert {"volume_allowance", "percentage", "unknown", "flat"} <= set(plugins.reduction_types)
    data = {
        **BASE,
        "charges": CHARGES,
        "reductions": {
            "flat": {"type": "flat", "label": "flat", "source": "s", "won": 1000, "charges": ["sewer"]}
        },
    }
    compiled = load_version_file(dump(data), "<plugin test>", plugins)
    bill = compiled.bill(account(reductions=("flat",)), reading(10))
    assert amounts(bill)["sewer_reduction"] == -1000  # sewer 10 × 400 = 4,000, 1,000 off
    # capped at the gross line: 2 m³ of sewer is 800
    assert amounts(compiled.bill(account(reductions=("flat",)), reading(2)))["sewer_reduction"] == -800


def test_two_plugins_cannot_offer_one_reduction_type() -> None:
    with pytest.raises(PluginError, match="'percentage' is already provided"):

        class _Clash:
            @hookimpl
            def tariffcore_reduction_types(self) -> list[ReductionType]:
                return [PercentageReduction()]

        load_plugins(entry_points=False, extra=[_Clash()])


SPLIT = {
    "basis": "usage",
    "policy": "split_by_days",
    "apportion": {"m3": {"unit": 1, "method": "half_up"}, "fixed": {"unit": "0.0001", "method": "half_up"}},
}


def test_a_volume_allowance_on_a_period_split_by_days() -> None:
    def charges(rate: int) -> dict[str, Any]:
        return {
            "water": {
                "type": "graduated",
                "label": "water",
                "source": "s",
                "classes": {"household": rate, "general": rate},
            }
        }

    free = {
        "free": {
            "type": "volume_allowance",
            "label": "free",
            "source": "s",
            "volume": 10,
            "charges": ["water"],
        }
    }
    first = version(charges(500), version="1", reductions=free, effective={**SPLIT, "from": "2024-01-01"})
    second = version(charges(600), version="2", reductions=free, effective={**SPLIT, "from": "2025-01-01"})
    ruleset = Ruleset("test/city", (first, second))
    # 31 days: 15 in December at 500, 16 in January at 600; 31 m³ → 15 m³ and 16 m³
    # (31 × 15/31 = 15): water 15 × 500 + 16 × 600 = 7,500 + 9,600 = 17,100.
    # The free 10 m³ split the same way: 10 × 15/31 = 4.84 → 5 m³ at 500 and 5 m³ at 600 = 5,500.
    bill = ruleset.bill(
        account(reductions=("free",)),
        Reading(Decimal(31), period_start=date(2024, 12, 17), period_end=date(2025, 1, 16)),
    )
    assert amounts(bill) == {"water": 17100, "water_reduction": -5500}
    assert bill.total == 11600
