"""Late-payment versions: loading their files and choosing the one in force for a bill."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from pydantic import ValidationError

from ..errors import (
    InputError,
    NoVersionError,
    Problem,
    RulesetError,
    UnknownValueError,
)
from ..format import (
    UNKNOWN,
    Sources,
    Timeline,
    resolve_rounding,
)
from .rules import ArrearsVersionSpec
from .version import ArrearsVersion, _Compiled

__all__ = [
    "check_principal",
    "is_arrears_file",
    "load_arrears_version",
    "select_arrears",
]

_DAY = timedelta(days=1)
_HUNDRED = Decimal(100)


_ARREARS_KEY = re.compile(r"(?m)^arrears\s*:")


def is_arrears_file(text: str) -> bool:
    """Whether a version file holds late-payment rules (a top-level ``arrears`` key)."""
    return _ARREARS_KEY.search(text) is not None


def load_arrears_version(text: str, name: str) -> ArrearsVersion:
    """Parse, validate and compile an arrears version file; raise every problem at file:line."""
    from ..format import load_yaml, pydantic_problems
    from ..format import real_path as _real_path

    located = load_yaml(text, name)
    data = located.data
    if not isinstance(data, dict):
        raise RulesetError([Problem(name, 1, 1, "a ruleset file must be a mapping of fields")])
    problems: list[Problem] = []
    if data.get("extends") is not None:  # resolved with the catalog's versions (not yet)
        problems.append(located.problem(("extends",), "late-payment rules cannot extend another version"))
    for key in ("use_classes", "charges", "not_included", "rounding"):
        if key in data:
            problems.append(
                located.problem(
                    (key,),
                    f"{key!r} does not belong in a file of late-payment "
                    "rules: keep tariffs and arrears rules in separate files",
                )
            )
    if problems:
        raise RulesetError(problems)
    try:
        spec = ArrearsVersionSpec.model_validate(data)
    except ValidationError as exc:
        raise RulesetError(
            [
                located.problem(
                    _real_path(data, (*loc, "kind") if message.startswith("input tag") else loc), message
                )
                for loc, message in pydantic_problems(exc)
            ]
        ) from None
    found: list[tuple[tuple[str | int, ...], str]] = []
    sources = Sources(spec.sources, found)
    section = spec.arrears
    default = section.rounding
    compiled = []
    for rule_id, rule in section.rules.items():
        compiled.append(
            _Compiled(
                rule_id,
                rule,
                frozenset(rule.applies_to) if rule.applies_to is not None else None,
                resolve_rounding(rule.rounding, default),
                sources.cite(rule.source_ids(), ("arrears", "rules", rule_id), found),
            )
        )
    for key in ("allocation", "limitation"):
        part = getattr(section, key)
        if part is not None:
            sources.cite(part.source, ("arrears", key), found)
    effective = spec.effective
    if effective.from_ != UNKNOWN and effective.until is not None:
        assert isinstance(effective.from_, date)
        if effective.until < effective.from_:
            found.append(
                (("effective", "until"), f"ends ({effective.until}) before it starts ({effective.from_})")
            )
    if found:
        raise RulesetError([located.problem(_real_path(data, loc), message) for loc, message in found])
    return ArrearsVersion(spec, name, tuple(compiled))


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
        raise NoVersionError(
            f"{ruleset} has no late-payment rules (its files hold tariffs only)", code="no_arrears"
        )
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
