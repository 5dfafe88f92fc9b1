"""Golden late-payment cases: hand-computed surcharges stored in YAML next to the rulesets.

A golden arrears file lives in a ruleset's ``tests`` directory, beside the golden bills::

    ruleset: kr/example
    arrears:
      - name: 10 days late
        # 52,000 × 3 % × 10/30 = 520
        principal: 52000            # or per charge: {water: 34800, sewer: 16000, levy: 10200}
        due: 2025-01-31
        as_of: 2025-02-10
        billing_month: 2025-01      # optional
        ruleset: kr/example@arrears-2008-11   # optional: pin a version
        expect:
          version: arrears-2008-11  # optional
          surcharges: {late_fee: 520}   # every surcharge, by rule id
          total_due: 52520
          past_limitation: false    # optional
      - name: a rate the digest does not know
        principal: 1000
        due: 2025-01-31
        as_of: 2025-02-05
        ruleset: kr/example@arrears-undated
        expect: {error: unknown_value, message: percentage}

``surcharges`` must list every surcharge: a missing or extra one is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..accounts import ArrearsResult, compute_arrears
from ..engine import Catalog
from ..errors import BillingError, RulesetError
from ..format import load_yaml
from ..money import D, format_amount
from ..rows import parse_month
from .golden import error_failures

__all__ = ["ArrearsCase", "iter_arrears_cases", "load_arrears_golden", "run_arrears_case"]

_FIELDS = {"name", "principal", "due", "as_of", "billing_month", "ruleset", "expect"}


@dataclass(frozen=True)
class ArrearsCase:
    """One golden late-payment case."""

    path: str
    line: int
    ruleset: str
    name: str
    principal: Decimal | dict[str, Decimal]
    due: date
    as_of: date
    billing_month: date | None
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.ruleset}: {self.name}"


def _number(value: Any) -> Decimal:
    return D(format_amount(value) if isinstance(value, Decimal) else str(value))


def load_arrears_golden(path: str | Path) -> list[ArrearsCase]:
    """Read the ``arrears`` cases of one golden file (none if it has no such section)."""
    name = str(path)
    located = load_yaml(Path(path).read_text(encoding="utf-8"), name)
    data = located.data
    if not isinstance(data, dict) or "arrears" not in data:
        return []
    items = data["arrears"]
    if not isinstance(items, list) or not items or not isinstance(data.get("ruleset"), str):
        raise RulesetError(
            [located.problem(("arrears",), "'ruleset' and a non-empty 'arrears' list are required")]
        )
    cases, problems = [], []
    for index, item in enumerate(items):
        where = ("arrears", index)
        if not isinstance(item, dict) or not isinstance(item.get("expect"), dict):
            problems.append(
                located.problem(where, "each case needs 'principal', 'due', 'as_of' and 'expect'")
            )
            continue
        unknown = set(item) - _FIELDS
        if unknown:
            problems.append(located.problem(where, f"unknown field(s) {', '.join(sorted(unknown))}"))
            continue
        try:
            raw = item["principal"]
            principal = (
                {str(k): _number(v) for k, v in raw.items()} if isinstance(raw, dict) else _number(raw)
            )
            due, as_of = item["due"], item["as_of"]
            if not isinstance(due, date) or not isinstance(as_of, date):
                raise ValueError("'due' and 'as_of' must be dates (YYYY-MM-DD)")
            month = item.get("billing_month")
            billing_month = parse_month(str(month)) if month is not None else None
        except (KeyError, TypeError, ValueError, BillingError) as exc:
            problems.append(located.problem(where, f"bad case: {exc}"))
            continue
        cases.append(
            ArrearsCase(
                name,
                located.where(where)[0],
                str(item.get("ruleset", data["ruleset"])),
                str(item.get("name", f"case {index + 1}")),
                principal,
                due,
                as_of,
                billing_month,
                item["expect"],
            )
        )
    if problems:
        raise RulesetError(problems)
    return cases


def iter_arrears_cases(catalog: Catalog) -> Iterator[ArrearsCase]:
    """Every golden late-payment case of every ruleset in ``catalog``."""
    for ruleset in catalog:
        for path in ruleset.golden_files:
            yield from load_arrears_golden(path)


def run_arrears_case(catalog: Catalog, case: ArrearsCase) -> tuple[str, ...]:
    """Compute one case; return its failures (empty when it passed)."""
    expect = case.expect
    try:
        result: ArrearsResult = compute_arrears(
            catalog,
            case.ruleset,
            principal=case.principal,
            due=case.due,
            as_of=case.as_of,
            billing_month=case.billing_month,
        )
    except BillingError as exc:
        if "error" not in expect:
            return (f"expected a result, got error {exc.code}: {exc.message}",)
        return error_failures(expect, exc)
    if "error" in expect:
        return (f"expected error {expect['error']}, got total due {format_amount(result.total_due)}",)
    failures = []
    if "version" in expect and str(expect["version"]) != result.version:
        failures.append(f"version: expected {expect['version']}, got {result.version}")
    wanted = {str(k): _number(v) for k, v in (expect.get("surcharges") or {}).items()}
    got = {s.rule: s for s in result.surcharges}
    for rule, amount in wanted.items():
        if rule not in got:
            failures.append(f"surcharge {rule}: expected {format_amount(amount)}, but there is none")
        elif got[rule].amount != amount:
            failures.append(
                f"surcharge {rule}: expected {format_amount(amount)}, got "
                f"{format_amount(got[rule].amount)} ({got[rule].formula})"
            )
    for rule in got:
        if rule not in wanted:
            failures.append(f"surcharge {rule}: not expected, got {format_amount(got[rule].amount)}")
    if "total_due" in expect and result.total_due != _number(expect["total_due"]):
        failures.append(
            f"total_due: expected {format_amount(_number(expect['total_due']))}, "
            f"got {format_amount(result.total_due)}"
        )
    if "past_limitation" in expect and expect["past_limitation"] != result.past_limitation:
        failures.append(
            f"past_limitation: expected {expect['past_limitation']}, got {result.past_limitation}"
        )
    return tuple(failures)
