"""Block tiers as Korean ordinances write them: inclusive integer ranges of m³.

"1–20 m³: 650, 21–30: 810, 31+: 1,030" is written in a ruleset as::

    [{upto: 20, rate: 650}, {upto: 30, rate: 810}, {rate: 1030}]

Each tier covers usage above the previous tier's ``upto`` up to and including its own, so
fractional usage falls where it should (20.5 m³ is in the second tier). Graduated billing
charges each slice at its own tier's rate; volume billing charges all usage at the rate of the
tier the usage falls in. Tier widths may be multiplied by the number of households behind the
meter (가구분할), and by the months a bill covers when the ruleset states them per month
(a bimonthly bill has tiers twice as wide); the remainder then falls in the top tier. When a
period is split between ordinance versions by days, each part's bounds are that part's share
of them (``scale``, see :mod:`tariffcore.periods`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..bill import TierSlice
from ..errors import UnknownValueError
from ..money import MONEY_CONTEXT, ZERO, format_amount
from .kernel import Column, KernelOps, KernelSlice, Mask
from .lean import LeanFallback

__all__ = ["ColumnCut", "Cut", "Tier", "TierTable"]


#: A lean cut of usage (see :meth:`TierTable.lean`): usage → (amount, slices, rate of the first slice).
Cut = Callable[[Decimal], tuple[Decimal, int, Decimal | None]]

#: A cut of a column of usages (see :meth:`TierTable.kernel`): (usage, operations) →
#: (amount, slices, rows left to the compiled function).
ColumnCut = Callable[[Column, KernelOps], tuple[Column, list[KernelSlice], Mask]]

#: A function giving a split part's share of a tier bound (see :class:`tariffcore.periods.DayShare`).
Scale = Callable[[Decimal], Decimal]


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier: inclusive upper bound in m³ (``None`` for the open top tier) and its rate.

    ``rate`` is ``None`` when the ordinance data does not know it; ``upper_unknown`` is set when
    the tier's end is unknown. Either fails a bill only if the usage reaches that far.
    """

    upper: Decimal | None
    rate: Decimal | None
    upper_unknown: bool = False


def _span(tier_no: int, lower: Decimal, upper: Decimal | None) -> str:
    first = format_amount(lower + 1) if lower == lower.to_integral_value() else f"over {format_amount(lower)}"
    if upper is None:
        return f"tier {tier_no} ({first}+ m³)"
    return f"tier {tier_no} ({first}–{format_amount(upper)} m³)"


