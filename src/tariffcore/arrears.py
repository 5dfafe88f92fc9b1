"""Late-payment rules (가산금, 중가산금) as ruleset data, and the surcharges they add.

Late fees live in version files of their own, dated by the bill's due date (or billing month)
rather than by usage, because ordinances change them on their own timetable (digest §9)::

    ruleset: kr/example
    version: arrears-2008-11
    title: 수도 조례 — 가산금 by the day
    jurisdiction: Example City, Republic of Korea
    currency: KRW
    effective: {from: 2008-11-01, basis: due_date}
    confidence: official notice and press reports
    sources:
      - {id: late-fee, title: …, tag: OFF}
    arrears:
      rules:
        late_fee:
          kind: daily               # one_off | daily | monthly
          label: 가산금
          source: late-fee
          applies_to: [water, sewer, levy]
          percent: 3
          days: 30                  # 3 % × days late / 30, reached after 30 days

A file with an ``arrears`` section holds late-payment rules only: no ``use_classes`` and no
``charges``. A ruleset id may hold tariff versions, arrears versions or both; each kind is
selected by its own dates.

Counting time (digest §9: "a part month does not count"):

* **days late** on a date ``d`` are ``d − due`` in days: paid on the due date is 0 days late,
  the day after is 1 day late;
* lateness starts the day after the due date; **month k** of lateness ends on the day before
  the same day of the month k months later (the last day of that month when it has no such
  day), the reckoning of periods of the Korean Civil Act (민법 제157조, 제160조). Month k has
  *passed* on ``d`` when it ended before ``d``. Months are added with
  :class:`dateutil.relativedelta.relativedelta`.

A surcharge is computed on the principal still unpaid, day by day (or month by month), so a
partial payment lowers what accrues afterwards; see :mod:`tariffcore.statement`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Annotated, Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field, ValidationError, field_validator, model_validator

from .bill import SourceRef
from .errors import InputError, NoVersionError, Problem, RulesetError, UnknownValueError
from .model import (
    RULESET_ID,
    UNKNOWN,
    VERSION_LABEL,
    DateOrMonth,
    FrozenModel,
    Number,
    RoundingSpec,
    Source,
    check_ids,
    source_ids,
)
from .money import MONEY_CONTEXT, Rounding, format_amount

__all__ = [
    "ArrearsSpec",
    "ArrearsVersion",
    "ArrearsVersionSpec",
    "Surcharge",
    "days_late",
    "full_months",
    "is_arrears_file",
    "load_arrears_version",
    "month_end",
    "select_arrears",
]

_DAY = timedelta(days=1)
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)

Unknown = Literal["unknown"]


# --------------------------------------------------------------------------- time counting

def days_late(due: date, on: date) -> int:
    """Days a payment made on ``on`` is late for a bill due on ``due`` (0 if not late)."""
    return max((on - due).days, 0)


def month_end(due: date, k: int) -> date:
    """The last day of the ``k``-th month of lateness of a bill due on ``due``.

    Lateness starts on ``due + 1 day``; a month starting on day *s* ends the day before day *s*
    of the next month, or on that month's last day when it has no day *s* (민법 제160조).
    """
    start = due + _DAY
    shifted = start + relativedelta(months=k)
    return shifted if shifted.day != start.day else shifted - _DAY


def full_months(due: date, on: date, limit: int | None = None) -> int:
    """Full months of lateness that have passed on ``on`` (a part month does not count)."""
    count = 0
    while (limit is None or count < limit) and month_end(due, count + 1) < on:
        count += 1
    return count


# --------------------------------------------------------------------------- the file format

class _RuleBase(FrozenModel):
    label: str = Field(description="The surcharge's name on a statement, e.g. 가산금.")
    source: str | list[str] = Field(description="Id(s) of the version's sources behind the rule.")
    applies_to: list[str] | None = Field(
        default=None,
        description="Charges of a bill the rule applies to (water, sewer, levy …); "
        "default: the whole principal.",
    )
    percent: Unknown | Number = Field(
        description="The rate in percent of the principal ('unknown' when the digest has '?')."
    )
    rounding: RoundingSpec | Literal["none"] | None = Field(
        default=None, description="Rounding of the surcharge; default: the arrears section's."
    )
    note: str | None = None

    @field_validator("percent")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if isinstance(value, Decimal) and value < 0:
            raise ValueError("a percentage cannot be negative")
        return value

    def source_ids(self) -> tuple[str, ...]:
        return source_ids(self.source)


class OneOffRule(_RuleBase):
    """A percentage of the unpaid principal, once, when the due date has passed."""

    kind: Literal["one_off"]


class DailyRule(_RuleBase):
    """``percent × days late / days``: prorated by the day, reaching ``percent`` after ``days``.

    ``beyond: cap`` keeps the full percentage after that ("capped at 3 %", "then the fixed
    2 %"); ``beyond: unknown`` when the digest does not say what follows.
    """

    kind: Literal["daily"]
    days: int = Field(default=30, ge=1, description="The divisor: 30 in '3 % × days/30'.")
    beyond: Literal["cap", "unknown"] = Field(
        default="cap", description="After 'days' days: stay at the full percentage, or unknown."
    )


class MonthlyRule(_RuleBase):
    """A heavy surcharge (중가산금): ``percent`` of the unpaid principal per full month."""

    kind: Literal["monthly"]
    max_months: int = Field(ge=1, description="Months counted at most (60 in the digest).")
    threshold: Number | None = Field(
        default=None,
        description="Applies only when the unpaid principal at the due date is at least this.",
    )


Rule = Annotated[OneOffRule | DailyRule | MonthlyRule, Field(discriminator="kind")]


class Allocation(FrozenModel):
    """How a payment is applied: oldest bill first; a bill's surcharges before or after its
    principal."""

    bills: Literal["oldest_first"] = "oldest_first"
    surcharges: Literal["first", "last"]
    source: str | list[str]
    note: str | None = None


class Limitation(FrozenModel):
    """The limitation period of the charges (소멸시효), counted from the due date."""

    years: int = Field(ge=1)
    source: str | list[str]
    note: str | None = None


class ArrearsSpec(FrozenModel):
    """The ``arrears`` section: the rules, and optionally rounding, allocation, limitation."""

    rules: dict[str, Rule] = Field(min_length=1)
    rounding: RoundingSpec | None = Field(
        default=None, description="Rounding of every surcharge unless the rule says otherwise."
    )
    allocation: Allocation | None = Field(
        default=None, description="The order payments are applied in, when the ordinance says."
    )
    limitation: Limitation | None = None
    note: str | None = None

    @field_validator("rules")
    @classmethod
    def _ids(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_ids(value, "rule id")


class ArrearsEffective(FrozenModel):
    """When an arrears version takes effect: by the bill's due date or its billing month."""

    from_: Unknown | DateOrMonth = Field(
        alias="from", description="First due date (or billing month) in force; 'unknown' if the "
        "digest does not give it (the version can then only be used when named explicitly)."
    )
    until: DateOrMonth | None = None
    basis: Literal["due_date", "billing_month"] | None = Field(
        default=None, description="The date that selects this version (required when dated)."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _basis_when_dated(self) -> ArrearsEffective:
        if self.from_ != UNKNOWN and self.basis is None:
            raise ValueError("'basis' (due_date or billing_month) is required")
        return self


class ArrearsVersionSpec(FrozenModel):
    """One arrears version file."""

    ruleset: str = Field(pattern=RULESET_ID)
    version: str = Field(pattern=VERSION_LABEL)
    title: str
    jurisdiction: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    effective: ArrearsEffective
    confidence: str
    checked: date | None = None
    sources: list[Source] = Field(min_length=1)
    arrears: ArrearsSpec
    notes: str | None = None

    @property
    def label(self) -> str:
        return f"{self.ruleset}@{self.version}"


# --------------------------------------------------------------------------- compiled rules

@dataclass(frozen=True, slots=True)
class Surcharge:
    """One surcharge on one bill: what it is, the period it covers and how it was computed.

    ``start``..``end`` is the lateness it covers: the day after the due date to the last day
    (daily) or the end of the last full month (monthly) counted; a one-off surcharge covers
    the single day it is incurred. ``count`` is the number of days or months counted.
    """

    rule: str
    kind: str
    label: str
    amount: Decimal
    unrounded: Decimal
    start: date
    end: date
    percent: Decimal
    count: int
    unit: str | None
    rounding: str | None
    version: str
    sources: tuple[SourceRef, ...]
    formula: str = ""


@dataclass(frozen=True, slots=True)
class _Compiled:
    id: str
    spec: OneOffRule | DailyRule | MonthlyRule
    charges: frozenset[str] | None
    rounding: Rounding | None
    sources: tuple[SourceRef, ...]


Covered = Callable[[date], Decimal]


@dataclass(frozen=True)
class ArrearsVersion:
    """A validated arrears version, ready to compute surcharges."""

    spec: ArrearsVersionSpec
    path: str
    rules: tuple[_Compiled, ...]

    @property
    def ruleset(self) -> str:
        return self.spec.ruleset

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def dated(self) -> bool:
        return self.spec.effective.from_ != UNKNOWN

    def charge_sets(self) -> set[frozenset[str] | None]:
        """The distinct sets of charges the rules apply to (``None``: the whole principal)."""
        return {rule.charges for rule in self.rules}

    def covered_charges(self) -> frozenset[str] | None:
        """Every charge some rule applies to; ``None`` when a rule takes the whole principal."""
        found: set[str] = set()
        for rule in self.rules:
            if rule.charges is None:
                return None
            found |= rule.charges
        return frozenset(found)

    def surcharges(self, due: date, on: date, covered: Callable[[frozenset[str] | None], Covered],
                   changes: Sequence[date] | None = None) -> list[Surcharge]:
        """Every surcharge accrued by ``on`` on a bill due on ``due``.

        ``covered(charges)`` returns, for the charges a rule applies to, a function giving the
        principal of those charges still unpaid at the end of a day. Only days before ``on``
        matter: a payment made on ``on`` itself is late by ``on − due`` days. ``changes``, when
        given, lists (in order) every day the unpaid principal changes on, so that day-based
        fees are summed a stretch at a time rather than day by day.
        """
        found = []
        with localcontext(MONEY_CONTEXT):
            for rule in self.rules:
                surcharge = self._accrue(rule, due, on, covered(rule.charges), changes)
                if surcharge is not None:
                    found.append(surcharge)
        return found

    def _accrue(self, rule: _Compiled, due: date, on: date, unpaid: Covered,
                changes: Sequence[date] | None) -> Surcharge | None:
        spec = rule.spec
        if on <= due:
            return None
        first = due + _DAY
        if isinstance(spec, OneOffRule):
            base = unpaid(due)
            count, unit, end, total = 1, None, first, base
        elif isinstance(spec, DailyRule):
            late = days_late(due, on)
            count = min(late, spec.days)
            if late > spec.days and spec.beyond == "unknown" and unpaid(due + timedelta(days=spec.days)) > 0:
                raise UnknownValueError(
                    f"{self.label}: rule {rule.id!r} is known only for the first {spec.days} days "
                    f"late; what applies after {due + timedelta(days=spec.days)} is unknown")
            count, total = _day_sum(unpaid, due, due + timedelta(days=count - 1), changes)
            unit, end = "day", due + timedelta(days=count)
        else:
            at_due = unpaid(due)
            if spec.threshold is not None and at_due < spec.threshold:
                return None
            count = full_months(due, on, spec.max_months)
            if count == 0:
                return None
            bases = [unpaid(month_end(due, k)) for k in range(1, count + 1)]
            count = _owing(bases)
            total = sum(bases, _ZERO)
            unit, end = "month", month_end(due, max(count, 1))
        if total == 0:
            return None
        if spec.percent == UNKNOWN:
            raise UnknownValueError(
                f"{self.label}: the percentage of rule {rule.id!r} ({spec.label}) is unknown")
        assert isinstance(spec.percent, Decimal)
        amount = total * spec.percent / _HUNDRED
        if isinstance(spec, DailyRule):
            amount = amount / spec.days
        amount = _plain(amount)
        percent = format_amount(spec.percent)
        if isinstance(spec, DailyRule):
            formula = f"{percent} % × {count}/{spec.days} of the unpaid principal, day by day"
        elif isinstance(spec, MonthlyRule):
            formula = f"{percent} % × {count} full month(s) of the unpaid principal"
        else:
            formula = f"{percent} % once of {format_amount(total)}"
        rounded = rule.rounding.apply(amount) if rule.rounding is not None else amount
        return Surcharge(
            rule=rule.id, kind=spec.kind, label=spec.label, amount=rounded, unrounded=amount,
            start=first, end=end, percent=spec.percent, count=count, unit=unit,
            rounding=rule.rounding.describe() if rule.rounding is not None else None,
            version=self.version, sources=rule.sources, formula=formula,
        )


def _day_sum(unpaid: Covered, first: date, last: date, changes: Sequence[date] | None
             ) -> tuple[int, Decimal]:
    """Days from ``first`` to ``last`` with principal unpaid, and the sum of the unpaid
    principal over them (a day counts what was unpaid at its end)."""
    if last < first:
        return 0, _ZERO
    if changes is None:
        bases = [unpaid(first + timedelta(days=d)) for d in range((last - first).days + 1)]
        return _owing(bases), sum(bases, _ZERO)
    starts = [first, *sorted({day for day in changes if first < day <= last})]
    days, total = 0, _ZERO
    for index, start in enumerate(starts):
        stop = starts[index + 1] - _DAY if index + 1 < len(starts) else last
        value = unpaid(start)
        length = (stop - start).days + 1
        total += value * length
        if value > 0:
            days += length
    return days, total


def _owing(bases: list[Decimal]) -> int:
    """Days (or months) counted: those with principal still unpaid (a prefix, as payments
    only lower it)."""
    return sum(1 for base in bases if base > 0)


def _plain(value: Decimal) -> Decimal:
    """``19800.00`` → ``19800``: the same number without trailing zeros (never an exponent)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


# --------------------------------------------------------------------------- loading

_ARREARS_KEY = re.compile(r"(?m)^arrears\s*:")


def is_arrears_file(text: str) -> bool:
    """Whether a version file holds late-payment rules (a top-level ``arrears`` key)."""
    return _ARREARS_KEY.search(text) is not None


def load_arrears_version(text: str, name: str) -> ArrearsVersion:
    """Parse, validate and compile an arrears version file; raise every problem at file:line."""
    from .validation import real_path as _real_path
    from .engine import pydantic_problems
    from .yamlio import load_yaml

    located = load_yaml(text, name)
    data = located.data
    if not isinstance(data, dict):
        raise RulesetError([Problem(name, 1, 1, "a ruleset file must be a mapping of fields")])
    problems: list[Problem] = []
    for key in ("use_classes", "charges", "not_included", "rounding"):
        if key in data:
            problems.append(located.problem((key,), f"{key!r} does not belong in a file of late-payment "
                                            "rules: keep tariffs and arrears rules in separate files"))
    if problems:
        raise RulesetError(problems)
    try:
        spec = ArrearsVersionSpec.model_validate(data)
    except ValidationError as exc:
        raise RulesetError([
            located.problem(_real_path(data, (*loc, "kind") if message.startswith("input tag") else loc),
                            message)
            for loc, message in pydantic_problems(exc)]) from None
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
                found.append(((*where, "source"), f"source {source_id!r} is not among this "
                              f"version's sources ({', '.join(sources)})"))
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
        compiled.append(_Compiled(rule_id, rule, charges, rounding,
                                  refs(rule.source_ids(), ("arrears", "rules", rule_id))))
    for key in ("allocation", "limitation"):
        part = getattr(section, key)
        if part is not None:
            refs(source_ids(part.source), ("arrears", key))
    effective = spec.effective
    if effective.from_ != UNKNOWN and effective.until is not None:
        assert isinstance(effective.from_, date)
        if effective.until < effective.from_:
            found.append((("effective", "until"), f"ends ({effective.until}) before it starts "
                          f"({effective.from_})"))
    if found:
        raise RulesetError([located.problem(_real_path(data, loc), message) for loc, message in found])
    return ArrearsVersion(spec, name, tuple(compiled))


# --------------------------------------------------------------------------- selection

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
            problems.append(Problem(second.path, 1, 1, f"takes effect on {second.spec.effective.from_}, "
                                    f"the same day as {first.path}"))
        until = first.spec.effective.until
        following = second.spec.effective.from_
        assert isinstance(following, date)
        if until is not None and until >= following:
            problems.append(Problem(first.path, 1, 1, f"in force until {until}, after {second.path} "
                                    f"takes effect ({following})"))
    return problems


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - _DAY).replace(day=1)


def select_arrears(ruleset: str, versions: Sequence[ArrearsVersion], due: date,
                   billing_month: date | None = None) -> ArrearsVersion:
    """The arrears version in force for a bill due on ``due`` (issued in ``billing_month``).

    A version dated by due date is chosen by ``due``. A version dated by billing month is
    chosen by ``billing_month``; when that is not given, a bill is taken to be issued in its
    due month or the month before, and the choice must be the same for both, otherwise the
    billing month is required.
    """
    ordered = dated_versions(versions)
    if not versions:
        raise NoVersionError(f"{ruleset} has no late-payment rules (its files hold tariffs only)",
                             code="no_arrears")
    if not ordered:
        undated = ", ".join(v.version for v in versions)
        raise NoVersionError(
            f"no late-payment rule of {ruleset} has a known start date ({undated}); "
            f"name one explicitly as {ruleset}@VERSION to use it", code="unknown_value")
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
                f"may fall under {names}: give the billing month")
        chosen = this
    if chosen is None:
        known = "; ".join(
            f"{v.version}: {s}..{e if e is not None else ''} by "
            f"{(v.spec.effective.basis or '').replace('_', ' ')}"
            for v, (s, e) in zip(ordered, ranges))
        when = f"billing month {billing_month:%Y-%m}" if billing_month else f"due date {due}"
        raise NoVersionError(f"no late-payment rule of {ruleset} is known for a bill with "
                             f"{when} ({known})")
    return chosen


def check_principal(version: ArrearsVersion, charges: Mapping[str, Decimal] | None) -> None:
    """Check that a bill's charges are ones the version has rules for (raise otherwise)."""
    if charges is None:
        if len(version.charge_sets()) > 1:
            described = "; ".join(
                f"{rule.id}: {', '.join(sorted(rule.charges)) if rule.charges else 'all'}"
                for rule in version.rules)
            raise InputError(f"{version.label} applies different rules to different charges "
                             f"({described}): give the principal per charge")
        return
    covered = version.covered_charges()
    if covered is None:
        return
    extra = sorted(set(charges) - covered)
    if extra:
        raise InputError(f"{version.label} has no late-payment rule for charge "
                         f"{', '.join(repr(c) for c in extra)} (rules cover {', '.join(sorted(covered))})")
