"""Account statements: bills, payments and the surcharges their lateness adds, as of a date.

:func:`account_statement` replays an account's ledger in date order. Each bill is judged by
the late-payment rules in force for it (:mod:`tariffcore.arrears`); each payment is applied
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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from .arrears import ArrearsVersion, Covered, Surcharge, _plain, check_principal, days_late
from .bill import Bill
from .catalog import Catalog, Ruleset
from .errors import InputError, UnknownValueError
from .money import MONEY_CONTEXT, D, format_amount

__all__ = [
    "ALLOCATIONS",
    "Applied",
    "ArrearsResult",
    "BillStatement",
    "LedgerBill",
    "Payment",
    "Statement",
    "SurchargeLine",
    "account_statement",
    "arrears_result_to_dict",
    "compute_arrears",
    "parse_charges",
    "statement_to_dict",
]

Allocation = Literal["surcharges_first", "principal_first"]
#: The allocation orders a caller may choose: a bill's surcharges before or after its principal.
ALLOCATIONS: tuple[Allocation, ...] = ("surcharges_first", "principal_first")

_ZERO = Decimal(0)
_PRINCIPAL = "principal"


@dataclass(frozen=True, slots=True)
class LedgerBill:
    """A bill in an account's ledger: its principal (optionally per charge) and due date."""

    id: str
    due: date
    principal: Decimal
    charges: Mapping[str, Decimal] | None = None
    billing_month: date | None = None

    def __post_init__(self) -> None:
        if self.principal < 0:
            raise InputError(f"bill {self.id}: the principal cannot be negative ({self.principal})")
        if self.charges is not None:
            if any(amount < 0 for amount in self.charges.values()):
                raise InputError(f"bill {self.id}: a charge amount cannot be negative")
            total = sum(self.charges.values(), _ZERO)
            if total != self.principal:
                raise InputError(f"bill {self.id}: the charges add up to {format_amount(total)}, "
                                 f"not to the principal {format_amount(self.principal)}")
            object.__setattr__(self, "charges", MappingProxyType(dict(self.charges)))

    @classmethod
    def from_bill(cls, bill: Bill, due: date, *, id: str | None = None,
                  billing_month: date | None = None) -> LedgerBill:
        """A computed :class:`~tariffcore.Bill` as a ledger bill: its lines become the
        principal per charge (lines of the same charge are added up)."""
        charges: dict[str, Decimal] = {}
        for line in bill.lines:
            charges[line.charge] = charges.get(line.charge, _ZERO) + line.amount
        return cls(id or due.isoformat(), due, bill.total, charges, billing_month)


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment received on ``paid_on``."""

    paid_on: date
    amount: Decimal
    id: str = ""

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise InputError(f"a payment must be positive, not {format_amount(self.amount)}")
        if not self.id:
            object.__setattr__(self, "id", f"paid {self.paid_on}")


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
        return self.bill.principal - self.principal_paid

    @property
    def surcharge_total(self) -> Decimal:
        return sum((line.surcharge.amount for line in self.surcharges), _ZERO)


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
        return sum((b.principal for b in self.bills), _ZERO)

    @property
    def surcharges(self) -> Decimal:
        return sum((b.surcharge_total for b in self.bills), _ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), _ZERO)

    @property
    def outstanding(self) -> Decimal:
        return sum((b.outstanding for b in self.bills), _ZERO)


class _Open:
    """The running state of one bill while the ledger is replayed."""

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
        part = sum((amount for name, amount in bill.charges.items() if name in charges), _ZERO)
        if part == bill.principal:
            return self.unpaid_on

        def unpaid(day: date) -> Decimal:
            left = self.unpaid_on(day)
            if left == bill.principal:
                return part
            if left == 0:
                return _ZERO
            raise UnknownValueError(
                f"bill {bill.id}: {self.version.label} charges {', '.join(sorted(charges))} "
                "a late fee of its own, and a partial payment of the bill's principal cannot be "
                "split between its charges (the ordinance does not say how)")
        return unpaid

    def surcharges(self, on: date) -> list[Surcharge]:
        return self.version.surcharges(self.bill.due, on, self.covered, self.change_days)

    def pay_principal(self, payment: Payment, amount: Decimal) -> None:
        self.unpaid -= amount
        self.change_days.append(payment.paid_on)
        self.change_amounts.append(self.unpaid)
        self.applied.append(Applied(payment.id, payment.paid_on, amount, _PRINCIPAL))

    def pay_surcharge(self, payment: Payment, rule: str, amount: Decimal) -> None:
        self.paid[rule] = self.paid.get(rule, _ZERO) + amount
        self.applied.append(Applied(payment.id, payment.paid_on, amount, rule))


def _allocation(bills: Sequence[_Open], chosen: Allocation | None) -> tuple[Allocation | None, str | None]:
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
        raise UnknownValueError("the bills' late-payment rules declare different allocation "
                                "orders; choose one")
    return (declared.pop(), "ruleset") if declared else (None, None)


def account_statement(
    ruleset: Ruleset,
    bills: Iterable[LedgerBill],
    payments: Iterable[Payment] = (),
    as_of: date | None = None,
    *,
    account: str = "",
    allocation: Allocation | None = None,
    version: ArrearsVersion | None = None,
) -> Statement:
    """The statement of one account as of ``as_of``.

    Each bill is judged by the late-payment rules of ``ruleset`` in force for its due date
    (``version`` pins one version for every bill). Payments made after ``as_of`` are listed
    but not applied. ``allocation`` overrides (or supplies) the ruleset's order; when neither
    says and a payment would have to choose between a bill's principal and its surcharges, an
    :class:`~tariffcore.UnknownValueError` is raised.
    """
    if as_of is None:
        raise InputError("a statement needs an as-of date")
    bill_list = list(bills)
    seen: set[str] = set()
    for bill in bill_list:
        if bill.id in seen:
            raise InputError(f"two bills have the id {bill.id!r}")
        seen.add(bill.id)
    open_bills = []
    for index, bill in enumerate(bill_list):
        chosen = version or ruleset.select_arrears(bill.due, bill.billing_month)
        check_principal(chosen, bill.charges)
        open_bills.append(_Open(bill, chosen, index))
    order = sorted(open_bills, key=lambda item: (item.bill.due, item.index))
    placement, placement_from = _allocation(open_bills, allocation)
    numbered = list(enumerate(payments))
    applied = [p for _, p in sorted(numbered, key=lambda x: (x[1].paid_on, x[0])) if p.paid_on <= as_of]
    later = tuple(p for _, p in numbered if p.paid_on > as_of)
    credit = _ZERO
    with localcontext(MONEY_CONTEXT):
        for payment in applied:
            left = payment.amount
            for item in order:
                if left == 0:
                    break
                owed = [(s.rule, s.amount - item.paid.get(s.rule, _ZERO))
                        for s in item.surcharges(payment.paid_on)]
                owed = [(rule, amount) for rule, amount in owed if amount > 0]
                if owed and item.unpaid > 0:
                    if left < item.unpaid + sum(a for _, a in owed) and placement is None:
                        raise UnknownValueError(
                            f"payment '{payment.id}' of {format_amount(payment.amount)} covers only "
                            f"part of bill {item.bill.id}, and {item.version.label} does not declare "
                            "whether payments go to surcharges or to principal first: choose an "
                            "allocation")
                steps: list[tuple[str, Decimal]] = list(owed)
                if placement == "principal_first":
                    steps.insert(0, (_PRINCIPAL, item.unpaid))
                else:
                    steps.append((_PRINCIPAL, item.unpaid))
                for target, amount in steps:
                    take = min(left, amount)
                    if take <= 0:
                        continue
                    if target == _PRINCIPAL:
                        item.pay_principal(payment, take)
                    else:
                        item.pay_surcharge(payment, target, take)
                    left -= take
            credit += left
        results = []
        for item in open_bills:
            lines = []
            for surcharge in item.surcharges(as_of):
                paid = item.paid.get(surcharge.rule, _ZERO)
                lines.append(SurchargeLine(surcharge, paid, surcharge.amount - paid))
            for rule, paid in item.paid.items():  # pragma: no cover - accruals never shrink
                if paid and rule not in {line.surcharge.rule for line in lines}:
                    raise AssertionError(f"bill {item.bill.id}: {rule} was paid but no longer accrues")
            outstanding = item.unpaid + sum((line.outstanding for line in lines), _ZERO)
            limitation = item.version.spec.arrears.limitation
            ends = item.bill.due + relativedelta(years=limitation.years) if limitation else None
            past = None if ends is None else (as_of > ends and outstanding > 0)
            results.append(BillStatement(
                item.bill, item.version.version, days_late(item.bill.due, as_of),
                item.bill.principal - item.unpaid, tuple(lines), tuple(item.applied), outstanding,
                ends, past,
            ))
    label = ruleset.id
    versions = sorted({r.version for r in results})
    if len(versions) == 1:
        label = f"{ruleset.id}@{versions[0]}"
    statement = Statement(account, label, as_of, placement, placement_from, tuple(results),
                          tuple(applied), later, credit)
    _check(statement)
    return statement


def _check(statement: Statement) -> None:
    """The invariant every statement keeps; a failure is a bug, never a data problem."""
    left = statement.principal + statement.surcharges - statement.paid
    right = statement.outstanding - statement.credit
    if left != right:  # pragma: no cover
        raise AssertionError(f"statement of {statement.account} does not reconcile: {left} != {right}")


# --------------------------------------------------------------------------- one bill

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
    the rules treat charges differently.
    """
    found, pinned = _resolve(catalog, ruleset)
    charges = dict(principal) if isinstance(principal, Mapping) else None
    total = sum(charges.values(), _ZERO) if charges is not None else principal
    assert isinstance(total, Decimal)
    bill = LedgerBill("bill", due, total, charges, billing_month)
    statement = account_statement(found, [bill], (), as_of, version=pinned)
    line = statement.bills[0]
    return ArrearsResult(
        f"{found.id}@{line.version}", line.version, total, due, as_of, line.days_late,
        tuple(s.surcharge for s in line.surcharges), line.outstanding, line.past_limitation,
        line.limitation_ends, bill.charges,
    )


