"""The charge-type contract: what a plug-in's charge type implements and what it is handed.

A charge type turns one charge entry of a ruleset (validated by its ``spec`` model) into a
compiled function that, given a :class:`BillContext`, returns a :class:`Charged` amount, or
``None`` when the charge does not apply to the account. The engine adds the label, rounding,
rule name and sources, so a charge type only computes.

While compiling, a type reports through its :class:`CompileContext` what is wrong with the
entry (``ctx.problem``: the version does not load) and what is valid but probably wrong
(``ctx.hint``: tiers that fall, a use class without a rate; ``tariffcore lint`` shows them).

The built-in types are registered through the same ``tariffcore_charge_types`` hook as any
third-party type (see :mod:`tariffcore.plugins.builtin`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
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
    "HINT_KINDS",
    "class_hints",
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

#: The kinds of hint a charge type may give, each a kind of ``tariffcore lint`` finding:
#: ``tiers`` (a tier table that does not rise), ``no-rate`` (a use class the charge applies
#: to but cannot bill), ``unreached`` (a part of the entry no bill can reach).
HINT_KINDS = ("tiers", "no-rate", "unreached")


@dataclass
class CompileContext:
    """Handed to :meth:`ChargeType.compile`: the version, the charge id, its raw YAML data,
    and lists to report problems and hints into (each at a path inside the charge entry)."""

    version: RulesetVersion
    charge_id: str
    raw: Mapping[str, Any]
    problems: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)
    hints: list[tuple[tuple[str | int, ...], str, str]] = field(default_factory=list)

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        """Report a problem at ``path`` inside this charge's entry (mapped to file:line):
        the version does not load."""
        self.problems.append((path, message))

    def hint(self, path: tuple[str | int, ...], kind: str, message: str) -> None:
        """Report what is valid but probably wrong at ``path`` inside this charge's entry
        (mapped to file:line): a ``tariffcore lint`` finding of ``kind``, one of
        :data:`HINT_KINDS`. A hint never stops the version from loading or billing; the same
        hint given twice is kept once."""
        if kind not in HINT_KINDS:
            raise ValueError(f"unknown hint kind {kind!r} (one of {', '.join(HINT_KINDS)})")
        if (path, kind, message) not in self.hints:
            self.hints.append((path, kind, message))

    @property
    def label(self) -> str:
        return f"{self.version.label} {self.charge_id}"


class ChargeType(ABC):
    """Base class of a charge type.

    Subclasses set ``name`` (the ``type:`` value rule authors write) and ``spec`` (a pydantic
    model deriving :class:`~tariffcore.format.model.ChargeSpec` that validates the entry), and
    implement :meth:`compile`. Compilation runs once per ruleset version; the returned function
    runs once per bill and must be pure.

    ``tariffcore lint`` learns about a charge only from its type's hints (``ctx.hint``): a
    type that knows what is probably wrong in its entries (a use class it cannot bill, a
    table that falls where it usually rises) says so while compiling.
    """

    name: ClassVar[str]
    spec: ClassVar[type[ChargeSpec]]
    #: Whether :meth:`compile`'s function bills a part of a split period correctly from
    #: ``BillContext.share`` (fixed amounts and per-period quantities scaled by it). A type
    #: that leaves this false cannot be used where a ruleset splits periods by days.
    apportions_by_days: ClassVar[bool] = False

    @abstractmethod
    def compile(self, spec: Any, ctx: CompileContext) -> CompiledCharge:
        """Check ``spec`` against the version (report problems via ``ctx.problem``, and what
        is valid but probably wrong via ``ctx.hint``) and return the function that computes
        this charge for one account."""


def known_value(value: Decimal | str | None) -> Decimal | None:
    """A rate as a number, or ``None`` where the ordinance data says ``unknown`` or gives none."""
    return None if value == UNKNOWN or value is None else Decimal(value)


def unknown_class(cls: str, declared: Mapping[str, Any]) -> str:
    """The problem of a use class ``cls`` that the version does not declare."""
    return f"unknown use class {cls!r}{did_you_mean(cls, declared)}; declare it under use_classes"


def class_hints(
    ctx: CompileContext,
    spec: ChargeSpec,
    entries: Collection[str],
    *,
    default: bool = False,
    path: tuple[str | int, ...] = ("classes",),
) -> None:
    """Hints for a charge whose rates are written per use class (under ``path``, one entry
    per class in ``entries``): an entry for a class the charge's ``applies_to`` leaves out
    (``unreached``), and a class the charge applies to with no entry, so its bills fail
    (``no-rate``). ``default`` says the charge has a rate for every class without an entry."""
    reached = None if spec.applies_to is None else set(spec.applies_to)
    for cls in entries:
        if reached is not None and cls not in reached:
            ctx.hint(
                (*path, cls),
                "unreached",
                f"class entry {cls!r} of charge {ctx.charge_id!r} is never used: "
                f"the charge applies only to {', '.join(sorted(reached))}",
            )
    if default:
        return
    for cls in ctx.version.use_classes:
        if (reached is None or cls in reached) and cls not in entries:
            ctx.hint(
                path,
                "no-rate",
                f"use class {cls!r} has no rate in charge {ctx.charge_id!r}: "
                "its bills fail (limit the charge with applies_to if that is meant)",
            )
