"""The data columns of the OWRS rate survey, which the published bills were computed with.

OWRS-Analysis billed every utility's ``RESIDENTIAL_SINGLE`` class with one data row: the
constants below, plus per utility ``meter_size``, ``hhsize``, ``et_amount`` and
``days_in_period`` (30.4 days per month of the bill) and the usage. A rate file may use any
data column; these are the ones a file can expect the survey to give, so a name outside them
is worth a warning when a file is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["CONSTANTS", "PER_UTILITY", "SURVEY_COLUMNS"]

#: The survey's constant data values, as text (as a CSV row gives them).
CONSTANTS: Mapping[str, str] = MappingProxyType(
    {
        "usage_month": "4",
        "usage_year": "2017",
        "usage_zone": "1",
        "landscape_area": "2000",
        "irr_area": "2000",
        "lot_size_group": "3",
        "pressure_zone": "1",
        "dwelling_units": "10",
        "elevation_zone": "2",
        "usage_indoor_budget_ccf": "0.3",
        "block": "1",
        "tariff_area": "1",
        "wrap_customer": "No",
        "carw_customer": "No",
        "season": "Summer",
        "tax_exemption": "granted",
        "temperature_zone": "Medium",
        "water_font": "city_delivered",
        "city_limits": "inside_city",
        "water_type": "potable",
        "rate_class": "C1",
        "greater_than": "False",
        "meter_type": "Turbine",
        "turbine_meter": "No",
        "senior": "no",
    }
)

#: The survey's data values that differ by utility.
PER_UTILITY = ("meter_size", "hhsize", "et_amount", "days_in_period")

#: Every data column the survey gives (with the usage and the class).
SURVEY_COLUMNS = frozenset({*CONSTANTS, *PER_UTILITY, "usage_ccf", "cust_class"})
