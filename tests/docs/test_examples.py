"""examples/korean-cities.csv bills every bundled Korean city from one file (a ruleset column per
row); each expected total is a golden bill worked out by hand in the city's tests/ directory."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tariffcore.commands import main
from tariffcore.synthetic import write_city
from tests.helpers import ROOT

CITIES = ROOT / "examples" / "korean-cities.csv"

EXPECTED = {
    "UL-1": "29720",  # kr/ulsan tests/2023-07.yaml
    "UL-2": "30920",  # kr/ulsan tests/2024-07.yaml: 17,200 + 13,000 + 720
    "SE-1": "25160",  # kr/seoul tests/2025-01.yaml, vulnerable household
    "SE-2": "51360",  # kr/seoul tests/2026-03.yaml
    "DG-1": "12000",  # kr/daegu tests/2013-12.yaml: 40 × 300, read in December 2013
    "PH-1": "28705",  # kr/pohang tests/2016-02.yaml: the 2016-01 bill, 780 + 27,925 (no sewer, levy yet)
    "GJ-1": "38850",  # kr/geoje tests/2026-01.yaml
    "JJ-1": "34070",  # kr/jinju tests/2017-10.yaml: 1,270 + 21,400 + sewer 11,400 (from 2017-01)
    "OC-1": "42050",  # kr/okcheon tests/2025.yaml
    "YS-1": "27320",  # kr/yangsan tests/2025.yaml
    "SC-1": "28100",  # kr/samcheok tests/2025.yaml
    "GH-1": "107900",  # kr/gimhae tests/2025.yaml, mixed use
    "CW-1": "52500",  # kr/changwon tests/2014-01.yaml, two households (2023-03: tiers still in force)
    "AS-1": "51770",  # kr/ansan tests/2023-07.yaml, the 2024-06 bill (base unknown from 2024-07)
}
# Busan's household water of 2026 is given by year, not by month (kr/busan tests/2026-02.yaml):
# every whole Busan bill fails on it, with or without a reduction.
ERRORS = {"UL-3": "unknown_value", "DG-2": "billing_cycle", "BS-1": "unknown_value", "BS-2": "unknown_value"}


def test_every_city_bills_from_one_file(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["bill", str(CITIES)])
    rows = {row["account"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert status == 1  # some rows are errors on purpose
    assert set(rows) == set(EXPECTED) | set(ERRORS)
    for account, total in EXPECTED.items():
        assert Decimal(rows[account]["total"]) == Decimal(total), account
    for account, code in ERRORS.items():
        assert rows[account]["error"]["code"] == code


def test_the_shipped_comparison_example_is_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # docs/examples/gimhae-2019-2025.{json,html}, made as docs/at-scale.md says: a synthetic
    # city of 20,000 accounts with 13 mm meters, compared under the two Gimhae versions.
    city = tmp_path / "gimhae.csv"
    with city.open("w", newline="", encoding="utf-8") as stream:
        write_city(stream, 20000, small_meter=13)
    summary, report = tmp_path / "summary.json", tmp_path / "report.html"
    argv = ["compare", str(city), "--ruleset", "kr/gimhae@2019", "--against", "kr/gimhae@2025"]
    main([*argv, "-o", str(tmp_path / "changes.csv"), "--summary", str(summary), "--report", str(report)])
    capsys.readouterr()
    for made, shipped in ((summary, "gimhae-2019-2025.json"), (report, "gimhae-2019-2025.html")):
        assert made.read_bytes() == (ROOT / "docs" / "examples" / shipped).read_bytes(), (
            f"docs/examples/{shipped} is out of date: make it again as docs/at-scale.md shows"
        )
