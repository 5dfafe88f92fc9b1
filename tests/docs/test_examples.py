"""examples/korean-cities.csv bills every bundled Korean city from one file (a ruleset column per
row); each expected total is a golden bill worked out by hand in the city's tests/ directory."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tariffcore.commands import main
from tests.helpers import ROOT

CITIES = ROOT / "examples" / "korean-cities.csv"

EXPECTED = {
    "UL-1": "29720",  # kr/ulsan tests/2023-07.yaml
    "UL-2": "18170",  # 15 t of water free: 29,720 − 11,550
    "SE-1": "25160",  # kr/seoul tests/2025-01.yaml, vulnerable household
    "SE-2": "51360",  # kr/seoul tests/2026-03.yaml
    "DG-1": "12000",  # kr/daegu: 40 × 300
    "BS-1": "35896",  # kr/busan tests/2026-02.yaml
    "BS-2": "31316",  # 1,200 + 18,400 − 3,680 + 13,300 + 20 × 104.8 (70 % application)
    "PH-1": "43477.5",  # kr/pohang tests/2016-02.yaml
    "GJ-1": "38850",  # kr/geoje tests/2026-01.yaml
    "JJ-1": "22670",  # kr/jinju tests/2017-10.yaml
    "OC-1": "42050",  # kr/okcheon tests/2025.yaml
    "YS-1": "27320",  # kr/yangsan tests/2025.yaml
    "SC-1": "28100",  # kr/samcheok tests/2025.yaml
    "GH-1": "107900",  # kr/gimhae tests/2025.yaml, mixed use
    "CW-1": "52500",  # kr/changwon tests/2025.yaml, two households
    "AS-1": "51770",  # kr/ansan tests/2025.yaml
}
ERRORS = {"UL-3": "unknown_value", "DG-2": "billing_cycle"}


def test_every_city_bills_from_one_file(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["bill", str(CITIES)])
    rows = {row["account"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert status == 1  # two rows are errors on purpose
    assert set(rows) == set(EXPECTED) | set(ERRORS)
    for account, total in EXPECTED.items():
        assert Decimal(rows[account]["total"]) == Decimal(total), account
    for account, code in ERRORS.items():
        assert rows[account]["error"]["code"] == code
