"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

#: Usage in m³: whole numbers mostly, as meters read, and some with decimals.
usage = st.one_of(
    st.integers(min_value=0, max_value=5_000).map(Decimal),
    st.decimals(min_value=0, max_value=5_000, places=2, allow_nan=False, allow_infinity=False),
)

#: A rate per m³ in won, up to one decimal place.
rate = st.decimals(min_value=0, max_value=5_000, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def tier_table(draw: st.DrawFn, min_tiers: int = 1, max_tiers: int = 6) -> list[dict[str, object]]:
    """Rising tiers as a ruleset writes them: ``[{upto, rate}, ..., {rate}]``."""
    count = draw(st.integers(min_value=min_tiers, max_value=max_tiers))
    bounds = sorted(
        draw(st.sets(st.integers(min_value=1, max_value=2_000), min_size=count - 1, max_size=count - 1))
    )
    rates = [draw(rate) for _ in range(count)]
    tiers: list[dict[str, object]] = [{"upto": b, "rate": r} for b, r in zip(bounds, rates)]
    tiers.append({"rate": rates[-1]})
    return tiers


households = st.integers(min_value=1, max_value=12)


#: Days of the parts of a period split between versions (one to four parts).
day_counts = st.lists(st.integers(min_value=1, max_value=62), min_size=1, max_size=4)

#: How apportioned quantities are rounded: a unit and any rounding method.
apportion_units = st.sampled_from([Decimal(1), Decimal("0.1"), Decimal("0.01"), Decimal("0.0001")])
