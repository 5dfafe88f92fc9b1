"""An example tariffcore plug-in: a new charge type without touching tariffcore itself.

Some utilities bill a charge as a percentage of other charges on the same bill (a sewer
charge at 80 % of the water charge, a surcharge of 10 % on water and sewer). tariffcore has no
such built-in type; this plug-in adds one, ``percent_of``, and ships a demonstration ruleset
that uses it. Install it (``pip install examples/percent-charge-plugin``) and the type and the
ruleset appear in ``tariffcore rulesets``, with no change to tariffcore.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field

from tariffcore import (
    BillContext,
    Charged,
    ChargeSpec,
    ChargeType,
    CompileContext,
    Number,
    hookimpl,
)


class PercentOfSpec(ChargeSpec):
    """``percent`` of the sum of the lines named in ``of`` (computed earlier on the bill)."""

    of: list[str] = Field(min_length=1, description="Charge ids the percentage applies to.")
    percent: Number = Field(ge=0, description="The percentage, e.g. 80 for 80 %.")


class PercentOf(ChargeType):
    """A charge equal to a percentage of earlier charges on the same bill."""

    name = "percent_of"
    spec = PercentOfSpec

    def compile(self, spec: PercentOfSpec, ctx: CompileContext):  # type: ignore[no-untyped-def]
        order = list(ctx.version.charges)
        for charge_id in spec.of:
            if charge_id not in order or order.index(charge_id) >= order.index(ctx.charge_id):
                ctx.problem(("of",), f"{charge_id!r} must be a charge listed before {ctx.charge_id!r}")
        rate = spec.percent / Decimal(100)
        wanted = frozenset(spec.of)

        def compute(bill: BillContext) -> Charged:
            base = sum((line.amount for line in bill.lines if line.charge in wanted), Decimal(0))
            return Charged(
                base * rate,
                rule=f"{spec.percent}% of {'+'.join(spec.of)}",
                quantity=base,
                unit="KRW",
                unit_price=rate,
            )

        return compute


@hookimpl
def tariffcore_charge_types() -> list[ChargeType]:
    return [PercentOf()]


@hookimpl
def tariffcore_ruleset_paths() -> list[Path]:
    return [Path(__file__).resolve().parent / "rulesets"]
