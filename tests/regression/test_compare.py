"""Comparing two ordinances on a synthetic city."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tariffcore.commands import main
from tariffcore.regression import CompareSummary, ranked
from tariffcore.synthetic import write_city


def test_gimhae_2019_against_2025_on_a_synthetic_city(tmp_path: Path) -> None:
    city = tmp_path / "city.csv"
    with city.open("w", encoding="utf-8", newline="") as stream:
        write_city(stream, 3000, seed=3, small_meter=13)
    out, summary, report = tmp_path / "c.csv", tmp_path / "s.json", tmp_path / "r.html"
    status = main(
        [
            "compare",
            str(city),
            "--ruleset",
            "kr/gimhae@2019",
            "--against",
            "kr/gimhae@2025",
            "-o",
            str(out),
            "--summary",
            str(summary),
            "--report",
            str(report),
            "--progress",
            "off",
        ]
    )
    assert status == 1  # Gimhae's data cannot bill every account: those are error rows
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 3000
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["rows"] == 3000
    assert data["billed_by_both"] + data["error_rows"] == 3000
    assert data["billed_by_both"] > 0 and data["error_rows"] > 0
    both = [r for r in rows if r["old_total"] and r["new_total"]]
    assert len(both) == data["billed_by_both"]
    old = sum(Decimal(r["old_total"]) for r in both)
    new = sum(Decimal(r["new_total"]) for r in both)
    assert Decimal(data["total"]["old_revenue"]) == old
    assert Decimal(data["total"]["new_revenue"]) == new
    # bath-houses have no class in either Gimhae version; industry has none in 2019 and no sewer
    # rate in 2025
    assert data["by_use_class"]["industrial"]["billed_by_both"] == 0
    assert sum(data["errors"].values()) >= data["error_rows"]
    won = [Decimal(v) for v in data["change_percentiles"].values()]
    assert won == sorted(won)
    hardest = data["hardest_hit"]
    assert len(hardest) == 20
    changes = [Decimal(h["change"]) for h in hardest]
    assert changes == sorted(changes, reverse=True)
    assert changes[0] == max(Decimal(r["change"]) for r in both)
    html = report.read_text(encoding="utf-8")
    # revenue by use class, by charge and by usage band, the histogram, and one chart of the
    # bill against usage per use class billed by both (household and general)
    assert html.startswith("<!doctype html>") and html.count("<svg") == 6
    for heading in ("Revenue by charge", "Revenue by use class and charge", "Revenue by usage band"):
        assert f"<h2>{heading}" in html
    assert "household: mean bill against usage" in html and "general: mean bill against usage" in html
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert list(rows[0])[:9] == [
        "row",
        "account",
        "use_class",
        "meter_mm",
        "usage_m3",
        "old_ruleset",
        "new_ruleset",
        "old_base",
        "new_base",
    ]
    # the revenue of each charge adds up to the total
    by_charge = data["by_charge"]
    assert sum(Decimal(c["old_revenue"]) for c in by_charge.values()) == old
    assert sum(Decimal(c["new_revenue"]) for c in by_charge.values()) == new
    assert sum(Decimal(r["new_water"] or 0) for r in both) == Decimal(by_charge["water"]["new_revenue"])
    assert sum(b["accounts"] for b in data["by_usage_band"].values()) == 3000
    assert sum(m["accounts"] for m in data["by_meter_size"].values()) == 3000


def test_one_household_by_hand(tmp_path: Path) -> None:
    city = tmp_path / "one.csv"
    city.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month\nH,household,13,1,12,2025-03\n",
        encoding="utf-8",
    )
    out = tmp_path / "c.jsonl"
    assert (
        main(
            [
                "compare",
                str(city),
                "--ruleset",
                "kr/gimhae@2019",
                "--against",
                "kr/gimhae@2025",
                "--format",
                "jsonl",
                "-o",
                str(out),
                "--progress",
                "off",
            ]
        )
        == 0
    )
    row = json.loads(out.read_text())
    # 2019: 1,100 + 12 × 550 + (10 × 570 + 2 × 750) + 12 × 170 = 1,100 + 6,600 + 7,200 + 2,040
    assert row["old_total"] == "16940"
    # 2025: 1,100 + 12 × 850 + 12 × 820 + 12 × 170 = 1,100 + 10,200 + 9,840 + 2,040
    assert row["new_total"] == "23180"
    # 6,240 / 16,940 = 36.835…% → 36.84
    assert row["change"] == "6240" and row["change_percent"] == "36.84"
    assert [row[f"old_{c}"] for c in ("base", "water", "sewer", "levy")] == ["1100", "6600", "7200", "2040"]
    assert [row[f"new_{c}"] for c in ("base", "water", "sewer", "levy")] == ["1100", "10200", "9840", "2040"]
    assert row["old_other_charges"] == row["new_other_charges"] == {}
    assert row["meter_mm"] == 13 and row["old_error_code"] is None


def test_two_cities(tmp_path: Path, capsys) -> None:
    city = tmp_path / "one.csv"
    city.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month\nH,household,15,1,35,2025-03\n",
        encoding="utf-8",
    )
    assert (
        main(
            [
                "compare",
                str(city),
                "--ruleset",
                "kr/changwon",
                "--against",
                "kr/daejeon",
                "--format",
                "none",
                "--progress",
                "off",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    # 2025-03: Changwon's 2024-07 step, 35 × 850 + 35 × 590 = 29,750 + 20,650 = 50,400 (no levy or
    # base); Daejeon's 2024-07 step, 860 + 35 × (560 + 470 + 170) = 860 + 42,000 = 42,860
    assert "50400" in out and "42860" in out
    assert "change per bill (KRW): p0 -7540" in out  # the bills' currency; 42,860 − 50,400


def test_compare_on_two_processes_gives_the_same_rows(tmp_path: Path) -> None:
    city = tmp_path / "city.csv"
    with city.open("w", encoding="utf-8", newline="") as stream:
        write_city(stream, 500, seed=4, small_meter=13)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"c{jobs}.csv"
        main(
            [
                "compare",
                str(city),
                "--ruleset",
                "kr/gimhae@2019",
                "--against",
                "kr/gimhae@2025",
                "-o",
                str(out),
                "--jobs",
                jobs,
                "--progress",
                "off",
            ]
        )
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] and outputs[0].count("\n") == 501


@given(st.lists(st.integers(-50_000, 50_000), min_size=1, max_size=300))
def test_counted_percentiles_are_the_nearest_rank_of_the_sorted_values(values: list[int]) -> None:
    counted = Counter(Decimal(v) for v in values)
    ordered = sorted(values)
    summary = CompareSummary("a", "b")
    for p, found in summary.distribution(counted).items():
        rank = max(1, -(-int(p[1:]) * len(values) // 100))
        assert Decimal(found) == ordered[rank - 1]
    assert ranked(counted, 1) == ordered[0] and ranked(counted, len(values)) == ordered[-1]


def test_charges_left_out_on_one_side_are_flagged(tmp_path: Path) -> None:
    readings = tmp_path / "r.csv"
    readings.write_text(
        "account,use_class,meter_mm,usage_m3,billing_month\n"
        "A,household,13,20,2025-03\nB,household,13,35,2025-03\n"
    )
    summary = tmp_path / "s.json"
    report = tmp_path / "r.html"
    assert (
        main(
            [
                "compare",
                str(readings),
                "--ruleset",
                "kr/gimhae@2025",
                "--against",
                "kr/changwon",
                "--format",
                "none",
                "--summary",
                str(summary),
                "--report",
                str(report),
            ]
        )
        == 0
    )
    data = json.loads(summary.read_text())
    # Changwon bills water and sewer (its 2024-07 step has no levy or base); Gimhae bills base,
    # water, sewer and levy on both accounts
    assert data["not_included_on_one_side"] == {"new: base": 2, "new: levy": 2}
    assert "Charges one side does not include" in report.read_text()
