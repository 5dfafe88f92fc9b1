"""Graduated and volume charges: tier tables by use class, with widths per household,
mixed-use allowances and references to another class's rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, model_validator

from ..bill import Account, TierSlice
from ..errors import InputError, NoRateError, UnknownValueError
from ..format import (
    UNKNOWN,
    ChargeSpec,
    FrozenModel,
    Number,
    Unknown,
)
from ..money import MONEY_CONTEXT, ZERO, format_amount
from .contract import (
    BillContext,
    Charged,
    ChargeType,
    CompileContext,
    CompiledCharge,
    class_hints,
    known_value,
    unknown_class,
)
from .kernel import ChargeKernel, Column, KernelLine, KernelOps, KernelSlice, Pick, single_rate, with_kernel
from .lean import LeanCharge, LeanFallback, LeanResult, with_lean
from .tiers import Tier, TierTable


def _rate_shorthand(value: Any) -> Any:
    """Accept ``850``, ``unknown`` and a bare list of tiers as shorthands for a class entry."""
    if isinstance(value, list):
        return {"tiers": value}
    if isinstance(value, (int, Decimal, str)) and not isinstance(value, bool):
        return {"rate": value}
    return value


class TierSpec(FrozenModel):
    """A tier: ``upto`` is the last m³ it covers (inclusive); leave it out on the top tier."""

    upto: Number | Unknown | None = Field(default=None, description="Last m³ of this tier (inclusive).")
    rate: Number | Unknown = Field(description="Rate per m³ in this tier.")


class Allowance(FrozenModel):
    """Mixed use (겸업): ``per_household`` m³ per household billed apart from the class's rates.

    The allowance is billed either at another class's rates (``billed_as``: "15 m³ per
    household at the household rate", its tiers included) or at one flat ``rate`` ("15 m³ at
    585"); give exactly one. A ``rate`` of ``unknown`` fails a bill only when the meter serves
    households (the allowance is then reached).
    """

    per_household: Number = Field(gt=0)
    billed_as: str | None = Field(default=None, description="The class whose rates bill the allowance.")
    rate: Number | Unknown | None = Field(
        default=None, description="One rate per m³ for the whole allowance."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Allowance:
        if (self.billed_as is None) == (self.rate is None):
            raise ValueError("give exactly one of 'billed_as' or 'rate' for the allowance")
        return self


class ClassRates(FrozenModel):
    """How one use class is charged: ``rate``, ``tiers`` or ``same_as`` another class."""

    rate: Number | Unknown | None = Field(default=None, description="One rate for all usage.")
    tiers: list[TierSpec] | None = None
    same_as: str | None = Field(default=None, description="Bill at this other class's rates.")
    tier: int | None = Field(
        default=None, ge=1, description="With same_as: that class's tier N rate, for all usage."
    )
    scale_by_households: bool = Field(
        default=False, description="Multiply each tier width by the households behind the meter."
    )
    allowance: Allowance | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ClassRates:
        given = [name for name in ("rate", "tiers", "same_as") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'rate', 'tiers' or 'same_as'")
        if self.tier is not None and self.same_as is None:
            raise ValueError("'tier' goes with 'same_as'")
        if self.tiers is not None and not self.tiers:
            raise ValueError("'tiers' is empty")
        return self


#: A class entry: ``850``, ``unknown`` or a bare list of tiers are shorthands (the schema says so).
ClassEntry = Annotated[
    ClassRates,
    BeforeValidator(_rate_shorthand, json_schema_input_type=Number | Unknown | list[TierSpec] | ClassRates),
]


class TieredSpec(ChargeSpec):
    """A charge per m³ with rates per use class, as tiers or one rate."""

    classes: dict[str, ClassEntry] = Field(
        min_length=1,
        description="Use class → its rates: one rate (850), 'unknown', a list of tiers, or a "
        "mapping with rate, tiers or same_as.",
    )


@dataclass(frozen=True, slots=True)
class _AllowancePlan:
    """A class's mixed-use allowance: m³ per household, and the class whose table bills it
    (``billed_as``) or, when that is ``None``, the flat ``rate`` (``None`` when unknown)."""

    per_household: Decimal
    billed_as: str | None
    table: TierTable | None
    rate: Decimal | None


@dataclass(frozen=True, slots=True)
class _ClassPlan:
    table: TierTable
    allowance: _AllowancePlan | None


def _flat_allowance(plan: _AllowancePlan, allowed: Decimal, what: str) -> TierSlice:
    """The allowance billed at its one rate, as one slice labelled ``allowance``."""
    if plan.rate is None:
        raise UnknownValueError(
            f"{what}: the rate of the mixed-use allowance ({format_amount(plan.per_household)} m³ "
            f"per household) is unknown in the ordinance data, and the meter serves households"
        )
    return TierSlice(
        1, ZERO, allowed, allowed, plan.rate, MONEY_CONTEXT.multiply(allowed, plan.rate), "allowance"
    )


def _tiers_path(raw: Mapping[str, Any], cls: str) -> tuple[str | int, ...]:
    entry = raw.get("classes", {}).get(cls)
    return ("classes", cls) if isinstance(entry, list) else ("classes", cls, "tiers")


class _Tiered(ChargeType):
    """Graduated and volume charges share everything but how slices are cut."""

    method: ClassVar[str]
    spec = TieredSpec
    apportions_by_days = True

    def compile(self, spec: TieredSpec, ctx: CompileContext) -> CompiledCharge:
        plans = self._plans(spec, ctx)
        cut = TierTable.graduated if self.method == "graduated" else TierTable.volume
        name = ctx.label  # how errors name the charge

        def compute(bill: BillContext) -> Charged:
            cls = bill.account.use_class
            plan = plans.get(cls)
            if plan is None:
                raise NoRateError(f"{name} has no rate for use class {cls!r}")
            households = bill.households
            usage = bill.usage
            what = f"{name} ({cls})"
            if plan.table.scale_by_households and households < 1:
                raise InputError(f"{what}: tier widths scale by households, but household_units is 0")
            slices: list[TierSlice] = []
            rule = cls
            scale = bill.share.m3 if bill.share is not None else None
            months = bill.months
            if plan.allowance is not None:
                extra = plan.allowance
                allowance = MONEY_CONTEXT.multiply(extra.per_household, households * months)
                allowed = min(usage, scale(allowance) if scale is not None else allowance)
                if allowed > 0:
                    if extra.table is not None and extra.billed_as is not None:
                        slices += cut(extra.table, allowed, households, extra.billed_as, what, scale, months)
                        rule = f"{cls}+{extra.billed_as}-allowance"
                    else:
                        slices.append(_flat_allowance(extra, allowed, what))
                        rule = f"{cls}+allowance"
                usage = MONEY_CONTEXT.subtract(usage, allowed)
            slices += cut(plan.table, usage, households, cls, what, scale, months)
            amount = ZERO
            for piece in slices:
                amount = MONEY_CONTEXT.add(amount, piece.amount)
            single = slices[0].rate if len(slices) == 1 else None
            return Charged(
                amount, rule=rule, quantity=bill.usage, unit="m3", unit_price=single, slices=tuple(slices)
            )

        graduated = self.method == "graduated"

        def lean(account: Account, households: int, months: int) -> LeanCharge | None:
            """``compute`` for one account without a split period (see :mod:`.lean`)."""
            cls = account.use_class
            plan = plans.get(cls)
            if plan is None or (plan.table.scale_by_households and households < 1):
                return None
            extra = plan.allowance
            rate = plan.table.single_rate()
            if extra is None and rate is not None:
                return _flat(cls, rate, graduated)
            main = plan.table.lean(households, months, graduated)
            if extra is None:

                def charge(usage: Decimal) -> LeanResult:
                    amount, count, first = main(usage)
                    return amount, cls, usage, "m3", first if count == 1 else None

                return charge
            allowance = MONEY_CONTEXT.multiply(extra.per_household, households * months)
            side = extra.table.lean(households, months, graduated) if extra.table is not None else None
            flat = extra.rate
            named = f"{cls}+{extra.billed_as}-allowance" if side is not None else f"{cls}+allowance"
            ctx = MONEY_CONTEXT

            def mixed(usage: Decimal) -> LeanResult:
                allowed = min(usage, allowance)
                rule = cls
                amount, count, single = ZERO, 0, None
                if allowed > 0:
                    if side is not None:
                        amount, count, single = side(allowed)
                    elif flat is None:
                        raise LeanFallback
                    else:
                        amount, count, single = ctx.multiply(allowed, flat), 1, flat
                    rule = named
                rest, many, first = main(ctx.subtract(usage, allowed))
                if count + many != 1:
                    single = None
                elif many:
                    single = first
                return ctx.add(amount, rest), rule, usage, "m3", single

            return mixed

        def kernel(account: Account, households: int, months: int) -> ChargeKernel | None:
            """``compute`` over a column of usages (see :mod:`.kernel`), as ``lean``."""
            cls = account.use_class
            plan = plans.get(cls)
            if plan is None or (plan.table.scale_by_households and households < 1):
                return None
            main = plan.table.kernel(households, months, graduated, cls)
            extra = plan.allowance
            if extra is None:

                def column(usage: Column, ops: KernelOps) -> KernelLine:
                    amount, slices, fail = main(usage, ops)
                    price = single_rate(ops, slices)
                    return KernelLine(amount, Pick.one(cls), usage, "m3", price, tuple(slices), fallback=fail)

                return column
            allowance = MONEY_CONTEXT.multiply(extra.per_household, households * months)
            side = (
                extra.table.kernel(households, months, graduated, extra.billed_as)
                if extra.table is not None and extra.billed_as is not None
                else None
            )
            named = f"{cls}+{extra.billed_as}-allowance" if side is not None else f"{cls}+allowance"
            flat = extra.rate

            def mixed_column(usage: Column, ops: KernelOps) -> KernelLine:
                allowed = ops.where(usage.le(allowance), usage, allowance)  # min(usage, allowance)
                some = allowed.gt(ZERO)
                fail = ops.every(False)
                slices: list[KernelSlice] = []
                amount = ops.const(ZERO)
                if side is not None:
                    amount, slices, fail = side(allowed, ops)
                elif flat is None:
                    fail = some  # the allowance is reached and its rate is unknown
                else:
                    part = allowed * flat
                    amount = ops.where(some, amount + part, amount)
                    slices.append(KernelSlice(some, 1, "allowance", ZERO, allowed, allowed, flat, part))
                rest, more, failed = main(usage - allowed, ops)
                slices += more
                return KernelLine(
                    amount + rest,
                    Pick((cls, named), ops.index([(some, 1)], 0)),
                    usage,
                    "m3",
                    single_rate(ops, slices),
                    tuple(slices),
                    fallback=fail | failed,
                )

            return mixed_column

        return with_kernel(with_lean(compute, lean), kernel)

    def _plans(self, spec: TieredSpec, ctx: CompileContext) -> dict[str, _ClassPlan]:
        tables: dict[str, TierTable] = {}
        classes = spec.classes
        declared = ctx.version.use_classes
        class_hints(ctx, spec, classes)
        for cls, entry in classes.items():
            if cls not in declared:
                ctx.problem(("classes", cls), unknown_class(cls, declared))
            table = self._table(cls, entry, classes, ctx)
            if table is not None:
                tables[cls] = table
        plans: dict[str, _ClassPlan] = {}
        for cls, table in tables.items():
            allowance = None
            rule = classes[cls].allowance
            if rule is not None:
                if rule.billed_as is None:
                    flat = known_value(rule.rate)
                    if flat is not None and flat < 0:
                        ctx.problem(
                            ("classes", cls, "allowance", "rate"),
                            f"allowance rate {rule.rate} must not be negative",
                        )
                        continue
                    allowance = _AllowancePlan(rule.per_household, None, None, flat)
                elif rule.billed_as not in tables:
                    ctx.problem(
                        ("classes", cls, "allowance", "billed_as"),
                        f"allowance billed as {rule.billed_as!r}, which has no rates in this charge",
                    )
                    continue
                else:
                    allowance = _AllowancePlan(
                        rule.per_household, rule.billed_as, tables[rule.billed_as], None
                    )
            plans[cls] = _ClassPlan(table, allowance)
        return plans

    def _table(
        self, cls: str, entry: ClassRates, classes: Mapping[str, ClassRates], ctx: CompileContext
    ) -> TierTable | None:
        if entry.same_as is not None:
            target = classes.get(entry.same_as)
            if target is None or target.same_as is not None:
                ctx.problem(
                    ("classes", cls, "same_as"),
                    f"same_as {entry.same_as!r} must name a class of this charge that has its own rates",
                )
                return None
            if entry.tier is None:
                return self._table(entry.same_as, target, classes, ctx)
            base = self._table(entry.same_as, target, classes, ctx)
            if base is None:
                return None
            if entry.tier > len(base.tiers):
                ctx.problem(
                    ("classes", cls, "tier"),
                    f"{entry.same_as!r} has {len(base.tiers)} tier(s), not {entry.tier}",
                )
                return None
            return TierTable((Tier(None, base.tiers[entry.tier - 1].rate),))
        if entry.rate is not None:
            rate = known_value(entry.rate)
            if rate is not None and rate < 0:
                raw = (
                    ctx.raw.get("classes", {}).get(cls) if isinstance(ctx.raw.get("classes"), dict) else None
                )
                where = ("classes", cls, "rate") if isinstance(raw, dict) else ("classes", cls)
                ctx.problem(
                    where, f"rate {entry.rate} is negative; a reduction is written under 'reductions'"
                )
            return TierTable((Tier(None, rate),), entry.scale_by_households)
        assert entry.tiers is not None
        path = _tiers_path(ctx.raw, cls)
        tiers: list[Tier] = []
        previous: Decimal | None = None
        rate_before: Decimal | None = None
        for index, spec in enumerate(entry.tiers):
            last = index == len(entry.tiers) - 1
            if spec.upto is None and not last:
                ctx.problem((*path, index), "only the top tier may leave out 'upto'")
            if last and spec.upto is not None:
                ctx.problem(
                    (*path, index, "upto"),
                    f"the top tier must be open (leave out 'upto'); write usage above "
                    f"{spec.upto} as another tier, with rate 'unknown' if it is not known",
                )
            upto = known_value(spec.upto) if spec.upto is not None else None
            if upto is not None:
                if upto <= 0:
                    ctx.problem((*path, index, "upto"), f"tier 'upto' {spec.upto} must be above 0")
                elif previous is not None and upto <= previous:
                    relation = "is below" if upto < previous else "is the same as"
                    ctx.problem(
                        (*path, index, "upto"),
                        f"tier 'upto' {format_amount(upto)} {relation} the previous "
                        f"tier's {format_amount(previous)}; each tier must end above "
                        "the one before",
                    )
                previous = upto
            rate = known_value(spec.rate)
            if rate is not None and rate < 0:
                ctx.problem((*path, index, "rate"), f"rate {spec.rate} is negative")
            if rate is not None and rate_before is not None and rate <= rate_before:
                relation = "the same as" if rate == rate_before else "below"
                ctx.hint(
                    (*path, index, "rate"),
                    "tiers",
                    f"{ctx.charge_id} {cls} tier {index + 1} rate {rate} is {relation} tier "
                    f"{index}'s {rate_before}: graduated tiers usually rise",
                )
            rate_before = rate
            tiers.append(Tier(upto, rate, upper_unknown=spec.upto == UNKNOWN))
        return TierTable(tuple(tiers), entry.scale_by_households)


def _flat(cls: str, rate: Decimal, graduated: bool) -> LeanCharge:
    """The lean charge of a table of one open tier at ``rate``: what the lean cut of
    :meth:`TierTable.lean` gives of it, in the same operations, without walking the table."""
    ctx = MONEY_CONTEXT
    add, subtract, multiply = ctx.add, ctx.subtract, ctx.multiply

    def graduated_flat(usage: Decimal) -> LeanResult:
        if usage <= ZERO:
            return ZERO, cls, usage, "m3", None
        return add(ZERO, multiply(subtract(usage, ZERO), rate)), cls, usage, "m3", rate

    def volume_flat(usage: Decimal) -> LeanResult:
        if usage == 0:
            return ZERO, cls, usage, "m3", None
        return add(ZERO, multiply(usage, rate)), cls, usage, "m3", rate

    return graduated_flat if graduated else volume_flat


class Graduated(_Tiered):
    """Graduated block tiers (누진): each slice of usage at its own tier's rate."""

    name = "graduated"
    method = "graduated"


class Volume(_Tiered):
    """Volume (whole-block) tiers: all usage at the rate of the block it falls in."""

    name = "volume"
    method = "volume"