def _resolve(catalog: Catalog | Ruleset, reference: str | None) -> tuple[Ruleset, ArrearsVersion | None]:
    if isinstance(catalog, Ruleset):
        return catalog, None
    if not reference:
        raise InputError("no ruleset given")
    return catalog.resolve_arrears(reference)


# --------------------------------------------------------------------------- plain data

_CHARGE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$")


def parse_charges(text: str) -> dict[str, Decimal]:
    """``water=30000;sewer=17000`` (``;`` or ``,`` between parts) → amounts per charge."""
    result: dict[str, Decimal] = {}
    for part in re.split(r"[;,]", text):
        if not part.strip():
            continue
        match = _CHARGE.match(part)
        if not match:
            raise InputError(f"{part.strip()!r} is not 'charge=amount'")
        name = match.group(1)
        if name in result:
            raise InputError(f"charge {name!r} is given twice")
        try:
            result[name] = D(match.group(2))
        except (TypeError, ValueError) as exc:
            raise InputError(f"charge {name!r}: {exc}") from None
    if not result:
        raise InputError("no charge amounts given")
    return result


def _amount(value: Decimal) -> str:
    return format_amount(_plain(value))


def surcharge_to_dict(surcharge: Surcharge) -> dict[str, Any]:
    """A surcharge as JSON-ready data (amounts as exact decimal strings)."""
    return {
        "kind": surcharge.kind,
        "rule": surcharge.rule,
        "label": surcharge.label,
        "amount": _amount(surcharge.amount),
        "from": surcharge.start.isoformat(),
        "to": surcharge.end.isoformat(),
        "percent": _amount(surcharge.percent),
        "count": surcharge.count,
        "unit": surcharge.unit,
        "formula": surcharge.formula,
        "unrounded": _amount(surcharge.unrounded),
        "rounding": surcharge.rounding,
        "version": surcharge.version,
        "source": [source.id for source in surcharge.sources],
    }


