"""The charge-type contract: what a plug-in's charge type implements and what it is handed.

A charge type turns one charge entry of a ruleset (validated by its ``spec`` model) into a
compiled function that, given a :class:`BillContext`, returns a :class:`Charged` amount, or
``None`` when the charge does not apply to the account. The engine adds the label, rounding,
rule name and sources, so a charge type only computes.

The built-in types are registered through the same ``tariffcore_charge_types`` hook as any
third-party type (see :mod:`tariffcore.plugins.builtin`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from ..bill import Account, BillLine, Reading, TierSlice
from ..format import UNKNOWN, ChargeSpec, RulesetVersion, did_you_mean
from ..periods import DayShare

__all__ = [
    "BillContext",
    "ChargeType",
    "Charged",
    "CompileContext",
    "CompiledCharge",
    "known_value",
    "unknown_class",
]


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
    model deriving :class:`~tariffcore.format.model.ChargeSpec` that validates the entry), and
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


def known_value(value: Decimal | str | None) -> Decimal | None:
    """A rate as a number, or ``None`` where the ordinance data says ``unknown`` or gives none."""
    return None if value == UNKNOWN or value is None else Decimal(value)


def unknown_class(cls: str, declared: Mapping[str, Any]) -> str:
    """The problem of a use class ``cls`` that the version does not declare."""
    return f"unknown use class {cls!r}{did_you_mean(cls, declared)}; declare it under use_classes"