@dataclass(frozen=True, slots=True)
class TierTable:
    """A use class's tiers for one charge, compiled for billing."""

    tiers: tuple[Tier, ...]
    scale_by_households: bool = False

    def bounds(self, households: int, months: int = 1) -> list[Decimal | None]:
        """Upper bounds after scaling by households and months."""
        factor = (households if self.scale_by_households else 1) * months
        return [None if t.upper is None else t.upper * factor for t in self.tiers]

    def graduated(
        self,
        usage: Decimal,
        households: int,
        use_class: str,
        what: str,
        scale: Scale | None = None,
        months: int = 1,
    ) -> list[TierSlice]:
        """Slices of ``usage``, each at its own tier's rate.

        ``scale`` maps a (household-scaled) bound to this part's share of it when a period is
        split by days; a bound is never put below the one before it. ``months`` multiplies
        the widths for a bill covering several months.
        """
        factor = (households if self.scale_by_households else 1) * months
        ctx = MONEY_CONTEXT
        slices: list[TierSlice] = []
        lower = ZERO
        for number, tier in enumerate(self.tiers, start=1):
            if usage <= lower:
                break
            upper = None if tier.upper is None else ctx.multiply(tier.upper, factor)
            if upper is not None and scale is not None:
                upper = max(scale(upper), lower)
            if tier.upper_unknown:
                raise UnknownValueError(
                    f"{what}: where tier {number} (from {format_amount(lower + 1)} m³) ends is "
                    f"unknown in the ordinance data, and the usage "
                    f"{format_amount(usage)} m³ goes past its start"
                )
            quantity = ctx.subtract(usage if upper is None or usage <= upper else upper, lower)
            if tier.rate is None:
                raise UnknownValueError(
                    f"{what}: the rate of {_span(number, lower, upper)} is unknown in the "
                    f"ordinance data, and the usage {format_amount(usage)} m³ reaches it"
                )
            slices.append(
                TierSlice(
                    number, lower, upper, quantity, tier.rate, ctx.multiply(quantity, tier.rate), use_class
                )
            )
            if upper is None:
                break
            lower = upper
        return slices

    def volume(
        self,
        usage: Decimal,
        households: int,
        use_class: str,
        what: str,
        scale: Scale | None = None,
        months: int = 1,
    ) -> list[TierSlice]:
        """One slice: all of ``usage`` at the rate of the tier it falls in (whole-block).

        Zero usage falls in no block and costs nothing, whatever the table knows.
        """
        if usage == 0:
            return []
        factor = (households if self.scale_by_households else 1) * months
        ctx = MONEY_CONTEXT
        lower = ZERO
        for number, tier in enumerate(self.tiers, start=1):
            if tier.upper_unknown:
                raise UnknownValueError(
                    f"{what}: where tier {number} ends is unknown in the ordinance data, so "
                    f"the block for {format_amount(usage)} m³ cannot be found"
                )
            upper = None if tier.upper is None else ctx.multiply(tier.upper, factor)
            if upper is not None and scale is not None:
                upper = max(scale(upper), lower)
            if upper is None or usage <= upper:
                if tier.rate is None:
                    raise UnknownValueError(
                        f"{what}: the rate of {_span(number, lower, upper)} is unknown in the "
                        f"ordinance data, and the usage {format_amount(usage)} m³ falls in it"
                    )
                return [
                    TierSlice(
                        number, lower, upper, usage, tier.rate, ctx.multiply(usage, tier.rate), use_class
                    )
                ]
            lower = upper
        raise AssertionError("a tier table always ends with an open tier")  # pragma: no cover

    def single_rate(self) -> Decimal | None:
        """The rate of a table of one open tier whose rate is known (all usage at one rate,
        however the table is cut); ``None`` for any other table."""
        if len(self.tiers) != 1:
            return None
        tier = self.tiers[0]
        return tier.rate if tier.upper is None and not tier.upper_unknown else None

    def lean(self, households: int, months: int, graduated: bool) -> Cut:
        """What :meth:`graduated` (or :meth:`volume`) computes of a usage without a split
        period, as ``(amount, number of slices, rate of the first slice)``: the sum of the
        slices' amounts (from zero, in the same operations), without making the slices. A
        usage that reaches an unknown rate or bound raises
        :class:`~tariffcore.charges.LeanFallback`, for :meth:`graduated` to say why."""
        factor = (households if self.scale_by_households else 1) * months
        ctx = MONEY_CONTEXT
        add, subtract, multiply = ctx.add, ctx.subtract, ctx.multiply
        tiers = tuple(
            (None if t.upper is None else multiply(t.upper, factor), t.rate, t.upper_unknown)
            for t in self.tiers
        )

        def cut_graduated(usage: Decimal) -> tuple[Decimal, int, Decimal | None]:
            amount = lower = ZERO
            count = 0
            first = None
            for upper, rate, unknown in tiers:
                if usage <= lower:
                    break
                if unknown or rate is None:
                    raise LeanFallback
                amount = add(
                    amount,
                    multiply(subtract(usage if upper is None or usage <= upper else upper, lower), rate),
                )
                count += 1
                if count == 1:
                    first = rate
                if upper is None:
                    break
                lower = upper
            return amount, count, first

        def cut_volume(usage: Decimal) -> tuple[Decimal, int, Decimal | None]:
            if usage == 0:
                return ZERO, 0, None
            for upper, rate, unknown in tiers:
                if unknown:
                    raise LeanFallback
                if upper is None or usage <= upper:
                    if rate is None:
                        raise LeanFallback
                    return add(ZERO, multiply(usage, rate)), 1, rate
            raise AssertionError("a tier table always ends with an open tier")  # pragma: no cover

        return cut_graduated if graduated else cut_volume

    def kernel(self, households: int, months: int, graduated: bool, use_class: str) -> ColumnCut:
        """What :meth:`graduated` (or :meth:`volume`) computes of each usage of a column
        without a split period: ``(amount, slices, rows that reach an unknown rate or bound)``,
        in the same decimal operations (see :mod:`tariffcore.charges.kernel`)."""
        factor = (households if self.scale_by_households else 1) * months
        multiply = MONEY_CONTEXT.multiply
        tiers = tuple(
            (None if t.upper is None else multiply(t.upper, factor), t.rate, t.upper_unknown)
            for t in self.tiers
        )

        def cut_graduated(usage: Column, ops: KernelOps) -> tuple[Column, list[KernelSlice], Mask]:
            amount = ops.const(ZERO)
            lower = ZERO
            slices: list[KernelSlice] = []
            fail = ops.every(False)
            for number, (upper, rate, unknown) in enumerate(tiers, start=1):
                reach = usage.gt(lower)
                if unknown or rate is None:
                    fail = fail | reach  # the rows that go past this tier's start
                    break
                chosen = usage if upper is None else ops.where(usage.le(upper), usage, upper)
                quantity = chosen - lower
                part = quantity * rate
                amount = ops.where(reach, amount + part, amount)
                slices.append(KernelSlice(reach, number, use_class, lower, upper, quantity, rate, part))
                if upper is None:
                    break
                lower = upper
            return amount, slices, fail

        def cut_volume(usage: Column, ops: KernelOps) -> tuple[Column, list[KernelSlice], Mask]:
            amount = ops.const(ZERO)
            lower = ZERO
            slices: list[KernelSlice] = []
            fail = ops.every(False)
            pending = usage.gt(ZERO)  # zero usage falls in no block
            for number, (upper, rate, unknown) in enumerate(tiers, start=1):
                if unknown:
                    fail = fail | pending
                    break
                block = pending if upper is None else pending & usage.le(upper)
                if rate is None:
                    fail = fail | block
                else:
                    part = usage * rate
                    amount = ops.where(block, amount + part, amount)
                    slices.append(KernelSlice(block, number, use_class, lower, upper, usage, rate, part))
                if upper is None:
                    break
                pending = pending & ~block
                lower = upper
            return amount, slices, fail

        return cut_graduated if graduated else cut_volume
