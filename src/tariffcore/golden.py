"""Golden bills: hand-computed expectations stored in YAML next to the rulesets.

A golden file lives in a ruleset's ``tests`` directory::

    ruleset: kr/changwon
    bills:
      - name: household, 35 m³
        # 20 × 650 + 10 × 810 + 5 × 1,030
        account: {use_class: household, meter_mm: 15}
        reading: {usage_m3: 35, billing_month: 2025-03}
        expect:
          version: "2025"          # optional: the version that must bill it
          lines: {water: 26250}    # every line of the bill, by charge id
          total: 26250
          not_included: [sewer]    # optional
      - name: an unknown rate
        account: {use_class: general, meter_mm: 13}
        reading: {usage_m3: 350, billing_month: 2025-05}
        expect: {error: unknown_value, message: "301+"}   # code, and text the message contains

``lines`` must list every line of the bill: a missing or extra line is a failure, so a
golden bill pins the whole bill, not part of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .bill import Bill
from .catalog import Catalog
from .errors import BillingError, Problem, RulesetError
from .inputs import parse_row
from .money import D, format_amount
from .validation import did_you_mean
from .yamlio import load_yaml

__all__ = ["GoldenCase", "GoldenResult", "load_golden", "run_case"]

_BILL_FIELDS = ("name", "account", "reading", "expect", "ruleset")


@dataclass(frozen=True)
class GoldenCase:
    """One golden bill: where it is written, what goes in and what must come out."""

    path: str
    line: int
    ruleset: str
    name: str
    fields: dict[str, Any]
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.ruleset}: {self.name}"


@dataclass(frozen=True)
class GoldenResult:
    """The outcome of one case: ``failures`` is empty when it passed."""

    case: GoldenCase
    failures: tuple[str, ...]
    bill: Bill | None

    @property
    def passed(self) -> bool:
        return not self.failures


def load_golden(path: str | Path) -> list[GoldenCase]:
    """Read one golden file into cases; malformed files raise a located RulesetError."""
    name = str(path)
    located = load_yaml(Path(path).read_text(encoding="utf-8"), name)
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("ruleset"), str):
        raise RulesetError([Problem(name, 1, 1, "a golden file needs 'ruleset' and 'bills'")])
    bills = data.get("bills")
    if not isinstance(bills, list) or not bills:
        raise RulesetError([located.problem(("bills",), "'bills' must be a non-empty list")])
    cases = []
    problems = []
    for index, item in enumerate(bills):
        where: tuple[str | int, ...] = ("bills", index)
        if not isinstance(item, dict):
            problems.append(located.problem(where, "each bill is a mapping with 'name', "
                                            "'account', 'reading' and 'expect'"))
            continue
        for key in item:
            if key not in _BILL_FIELDS:
                problems.append(located.problem((*where, key), f"unknown field {key!r}"
                                                f"{did_you_mean(key, _BILL_FIELDS)}"))
        for key in ("account", "reading", "expect"):
            if not isinstance(item.get(key), dict):
                what = "missing field" if key not in item else "expected a mapping in field"
                problems.append(located.problem(where if key not in item else (*where, key),
                                                f"{what} {key!r}"))
        if problems:
            continue
        fields = {"account": item.get("name", f"#{index + 1}")}
        fields.update(item["account"])
        fields.update(item["reading"])
        cases.append(GoldenCase(name, located.where(where)[0], item.get("ruleset", data["ruleset"]),
                                str(item.get("name", f"bill {index + 1}")), fields, item["expect"]))
    if problems:
        raise RulesetError(problems)
    return cases


def iter_cases(catalog: Catalog) -> Iterator[GoldenCase]:
    """Every golden case of every ruleset in ``catalog``."""
    for ruleset in catalog:
        for path in ruleset.golden_files:
            yield from load_golden(path)


def _text(value: Any) -> str:
    return format_amount(value) if isinstance(value, Decimal) else str(value)


def run_case(catalog: Catalog, case: GoldenCase) -> GoldenResult:
    """Bill one case and compare the bill with what it expects, line by line."""
    expect = case.expect
    fields = {key: _text(value) if value is not None else "" for key, value in case.fields.items()}
    try:
        account, reading = parse_row(fields)
        bill = catalog.bill(case.ruleset, account, reading)
    except BillingError as exc:
        if "error" not in expect:
            return GoldenResult(case, (f"expected a bill, got error {exc.code}: {exc.message}",), None)
        failures = []
        if exc.code != expect["error"]:
            failures.append(f"expected error {expect['error']}, got {exc.code}: {exc.message}")
        wanted = expect.get("message")
        if wanted and str(wanted) not in exc.message:
            failures.append(f"error message does not contain {wanted!r}: {exc.message}")
        return GoldenResult(case, tuple(failures), None)
    if "error" in expect:
        return GoldenResult(case, (f"expected error {expect['error']}, got a bill totalling "
                                   f"{format_amount(bill.total)}",), bill)
    failures = []
    if "version" in expect and str(expect["version"]) != bill.version:
        failures.append(f"version: expected {expect['version']}, got {bill.version}")
    lines = expect.get("lines", {})
    actual = {line.charge: line for line in bill.lines}
    for charge, amount in lines.items():
        line = actual.get(charge)
        if line is None:
            failures.append(f"line {charge}: expected {_text(amount)}, but the bill has no such line")
        elif line.amount != D(_text(amount)):
            detail = "; ".join(piece.describe() for piece in line.slices) or (
                f"{_text(line.quantity)} × {_text(line.unit_price)}")
            failures.append(f"line {charge}: expected {_text(amount)}, got "
                            f"{format_amount(line.amount)} ({detail})")
    for charge in actual:
        if charge not in lines:
            failures.append(f"line {charge}: not expected, got {format_amount(actual[charge].amount)}")
    if "total" in expect and bill.total != D(_text(expect["total"])):
        failures.append(f"total: expected {_text(expect['total'])}, got {format_amount(bill.total)}")
    if "not_included" in expect:
        got = sorted(n.charge for n in bill.not_included)
        if sorted(expect["not_included"] or []) != got:
            failures.append(f"not_included: expected {sorted(expect['not_included'] or [])}, got {got}")
    return GoldenResult(case, tuple(failures), bill)
