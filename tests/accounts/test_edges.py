"""Arrears and re-billing at the edges: amounts of any size an input can hold, dates up to
9999-12-31, and results that do not depend on the caller's decimal context."""

from __future__ import annotations

import decimal
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore.accounts import LedgerBill, Payment, account_statement, compute_arrears
from tariffcore.periods import segments
from tariffcore.regression import Difference
from tests.helpers import FIXTURES, ROOT
from tests.helpers import run_cli as run

HUGE = ["1e999999", "1e-999999", "9" * 5000, "1000000000000000", "0.0000001", "-1e999999"]


@pytest.mark.parametrize("principal", HUGE)
def test_a_principal_no_ledger_holds_is_an_error_not_a_traceback(
    principal: str, capsys: pytest.CaptureFixture[str], catalog: tariffcore.Catalog
) -> None:
    argv = ["arrears", "--ruleset", "kr/seoul", f"--principal={principal}", "--due", "2025-01-31"]
    status, out, err = run(capsys, *argv, "--as-of", "2025-06-10")
    assert "Traceback" not in out + err
    assert status == 2 and not out  # a bad value of the option
    if principal.startswith("-"):
        assert "cannot be negative" in err
        return
    assert err.startswith("tariffcore: --principal: the principal ")
    assert "is out of range: an amount has at most 15 digits before the decimal point and 6 after it" in err
    assert len(err) < 300
    with pytest.raises(tariffcore.InputError, match="is out of range"):
        compute_arrears(
            catalog,
            "kr/seoul",
            principal=Decimal(principal),
            due=date(2025, 1, 31),
            as_of=date(2025, 6, 10),
        )


def test_the_widest_principal_is_computed_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    # 999,999,999,999,999 × 3 % × 30/30 = 29,999,999,999,999.97, truncated to 1 (the won has no
    # minor unit: a principal is whole won)
    status, out, _ = run(
        capsys,
        "arrears",
        "--ruleset",
        "kr/seoul",
        "--principal",
        "999999999999999",
        "--due",
        "2025-01-31",
        "--as-of",
        "2025-06-10",
    )
    assert status == 0
    data = json.loads(out)
    assert [s["amount"] for s in data["surcharges"]] == ["29999999999999"]
    assert data["total_due"] == "1029999999999998"


def test_a_ledger_row_with_an_amount_no_ledger_holds_is_its_account_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "account,entry,date,amount\n"
        "A,bill,2025-01-31,1e999999\n"
        f"B,bill,2025-01-31,{'9' * 5000}\n"
        "C,bill,2025-01-31,52000\n"
        "C,payment,2025-02-10,1e-999999\n"
        "D,bill,2025-01-31,52000\n",
        encoding="utf-8",
    )
    status, out, err = run(capsys, "arrears", str(ledger), "--ruleset", "kr/seoul", "--as-of", "2025-06-30")
    assert status == 1 and "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["account"] for r in rows] == ["A", "B", "C", "D"]
    assert ["error" in r for r in rows] == [True, True, True, False]
    assert all("is out of range" in r["error"]["message"] for r in rows[:3])


def test_amounts_are_checked_from_python_too() -> None:
    with pytest.raises(tariffcore.InputError, match="out of range"):
        LedgerBill("b", date(2025, 1, 31), Decimal("1e20"))
    with pytest.raises(tariffcore.InputError, match="out of range"):
        Payment(date(2025, 1, 31), Decimal("1e-20"))
    with pytest.raises(tariffcore.InputError, match="charge water"):
        LedgerBill("b", date(2025, 1, 31), Decimal(1), {"water": Decimal("1e99")})


