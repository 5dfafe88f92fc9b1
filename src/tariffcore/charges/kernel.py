"""Kernels: a charge specialised to one kind of account, computed over a column of usages.

The columnar backend (the optional ``tariffcore[fast]``) bills the rows of one kind of
account (use class, meter, households, dates: everything but the usage) at once. A charge
type may therefore offer, beside its compiled function and its lean form
(:mod:`tariffcore.charges.lean`), a *kernel*: given the account, its households and the months
its bill covers, :data:`KernelSpecialise` returns a :data:`ChargeKernel`, which computes the
charge of a whole column of usages and returns a :class:`KernelLine`.

A kernel never touches floating point, nor an array library directly: it is handed the usage
as a :class:`Column` (exact decimals kept as scaled integers, each row with its own decimal
exponent, so every figure is the very :class:`~decimal.Decimal` the compiled function would
compute, trailing zeros included) and a :class:`KernelOps` to make constants, choose between
columns row by row and pick among a few constant values. Masks (the results of a column's
comparisons) combine with ``&``, ``|`` and ``~``. The backend guards every operation against
overflow: a row whose figures would not fit is left to the compiled function.

A kernel computes exactly what the compiled function computes, in the same decimal
operations (the tests hold the two backends to the same bytes). What it does not handle it
leaves to the compiled function, row by row: ``KernelLine.fallback`` marks rows (an unknown
rate reached, a bound not known), and :data:`KernelSpecialise` returns ``None`` for an
account the kernel cannot bill at all. Such rows are billed by the scalar engine, which gives
the bill or the error row, and are put back in input order.

A type opts in by returning :func:`with_kernel` of its compiled function (lean or not) and
its :data:`KernelSpecialise` from :meth:`~tariffcore.charges.ChargeType.compile`; a type that
does not is billed by the scalar engine, row by row, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from ..bill import Account
from .contract import BillContext, Charged, CompiledCharge
from .lean import LeanCharge, Specialise, _WithLean, lean_of

__all__ = [
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
]

T = TypeVar("T")

#: A boolean per row (the backend's array of booleans): combine with ``&``, ``|`` and ``~``.
Mask = Any


class Column(Protocol):
    """An exact decimal per row, as :class:`~decimal.Decimal` arithmetic in the money context
    gives it: ``+``, ``-`` and ``*`` keep the value and the exponent (``20.0 × 770`` is
    ``15400.0``); comparisons give a :data:`Mask` and compare values (``20.0`` equals
    ``20``). The other operand may be a column or a :class:`~decimal.Decimal`."""

    def __add__(self, other: Column | Decimal) -> Column: ...
    def __sub__(self, other: Column | Decimal) -> Column: ...
    def __mul__(self, other: Column | Decimal) -> Column: ...
    def lt(self, other: Column | Decimal) -> Mask: ...
    def le(self, other: Column | Decimal) -> Mask: ...
    def gt(self, other: Column | Decimal) -> Mask: ...
    def ge(self, other: Column | Decimal) -> Mask: ...
    def eq(self, other: Column | Decimal) -> Mask: ...


class KernelOps(Protocol):
    """What a kernel is handed besides the usage: constants, masks and row-wise choices."""

    def const(self, value: Decimal) -> Column:
        """``value`` on every row."""
        ...

    def where(self, mask: Mask, then: Column | Decimal, otherwise: Column | Decimal) -> Column:
        """``then`` on the rows of ``mask``, ``otherwise`` elsewhere (values and exponents)."""
        ...

    def every(self, value: bool) -> Mask:
        """A mask of ``value`` on every row."""
        ...

    def index(self, cases: Sequence[tuple[Mask, int]], default: int) -> Any:
        """A row-wise index: the number of the first case whose mask holds, else ``default``
        (for :class:`Pick`)."""
        ...


@dataclass(frozen=True, slots=True)
class Pick(Generic[T]):
    """One of a few constant ``options`` per row: ``index`` is an int (the same option on every
    row) or the backend's array of ints (from :meth:`KernelOps.index`)."""

    options: tuple[T, ...]
    index: Any = 0

    @classmethod
    def one(cls, value: T) -> Pick[T]:
        """``value`` on every row."""
        return cls((value,), 0)


