"""The reduction-type contract, and the checks every bill with reductions goes through."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field

from ..bill import Account, BillLine, Reading
from ..errors import (
    InputError,
    ReductionConflictError,
    ReductionNotApplicableError,
    UnknownReductionError,
)
from ..format import (
    Basis,
    FrozenModel,
    RoundingSpec,
    RulesetVersion,
    source_ids,
)

__all__ = [
    "CompiledReduction",
    "Reduced",
    "ReductionCompileContext",
    "ReductionContext",
    "ReductionSpec",
    "ReductionType",
    "check_claims",
    "combine_guard",
    "reduction_line_id",
]


class ReductionSpec(FrozenModel):
    """Fields every reduction has, whatever its type. Reduction types subclass this."""

    type: str = Field(description="The reduction type: volume_allowance, percentage, unknown.")
    label: str = Field(description="The reduction's name on the bill.")
    source: str | list[str] = Field(description="Id(s) of the version's sources behind it.")
    charges: list[str] = Field(default_factory=list, description="Charge ids it reduces.")
    applies_to: list[str] | None = Field(
        default=None, description="Use classes that may claim it; default: all."
    )
    exclusive: bool = Field(
        default=False, description="Not combinable with any other reduction on the same bill."
    )
    rounding: RoundingSpec | Literal["none"] | None = Field(
        default=None,
        description="Rounding of the reduction lines; default: the reduced charge's line rounding.",
    )
    basis: Basis | None = Field(
        default=None,
        description="The kind of date that selects the version granting it, when it differs "
        "from the version's (e.g. by due month).",
    )
    note: str | None = None

    def source_ids(self) -> tuple[str, ...]:
        return source_ids(self.source)


@dataclass(frozen=True, slots=True)
class Reduced:
    """What a reduction takes off one charge, before rounding (a positive amount)."""

    amount: Decimal
    quantity: Decimal | None = None
    unit: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReductionContext:
    """What a compiled reduction sees: the account, the bill so far, and a way to price a
    charge for a smaller volume (``charge_for(charge_id, m3)``, unrounded)."""

    account: Account
    reading: Reading
    households: int
    months: int
    version: str
    lines: Mapping[str, BillLine]
    charge_for: Callable[[str, Decimal], Decimal]


CompiledReduction = Callable[[ReductionContext], "dict[str, Reduced]"]


@dataclass
class ReductionCompileContext:
    """Handed to :meth:`ReductionType.compile`; report problems at paths inside the entry."""

    version: RulesetVersion
    reduction_id: str
    problems: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append((path, message))


class ReductionType(ABC):
    """Base class of a reduction type: ``name`` (the ``type:`` value), ``spec`` (its model),
    and :meth:`compile`, returning a pure function from a :class:`ReductionContext` to the
    amount taken off each charge it touches (charge id → :class:`Reduced`)."""

    name: ClassVar[str]
    spec: ClassVar[type[ReductionSpec]]

    @abstractmethod
    def compile(self, spec: Any, ctx: ReductionCompileContext) -> CompiledReduction:
        """Check ``spec`` and return the function that computes the reduction for one bill."""


def check_claims(version: str, account: Account, known: Mapping[str, ReductionSpec]) -> None:
    """Refuse unknown ids, classes that may not claim, and combinations that are not allowed."""
    claimed = account.reductions
    if len(set(claimed)) != len(claimed):
        raise InputError(f"{version}: a reduction is named twice ({';'.join(claimed)})")
    for rid in claimed:
        spec = known.get(rid)
        if spec is None:
            listed = ", ".join(known) or "none"
            raise UnknownReductionError(f"{version} has no reduction {rid!r} (its reductions: {listed})")
        if spec.applies_to is not None and account.use_class not in spec.applies_to:
            raise ReductionNotApplicableError(
                f"{version} reduction {rid!r} ({spec.label}) is for {', '.join(spec.applies_to)}, "
                f"not {account.use_class}"
            )
    if len(claimed) > 1:
        for rid in claimed:
            if known[rid].exclusive:
                others = ", ".join(r for r in claimed if r != rid)
                raise ReductionConflictError(
                    f"{version} reduction {rid!r} ({known[rid].label}) cannot be "
                    f"combined with other reductions ({others})"
                )


def reduction_line_id(charge: str) -> str:
    """The charge id of the line reducing ``charge``: ``water`` → ``water_reduction``."""
    return f"{charge}_reduction"


def combine_guard(version: str, taken: dict[str, str], charge: str, rid: str) -> None:
    """Refuse a second reduction of the same charge: the data never says how they stack."""
    if charge in taken:
        raise ReductionConflictError(
            f"{version}: reductions {taken[charge]!r} and {rid!r} both reduce "
            f"{charge}, and the ordinance data does not say how they combine"
        )
    taken[charge] = rid
