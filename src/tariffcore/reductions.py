"""Reductions (감면) as ruleset data: the types, and how a bill applies them.

A version lists the reductions its ordinance grants under ``reductions:``; an account names
the ids it qualifies for (input column ``reductions``, ids separated by ``;``). Each reduction
of each charge it touches becomes its own negative line, charge id ``<charge>_reduction``
(``water_reduction``), so the gross charge stays visible and the total is still the sum of
the lines. A reduction line carries its rule, version and sources like any other line::

    reductions:
      multi_child:
        type: volume_allowance        # N m³ per month free of the named charges
        label: 다자녀 감면
        source: city-notice
        volume: 15
        charges: [water]
      source_protection:
        type: percentage              # a share of the named charges, by use class
        label: 상수원보호구역 감면
        source: reduction-ordinance
        percent: {household: 20, general: 10}
        charges: [water]
        exclusive: true               # not combinable with any other reduction

Built-in types:

* ``volume_allowance`` — ``volume`` m³ per month (× the months of the bill; × the households
  behind the meter when ``per_household``) free of each named charge. The free volume is
  valued at the charge's own rates for the *first* m³ of the bill: the reduction equals what
  the charge would be for ``min(usage, allowance)`` m³. Ordinances word it as "the water
  charge of 15 t" or "up to 10 t of water, sewer and levy": the charge for
  that volume, never more than the usage.
* ``percentage`` — ``percent`` of each named charge's billed line (one figure, or one per
  use class).
* ``unknown`` — the ordinance grants the reduction but the data does not give its amount; a
  bill naming it fails with ``unknown_value``, naming the reduction.

A reduction line is rounded by the reduction's ``rounding`` (else the reduced charge's line
rounding), applied to the size of the reduction, and never exceeds the gross line. Two
reductions on one charge are refused (``reduction_conflict``): no ordinance in the data says
how they combine. ``exclusive`` refuses any other reduction on the same bill. Plug-ins add
types through the ``tariffcore_reduction_types`` hook.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field

from .bill import Account, BillLine, Reading
from .errors import BillingError, NotApplicableError, UnknownValueError
from .model import UNKNOWN, Basis, FrozenModel, Number, RoundingSpec, RulesetVersion, source_ids
from .money import format_amount

__all__ = [
    "BUILTIN_REDUCTION_TYPES",
    "PercentageReduction",
    "Reduced",
    "ReductionContext",
    "ReductionSpec",
    "ReductionType",
    "UnknownReduction",
    "VolumeAllowance",
]

_HUNDRED = Decimal(100)
Unknown = Literal["unknown"]


class ReductionSpec(FrozenModel):
    """Fields every reduction has, whatever its type. Reduction types subclass this."""

    type: str = Field(description="The reduction type: volume_allowance, percentage, unknown.")
    label: str = Field(description="The reduction's name on the bill.")
    source: str | list[str] = Field(description="Id(s) of the version's sources behind it.")
    charges: list[str] = Field(default_factory=list, description="Charge ids it reduces.")
    applies_to: list[str] | None = Field(
        default=None, description="Use classes that may claim it; default: all."
    )
    exclusive: bool = Field(
        default=False, description="Not combinable with any other reduction on the same bill."
    )
    rounding: RoundingSpec | Literal["none"] | None = Field(
        default=None,
        description="Rounding of the reduction lines; default: the reduced charge's line rounding.",
    )
    basis: Basis | None = Field(
        default=None,
        description="The kind of date that selects the version granting it, when it differs "
        "from the version's (e.g. by due month).",
    )
    note: str | None = None

    def source_ids(self) -> tuple[str, ...]:
        return source_ids(self.source)


@dataclass(frozen=True, slots=True)
class Reduced:
    """What a reduction takes off one charge, before rounding (a positive amount)."""

    amount: Decimal
    quantity: Decimal | None = None
    unit: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReductionContext:
    """What a compiled reduction sees: the account, the bill so far, and a way to price a
    charge for a smaller volume (``charge_for(charge_id, m3)``, unrounded)."""

    account: Account
    reading: Reading
    households: int
    months: int
    version: str
    lines: Mapping[str, BillLine]
    charge_for: Callable[[str, Decimal], Decimal]


CompiledReduction = Callable[[ReductionContext], "dict[str, Reduced]"]


@dataclass
class ReductionCompileContext:
    """Handed to :meth:`ReductionType.compile`; report problems at paths inside the entry."""

    version: RulesetVersion
    reduction_id: str
    problems: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append((path, message))


class ReductionType(ABC):
    """Base class of a reduction type: ``name`` (the ``type:`` value), ``spec`` (its model),
    and :meth:`compile`, returning a pure function from a :class:`ReductionContext` to the
    amount taken off each charge it touches (charge id → :class:`Reduced`)."""

    name: ClassVar[str]
    spec: ClassVar[type[ReductionSpec]]

    @abstractmethod
    def compile(self, spec: Any, ctx: ReductionCompileContext) -> CompiledReduction:
        """Check ``spec`` and return the function that computes the reduction for one bill."""


# --------------------------------------------------------------------------- built-in types


class VolumeAllowanceSpec(ReductionSpec):
    volume: Number | Unknown = Field(description="m³ per month free of the named charges.")
    per_household: bool = Field(
        default=False,
        description="Multiply the allowance by the households behind the meter (default: "
        "one allowance per account claiming it).",
    )


class VolumeAllowance(ReductionType):
    """``volume`` m³ per month free of each named charge, valued at the charge's own rates
    for the first m³ of the bill."""

    name = "volume_allowance"
    spec = VolumeAllowanceSpec

    def compile(self, spec: VolumeAllowanceSpec, ctx: ReductionCompileContext) -> CompiledReduction:
        if not spec.charges:
            ctx.problem(("charges",), "name the charges the allowance is free of")
        label, rid = ctx.version.label, ctx.reduction_id
        volume = None if spec.volume == UNKNOWN else Decimal(spec.volume)
        if volume is not None and volume <= 0:
            ctx.problem(("volume",), f"volume {spec.volume} must be above 0")

        def compute(bill: ReductionContext) -> dict[str, Reduced]:
            if volume is None:
                raise UnknownValueError(f"{label} reduction {rid!r} ({spec.label}): its volume is "
                                        "unknown in the ordinance data")
            allowance = volume * bill.months * (bill.households if spec.per_household else 1)
            free = min(bill.reading.usage_m3, allowance)
            out = {}
            for charge in spec.charges:
                if charge not in bill.lines:
                    continue
                value = bill.charge_for(charge, free)
                out[charge] = Reduced(value, free, "m3", (
                    f"{format_amount(free)} m³ free of {charge} (allowance "
                    f"{format_amount(allowance)} m³), valued at the charge's rates for the first "
                    f"{format_amount(free)} m³: {format_amount(value)}",))
            return out

        return compute


class PercentageSpec(ReductionSpec):
    percent: Number | Unknown | dict[str, Number | Unknown] = Field(
        description="Percent of each named charge: one figure, or one per use class."
    )


class PercentageReduction(ReductionType):
    """``percent`` of each named charge's billed line."""

    name = "percentage"
    spec = PercentageSpec

    def compile(self, spec: PercentageSpec, ctx: ReductionCompileContext) -> CompiledReduction:
        if not spec.charges:
            ctx.problem(("charges",), "name the charges the percentage is taken off")
        by_class = spec.percent if isinstance(spec.percent, dict) else None
        for cls, value in (by_class or {}).items():
            if cls not in ctx.version.use_classes:
                ctx.problem(("percent", cls), f"unknown use class {cls!r}")
            if value != UNKNOWN and not 0 < Decimal(value) <= 100:
                ctx.problem(("percent", cls), f"percent {value} must be above 0 and at most 100")
        if isinstance(spec.percent, Decimal) and not 0 < spec.percent <= 100:
            ctx.problem(("percent",), f"percent {spec.percent} must be above 0 and at most 100")
        label, rid = ctx.version.label, ctx.reduction_id

        def compute(bill: ReductionContext) -> dict[str, Reduced]:
            cls = bill.account.use_class
            percent = spec.percent if by_class is None else by_class.get(cls)
            if percent is None:
                raise NotApplicableError(f"{label} reduction {rid!r} ({spec.label}) has no "
                                         f"percentage for use class {cls!r}",
                                         code="reduction_not_applicable")
            if not isinstance(percent, Decimal):
                raise UnknownValueError(f"{label} reduction {rid!r} ({spec.label}): its "
                                        f"percentage for {cls} is unknown in the ordinance data")
            share = percent
            out = {}
            for charge in spec.charges:
                line = bill.lines.get(charge)
                if line is None:
                    continue
                value = line.amount * share / _HUNDRED
                out[charge] = Reduced(value, None, None, (
                    f"{format_amount(share)} % of {charge} {format_amount(line.amount)} = "
                    f"{format_amount(value)}",))
            return out

        return compute


