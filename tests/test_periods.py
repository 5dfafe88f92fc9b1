"""Apportioning by days: exact parts, and the two properties the policies promise."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tariffcore.money import ROUNDING_METHODS, Rounding
from tariffcore.periods import MONTH_TOLERANCE_DAYS, apportion, segments
from tests import strategies
from tests.helpers import fixture_catalog, switch_variant, version


def test_apportion_by_hand() -> None:
    # 31 m³ over 16 + 46 days: round(31 × 16 / 62 = 8) = 8, then 31 − 8 = 23
    assert apportion(Decimal(31), [16, 46], Rounding(Decimal(1), "half_up")) == (8, 23)
    # 10 m³ over three parts of 10 days: cumulative 3.33 → 3, 6.67 → 7, 10: parts 3, 4, 3
    assert apportion(Decimal(10), [10, 10, 10], Rounding(Decimal(1), "half_up")) == (3, 4, 3)
    # rounding up never takes more than the whole: 1 over 1 + 1 + 1, up to 1: 1, 0, 0
    assert apportion(Decimal(1), [1, 1, 1], Rounding(Decimal(1), "up")) == (1, 0, 0)


def test_segments_and_gaps() -> None:
    ranges = [("a", date(2024, 1, 1), date(2024, 1, 10)), ("b", date(2024, 1, 15), None)]
    found, gaps = segments(ranges, date(2024, 1, 5), date(2024, 1, 20))
    assert [(s.item, s.start, s.end, s.days) for s in found] == [
        ("a", date(2024, 1, 5), date(2024, 1, 10), 6),
        ("b", date(2024, 1, 15), date(2024, 1, 20), 6),
    ]
    assert gaps == [(date(2024, 1, 11), date(2024, 1, 14))]


@given(
    whole=st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False),
    days=strategies.day_counts,
    unit=strategies.apportion_units,
    method=st.sampled_from(sorted(ROUNDING_METHODS)),
)
def test_parts_sum_exactly_and_are_never_negative(
    whole: Decimal, days: list[int], unit: Decimal, method: str
) -> None:
    parts = apportion(whole, days, Rounding(unit, method))
    assert sum(parts, Decimal(0)) == whole
    assert all(part >= 0 for part in parts)


@given(whole=st.integers(min_value=0, max_value=10000), days=strategies.day_counts)
def test_half_up_parts_stay_within_one_unit_of_their_exact_share(whole: int, days: list[int]) -> None:
    parts = apportion(Decimal(whole), days, Rounding(Decimal(1), "half_up"))
    total = sum(days)
    for part, count in zip(parts, days):
        exact = Decimal(whole) * count / total
        assert abs(part - exact) <= 1


# --------------------------------------------------------------------------- policy properties

START = date(2021, 1, 1)
SPLIT = fixture_catalog("seoul", "split")


@pytest.fixture(scope="module")
def switch(tmp_path_factory: pytest.TempPathFactory) -> tariffcore.Catalog:
    target = tmp_path_factory.mktemp("switch")
    switch_variant("seoul", target)
    switch_variant("split", target)
    return tariffcore.load_catalog([target], entry_points=False)


def _months_after(start: date, months: int, jitter: int) -> date:
    """The last day of a period of ``months`` months from ``start``, moved by ``jitter`` days
    (within the tolerance of :func:`tariffcore.periods.period_months`)."""
    return start + relativedelta(months=months) - timedelta(days=1 - jitter)


def _inside(
    ruleset: tariffcore.Ruleset, index: int, offset: int, months: int, jitter: int
) -> tuple[date, date]:
    version = ruleset.versions[index]
    first, last = ruleset.in_force(version)
    last = last or first + timedelta(days=400)
    span = (last - first).days
    start = first + timedelta(days=offset % (span + 1))
    end = min(last, _months_after(start, months, jitter))
    return start, end


def _bill(
    catalog: tariffcore.Catalog, ruleset: str, account: tariffcore.Account, reading: tariffcore.Reading
) -> tariffcore.Bill | str:
    try:
        return catalog.bill(ruleset, account, reading)
    except tariffcore.BillingError as exc:
        return exc.code


ACCOUNTS = st.sampled_from(
    [
        ("test/seoul", tariffcore.Account("A", "household", meter_mm=15)),
        ("test/split", tariffcore.Account("B", "household", meter_mm=13)),
        ("test/split", tariffcore.Account("C", "general", meter_mm=13, household_units=2)),
    ]
)


@given(
    which=ACCOUNTS,
    index=st.integers(0, 6),
    offset=st.integers(0, 2000),
    months=st.integers(1, 2),
    jitter=st.integers(-MONTH_TOLERANCE_DAYS, MONTH_TOLERANCE_DAYS),
    usage=st.decimals(min_value=0, max_value=40, places=1, allow_nan=False),
)
def test_a_period_inside_one_version_bills_the_same_under_both_policies(
    switch: tariffcore.Catalog,
    which: tuple[str, tariffcore.Account],
    index: int,
    offset: int,
    months: int,
    jitter: int,
    usage: Decimal,
) -> None:
    ruleset_id, account = which
    ruleset = SPLIT.ruleset(ruleset_id)
    start, end = _inside(ruleset, index % len(ruleset.versions), offset, months, jitter)
    reading = tariffcore.Reading(usage, period_start=start, period_end=end)
    split, whole = _bill(SPLIT, ruleset_id, account, reading), _bill(switch, ruleset_id, account, reading)
    if isinstance(split, str) or isinstance(whole, str):
        assert split == whole
        return
    assert [(x.charge, x.amount, x.version) for x in split.lines] == [
        (x.charge, x.amount, x.version) for x in whole.lines
    ]
    assert split.total == whole.total
    assert all(line.parts == () for line in split.lines)


@given(
    which=ACCOUNTS,
    boundary=st.integers(1, 6),
    before=st.integers(1, 20),
    months=st.integers(1, 2),
    jitter=st.integers(-MONTH_TOLERANCE_DAYS, MONTH_TOLERANCE_DAYS),
    usage=st.decimals(min_value=0, max_value=40, places=1, allow_nan=False),
)
def test_the_parts_of_a_split_sum_to_the_line(
    which: tuple[str, tariffcore.Account],
    boundary: int,
    before: int,
    months: int,
    jitter: int,
    usage: Decimal,
) -> None:
    ruleset_id, account = which
    ruleset = SPLIT.ruleset(ruleset_id)
    change = ruleset.versions[boundary % (len(ruleset.versions) - 1) + 1].spec.effective.from_
    start = change - timedelta(days=before)
    months = months if ruleset_id == "test/seoul" else 1  # test/split bills monthly
    # A period of whole months starting up to 20 days before the change ends after it.
    reading = tariffcore.Reading(usage, period_start=start, period_end=_months_after(start, months, jitter))
    bill = _bill(SPLIT, ruleset_id, account, reading)
    if isinstance(bill, str):
        assert bill == "unknown_value"  # the Seoul fixture's unknown higher tiers
        return
    for line in bill.lines:
        if not line.parts:
            continue
        assert sum((part.amount for part in line.parts), Decimal(0)) == line.unrounded
        assert sum(part.days for part in line.parts) == reading.days
        quantities = [part.quantity for part in line.parts]
        assert None not in quantities
        total = sum((q for q in quantities if q is not None), Decimal(0))
        assert total == (usage if line.unit == "m3" else 1)
        assert line.quantity == total
        assert line.version == "+".join(part.version for part in line.parts)


def test_the_split_variant_file_differs_only_in_policy(tmp_path: Path) -> None:
    catalog = switch_variant("split", tmp_path)
    version = catalog.ruleset("test/split").versions[0]
    assert version.spec.effective.policy == "switch"
    assert version.spec.effective.apportion is None


SPLIT_BY_DAYS = {
    "from": "2025-01-01",
    "basis": "usage",
    "policy": "split_by_days",
    "apportion": {"m3": {"unit": 1, "method": "half_up"}, "fixed": {"unit": "0.0001", "method": "half_up"}},
}


@given(
    before=strategies.tier_table(),
    after=strategies.tier_table(),
    households=strategies.households,
    usage=strategies.usage,
    days_before=st.integers(1, 20),
    months=st.integers(1, 3),
    jitter=st.integers(-MONTH_TOLERANCE_DAYS, MONTH_TOLERANCE_DAYS),
    base=st.tuples(st.integers(0, 50000), st.integers(0, 50000)),
)
def test_any_tier_tables_split_into_parts_that_sum_to_the_line(
    before: list[dict[str, object]],
    after: list[dict[str, object]],
    households: int,
    usage: Decimal,
    days_before: int,
    months: int,
    jitter: int,
    base: tuple[int, int],
) -> None:
    def charges(tiers: list[dict[str, object]], fixed: int) -> dict[str, object]:
        return {
            "base": {"type": "base_by_meter", "label": "base", "source": "s", "rates": {15: fixed}},
            "water": {
                "type": "graduated",
                "label": "water",
                "source": "s",
                "classes": {"household": {"tiers": tiers, "scale_by_households": True}},
            },
            "sewer": {"type": "volume", "label": "sewer", "source": "s", "classes": {"household": tiers}},
        }

    cycle = {"months": [1, 2, 3], "per_month": ["base", "water", "sewer"]}
    whole_won = {"unit": 1, "method": "half_up"}  # a split bills fractions of every figure
    first = version(
        charges(before, base[0]),
        version="1",
        effective={**SPLIT_BY_DAYS, "from": "2024-01-01"},
        billing_cycle=cycle,
        rounding=whole_won,
    )
    second = version(
        charges(after, base[1]), version="2", effective=SPLIT_BY_DAYS, billing_cycle=cycle, rounding=whole_won
    )
    ruleset = tariffcore.Ruleset("test/city", (first, second))
    change = date(2025, 1, 1)
    start = change - timedelta(days=days_before)
    end = _months_after(start, months, jitter)
    days_after = (end - change).days
    reading = tariffcore.Reading(usage, period_start=start, period_end=end)
    bill = ruleset.bill(
        tariffcore.Account("P", "household", meter_mm=15, household_units=households), reading
    )
    assert bill.total == sum((line.amount for line in bill.lines), Decimal(0))
    for line in bill.lines:
        if line.parts:
            assert [part.version for part in line.parts] == ["1", "2"]
            assert sum((part.amount for part in line.parts), Decimal(0)) == line.unrounded
            assert sum((part.days for part in line.parts), 0) == days_before + days_after + 1
            # m³ sum to the usage; the base charge's fractions to the months it is charged for
            expected = usage if line.unit == "m3" else Decimal(months)
            assert sum((part.quantity or Decimal(0) for part in line.parts), Decimal(0)) == expected
        else:  # one version bills it: the tables (or the base) are the same
            assert line.version == "2"
