"""Anchor dates, dates derived by a ruleset's date rules, and policy declarations."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore.engine import anchor_date, billing_month_of, complete_dates, due_date_of
from tariffcore.format import BillingMonthRule, DateRules, DueDateRule
from tariffcore.rows import bill_to_dict
from tests.helpers import fixture_catalog

RULES = DateRules(
    billing_month=BillingMonthRule(months_after_period_end=1),
    due_date=DueDateRule(months_after_billing=0, day="last"),
)


def test_billing_month_and_due_date_from_the_period_end() -> None:
    # period ends 2024-01-31 → billed in the next month, 2024-02, due its last day: 2024-02-29
    reading = tariffcore.Reading(Decimal(5), period_end=date(2024, 1, 31))
    assert billing_month_of(reading, RULES) == date(2024, 2, 1)
    assert due_date_of(reading, RULES) == date(2024, 2, 29)
    completed = complete_dates(reading, RULES)
    assert (completed.billing_month, completed.due_date) == (date(2024, 2, 1), date(2024, 2, 29))


def test_a_due_day_past_the_month_end_falls_on_its_last_day() -> None:
    rules = DateRules(due_date=DueDateRule(months_after_billing=1, day=31))
    reading = tariffcore.Reading(Decimal(5), billing_month=date(2025, 1, 1))
    assert due_date_of(reading, rules) == date(2025, 2, 28)
    # a month later, March has 31 days
    assert due_date_of(tariffcore.Reading(Decimal(5), billing_month=date(2025, 2, 1)), rules) == date(
        2025, 3, 31
    )


def test_given_dates_win_over_derived_ones() -> None:
    reading = tariffcore.Reading(
        Decimal(5), billing_month=date(2024, 5, 1), period_end=date(2024, 1, 31), due_date=date(2024, 5, 20)
    )
    assert complete_dates(reading, RULES) is reading


def test_anchor_per_kind_of_date() -> None:
    reading = tariffcore.Reading(
        Decimal(5),
        billing_month=date(2024, 3, 1),
        period_start=date(2024, 1, 16),
        period_end=date(2024, 2, 15),
        due_date=date(2024, 3, 25),
    )
    assert anchor_date("usage", reading, "x") == date(2024, 2, 15)
    assert anchor_date("meter_read", reading, "x") == date(2024, 2, 15)
    assert anchor_date("billing_month", reading, "x") == date(2024, 3, 1)
    assert anchor_date("due_month", reading, "x") == date(2024, 3, 1)


def test_missing_dates_name_what_would_do() -> None:
    bare = tariffcore.Reading(Decimal(5))
    with pytest.raises(
        tariffcore.InputError,
        match=r"due_date is required \(or billing_month, "
        r"from which the ruleset derives it, or period_end\)",
    ):
        anchor_date("due_month", bare, "x", RULES)
    with pytest.raises(
        tariffcore.InputError,
        match=r"meter-read date \(검침분\): period_end \(the day "
        r"the meter was read\) is required",
    ):
        anchor_date("meter_read", bare, "x")


def test_the_python_api_takes_datetimes_as_dates() -> None:
    reading = tariffcore.Reading(
        Decimal(5), billing_month=datetime(2024, 3, 9, 12, 0), period_end=datetime(2024, 2, 15, 8, 30)
    )
    assert reading.billing_month == date(2024, 3, 1)
    assert reading.period_end == date(2024, 2, 15)


def test_a_bill_carries_the_derived_dates() -> None:
    catalog = fixture_catalog("split")
    account = tariffcore.Account("D-1", "household", meter_mm=13)
    bill = catalog.bill(
        "test/split",
        account,
        tariffcore.Reading(Decimal(5), period_start=date(2025, 1, 1), period_end=date(2025, 1, 31)),
    )
    assert bill.reading is not None
    assert (bill.reading.billing_month, bill.reading.due_date) == (date(2025, 2, 1), date(2025, 2, 28))
    data = bill_to_dict(bill)
    assert (data["billing_month"], data["due_date"], data["estimated"]) == ("2025-02", "2025-02-28", False)


HEAD = """\
ruleset: test/policy
version: "1"
title: policy checks
jurisdiction: nowhere
currency: KRW
confidence: synthetic
sources: [{id: a, title: a, tag: INF}]
use_classes: {household: {label: household}}
charges:
  water: {type: graduated, label: water, source: a, classes: {household: 100}}
