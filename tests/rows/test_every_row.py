"""One row never kills a run: whatever goes wrong reading or billing a row becomes that row's
error row (a bug in tariffcore an ``internal_error`` naming the account, its traceback shown
with ``--debug``); a file whose header names a column twice is refused before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tariffcore
from tests.helpers import ROOT
from tests.helpers import run_cli as run

HEADER = "account,use_class,meter_mm,household_units,usage_m3,billing_month"


@pytest.fixture
def buggy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Billing the account BUG raises what a bug in tariffcore would."""
    real = tariffcore.Catalog.bill

    def bill(self: tariffcore.Catalog, ruleset: str, account: tariffcore.Account, *rest: object) -> object:
        if account.id == "BUG":
            raise KeyError("a slip in the code")
        return real(self, ruleset, account, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(tariffcore.Catalog, "bill", bill)
    # no lean bills: every row is billed by the engine, through Catalog.bill
    monkeypatch.setattr("tariffcore.batch.lean.lean_bill", lambda *args, **kwargs: None)
    monkeypatch.setattr("tariffcore.batch.engine._CATALOGS", {})
    # workers forked from this process have the bug too (spawned ones would import anew)
    monkeypatch.setattr("tariffcore.batch.pool.START_METHOD", "fork")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bug_billing_one_row_is_that_rows_internal_error(
    tmp_path: Path, buggy: None, fmt: str, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        f"{HEADER}\nA,household,13,1,20,2025-03\nBUG,household,13,1,21,2025-03\nC,household,13,1,20,2025-03\n"
    )
    target = tmp_path / f"out.{fmt}"
    status, _, err = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae", "-j", jobs, "-o", str(target))
    assert status == 1 and "Traceback" not in err
    text = target.read_text(encoding="utf-8")
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert [row["account"] for row in rows] == ["A", "BUG", "C"]
        error = rows[1]["error"]
        assert error["code"] == "internal_error"
        assert error["message"].startswith("internal error reading or billing account 'BUG': KeyError")
        assert rows[0]["total"] == rows[2]["total"] == "37900"
    else:
        assert "internal_error" in text.splitlines()[2] and text.count("\n") == 4


def test_debug_shows_the_traceback_of_an_internal_error(
    tmp_path: Path, buggy: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\nBUG,household,13,1,20,2025-03\n")
    status, out, err = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae", "--debug")
    assert status == 1 and json.loads(out)["error"]["code"] == "internal_error"
    assert "Traceback (most recent call last)" in err and "KeyError: 'a slip in the code'" in err
    status, out, err = run(
        capsys,
        "--debug",
        "explain",
        "--ruleset",
        "kr/gimhae",
        "--account",
        "BUG",
        "--use-class",
        "household",
        "--meter-mm",
        "13",
        "--usage",
        "20",
        "--billing-month",
        "2025-03",
    )
    assert status == 1 and "internal_error" in out and "Traceback" in err


def test_a_bug_in_explain_and_in_a_ledger_is_the_accounts_error(
    tmp_path: Path, buggy: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys,
        "explain",
        "--ruleset",
        "kr/gimhae",
        "--account",
        "BUG",
        "--use-class",
        "household",
        "--meter-mm",
        "13",
        "--usage",
        "20",
        "--billing-month",
        "2025-03",
    )
    assert status == 1 and "error internal_error" in out and "Traceback" not in err

    import tariffcore.accounts.ledger as ledger

    def broken(*args: object, **kwargs: object) -> object:
        raise ZeroDivisionError("a slip")

    monkeypatch.setattr(ledger, "account_statement", broken)
    book = tmp_path / "ledger.csv"
    book.write_text("account,entry,date,amount\nL-1,bill,2025-01-31,52000\nL-2,bill,2025-01-31,100\n")
    status, out, err = run(capsys, "arrears", str(book), "--ruleset", "kr/seoul", "--as-of", "2025-06-30")
    assert status == 1 and "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(row["account"], row["error"]["code"]) for row in rows] == [
        ("L-1", "internal_error"),
        ("L-2", "internal_error"),
    ]


def test_a_bug_outside_any_row_ends_the_run_with_exit_2_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tariffcore.commands import report

    def broken(*args: object, **kwargs: object) -> object:
        raise IndexError("a slip")

    monkeypatch.setattr(report, "run_report", broken)
    status, out, err = run(capsys, "report", str(ROOT / "examples" / "readings.csv"))
    assert (status, out) == (2, "")
    assert "internal error: IndexError: a slip" in err and "Traceback" not in err
    status, _, err = run(capsys, "report", str(ROOT / "examples" / "readings.csv"), "--debug")
    assert status == 2 and "Traceback (most recent call last)" in err


@pytest.mark.parametrize(
    ("argv", "text", "column"),
    [
        (
            ["bill", "{}", "--ruleset", "kr/gimhae"],
            "account,use_class,usage_m3,usage_m3\nA,household,1,2\n",
            "usage_m3",
        ),
        (
            ["bill", "{}", "--ruleset", "kr/gimhae", "-j", "2"],
            "account,use_class,usage_m3,usage_m3\nA,household,1,2\n",
            "usage_m3",
        ),
        (
            ["bill", "{}", "--ruleset", "kr/gimhae", "--format", "csv"],
            "account,account,use_class,usage_m3\nA,B,household,1\n",
            "account",
        ),
        (
            ["compare", "{}", "--ruleset", "kr/gimhae", "--against", "kr/gimhae"],
            "account,use_class,usage_m3,usage_m3\nA,household,1,2\n",
            "usage_m3",
        ),
        (
            ["rebill", "{}", "--ruleset", "kr/gimhae"],
            "account,use_class,usage_m3,issued_total,issued_total\nA,household,1,2,3\n",
            "issued_total",
        ),
        (
            ["explain", "{}", "--account", "A", "--ruleset", "kr/gimhae"],
            "account,use_class,usage_m3,use_class\nA,household,1,general\n",
            "use_class",
        ),
        (
            ["arrears", "{}", "--ruleset", "kr/seoul", "--as-of", "2025-06-30"],
            "account,entry,date,date,amount\nL,bill,2025-01-31,2025-02-28,1\n",
            "date",
        ),
    ],
)
def test_a_column_named_twice_refuses_the_file(
    tmp_path: Path, argv: list[str], text: str, column: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, *[str(source) if a == "{}" else a for a in argv])
    assert status == 2 and "Traceback" not in err
    assert f"the column {column!r} is given twice" in err
    assert out == ""


def test_blank_column_names_may_repeat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER},,\nA,household,13,1,20,2025-03,,\n", encoding="utf-8")
    status, out, _ = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae")
    assert status == 0 and json.loads(out)["total"] == "37900"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0000-03", "before the calendar's year 1"),
        ("10000-01", "is not a date"),
        ("2025-13", "has no month 13"),
        ("2025-02-30", "is not a date"),
    ],
)
def test_a_month_outside_the_calendar_is_its_rows_error(
    tmp_path: Path, value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\nA,household,13,1,20,{value}\nB,household,13,1,20,2025-03\n")
    status, out, _ = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and rows[1]["total"] == "37900"
    assert rows[0]["error"]["code"] == "invalid_input" and words in rows[0]["error"]["message"]


def test_fields_and_integers_past_pythons_limits_are_read_as_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    note = "n" * 200_000  # over the CSV module's 131,072 characters: read whole, ignored
    source.write_text(
        f"{HEADER},note\nA,household,13,1,20,2025-03,{note}\nB,household,{'9' * 5000},1,20,2025-03,\n"
        f"C,household,13,1,{'1' * 200_000},2025-03,\nD,household,13,1,20,2025-03,\n"
    )
    for jobs in ("1", "2"):
        status, out, _ = run(
            capsys, "bill", str(source), "--ruleset", "kr/gimhae", "-j", jobs, "--format", "csv"
        )
        lines = out.splitlines()
        assert status == 1 and len(lines) == 5
        assert ",37900," in lines[1] and ",37900," in lines[4]
        assert (
            "meter_mm has 5,000 digits" in lines[2] and "usage_m3" in lines[3] and "out of range" in lines[3]
        )


def test_json_lines_that_python_cannot_read_are_error_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = '{"account": "A", "use_class": "household", "meter_mm": 13, "usage_m3": "20", "billing_month": "2025-03"}'
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                good,
                '{"account": "B", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                '{"account": "C", "use_class": "household", "usage_m3": "1", "meter_mm": ' + "9" * 5000 + "}",
                '{"account": "D", "usage_m3": "1", "usage_m3": "2"}',
                '{"account": "E\\ud800", "use_class": "household"}',
                good.replace('"A"', '"F"'),
            ]
        )
        + "\n"
    )
    status, out, _ = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and len(rows) == 6
    assert rows[0]["total"] == rows[5]["total"] == "37900"
    assert "nested too deeply" in rows[1]["error"]["message"]
    assert "meter_mm has 5,000 digits" in rows[2]["error"]["message"]
    assert "gives the field 'usage_m3' twice" in rows[3]["error"]["message"]
    assert "lone surrogate" in rows[4]["error"]["message"]


