"""Figures of a charge that depend on an account attribute (``variants``): an area with a rate
column of its own beside the main column. Expectations worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tariffcore import InputError, MissingValueError, RulesetError, UnknownValueError, explain_bill
from tariffcore.engine import load_version_file
from tariffcore.engine.variants import merged
from tests.helpers import BASE, account, dump, reading, version

MAIN = [{"upto": 10, "rate": 590}, {"upto": 30, "rate": 910}, {"rate": 1180}]


def sewer(**extra: Any) -> dict[str, Any]:
    """A sewer charge whose main column is tiered for households and one rate for general use,
    with a second column for an area: 0 for households, not known for general use."""
    entry: dict[str, Any] = {
        "type": "graduated",
        "label": "sewer",
        "source": "s",
        "classes": {"household": MAIN, "general": 1430},
        "variants": {
            "input": "sewer_area",
            "label": "sewer-pipe area",
            "values": {"main": {}, "pipe": {"classes": {"household": 0, "general": "unknown"}}},
        },
    }
    entry.update(extra)
    return {"sewer": entry}


def test_the_main_column_bills_as_written() -> None:
    # 10 × 590 + 20 × 910 + 5 × 1,180 = 5,900 + 18,200 + 5,900 = 30,000
    bill = version(sewer()).bill(account(attributes={"sewer_area": "main"}), reading(35))
    assert bill.total == 30000
    assert bill.lines[0].notes[-1] == "sewer-pipe area (sewer_area main)"


def test_the_area_column_bills_households_zero() -> None:
    bill = version(sewer()).bill(account(attributes={"sewer_area": "pipe"}), reading(35))
    assert bill.total == 0
    line = bill.lines[0]
    assert line.rule == "sewer.household"
    assert "sewer-pipe area (sewer_area pipe)" in line.notes
    assert "sewer-pipe area (sewer_area pipe)" in explain_bill(bill)


def test_an_unknown_figure_of_the_area_column_names_the_variant() -> None:
    with pytest.raises(UnknownValueError) as caught:
        version(sewer()).bill(account("general", attributes={"sewer_area": "pipe"}), reading(35))
    assert caught.value.message.startswith("test/city@1 sewer (general)")
    assert caught.value.message.endswith("(sewer-pipe area (sewer_area pipe))")
    # the same class in the main column: 35 × 1,430 = 50,050
    main = version(sewer()).bill(account("general", attributes={"sewer_area": "main"}), reading(35))
    assert main.total == 50050


def test_every_account_must_say_which_column() -> None:
    with pytest.raises(MissingValueError, match="the account must give 'sewer_area' \\(one of main, pipe\\)"):
        version(sewer()).bill(account(), reading(35))
    with pytest.raises(MissingValueError):
        version(sewer()).bill(account(attributes={"sewer_area": ""}), reading(35))
    with pytest.raises(InputError, match="sewer_area 'rural' is not one of main, pipe"):
        version(sewer()).bill(account(attributes={"sewer_area": "rural"}), reading(35))


def test_variants_work_for_any_charge_type() -> None:
    charges = {
        "base": {
            "type": "base_by_meter",
            "label": "base",
            "source": "s",
            "rates": {15: 1100},
            "variants": {"input": "zone", "values": {"a": {}, "b": {"rates": {15: 900}}}},
        },
        "levy": {
            "type": "per_unit",
            "label": "levy",
            "source": "s",
            "rate": 170,
            "variants": {"input": "zone", "values": {"a": {}, "b": {"rate": "unknown"}}},
        },
    }
    v = version(charges)
    # zone a: base 1,100 + levy 20 × 170 = 3,400
    assert v.bill(account(meter_mm=15, attributes={"zone": "a"}), reading(20)).total == 4500
    # zone b: base 900; its levy is not known
    only_base = v.bill(account(meter_mm=15, attributes={"zone": "b"}), reading(20), charges=["base"])
    assert only_base.total == 900
    with pytest.raises(UnknownValueError, match="levy"):
        v.bill(account(meter_mm=15, attributes={"zone": "b"}), reading(20))


def problems(charges: dict[str, Any]) -> list[tariffcore.Problem]:
    with pytest.raises(RulesetError) as caught:
        version(charges)
    return list(caught.value.problems)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_variant_changes_figures_only() -> None:
    charges = sewer()
    charges["sewer"]["variants"]["values"]["pipe"]["label"] = "another label"
    found = problems(charges)
    assert [p.message for p in found] == ["a variant changes figures only: 'label' belongs to the charge"]
    text = dump({**BASE, "charges": charges})
    assert found[0].line == line_of(text, "label: another label")


def test_a_problem_is_reported_where_it_is_written() -> None:
    # a negative rate written in the variant is reported at the variant's line
    charges = sewer()
    charges["sewer"]["variants"]["values"]["pipe"]["classes"]["household"] = -5
    text = dump({**BASE, "charges": charges})
    found = problems(charges)
    assert [p.message for p in found] == ["rate -5 is negative; a reduction is written under 'reductions'"]
    assert found[0].line == line_of(text, "household: -5")
    # one written in the charge (inherited by both variants) at the charge's line, once
    charges = sewer()
    charges["sewer"]["classes"]["general"] = -7
    text = dump({**BASE, "charges": charges})
    found = problems(charges)
    assert {p.line for p in found} == {line_of(text, "general: -7")}


def test_an_unknown_use_class_in_a_variant_is_refused() -> None:
    charges = sewer()
    charges["sewer"]["variants"]["values"]["pipe"]["classes"]["school"] = 0
    assert any("unknown use class 'school'" in p.message for p in problems(charges))


def test_the_variants_themselves_are_checked() -> None:
    charges = sewer()
    charges["sewer"]["variants"]["values"] = {}
    text = dump({**BASE, "charges": charges})
    found = problems(charges)
    assert [p.message for p in found] == ["dictionary should have at least 1 item after validation, not 0"]
    assert found[0].line == line_of(text, "values: {}")


def test_a_file_with_variants_reads_from_yaml() -> None:
    text = dump({**BASE, "charges": sewer()})
    assert yaml.safe_load(text)["charges"]["sewer"]["variants"]["input"] == "sewer_area"
    compiled = load_version_file(text, "<test>")
    assert compiled.bill(account(attributes={"sewer_area": "pipe"}), reading(3)).total == 0


def test_merged_merges_mappings_and_replaces_the_rest() -> None:
    entry = {"classes": {"household": [1, 2], "general": {"rate": 5, "note": "x"}}, "label": "l"}
    change = {"classes": {"household": 0, "general": {"note": None}}, "rate": 3}
    assert merged(entry, change) == {
        "classes": {"household": 0, "general": {"rate": 5}},
        "label": "l",
        "rate": 3,
    }
    assert entry["classes"]["general"] == {"rate": 5, "note": "x"}  # not changed in place


WHOLE_WON = {"rounding": {"unit": 1, "method": "truncate"}}
PLAIN = version({"sewer": {k: v for k, v in sewer()["sewer"].items() if k != "variants"}}, **WHOLE_WON)
WITH_VARIANTS = version(sewer(), **WHOLE_WON)


@given(st.decimals(min_value=0, max_value=100000, places=2))
def test_an_empty_variant_bills_exactly_as_the_charge_without_variants(usage: Decimal) -> None:
    expected = PLAIN.bill(account(), reading(usage))
    got = WITH_VARIANTS.bill(account(attributes={"sewer_area": "main"}), reading(usage))
    assert got.total == expected.total
    assert [line.amount for line in got.lines] == [line.amount for line in expected.lines]