"""


def problems(tmp_path: Path, extra: str) -> list[tariffcore.Problem]:
    (tmp_path / "1.yaml").write_text(HEAD + textwrap.dedent(extra), encoding="utf-8")
    return tariffcore.load_catalog([tmp_path], entry_points=False).problems.get("test/policy", [])


def test_split_by_days_needs_a_usage_basis(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
        effective:
          from: 2024-01
          basis: billing_month
          policy: split_by_days
          apportion: {m3: {unit: 1, method: half_up}, fixed: {unit: 0.0001, method: half_up}}
        """,
    )
    assert [(p.line, p.message.split(",")[0]) for p in found] == [
        (14, "split_by_days splits periods of usage")
    ]


def test_split_by_days_needs_apportion(tmp_path: Path) -> None:
    found = problems(tmp_path, "effective: {from: 2024-01, basis: usage, policy: split_by_days}\n")
    assert len(found) == 1 and "needs 'apportion'" in found[0].message and found[0].line == 11


def test_a_due_day_that_no_month_has(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
        effective: {from: 2024-01, basis: usage}
        dates: {due_date: {months_after_billing: 1, day: 32}}
        """,
    )
    assert len(found) == 1 and found[0].line == 12 and "day 32" in found[0].message


def test_a_charge_type_that_cannot_apportion_is_refused_for_split(tmp_path: Path) -> None:
    class Flat(tariffcore.ChargeType):
        name = "flat"
        spec = tariffcore.ChargeSpec

        def compile(self, spec: tariffcore.ChargeSpec, ctx: tariffcore.CompileContext) -> object:
            return lambda bill: tariffcore.Charged(Decimal(100))

    class Plugin:
        @tariffcore.hookimpl
        def tariffcore_charge_types(self) -> list[tariffcore.ChargeType]:
            return [Flat()]

    (tmp_path / "1.yaml").write_text(
        HEAD.replace(
            "{type: graduated, label: water, source: a, classes: {household: 100}}",
            "{type: flat, label: flat, source: a}",
        )
        + "effective: {from: 2024-01, basis: usage, policy: split_by_days, "
        "apportion: {m3: {unit: 1, method: half_up}, "
        "fixed: {unit: 0.0001, method: half_up}}}\n",
        encoding="utf-8",
    )
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[Plugin()])
    found = catalog.problems["test/policy"]
    assert len(found) == 1 and "cannot bill part of a period" in found[0].message


def test_meter_read_basis_selects_by_the_read_date() -> None:
    from tests.helpers import version

    def water(rate: int) -> dict[str, object]:
        return {
            "water": {"type": "graduated", "label": "water", "source": "s", "classes": {"household": rate}}
        }

    # "9월 검침분부터": bills read from September on use the new rate, whatever the billing month
    old = version(water(300), version="old", effective={"from": "2013-01", "basis": "meter_read"})
    new = version(water(340), version="new", effective={"from": "2013-09", "basis": "meter_read"})
    ruleset = tariffcore.Ruleset("test/city", (old, new))
    account = tariffcore.Account("R", "household")
    august = tariffcore.Reading(Decimal(10), billing_month=date(2013, 9, 1), period_end=date(2013, 8, 31))
    september = tariffcore.Reading(Decimal(10), billing_month=date(2013, 9, 1), period_end=date(2013, 9, 2))
    assert ruleset.bill(account, august).total == 3000  # 10 × 300
    assert ruleset.bill(account, september).total == 3400  # 10 × 340
