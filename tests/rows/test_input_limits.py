"""Inputs no meter can show, non-UTF-8 files, unreadable Parquet, impossible rule values:
each a clear error, never a traceback or lost rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tariffcore.commands import main
from tests.helpers import ROOT, version

HEADER = "account,use_class,meter_mm,usage_m3,billing_month\n"


def test_out_of_range_usage_is_an_error_row_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        HEADER + "A,household,20,35,2025-03\nB,household,20,1e999999,2025-03\n"
        "C,household,20,1e-9,2025-03\nD,household,20,35,2025-03\n"
    )
    status = main(["bill", str(source), "--ruleset", "kr/changwon"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [row["account"] for row in rows] == ["A", "B", "C", "D"]
    # the 2024-07 step (digest §6): 35 × 850 + 35 × 590 = 29,750 + 20,650
    assert rows[0]["total"] == rows[3]["total"] == "50400"
    assert rows[1]["error"]["code"] == rows[2]["error"]["code"] == "invalid_input"
    assert "out of range" in rows[1]["error"]["message"]


def test_a_file_that_is_not_utf8_cannot_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "cp949.csv"
    source.write_bytes((HEADER + "한글1,household,20,35,2025-03\n").encode("cp949"))
    assert main(["bill", str(source), "--ruleset", "kr/changwon"]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_a_file_that_is_not_parquet_cannot_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    source = tmp_path / "bad.parquet"
    source.write_bytes((ROOT / "examples" / "readings.csv").read_bytes())
    assert main(["bill", str(source), "--ruleset", "kr/changwon"]) == 2
    assert "is not a readable Parquet file" in capsys.readouterr().err


def test_negative_charges_and_backwards_dates_are_ruleset_errors() -> None:
    from tariffcore import RulesetError

    with pytest.raises(RulesetError, match="unit price -170 is negative"):
        version({"levy": {"type": "per_unit", "label": "l", "source": "s", "rate": -170}})
    with pytest.raises(RulesetError, match="13 mm meter, -1100, is negative"):
        version({"base": {"type": "base_by_meter", "label": "b", "source": "s", "rates": {13: -1100}}})
    with pytest.raises(RulesetError, match="'until' 2024-12-31 is before 'from' 2025-01-01"):
        version({}, effective={"from": "2025-01", "until": "2024-12-31", "basis": "billing_month"})


def test_batch_options_refuse_impossible_counts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["bill", str(ROOT / "examples" / "readings.csv"), "--ruleset", "kr/gimhae", "--jobs", "0"])
    assert caught.value.code == 2
    assert "--jobs/-j: 0 is below 1" in capsys.readouterr().err


def test_lint_of_an_unknown_ruleset_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--ruleset", "kr/nowhere"]) == 2
    err = capsys.readouterr().err
    assert "no ruleset 'kr/nowhere' is installed;" in err  # no far-fetched "did you mean"
    assert main(["lint", "--ruleset", "kr/gimhea"]) == 2
    assert "(did you mean 'kr/gimhae'?)" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_missing_column_keeps_each_row_and_its_account(
    tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "no-usage.csv"
    source.write_text(
        "account,use_class,meter_mm,billing_month\nA1,household,20,2025-03\nA2,household,20,2025-03\n"
    )
    assert main(["bill", str(source), "--ruleset", "kr/changwon", "--jobs", jobs]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["account"] for row in rows] == ["A1", "A2"]
    assert all("has no column usage_m3" in row["error"]["message"] for row in rows)


@pytest.mark.parametrize("backend", ["python", "fast"])
def test_a_date_written_another_way_is_an_error_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    # Python reads 2025-W01 as 2024-12-30 and 20250331 as 2025-03-31: neither is taken
    if backend == "fast":
        pytest.importorskip("pyarrow")
    source = tmp_path / "in.csv"
    source.write_text(
        "account,use_class,meter_mm,usage_m3,billing_month,period_end\n"
        "A,household,20,35,2025-03,\n"
        "W,household,20,35,2025-W01,\n"
        "D,household,20,35,2025-W10-1,\n"
        "C,household,20,35,,20250331\n"
        "B,household,20,35,2025-03-15,\n"
        "F,household,20,35,２０２５-03,\n"
    )
    status = main(["bill", str(source), "--ruleset", "kr/changwon", "--backend", backend])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [row["account"] for row in rows] == ["A", "W", "D", "C", "B", "F"]
    assert rows[0]["total"] == rows[4]["total"] == "50400"  # a date in the month names the month
    for row, text in zip(
        rows[1:4] + rows[5:], ["2025-W01", "2025-W10-1", "20250331", "２０２５-03"], strict=True
    ):
        assert row["error"]["code"] == "invalid_input"
        assert f"'{text}' is not a date (expected YYYY-MM-DD" in row["error"]["message"]
