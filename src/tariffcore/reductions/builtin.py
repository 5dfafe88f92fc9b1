"""The reduction types tariffcore ships: a volume allowance free of named charges, a percentage
of named charges by class, and a reduction whose terms the ordinance data does not give."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from ..errors import ReductionNotApplicableError, UnknownValueError
from ..format import (
    UNKNOWN,
    Number,
    Unknown,
)
from ..money import format_amount
from .contract import (
    CompiledReduction,
    Reduced,
    ReductionCompileContext,
    ReductionContext,
    ReductionSpec,
    ReductionType,
)

__all__ = ["PercentageReduction", "UnknownReduction", "VolumeAllowance"]


_HUNDRED = Decimal(100)


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
                raise UnknownValueError(
                    f"{label} reduction {rid!r} ({spec.label}): its volume is unknown in the ordinance data"
                )
            allowance = volume * bill.months * (bill.households if spec.per_household else 1)
            free = min(bill.reading.usage_m3, allowance)
            out = {}
            for charge in spec.charges:
                if charge not in bill.lines:
                    continue
                value = bill.charge_for(charge, free)
                out[charge] = Reduced(
                    value,
                    free,
                    "m3",
                    (
                        f"{format_amount(free)} m³ free of {charge} (allowance "
                        f"{format_amount(allowance)} m³), valued at the charge's rates for the first "
                        f"{format_amount(free)} m³: {format_amount(value)}",
                    ),
                )
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
                raise ReductionNotApplicableError(
                    f"{label} reduction {rid!r} ({spec.label}) has no percentage for use class {cls!r}"
                )
            if not isinstance(percent, Decimal):
                raise UnknownValueError(
                    f"{label} reduction {rid!r} ({spec.label}): its "
                    f"percentage for {cls} is unknown in the ordinance data"
                )
            share = percent
            out = {}
            for charge in spec.charges:
                line = bill.lines.get(charge)
                if line is None:
                    continue
                value = line.amount * share / _HUNDRED
                out[charge] = Reduced(
                    value,
                    None,
                    None,
                    (
                        f"{format_amount(share)} % of {charge} {format_amount(line.amount)} = "
                        f"{format_amount(value)}",
                    ),
                )
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
            raise UnknownValueError(
                f"{label} reduction {rid!r} ({spec.label}): its amount is unknown in the ordinance data"
            )

        return compute
