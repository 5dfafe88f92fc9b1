"""The Daejeon tariff written out by hand as one small Decimal function: the reference that
tariffcore must match to the won, and the speed floor of plain Python.

Figures from the tariff digest §8 (v2): the official fee page (대전광역시 상하수도 요금표, OFF)
shows the step of the 2023-07 bill, in force to the 2024-06 bill (``kr/daejeon@2023-07``). The
later steps (2024-07, 2025-07) are known for the household and tier-1 rates only, so the
benchmark bills a month of this step, :data:`BILLING_MONTH`. Each line drops its fraction of a
won, as the ruleset does (digest §10; whole-m³ usage never has one).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

#: The billing month the benchmark city is billed in: the 2023-07 step is the last Daejeon table
#: the digest gives whole (2023-07 to 2024-06 bills).
BILLING_MONTH = "2024-03"

BASE = {
    15: 860,
    20: 2420,
    25: 3890,
    32: 7540,
    40: 11670,
    50: 18520,
    80: 43410,
    100: 74020,
    150: 161270,
    200: 229070,
    250: 308970,
    300: 372610,
    400: 510450,
}
# (last m³ of the tier or None for the open top tier, won per m³), graduated.
WATER = {
    "household": ((None, 510),),
    "general": ((50, 770), (100, 970), (None, 1170)),
    "bathhouse": ((700, 610), (1000, 690), (None, 750)),
    "industrial": ((None, 190),),
}
SEWER = {
    "household": ((None, 420),),
    "general": ((50, 850), (100, 1120), (None, 1620)),
    "bathhouse": ((700, 530), (1000, 650), (None, 790)),
    "industrial": ((None, 560),),
}
LEVY = 170


def graduated(usage: Decimal, tiers: tuple[tuple[int | None, int], ...]) -> Decimal:
    total = Decimal(0)
    lower = 0
    for upper, rate in tiers:
        if usage <= lower:
            break
        top = usage if upper is None or usage <= upper else Decimal(upper)
        total += (top - lower) * rate
        if upper is None:
            break
        lower = upper
    return total


def whole_won(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1), rounding=ROUND_DOWN)


def bill(use_class: str, meter_mm: int, usage: Decimal) -> dict[str, Decimal]:
    """The lines and total of one Daejeon bill of the 2023-07 step; KeyError for a class or
    meter not in the table."""
    base = Decimal(BASE[meter_mm])
    water = whole_won(graduated(usage, WATER[use_class]))
    sewer = whole_won(graduated(usage, SEWER[use_class]))
    levy = whole_won(usage * LEVY)
    return {"base": base, "water": water, "sewer": sewer, "levy": levy, "total": base + water + sewer + levy}