@dataclass(frozen=True, slots=True)
class KernelSlice:
    """A tier slice of a kernel's line (what :class:`~tariffcore.TierSlice` holds), on the
    rows of ``present``: ``lower`` and ``rate`` are constants, ``upper`` a constant, a column
    (a mixed-use allowance) or ``None`` (the open top tier)."""

    present: Mask
    tier: int
    use_class: str
    lower: Decimal
    upper: Column | Decimal | None
    quantity: Column
    rate: Decimal
    amount: Column


@dataclass(frozen=True, slots=True)
class KernelLine:
    """A charge's line on every row of a column, before the engine rounds and labels it:
    what :class:`~tariffcore.charges.Charged` holds, row by row.

    ``amount`` is unrounded. ``quantity`` is the usage column itself (written as the bill's
    usage), another column, a constant or ``None``. ``slices`` (in the order of the compiled
    function's) and ``notes`` explain the line in full. ``present`` marks the rows that have
    the line (``None``: every row; elsewhere the compiled function would return ``None``);
    ``fallback`` the rows left to the compiled function (``None``: none).
    """

    amount: Column
    rule: Pick[str]
    quantity: Column | Decimal | None
    unit: str | None
    unit_price: Pick[Decimal | None]
    slices: tuple[KernelSlice, ...] = ()
    notes: Pick[tuple[str, ...]] = Pick.one(())
    present: Mask | None = None
    fallback: Mask | None = None


#: A charge specialised to one kind of account: (usage column, operations) → its line.
ChargeKernel = Callable[[Column, KernelOps], KernelLine]
#: ``(account, households, months)`` → the kernel of that kind of account, or ``None`` when the
#: compiled function must bill its rows (see :data:`~tariffcore.charges.Specialise`).
KernelSpecialise = Callable[[Account, int, int], "ChargeKernel | None"]


class _WithKernel(_WithLean):
    """A compiled charge carrying its lean form and its kernel (see :func:`with_kernel`)."""

    __slots__ = ("kernel",)

    def __init__(self, compute: CompiledCharge, lean: Specialise, kernel: KernelSpecialise) -> None:
        super().__init__(compute, lean)
        self.kernel = kernel

    def __call__(self, bill: BillContext) -> Charged | None:
        return self.compute(bill)


def _no_lean(account: Account, households: int, months: int) -> LeanCharge | None:
    return None


def with_kernel(compute: CompiledCharge, kernel: KernelSpecialise) -> CompiledCharge:
    """``compute`` (which bills as before, and keeps its lean form if it has one) carrying
    ``kernel``, how to compute it over a column of usages."""
    lean = lean_of(compute)
    inner = compute.compute if isinstance(compute, _WithLean) else compute
    return _WithKernel(inner, lean if lean is not None else _no_lean, kernel)


def kernel_of(compute: CompiledCharge) -> KernelSpecialise | None:
    """How to compute the compiled charge ``compute`` over a column, or ``None`` when its type
    does not say."""
    return compute.kernel if isinstance(compute, _WithKernel) else None


def constant_line(ops: KernelOps, charged: Charged) -> KernelLine:
    """The line of a charge that is the same on every row (a fixed charge): ``charged``."""
    return KernelLine(
        ops.const(charged.amount),
        Pick.one(charged.rule),
        charged.quantity,
        charged.unit,
        Pick.one(charged.unit_price),
        notes=Pick.one(charged.notes),
    )


def single_rate(ops: KernelOps, slices: Sequence[KernelSlice]) -> Pick[Decimal | None]:
    """The unit price of a line made of ``slices``: the rate of its one slice on the rows that
    have exactly one, else ``None`` (as the tiered charges give it)."""
    cases = []
    for number, piece in enumerate(slices):
        alone = piece.present
        for other in slices:
            if other is not piece:
                alone = alone & ~other.present
        cases.append((alone, number))
    options: tuple[Decimal | None, ...] = (*(piece.rate for piece in slices), None)
    return Pick(options, ops.index(cases, len(slices)) if cases else len(slices))
