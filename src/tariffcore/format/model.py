"""The ruleset format: one YAML file per ordinance version, validated into frozen models.

A file looks like this (abridged; see ``docs/ruleset-format.md`` for every field)::

    ruleset: kr/example
    version: "2025"
    title: 수도급수 조례 — water usage charge
    jurisdiction: Example City, KR
    currency: KRW
    effective: {from: 2025-01-01, basis: billing_month}
    confidence: official tariff page, observed in force in 2025
    sources:
      - {id: city-fees, title: 상하수도 요금 안내, url: "https://…", tag: OFF}
    use_classes:
      household: {label: 가정용}
    charges:
      water:
        type: graduated
        label: 상수도 사용요금
        source: city-fees
        classes:
          household: [{upto: 20, rate: 650}, {upto: 30, rate: 810}, {rate: 1030}]

Numbers are :class:`~decimal.Decimal`. The ``charges`` mapping is validated in a second step
by the charge type each entry names (see :mod:`tariffcore.charges.contract`), so plug-ins can add types.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..money import MINOR_UNITS, Rounding
from .budgets import number_problem

__all__ = [
    "BASES",
    "Apportion",
    "BillingMonthRule",
    "BillingCycle",
    "ChargeSpec",
    "ChargeVariants",
    "DateRules",
    "DueDateRule",
    "Effective",
    "FrozenModel",
    "InForce",
    "Number",
    "POLICIES",
    "RULESET_ID",
    "RoundingSpec",
    "RulesetVersion",
    "SOURCE_TAGS",
    "Source",
    "SourceTag",
    "UNKNOWN",
    "UseClass",
    "VERSION_LABEL",
    "VersionHeader",
    "check_ids",
    "source_ids",
]

#: The word a ruleset writes where the ordinance data has no value (``?`` in the digest).
UNKNOWN = "unknown"
#: The type of a value the ordinance data marks as not known (``unknown``).
Unknown = Literal["unknown"]

#: The kinds of date a version (or a charge) takes effect by.
BASES = ("usage", "meter_read", "billing_month", "due_month")
Basis = Literal["usage", "meter_read", "billing_month", "due_month"]


#: A ruleset id (a jurisdiction path, e.g. ``kr/<city>``) and a version label.
RULESET_ID = r"^[a-z0-9-]+(/[a-z0-9-]+)+$"
VERSION_LABEL = r"^[A-Za-z0-9._-]+$"


def source_ids(source: str | list[str]) -> tuple[str, ...]:
    """The source ids a ``source`` field cites: one id or a list of them."""
    return (source,) if isinstance(source, str) else tuple(source)


def check_ids(value: dict[str, Any], noun: str = "id") -> dict[str, Any]:
    """``value`` unchanged, once every key is an id: letters, digits and ``_``, starting with a
    letter. Ids are lower case by convention; upper-case letters are kept for formats whose
    names have them (a use class ``RESIDENTIAL_SINGLE``)."""
    for key in value:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", str(key)):
            raise ValueError(f"{noun} {key!r} must be letters, digits and '_', starting with a letter")
    return value


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("a float cannot hold an exact tariff figure; write it as a number in YAML")
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


def _month_or_date(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        year, month = value.strip().split("-")
        return date(int(year), int(month), 1)
    return value


def _billable(value: Decimal) -> Decimal:
    found = number_problem(value, format(value, "f") if abs(value.adjusted()) < 60 else str(value))
    if found is not None:
        raise ValueError(found)
    return value


#: An exact number: int, Decimal or numeric string; never a float; within the budgets of
#: :mod:`tariffcore.format.budgets` (below 10¹⁵, at most 12 decimal places).
Number = Annotated[Decimal, BeforeValidator(_exact), AfterValidator(_billable)]
DateOrMonth = Annotated[
    date,
    BeforeValidator(_month_or_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}(-\d{2})?$",
            "description": "A date (YYYY-MM-DD) or a month (YYYY-MM: its first day).",
        }
    ),
]


class FrozenModel(BaseModel):
    """Base of every ruleset model: immutable, no unknown keys, no silent type coercion; each
    builds its validator when it first validates (``defer_build``), not when it is imported."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


