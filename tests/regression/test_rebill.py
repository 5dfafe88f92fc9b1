"""Re-billing history: every line recomputed and compared to the won."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from benchmarks.daejeon_by_hand import bill as by_hand

from tariffcore.commands import main
from tariffcore.synthetic import synthetic_city

CHARGES = ("base", "water", "sewer", "levy")


#: The twelve bills of Daejeon's 2023-07 step (2023-07 to 2024-06), the tariff the hand-written
#: function states (digest §8; later steps are known only in part).
MONTHS = [f"{2023 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}" for i in range(12)]


def write_history(path: Path, count: int, plant: int | None = None) -> dict[str, str]:
    """``count`` Daejeon bills issued over the twelve months of the 2023-07 step (amounts by the
    hand-written function), one of them (row index ``plant``) overcharged by one won on its
    water line; returns that row."""
    planted: dict[str, str] = {}
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(
            [
                "account",
                "use_class",
                "meter_mm",
                "household_units",
                "usage_m3",
                "billing_month",
                *(f"issued_{c}" for c in CHARGES),
                "issued_total",
            ]
        )
        for index, row in enumerate(synthetic_city(count, seed=11)):
            row["billing_month"] = MONTHS[index % 12]
            amounts = by_hand(row["use_class"], int(row["meter_mm"]), Decimal(row["usage_m3"]))
            if index == plant:
                amounts["water"] += 1
                amounts["total"] += 1
                planted = row
            writer.writerow([*row.values(), *(amounts[c] for c in CHARGES), amounts["total"]])
    return planted


def test_rebill_finds_a_planted_one_won_difference_in_100000_bills(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    planted = write_history(history, 100_000, plant=61_234)
    out = tmp_path / "checks.jsonl"
    summary = tmp_path / "summary.json"
    status = main(
        [
            "rebill",
            str(history),
            "--ruleset",
            "kr/daejeon",
            "--format",
            "jsonl",
            "-o",
            str(out),
            "--summary",
            str(summary),
            "--progress",
            "off",
        ]
    )
    assert status == 1
    checks = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(checks) == 100_000  # one result per history row
    bad = [check for check in checks if check["status"] != "match"]
    assert len(bad) == 1
    found = bad[0]
    assert found["account"] == planted["account"]
    assert found["row"] == 61_234 + 2  # CSV line: the header is line 1
    water, total = found["differences"]
    assert water["charge"] == "water"
    assert water["rule"] == f"water.{planted['use_class']}"
    assert water["version"] == "kr/daejeon@2023-07"
    assert Decimal(water["issued"]) - Decimal(water["recomputed"]) == 1
    assert water["difference"] == "-1"
    assert total["charge"] == "total" and total["difference"] == "-1"
    counts = json.loads(summary.read_text())
    assert counts["match"] == 99_999 and counts["mismatch"] == 1 and counts["error"] == 0
    assert counts["by_charge"]["water"] == {"match": 99_999, "mismatch": 1}
    assert counts["by_charge"]["sewer"] == {"match": 100_000, "mismatch": 0}
    month = planted["billing_month"]
    assert counts["by_month"][month]["mismatch"] == 1
    assert sum(m["bills"] for m in counts["by_month"].values()) == 100_000


def test_a_clean_history_exits_zero_and_text_names_line_and_rule(tmp_path: Path, capsys) -> None:
    history = tmp_path / "history.csv"
    write_history(history, 300)
    assert main(["rebill", str(history), "--ruleset", "kr/daejeon", "--progress", "off"]) == 0
    assert "300 bill(s): 300 match, 0 mismatch, 0 error" in capsys.readouterr().out
    planted = write_history(history, 300, plant=5)
    assert main(["rebill", str(history), "--ruleset", "kr/daejeon", "--progress", "off"]) == 1
    out = capsys.readouterr().out
    assert f"row 7 account {planted['account']}" in out
    assert "water: issued" in out and "(-1); rule water." in out and "version kr/daejeon@2023-07" in out


def test_jsonl_history_error_rows_and_missing_lines(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    rows = [
        # 20 m³ household, 15 mm, 2023-07 step: 860 + 20 × 510 + 20 × 420 + 20 × 170
        # = 860 + 10,200 + 8,400 + 3,400 = 22,860 (digest §8)
        {
            "account": "ok",
            "use_class": "household",
            "meter_mm": 15,
            "usage_m3": 20,
            "billing_month": "2024-03",
            "issued": {
                "lines": {"base": "860", "water": "10200", "sewer": "8400", "levy": "3400"},
                "total": "22860",
            },
        },
        # the issued bill had no levy line
        {
            "account": "nolevy",
            "use_class": "household",
            "meter_mm": 15,
            "usage_m3": 20,
            "billing_month": "2024-03",
            "issued": {"lines": {"base": "860", "water": "10200", "sewer": "8400"}, "total": "19460"},
        },
        # 13 mm is not in Daejeon's table: cannot be recomputed
        {
            "account": "bad",
            "use_class": "household",
            "meter_mm": 13,
            "usage_m3": 20,
            "billing_month": "2024-03",
            "issued": {"lines": {}, "total": "0"},
        },
        {
            "account": "nototal",
            "use_class": "household",
            "meter_mm": 15,
            "usage_m3": 1,
            "billing_month": "2024-03",
            "issued": {"lines": {"base": "860"}},
        },
    ]
    history.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "checks.jsonl"
    assert (
        main(
            [
                "rebill",
                str(history),
                "--ruleset",
                "kr/daejeon",
                "--format",
                "jsonl",
                "-o",
                str(out),
                "--progress",
                "off",
            ]
        )
        == 1
    )
    checks = [json.loads(line) for line in out.read_text().splitlines()]
    assert [c["status"] for c in checks] == ["match", "mismatch", "error", "error"]
    levy, total = checks[1]["differences"]
    assert levy == {
        "charge": "levy",
        "issued": None,
        "recomputed": "3400",
        "difference": None,
        "rule": "levy.household",
        "version": "kr/daejeon@2023-07",
    }
    assert total["difference"] == "3400"
    assert checks[2]["error"]["code"] == "unknown_value"
    assert "issued total is missing" in checks[3]["error"]["message"]


def test_rebill_on_two_processes_and_as_csv(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    planted = write_history(history, 3000, plant=2500)
    out = tmp_path / "diff.csv"
    assert (
        main(
            [
                "rebill",
                str(history),
                "--ruleset",
                "kr/daejeon",
                "--format",
                "csv",
                "-o",
                str(out),
                "--jobs",
                "2",
                "--progress",
                "off",
            ]
        )
        == 1
    )
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [(r["account"], r["charge"], r["difference"]) for r in rows] == [
        (planted["account"], "water", "-1"),
        (planted["account"], "total", "-1"),
    ]
    assert rows[0]["rule"] == f"water.{planted['use_class']}"


def test_an_issued_charge_the_ruleset_leaves_out_is_explained(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    # Changwon's table of the 2014-01 to 2023-10 bills is water only:
    # 20 × 650 + 10 × 810 + 5 × 1,030 = 26,250; no base charge
    history.write_text(
        "account,use_class,meter_mm,usage_m3,billing_month,issued_base,issued_water,issued_total\n"
        "A,household,15,35,2023-03,500,26250,26750\n"
    )
    out = tmp_path / "out.txt"
    assert main(["rebill", str(history), "--ruleset", "kr/changwon", "-o", str(out)]) == 1
    text = out.read_text()
    assert (
        "base: issued 500, recomputed none; version kr/changwon@2014-01 (kr/changwon@2014-01 does not include base:"
        in text
    )
    assert "None" not in text


def test_rebill_of_some_charges_compares_those_charges_only(tmp_path: Path) -> None:
    # The planted row's water line is one won over; re-billing sewer and levy only finds
    # nothing to report (water and the total are not compared), re-billing water finds it.
    history = tmp_path / "history.csv"
    write_history(history, 50, plant=7)
    base = ["rebill", str(history), "--ruleset", "kr/daejeon", "--format", "jsonl", "--progress", "off"]
    out = tmp_path / "some.jsonl"
    assert main([*base, "--charges", "sewer,levy", "-o", str(out)]) == 0
    checks = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(check["status"] == "match" for check in checks)
    assert main([*base, "--charges", "water", "-o", str(out)]) == 1
    checks = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [check["status"] for check in checks].count("mismatch") == 1


def test_an_issued_amount_past_the_digits_written_out_is_an_error_however_it_is_written() -> None:
    # Text too short to hold more than 1,000 digits is not measured; any other amount is.
    from tariffcore.errors import InputError
    from tariffcore.money import exact_difference
    from tariffcore.regression.rebill import _amounts

    texts = ["9" * n for n in (996, 997, 998, 999, 1000)]
    texts += ["0." + "0" * (n - 3) + "1" for n in (996, 997, 998, 999, 1000)]
    texts += ["-" + "9" * 998, "9" * 998 + "_9", " " + "9" * 999, "1e999", "1E998", "9" * 990 + "E8"]
    for text in texts:
        try:
            exact_difference(Decimal(text.strip().replace("_", "")), Decimal(0), 1000)
            fits = True
        except ValueError:
            fits = False
        try:
            _amounts({"total": text})
            read = True
        except InputError as error:
            assert "digits written out" in error.message
            read = False
        assert read == fits, (len(text), text[:12])
