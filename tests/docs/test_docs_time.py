"""The Python examples of docs/time.md and docs/versions.md run, and the figures they quote hold."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore.rows import explain_bill
from tests.helpers import ROOT, fixture_catalog, period_reading, switch_variant

DOCS = ROOT / "docs"
PAGES = ["time.md", "versions.md"]


def blocks(page: str, language: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page: str) -> None:
    for code in blocks(page, "python"):
        exec(compile(code, f"docs/{page}", "exec"), {})


def test_the_explained_split_line_is_what_explain_prints() -> None:
    (shown,) = [b for b in blocks("time.md", "text") if "part     " in b]
    bill = fixture_catalog("seoul").bill(
        "test/seoul",
        tariffcore.Account("-", "household"),
        period_reading(30, date(2021, 12, 16), date(2022, 2, 15)),
    )
    assert shown.strip() in explain_bill(bill)


def test_the_quoted_totals(tmp_path: Path) -> None:
    home = tariffcore.Account("-", "household", meter_mm=15, attributes={"levy_rate": "100"})
    period = period_reading(30, date(2021, 12, 16), date(2022, 2, 15))
    assert fixture_catalog("seoul").bill("test/seoul", home, period).total == 30780
    assert switch_variant("seoul", tmp_path).bill("test/seoul", home, period).total == 31500
    two_months = period_reading(40, date(2021, 12, 1), date(2022, 1, 31))
    water = fixture_catalog("seoul").bill("test/seoul", home, two_months).line("water")
    assert water is not None and water.amount == 17400
    busan = fixture_catalog("busan")
    bill = busan.bill(
        "test/busan",
        home,
        period_reading(20, date(2026, 1, 1), date(2026, 1, 31), due_date=date(2026, 2, 28)),
    )
    assert [line.amount for line in bill.lines] == [1200, 18400, 13300, Decimal("2996")]
