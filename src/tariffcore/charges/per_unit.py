"""Per-unit charges: a rate per m³, or a unit price derived from a base rate and published
coefficients (levies), rounded as the ordinance states.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field, model_validator

from ..bill import Account
from ..errors import InputError, NoRateError, UnknownValueError
from ..format import (
    UNKNOWN,
    ChargeSpec,
    FrozenModel,
    Number,
    RoundingSpec,
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
    unknown_class,
)
from .kernel import ChargeKernel, Column, KernelLine, KernelOps, Pick, with_kernel
from .lean import LeanCharge, LeanResult, with_lean


class InputFactor(FrozenModel):
    """A factor the application supplies per account, by category (a levy application rate
    published monthly): the account's ``attributes[input]`` picks one of ``values``."""

    input: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    values: dict[str, Number] = Field(min_length=1)
    label: str | None = None


class UnitPrice(FrozenModel):
    """A derived unit price: ``base`` × each factor, then rounded (levy coefficients)."""

    base: Number
    factors: list[Number | InputFactor] = Field(default_factory=list)
    rounding: RoundingSpec | None = None


PriceEntry = Number | UnitPrice | Unknown


class PerUnitSpec(ChargeSpec):
    """A charge per m³ of usage at one unit price (the water-use levy)."""

    rate: PriceEntry | None = Field(default=None, description="Unit price for every class.")
    classes: dict[str, PriceEntry] | None = Field(
        default=None, description="Unit price per use class, overriding 'rate'."
    )

    @model_validator(mode="after")
    def _some_rate(self) -> PerUnitSpec:
        if self.rate is None and not self.classes:
            raise ValueError("give 'rate' or 'classes'")
        return self


@dataclass(frozen=True, slots=True)
class _Price:
    fixed: Decimal | None
    unknown: bool
    spec: UnitPrice | None

    def resolve(self, bill: BillContext, what: str) -> tuple[Decimal, tuple[str, ...]]:
        if self.unknown:
            raise UnknownValueError(f"{what}: the unit price is unknown in the ordinance data")
        if self.fixed is not None and self.spec is None:
            return self.fixed, ()
        assert self.spec is not None
        return _derive(self.spec, bill.account, what)


def _derive(spec: UnitPrice, account: Account | None, what: str) -> tuple[Decimal, tuple[str, ...]]:
    ctx = MONEY_CONTEXT
    price = spec.base
    words = [format_amount(spec.base)]
    for factor in spec.factors:
        if isinstance(factor, InputFactor):
            if account is None:
                raise LookupError  # compile-time: depends on input
            category = account.attributes.get(factor.input)
            if category is None or category == "":
                raise InputError(
                    f"{what}: the account must give {factor.input!r} (one of {', '.join(factor.values)})"
                )
            value = factor.values.get(category)
            if value is None:
                raise InputError(
                    f"{what}: {factor.input} {category!r} is not one of {', '.join(factor.values)}"
                )
            price = ctx.multiply(price, value)
            words.append(f"{format_amount(value)} ({factor.input} {category})")
        else:
            price = ctx.multiply(price, factor)
            words.append(format_amount(factor))
    note = " × ".join(words) + f" = {format_amount(price)}"
    if spec.rounding is not None:
        rounding = spec.rounding.to_rounding()
        rounded = rounding.apply(price)
        note += f", {rounding.describe()}: {format_amount(rounded)}"
        price = rounded
    return price, (f"unit price {note}",) if spec.factors or spec.rounding else ()


def _check_signs(spec: UnitPrice, path: tuple[str | int, ...], ctx: CompileContext) -> None:
    """A derived unit price's base and factors (each value of an input factor too) are never
    negative, whether or not the price can be worked out before billing."""
    if spec.base < 0:
        ctx.problem(
            (*path, "base"), f"base {spec.base} is negative; a reduction is written under 'reductions'"
        )
    for index, factor in enumerate(spec.factors):
        values = factor.values.items() if isinstance(factor, InputFactor) else [(None, factor)]
        for key, value in values:
            if value < 0:
                where = (*path, "factors", index) + (("values", key) if key is not None else ())
                ctx.problem(where, f"factor {value} is negative")


