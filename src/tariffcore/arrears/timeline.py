"""Late-payment versions on a timeline: loading their files and choosing the one in force."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from pydantic import ValidationError

from ..bill import SourceRef
from ..errors import (
    InputError,
    NoVersionError,
    Problem,
    RulesetError,
)
from ..format import (
    UNKNOWN,
    RoundingSpec,
    source_ids,
)
from ..money import Rounding
from .rules import ArrearsVersionSpec
from .version import ArrearsVersion, _Compiled

__all__ = [
    "check_principal",
    "clashes",
    "dated_versions",
    "is_arrears_file",
    "load_arrears_version",
    "select_arrears",
    "spans",
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
    sources = {s.id: SourceRef(s.id, s.title, s.tag, s.url) for s in spec.sources}
    found: list[tuple[tuple[str | int, ...], str]] = []
    if len(sources) != len(spec.sources):
        found.append((("sources",), "two sources have the same id"))
    section = spec.arrears

    def refs(ids: Sequence[str], where: tuple[str | int, ...]) -> tuple[SourceRef, ...]:
        out = []
        for source_id in ids:
            if source_id in sources:
                out.append(sources[source_id])
            else:
                found.append(
                    (
                        (*where, "source"),
                        f"source {source_id!r} is not among this version's sources ({', '.join(sources)})",
                    )
                )
        return tuple(out)

    compiled = []
    for rule_id, rule in section.rules.items():
        rounding: Rounding | None
        if rule.rounding == "none":
            rounding = None
        elif isinstance(rule.rounding, RoundingSpec):
            rounding = rule.rounding.to_rounding()
        else:
            rounding = section.rounding.to_rounding() if section.rounding is not None else None
        charges = frozenset(rule.applies_to) if rule.applies_to is not None else None
        compiled.append(
            _Compiled(
                rule_id, rule, charges, rounding, refs(rule.source_ids(), ("arrears", "rules", rule_id))
            )
        )
    for key in ("allocation", "limitation"):
        part = getattr(section, key)
        if part is not None:
            refs(source_ids(part.source), ("arrears", key))
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


def spans(versions: Sequence[ArrearsVersion]) -> list[tuple[date, date | None]]:
    """First and last day (``None``: open) each dated version is in force, in order."""
    out = []
    for index, version in enumerate(versions):
        start = version.spec.effective.from_
        assert isinstance(start, date)
        end = version.spec.effective.until
        if index + 1 < len(versions):
            following = versions[index + 1].spec.effective.from_
            assert isinstance(following, date)
            end = following - _DAY if end is None or end >= following else end
        out.append((start, end))
    return out


def dated_versions(versions: Sequence[ArrearsVersion]) -> list[ArrearsVersion]:
    """The versions with a known start, in order of taking effect."""
    dated = [v for v in versions if v.dated]
    return sorted(dated, key=lambda v: (v.spec.effective.from_, v.version))


def clashes(versions: Sequence[ArrearsVersion]) -> list[Problem]:
    """Two arrears versions of one ruleset taking effect on the same day, or overlapping."""
    ordered = dated_versions(versions)
    problems = []
    for first, second in zip(ordered, ordered[1:]):
        if first.spec.effective.from_ == second.spec.effective.from_:
            problems.append(
                Problem(
                    second.path,
                    1,
                    1,
                    f"takes effect on {second.spec.effective.from_}, the same day as {first.path}",
                )
            )
        until = first.spec.effective.until
        following = second.spec.effective.from_
        assert isinstance(following, date)
        if until is not None and until >= following:
            problems.append(
                Problem(
                    first.path,
                    1,
                    1,
                    f"in force until {until}, after {second.path} takes effect ({following})",
                )
            )
    return problems


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
    ordered = dated_versions(versions)
    if not versions:
        raise NoVersionError(
            f"{ruleset} has no late-payment rules (its files hold tariffs only)", code="no_arrears"
        )
    if not ordered:
        undated = ", ".join(v.version for v in versions)
        raise NoVersionError(
            f"no late-payment rule of {ruleset} has a known start date ({undated}); "
            f"name one explicitly as {ruleset}@VERSION to use it",
            code="unknown_value",
        )
    ranges = spans(ordered)

    def pick(month_guess: date | None) -> ArrearsVersion | None:
        chosen = None
        for version, (start, end) in zip(ordered, ranges):
            if version.spec.effective.basis == "billing_month":
                if month_guess is None:
                    continue
                anchor = month_guess
            else:
                anchor = due
            if start <= anchor and (end is None or anchor <= end):
                chosen = version
        return chosen

    if billing_month is not None or all(v.spec.effective.basis == "due_date" for v in ordered):
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
        known = "; ".join(
            f"{v.version}: {s}..{e if e is not None else ''} by "
            f"{(v.spec.effective.basis or '').replace('_', ' ')}"
            for v, (s, e) in zip(ordered, ranges)
        )
        when = f"billing month {billing_month:%Y-%m}" if billing_month else f"due date {due}"
        raise NoVersionError(f"no late-payment rule of {ruleset} is known for a bill with {when} ({known})")
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
