"""Usage from meter reads: exact usage or a clear error row, never a negative or guessed usage."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tariffcore import InputError, Reading
from tariffcore.commands import main
from tariffcore.meter import MeterReads
from tariffcore.money import format_amount
from tariffcore.rows.inputs import parse_row, rows_from_text
from tests.helpers import repository_catalog


def reads(**fields: object) -> tuple[tariffcore.Account, Reading]:
    return parse_row({"account": "M-1", "use_class": "household", **fields})


def test_usage_from_reads() -> None:
    _, reading = reads(previous_read="1234", current_read="1260")
    assert reading.usage_m3 == 26
    assert reading.meter is not None and reading.meter.describe() == "read 1234 → 1260: 26 m³"


def test_roll_over_with_meter_digits() -> None:
    # a 4-digit dial: 9998 → 0003 is 2 m³ to 10000 and 3 after: 5 m³
    _, reading = reads(previous_read="9998", current_read="3", meter_digits="4")
    assert reading.usage_m3 == 5
    assert reading.meter is not None and reading.meter.rolled_over


def test_meter_replacement() -> None:
    # old meter 500 → 520 (20 m³), new meter 0 → 7 (7 m³): 27 m³
    _, reading = reads(previous_read="500", current_read="7", old_final_read="520", new_initial_read="0")
    assert reading.usage_m3 == 27


def test_decimal_reads_stay_exact() -> None:
    _, reading = reads(previous_read="100.25", current_read="112.5")
    assert reading.usage_m3 == Decimal("12.25")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"previous_read": "1260", "current_read": "1234"},
            "current_read 1234 is below previous_read 1260: give meter_digits",
        ),
        (
            {"previous_read": "12", "current_read": "10000", "meter_digits": "4"},
            "current_read 10000 has more digits than the meter's 4",
        ),
        (
            {"previous_read": "500", "current_read": "7", "old_final_read": "490", "new_initial_read": "0"},
            "old_final_read 490 is below previous_read 500",
        ),
        (
            {"previous_read": "500", "current_read": "7", "old_final_read": "520", "new_initial_read": "9"},
            "current_read 7 is below new_initial_read 9",
        ),
        (
            {"previous_read": "500", "current_read": "7", "old_final_read": "520"},
            "old_final_read is given without new_initial_read",
        ),
        ({"previous_read": "500"}, "previous_read is given without current_read"),
        (
            {"previous_read": "-3", "current_read": "7"},
            "previous_read must be a number of m³ of zero or more",
        ),
        (
            {"previous_read": "1", "current_read": "7", "usage_m3": "5"},
            "usage_m3 5 disagrees with the meter reads (read 1 → 7: 6 m³)",
        ),
        (
            {"previous_read": "1", "current_read": "7", "meter_digits": "4.5"},
            "meter_digits must be a whole number",
        ),
        ({"previous_read": "1", "current_read": "seven"}, "current_read must be a number, not 'seven'"),
        ({}, "usage_m3 is empty (give usage_m3, or previous_read and current_read)"),
        (
            {"usage_m3": "3", "period_start": "2025-02-01", "period_end": "2025-01-31"},
            "period ends (2025-01-31) before it starts (2025-02-01)",
        ),
        ({"usage_m3": "3", "estimated": "maybe"}, "estimated must be true or false"),
    ],
)
def test_impossible_reads_are_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        reads(**fields)
    assert message in caught.value.message


def test_usage_and_reads_that_agree() -> None:
    _, reading = reads(previous_read="1", current_read="7", usage_m3="6", estimated="Y")
    assert reading.usage_m3 == 6 and reading.estimated


def test_reading_from_reads_in_python() -> None:
    reading = Reading.from_reads(9998, 3, meter_digits=4, estimated=True)
    assert reading.usage_m3 == 5 and reading.estimated
    with pytest.raises(InputError, match="disagrees"):
        Reading(Decimal(4), meter=reading.meter)


@given(previous=st.integers(0, 9999), current=st.integers(0, 9999))
def test_roll_over_usage_is_the_distance_forward_on_the_dial(previous: int, current: int) -> None:
    usage = MeterReads(Decimal(previous), Decimal(current), 4).usage
    assert 0 <= usage < 10000
    assert (previous + usage) % 10000 == current


@given(previous=st.integers(0, 99999), current=st.integers(0, 99999))
def test_without_digits_a_backwards_read_is_an_error_never_a_negative_usage(
    previous: int, current: int
) -> None:
    try:
        usage = MeterReads(Decimal(previous), Decimal(current)).usage
    except InputError:
        assert current < previous
    else:
        assert usage == current - previous >= 0


def test_zero_usage_bills_the_fixed_charges_only() -> None:
    # kr/gimhae@2025, 13 mm household, reads 100 → 100: base 1,100 and nothing else
    catalog = repository_catalog()
    account, reading = reads(previous_read="100", current_read="100", meter_mm="13", billing_month="2025-03")
    bill = catalog.bill("kr/gimhae", account, reading)
    assert bill.total == 1100
    assert {line.charge: line.amount for line in bill.lines if line.amount} == {"base": 1100}


def test_cli_reads_estimated_flag_and_error_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # kr/gimhae@2025 household 13 mm: base 1,100; water 850; sewer 820; levy 170 per m³
    # M-1: 1234 → 1260 = 26 m³: 1,100 + 26 × (850 + 820 + 170) = 1,100 + 47,840 = 48,940
    # M-2: roll-over 9998 → 3 on 4 digits = 5 m³, estimated: 1,100 + 5 × 1,840 = 10,300
    # M-3: backwards without digits: error row; M-4: replaced meter 20 + 7 = 27 m³:
    #      1,100 + 27 × 1,840 = 50,780
    source = tmp_path / "reads.csv"
    source.write_text(
        "account,use_class,meter_mm,billing_month,previous_read,current_read,meter_digits,"
        "old_final_read,new_initial_read,estimated\n"
        "M-1,household,13,2025-03,1234,1260,,,,\n"
        "M-2,household,13,2025-03,9998,3,4,,,yes\n"
        "M-3,household,13,2025-03,1260,1234,,,,\n"
        "M-4,household,13,2025-03,500,7,,520,0,\n",
        encoding="utf-8",
    )
    status = main(["bill", str(source), "--ruleset", "kr/gimhae", "--format", "jsonl"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [row["account"] for row in rows] == ["M-1", "M-2", "M-3", "M-4"]
    assert rows[0]["total"] == "48940" and rows[0]["estimated"] is False
    assert rows[0]["reads"] == {"previous": "1234", "current": "1260"}
    assert rows[1]["total"] == "10300" and rows[1]["estimated"] is True
    assert rows[1]["reads"]["rolled_over"] is True
    assert rows[2]["error"]["code"] == "invalid_input"
    assert "below previous_read" in rows[2]["error"]["message"]
    assert rows[3]["total"] == "50780"


def test_csv_without_usage_or_reads_columns() -> None:
    rows = rows_from_text("account,use_class\nA,household\n")
    assert rows[0].error is not None
    assert "usage_m3 (or previous_read and current_read)" in rows[0].error.message


def test_jsonl_reads() -> None:
    text = io.StringIO(
        json.dumps(
            {
                "account": "J",
                "use_class": "household",
                "previous_read": 10,
                "current_read": 25,
                "estimated": True,
            }
        )
        + "\n"
    )
    (row,) = list(tariffcore.read_rows(text, "jsonl"))
    assert row.parsed is not None
    assert row.parsed[1].usage_m3 == 15 and row.parsed[1].estimated


# ----------------------------------------------------------------- usage in other units


@pytest.mark.parametrize(
    ("fields", "m3"),
    [
        ({"usage_ccf": "15"}, "42.4752698880"),  # 15 × 100 ft³, 1 ft = 0.3048 m
        ({"usage_kgal": "2.5"}, "9.4635294600"),  # 2.5 × 1000 × 231 in³, 1 in = 0.0254 m
        ({"usage_ccf": "0"}, "0.0000000000"),
        ({"usage_m3": "", "usage_ccf": "1"}, "2.8316846592"),  # an empty column is not given
    ],
)
def test_usage_in_ccf_or_kgal_is_converted_to_m3_exactly(fields: dict[str, str], m3: str) -> None:
    _, reading = reads(**fields)
    assert reading.usage_m3 == Decimal(m3) and format_amount(reading.usage_m3) == m3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"usage_m3": "3", "usage_ccf": "1"},
            "the usage is given in usage_m3 and usage_ccf: give it in one column only",
        ),
        ({"usage_kgal": "-1"}, "usage_kgal cannot be negative (-1)"),
        ({"usage_ccf": "1e9999"}, "usage_ccf '1e9999' is out of range"),
        ({"usage_ccf": "many"}, "usage_ccf must be a number, not 'many'"),
        (  # 12 digits of kgal, 13 of m³: the column given is named, not usage_m3
            {"usage_kgal": "500000000000"},
            "usage_kgal 500000000000 is 1892705892000.000000000 m³, out of range: a usage has at "
            "most 12 digits of m³ before the decimal point",
        ),
    ],
)
def test_usage_in_other_units_is_refused_when_wrong(fields: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        reads(**fields)
    assert message in caught.value.message


def test_a_csv_with_only_a_ccf_column_has_its_usage() -> None:
    rows = rows_from_text("account,use_class,usage_ccf\nA,household,2\n")
    assert rows[0].error is None and rows[0].parsed is not None
    account, reading = rows[0].parsed
    assert reading.usage_m3 == Decimal("5.6633693184") and "usage_ccf" not in account.attributes
