"""compare for analysts: a column per charge and side, revenue by charge, class × charge, usage
band and meter size, several candidates at once, Parquet and SQLite, all exact."""

from __future__ import annotations

import csv
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tariffcore.commands import main

# H: household, 13 mm, 12 m³; G: general, 13 mm, no households, 40 m³; X: a use class Gimhae
# does not know.
READINGS = (
    "account,use_class,meter_mm,household_units,usage_m3,billing_month\n"
    "H,household,13,1,12,2025-03\n"
    "G,general,13,,40,2025-03\n"
    "X,spa,13,1,7,2025-03\n"
)
OLD, NEW = "kr/gimhae@2019", "kr/gimhae@2025"


def _compare(tmp_path: Path, *extra: str) -> int:
    readings = tmp_path / "readings.csv"
    readings.write_text(READINGS, encoding="utf-8")
    return main(["compare", str(readings), "--ruleset", OLD, "--against", NEW, "--quiet", *extra])


def test_the_summary_adds_revenue_by_charge_class_band_and_meter_by_hand(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    assert _compare(tmp_path, "--format", "none", "--summary", str(summary)) == 1  # X fails
    data = json.loads(summary.read_text(encoding="utf-8"))
    # H 2019: base 1,100, water 12 × 550 = 6,600, sewer 10 × 570 + 2 × 750 = 7,200, levy 12 × 170
    #   = 2,040 (16,940); 2025: 1,100, 12 × 850 = 10,200, 12 × 820 = 9,840, 2,040 (23,180).
    # G 2019: base 1,100, water 40 × 1,070 = 42,800, sewer 30 × 670 + 10 × 850 = 28,600, levy
    #   40 × 170 = 6,800 (79,300); 2025: 1,100, 40 × 1,520 = 60,800, 40 × 890 = 35,600, 6,800
    #   (104,300).
    charge = data["by_charge"]
    assert {name: (c["old_revenue"], c["new_revenue"]) for name, c in charge.items()} == {
        "base": ("2200", "2200"),
        "water": ("49400", "71000"),  # 6,600 + 42,800; 10,200 + 60,800
        "sewer": ("35800", "45440"),  # 7,200 + 28,600; 9,840 + 35,600
        "levy": ("8840", "8840"),
    }
    assert (
        charge["water"]["change"] == "21600" and charge["water"]["change_percent"] == "43.72"
    )  # 21,600 / 49,400
    assert charge["sewer"]["change_percent"] == "26.93"  # 9,640 / 35,800 = 26.927…%
    assert charge["base"]["old_bills"] == charge["base"]["new_bills"] == 2
    general = data["by_use_class_and_charge"]["general"]
    assert (general["water"]["old_revenue"], general["water"]["new_revenue"]) == ("42800", "60800")
    assert set(data["by_use_class_and_charge"]) == {"household", "general"}  # X billed by neither
    bands = data["by_usage_band"]
    assert list(bands) == ["0-10", "10-20", "30-50"]  # in band order; only the bands met
    assert (bands["0-10"]["accounts"], bands["0-10"]["error_rows"]) == (1, 1)  # X, 7 m³
    assert (bands["10-20"]["old_revenue"], bands["10-20"]["new_revenue"]) == ("16940", "23180")
    assert (bands["30-50"]["change"], bands["30-50"]["change_percent"]) == (
        "25000",
        "31.53",
    )  # 25,000 / 79,300
    meters = data["by_meter_size"]
    assert list(meters) == ["13"] and meters["13"]["accounts"] == 3 and meters["13"]["billed_by_both"] == 2
    assert meters["13"]["old_revenue"] == "96240" and meters["13"]["new_revenue"] == "127480"
    assert data["usage_bands_m3"] == ["10", "20", "30", "50", "100", "300", "1000"]


def test_usage_bands_are_given_as_rising_edges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "s.json"
    _compare(tmp_path, "--format", "none", "--summary", str(summary), "--usage-bands", "15,45")
    assert list(json.loads(summary.read_text())["by_usage_band"]) == ["0-15", "15-45"]
    for bad in ("20,10", "0,10", "ten"):
        with pytest.raises(SystemExit) as exit_:
            _compare(tmp_path, "--format", "none", "--usage-bands", bad)
        assert exit_.value.code == 2
    capsys.readouterr()


def test_csv_has_a_column_per_charge_and_side_and_split_errors(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    _compare(tmp_path, "-o", str(out))
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    h, g, x = rows
    assert (h["old_water"], h["new_water"], h["old_sewer"], h["new_sewer"]) == (
        "6600",
        "10200",
        "7200",
        "9840",
    )
    assert (g["old_total"], g["new_total"], g["change"], g["change_percent"]) == (
        "79300",
        "104300",
        "25000",
        "31.53",
    )
    assert x["old_error_code"] == x["new_error_code"] == "unknown_use_class"
    assert x["old_error_message"].startswith("kr/gimhae@2019: unknown use class 'spa'")
    assert x["old_total"] == x["new_water"] == "" and x["usage_m3"] == "7"
    assert "old_lines" not in h and "old_error" not in h


def test_several_candidates_make_a_scenario_table(tmp_path: Path) -> None:
    out, summary, report = tmp_path / "c.jsonl", tmp_path / "s.json", tmp_path / "r.html"
    status = _compare(
        tmp_path,
        "--against",
        "kr/changwon",
        "-o",
        str(out),
        "--summary",
        str(summary),
        "--report",
        str(report),
    )
    assert status == 1
    h = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    # Changwon (2024-07) bills a household water 12 × 850 = 10,200 and sewer 12 × 590 = 7,080,
    # and no base charge or levy: 17,280
    assert (h["old_water"], h["new1_water"], h["new2_water"]) == ("6600", "10200", "10200")
    assert (h["new2_sewer"], h["new2_base"], h["new2_total"]) == ("7080", None, "17280")
    assert (h["new1_change"], h["new2_change"]) == ("6240", "340")  # 23,180 − 16,940; 17,280 − 16,940
    assert h["new2_change_percent"] == "2.01"  # 340 / 16,940 = 2.007…%
    assert "change" not in h
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["old"] == OLD and data["rows"] == 3 and list(data["candidates"]) == ["new1", "new2"]
    assert data["candidates"]["new1"]["new"] == NEW and data["candidates"]["new2"]["new"] == "kr/changwon"
    # Changwon's general water rate is unknown in its data: only H is billed by Gimhae 2019 and it
    new2 = data["candidates"]["new2"]
    assert new2["by_charge"]["water"]["new_bills"] == 1 and new2["errors"]["new: unknown_value"] == 1
    assert data["candidates"]["new1"]["billed_by_both"] == 2 and new2["billed_by_both"] == 1
    html = report.read_text(encoding="utf-8")
    assert "<h2>Candidates</h2>" in html and html.count("<h3>Revenue by charge</h3>") == 2


def test_parquet_is_typed_and_exact(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "c.parquet"
    _compare(tmp_path, "-o", str(out))  # the format from the extension
    table = pq.read_table(out)
    amount = pa.decimal128(38, 6)
    for name in ("usage_m3", "old_water", "new_water", "old_total", "new_total", "change", "change_percent"):
        assert table.schema.field(name).type == amount, name
    assert table.schema.field("meter_mm").type == pa.int64()
    h, g, x = table.to_pylist()
    assert h["new_sewer"] == Decimal("9840") and g["old_total"] == Decimal("79300")
    assert h["old_other_charges"] == [] and x["old_other_charges"] is None
    assert x["new_error_code"] == "unknown_use_class" and x["usage_m3"] == Decimal(7)


def test_sqlite_has_comparisons_and_lines(tmp_path: Path) -> None:
    out = tmp_path / "c.sqlite"
    _compare(tmp_path, "-o", str(out))
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT sum(new_total) - sum(old_total) FROM comparisons").fetchone() == (31240,)
        # 6,240 + 25,000, summed by SQLite as integers: the texts hold whole won
        water = db.execute(
            "SELECT side, sum(amount) FROM lines WHERE charge = 'water' GROUP BY side ORDER BY side"
        ).fetchall()
        assert water == [("new", 71000), ("old", 49400)]
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"comparisons_account", "lines_account"} <= indexes
        assert db.execute("SELECT value FROM run WHERE key = 'old'").fetchone() == (OLD,)
        assert db.execute(
            "SELECT typeof(old_total), typeof(meter_mm) FROM comparisons LIMIT 1"
        ).fetchone() == (
            "text",
            "integer",
        )


def test_only_the_charges_asked_for_have_columns(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    _compare(tmp_path, "--charges", "water,sewer", "-o", str(out))
    h = next(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert "old_base" not in h and "new_levy" not in h
    # water and sewer only: 6,600 + 7,200 = 13,800 under 2019; 10,200 + 9,840 = 20,040 under 2025
    assert (h["old_total"], h["new_total"], h["change"]) == ("13800", "20040", "6240")
    assert h["change_percent"] == "45.22"  # 6,240 / 13,800 = 45.217…%


@pytest.mark.parametrize("candidates", [1, 2])
def test_a_csv_row_is_the_row_of_values_written_out(candidates: int) -> None:
    import io

    from tariffcore.batch import BatchEngine
    from tariffcore.engine import charge_ids
    from tariffcore.money import format_amount
    from tariffcore.regression.columns import OTHERS, ScenarioColumns
    from tariffcore.regression.compare import compare_chunk
    from tariffcore.rows import read_chunks
    from tariffcore.synthetic import write_city

    text = io.StringIO()
    write_city(text, 400, small_meter=13)
    odd = "\nBAD1,household,13,1,twelve,2025-03\nBAD2,spa,13,1,5,2025-03\nBAD3,household,13,1,,2025-03\n"
    engines = [BatchEngine.load(ruleset) for ruleset in ("kr/gimhae@2019", "kr/gimhae", "kr/busan")]
    # one column fewer than the charges billed: the rest are other charges
    columns = ScenarioColumns(charge_ids(engines[0].catalog, "kr/gimhae")[:-1], candidates)
    rows = 0
    for chunk in read_chunks(io.StringIO(text.getvalue().rstrip("\n") + odd)):
        for item in compare_chunk(tuple(engines[: candidates + 1]), chunk):
            cells = []
            for (_, kind), value in zip(columns.columns, columns.values(item)):
                if value is None:
                    cells.append("")
                elif kind == OTHERS:
                    cells.append(";".join(f"{charge}={format_amount(amount)}" for charge, amount in value))
                else:
                    cells.append(format_amount(value) if isinstance(value, Decimal) else str(value))
            if item.usage_m3 and not cells[4]:
                cells[4] = item.usage_m3
            assert columns.csv_row(item) == cells
            rows += 1
    assert rows == 403
