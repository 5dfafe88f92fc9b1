"""The YAML examples of docs/charges.md compile, and the figures the page quotes hold."""

from __future__ import annotations

import re

import pytest
import yaml

from tariffcore import UnknownValueError, explain_bill
from tests.helpers import ROOT, account, reading, version

PAGE = ROOT / "docs" / "charges.md"
CLASSES = {c: {"label": c} for c in ("household", "general", "bathhouse", "industrial")}


def examples() -> list[dict[str, object]]:
    text = PAGE.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def charge(entry: dict[str, object]) -> dict[str, object]:
    return {**entry, "label": "x", "source": "s"}


def test_the_flat_allowance_example() -> None:
    general = examples()[0]["general"]
    v = version(
        {
            "water": {
                "type": "graduated",
                "label": "w",
                "source": "s",
                "classes": {"household": 585, "general": general},
            }
        },
        use_classes={"household": {"label": "h"}, "general": {"label": "g", "household_units_default": 0}},
    )
    bill = v.bill(account("general", household_units=2), reading(40))
    assert bill.total == 27_050  # 30 × 585 + 10 × 950
    assert "water.general+allowance" in PAGE.read_text(encoding="utf-8")
    assert "allowance tier 1 (1–30 m³): 30 × 585 = 17550" in explain_bill(bill)


def test_the_base_charge_examples() -> None:
    one_table, per_class = examples()[1]["base"], examples()[2]["base"]
    v = version({"base": charge(one_table)}, use_classes=CLASSES)
    assert v.bill(account(meter_mm=20), reading(0)).total == 3_180
    v = version({"base": charge(per_class)}, use_classes=CLASSES)
    assert v.bill(account(meter_mm=15), reading(0)).total == 1_200
    with pytest.raises(UnknownValueError, match="'general'"):
        v.bill(account("general", meter_mm=15), reading(0))
    assert v.bill(account("industrial", meter_mm=15), reading(0)).lines == ()


def test_the_variants_example() -> None:
    entry = examples()[3]["sewer"]
    v = version(
        {"sewer": entry}, sources=[{"id": "fees", "title": "fees", "tag": "OFF"}], use_classes=CLASSES
    )
    main = v.bill(account(attributes={"sewer_area": "main"}), reading(35))
    assert main.total == 30_000  # 10 × 590 + 20 × 910 + 5 × 1,180
    assert v.bill(account(attributes={"sewer_area": "sewer_pipe"}), reading(35)).total == 0
    with pytest.raises(UnknownValueError) as caught:
        v.bill(account("general", attributes={"sewer_area": "sewer_pipe"}), reading(35))
    assert caught.value.message.endswith("(하수관로 사용지역 (sewer_area sewer_pipe))")
    assert "(하수관로 사용지역 (sewer_area sewer_pipe))" in PAGE.read_text(encoding="utf-8")
