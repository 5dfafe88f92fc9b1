"""One loader for a golden file: its golden bills and its late-payment cases, and every problem
in either at file:line:col."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tariffcore import RulesetError
from tariffcore.authoring import load_arrears_golden, load_golden, load_golden_file
from tariffcore.commands import main
from tests.helpers import RULESETS

# Seoul from 2008-11 (3 % × days/30): 52,000 × 0.001 × 10 = 520 after 10 days. The bill is
# for a use class Seoul does not have, so it must fail with that code.
BOTH = """ruleset: kr/seoul
bills:
  - name: an unknown use class
    account: {use_class: nowhere, meter_mm: 15}
    reading: {usage_m3: 10, period_start: 2025-02-01, period_end: 2025-02-28}
    expect: {error: unknown_use_class}
arrears:
  - name: 10 days late
    principal: 52000
    due: 2025-01-31
    as_of: 2025-02-10
    expect: {surcharges: {late_fee: 520}, total_due: 52520}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tests" / "golden.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_one_file_holds_bills_and_late_payment_cases(tmp_path: Path) -> None:
    path = _write(tmp_path, BOTH)
    cases = load_golden_file(path)
    assert cases.ruleset == "kr/seoul"
    assert [(c.name, c.line) for c in cases.bills] == [("an unknown use class", 3)]
    (late,) = cases.arrears
    assert (late.name, late.line, late.principal, late.due, late.as_of) == (
        "10 days late",
        8,
        Decimal(52000),
        date(2025, 1, 31),
        date(2025, 2, 10),
    )
    assert load_golden(path) == list(cases.bills)
    assert load_arrears_golden(path) == list(cases.arrears)


def test_every_problem_of_both_lists_in_one_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """ruleset: kr/seoul
bills:
  - name: no reading
    account: {use_class: household}
    expect: {total: 1}
arrears:
  - name: bad
    principal: abc
    due: 2025-01-31
    as_of: soon
    billing_month: 2025-13
    expected: {}
  - name: a misspelt expectation
    principal: 1000
    due: 2025-01-31
    as_of: 2025-02-10
    expect: {totl_due: 1000}
  - 7
note: a top-level field a golden file does not have
""",
    )
    with pytest.raises(RulesetError) as caught:
        load_golden_file(path)
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (3, 5, "missing field 'reading'"),
        (7, 5, "missing field 'expect'"),
        (8, 5, "expected an amount, or amounts per charge: not a number: 'abc'"),
        (10, 5, "'as_of' must be a date (YYYY-MM-DD)"),
        (11, 5, "billing month '2025-13' has no month 13"),
        (12, 5, "unknown field 'expected' (did you mean 'expect'?)"),
        (17, 14, "unknown expectation 'totl_due' (did you mean 'total_due'?)"),
        (18, 5, "each case is a mapping with 'name', 'principal', 'due', 'as_of' and 'expect'"),
        (19, 1, "unknown field 'note'"),
    ]


def test_a_misspelt_list_is_not_an_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "ruleset: kr/seoul\nbils:\n  - name: x\n")
    with pytest.raises(RulesetError) as caught:
        load_golden_file(path)
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "a golden file needs 'bills' (golden bills) or 'arrears' (late-payment cases)",
        "unknown field 'bils' (did you mean 'bills'?)",
    ]


def test_the_command_runs_both_lists_of_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seoul = tmp_path / "seoul"
    shutil.copytree(RULESETS / "kr" / "seoul", seoul, ignore=shutil.ignore_patterns("tests"))
    path = _write(seoul, BOTH)
    assert main(["test", str(path), "-v"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"ok    {path}:3: kr/seoul: an unknown use class",
        f"ok    {path}:8: kr/seoul: 10 days late",
    ]
    assert err.strip() == "golden bills: 2 passed, 0 failed"