class UnknownSpec(ReductionSpec):
    pass


class UnknownReduction(ReductionType):
    """A reduction the ordinance grants whose amount the data does not give."""

    name = "unknown"
    spec = UnknownSpec

    def compile(self, spec: UnknownSpec, ctx: ReductionCompileContext) -> CompiledReduction:
        label, rid = ctx.version.label, ctx.reduction_id

        def compute(bill: ReductionContext) -> dict[str, Reduced]:
            raise UnknownValueError(f"{label} reduction {rid!r} ({spec.label}): its amount is "
                                    "unknown in the ordinance data")

        return compute


#: The reduction types tariffcore ships, registered by :mod:`tariffcore.builtin`.
BUILTIN_REDUCTION_TYPES: tuple[ReductionType, ...] = (
    VolumeAllowance(), PercentageReduction(), UnknownReduction(),
)


def check_claims(version: str, account: Account, known: Mapping[str, ReductionSpec]) -> None:
    """Refuse unknown ids, classes that may not claim, and combinations that are not allowed."""
    claimed = account.reductions
    if len(set(claimed)) != len(claimed):
        raise BillingError(f"{version}: a reduction is named twice ({';'.join(claimed)})",
                           code="invalid_input")
    for rid in claimed:
        spec = known.get(rid)
        if spec is None:
            listed = ", ".join(known) or "none"
            raise NotApplicableError(f"{version} has no reduction {rid!r} (its reductions: {listed})",
                                     code="unknown_reduction")
        if spec.applies_to is not None and account.use_class not in spec.applies_to:
            raise NotApplicableError(
                f"{version} reduction {rid!r} ({spec.label}) is for {', '.join(spec.applies_to)}, "
                f"not {account.use_class}", code="reduction_not_applicable")
    if len(claimed) > 1:
        for rid in claimed:
            if known[rid].exclusive:
                others = ", ".join(r for r in claimed if r != rid)
                raise BillingError(f"{version} reduction {rid!r} ({known[rid].label}) cannot be "
                                   f"combined with other reductions ({others})",
                                   code="reduction_conflict")


def reduction_line_id(charge: str) -> str:
    """The charge id of the line reducing ``charge``: ``water`` → ``water_reduction``."""
    return f"{charge}_reduction"


def combine_guard(version: str, taken: dict[str, str], charge: str, rid: str) -> None:
    """Refuse a second reduction of the same charge: the data never says how they stack."""
    if charge in taken:
        raise BillingError(f"{version}: reductions {taken[charge]!r} and {rid!r} both reduce "
                           f"{charge}, and the ordinance data does not say how they combine",
                           code="reduction_conflict")
    taken[charge] = rid