@pytest.mark.parametrize(
    ("ruleset", "due", "as_of", "surcharges", "total"),
    [
        # due on the last day of the calendar: never late
        ("kr/seoul", "9999-12-31", "9999-12-31", [], "52000"),
        # 52,000 × 3 % × 30/30 = 1,560 (the rule reaches its 3 % after 30 days)
        ("kr/seoul", "9999-11-30", "9999-12-31", ["1560"], "53560"),
        # 3 % once: 15,600; then month 1 (9999-11-01..11-30) has passed on 12-31, month 2 ends
        # on 12-31 itself and has not: 520,000 × 0.66 % × 1 = 3,432; month 3 would end in the
        # year 10000 and is never reached
        ("kr/local-tax", "9999-10-31", "9999-12-31", ["15600", "3432"], "539032"),
        # 60 full months at most: 520,000 × 0.66 % × 60 = 205,920
        ("kr/local-tax", "9990-01-31", "9999-12-31", ["15600", "205920"], "741520"),
    ],
)
def test_dates_up_to_the_end_of_the_calendar(
    ruleset: str, due: str, as_of: str, surcharges: list[str], total: str, capsys: pytest.CaptureFixture[str]
) -> None:
    principal = "520000" if ruleset == "kr/local-tax" else "52000"
    status, out, err = run(
        capsys, "arrears", "--ruleset", ruleset, "--principal", principal, "--due", due, "--as-of", as_of
    )
    assert status == 0, err
    data = json.loads(out)
    assert [s["amount"] for s in data["surcharges"]] == surcharges
    assert data["total_due"] == total


def test_a_limitation_period_that_ends_after_the_calendar_has_not_ended(
    catalog: tariffcore.Catalog,
) -> None:
    ruleset, _ = catalog.resolve_arrears("kr/seoul")
    # the limitation period of three years from 9997-06-30 would end in the year 10000
    statement = account_statement(
        ruleset, [LedgerBill("b", date(9997, 6, 30), Decimal(52000))], as_of=date(9999, 12, 31)
    )
    (bill,) = statement.bills
    assert bill.limitation_ends is None and bill.past_limitation is False
    assert bill.outstanding == Decimal(53560)  # 52,000 + 3 % × 30/30


def test_the_billing_calendar_ends_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readings = tmp_path / "in.csv"
    readings.write_text(
        "account,use_class,meter_mm,usage_m3,period_start,period_end\nA,household,15,20,9999-11-01,9999-12-31\n",
        encoding="utf-8",
    )
    argv = ["bill", str(readings), "--ruleset", "test/split", "--rulesets-dir", str(FIXTURES / "split")]
    status, out, err = run(capsys, *argv)
    assert status == 1 and "Traceback" not in err
    assert json.loads(out)["error"] == {
        "code": "invalid_input",
        "message": "the billing month 1 month(s) after 9999-12 is past the last day of the calendar (9999-12-31)",
    }


def test_a_period_may_end_on_the_last_day_of_the_calendar() -> None:
    found, gaps = segments([("v", date(9999, 12, 1), None)], date(9999, 11, 1), date.max)
    assert [(s.start, s.end) for s in found] == [(date(9999, 12, 1), date.max)]
    assert gaps == [(date(9999, 11, 1), date(9999, 11, 30))]


def test_rebill_differences_are_exact_at_any_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month,issued_base,issued_water,"
        "issued_sewer,issued_levy,issued_total\n"
        "A,household,13,1,20,2025-03,1100,17000,16400,3400,12345678901234567890123456789.5\n"
        "B,household,13,1,20,2025-03,1100,17000,16400,3400,37899.999999999999999999999999999999999\n"
        f"C,household,13,1,20,2025-03,1100,17000,16400,3400,1e{1000}\n"
        "D,household,13,1,20,2025-03,1100,17000,16400,3400,37900\n",
        encoding="utf-8",
    )
    status, out, _ = run(capsys, "rebill", str(history), "--ruleset", "kr/gimhae", "--format", "jsonl")
    assert status == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["status"] for r in rows] == ["mismatch", "mismatch", "error", "match"]

    def total(row: dict[str, object]) -> object:
        return next(d for d in row["differences"] if d["charge"] == "total")["difference"]  # type: ignore[attr-defined,index]

    # recomputed 37,900 (1,100 + 17,000 + 16,400 + 3,400) less what was issued, to the last digit
    assert total(rows[0]) == "-12345678901234567890123418889.5"
    assert total(rows[1]) == "0.000000000000000000000000000000001"
    assert "has more than 1,000 digits written out" in rows[2]["error"]["message"]


