"""Properties every bill must have, whatever the tiers and the usage."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tests import strategies
from tests.helpers import account, dump, reading, version


def _ruleset(
    tiers: list[dict[str, object]], kind: str = "graduated", scale: bool = False
) -> tariffcore.CompiledVersion:
    return version(
        {
            "base": {"type": "base_by_meter", "label": "base", "source": "s", "rates": {15: 1080}},
            "water": {
                "type": kind,
                "label": "water",
                "source": "s",
                "classes": {"household": {"tiers": tiers, "scale_by_households": scale}},
            },
            "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": 170},
        },
        rounding={"unit": 10, "method": "truncate"},
    )


@given(strategies.tier_table(), strategies.usage, strategies.usage, strategies.households)
def test_more_usage_never_costs_less(
    tiers: list[dict[str, object]], a: Decimal, b: Decimal, homes: int
) -> None:
    v = _ruleset(tiers, scale=True)
    low, high = sorted((a, b))
    who = account(meter_mm=15, household_units=homes)
    assert v.bill(who, reading(low)).total <= v.bill(who, reading(high)).total


@given(strategies.tier_table(), strategies.usage, st.sampled_from(["graduated", "volume"]))
def test_lines_sum_to_the_total_and_slices_to_the_line(
    tiers: list[dict[str, object]], usage: Decimal, kind: str
) -> None:
    bill = _ruleset(tiers, kind).bill(account(meter_mm=15), reading(usage))
    assert bill.total == sum(line.amount for line in bill.lines)
    water = bill.line("water")
    assert water is not None
    assert water.unrounded == sum(piece.amount for piece in water.slices)
    assert sum(piece.quantity for piece in water.slices) == usage


@given(strategies.tier_table(), strategies.usage)
def test_same_input_same_bill(tiers: list[dict[str, object]], usage: Decimal) -> None:
    first = _ruleset(tiers).bill(account(meter_mm=15), reading(usage))
    second = _ruleset(tiers).bill(account(meter_mm=15), reading(usage))
    assert first == second
    assert tariffcore.bill_to_dict(first) == tariffcore.bill_to_dict(second)


@given(strategies.tier_table(min_tiers=2), strategies.usage)
def test_graduated_never_costs_more_than_volume_at_rising_rates(
    tiers: list[dict[str, object]], usage: Decimal
) -> None:
    rates = sorted(Decimal(str(t["rate"])) for t in tiers)
    rising = [{**t, "rate": r} for t, r in zip(tiers, rates)]
    graduated = _ruleset(rising).bill(account(meter_mm=15), reading(usage)).line("water")
    volume = _ruleset(rising, "volume").bill(account(meter_mm=15), reading(usage)).line("water")
    assert graduated is not None and volume is not None
    assert graduated.unrounded <= volume.unrounded


@given(strategies.tier_table())
def test_ruleset_survives_dump_and_load(tiers: list[dict[str, object]]) -> None:
    v = _ruleset(tiers)
    again = tariffcore.load_version_file(
        dump(v.spec.model_dump(mode="python", by_alias=True, exclude_none=True)), "<again>"
    )
    assert again.spec == v.spec
    assert again.bill(account(meter_mm=15), reading(123)) == v.bill(account(meter_mm=15), reading(123))
