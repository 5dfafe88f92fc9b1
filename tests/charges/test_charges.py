"""Each built-in charge type on small rulesets, with expectations worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tariffcore import (
    BillingError,
    CompiledVersion,
    InputError,
    NotApplicableError,
    RulesetError,
    UnknownValueError,
    bill_to_dict,
    explain_bill,
)
from tests.helpers import account, reading, version

CHANGWON_HOUSEHOLD = [{"upto": 20, "rate": 650}, {"upto": 30, "rate": 810}, {"rate": 1030}]


def water(classes: dict[str, object], kind: str = "graduated", **extra: object) -> dict[str, object]:
    return {"water": {"type": kind, "label": "water", "source": "s", "classes": classes, **extra}}


# ----------------------------------------------------------------------------- graduated


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (0, 0),
        (1, 650),
        (20, 13_000),  # 20 × 650
        (21, 13_810),  # + 1 × 810
        (30, 21_100),  # 13,000 + 10 × 810
        (35, 26_250),  # 21,100 + 5 × 1,030
        ("20.5", Decimal("13405")),  # 13,000 + 0.5 × 810
    ],
)
def test_graduated_tiers_are_inclusive_integer_ranges(usage: object, expected: object) -> None:
    v = version(water({"household": CHANGWON_HOUSEHOLD}))
    bill = v.bill(account(), reading(usage))
    assert bill.total == Decimal(str(expected))


def test_graduated_slices_name_their_tiers() -> None:
    v = version(water({"household": CHANGWON_HOUSEHOLD}))
    line = v.bill(account(), reading(35)).lines[0]
    assert [(s.tier, s.lower, s.upper, s.quantity, s.rate) for s in line.slices] == [
        (1, 0, 20, 20, 650),
        (2, 20, 30, 10, 810),
        (3, 30, None, 5, 1030),
    ]
    assert line.slices[1].describe() == "household tier 2 (21–30 m³): 10 × 810 = 8100"
    assert line.rule == "water.household"
    assert line.unit_price is None  # several rates: see the slices


def test_tier_widths_scale_by_households() -> None:
    tiers = {"tiers": CHANGWON_HOUSEHOLD, "scale_by_households": True}
    v = version(water({"household": tiers}))
    # 3 households: 1–60 at 650, 61–90 at 810, the rest at 1,030 → 60 × 650 + 30 × 810 + 10 × 1,030
    bill = v.bill(account(household_units=3), reading(100))
    assert bill.total == 39_000 + 24_300 + 10_300
    with pytest.raises(InputError, match="household_units is 0"):
        v.bill(account(household_units=0), reading(10))


def test_volume_tiers_bill_all_usage_at_one_block() -> None:
    v = version(water({"household": CHANGWON_HOUSEHOLD}, kind="volume"))
    assert v.bill(account(), reading(20)).total == 20 * 650
    assert v.bill(account(), reading(21)).total == 21 * 810
    assert v.bill(account(), reading(35)).total == 35 * 1030


def test_single_rate_and_same_as_another_class_tier() -> None:
    v = version(
        water(
            {
                "household": 850,
                "general": [{"upto": 50, "rate": 1030}, {"rate": 1270}],
                "school": {"same_as": "general", "tier": 1},
                "public": {"same_as": "general"},
            }
        ),
        use_classes={c: {"label": c} for c in ("household", "general", "school", "public")},
    )
    assert v.bill(account(), reading(10)).total == 8_500
    assert v.bill(account("school"), reading(500)).total == 515_000  # 500 × 1,030
    assert v.bill(account("public"), reading(60)).total == 51_500 + 12_700  # general's tiers


def test_mixed_use_allowance_per_household() -> None:
    v = version(
        water(
            {
                "household": 850,
                "general": {
                    "tiers": [{"upto": 50, "rate": 1520}, {"rate": 2160}],
                    "allowance": {"per_household": 15, "billed_as": "household"},
                },
            }
        ),
        use_classes={"household": {"label": "h"}, "general": {"label": "g", "household_units_default": 0}},
    )
    # 2 households: 30 m³ at 850, then 70 m³ at general tiers: 50 × 1,520 + 20 × 2,160
    mixed = v.bill(account("general", household_units=2), reading(100))
    assert mixed.total == 25_500 + 76_000 + 43_200
    assert [s.use_class for s in mixed.lines[0].slices] == ["household", "general", "general"]
    # a plain general meter serves no household: no allowance
    assert v.bill(account("general"), reading(100)).total == 76_000 + 108_000


def _flat_allowance_version(rate: object) -> CompiledVersion:
    return version(
        water(
            {
                "household": [{"upto": 20, "rate": 585}, {"upto": 30, "rate": 990}, {"rate": 1265}],
                "general": {
                    "tiers": [{"upto": 100, "rate": 950}, {"rate": 1385}],
                    "allowance": {"per_household": 15, "rate": rate},
                },
            }
        ),
        use_classes={"household": {"label": "h"}, "general": {"label": "g", "household_units_default": 0}},
    )


def test_mixed_use_allowance_at_a_flat_rate() -> None:
    v = _flat_allowance_version(585)
    # 2 households, 40 m³: 30 m³ at 585 (not the household tiers 20 × 585 + 10 × 990),
    # then 10 m³ at general 950: 17,550 + 9,500 = 27,050
    mixed = v.bill(account("general", household_units=2), reading(40))
    line = mixed.lines[0]
    assert mixed.total == 27_050
    assert line.rule == "water.general+allowance"
    assert [(s.use_class, s.quantity, s.rate, s.amount) for s in line.slices] == [
        ("allowance", 30, 585, 17_550),
        ("general", 10, 950, 9_500),
    ]
    assert line.slices[0].describe() == "allowance tier 1 (1–30 m³): 30 × 585 = 17550"
    explained = explain_bill(mixed)
    assert "rule     water.general+allowance" in explained
    assert "tier     allowance tier 1 (1–30 m³): 30 × 585 = 17550" in explained
    assert bill_to_dict(mixed)["lines"][0]["slices"][0]["use_class"] == "allowance"
    # usage below the allowance: all of it at 585 (12 × 585 = 7,020)
    assert v.bill(account("general", household_units=1), reading(12)).total == 7_020
    # no household behind the meter: no allowance, 40 × 950
    assert v.bill(account("general"), reading(40)).total == 38_000


def test_unknown_flat_allowance_fails_only_for_a_mixed_meter() -> None:
    v = _flat_allowance_version("unknown")
    assert v.bill(account("general"), reading(40)).total == 38_000  # 40 × 950
    with pytest.raises(UnknownValueError, match=r"mixed-use allowance \(15 m³ per household\)"):
        v.bill(account("general", household_units=1), reading(40))


@pytest.mark.parametrize(
    ("allowance", "message"),
    [
        ({"per_household": 15}, "exactly one of 'billed_as' or 'rate'"),
        (
            {"per_household": 15, "rate": 585, "billed_as": "household"},
            "exactly one of 'billed_as' or 'rate'",
        ),
        ({"per_household": 15, "rate": -1}, "allowance rate -1 must not be negative"),
        ({"per_household": 15, "billed_as": "school"}, "allowance billed as 'school'"),
    ],
)
def test_allowance_mistakes_are_ruleset_errors(allowance: dict[str, object], message: str) -> None:
    with pytest.raises(RulesetError, match=message):
        version(
            water({"household": 585, "general": {"rate": 950, "allowance": allowance}}),
            use_classes={"household": {"label": "h"}, "general": {"label": "g"}},
        )


def test_unknown_rate_fails_only_when_reached() -> None:
    v = version(
        water({"household": [{"upto": 10, "rate": 570}, {"upto": 16, "rate": 750}, {"rate": "unknown"}]})
    )
    assert v.bill(account(), reading(16)).total == 5_700 + 4_500
    with pytest.raises(UnknownValueError, match=r"tier 3 \(17\+ m³\) is unknown"):
        v.bill(account(), reading(17))


def test_unknown_tier_end_fails_once_usage_enters_the_tier() -> None:
    v = version(water({"household": [{"upto": "unknown", "rate": 1120}, {"rate": "unknown"}]}))
    assert v.bill(account(), reading(0)).total == 0
    with pytest.raises(UnknownValueError, match="where tier 1"):
        v.bill(account(), reading(1))


def test_class_without_rates_is_not_applicable() -> None:
    v = version(water({"household": 850}))
    with pytest.raises(NotApplicableError, match="no rate for use class 'general'"):
        v.bill(account("general"), reading(5))


def test_unknown_use_class_suggests_the_close_one() -> None:
    v = version(water({"household": 850}))
    with pytest.raises(NotApplicableError, match="did you mean 'household'") as caught:
        v.bill(account("housold"), reading(5))
    assert caught.value.code == "unknown_use_class"


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        (
            [{"upto": 50, "rate": 1}, {"upto": 30, "rate": 2}, {"rate": 3}],
            "tier 'upto' 30 is below the previous tier's 50",
        ),
        ([{"upto": 50, "rate": 1}, {"upto": 60, "rate": 2}], "the top tier must be open"),
        ([{"rate": 1}, {"upto": 60, "rate": 2}, {"rate": 3}], "only the top tier may leave out 'upto'"),
    ],
)
def test_tier_mistakes_are_ruleset_errors(tiers: list[dict[str, object]], message: str) -> None:
    with pytest.raises(RulesetError, match=message):
        version(water({"household": tiers}))


# ----------------------------------------------------------------------------- per unit


def test_per_unit_levy_with_coefficient_and_rounding() -> None:
    levy = {
        "levy": {
            "type": "per_unit",
            "label": "levy",
            "source": "s",
            "rate": {
                "base": 170,
                "factors": [Decimal("0.491")],
                "rounding": {"unit": Decimal("0.1"), "method": "half_up"},
            },
        }
    }
    line = version(levy).bill(account(), reading(20)).lines[0]
    assert line.unit_price == Decimal("83.5")  # 170 × 0.491 = 83.47 → 83.5
    assert line.amount == Decimal("1670.0")  # 20 × 83.5
    assert line.notes == ("unit price 170 × 0.491 = 83.470, half-up to 0.1: 83.5",)


def test_per_unit_factor_supplied_by_the_account() -> None:
    levy = {
        "levy": {
            "type": "per_unit",
            "label": "levy",
            "source": "s",
            "rate": {
                "base": 170,
                "factors": [
                    Decimal("0.882"),
                    {"input": "levy_rate", "values": {"100": 1, "70": Decimal("0.7")}},
                ],
                "rounding": {"unit": Decimal("0.1"), "method": "half_up"},
            },
        }
    }
    v = version(levy)
    full = v.bill(account(attributes={"levy_rate": "100"}), reading(10)).lines[0]
    assert full.unit_price == Decimal("149.9")  # 170 × 0.882 = 149.94 → 149.9
    reduced = v.bill(account(attributes={"levy_rate": "70"}), reading(10)).lines[0]
    assert reduced.unit_price == Decimal("105.0")  # 149.94 × 0.7 = 104.958 → 105.0
    with pytest.raises(InputError, match="'levy_rate' .one of 100, 70"):
        v.bill(account(), reading(10))
    with pytest.raises(InputError, match="levy_rate '50' is not one of 100, 70"):
        v.bill(account(attributes={"levy_rate": "50"}), reading(10))


def test_per_unit_rate_by_class() -> None:
    levy = {
        "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": 170, "classes": {"general": 160}}
    }
    v = version(levy)
    assert v.bill(account(), reading(10)).total == 1_700
    assert v.bill(account("general"), reading(10)).total == 1_600


# ----------------------------------------------------------------------------- base charge


def test_base_charge_by_meter_size() -> None:
    base = {
        "base": {
            "type": "base_by_meter",
            "label": "base",
            "source": "s",
            "rates": {13: 1100, 100: 61850, 20: "unknown"},
        }
    }
    v = version(base)
    assert v.bill(account(meter_mm=100), reading(0)).total == 61_850
    with pytest.raises(UnknownValueError, match="20 mm meter is unknown"):
        v.bill(account(meter_mm=20), reading(0))
    with pytest.raises(UnknownValueError, match=r"known sizes: 13, 100 mm"):
        v.bill(account(meter_mm=25), reading(0))
    with pytest.raises(InputError, match="meter_mm is required"):
        v.bill(account(), reading(0))


def test_base_charge_with_no_size_known_says_so() -> None:
    base = {"base": {"type": "base_by_meter", "label": "base", "source": "s", "rates": {13: "unknown"}}}
    with pytest.raises(UnknownValueError) as raised:
        version(base).bill(account(meter_mm=13), reading(0))
    assert str(raised.value).endswith(
        "13 mm meter is unknown in the ordinance data (no size's charge is known)"
    )


CLASSES = {c: {"label": c} for c in ("household", "general", "bathhouse", "industrial")}


def per_class_base(classes: dict[str, object], **extra: object) -> dict[str, object]:
    return {"base": {"type": "base_by_meter", "label": "base", "source": "s", "classes": classes, **extra}}


def test_base_charge_by_use_class_and_meter_size() -> None:
    v = version(
        per_class_base(
            {"household": {15: 1200, 20: "unknown"}, "general": "unknown"},
            applies_to=["household", "general", "bathhouse"],
        ),
        use_classes=CLASSES,
    )
    # household 15 mm: 1,200 a month
    line = v.bill(account(meter_mm=15), reading(10)).lines[0]
    assert (line.amount, line.rule) == (1_200, "base.15mm")
    with pytest.raises(UnknownValueError, match=r"base \(household\): the charge for a 20 mm meter"):
        v.bill(account(meter_mm=20), reading(0))
    with pytest.raises(UnknownValueError, match=r"base charge of use class 'general' is unknown"):
        v.bill(account("general", meter_mm=15), reading(0))
    # listed in applies_to but given no table: not applicable, said plainly
    with pytest.raises(NotApplicableError, match="no base charge for use class 'bathhouse'"):
        v.bill(account("bathhouse", meter_mm=15), reading(0))
    # outside applies_to: no base line at all
    assert v.bill(account("industrial", meter_mm=15), reading(0)).lines == ()


@pytest.mark.parametrize(
    ("charge", "message"),
    [
        (per_class_base({"household": {15: 1200}}, rates={15: 1200}), "exactly one of 'rates' or 'classes'"),
        (
            {"base": {"type": "base_by_meter", "label": "b", "source": "s"}},
            "exactly one of 'rates' or 'classes'",
        ),
        (per_class_base({"housold": {15: 1200}}), "unknown use class 'housold'"),
        (per_class_base({"household": {0: 1200}}), "meter size 0 mm must be positive"),
    ],
)
def test_per_class_base_mistakes_are_ruleset_errors(charge: dict[str, object], message: str) -> None:
    with pytest.raises(RulesetError, match=message):
        version(charge, use_classes=CLASSES)


# ----------------------------------------------------------------------------- lines


def test_line_rounding_declared_by_the_version_and_overridden_by_a_charge() -> None:
    charges = {
        "water": {"type": "per_unit", "label": "w", "source": "s", "rate": Decimal("13.7")},
        "levy": {
            "type": "per_unit",
            "label": "l",
            "source": "s",
            "rate": Decimal("13.7"),
            "rounding": "none",
        },
    }
    rounded = version(charges, rounding={"unit": 10, "method": "truncate"})
    # 10 × 13.7 = 137: water truncated to 130, the levy kept exact at 137
    bill = rounded.bill(account(), reading(10))
    water_line, levy_line = bill.lines
    assert (water_line.unrounded, water_line.amount) == (Decimal("137.0"), Decimal("130"))
    assert water_line.rounding == "truncate to 10"
    assert (levy_line.amount, levy_line.rounding) == (Decimal("137"), None)
    assert bill.total == Decimal("267")
    # 7 × 13.7 = 95.9: 'none' keeps a fraction of a won, which no bill may carry
    with pytest.raises(BillingError, match="levy: the line comes to 95.9 KRW") as caught:
        rounded.bill(account(), reading(7))
    assert caught.value.code == "undeclared_rounding"


def test_applies_to_limits_a_charge_to_some_classes() -> None:
    charges = {
        "base": {
            "type": "base_by_meter",
            "label": "b",
            "source": "s",
            "rates": {15: 100},
            "applies_to": ["household"],
        }
    }
    v = version(charges)
    assert len(v.bill(account(meter_mm=15), reading(1)).lines) == 1
    assert v.bill(account("general", meter_mm=15), reading(1)).lines == ()


def test_a_source_the_digest_gives_no_tag_for_is_untagged() -> None:
    untagged = [{"id": "s", "title": "stated without a source tag", "tag": "UNTAGGED"}]
    v = version(water({"household": 170}), sources=untagged)
    assert [s.tag for s in v.bill(account(), reading(10)).lines[0].sources] == ["UNTAGGED"]
    with pytest.raises(RulesetError, match="UNTAGGED"):
        version(water({"household": 170}), sources=[{**untagged[0], "tag": "NONE"}])
