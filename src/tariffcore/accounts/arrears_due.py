"""What one unpaid bill owes on a date: the one-bill case of an account statement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..arrears import (
    ArrearsVersion,
    Surcharge,
)
from ..engine import Catalog, Ruleset
from ..errors import InputError
from ..money import money_sum
from .amounts import at_currency_scale, check_amount
from .entries import LedgerBill
from .statements import account_statement

__all__ = [
    "ArrearsResult",
    "arrears_currency",
    "compute_arrears",
    "principal_at_scale",
]


@dataclass(frozen=True, slots=True)
class ArrearsResult:
    """What one unpaid bill owes on a date: its principal, each surcharge, the total due."""

    ruleset: str
    version: str
    principal: Decimal
    due: date
    as_of: date
    days_late: int
    surcharges: tuple[Surcharge, ...]
    total_due: Decimal
    past_limitation: bool | None
    limitation_ends: date | None
    charges: Mapping[str, Decimal] | None = None


def compute_arrears(
    catalog: Catalog | Ruleset,
    ruleset: str | None = None,
    *,
    principal: Decimal | Mapping[str, Decimal],
    due: date,
    as_of: date,
    billing_month: date | None = None,
) -> ArrearsResult:
    """The amount due on ``as_of`` for one unpaid bill due on ``due``.

    ``catalog`` is a :class:`~tariffcore.Catalog` with ``ruleset`` an id (``kr/example``) or a
    pinned version (``kr/example@arrears-2008-11``), or a :class:`~tariffcore.Ruleset` itself.
    ``principal`` is one amount, or the amount per charge (``{"water": …, "sewer": …}``) when
    the rules treat charges differently: money in the currency of the late-payment rules, so
    one with a fraction of its minor unit is an :class:`~tariffcore.InputError`
    (:func:`principal_at_scale`).
    """
    principal = principal_at_scale(principal, arrears_currency(catalog, ruleset, due, billing_month))
    found, pinned = _resolve(catalog, ruleset)
    charges = dict(principal) if isinstance(principal, Mapping) else None
    total = money_sum(charges.values()) if charges is not None else principal
    assert isinstance(total, Decimal)
    bill = LedgerBill("bill", due, total, charges, billing_month)
    statement = account_statement(found, [bill], as_of=as_of, version=pinned)
    line = statement.bills[0]
    return ArrearsResult(
        f"{found.id}@{line.version}",
        line.version,
        total,
        due,
        as_of,
        line.days_late,
        tuple(s.surcharge for s in line.surcharges),
        line.outstanding,
        line.past_limitation,
        line.limitation_ends,
        bill.charges,
    )


def arrears_currency(
    catalog: Catalog | Ruleset, ruleset: str | None, due: date, billing_month: date | None = None
) -> str:
    """The currency of the late-payment rules that judge a bill due on ``due`` (issued in
    ``billing_month``): the currency :func:`compute_arrears` takes its principal to be in."""
    found, pinned = _resolve(catalog, ruleset)
    return (pinned or found.select_arrears(due, billing_month)).spec.currency


def principal_at_scale(
    principal: Decimal | Mapping[str, Decimal], currency: str
) -> Decimal | dict[str, Decimal]:
    """``principal`` (one amount, or the amount per charge) written at the scale of
    ``currency``; an :class:`~tariffcore.InputError` names an amount no ledger holds
    (:func:`~tariffcore.accounts.check_amount`) or one with a fraction of the minor unit."""
    named = list(principal.items()) if isinstance(principal, Mapping) else [("", principal)]
    amounts = [(f"the principal of {name}" if name else "the principal", amount) for name, amount in named]
    for what, amount in amounts:
        check_amount(what, amount)
    scaled = at_currency_scale(amounts, currency)
    if isinstance(principal, Mapping):
        return dict(zip(principal, scaled, strict=True))
    return scaled[0]


def _resolve(catalog: Catalog | Ruleset, reference: str | None) -> tuple[Ruleset, ArrearsVersion | None]:
    if isinstance(catalog, Ruleset):
        return catalog, None
    if not reference:
        raise InputError("no ruleset given")
    return catalog.resolve_arrears(reference)
