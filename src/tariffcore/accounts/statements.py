"""Account statements: bills, payments and the surcharges their lateness adds, as of a date.

:func:`account_statement` replays an account's ledger in date order. Each bill is judged by
the late-payment rules in force for it (:mod:`tariffcore.arrears.rules`); each payment is applied
to the oldest bill first, and within a bill to its surcharges before or after its principal,
as the ruleset declares (or the caller chooses). Surcharges accrue on the principal still
unpaid day by day, so a partial payment lowers what accrues after it.

Every statement reconciles exactly::

    principal + surcharges − payments = outstanding − credit

where ``credit`` is what was paid beyond everything owed. :func:`compute_arrears` is the
one-bill case: an unpaid principal, its due date and a date to compute the amount due on.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Literal

from dateutil.relativedelta import relativedelta

from ..arrears import (
    ArrearsVersion,
    Covered,
    Surcharge,
    check_principal,
    days_late,
)
from ..engine import Ruleset
from ..errors import InputError, UnknownValueError
from ..money import MONEY_CONTEXT, ZERO, format_amount, money_sum
from .entries import LedgerBill, Payment, entries_at_scale

__all__ = [
    "ALLOCATIONS",
    "ALLOCATION_NAMES",
    "Allocation",
    "Applied",
    "BillStatement",
    "Statement",
    "SurchargeLine",
    "account_statement",
]

Allocation = Literal["surcharges_first", "principal_first"]
#: The allocation orders a caller may choose: a bill's surcharges before or after its principal.
ALLOCATIONS: tuple[Allocation, ...] = ("surcharges_first", "principal_first")
#: The allocation orders as the command line and the service name them.
ALLOCATION_NAMES: Mapping[str, Allocation] = {
    "surcharges-first": "surcharges_first",
    "principal-first": "principal_first",
}

_PRINCIPAL = "principal"


@dataclass(frozen=True, slots=True)
class Applied:
    """Part of a payment applied to a bill's principal or to one of its surcharges."""

    payment: str
    paid_on: date
    amount: Decimal
    to: str  # "principal" or a rule id


@dataclass(frozen=True, slots=True)
class SurchargeLine:
    """A surcharge on a bill as of the statement date, with what has been paid of it."""

    surcharge: Surcharge
    paid: Decimal
    outstanding: Decimal


@dataclass(frozen=True, slots=True)
class BillStatement:
    """One bill as of the statement date."""

    bill: LedgerBill
    version: str
    days_late: int
    principal_paid: Decimal
    surcharges: tuple[SurchargeLine, ...]
    applied: tuple[Applied, ...]
    outstanding: Decimal
    limitation_ends: date | None
    past_limitation: bool | None

    @property
    def principal(self) -> Decimal:
        return self.bill.principal

    @property
    def principal_outstanding(self) -> Decimal:
        return MONEY_CONTEXT.subtract(self.bill.principal, self.principal_paid)

    @property
    def surcharge_total(self) -> Decimal:
        return money_sum(line.surcharge.amount for line in self.surcharges)


@dataclass(frozen=True, slots=True)
class Statement:
    """An account's bills and payments as of a date, reconciled to the won."""

    account: str
    ruleset: str
    as_of: date
    allocation: Allocation | None
    allocation_from: str | None  # "ruleset", "caller" or None (not needed / unknown)
    bills: tuple[BillStatement, ...]
    payments: tuple[Payment, ...]
    later_payments: tuple[Payment, ...]
    credit: Decimal

    @property
    def principal(self) -> Decimal:
        return money_sum(b.principal for b in self.bills)

    @property
    def surcharges(self) -> Decimal:
        return money_sum(b.surcharge_total for b in self.bills)

    @property
    def paid(self) -> Decimal:
        return money_sum(p.amount for p in self.payments)

    @property
    def outstanding(self) -> Decimal:
        return money_sum(b.outstanding for b in self.bills)