def test_differences_do_not_depend_on_the_callers_context() -> None:
    with decimal.localcontext() as context:
        context.prec = 2
        context.rounding = decimal.ROUND_FLOOR
        difference = Difference("total", Decimal("12345.678"), Decimal("99999.001"), None, None)
        assert difference.difference == Decimal("87653.323")


def test_arrears_do_not_depend_on_the_callers_context(catalog: tariffcore.Catalog) -> None:
    def compute() -> tariffcore.ArrearsResult:
        return compute_arrears(
            catalog,
            "kr/local-tax",
            principal=Decimal("523456.00"),
            due=date(2024, 1, 31),
            as_of=date(2025, 6, 30),
        )

    expected = compute()
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        assert compute() == expected
    # 523,456 × 3 % = 15,703.68 → 15,703; × 0.66 % × 16 full months (to 2025-05-31; the 17th
    # ends on 2025-06-30 itself) = 55,276.9536 → 55,276, truncated to the won
    assert [s.amount for s in expected.surcharges] == [Decimal(15703), Decimal(55276)]
    assert str(expected.principal) == "523456"  # written at the scale of the won


RUN = """
import decimal, io, contextlib, json, sys
if sys.argv[1] == "tiny":
    decimal.getcontext().prec = 3
    decimal.getcontext().rounding = decimal.ROUND_FLOOR
from tariffcore.commands import main
found = []
for argv in json.loads(sys.argv[2]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    found.append([status, out.getvalue(), err.getvalue()])
print(json.dumps(found))
"""


def test_every_command_gives_the_same_results_in_a_tiny_decimal_context(tmp_path: Path) -> None:
    """A caller's context of 3 digits rounding down changes nothing any command writes (each run
    in a fresh process, so the catalog is compiled in that context too)."""
    bills = tmp_path / "run.jsonl"
    run_file = ROOT / "examples" / "korean-cities.csv"
    history = tmp_path / "history.csv"
    history.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month,issued_total\n"
        "A,household,13,1,20,2025-03,12345678901234567890123456789.5\n",
        encoding="utf-8",
    )
    tariffcore.commands.main(["bill", str(run_file), "--explain", "full", "-o", str(bills)])
    commands = [
        ["bill", str(ROOT / "examples" / "readings.csv"), "--ruleset", "kr/gimhae", "--format", "csv"],
        ["bill", str(run_file)],
        ["arrears", str(ROOT / "examples" / "ledger.csv"), "--ruleset", "kr/seoul", "--as-of", "2025-06-30"],
        [
            "arrears",
            "--ruleset",
            "kr/local-tax",
            "--principal",
            "52000",
            "--due",
            "2025-01-31",
            "--as-of",
            "2027-06-30",
        ],
        [
            "compare",
            str(ROOT / "examples" / "readings.csv"),
            "--ruleset",
            "kr/gimhae@2025",
            "--against",
            "kr/gimhae@2019",
        ],
        [
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
            "2023-03",
        ],
        ["rebill", str(history), "--ruleset", "kr/gimhae", "--format", "jsonl"],
        ["report", str(bills), "--format", "json"],
        ["notice", str(bills), "--account", "UL-1", "-o", "-"],
    ]
    found = {}
    for kind in ("tiny", "normal"):
        done = subprocess.run(
            [sys.executable, "-c", RUN, kind, json.dumps(commands)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        found[kind] = json.loads(done.stdout)
    for argv, tiny, normal in zip(commands, found["tiny"], found["normal"]):
        assert tiny == normal, argv
        assert normal[0] in (0, 1), (argv, normal[2])
