"""The ``owrs`` charge type: one line of a bill computed from an OWRS file, exactly.

This module holds what registering the type needs: its spec and the type itself. How a line
is computed is :mod:`tariffcore_owrs.billing`, read when a version of an OWRS file is
compiled, so that a run billing other rulesets does not load it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from tariffcore import (
    Account,
    BillContext,
    Charged,
    ChargeSpec,
    ChargeType,
    CompileContext,
    CompiledVersion,
    Reading,
)

if TYPE_CHECKING:
    from .billing import Classes

__all__ = ["OwrsCharge", "OwrsChargeSpec", "exact_values"]


class OwrsChargeSpec(ChargeSpec):
    """A charge read from an OWRS file (written by the OWRS loader, not by hand)."""

    field: str = Field(
        description="The OWRS field this line shows; 'bill' for the part of "
        "the bill formula beyond the lines above it."
    )
    unit: Literal["ccf", "kgal"] = Field(description="The file's bill_unit.")
    months: int = Field(ge=1, description="Months one bill covers (the file's bill_frequency).")
    frequency: str = Field(description="bill_frequency as the file writes it.")
    rate_structure: dict[str, Any] = Field(description="The file's rate_structure, as read.")
    classes: dict[str, str] = Field(description="Use class → the class as the file names it.")
    broken: dict[str, str] = Field(
        default_factory=dict, description="Use class → why it cannot be billed (file:line)."
    )


class OwrsCharge(ChargeType):
    """Computes one field of an OWRS class for one bill."""

    name = "owrs"
    spec = OwrsChargeSpec

    def __init__(self) -> None:
        # The classes of the versions compiled last, shared by all their charges.
        self._read: OrderedDict[int, tuple[Any, Classes]] = OrderedDict()

    def _classes(self, spec: OwrsChargeSpec, ctx: CompileContext) -> Classes:
        from .billing import Classes

        key = id(ctx.version)
        found = self._read.get(key)
        if found is None or found[0] is not ctx.version:
            found = (ctx.version, Classes(spec.rate_structure))
            self._read[key] = found
            while len(self._read) > 8:
                self._read.popitem(last=False)
        return found[1]

    def compile(self, spec: Any, ctx: CompileContext) -> Callable[[BillContext], Charged | None]:
        from .billing import compile_charge

        assert isinstance(spec, OwrsChargeSpec)
        return compile_charge(spec, ctx, self._classes(spec, ctx))


def exact_values(version: CompiledVersion, account: Account, reading: Reading) -> dict[str, Fraction]:
    """Every number the class of ``account`` evaluates to for ``reading`` under an OWRS
    ``version``, exactly (``bill`` included), before any rounding: what a bill's lines round.

    Raises :class:`~tariffcore.BillingError` as billing does.
    """
    from . import billing

    return billing.exact_values(version, account, reading)