#: The source tags a figure can carry: the digest's OFF / NEWS / CODE / INF, and UNTAGGED
#: for a figure the digest states without giving its source tag (the tag is then not claimed).
SOURCE_TAGS = ("OFF", "NEWS", "CODE", "INF", "UNTAGGED")

SourceTag = Literal["OFF", "NEWS", "CODE", "INF", "UNTAGGED"]


class Source(FrozenModel):
    """Where a figure comes from. ``tag`` is the digest's OFF / NEWS / CODE / INF, or
    UNTAGGED where the digest states the figure but gives no source tag for it."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Short id that charges cite.")
    title: str = Field(description="The source's title, as published.")
    url: str | None = Field(default=None, description="Where the source can be read again.")
    tag: SourceTag = Field(
        description="OFF official page or notice; NEWS press report of an official "
        "announcement; CODE seen only in public code; INF inferred arithmetic; UNTAGGED "
        "stated by the digest without a source tag."
    )
    notes: str | None = Field(default=None, description="Confidence, conflicts and choices made.")


class RoundingSpec(FrozenModel):
    """Round to a multiple of ``unit`` by ``method`` (``truncate`` is 절사)."""

    unit: Number = Field(  # from 0.000001 to 1000000
        ge=Decimal("0.000001"), le=Decimal(1_000_000), description="10 for '10원 미만 절사', 0.1 for 0.1 won."
    )
    method: Literal["truncate", "half_up", "half_even", "up", "floor", "ceiling"]

    def to_rounding(self) -> Rounding:
        return Rounding(self.unit, self.method)


#: What happens to a billing period that straddles the day a version takes effect.
POLICIES = ("switch", "split_by_days")
Policy = Literal["switch", "split_by_days"]


class Apportion(FrozenModel):
    """How ``split_by_days`` rounds the shares it gives each version (see ``docs/time.md``).

    ``m3`` rounds apportioned cubic metres (usage, tier bounds, allowances); ``fixed`` rounds
    the fraction of a fixed charge each version bills (``0.0001`` keeps four decimals).
    """

    m3: RoundingSpec = Field(description="Rounding of apportioned m³ (usage, tier bounds).")
    fixed: RoundingSpec = Field(description="Rounding of the fraction of a fixed charge.")


class InForce(FrozenModel):
    """When a version is in force, as every kind of version says it: its first day, the last
    day it is known in force (``until``) and the kind of date that selects it. Each kind of
    version narrows these (:class:`Effective` for tariffs)."""

    from_: Unknown | DateOrMonth = Field(alias="from", description="First day (or YYYY-MM) in force.")
    until: DateOrMonth | None = Field(
        default=None,
        description="Last day known in force, when the data ends before the next version "
        "(leave out when the next version simply replaces this one).",
    )
    basis: str | None = Field(default=None, description="The kind of date that selects this version.")


class Effective(InForce):
    """When a version takes effect, by which kind of date, and how a straddling period is billed."""

    from_: DateOrMonth = Field(alias="from", description="First day (or YYYY-MM) in force.")
    basis: Basis = Field(
        description="The kind of date that selects this version: usage date, meter-read date, "
        "billing month or due month."
    )
    policy: Policy = Field(
        default="switch",
        description="A usage period that straddles this version's first day: 'switch' bills "
        "it whole under the version in force on its last day; 'split_by_days' bills each "
        "version's days under that version, apportioning usage, tier widths and fixed charges.",
    )
    apportion: Apportion | None = Field(
        default=None, description="Rounding of the apportioned quantities (split_by_days)."
    )
    note: str | None = Field(default=None, description="Why these dates (when they are not certain).")

    @model_validator(mode="after")
    def _apportion_with_split(self) -> Effective:
        if self.policy == "split_by_days" and self.apportion is None:
            raise ValueError("policy split_by_days needs 'apportion' (how the shares are rounded)")
        if self.policy == "switch" and self.apportion is not None:
            raise ValueError("'apportion' goes with policy split_by_days")
        if self.until is not None and self.until < self.from_:
            raise ValueError(
                f"'until' {self.until} is before 'from' {self.from_}: the version would never be in force"
            )
        return self


class BillingMonthRule(FrozenModel):
    """The billing month (고지월) derived from the last day of usage, when a reading lacks it."""

    months_after_period_end: int = Field(
        ge=0, le=12, description="0: the month the period ends in; 1: the month after."
    )


class DueDateRule(FrozenModel):
    """The due date (납기) derived from the billing month, when a reading lacks it."""

    months_after_billing: int = Field(ge=0, le=12, description="0: in the billing month itself.")
    day: int | Literal["last"] = Field(
        description="Day of that month (1–31; a day past the month's end is its last day), or 'last'."
    )

    @field_validator("day")
    @classmethod
    def _day(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 31:
            raise ValueError(f"day {value} is not a day of a month (1–31 or 'last')")
        return value


class DateRules(FrozenModel):
    """How the dates a bill needs follow from the ones a reading gives, as the ordinance states."""

    billing_month: BillingMonthRule | None = None
    due_date: DueDateRule | None = None


class UseClass(FrozenModel):
    """A use class (가정용, 일반용 …) as this ordinance names it."""

    label: str = Field(description="The class's name in the ordinance.")
    household_units_default: int = Field(
        default=1,
        ge=0,
        description="Households behind the meter when an account does not say (0 for a "
        "general meter that serves no household).",
    )
    note: str | None = None


class ChargeVariants(FrozenModel):
    """Figures of a charge that depend on an account attribute besides the use class (an area
    with a rate column of its own): every account gives the attribute ``input``, and its value
    picks what it changes in the charge entry (see docs/charges.md)."""

    input: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The input column that picks the variant.")
    label: str | None = Field(default=None, description="What the attribute is called in the ordinance.")
    values: dict[str, dict[str, Any]] = Field(
        min_length=1,
        description="Each value of the input → the figures it changes, merged into the entry key by "
        "key as 'extends' merges ({} bills the entry as written).",
    )
    note: str | None = None


class ChargeSpec(FrozenModel):
    """Fields every charge has, whatever its type. Charge types subclass this."""

    type: str = Field(description="The charge type, e.g. graduated, volume, per_unit, base_by_meter.")
    label: str = Field(description="The charge's name on the bill.")
    source: str | list[str] = Field(description="Id(s) of the version's sources behind the figures.")
    rounding: RoundingSpec | Literal["none"] | None = Field(
        default=None,
        description="Rounding of this charge's line; default: the version's line rounding. "
        "'none' keeps the exact amount even when the version rounds lines.",
    )
    applies_to: list[str] | None = Field(
        default=None, description="Use classes this charge applies to; default: all."
    )
    basis: Basis | None = Field(
        default=None,
        description="The kind of date that selects the version this charge is billed under, "
        "when it differs from the version's (e.g. water by usage date, levy by due month).",
    )
    variants: ChargeVariants | None = Field(
        default=None, description="Figures that depend on an account attribute (an area's column)."
    )
    note: str | None = None

    def source_ids(self) -> tuple[str, ...]:
        return source_ids(self.source)


class BillingCycle(FrozenModel):
    """How many months one bill covers, and what a ruleset states per month.

    Korean tariffs usually state tier widths and fixed charges per month; a city billing every two
    months (or every two months below a usage limit) applies them per month of the bill. The ruleset
    says which charges do (``per_month``): their tier widths, mixed-use allowances and fixed
    amounts are multiplied by the months the bill covers. A volume reduction's allowance is
    always per month. A version without ``billing_cycle`` bills monthly.
    """

    months: list[Annotated[int, Field(ge=1)]] = Field(
        min_length=1, description="The bill lengths in months this ordinance allows, e.g. [2] or [1, 2]."
    )
    default: int | None = Field(
        default=None,
        description="Months a bill covers when the reading does not say (input column "
        "'months' empty); leave out to require the column.",
    )
    below_monthly_m3: dict[int, Annotated[Number, Field(gt=0)]] = Field(
        default_factory=dict,
        description="A bill of N months is allowed only while its usage per month is below "
        "this many m³ (e.g. {2: 100}); otherwise the row is an error.",
    )
    per_month: list[str] = Field(
        default_factory=list,
        description="Charge ids stated per month: tier widths, allowances and fixed amounts "
        "× the months the bill covers.",
    )
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> BillingCycle:
        if len(set(self.months)) != len(self.months):
            raise ValueError("'months' lists a bill length twice")
        if self.default is not None and self.default not in self.months:
            raise ValueError(f"default {self.default} is not one of the allowed months {self.months}")
        for key in self.below_monthly_m3:
            if key not in self.months:
                raise ValueError(f"below_monthly_m3 names {key} months, which is not allowed")
        return self


class VersionHeader(FrozenModel):
    """What every version file states first, whatever it holds (a tariff or late-payment
    rules): which ruleset and version it is, the ordinance it encodes, when it is in force and
    the sources behind it."""

    ruleset: str = Field(pattern=RULESET_ID, description="Ruleset id: jurisdiction path, e.g. kr/<city>.")
    version: str = Field(pattern=VERSION_LABEL, description="Version label, e.g. 2025-07.")
    extends: str | None = Field(
        default=None,
        description="Label of the version of the same ruleset this one builds on; the file then "
        "states only what changed (see docs/versions.md).",
    )
    title: str = Field(description="The ordinance (and revision) this file encodes.")
    jurisdiction: str = Field(description="The city or utility, and where it is.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. KRW.")
    effective: InForce = Field(description="When this version is in force.")
    confidence: str = Field(description="How sure the data of this version is, in a sentence.")
    checked: date | None = Field(
        default=None, description="When the sources were last checked against this file."
    )
    sources: list[Source] = Field(min_length=1, description="Every source behind the figures.")

    @field_validator("currency")
    @classmethod
    def _minor_unit(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(
                f"currency {value!r} has no minor unit known to tariffcore (known: {', '.join(MINOR_UNITS)})"
            )
        return value

    @property
    def label(self) -> str:
        """``id@version``, as bills and errors name a version."""
        return f"{self.ruleset}@{self.version}"


class RulesetVersion(VersionHeader):
    """One ordinance version: one YAML file."""

    effective: Effective = Field(description="When this version is in force.")
    rounding: RoundingSpec | None = Field(
        default=None, description="Rounding of every charge line unless the charge says otherwise."
    )
    dates: DateRules | None = Field(
        default=None,
        description="How the billing month and due date follow from a reading's other dates, "
        "where the ordinance states it.",
    )
    use_classes: dict[str, UseClass] = Field(
        min_length=1, description="Use class id → use class, as this ordinance bills them."
    )
    charges: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Charge id → charge (validated by its type)."
    )
    billing_cycle: BillingCycle | None = Field(
        default=None, description="Bill lengths and what is stated per month; default: monthly."
    )
    reductions: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Reduction id → reduction (validated by its type); accounts name the ids "
        "they qualify for in the input column 'reductions'.",
    )
    not_included: dict[str, str] = Field(
        default_factory=dict,
        description="Charges this ordinance has but the data lacks entirely, with the reason; "
        "every bill reports them as not included.",
    )
    notes: str | None = Field(default=None, description="Anything else an author should know.")

    @field_validator("use_classes", "charges", "reductions")
    @classmethod
    def _ids(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_ids(value)
