"""Coverage: month by month and charge by charge, what the data can bill."""

from __future__ import annotations

from datetime import date

import pytest

import tariffcore
from tariffcore.engine import coverage, coverage_text
from tests.helpers import fixture_catalog, run_cli, version

WATER = {"type": "volume", "label": "water", "source": "s"}


def test_statuses_by_month_and_charge() -> None:
    first = version(
        {
            "water": {**WATER, "classes": {"household": 300, "general": "unknown"}},
            "sewer": {**WATER, "classes": {"household": "unknown", "general": "unknown"}},
        },
        version="1",
        effective={"from": "2025-01", "basis": "billing_month"},
        not_included={"base": "not in the data"},
    )
    second = version(
        {"water": {**WATER, "classes": {"household": 320, "general": 400}}},
        version="2",
        effective={"from": "2025-04", "basis": "billing_month"},
    )
    runs = coverage(tariffcore.Ruleset("test/city", (first, second)))
    assert [(r.first, r.last, r.version, dict(r.statuses)) for r in runs] == [
        (
            date(2025, 1, 1),
            date(2025, 3, 1),
            "1",
            {"water": "partly", "sewer": "unknown", "base": "not included"},
        ),
        (date(2025, 4, 1), date(2025, 12, 1), "2", {"water": "billable", "sewer": "none", "base": "none"}),
    ]


def test_a_gap_between_versions_is_none() -> None:
    first = version(
        {"water": {**WATER, "classes": {"household": 300}}},
        version="1",
        effective={"from": "2025-01", "until": "2025-02", "basis": "billing_month"},
    )
    second = version(
        {"water": {**WATER, "classes": {"household": 300}}},
        version="2",
        effective={"from": "2025-04", "basis": "billing_month"},
    )
    runs = coverage(tariffcore.Ruleset("test/city", (first, second)), until=date(2025, 5, 1))
    assert [(f"{r.first:%Y-%m}", f"{r.last:%Y-%m}", r.version, r.statuses["water"]) for r in runs] == [
        ("2025-01", "2025-02", "1", "billable"),
        ("2025-03", "2025-03", None, "none"),
        ("2025-04", "2025-05", "2", "billable"),
    ]


def test_the_command_prints_a_row_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import FIXTURES

    status, out, _ = run_cli(
        capsys, "rulesets", "coverage", "test/seoul", "--rulesets-dir", str(FIXTURES / "seoul")
    )
    assert status == 0
    assert out == coverage_text(fixture_catalog("seoul").ruleset("test/seoul"))
    # 2021-01..2021-06: water 360 for tier 1, tier 2 unknown; the levy is known throughout
    assert "2021-01..2021-06  2021-01  ◐ partly" in out
    assert "● billable" in out
