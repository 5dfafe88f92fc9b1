"""The ``tariffcore arrears`` command and the ledger reader."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tariffcore.accounts import group_ledger, read_ledger
from tests.helpers import ROOT
from tests.helpers import run_cli as run

ROOT = ROOT
LEDGER = ROOT / "examples" / "ledger.csv"


def test_one_bill_json(capsys: pytest.CaptureFixture[str]) -> None:
    # 52,000 × 3 % × 10/30 = 520
    status, out, _ = run(
        capsys,
        "arrears",
        "--ruleset",
        "kr/seoul",
        "--principal",
        "52000",
        "--due",
        "2025-01-31",
        "--as-of",
        "2025-02-10",
    )
    assert status == 0
    data = json.loads(out)
    assert data["ruleset"] == "kr/seoul@arrears-2008-11"
    assert data["principal"] == "52000" and data["total_due"] == "52520"
    assert [(s["kind"], s["amount"], s["from"], s["to"], s["rule"]) for s in data["surcharges"]] == [
        ("daily", "520", "2025-02-01", "2025-02-10", "late_fee")
    ]


@pytest.mark.parametrize(
    ("principal", "refused"),
    [
        ("52000.5", "the principal 52000.5 KRW"),
        ("water=100.5,sewer=0.5", "the principal of water 100.5 KRW"),
    ],
)
def test_a_principal_with_a_fraction_of_a_won_is_a_bad_value(
    principal: str, refused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["arrears", "--ruleset", "kr/seoul", "--principal", principal, "--due", "2025-01-31"]
    status, out, err = run(capsys, *argv, "--as-of", "2025-03-10")
    assert (status, out) == (2, "")
    assert err.startswith(f"tariffcore: --principal: {refused} holds a fraction of the currency's minor unit")
    assert "KRW amounts have no decimal places" in err
    # whole won written with decimal places is the same amount, written as the won is
    status, out, _ = run(
        capsys, *argv[:4], "52000.00", *argv[5:], "--as-of", "2025-03-10", "--format", "table"
    )
    assert status == 0
    assert "principal          52000\n" in out and "total due          53560\n" in out


def test_a_ledger_amount_with_a_fraction_of_a_won_is_its_accounts_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "account,entry,date,amount,charges\n"
        "A,bill,2025-01-31,52000.5,\n"
        "B,bill,2025-01-31,101,water=100.5;sewer=0.5\n"
        "C,bill,2025-01-31,52000,\n"
        "C,payment,2025-02-10,100.5,\n"
        "D,bill,2025-01-31,52000.00,\n",
        encoding="utf-8",
    )
    status, out, _ = run(capsys, "arrears", str(ledger), "--ruleset", "kr/seoul", "--as-of", "2025-03-10")
    assert status == 1
    rows = [json.loads(line) for line in out.splitlines()]
    errors = [row["error"]["message"] if "error" in row else None for row in rows]
    fraction = "KRW holds a fraction of the currency's minor unit (1 KRW): KRW amounts have no decimal places"
    assert errors == [
        f"bill 2025-01-31: the principal 52000.5 {fraction}",
        f"bill 2025-01-31: charge water 100.5 {fraction}; bill 2025-01-31: charge sewer 0.5 {fraction}",
        f"payment 'paid 2025-02-10 (line 5)': the amount 100.5 {fraction}",
        None,
    ]
    assert all(row["error"]["code"] == "invalid_input" for row in rows[:3])
    assert (rows[3]["principal"], rows[3]["outstanding"]) == ("52000", "53560")


def test_one_bill_per_charge_table(capsys: pytest.CaptureFixture[str]) -> None:
    # water 40,000 × 3 % = 1,200; sewer 150,000 × 5 % = 7,500; 150,000 × 1.2 % × 2 = 3,600
    status, out, _ = run(
        capsys,
        "arrears",
        "--ruleset",
        "kr/seoul",
        "--principal",
        "water=40000,sewer=150000",
        "--due",
        "2005-03-31",
        "--as-of",
        "2005-06-15",
        "--format",
        "table",
    )
    assert status == 0
    assert "kr/seoul@arrears-2001-11" in out
    assert out.rstrip().splitlines()[-1].split()[-1] == "202300"


def test_one_bill_error_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "arrears",
        "--ruleset",
        "kr/busan@arrears",
        "--principal",
        "1000",
        "--due",
        "2025-01-31",
        "--as-of",
        "2025-02-05",
    )
    assert status == 1
    assert json.loads(out)["error"]["code"] == "unknown_value"


def test_bad_options_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys,
            "arrears",
            "--ruleset",
            "kr/seoul",
            "--principal",
            "12x",
            "--due",
            "2025-01-31",
            "--as-of",
            "2025-02-05",
        )[0]
        == 2
    )
    assert (
        run(capsys, "arrears", "--ruleset", "kr/seoul", "--due", "2025-01-31", "--as-of", "2025-02-05")[0]
        == 2
    )
    assert (
        run(
            capsys,
            "arrears",
            "--ruleset",
            "kr/nowhere",
            "--principal",
            "1",
            "--due",
            "2025-01-31",
            "--as-of",
            "2025-02-05",
        )[0]
        == 2
    )
    assert run(capsys, "arrears", str(LEDGER), "--ruleset", "kr/seoul", "--as-of", "2025-13-01")[0] == 2


def test_ledger_jsonl_one_result_per_account(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "arrears",
        str(LEDGER),
        "--ruleset",
        "kr/seoul",
        "--as-of",
        "2025-06-30",
        "--allocation",
        "surcharges-first",
    )
    assert status == 1  # S-1004 has a bad amount
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["account"] for r in results] == ["S-1001", "S-1002", "S-1003", "S-1004", "N-2001"]
    by_account = {r["account"]: r for r in results}
    assert by_account["S-1004"]["error"]["code"] == "invalid_input"
    assert "line 9" in by_account["S-1004"]["error"]["message"]
    # S-1001: the January bill settled on day 10 (52,000 + 520); the March bill 48,600 unpaid
    # 91 days: 48,600 × 3 % = 1,458. Outstanding 48,600 + 1,458 = 50,058.
    assert by_account["S-1001"]["outstanding"] == "50058"
    # S-1002: 61,000 due 01-31, 20,000 paid on 03-15 (43 days late): fee 61,000 × 3 % = 1,830
    # first, then 18,170 of principal. Outstanding 61,000 − 18,170 = 42,830.
    assert by_account["S-1002"]["outstanding"] == "42830"
    assert by_account["S-1003"]["outstanding"] == "0"
    # N-2001 (Seongnam, from its ruleset column): see test_statement, 23,863.
    assert by_account["N-2001"]["ruleset"] == "kr/seongnam@arrears-2018-01"
    assert by_account["N-2001"]["outstanding"] == "23863"
    for r in results:
        if "error" not in r:
            total = Decimal(r["principal"]) + Decimal(r["surcharges"]) - Decimal(r["paid"])
            assert total == Decimal(r["outstanding"]) - Decimal(r["credit"])


def test_ledger_without_allocation_reports_partial_payments(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "arrears", str(LEDGER), "--ruleset", "kr/seoul", "--as-of", "2025-06-30")
    assert status == 1
    errors = {json.loads(line)["account"]: json.loads(line).get("error") for line in out.splitlines()}
    assert errors["S-1001"] is None and errors["S-1003"] is None
    assert errors["S-1002"]["code"] == "unknown_value"


def test_ledger_csv_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "arrears",
        str(LEDGER),
        "--ruleset",
        "kr/seoul",
        "--as-of",
        "2025-06-30",
        "--allocation",
        "principal-first",
        "--format",
        "csv",
    )
    assert status == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5
    assert rows[0]["outstanding"] == "50058" and rows[0]["past_limitation"] == "0"
    assert rows[3]["error_code"] == "invalid_input"
    status, out, _ = run(
        capsys,
        "arrears",
        str(LEDGER),
        "--ruleset",
        "kr/seoul",
        "--as-of",
        "2025-06-30",
        "--allocation",
        "principal-first",
        "--format",
        "table",
    )
    assert "4 statement(s), 1 error(s)" in out


def test_ledger_reader_groups_and_keeps_errors() -> None:
    text = (
        "account,entry,date,amount,charges\n"
        "A,bill,2025-01-31,100,\n"
        "B,payment,2025-02-01,50,\n"
        ",bill,2025-01-31,100,\n"
        "A,bill,2025-01-31,,water=60;sewer=40\n"
        "A,refund,2025-02-01,5,\n"
        "B,payment,2025-02-01,50,water=1\n"
    )
    groups = group_ledger(read_ledger(io.StringIO(text)))
    assert [g.account for g in groups] == ["A", "B", ""]
    a, b, lone = groups
    assert [bill.id for bill in a.bills] == ["2025-01-31", "2025-01-31#2"]
    assert a.bills[1].principal == 100 and a.bills[1].charges == {"water": 60, "sewer": 40}
    assert [n for n, _ in a.errors] == [6]
    assert [n for n, _ in b.errors] == [7]
    assert lone.line == 4 and lone.error() is not None


def test_ledger_unknown_column_is_an_error() -> None:
    rows = list(read_ledger(io.StringIO("account,entry,date,amount,note\nA,bill,2025-01-31,100,x\n")))
    assert rows[0].error is not None and "note" in rows[0].error.message


def test_ledger_jsonl() -> None:
    text = (
        '{"account": "A", "entry": "bill", "date": "2025-01-31", "amount": 100.50}\n'
        '{"account": "A", "entry": "payment", "date": "2025-02-01", "amount": "50"}\n'
        "not json\n"
    )
    rows = list(read_ledger(io.StringIO(text), "jsonl"))
    assert rows[0].entry is not None and str(rows[0].entry.principal) == "100.50"  # type: ignore[union-attr]
    assert rows[2].error is not None
