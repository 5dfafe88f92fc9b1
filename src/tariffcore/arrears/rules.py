"""Late-payment rules (가산금, 중가산금) as ruleset data: the file format.

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
                                    # (or per_day: 12/365, a rate per day capped at percent)

A file with an ``arrears`` section holds late-payment rules only: no ``use_classes`` and no
``charges``. It starts with the header every version file has
(:class:`~tariffcore.format.model.VersionHeader`), so it may ``extends:`` an earlier arrears
version of its ruleset and state only what changed. A ruleset id may hold tariff versions,
arrears versions or both; each kind is selected by its own dates.

Counting time (digest §9: "a part month does not count"):

* **days late** on a date ``d`` are ``d − due`` in days: paid on the due date is 0 days late,
  the day after is 1 day late;
* lateness starts the day after the due date; **month k** of lateness ends on the day before
  the same day of the month k months later (the last day of that month when it has no such
  day), the reckoning of periods of the Korean Civil Act (민법 제157조, 제160조). Month k has
  *passed* on ``d`` when it ended before ``d``. Months are added with
  :class:`dateutil.relativedelta.relativedelta`.

A surcharge is computed on the principal still unpaid, day by day (or month by month), so a
partial payment lowers what accrues afterwards; see :mod:`tariffcore.accounts.statements`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from ..format import (
    UNKNOWN,
    DateOrMonth,
    FrozenModel,
    InForce,
    Number,
    RoundingSpec,
    Unknown,
    VersionHeader,
    check_ids,
    source_ids,
)

__all__ = [
    "Allocation",
    "ArrearsEffective",
    "ArrearsSpec",
    "ArrearsVersionSpec",
    "DailyRule",
    "Limitation",
    "MonthlyRule",
    "OneOffRule",
]

_DAY = timedelta(days=1)
_HUNDRED = Decimal(100)


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
        if isinstance(value, Decimal) and value > _HUNDRED:
            raise ValueError(f"a percentage of {value} is more than the principal itself (at most 100)")
        return value

    def source_ids(self) -> tuple[str, ...]:
        return source_ids(self.source)


class OneOffRule(_RuleBase):
    """A percentage of the unpaid principal, once, when the due date has passed."""

    kind: Literal["one_off"]


def _fraction(value: Any) -> Any:
    """``12/365`` → (12, 365); a number ``n`` → (n, 1)."""
    if isinstance(value, str) and "/" in value:
        top, _, bottom = value.partition("/")
        try:
            pair = (Decimal(top.strip()), Decimal(bottom.strip()))
        except ArithmeticError:
            raise ValueError(f"{value!r} is not a fraction such as 12/365") from None
        if not all(part.is_finite() for part in pair):
            raise ValueError(f"{value!r} is not a fraction such as 12/365")
        return pair
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return (Decimal(value), Decimal(1))
    return value


#: A fraction written ``12/365`` (or a plain number): (numerator, denominator).
Fraction = Annotated[
    tuple[Decimal, Decimal],
    BeforeValidator(_fraction),
    WithJsonSchema({"type": ["string", "number"], "pattern": r"^\s*\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*$"}),
]


class DailyRule(_RuleBase):
    """``percent × days late / days``: prorated by the day, reaching ``percent`` after ``days``.

    ``beyond: cap`` keeps the full percentage after that ("capped at 3 %", "then the fixed
    2 %"); ``beyond: unknown`` when the digest does not say what follows. ``days: unknown``
    when the divisor is not known (the fee is then an unknown value naming it).

    ``per_day`` states a rate per day apart from the cap (3 % × 12/365 a day within the first
    month, then the fixed 3 %): each day of the first month of lateness accrues
    ``percent × per_day`` of the principal unpaid at its end, never more in all than
    ``percent`` of the principal unpaid at the due date; once that month has passed, the fee
    is that full ``percent`` (``beyond: cap``). ``days`` is not given with ``per_day``.
    """

    kind: Literal["daily"]
    days: Annotated[int, Field(ge=1)] | Unknown | None = Field(
        default=None,
        description="The divisor: 30 in '3 % × days/30' (the default without per_day), or 'unknown'.",
    )
    per_day: Fraction | None = Field(
        default=None,
        description="The share of the percentage each day late accrues within the first month "
        "of lateness, e.g. 12/365; the fee is capped at the percentage.",
    )
    beyond: Literal["cap", "unknown"] = Field(
        default="cap",
        description="After 'days' days (with per_day: after the first month): stay at the full "
        "percentage, or unknown.",
    )

    @model_validator(mode="after")
    def _divisor(self) -> DailyRule:
        if self.per_day is not None:
            if self.days is not None:
                raise ValueError("give 'days' (a divisor) or 'per_day' (a rate per day), not both")
            top, bottom = self.per_day
            if not top > 0 or not bottom > 0 or top > bottom:
                raise ValueError(f"per_day {top}/{bottom} must be a fraction above 0 and at most 1")
        return self

    @property
    def divisor(self) -> int | Unknown:
        """The day divisor of a rule without ``per_day``: ``days``, 30 when not given."""
        return 30 if self.days is None else self.days


class MonthlyRule(_RuleBase):
    """A heavy surcharge (중가산금): ``percent`` of the unpaid principal per full month."""

    kind: Literal["monthly"]
    max_months: int = Field(ge=1, description="Months counted at most (60 in the digest).")
    threshold: Annotated[Number, Field(ge=0)] | None = Field(
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


class ArrearsEffective(InForce):
    """When an arrears version takes effect: by the bill's due date or its billing month."""

    from_: Unknown | DateOrMonth = Field(
        alias="from",
        description="First due date (or billing month) in force; 'unknown' if the "
        "digest does not give it (the version can then only be used when named explicitly).",
    )
    basis: Literal["due_date", "billing_month"] | None = Field(
        default=None, description="The date that selects this version (required when dated)."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _basis_when_dated(self) -> ArrearsEffective:
        if self.from_ != UNKNOWN and self.basis is None:
            raise ValueError("'basis' (due_date or billing_month) is required")
        return self


class ArrearsVersionSpec(VersionHeader):
    """One arrears version file: the header every version file has, and an ``arrears`` section."""

    effective: ArrearsEffective = Field(description="When this version is in force.")
    arrears: ArrearsSpec
    notes: str | None = None
