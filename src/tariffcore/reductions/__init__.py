"""Reductions (감면) as ruleset data: the types, and how a bill applies them.

A version lists the reductions its ordinance grants under ``reductions:``; an account names
the ids it qualifies for (input column ``reductions``, ids separated by ``;``). Each reduction
of each charge it touches becomes its own negative line, charge id ``<charge>_reduction``
(``water_reduction``), so the gross charge stays visible and the total is still the sum of
the lines. A reduction line carries its rule, version and sources like any other line::

    reductions:
      multi_child:
        type: volume_allowance        # N m³ per month free of the named charges
        label: 다자녀 감면
        source: city-notice
        volume: 15
        charges: [water]
      source_protection:
        type: percentage              # a share of the named charges, by use class
        label: 상수원보호구역 감면
        source: reduction-ordinance
        percent: {household: 20, general: 10}
        charges: [water]
        exclusive: true               # not combinable with any other reduction

Built-in types:

* ``volume_allowance`` — ``volume`` m³ per month (× the months of the bill; × the households
  behind the meter when ``per_household``) free of each named charge. The free volume is
  valued at the charge's own rates for the *first* m³ of the bill: the reduction equals what
  the charge would be for ``min(usage, allowance)`` m³. Ordinances word it as "the water
  charge of 15 t" or "up to 10 t of water, sewer and levy": the charge for
  that volume, never more than the usage.
* ``percentage`` — ``percent`` of each named charge's billed line (one figure, or one per
  use class).
* ``unknown`` — the ordinance grants the reduction but the data does not give its amount; a
  bill naming it fails with ``unknown_value``, naming the reduction.

A reduction line is rounded by the reduction's ``rounding`` (else the reduced charge's line
rounding), applied to the size of the reduction, and never exceeds the gross line. Two
reductions on one charge are refused (``reduction_conflict``): no ordinance in the data says
how they combine. ``exclusive`` refuses any other reduction on the same bill. Plug-ins add
types through the ``tariffcore_reduction_types`` hook.
"""

from __future__ import annotations

from .builtin import PercentageReduction, UnknownReduction, VolumeAllowance
from .contract import (
    CompiledReduction,
    Reduced,
    ReductionCompileContext,
    ReductionContext,
    ReductionSpec,
    ReductionType,
    check_claims,
    combine_guard,
    reduction_line_id,
)

__all__ = [
    "BUILTIN_REDUCTION_TYPES",
    "CompiledReduction",
    "PercentageReduction",
    "Reduced",
    "ReductionCompileContext",
    "ReductionContext",
    "ReductionSpec",
    "ReductionType",
    "UnknownReduction",
    "VolumeAllowance",
    "check_claims",
    "combine_guard",
    "reduction_line_id",
]

#: The reduction types tariffcore ships, registered by :mod:`tariffcore.plugins.builtin`.
BUILTIN_REDUCTION_TYPES: tuple[ReductionType, ...] = (
    VolumeAllowance(),
    PercentageReduction(),
    UnknownReduction(),
)