def _price(entry: PriceEntry) -> _Price:
    if entry == UNKNOWN:
        return _Price(None, True, None)
    if isinstance(entry, UnitPrice):
        try:
            fixed, _ = _derive(entry, None, "")
        except LookupError:
            return _Price(None, False, entry)
        return _Price(fixed, False, entry)
    return _Price(Decimal(entry), False, None)


class PerUnit(ChargeType):
    """A single unit price × usage, with an optional derived and rounded unit price."""

    name = "per_unit"
    spec = PerUnitSpec
    apportions_by_days = True

    def compile(self, spec: PerUnitSpec, ctx: CompileContext) -> CompiledCharge:
        default = _price(spec.rate) if spec.rate is not None else None
        per_class = {cls: _price(entry) for cls, entry in (spec.classes or {}).items()}
        class_hints(ctx, spec, per_class, default=default is not None)
        for cls in per_class:
            if cls not in ctx.version.use_classes:
                ctx.problem(("classes", cls), unknown_class(cls, ctx.version.use_classes))
        for path, price in [(("rate",), default), *((("classes", c), p) for c, p in per_class.items())]:
            if price is not None and price.fixed is not None and price.fixed < 0:
                ctx.problem(
                    path, f"unit price {price.fixed} is negative; a reduction is written under 'reductions'"
                )
            elif price is not None and price.spec is not None:
                _check_signs(price.spec, path, ctx)
        # A price derived from constants is computed here, once; keep its explanation too.
        cached_notes = {
            key: _derive(price.spec, None, "")[1]
            for key, price in [("", default), *per_class.items()]
            if price is not None and price.spec is not None and price.fixed is not None
        }
        name = ctx.label  # how errors name the charge

        def compute(bill: BillContext) -> Charged:
            cls = bill.account.use_class
            price = per_class.get(cls, default)
            what = f"{name} ({cls})"
            if price is None:
                raise NoRateError(f"{name} has no unit price for use class {cls!r}")
            usage = bill.usage
            if usage == 0:  # nothing to price: an unknown or input-dependent price is not needed
                return Charged(ZERO, rule=cls, quantity=usage, unit="m3")
            if price.fixed is not None:
                unit_price = price.fixed
                notes = cached_notes.get(cls if cls in per_class else "", ())
            else:
                unit_price, notes = price.resolve(bill, what)
            return Charged(
                MONEY_CONTEXT.multiply(usage, unit_price),
                rule=cls,
                quantity=usage,
                unit="m3",
                unit_price=unit_price,
                notes=notes,
            )

        def lean(account: Account, households: int, months: int) -> LeanCharge | None:
            """The charge at a unit price known before billing; ``None`` for a price that is
            unknown or depends on the account's inputs (``compute`` bills those)."""
            cls = account.use_class
            price = per_class.get(cls, default)
            if price is None or price.fixed is None:
                return None
            unit_price = price.fixed
            multiply = MONEY_CONTEXT.multiply

            def charge(usage: Decimal) -> LeanResult:
                if usage == 0:
                    return ZERO, cls, usage, "m3", None
                return multiply(usage, unit_price), cls, usage, "m3", unit_price

            return charge

        def kernel(account: Account, households: int, months: int) -> ChargeKernel | None:
            """``compute`` over a column of usages, at a unit price known before billing (as
            ``lean``)."""
            cls = account.use_class
            price = per_class.get(cls, default)
            if price is None or price.fixed is None:
                return None
            unit_price = price.fixed
            notes = cached_notes.get(cls if cls in per_class else "", ())

            def column(usage: Column, ops: KernelOps) -> KernelLine:
                zero = usage.eq(ZERO)  # nothing to price: no unit price, no notes
                index = ops.index([(zero, 1)], 0)
                return KernelLine(
                    ops.where(zero, ZERO, usage * unit_price),
                    Pick.one(cls),
                    usage,
                    "m3",
                    Pick((unit_price, None), index),
                    notes=Pick((notes, ()), index),
                )

            return column

        return with_kernel(with_lean(compute, lean), kernel)
