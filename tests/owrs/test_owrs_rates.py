"""RateParser's semantics, exactly: tier boundaries, budgets, maps, forward references, data
values over fields. Every expected amount is worked out by hand in a comment."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tariffcore_owrs.block import Block, compile_block
from tariffcore_owrs.errors import EvaluationError
from tariffcore_owrs.evaluate import Evaluation, evaluate_block
from tariffcore_owrs.tiers import budget_starts, split

F = Fraction


def block(fields: dict[str, Any], known: frozenset[str] = frozenset()) -> Block:
    read = compile_block("RESIDENTIAL_SINGLE", fields, ("rate_structure", "RESIDENTIAL_SINGLE"), known)
    assert not read.problems, read.problems
    return read


def run(fields: dict[str, Any], usage: str | int, **data: str) -> Evaluation:
    return evaluate_block(block(fields), {**data, "usage_ccf": F(str(usage))})


def quantities(
    kind: str, usage: str | int, starts: list[Any], budget: Fraction | None = None
) -> list[Fraction]:
    numbers = tuple(F(s) for s in starts)
    charge = split(kind, F(str(usage)), numbers, tuple(F(1) for _ in starts), tuple(starts), budget)
    found = {piece.tier: piece.quantity for piece in charge.slices}
    return [found.get(tier, F(0)) for tier in range(1, len(starts) + 1)]


# ----------------------------------------------------------------- Tiered


@pytest.mark.parametrize(
    ("usage", "starts", "expected"),
    [
        (20, [0, 15, 20], [14, 5, 1]),  # the README's example: units 1–14, 15–19, 20+
        (14, [0, 15, 20], [14, 0, 0]),
        ("14.5", [0, 15, 20], [14, "0.5", 0]),  # usage is continuous
        (0, [0, 15, 20], [0, 0, 0]),
        (25, [1, 10], [9, 16]),  # Walnut Valley starts at 1: the first start is ignored
        # fractional starts: tier 1 ends at 8.97 − 1 = 7.97, tier 2 at 12 − 1 = 11: 7.97, 3.03, 9
        (20, [0, "8.97", 12], ["7.97", "3.03", 9]),
        # California City's starts do not rise (0, 30, 50, 83, 13): tier 4 ends at 12, below the
        # 82 already placed, so it holds nothing and tier 5 takes the rest: 29 + 20 + 33 + 0 + 18.
        (100, [0, 30, 50, 83, 13], [29, 20, 33, 0, 18]),
    ],
)
def test_a_tiered_start_is_the_first_unit_of_its_tier(
    usage: Any, starts: list[Any], expected: list[Any]
) -> None:
    assert quantities("Tiered", usage, starts) == [F(str(e)) for e in expected]


def test_a_second_tier_starting_below_one_is_refused() -> None:
    with pytest.raises(EvaluationError, match="the first tier would hold a negative usage"):
        quantities("Tiered", 5, [0, "0.5"])


# ----------------------------------------------------------------- Budget


def test_a_budget_start_is_the_last_unit_of_the_tier_before() -> None:
    # budget 20: starts 0, 100 % (20), 150 % (30) become 1, 21, 31 → tiers 20, 10, rest
    starts = budget_starts((F(0), "100%", "150%"), F(20), {})
    assert starts == (F(0), F(20), F(30))
    charge = split("Budget", F(35), starts, (F(1), F(2), F(3)), (F(0), "100%", "150%"), F(20))
    assert [(p.quantity, p.amount) for p in charge.slices] == [(20, 20), (10, 20), (5, 15)]
    assert charge.amount == 55  # 20 × 1 + 10 × 2 + 5 × 3


def test_budget_words_and_shares_are_rounded_half_to_even() -> None:
    # indoor 6.5 → 6, outdoor 7.5 → 8, 125 % of 13 = 16.25 → 16, 50 % of 13 = 6.5 → 6
    found = budget_starts(
        (F(0), "indoor", "outdoor", "125%", "50%"), F(13), {"indoor": F("6.5"), "outdoor": F("7.5")}
    )
    assert found == (F(0), F(6), F(8), F(16), F(6))


BUDGET = {
    "commodity_charge": "Budget",
    "indoor_commodity": "hhsize*gpcd*days_in_period*(1/748)",
    "outdoor_commodity": "landscape_factor*et_amount*irr_area*0.62*(1/748)",
    "budget_commodity": "indoor+outdoor",
    "gpcd_commodity": 55,
    "landscape_factor_commodity": D("0.7"),
    "tier_starts_commodity": [0, "indoor", "100%", "125%"],
    "tier_prices_commodity": [D("1.69"), D("1.94"), D("3.32"), D("5.12")],
    "service_charge": D("11.22"),
    "bill": "service_charge+commodity_charge",
}


def test_a_budget_bill_by_hand() -> None:
    # indoor = 3 × 55 × 30 / 748 = 4950/748 = 6.617… → round 7
    # outdoor = 0.7 × 5 × 2000 × 0.62 / 748 = 4340/748 = 5.802… → round 6
    # budget = round(indoor) + round(outdoor) = 13; starts 0, 7, 13, round(16.25) = 16
    # 20 ccf: 7 × 1.69 + 6 × 1.94 + 3 × 3.32 + 4 × 5.12 = 11.83 + 11.64 + 9.96 + 20.48 = 53.91
    result = run(BUDGET, 20, hhsize="3", days_in_period="30", et_amount="5", irr_area="2000")
    assert result.values["indoor"] == F(4950, 748)
    assert result.values["budget"] == 13
    assert result.values["commodity_charge"] == F("53.91")
    assert result.values["bill"] == F("65.13")  # 11.22 + 53.91


# ----------------------------------------------------------------- fields, data and maps


def test_a_formula_may_use_a_field_written_after_it() -> None:
    result = run(
        {
            "bill": "service_charge+commodity_charge",
            "commodity_charge": "rate*usage_ccf",
            "service_charge": 10,
            "rate": D("2.5"),
        },
        4,
    )
    assert result.values["bill"] == 20  # 10 + 2.5 × 4
    assert result.order[:4] == ["service_charge", "rate", "commodity_charge", "bill"]


def test_a_data_value_wins_over_the_field_of_the_same_name() -> None:
    # days_in_period: 30 in the file is ignored: the row's 61 is used (RateParser's precedence)
    fields = {"days_in_period": 30, "service_charge": "days_in_period*0.5", "bill": "service_charge"}
    assert run(fields, 1, days_in_period="61").values["bill"] == F("30.5")


def test_maps_on_several_columns_look_up_the_joined_key() -> None:
    fields = {
        "service_charge": {
            "depends_on": ["meter_size", "city_limits"],
            "values": {
                '3/4"|inside_city': D("17.51"),
                '3/4"|outside_city': D("21.79"),
                '1|1/2"|inside_city': D("68.41"),
            },
        },
        "tier_starts": {"depends_on": "season", "values": {"Summer": [0, 10], "Winter": 0}},
        "tier_prices": {"depends_on": ["season"], "values": {"Summer": [1, 2], "Winter": 3}},
        "commodity_charge": "Tiered",
        "bill": "service_charge+commodity_charge",
    }
    summer = run(fields, 12, meter_size='3/4"', city_limits="outside_city", season="Summer")
    assert summer.keys["service_charge"] == '3/4"|outside_city'
    assert summer.values["bill"] == F("36.79")  # 21.79 + 9 × 1 + 3 × 2 = 21.79 + 15
    winter = run(fields, 12, meter_size='1|1/2"', city_limits="inside_city", season="Winter")
    assert winter.values["bill"] == F("104.41")  # 68.41 + 12 × 3 (one tier)


def test_numbers_in_keys_print_the_r_way() -> None:
    fields = {
        "service_charge": {"depends_on": "pressure_zone", "values": {1: 5, D("2.5"): 7}},
        "bill": "service_charge",
    }
    assert run(fields, 0, pressure_zone="1.0").values["bill"] == 5  # "1.0" is the number 1
    assert run(fields, 0, pressure_zone="2.50").values["bill"] == 7  # key 2.5


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        ({}, "missing_value", "service_charge depends on meter_size, which the row does not give"),
        ({"meter_size": '7/8"'}, "no_rate", "service_charge has no value for meter_size = '7/8\"'"),
        ({"meter_size": "NA"}, "missing_value", "the row gives no value"),
    ],
)
def test_a_map_without_the_rows_key_is_an_error_naming_it(
    data: dict[str, str], code: str, words: str
) -> None:
    fields = {
        "service_charge": {"depends_on": ["meter_size"], "values": {'3/4"': 1}},
        "bill": "service_charge",
    }
    with pytest.raises(EvaluationError) as caught:
        run(fields, 1, **data)
    assert caught.value.code == code and words in caught.value.message


def test_a_map_does_not_look_ahead_for_its_key() -> None:
    fields = {
        "service_charge": {"depends_on": "zone", "values": {"1": 5}},
        "zone": 1,
        "bill": "service_charge",
    }
    with pytest.raises(EvaluationError, match="a map looks its key up only among data values"):
        run(fields, 1)
    assert run(fields, 1, zone="1").values["bill"] == 5  # given as data, it is found


@pytest.mark.parametrize(
    ("fields", "data", "code", "words"),
    [
        ({"bill": "hhsize*2"}, {}, "missing_value", "bill uses hhsize, which is neither a field"),
        (
            {"bill": "hhsize*2"},
            {"hhsize": "three"},
            "invalid_value",
            "bill needs hhsize as a number, and the row gives 'three'",
        ),
        ({"bill": "10/(hhsize-3)"}, {"hhsize": "3"}, "invalid_value", "bill divides by zero"),
        (
            {
                "tier_starts": [0, 10],
                "tier_prices": [1],
                "commodity_charge": "Tiered",
                "bill": "commodity_charge",
            },
            {},
            "invalid_value",
            "tier_starts has 2 tiers but tier_prices has 1",
        ),
        (
            {
                "tier_starts": [0, "150%"],
                "tier_prices": [1, 2],
                "commodity_charge": "Tiered",
                "bill": "commodity_charge",
            },
            {},
            "invalid_value",
            "percentages and budget words are for Budget",
        ),
    ],
)
def test_what_a_row_cannot_be_billed_for_is_named(
    fields: dict[str, Any], data: dict[str, str], code: str, words: str
) -> None:
    with pytest.raises(EvaluationError) as caught:
        run(fields, 5, **data)
    assert caught.value.code == code and words in caught.value.message


def test_every_field_is_evaluated_even_one_the_bill_does_not_use() -> None:
    fields = {"unused": "drought_stage*2", "bill": "5"}
    with pytest.raises(EvaluationError, match="unused uses drought_stage"):
        run(fields, 1)


# ----------------------------------------------------------------- what a file may not say


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"bill": "service_charge", "service_charge": "Tiered"},
            "service_charge: Tiered is a rate type, which only commodity_charge and sewer_charge may be",
        ),
        ({"bill": "a", "a": "b+1", "b": "a*2"}, "formulas refer to each other in a circle: a → b → a"),
        ({"bill": "1", "x": {"depends_on": "z", "values": [1, 2]}}, "x: a map needs 'values'"),
        (
            {"bill": "1", "x": {"depends_on": "z", "area_starts": [1], "values": {"1": 2}}},
            "a map has 'depends_on' and 'values' only, not 'area_starts'",
        ),
        ({"bill": "1", "tier_starts": [0, "lots"]}, "tier_starts item 2 is 'lots'"),
        (
            {"bill": "1", "flat_rate": 1, "flat_rate_commodity": 2},
            "flat_rate_commodity and flat_rate are both given",
        ),
        ({"bill": "round(a)", "a": 1}, "bill: function calls (round(…)) are not supported"),
        ({"a": 1}, "class RESIDENTIAL_SINGLE has no 'bill' formula"),
    ],
)
def test_a_class_that_cannot_be_billed_says_why(fields: dict[str, Any], words: str) -> None:
    read = compile_block("RESIDENTIAL_SINGLE", fields, ("rate_structure", "RESIDENTIAL_SINGLE"))
    assert any(words in message for _, message in read.problems), read.problems


def test_standard_names_and_fields_set_aside() -> None:
    read = block(
        {
            "commodity_charge": "flat_rate_commodity*usage_ccf",
            "flat_rate_commodity": 2,
            "fixed_drought_surcharge": "Tiered",
            "variable_drought_surcharge": 5,
            "extra": "variable_drought_surcharge*1",
            "bill": "commodity_charge+extra",
        }
    )
    assert "flat_rate" in read.fields and "fixed_drought_surcharge" not in read.fields
    assert "variable_drought_surcharge" in read.fields  # a formula uses it: kept
    assert read.dropped == ("fixed_drought_surcharge",)
    assert evaluate_block(read, {"usage_ccf": F(3)}).values["bill"] == 11  # 2 × 3 + 5


# ----------------------------------------------------------------- properties


@given(
    usage=st.fractions(min_value=0, max_value=500, max_denominator=100),
    more=st.fractions(min_value=0, max_value=50, max_denominator=100),
    widths=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=5),
    prices=st.lists(st.fractions(min_value=0, max_value=20, max_denominator=1000), min_size=6, max_size=6),
)
def test_tiers_hold_all_the_usage_and_never_cost_less_for_more(
    usage: Fraction, more: Fraction, widths: list[int], prices: list[Fraction]
) -> None:
    starts = [F(0)]
    for width in widths:
        starts.append(starts[-1] + width + (1 if len(starts) == 1 else 0))
    rates = tuple(sorted(prices[: len(starts)]))
    for kind in ("Tiered", "Budget"):
        low = split(kind, usage, tuple(starts), rates, tuple(starts))
        high = split(kind, usage + more, tuple(starts), rates, tuple(starts))
        assert sum(piece.quantity for piece in low.slices) == usage
        assert sum(piece.amount for piece in low.slices) == low.amount
        assert high.amount >= low.amount


def test_a_sewer_charge_may_be_tiered_from_its_own_tiers() -> None:
    fields = {
        "sewer_tier_starts": [0, 5],
        "sewer_tier_prices": [D("1.5"), D("2.5")],
        "sewer_charge": "Tiered",
        "bill": "sewer_charge",
    }
    # 8 ccf: tier 1 holds units 1–4 (4 × 1.5 = 6), tier 2 the other 4 (4 × 2.5 = 10)
    assert run(fields, 8).values["bill"] == 16
