"""Charges: the charge-type contract, and the charge types tariffcore ships.

A charge type turns one charge entry of a ruleset (validated by its ``spec`` model) into a
compiled function that, given a :class:`BillContext`, returns a :class:`Charged` amount, or
``None`` when the charge does not apply to the account. The engine adds the label, rounding,
rule name and sources, so a charge type only computes.

The built-in types (``graduated``, ``volume``, ``per_unit``, ``base_by_meter``) are registered
through the same ``tariffcore_charge_types`` hook as any third-party type (see
:mod:`tariffcore.plugins`).
"""

from __future__ import annotations

from .base_by_meter import BaseByMeter, BaseByMeterSpec
from .contract import (
    HINT_KINDS,
    BillContext,
    Charged,
    ChargeType,
    CompileContext,
    CompiledCharge,
    class_hints,
    known_value,
    unknown_class,
)
from .kernel import (
    ChargeKernel,
    Column,
    KernelLine,
    KernelOps,
    KernelSlice,
    KernelSpecialise,
    Mask,
    Pick,
    constant_line,
    kernel_of,
    single_rate,
    with_kernel,
)
from .lean import LeanCharge, LeanFallback, LeanResult, Specialise, lean_of, with_lean
from .per_unit import PerUnit, PerUnitSpec, UnitPrice
from .tiered import Graduated, TieredSpec, Volume

__all__ = [
    "BUILTIN_CHARGE_TYPES",
    "HINT_KINDS",
    "BaseByMeter",
    "BaseByMeterSpec",
    "BillContext",
    "ChargeKernel",
    "Column",
    "KernelLine",
    "KernelOps",
    "KernelSlice",
    "KernelSpecialise",
    "Mask",
    "Pick",
    "constant_line",
    "kernel_of",
    "single_rate",
    "with_kernel",
    "ChargeType",
    "Charged",
    "CompileContext",
    "CompiledCharge",
    "Graduated",
    "LeanCharge",
    "LeanFallback",
    "LeanResult",
    "PerUnit",
    "PerUnitSpec",
    "Specialise",
    "TieredSpec",
    "UnitPrice",
    "Volume",
    "class_hints",
    "known_value",
    "lean_of",
    "unknown_class",
    "with_lean",
]

#: The charge types tariffcore ships, registered by :mod:`tariffcore.plugins.builtin`.
BUILTIN_CHARGE_TYPES: tuple[ChargeType, ...] = (Graduated(), Volume(), PerUnit(), BaseByMeter())
