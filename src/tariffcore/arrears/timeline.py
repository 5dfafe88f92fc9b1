"""Late-payment versions on their timeline: choosing the one in force for a bill."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from ..errors import (
    InputError,
    NoArrearsError,
    NoVersionError,
    UnknownValueError,
)
from ..format import (
    Timeline,
)
from .version import ArrearsVersion

__all__ = ["check_principal", "select_arrears"]

_DAY = timedelta(days=1)


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - _DAY).replace(day=1)


def select_arrears(
    ruleset: str, versions: Sequence[ArrearsVersion], due: date, billing_month: date | None = None
) -> ArrearsVersion:
    """The arrears version in force for a bill due on ``due`` (issued in ``billing_month``).

    A version dated by due date is chosen by ``due``. A version dated by billing month is
    chosen by ``billing_month``; when that is not given, a bill is taken to be issued in its
    due month or the month before, and the choice must be the same for both, otherwise the
    billing month is required.
    """
    if not versions:
        raise NoArrearsError(f"{ruleset} has no late-payment rules (its files hold tariffs only)")
    timeline = Timeline.sorted(versions)
    if not timeline:
        undated = ", ".join(v.version for v in versions)
        raise UnknownValueError(
            f"no late-payment rule of {ruleset} has a known start date ({undated}); "
            f"name one explicitly as {ruleset}@VERSION to use it"
        )

    def pick(month_guess: date | None) -> ArrearsVersion | None:
        return timeline.pick(
            lambda version: month_guess if version.spec.effective.basis == "billing_month" else due
        )

    if billing_month is not None or all(v.spec.effective.basis == "due_date" for v in timeline.versions):
        chosen = pick(billing_month.replace(day=1) if billing_month else None)
    else:
        this, before = pick(due.replace(day=1)), pick(_previous_month(due))
        if this is not before:
            names = " or ".join(sorted({v.version if v else "none" for v in (this, before)}))
            raise InputError(
                f"{ruleset} dates its late-payment rules by billing month and a bill due on {due} "
                f"may fall under {names}: give the billing month"
            )
        chosen = this
    if chosen is None:
        when = f"billing month {billing_month:%Y-%m}" if billing_month else f"due date {due}"
        raise NoVersionError(
            f"no late-payment rule of {ruleset} is known for a bill with {when} ({timeline.describe()})"
        )
    return chosen


def check_principal(version: ArrearsVersion, charges: Mapping[str, Decimal] | None) -> None:
    """Check that a bill's charges are ones the version has rules for (raise otherwise)."""
    if charges is None:
        if len(version.charge_sets()) > 1:
            described = "; ".join(
                f"{rule.id}: {', '.join(sorted(rule.charges)) if rule.charges else 'all'}"
                for rule in version.rules
            )
            raise InputError(
                f"{version.label} applies different rules to different charges "
                f"({described}): give the principal per charge"
            )
        return
    covered = version.covered_charges()
    if covered is None:
        return
    extra = sorted(set(charges) - covered)
    if extra:
        raise InputError(
            f"{version.label} has no late-payment rule for charge "
            f"{', '.join(repr(c) for c in extra)} (rules cover {', '.join(sorted(covered))})"
        )
