"""A reduction is granted by the version in force by its own kind of date, also where the bill's
version is a later one selected by another kind of date (a levy by due month). Figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import tariffcore
from tests.helpers import period_reading, version

USAGE = {"basis": "usage"}


def _version(label: str, start: str, reduction: dict[str, Any], levy: int) -> tariffcore.CompiledVersion:
    charges = {
        "water": {"type": "volume", "label": "water", "source": "s", "classes": {"household": 500}},
        "levy": {"type": "per_unit", "label": "levy", "source": "s", "basis": "due_month", "rate": levy},
    }
    reductions = {"help": {"label": "help", "source": "s", "charges": ["water"], **reduction}}
    return version(charges, version=label, effective={"from": start, **USAGE}, reductions=reductions)


FIRST = _version("1", "2025-01-01", {"type": "percentage", "percent": 10}, 100)
SECOND = _version("2", "2026-01-01", {"type": "unknown"}, 120)
RULESET = tariffcore.Ruleset("test/city", (FIRST, SECOND))
HOME = tariffcore.Account("A", "household", reductions=("help",))


def test_a_usage_reduction_follows_the_usage_even_when_the_bill_is_due_under_a_later_version() -> None:
    # December 2025 usage, due in January 2026: the bill's version is 2 (the levy, by due month),
    # the water and its reduction are those of version 1 (by usage).
    # water 20 × 500 = 10,000; reduction 10 % = −1,000; levy 20 × 120 = 2,400; total 11,400
    bill = RULESET.bill(
        HOME, period_reading(20, date(2025, 12, 1), date(2025, 12, 31), due_date=date(2026, 1, 25))
    )
    assert bill.version == "2"
    assert {line.charge: (line.amount, line.version) for line in bill.lines} == {
        "water": (Decimal(10000), "1"),
        "water_reduction": (Decimal(-1000), "1"),
        "levy": (Decimal(2400), "2"),
    }
    assert bill.total == 11400


def test_the_usage_of_the_later_version_meets_its_reduction() -> None:
    reading = period_reading(20, date(2026, 1, 1), date(2026, 1, 31), due_date=date(2026, 2, 25))
    with pytest.raises(tariffcore.UnknownValueError, match="test/city@2 reduction 'help'"):
        RULESET.bill(HOME, reading)