def arrears_result_to_dict(result: ArrearsResult) -> dict[str, Any]:
    """``{"ruleset", "principal", "surcharges": [...], "total_due", …}``."""
    return {
        "ruleset": result.ruleset,
        "principal": _amount(result.principal),
        "charges": {k: _amount(v) for k, v in result.charges.items()} if result.charges else None,
        "due": result.due.isoformat(),
        "as_of": result.as_of.isoformat(),
        "days_late": result.days_late,
        "surcharges": [surcharge_to_dict(s) for s in result.surcharges],
        "total_due": _amount(result.total_due),
        "limitation_ends": result.limitation_ends.isoformat() if result.limitation_ends else None,
        "past_limitation": result.past_limitation,
    }


def statement_to_dict(statement: Statement) -> dict[str, Any]:
    """A statement as JSON-ready data: totals, then every bill with its surcharges and the
    payments applied to it."""
    bills = []
    for line in statement.bills:
        bill = line.bill
        bills.append({
            "bill": bill.id,
            "due": bill.due.isoformat(),
            "billing_month": bill.billing_month.strftime("%Y-%m") if bill.billing_month else None,
            "version": line.version,
            "principal": _amount(bill.principal),
            "charges": {k: _amount(v) for k, v in bill.charges.items()} if bill.charges else None,
            "principal_paid": _amount(line.principal_paid),
            "days_late": line.days_late,
            "surcharges": [
                {**surcharge_to_dict(s.surcharge), "paid": _amount(s.paid),
                 "outstanding": _amount(s.outstanding)} for s in line.surcharges
            ],
            "payments": [
                {"payment": a.payment, "date": a.paid_on.isoformat(), "amount": _amount(a.amount),
                 "to": a.to} for a in line.applied
            ],
            "outstanding": _amount(line.outstanding),
            "limitation_ends": line.limitation_ends.isoformat() if line.limitation_ends else None,
            "past_limitation": line.past_limitation,
        })
    return {
        "account": statement.account,
        "ruleset": statement.ruleset,
        "as_of": statement.as_of.isoformat(),
        "allocation": statement.allocation,
        "allocation_from": statement.allocation_from,
        "principal": _amount(statement.principal),
        "surcharges": _amount(statement.surcharges),
        "paid": _amount(statement.paid),
        "credit": _amount(statement.credit),
        "outstanding": _amount(statement.outstanding),
        "bills": bills,
        "payments": [{"payment": p.id, "date": p.paid_on.isoformat(), "amount": _amount(p.amount)}
                     for p in statement.payments],
        "later_payments": [{"payment": p.id, "date": p.paid_on.isoformat(),
                            "amount": _amount(p.amount)} for p in statement.later_payments],
    }
