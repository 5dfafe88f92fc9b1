"""An account and a reading built in Python: a wrong type or an impossible value is refused on
construction, as the caller's error, before any ruleset or plug-in sees it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tariffcore import Account, InputError, Reading
from tests.helpers import repository_catalog

MARCH = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"household_units": 2.0}, "household_units must be an int, not 2.0 (float)"),
        ({"household_units": True}, "household_units must be an int, not True (bool)"),
        ({"household_units": "2"}, "household_units must be an int, not '2' (str)"),
        ({"meter_mm": 13.0}, "meter_mm must be an int, not 13.0 (float)"),
        ({"meter_mm": True}, "meter_mm must be an int, not True (bool)"),
        ({"meter_mm": "13"}, "meter_mm must be an int, not '13' (str)"),
        ({"id": 5}, "id must be a str, not 5 (int)"),
        ({"use_class": 3}, "use_class must be a str, not 3 (int)"),
        ({"reductions": "multi_child"}, "reductions must be a tuple (or a list) of ids"),
        ({"reductions": {"multi_child"}}, "reductions must be a tuple (or a list) of ids"),
        ({"reductions": ["multi_child", 1]}, "reductions must be a tuple (or a list) of ids"),
        ({"reductions": ("multi_child", 1)}, "reductions must be a tuple (or a list) of ids"),
        ({"attributes": {"levy_rate": 100}}, "attributes must map names to text"),
        ({"attributes": [("levy_rate", "100")]}, "attributes must be a Mapping"),
    ],
)
def test_an_account_refuses_a_field_of_the_wrong_type(fields: dict[str, Any], message: str) -> None:
    given = {"id": "A-1", "use_class": "general", "meter_mm": 13, **fields}
    with pytest.raises(TypeError) as caught:
        Account(**given)
    assert str(caught.value).startswith(message)


def test_reductions_given_as_a_list_are_kept_as_a_tuple() -> None:
    account = Account(id="A-1", use_class="household", reductions=["multi_child"])  # type: ignore[arg-type]
    assert account.reductions == ("multi_child",)
    assert account == Account(id="A-1", use_class="household", reductions=("multi_child",))


def test_a_float_household_count_is_the_callers_error_not_a_plug_ins() -> None:
    # It used to reach the tiered charge and stop the run as the built-in plug-in's fault.
    with pytest.raises(TypeError, match="household_units must be an int"):
        repository_catalog().bill(
            "kr/gimhae",
            Account(id="a", use_class="general", meter_mm=13, household_units=2.0),  # type: ignore[arg-type]
            Reading(usage_m3=Decimal(50), billing_month=MARCH),
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"usage_m3": 50.0}, "usage_m3: float 50.0 refused"),
        ({"usage_m3": True}, "usage_m3: a boolean is not a number"),
        ({"months": 1.0}, "months must be an int, not 1.0 (float)"),
        ({"months": True}, "months must be an int, not True (bool)"),
        ({"estimated": "no"}, "estimated must be a bool, not 'no' (str)"),
        ({"estimated": 1}, "estimated must be a bool, not 1 (int)"),
        ({"billing_month": "2025-03-01"}, "billing_month must be a date, not '2025-03-01' (str)"),
        ({"due_date": 5}, "due_date must be a date, not 5 (int)"),
        ({"meter": "1234 → 1260"}, "meter must be a MeterReads"),
    ],
)
def test_a_reading_refuses_a_field_of_the_wrong_type(fields: dict[str, Any], message: str) -> None:
    given = {"usage_m3": Decimal(26), "billing_month": MARCH, **fields}
    with pytest.raises(TypeError) as caught:
        Reading(**given)
    assert str(caught.value).startswith(message)


def test_meter_digits_must_be_an_int() -> None:
    with pytest.raises(TypeError, match="meter_digits must be an int, not 4.0"):
        Reading.from_reads(9998, 3, meter_digits=4.0)  # type: ignore[arg-type]
    assert Reading.from_reads(9998, 3, meter_digits=4).usage_m3 == 5


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        (Decimal("1e400"), "usage_m3 1E+400 is out of range: at most 12 digits before the decimal point"),
        (Decimal("1e12"), "usage_m3 1E+12 is out of range"),
        ("1" + "0" * 100, "usage_m3 10000000000000000000…0000000000 (101 characters) is out of range"),
        (Decimal("NaN"), "usage_m3 must be a finite number, not NaN"),
        (Decimal("sNaN"), "usage_m3 must be a finite number, not sNaN"),
        (Decimal("-Infinity"), "usage_m3 must be a finite number, not -Infinity"),
        ("Infinity", "usage_m3 must be a finite number, not 'Infinity'"),
        ("many", "usage_m3 must be a finite number, not 'many'"),
    ],
)
def test_a_usage_no_input_row_could_give_is_refused_on_construction(usage: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        Reading(usage_m3=usage, billing_month=MARCH)
    assert caught.value.message.startswith(message)
    assert caught.value.code == "invalid_input"


def test_a_huge_usage_is_an_input_error_of_the_bill_not_a_decimal_trap() -> None:
    with pytest.raises(InputError, match="out of range"):
        repository_catalog().bill(
            "kr/gimhae",
            Account("A-1", "household", meter_mm=13),
            Reading(usage_m3=Decimal("1e400"), billing_month=MARCH),
        )
    # the widest usage of an input row is billed, and a usage converted exactly from ccf keeps
    # all its decimal places
    widest = Reading(usage_m3=Decimal("999999999999.999999"), billing_month=MARCH)
    bill = repository_catalog().bill("kr/gimhae", Account("A-1", "household", meter_mm=13), widest)
    assert bill.usage_m3 == widest.usage_m3
    assert Reading(usage_m3=Decimal("0.0000028316846592")).usage_m3 == Decimal("0.0000028316846592")