class _OpenBill:
    """One bill while the ledger is replayed: what is still unpaid of its principal (and
    since when), what has been paid of each surcharge, and every payment applied to it."""

    def __init__(self, bill: LedgerBill, version: ArrearsVersion, index: int) -> None:
        self.bill = bill
        self.version = version
        self.index = index
        self.unpaid = bill.principal
        self.change_days: list[date] = []
        self.change_amounts: list[Decimal] = []
        self.paid: dict[str, Decimal] = {}
        self.applied: list[Applied] = []

    def unpaid_on(self, day: date) -> Decimal:
        """Principal still unpaid at the end of ``day``."""
        at = bisect.bisect_right(self.change_days, day)
        return self.change_amounts[at - 1] if at else self.bill.principal

    def covered(self, charges: frozenset[str] | None) -> Covered:
        bill = self.bill
        if charges is None or bill.charges is None:
            return self.unpaid_on
        part = money_sum(amount for name, amount in bill.charges.items() if name in charges)
        if part == bill.principal:
            return self.unpaid_on

        def unpaid(day: date) -> Decimal:
            left = self.unpaid_on(day)
            if left == bill.principal:
                return part
            if left == 0:
                return ZERO
            raise UnknownValueError(
                f"bill {bill.id}: {self.version.label} charges {', '.join(sorted(charges))} "
                "a late fee of its own, and a partial payment of the bill's principal cannot be "
                "split between its charges (the ordinance does not say how)"
            )

        return unpaid

    def surcharges(self, on: date) -> list[Surcharge]:
        return self.version.surcharges(self.bill.due, on, self.covered, self.change_days)

    def take(self, payment: Payment, offered: Decimal, allocation: Allocation | None) -> Decimal:
        """Apply what this bill can take of ``offered`` (what is left of ``payment``): its
        surcharges owed on the day and its unpaid principal, in the order ``allocation`` says.
        Return what is left for the next bill."""
        owed = [
            (surcharge.rule, surcharge.amount - self.paid.get(surcharge.rule, ZERO))
            for surcharge in self.surcharges(payment.paid_on)
        ]
        owed = [(rule, amount) for rule, amount in owed if amount > 0]
        due = self.unpaid + sum((amount for _, amount in owed), ZERO)
        if allocation is None and owed and self.unpaid > 0 and offered < due:
            raise UnknownValueError(
                f"payment '{payment.id}' of {format_amount(payment.amount)} covers only "
                f"part of bill {self.bill.id}, and {self.version.label} does not declare "
                "whether payments go to surcharges or to principal first: choose an allocation"
            )
        principal = (_PRINCIPAL, self.unpaid)
        steps = [principal, *owed] if allocation == "principal_first" else [*owed, principal]
        left = offered
        for to, amount in steps:
            part = min(left, amount)
            if part > 0:
                self._apply(payment, to, part)
                left -= part
        return left

    def _apply(self, payment: Payment, to: str, amount: Decimal) -> None:
        if to == _PRINCIPAL:
            self.unpaid -= amount
            self.change_days.append(payment.paid_on)
            self.change_amounts.append(self.unpaid)
        else:
            self.paid[to] = self.paid.get(to, ZERO) + amount
        self.applied.append(Applied(payment.id, payment.paid_on, amount, to))

    def statement(self, as_of: date) -> BillStatement:
        """The bill as of ``as_of``, after the payments applied to it."""
        lines = []
        for surcharge in self.surcharges(as_of):
            paid = self.paid.get(surcharge.rule, ZERO)
            lines.append(SurchargeLine(surcharge, paid, surcharge.amount - paid))
        for rule, paid in self.paid.items():  # pragma: no cover - accruals never shrink
            if paid and rule not in {line.surcharge.rule for line in lines}:
                raise AssertionError(f"bill {self.bill.id}: {rule} was paid but no longer accrues")
        outstanding = self.unpaid + sum((line.outstanding for line in lines), ZERO)
        limitation = self.version.spec.arrears.limitation
        ends = _years_after(self.bill.due, limitation.years) if limitation else None
        if limitation is None:
            past: bool | None = None
        else:  # a period that ends after 9999-12-31 has not ended on any date of the calendar
            past = ends is not None and as_of > ends and outstanding > 0
        return BillStatement(
            self.bill,
            self.version.version,
            days_late(self.bill.due, as_of),
            self.bill.principal - self.unpaid,
            tuple(lines),
            tuple(self.applied),
            outstanding,
            ends,
            past,
        )


def _years_after(day: date, years: int) -> date | None:
    """``day`` plus ``years`` years, or ``None`` when that is past 9999-12-31."""
    try:
        return day + relativedelta(years=years)
    except (ValueError, OverflowError):
        return None