@pytest.mark.parametrize(
    "text",
    [
        b"account,use_class,meter_mm,household_units,usage_m3,billing_month\rA,household,13,1,20,2025-03\r"
        b"B,household,13,1,21,2025-03\r",
        b"\xef\xbb\xbfaccount,use_class,meter_mm,household_units,usage_m3,billing_month\r\n"
        b"A,household,13,1,20,2025-03\r\nB,household,13,1,21,2025-03\n",
    ],
    ids=["cr-only", "bom-mixed"],
)
def test_standard_input_is_read_as_a_file_is(tmp_path: Path, text: bytes) -> None:
    import subprocess
    import sys

    source = tmp_path / "in.csv"
    source.write_bytes(text)
    command = [sys.executable, "-m", "tariffcore", "bill", "--ruleset", "kr/gimhae"]
    from_file = subprocess.run([*command, str(source)], capture_output=True, check=False)
    from_stdin = subprocess.run([*command, "-"], input=text, capture_output=True, check=False)
    assert from_file.returncode == from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout
    assert [json.loads(line)["account"] for line in from_stdin.stdout.splitlines()] == ["A", "B"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_internal_error_names_the_account_of_each_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rows alike but for their account share a cached result; an internal error names its
    # row's account, so it is not shared.
    real = tariffcore.Catalog.bill

    def bill(self: tariffcore.Catalog, ruleset: str, account: tariffcore.Account, *rest: object) -> object:
        if account.id.startswith("X-"):
            raise KeyError("a slip in the code")
        return real(self, ruleset, account, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(tariffcore.Catalog, "bill", bill)
    monkeypatch.setattr("tariffcore.batch.engine._CATALOGS", {})
    monkeypatch.setattr("tariffcore.batch.lean.lean_bill", lambda *args, **kwargs: None)
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\n" + "".join(f"X-{n},household,13,1,20,2025-03\n" for n in (1, 2, 3)))
    target = tmp_path / f"out.{fmt}"
    status, _, err = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae", "-o", str(target))
    assert status == 1, err
    text = target.read_text(encoding="utf-8")
    for n in (1, 2, 3):
        assert f"account 'X-{n}'" in text


def test_a_closed_standard_input_is_said_so(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "tariffcore", "bill", "-", "--ruleset", "kr/gimhae"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
        preexec_fn=lambda: os.close(0),  # started with no standard input at all
    )
    assert done.returncode == 2
    assert b"standard input is closed" in done.stderr and b"internal error" not in done.stderr
