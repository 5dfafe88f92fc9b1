"""Golden bills: hand-computed bills stored in a golden file next to the rulesets.

The ``bills`` of a golden file (see :mod:`tariffcore.authoring.golden_file`)::

    ruleset: kr/example
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
          line_versions: {water: "2024+2025"}   # optional: the version(s) each line used
      - name: an unknown rate
        account: {use_class: general, meter_mm: 13}
        reading: {usage_m3: 350, billing_month: 2025-05}
        expect: {error: unknown_value, message: "301+"}   # code, and text the message contains

``lines`` must list every line of the bill: a missing or extra line is a failure, so a
golden bill pins the whole bill, not part of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..bill import Bill
from ..engine import Catalog, yaml_files
from ..errors import BillingError, RulesetError, UnknownRulesetError
from ..money import D, format_amount
from ..rows import parse_row
from .golden_file import GoldenCase, load_golden_file

__all__ = [
    "GoldenResult",
    "describe_failure",
    "error_failures",
    "golden_roots",
    "iter_cases",
    "run_case",
]

_UNITS = {"m3": "m³"}


@dataclass(frozen=True)
class GoldenResult:
    """The outcome of one case: ``failures`` is empty when it passed."""

    case: GoldenCase
    failures: tuple[str, ...]
    bill: Bill | None

    @property
    def passed(self) -> bool:
        return not self.failures


def golden_roots(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """For ``paths`` (ruleset directories, ``tests`` directories or golden files): the
    directories whose rulesets must be loaded, and the golden files to run, in order."""
    roots: list[Path] = []
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        in_tests = path.name == "tests" if path.is_dir() else path.parent.name == "tests"
        root = (path if path.is_dir() else path.parent).parent if in_tests else path
        if root not in roots:
            roots.append(root)
        files += [entry for entry, golden in yaml_files(path) if golden and entry not in files]
    return roots, files


def iter_cases(catalog: Catalog) -> Iterator[GoldenCase]:
    """Every golden case of every ruleset in ``catalog``."""
    for ruleset in catalog:
        for path in ruleset.golden_files:
            yield from load_golden_file(path).bills


def _text(value: Any) -> str:
    return format_amount(value) if isinstance(value, Decimal) else str(value)


def run_case(catalog: Catalog, case: GoldenCase) -> GoldenResult:
    """Bill one case and compare the bill with what it expects, line by line.

    A ruleset that is broken or not installed is a failure of the case, not an exception.
    """
    try:
        return _run(catalog, case)
    except RulesetError as exc:
        problems = "; ".join(str(problem) for problem in exc.problems)
        return GoldenResult(case, (f"ruleset {case.ruleset} is broken: {problems}",), None)
    except UnknownRulesetError as exc:
        return GoldenResult(case, (str(exc),), None)


def error_failures(expect: dict[str, Any], error: BillingError) -> tuple[str, ...]:
    """How ``error`` differs from the ``error`` code (and ``message`` part) a case expects."""
    failures = []
    if error.code != expect["error"]:
        failures.append(f"expected error {expect['error']}, got {error.code}: {error.message}")
    wanted = expect.get("message")
    if wanted and str(wanted) not in error.message:
        failures.append(f"error message does not contain {wanted!r}: {error.message}")
    return tuple(failures)


def _run(catalog: Catalog, case: GoldenCase) -> GoldenResult:
    expect = case.expect
    fields = {key: _text(value) if value is not None else "" for key, value in case.fields.items()}
    try:
        account, reading = parse_row(fields)
        bill = catalog.bill(case.ruleset, account, reading, case.charges)
    except BillingError as exc:
        if "error" not in expect:
            return GoldenResult(case, (f"expected a bill, got error {exc.code}: {exc.message}",), None)
        return GoldenResult(case, error_failures(expect, exc), None)
    if "error" in expect:
        return GoldenResult(
            case,
            (f"expected error {expect['error']}, got a bill totalling {format_amount(bill.total)}",),
            bill,
        )
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
            failures.append(f"line {charge}: expected {_text(amount)}, got {format_amount(line.amount)}")
    for charge in actual:
        if charge not in lines:
            failures.append(f"line {charge}: not expected, got {format_amount(actual[charge].amount)}")
    if "total" in expect and bill.total != D(_text(expect["total"])):
        failures.append(f"total: expected {_text(expect['total'])}, got {format_amount(bill.total)}")
    for charge, wanted_version in (expect.get("line_versions") or {}).items():
        line = actual.get(charge)
        if line is not None and line.version != str(wanted_version):
            failures.append(f"line {charge}: expected version {wanted_version}, got {line.version}")
    if "not_included" in expect:
        got = sorted(n.charge for n in bill.not_included)
        if sorted(expect["not_included"] or []) != got:
            failures.append(f"not_included: expected {sorted(expect['not_included'] or [])}, got {got}")
    return GoldenResult(case, tuple(failures), bill)


def describe_failure(result: GoldenResult) -> str:
    """A failed case for people: expected and actual amount per line, each line's tier slices
    (or quantity × unit price), the total, then every failure found."""
    case, bill = result.case, result.bill
    out = [f"{case.path}:{case.line}: {case.id}"]
    if bill is not None:
        out[0] += f" (billed by {bill.ruleset}@{bill.version})"
        expected = case.expect.get("lines", {})
        rows = [("line", "expected", "actual", "")]
        details: dict[int, list[str]] = {}
        for line in bill.lines:
            want = expected.get(line.charge)
            mark = "" if want is not None and D(_text(want)) == line.amount else "  <-"
            rows.append(
                (line.charge, _text(want) if want is not None else "-", format_amount(line.amount), mark)
            )
            details[len(rows) - 1] = [piece.describe() for piece in line.slices] or (
                [
                    f"{_text(line.quantity)} {_UNITS.get(line.unit or '', line.unit or '')} × "
                    f"{_text(line.unit_price)}".replace("  ", " ")
                ]
                if line.quantity is not None and line.unit_price is not None
                else []
            )
            if line.rounding and line.unrounded != line.amount:
                details[len(rows) - 1].append(
                    f"{format_amount(line.unrounded)} before rounding ({line.rounding})"
                )
        for charge, want in expected.items():
            if charge not in {line.charge for line in bill.lines}:
                rows.append((charge, _text(want), "-", "  <-"))
        if "total" in case.expect:
            want_total = D(_text(case.expect["total"]))
            rows.append(
                (
                    "total",
                    _text(case.expect["total"]),
                    format_amount(bill.total),
                    "" if want_total == bill.total else "  <-",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for index, row in enumerate(rows):
            out.append(f"    {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}{row[3]}")
            out.extend(f"        {text}" for text in details.get(index, []))
    out.extend(f"  {failure}" for failure in result.failures)
    return "\n".join(out)
