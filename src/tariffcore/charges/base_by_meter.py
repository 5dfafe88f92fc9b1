"""The base charge: a fixed amount by meter size, optionally by use class."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pydantic import Field, model_validator

from ..bill import Account
from ..errors import InputError, NoRateError, UnknownValueError
from ..format import (
    ChargeSpec,
    Number,
    Unknown,
)
from ..money import MONEY_CONTEXT
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
from .kernel import ChargeKernel, Column, KernelLine, KernelOps, constant_line, with_kernel
from .lean import LeanCharge, LeanResult, with_lean


class BaseByMeterSpec(ChargeSpec):
    """A fixed charge per month by meter diameter in mm (구경별 기본요금); × the months of
    the bill when the billing cycle states it per month.

    ``rates`` is one table for every class it applies to; ``classes`` gives a table per use
    class instead (``unknown`` for a class whose table is not known), for an ordinance that
    states the base charge of some classes only. Give exactly one.
    """

    rates: dict[int, Number | Unknown] | None = Field(
        default=None, min_length=1, description="Meter mm → charge, for every class."
    )
    classes: dict[str, dict[int, Number | Unknown] | Unknown] | None = Field(
        default=None, min_length=1, description="Use class → its own table (meter mm → charge), or unknown."
    )

    @model_validator(mode="after")
    def _one_form(self) -> BaseByMeterSpec:
        if (self.rates is None) == (self.classes is None):
            raise ValueError("give exactly one of 'rates' or 'classes'")
        return self


_MeterTable = dict[int, Decimal | None]


class BaseByMeter(ChargeType):
    """The fixed charge for the account's meter size (and, with ``classes``, its use class)."""

    name = "base_by_meter"
    spec = BaseByMeterSpec
    apportions_by_days = True

    def compile(self, spec: BaseByMeterSpec, ctx: CompileContext) -> CompiledCharge:
        tables: dict[str | None, _MeterTable | None] = {}
        if spec.rates is not None:
            tables[None] = self._table(spec.rates, ("rates",), ctx)
        else:
            assert spec.classes is not None
            declared = ctx.version.use_classes
            class_hints(ctx, spec, spec.classes)
            for cls, entry in spec.classes.items():
                if cls not in declared:
                    ctx.problem(("classes", cls), unknown_class(cls, declared))
                tables[cls] = self._table(entry, ("classes", cls), ctx) if isinstance(entry, dict) else None
        per_class = spec.classes is not None
        name = ctx.label  # how errors name the charge
        one = Decimal(1)

        def compute(bill: BillContext) -> Charged:
            cls = bill.account.use_class
            what = f"{name} ({cls})" if per_class else name
            key = cls if per_class else None
            if key not in tables:
                raise NoRateError(f"{name} has no base charge for use class {cls!r}")
            table = tables[key]
            if table is None:
                raise UnknownValueError(
                    f"{what}: the base charge of use class {cls!r} is unknown in the ordinance data"
                )
            mm = bill.account.meter_mm
            if mm is None:
                raise InputError(f"{name}: meter_mm is required")
            rate = table.get(mm)
            if rate is None:
                known = ", ".join(str(size) for size, value in sorted(table.items()) if value is not None)
                sizes = f"known sizes: {known} mm" if known else "no size's charge is known"
                raise UnknownValueError(
                    f"{what}: the charge for a {mm} mm meter is unknown in the ordinance data ({sizes})"
                )
            if bill.share is not None:  # this version's days of a split period
                part = MONEY_CONTEXT.multiply(bill.share.fixed, bill.months)
                return Charged(
                    MONEY_CONTEXT.multiply(rate, part),
                    rule=f"{mm}mm",
                    quantity=part,
                    unit="month",
                    unit_price=rate,
                )
            if bill.months != 1:  # a bill covering several months, the charge stated per month
                months = Decimal(bill.months)
                return Charged(
                    MONEY_CONTEXT.multiply(rate, months),
                    rule=f"{mm}mm",
                    quantity=months,
                    unit="month",
                    unit_price=rate,
                )
            return Charged(rate, rule=f"{mm}mm", quantity=one, unit="month", unit_price=rate)

        def fixed(account: Account, months: int) -> Charged | None:
            """The charge of one meter for ``months``, the same for every usage (what
            ``compute`` gives without a split period); ``None`` where ``compute`` raises."""
            key = account.use_class if per_class else None
            table = tables.get(key)
            mm = account.meter_mm
            rate = table.get(mm) if table is not None and mm is not None else None
            if rate is None:
                return None
            quantity = Decimal(months) if months != 1 else one
            amount = MONEY_CONTEXT.multiply(rate, quantity) if months != 1 else rate
            return Charged(amount, rule=f"{mm}mm", quantity=quantity, unit="month", unit_price=rate)

        def lean(account: Account, households: int, months: int) -> LeanCharge | None:
            """The charge of one meter as a lean charge: one result for every usage."""
            charged = fixed(account, months)
            if charged is None:
                return None
            result: LeanResult = (charged.amount, charged.rule, charged.quantity, "month", charged.unit_price)
            return lambda usage: result

        def kernel(account: Account, households: int, months: int) -> ChargeKernel | None:
            """The charge of one meter over a column of usages: the same on every row."""
            charged = fixed(account, months)
            if charged is None:
                return None

            def column(usage: Column, ops: KernelOps) -> KernelLine:
                return constant_line(ops, charged)

            return column

        return with_kernel(with_lean(compute, lean), kernel)

    @staticmethod
    def _table(
        rates: Mapping[int, Decimal | str], path: tuple[str | int, ...], ctx: CompileContext
    ) -> _MeterTable:
        table: _MeterTable = {mm: known_value(value) for mm, value in rates.items()}
        for mm, value in table.items():
            if mm <= 0:
                ctx.problem((*path, mm), f"meter size {mm} mm must be positive")
            if value is not None and value < 0:
                ctx.problem(
                    (*path, mm),
                    f"the charge for a {mm} mm meter, {value}, is negative; "
                    "a reduction is written under 'reductions'",
                )
        return table
