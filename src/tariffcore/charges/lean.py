"""Lean charges: a compiled charge specialised to one account, a function of the usage alone.

Billing a city of distinct rows spends most of its time on what every bill of the same kind
of account shares: which rate table applies, the tier bounds scaled by households and months,
the rule a line names. A charge type may therefore offer, beside its compiled function, a way
to *specialise* it: given the account (use class, meter, households) and the months its bill
covers, :data:`Specialise` returns a :data:`LeanCharge`, a function of the usage alone that
gives what the compiled function would (its unrounded amount, rule, quantity, unit and unit
price) without building a context, a result or tier slices. The engine's lean bills
(:mod:`tariffcore.engine.lean`) are made of these; bulk output writes them through the
templates of :mod:`tariffcore.rows.render`.

A lean charge computes exactly what the compiled function computes, in the same decimal
operations. Whatever it does not handle it leaves to the compiled function: ``Specialise``
returns ``None`` for an account it cannot specialise, and a lean charge raises
:class:`LeanFallback` for a usage it cannot bill (an unknown rate reached, a bound not known),
so that the row is billed by the compiled function, which gives the bill or the error row.

A type opts in by returning :func:`with_lean` of its function and its ``Specialise`` from
:meth:`~tariffcore.charges.ChargeType.compile`; a type that does not is billed as before.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..bill import Account
from .contract import BillContext, Charged, CompiledCharge

__all__ = ["LeanCharge", "LeanFallback", "LeanResult", "Specialise", "lean_of", "with_lean"]

#: What a lean charge gives for a usage: ``(unrounded amount, rule, quantity, unit, unit
#: price)``, as :class:`~tariffcore.charges.Charged` would hold them; ``None`` when the
#: charge gives no line.
LeanResult = tuple[Decimal, str, Decimal | None, str | None, Decimal | None]
#: A charge specialised to one account: usage (m³) → :data:`LeanResult`.
LeanCharge = Callable[[Decimal], "LeanResult | None"]
#: ``(account, households, months)`` → the charge specialised to that account, or ``None``
#: when it cannot be (the compiled function then bills every row of that account).
Specialise = Callable[[Account, int, int], "LeanCharge | None"]


class LeanFallback(Exception):
    """Raised by a lean charge for a usage it leaves to the compiled function."""


class _WithLean:
    """A compiled charge that can also be specialised (see :func:`with_lean`)."""

    __slots__ = ("compute", "lean")

    def __init__(self, compute: CompiledCharge, lean: Specialise) -> None:
        self.compute = compute
        self.lean = lean

    def __call__(self, bill: BillContext) -> Charged | None:
        return self.compute(bill)


def with_lean(compute: CompiledCharge, lean: Specialise) -> CompiledCharge:
    """``compute``, which bills as before, carrying ``lean``, how to specialise it."""
    return _WithLean(compute, lean)


def lean_of(compute: CompiledCharge) -> Specialise | None:
    """How to specialise the compiled charge ``compute``, or ``None`` when its type does not say."""
    return compute.lean if isinstance(compute, _WithLean) else None
