"""Billing only the charges asked for (``charges=``)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tariffcore.rows import bill_to_dict, explain_bill
from tests.helpers import FIXTURES, account, fixture_catalog, period_reading, reading, run_cli, version

CHARGES: dict[str, Any] = {
    "water": {
        "type": "graduated",
        "label": "water",
        "source": "s",
        "classes": {"household": [{"upto": 20, "rate": 300}, {"rate": "unknown"}]},
    },
    "sewer": {"type": "volume", "label": "sewer", "source": "s", "classes": {"household": 200}},
    "levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": 170},
}


def test_a_charge_not_asked_for_is_not_computed() -> None:
    # 30 m³ reaches water's unknown tier 2: the whole bill fails...
    city = version(CHARGES)
    with pytest.raises(tariffcore.UnknownValueError):
        city.bill(account(), reading(30))
    # ...but sewer and levy alone bill: 30 × 200 = 6,000; 30 × 170 = 5,100
    bill = city.bill(account(), reading(30), charges=["sewer", "levy"])
    assert {line.charge: line.amount for line in bill.lines} == {"sewer": 6000, "levy": 5100}
    assert bill.total == 11100
    assert bill.not_requested == ("water",)
    assert bill.not_included == ()
    data = bill_to_dict(bill)
    assert data["not_requested"] == ["water"] and data["not_included"] == []
    assert "not requested (left out on request): water" in explain_bill(bill)


def test_not_included_lists_only_requested_charges() -> None:
    city = version(CHARGES, not_included={"base": "not in the data"})
    assert [n.charge for n in city.bill(account(), reading(10)).not_included] == ["base"]
    bill = city.bill(account(), reading(10), charges=["sewer"])
    assert bill.not_included == () and bill.not_requested == ("water", "levy", "base")
    bill = city.bill(account(), reading(10), charges=["base"])
    assert bill.lines == () and [n.charge for n in bill.not_included] == ["base"]


def test_an_unknown_charge_id_names_the_known_ones() -> None:
    with pytest.raises(tariffcore.InputError) as caught:
        version(CHARGES).bill(account(), reading(10), charges=["water", "wtaer"])
    assert caught.value.code == "unknown_charge"
    assert "has no charge 'wtaer'; its charges: water, sewer, levy" in str(caught.value)


def test_a_charge_selected_by_a_date_the_reading_lacks_is_not_needed_when_not_asked_for() -> None:
    # Busan: the levy is selected by due month; without a due date only water and sewer bill.
    busan = fixture_catalog("busan")
    home = tariffcore.Account("H", "household", meter_mm=15)
    without_due = period_reading(20, date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(tariffcore.InputError, match="due_date"):
        busan.bill("test/busan", home, without_due)
    bill = busan.bill("test/busan", home, without_due, charges=["water", "sewer"])
    assert [line.charge for line in bill.lines] == ["water", "sewer"]


@given(
    usage=st.integers(0, 20),
    subset=st.sets(st.sampled_from(["water", "sewer", "levy"])),
)
def test_a_subset_bills_the_same_lines_as_the_whole(usage: int, subset: set[str]) -> None:
    city = version(CHARGES)
    whole = city.bill(account(), reading(usage))
    part = city.bill(account(), reading(usage), charges=subset)
    assert [line for line in whole.lines if line.charge in subset] == list(part.lines)
    assert part.total == sum((line.amount for line in part.lines), Decimal(0))
    assert set(part.not_requested) == {"water", "sewer", "levy"} - subset


@given(usage=st.integers(0, 60), subset=st.sets(st.sampled_from(["water", "sewer", "levy"]), min_size=1))
def test_a_subset_of_a_split_bill_bills_the_same_lines(usage: int, subset: set[str]) -> None:
    seoul = fixture_catalog("seoul")
    home = tariffcore.Account("H", "household", meter_mm=15)
    period = period_reading(usage, date(2021, 12, 16), date(2022, 2, 15))
    try:
        whole = seoul.bill("test/seoul", home, period)
    except tariffcore.UnknownValueError:
        return  # water's unknown tier 2: a subset without water still bills (below)
    part = seoul.bill("test/seoul", home, period, charges=subset)
    assert [line for line in whole.lines if line.charge in subset] == list(part.lines)


def test_the_bill_command_bills_the_charges_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "account,use_class,meter_mm,usage_m3,period_start,period_end\nH-1,household,15,70,2021-12-16,2022-02-15\n",
        encoding="utf-8",
    )
    args = ["bill", str(source), "--ruleset", "test/seoul", "--rulesets-dir", str(FIXTURES / "seoul")]
    # Every charge: water's unknown tier 2 fails the row.
    status, out, _ = run_cli(capsys, *args)
    assert status == 1 and '"unknown_value"' in out
    # Sewer's tier 2 is unknown too (70 m³ passes its 60 m³ tier 1 of a two-month bill), so
    # the levy alone: 70 × 170 = 11,900
    status, out, _ = run_cli(capsys, *args, "--charges", "levy")
    row = json.loads(out)
    assert status == 0 and row["total"] == "11900"
    assert row["not_requested"] == ["water", "sewer"] and row["not_included"] == []
    status, _, err = run_cli(capsys, *args, "--charges", "levy,wter")
    assert status == 2 and "test/seoul has no charge 'wter'; its charges: water, sewer, levy" in err


def test_explain_bills_the_charges_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys,
        "explain",
        "--ruleset",
        "test/seoul",
        "--rulesets-dir",
        str(FIXTURES / "seoul"),
        "--use-class",
        "household",
        "--usage",
        "70",
        "--period-start",
        "2021-12-16",
        "--period-end",
        "2022-02-15",
        "--charges",
        "levy",
    )
    assert status == 0
    assert "not requested (left out on request): water, sewer" in out
    assert "total 11900 KRW" in out
