"""Golden late-payment cases: hand-computed surcharges stored in a golden file next to the
rulesets.

The ``arrears`` of a golden file (see :mod:`tariffcore.authoring.golden_file`), in the same
file as golden bills or a file of their own::

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

from ..accounts import ArrearsResult, compute_arrears
from ..engine import Catalog
from ..errors import BillingError
from ..money import format_amount
from .golden import error_failures
from .golden_file import ArrearsCase, load_golden_file, number

__all__ = ["iter_arrears_cases", "run_arrears_case"]


def iter_arrears_cases(catalog: Catalog) -> Iterator[ArrearsCase]:
    """Every golden late-payment case of every ruleset in ``catalog``."""
    for ruleset in catalog:
        for path in ruleset.golden_files:
            yield from load_golden_file(path).arrears


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
    wanted = {str(k): number(v) for k, v in (expect.get("surcharges") or {}).items()}
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
    if "total_due" in expect and result.total_due != number(expect["total_due"]):
        failures.append(
            f"total_due: expected {format_amount(number(expect['total_due']))}, "
            f"got {format_amount(result.total_due)}"
        )
    if "past_limitation" in expect and expect["past_limitation"] != result.past_limitation:
        failures.append(
            f"past_limitation: expected {expect['past_limitation']}, got {result.past_limitation}"
        )
    return tuple(failures)
