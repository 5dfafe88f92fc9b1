"""The command line contract: one result per input row, in order, exact amounts, error rows."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers import run_cli as run

READINGS = ROOT / "examples" / "readings.csv"


def test_bill_jsonl_one_object_per_row_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae")
    rows = [json.loads(line) for line in out.splitlines()]
    with READINGS.open() as f:
        accounts = [r["account"] for r in csv.DictReader(f)]
    assert [r["account"] for r in rows] == accounts
    assert status == 1  # the example has rows that cannot be billed
    first = rows[0]
    assert first["ruleset"] == "kr/gimhae@2025"
    assert first["total"] == "37900"
    assert [(line["charge"], line["amount"]) for line in first["lines"]] == [
        ("base", "1100"),
        ("water", "17000"),
        ("sewer", "16400"),
        ("levy", "3400"),
    ]
    assert all(isinstance(line["amount"], str) for r in rows if "lines" in r for line in r["lines"])
    errors = {r["account"]: r["error"] for r in rows if "error" in r}
    assert errors["GH-0006"]["code"] == "unknown_value"
    assert "101+ m³" in errors["GH-0006"]["message"]
    assert errors["GH-0009"]["code"] == "invalid_input"
    assert set(rows[5]) == {"account", "error"}


def test_bill_exit_status_zero_when_every_row_bills(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "account,use_class,meter_mm,usage_m3,billing_month,extra_column\nA,household,15,35,2025-03,ignored\n"
    )
    status, out, _ = run(capsys, "bill", str(good), "--ruleset", "kr/changwon")
    assert status == 0
    bill = json.loads(out)
    # the 2024-07 step (digest §6): household water 35 × 850 = 29,750, sewer 35 × 590 = 20,650
    assert bill["total"] == "50400"
    assert bill["not_included"] == [
        {"charge": "levy", "reason": "the tariff digest has no Changwon water-use levy figure (?)"},
        {"charge": "base", "reason": "the tariff digest has no Changwon meter-size base charge table (?)"},
    ]


def test_bill_reads_json_lines_with_exact_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"account": "J1", "use_class": "household", "meter_mm": 13, "usage_m3": 12.5, "billing_month": "2024-03"}\n'
        '{"account": "J2", "use_class": "household", "meter_mm": 13, "usage_m3": -1, "billing_month": "2024-03"}\n'
        "not json\n"
    )
    status, out, _ = run(capsys, "bill", str(source), "--ruleset", "kr/ansan", "--explain", "full")
    rows = [json.loads(line) for line in out.splitlines()]
    # the 2023-07 step, in force to the 2024-06 bill (digest §7): 12.5 × 410 = 5,125.0;
    # 12.5 × 300 = 3,750.0; 12.5 × 170 = 2,125.0; base 570; each line in whole won
    # (nothing to drop): 5,125 + 3,750 + 2,125 + 570 = 11,570
    assert rows[0]["total"] == "11570"
    assert [line["unrounded"] for line in rows[0]["lines"]][1:] == ["5125.0", "3750.0", "2125.0"]
    assert rows[1] == {
        "account": "J2",
        "error": {"code": "invalid_input", "message": "usage_m3 cannot be negative (-1)"},
    }
    assert rows[2]["error"]["code"] == "invalid_input"
    assert len(rows) == 3 and status == 1


def test_bill_csv_and_table_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == 9
    assert table[3]["water"] == "55900" and table[3]["total"] == "107900"
    assert table[5]["error_code"] == "unknown_value"
    status, out, _ = run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", "table")
    assert "GH-0004  kr/gimhae@2025   50   1100   55900   42400   8500  107900" in out
    assert "6 bill(s), 3 error row(s)" in out


def test_bill_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.jsonl"
    run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "--output", str(target))
    assert len(target.read_text().splitlines()) == 9


def test_unknown_ruleset_is_a_clear_failure(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhea")
    assert status == 2
    assert "no ruleset 'kr/gimhea' is installed (did you mean 'kr/gimhae'?)" in err


def test_per_row_ruleset_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "mixed.csv"
    source.write_text(
        "account,ruleset,use_class,meter_mm,usage_m3,billing_month\n"
        "A,kr/changwon,school,50,500,2023-06\nB,kr/ansan@2023-07,household,13,10,2024-05\n"
        "C,,household,13,10,2025-05\n"
    )
    status, out, _ = run(capsys, "bill", str(source))
    rows = [json.loads(line) for line in out.splitlines()]
    # A: schools at the general tier-1 rate until the 2023-10 bill: 500 × 1,030 = 515,000.
    # B: 10 × 410 + 10 × 300 + 10 × 170 + base 570 = 4,100 + 3,000 + 1,700 + 570 = 9,370.
    assert rows[0]["total"] == "515000" and rows[1]["total"] == "9370"
    assert rows[2]["error"]["code"] == "no_ruleset"
    assert status == 1


def test_explain_shows_tiers_rounding_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "explain",
        "--ruleset",
        "kr/changwon",
        "--use-class",
        "household",
        "--households",
        "2",
        "--usage",
        "70",
        "--billing-month",
        "2023-03",  # the household tiers were abolished from the 2023-11 bill
    )
    assert status == 0
    assert "household tier 2 (41–60 m³): 20 × 810 = 16200" in out
    assert "[OFF] 창원시 상수도 요금 안내" in out
    assert "sewer — not included" in out
    assert out.rstrip().endswith("total 52500 KRW")


def test_explain_an_account_from_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "explain", str(READINGS), "--account", "GH-0004", "--ruleset", "kr/gimhae")
    assert status == 0 and "rule     water.general+household-allowance (version 2025)" in out


def test_rulesets_lists_versions_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "rulesets", "--format", "json")
    listing = {entry["id"]: entry for entry in json.loads(out)}
    gimhae = listing["kr/gimhae"]
    # digest §5 (v2): version A's sewer from the 2017-01 bill, A observed in 2019, 2020–2022 in
    # steps, B from 2023, the industrial class about 2023-10, B observed 2025, the 2026-01 bill
    # (to the 2026-12 bill: nothing is given after it)
    assert [(v["version"], v["from"], v["until"]) for v in gimhae["versions"]] == [
        ("2017-01", "2017-01-01", "2018-12-31"),
        ("2019", "2019-01-01", "2019-12-31"),
        ("2020-01", "2020-01-01", "2020-01-31"),
        ("2020-02", "2020-02-01", "2020-12-31"),
        ("2021-01", "2021-01-01", "2022-12-31"),
        ("2023-01", "2023-01-01", "2023-09-30"),
        ("2023-10", "2023-10-01", "2024-12-31"),
        ("2025", "2025-01-01", "2025-12-31"),
        ("2026-01", "2026-01-01", "2026-12-31"),
    ]
    assert gimhae["versions"][0]["sources"][0]["tag"] == "OFF"


def test_validate_reports_file_line_col(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "rulesets/kr/changwon/2014-01.yaml").read_text()  # a whole file (no extends)
    broken.write_text(
        text.replace("{upto: 30, rate: 810}", "{upto: 10, rate: 810}").replace(
            "  school: {label: 학교용}\n", ""
        )
    )
    status, out, _ = run(capsys, "validate", str(broken))
    assert status == 1
    lines = out.splitlines()
    assert any(
        line.startswith(f"{broken}:") and "tier 'upto' 10 is below the previous tier's 20" in line
        for line in lines
    )
    assert any("unknown use class 'school'" in line for line in lines)


def test_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "tariffcore"
    done = subprocess.run(
        [str(script), "bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", "table"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "GH-0001" in done.stdout


def test_table_columns_line_up_when_a_later_bill_adds_a_charge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "two-cities.csv"
    source.write_text(
        "account,ruleset,use_class,meter_mm,usage_m3,billing_month\n"
        "C,kr/changwon,household,15,35,2023-03\nA,kr/ansan,household,13,45,2024-05\n"
    )
    _, out, _ = run(capsys, "bill", str(source), "--format", "table")
    header, changwon, ansan = out.splitlines()[:3]
    assert header.split() == ["account", "ruleset", "m3", "water", "base", "sewer", "levy", "total", "notes"]
    # Changwon has water only until the 2023-10 bill: the later columns show "-" and its total
    # sits under "total" (20 × 650 + 10 × 810 + 5 × 1,030 = 26,250). Ansan's 2023-07 step:
    # 20 × 410 + 20 × 610 + 5 × 890 = 24,850; base 570; 20 × 300 + 20 × 460 + 5 × 700 = 18,700;
    # 45 × 170 = 7,650; total 51,770.
    assert changwon.split()[:8] == ["C", "kr/changwon@2014-01", "35", "26250", "-", "-", "-", "26250"]
    assert ansan.split()[:8] == ["A", "kr/ansan@2023-07", "45", "24850", "570", "18700", "7650", "51770"]
    assert len(changwon.split("  26250")[0]) == len(ansan.split("  24850")[0])


def test_explain_names_its_own_options_in_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "explain", "--ruleset", "kr/changwon", "--usage", "10", "--billing-month", "2025-03"
    )
    assert status == 2 and "--use-class is empty" in err  # the options are wrong: a usage error
    status, _, err = run(
        capsys,
        "explain",
        "--ruleset",
        "kr/changwon",
        "--use-class",
        "household",
        "--billing-month",
        "2025-03",
    )
    assert status == 2 and "--usage is empty" in err


def test_tier_bounds_are_explained_in_the_line_unit() -> None:
    from decimal import Decimal

    from tariffcore import TierSlice

    piece = TierSlice(
        2, Decimal(14), Decimal(19), Decimal(5), Decimal("2.5"), Decimal("12.5"), "RESIDENTIAL_SINGLE"
    )
    assert piece.describe() == "RESIDENTIAL_SINGLE tier 2 (15–19 m³): 5 × 2.5 = 12.5"
    assert piece.describe("ccf") == "RESIDENTIAL_SINGLE tier 2 (15–19 ccf): 5 × 2.5 = 12.5"


def test_the_collector_is_set_for_a_command_and_as_it_was_after(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import importlib

    from tariffcore.commands import rulesets

    main_module = importlib.import_module("tariffcore.commands.main")

    seen: list[tuple[int, int, int]] = []

    def failing(args: object) -> int:
        seen.append(gc.get_threshold())
        raise RuntimeError("a bug")

    monkeypatch.setattr(rulesets, "run", failing)  # read when the command registers
    before = gc.get_threshold()
    assert main_module.main(["rulesets"]) == 2  # an internal error, reported
    assert seen == [main_module.COLLECTOR]
    assert gc.get_threshold() == before != main_module.COLLECTOR
