"""Charge types: the base class plug-ins subclass, and the built-in types.

A charge type turns one charge entry of a ruleset (validated by its ``spec`` model) into a
compiled function that, given a :class:`BillContext`, returns a :class:`Charged` amount, or
``None`` when the charge does not apply to the account. The engine adds the label, rounding,
rule name and sources, so a charge type only computes.

The built-in types are registered through the same ``tariffcore_charge_types`` hook as any
third-party type (see :mod:`tariffcore.builtin`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator


from .bill import Account, BillLine, Reading, TierSlice
from .errors import InputError, NotApplicableError, UnknownValueError
from .model import UNKNOWN, ChargeSpec, FrozenModel, Number, RoundingSpec, RulesetVersion
from .money import MONEY_CONTEXT, Rounding, format_amount
from .periods import DayShare
from .tiers import Tier, TierTable
from .validation import did_you_mean

__all__ = [
    "BaseByMeter",
    "BillContext",
    "ChargeType",
    "Charged",
    "CompileContext",
    "CompiledCharge",
    "Graduated",
    "PerUnit",
    "Volume",
]

_ZERO = Decimal(0)
Unknown = Literal["unknown"]


# --------------------------------------------------------------------------- the contract


@dataclass(frozen=True, slots=True)
class BillContext:
    """What a compiled charge sees when billing one account.

    ``households`` is already resolved (the account's ``household_units`` or its use class's
    default); ``lines`` holds the lines computed so far, in ruleset order, so a charge can
    depend on earlier ones; ``version`` is the ``id@version`` label for messages. ``months``
    is the number of months the bill covers when the ruleset states this charge per month
    (its billing cycle's ``per_month``), else 1: tier widths, allowances and fixed amounts are
    multiplied by it.

    ``share`` is set when the period is split between versions by days (``split_by_days``):
    the reading then holds this part's days and its share of the usage, and a charge bills
    ``share.m3(bound)`` of each tier bound or allowance and ``share.fixed`` of a fixed amount.
    Only charge types whose ``apportions_by_days`` is true are billed in parts.
    """

    account: Account
    reading: Reading
    households: int
    version: str
    lines: tuple[BillLine, ...] = ()
    share: DayShare | None = None
    months: int = 1

    @property
    def usage(self) -> Decimal:
        return self.reading.usage_m3


@dataclass(frozen=True, slots=True)
class Charged:
    """What a charge type computes for one account, before the engine rounds and labels it.

    ``rule`` is appended to the charge id to name the rule on the bill (``general`` gives
    ``water.general``).
    """

    amount: Decimal
    rule: str = ""
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    slices: tuple[TierSlice, ...] = ()
    notes: tuple[str, ...] = ()


CompiledCharge = Callable[[BillContext], "Charged | None"]


@dataclass
class CompileContext:
    """Handed to :meth:`ChargeType.compile`: the version, the charge id, its raw YAML data,
    and a list to report problems into (each at a path inside the charge entry)."""

    version: RulesetVersion
    charge_id: str
    raw: Mapping[str, Any]
    problems: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        """Report a problem at ``path`` inside this charge's entry (mapped to file:line)."""
        self.problems.append((path, message))

    @property
    def label(self) -> str:
        return f"{self.version.label} {self.charge_id}"


class ChargeType(ABC):
    """Base class of a charge type.

    Subclasses set ``name`` (the ``type:`` value rule authors write) and ``spec`` (a pydantic
    model deriving :class:`~tariffcore.model.ChargeSpec` that validates the entry), and
    implement :meth:`compile`. Compilation runs once per ruleset version; the returned function
    runs once per bill and must be pure.
    """

    name: ClassVar[str]
    spec: ClassVar[type[ChargeSpec]]
    #: Whether :meth:`compile`'s function bills a part of a split period correctly from
    #: ``BillContext.share`` (fixed amounts and per-period quantities scaled by it). A type
    #: that leaves this false cannot be used where a ruleset splits periods by days.
    apportions_by_days: ClassVar[bool] = False

    @abstractmethod
    def compile(self, spec: Any, ctx: CompileContext) -> CompiledCharge:
        """Check ``spec`` against the version (report problems via ``ctx.problem``) and return
        the function that computes this charge for one account."""


# --------------------------------------------------------------------------- tiered charges


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
    rate: Number | Unknown | None = Field(default=None, description="One rate per m³ for the whole allowance.")

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
    BeforeValidator(_rate_shorthand,
                    json_schema_input_type=Number | Unknown | list[TierSpec] | ClassRates),
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
    return TierSlice(1, _ZERO, allowed, allowed, plan.rate,
                     MONEY_CONTEXT.multiply(allowed, plan.rate), "allowance")


def _unknown_or(value: Decimal | str | None) -> Decimal | None:
    return None if value == UNKNOWN or value is None else Decimal(value)


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
                raise NotApplicableError(f"{name} has no rate for use class {cls!r}")
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
                        slices += cut(extra.table, allowed, households, extra.billed_as, what,
                                      scale, months)
                        rule = f"{cls}+{extra.billed_as}-allowance"
                    else:
                        slices.append(_flat_allowance(extra, allowed, what))
                        rule = f"{cls}+allowance"
                usage = MONEY_CONTEXT.subtract(usage, allowed)
            slices += cut(plan.table, usage, households, cls, what, scale, months)
            amount = _ZERO
            for piece in slices:
                amount = MONEY_CONTEXT.add(amount, piece.amount)
            single = slices[0].rate if len(slices) == 1 else None
            return Charged(amount, rule=rule, quantity=bill.usage, unit="m3",
                           unit_price=single, slices=tuple(slices))

        return compute

    def _plans(self, spec: TieredSpec, ctx: CompileContext) -> dict[str, _ClassPlan]:
        tables: dict[str, TierTable] = {}
        classes = spec.classes
        declared = ctx.version.use_classes
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
                    flat = _unknown_or(rule.rate)
                    if flat is not None and flat < 0:
                        ctx.problem(("classes", cls, "allowance", "rate"),
                                    f"allowance rate {rule.rate} must not be negative")
                        continue
                    allowance = _AllowancePlan(rule.per_household, None, None, flat)
                elif rule.billed_as not in tables:
                    ctx.problem(("classes", cls, "allowance", "billed_as"),
                                f"allowance billed as {rule.billed_as!r}, which has no rates in this charge")
                    continue
                else:
                    allowance = _AllowancePlan(rule.per_household, rule.billed_as,
                                               tables[rule.billed_as], None)
            plans[cls] = _ClassPlan(table, allowance)
        return plans

    def _table(self, cls: str, entry: ClassRates, classes: Mapping[str, ClassRates],
               ctx: CompileContext) -> TierTable | None:
        if entry.same_as is not None:
            target = classes.get(entry.same_as)
            if target is None or target.same_as is not None:
                ctx.problem(("classes", cls, "same_as"),
                            f"same_as {entry.same_as!r} must name a class of this charge "
                            "that has its own rates")
                return None
            if entry.tier is None:
                return self._table(entry.same_as, target, classes, ctx)
            base = self._table(entry.same_as, target, classes, ctx)
            if base is None:
                return None
            if entry.tier > len(base.tiers):
                ctx.problem(("classes", cls, "tier"),
                            f"{entry.same_as!r} has {len(base.tiers)} tier(s), not {entry.tier}")
                return None
            return TierTable((Tier(None, base.tiers[entry.tier - 1].rate),))
        if entry.rate is not None:
            return TierTable((Tier(None, _unknown_or(entry.rate)),), entry.scale_by_households)
        assert entry.tiers is not None
        path = _tiers_path(ctx.raw, cls)
        tiers: list[Tier] = []
        previous: Decimal | None = None
        for index, spec in enumerate(entry.tiers):
            last = index == len(entry.tiers) - 1
            if spec.upto is None and not last:
                ctx.problem((*path, index), "only the top tier may leave out 'upto'")
            if last and spec.upto is not None:
                ctx.problem((*path, index, "upto"),
                            f"the top tier must be open (leave out 'upto'); write usage above "
                            f"{spec.upto} as another tier, with rate 'unknown' if it is not known")
            upto = _unknown_or(spec.upto) if spec.upto is not None else None
            if upto is not None:
                if upto <= 0:
                    ctx.problem((*path, index, "upto"), f"tier 'upto' {spec.upto} must be above 0")
                elif previous is not None and upto <= previous:
                    relation = "is below" if upto < previous else "is the same as"
                    ctx.problem((*path, index, "upto"),
                                f"tier 'upto' {format_amount(upto)} {relation} the previous "
                                f"tier's {format_amount(previous)}; each tier must end above "
                                "the one before")
                previous = upto
            rate = _unknown_or(spec.rate)
            if rate is not None and rate < 0:
                ctx.problem((*path, index, "rate"), f"rate {spec.rate} is negative")
            tiers.append(Tier(upto, rate, upper_unknown=spec.upto == UNKNOWN))
        return TierTable(tuple(tiers), entry.scale_by_households)


class Graduated(_Tiered):
    """Graduated block tiers (누진): each slice of usage at its own tier's rate."""

    name = "graduated"
    method = "graduated"


class Volume(_Tiered):
    """Volume (whole-block) tiers: all usage at the rate of the block it falls in."""

    name = "volume"
    method = "volume"


# --------------------------------------------------------------------------- per-unit charges


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
                raise InputError(f"{what}: the account must give {factor.input!r} "
                                 f"(one of {', '.join(factor.values)})")
            value = factor.values.get(category)
            if value is None:
                raise InputError(f"{what}: {factor.input} {category!r} is not one of "
                                 f"{', '.join(factor.values)}")
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
        for cls in per_class:
            if cls not in ctx.version.use_classes:
                ctx.problem(("classes", cls), unknown_class(cls, ctx.version.use_classes))
        for path, price in [(("rate",), default), *((("classes", c), p) for c, p in per_class.items())]:
            if price is not None and price.fixed is not None and price.fixed < 0:
                ctx.problem(path, f"unit price {price.fixed} is negative; a reduction is written "
                            "under 'reductions'")
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
                raise NotApplicableError(f"{name} has no unit price for use class {cls!r}")
            usage = bill.usage
            if usage == 0:  # nothing to price: an unknown or input-dependent price is not needed
                return Charged(_ZERO, rule=cls, quantity=usage, unit="m3")
            if price.fixed is not None:
                unit_price = price.fixed
                notes = cached_notes.get(cls if cls in per_class else "", ())
            else:
                unit_price, notes = price.resolve(bill, what)
            return Charged(MONEY_CONTEXT.multiply(usage, unit_price), rule=cls, quantity=usage,
                           unit="m3", unit_price=unit_price, notes=notes)

        return compute


# --------------------------------------------------------------------------- base charge


class BaseByMeterSpec(ChargeSpec):
    """A fixed charge per month by meter diameter in mm (구경별 기본요금); × the months of
    the bill when the billing cycle states it per month.

    ``rates`` is one table for every class it applies to; ``classes`` gives a table per use
    class instead (``unknown`` for a class whose table is not known), for an ordinance that
    states the base charge of some classes only. Give exactly one.
    """

    rates: dict[int, Number | Unknown] | None = Field(
        default=None, min_length=1, description="Meter mm → charge, for every class.")
    classes: dict[str, dict[int, Number | Unknown] | Unknown] | None = Field(
        default=None, min_length=1,
        description="Use class → its own table (meter mm → charge), or unknown.")

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
                raise NotApplicableError(f"{name} has no base charge for use class {cls!r}")
            table = tables[key]
            if table is None:
                raise UnknownValueError(
                    f"{what}: the base charge of use class {cls!r} is unknown in the ordinance data")
            mm = bill.account.meter_mm
            if mm is None:
                raise InputError(f"{name}: meter_mm is required")
            rate = table.get(mm)
            if rate is None:
                known = ", ".join(str(size) for size, value in sorted(table.items()) if value is not None)
                raise UnknownValueError(
                    f"{what}: the charge for a {mm} mm meter is unknown in "
                    f"the ordinance data (known sizes: {known or 'none'} mm)"
                )
            if bill.share is not None:  # this version's days of a split period
                part = MONEY_CONTEXT.multiply(bill.share.fixed, bill.months)
                return Charged(MONEY_CONTEXT.multiply(rate, part), rule=f"{mm}mm", quantity=part,
                               unit="month", unit_price=rate)
            if bill.months != 1:  # a bill covering several months, the charge stated per month
                months = Decimal(bill.months)
                return Charged(MONEY_CONTEXT.multiply(rate, months), rule=f"{mm}mm",
                               quantity=months, unit="month", unit_price=rate)
            return Charged(rate, rule=f"{mm}mm", quantity=one, unit="month", unit_price=rate)

        return compute

    @staticmethod
    def _table(rates: Mapping[int, Decimal | str], path: tuple[str | int, ...],
               ctx: CompileContext) -> _MeterTable:
        table: _MeterTable = {mm: _unknown_or(value) for mm, value in rates.items()}
        for mm, value in table.items():
            if mm <= 0:
                ctx.problem((*path, mm), f"meter size {mm} mm must be positive")
            if value is not None and value < 0:
                ctx.problem((*path, mm), f"the charge for a {mm} mm meter, {value}, is negative; "
                            "a reduction is written under 'reductions'")
        return table


def unknown_class(cls: str, declared: Mapping[str, Any]) -> str:
    """The problem of a use class ``cls`` that the version does not declare."""
    return f"unknown use class {cls!r}{did_you_mean(cls, declared)}; declare it under use_classes"


#: The charge types tariffcore ships, registered by :mod:`tariffcore.builtin`.
BUILTIN_CHARGE_TYPES: tuple[ChargeType, ...] = (Graduated(), Volume(), PerUnit(), BaseByMeter())


def rounding_of(spec: ChargeSpec, version: RulesetVersion) -> Rounding | None:
    """The rounding a charge's line gets: its own, else the version's, else none."""
    if spec.rounding == "none":
        return None
    chosen = spec.rounding if isinstance(spec.rounding, RoundingSpec) else version.rounding
    return chosen.to_rounding() if chosen is not None else None
