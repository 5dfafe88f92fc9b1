"""A bill plan: which version bills each charge of one bill, decided before anything is computed.

Version selection (:meth:`tariffcore.Ruleset.bill`) makes a :class:`BillPlan`; billing
(:func:`tariffcore.engine.billing.bill`) carries it out. The plan names versions through
:class:`Version`, what billing reads of a :class:`~tariffcore.engine.version.CompiledVersion`,
and holds the compiled entries of charges and reductions that compiling a version produces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal, Protocol

from ..bill import Account, NotIncluded, Reading, SourceRef
from ..charges import CompiledCharge
from ..format import RulesetVersion
from ..money import Rounding
from ..periods import DayShare
from ..reductions import CompiledReduction, ReductionSpec

__all__ = ["BillPlan", "ChargeEntry", "PeriodPart", "PlannedCharge", "ReductionEntry", "Version"]


@dataclass(frozen=True, slots=True)
class ChargeEntry:
    """One charge of a version, compiled: its function, rounding, sources and who provides it."""

    id: str
    label: str
    compute: CompiledCharge
    rounding: Rounding | None
    sources: tuple[SourceRef, ...]
    applies_to: frozenset[str] | None
    plugin: str
    basis: str
    apportions: bool = False


@dataclass(frozen=True, slots=True)
class ReductionEntry:
    """One reduction of a version, compiled."""

    id: str
    spec: ReductionSpec
    compute: CompiledReduction
    rounding: Rounding | None | Literal["charge"]  # "charge": the reduced charge's rounding
    sources: tuple[SourceRef, ...]
    plugin: str
    basis: str


class Version(Protocol):
    """What billing reads of a compiled version (:class:`~tariffcore.engine.version.CompiledVersion`)."""

    @property
    def spec(self) -> RulesetVersion: ...

    @property
    def label(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def charges(self) -> tuple[ChargeEntry, ...]: ...

    @property
    def reductions(self) -> tuple[ReductionEntry, ...]: ...

    @property
    def not_included(self) -> tuple[NotIncluded, ...]: ...

    @property
    def per_month(self) -> frozenset[str]: ...

    def charge(self, charge_id: str) -> ChargeEntry | None: ...

    def reduction(self, reduction_id: str) -> ReductionEntry | None: ...

    def months(self, reading: Reading) -> int: ...

    def households(self, account: Account) -> int: ...


@dataclass(frozen=True, slots=True)
class PeriodPart:
    """The days ``start``..``end`` of a split period billed under ``version`` (``share``)."""

    version: Version
    start: date
    end: date
    share: DayShare


@dataclass(frozen=True, slots=True)
class PlannedCharge:
    """One charge of a bill: billed by ``entry`` of ``version``, or in ``parts`` when its period
    is split by days between versions (``entry`` is then the bill's version's own)."""

    id: str
    version: Version
    entry: ChargeEntry
    parts: tuple[PeriodPart, ...] = ()


_NONE: Mapping[str, Version] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class BillPlan:
    """Which version bills what on one bill.

    ``version`` is the bill's version (its use classes, billing cycle and currency);
    ``charges`` are the charges to compute, in the version's order, each with the version that
    bills it; ``not_included`` the charges no selected version has figures for, with the reason;
    ``reductions`` maps a reduction id to the version granting it, where that is not the bill's
    version (a reduction selected by its own kind of date).
    """

    version: Version
    charges: tuple[PlannedCharge, ...]
    not_included: tuple[NotIncluded, ...]
    reductions: Mapping[str, Version] = field(default_factory=lambda: _NONE)

    @classmethod
    def of(cls, version: Version) -> BillPlan:
        """Every charge and reduction of ``version`` by ``version`` itself."""
        return cls(
            version,
            tuple(PlannedCharge(entry.id, version, entry) for entry in version.charges),
            version.not_included,
        )
