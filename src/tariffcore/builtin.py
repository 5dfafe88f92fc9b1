"""The built-in plug-in: registers tariffcore's own charge types through the public hook."""

from __future__ import annotations

from .charges import BUILTIN_CHARGE_TYPES, ChargeType
from .hookspecs import hookimpl


@hookimpl
def tariffcore_charge_types() -> tuple[ChargeType, ...]:
    """graduated, volume, per_unit and base_by_meter."""
    return BUILTIN_CHARGE_TYPES
