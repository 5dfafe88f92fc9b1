"""The built-in plug-in: registers tariffcore's own charge and reduction types through the
public hooks."""

from __future__ import annotations

from ..charges import BUILTIN_CHARGE_TYPES, ChargeType
from ..reductions import BUILTIN_REDUCTION_TYPES, ReductionType
from .hookspecs import hookimpl


@hookimpl
def tariffcore_charge_types() -> tuple[ChargeType, ...]:
    """graduated, volume, per_unit and base_by_meter."""
    return BUILTIN_CHARGE_TYPES


@hookimpl
def tariffcore_reduction_types() -> tuple[ReductionType, ...]:
    """volume_allowance, percentage and unknown."""
    return BUILTIN_REDUCTION_TYPES