def _allocation(
    bills: Sequence[_OpenBill], chosen: Allocation | None
) -> tuple[Allocation | None, str | None]:
    if chosen is not None:
        if chosen not in ALLOCATIONS:
            raise InputError(f"unknown allocation {chosen!r} (use {' or '.join(ALLOCATIONS)})")
        return chosen, "caller"
    declared: set[Allocation] = set()
    for item in bills:
        allocation = item.version.spec.arrears.allocation
        if allocation is not None:
            declared.add("surcharges_first" if allocation.surcharges == "first" else "principal_first")
    if len(declared) > 1:
        raise UnknownValueError(
            "the bills' late-payment rules declare different allocation orders; choose one"
        )
    return (declared.pop(), "ruleset") if declared else (None, None)


def _distinct(bills: Iterable[LedgerBill]) -> list[LedgerBill]:
    """The bills, each id once."""
    found = list(bills)
    seen: set[str] = set()
    for bill in found:
        if bill.id in seen:
            raise InputError(f"two bills have the id {bill.id!r}")
        seen.add(bill.id)
    return found


def account_statement(
    ruleset: Ruleset,
    bills: Iterable[LedgerBill],
    payments: Iterable[Payment] = (),
    *,
    as_of: date,
    account: str = "",
    allocation: Allocation | None = None,
    version: ArrearsVersion | None = None,
) -> Statement:
    """The statement of one account as of ``as_of``.

    Each bill is judged by the late-payment rules of ``ruleset`` in force for its due date
    (``version`` pins one version for every bill). Payments are applied in date order, each
    to the open bills oldest first; payments made after ``as_of`` are listed but not applied.
    ``allocation`` overrides (or supplies) the ruleset's order; when neither says and a
    payment would have to choose between a bill's principal and its surcharges, an
    :class:`~tariffcore.UnknownValueError` is raised. Amounts are money in the currency of
    the rules: each is written at its scale (``52000.00`` won as ``52000``), and one with a
    fraction of its minor unit (``52000.5`` won) is an :class:`~tariffcore.InputError`.
    """
    if not isinstance(as_of, date):
        raise InputError(f"a statement needs an as-of date, not {as_of!r}")
    chosen = []
    for bill in _distinct(bills):
        rules = version or ruleset.select_arrears(bill.due, bill.billing_month)
        check_principal(rules, bill.charges)
        chosen.append((bill, rules))
    scaled, given = entries_at_scale(
        [(bill, rules.spec.currency) for bill, rules in chosen],
        list(payments),
        _currency(ruleset, [rules for _, rules in chosen], version),
    )
    open_bills = [
        _OpenBill(bill, rules, index)
        for index, (bill, (_, rules)) in enumerate(zip(scaled, chosen, strict=True))
    ]
    oldest_first = sorted(open_bills, key=lambda item: (item.bill.due, item.index))
    order, order_from = _allocation(open_bills, allocation)
    made = [payment for payment in sorted(given, key=lambda p: p.paid_on) if payment.paid_on <= as_of]
    later = tuple(payment for payment in given if payment.paid_on > as_of)
    credit = ZERO
    with localcontext(MONEY_CONTEXT):
        # For each payment, each open bill (oldest first) takes what it can; the rest is credit.
        for payment in made:
            left = payment.amount
            for item in oldest_first:
                if left == 0:
                    break
                left = item.take(payment, left, order)
            credit += left
        results = tuple(item.statement(as_of) for item in open_bills)
    label = ruleset.id
    versions = sorted({line.version for line in results})
    if len(versions) == 1:
        label = f"{ruleset.id}@{versions[0]}"
    statement = Statement(account, label, as_of, order, order_from, results, tuple(made), later, credit)
    _check(statement)
    return statement


def _currency(
    ruleset: Ruleset, rules: Sequence[ArrearsVersion], version: ArrearsVersion | None
) -> str | None:
    """The currency of a statement's amounts: that of its bills' late-payment ``rules`` (with
    no bill, of the pinned rules or of every version of the ruleset's); ``None`` if none."""
    versions = list(rules) or ([version] if version else list(ruleset.arrears_versions))
    found = sorted({v.spec.currency for v in versions})
    if len(found) > 1:
        raise InputError(
            f"the late-payment rules of {ruleset.id} for these bills are in {' and '.join(found)}: "
            "a statement adds amounts of one currency"
        )
    return found[0] if found else None


def _check(statement: Statement) -> None:
    """The invariant every statement keeps; a failure is a bug, never a data problem."""
    ctx = MONEY_CONTEXT
    left = ctx.subtract(ctx.add(statement.principal, statement.surcharges), statement.paid)
    right = ctx.subtract(statement.outstanding, statement.credit)
    if left != right:  # pragma: no cover
        raise AssertionError(f"statement of {statement.account} does not reconcile: {left} != {right}")
