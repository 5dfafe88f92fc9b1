"""Units of usage an input row may state, with their exact size in cubic metres.

A bill is computed from cubic metres (:attr:`tariffcore.Reading.usage_m3`). Utilities that
meter in hundreds of cubic feet or thousands of US gallons give their usage in those units
(``usage_ccf``, ``usage_kgal``); it is converted here, exactly: the foot is 0.3048 m and the
US gallon 231 cubic inches of 0.0254 m, both by definition, so both units are terminating
decimals of a cubic metre. The way back (m³ to ccf) is not a terminating decimal; a ruleset
that bills in ccf converts with exact fractions (see the OWRS plug-in's documentation).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

__all__ = ["USAGE_COLUMNS", "USAGE_UNITS"]

#: Cubic metres in one unit of each usage column's unit, exact.
USAGE_UNITS: Final[dict[str, Decimal]] = {
    "m3": Decimal(1),
    "ccf": Decimal("2.8316846592"),  # 100 ft³ = 100 × 0.3048³ m³
    "kgal": Decimal("3.785411784"),  # 1000 US gal = 1000 × 231 × 0.0254³ m³
}

#: The input columns a row may give its usage in (one of them).
USAGE_COLUMNS: Final[tuple[str, ...]] = tuple(f"usage_{unit}" for unit in USAGE_UNITS)
