"""The entries of an account's ledger: bills and payments, each checked when it is made, and
written at the scale of its currency once the late-payment rules that judge it are known."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from ..bill import Bill
from ..errors import InputError
from ..money import MONEY_CONTEXT, ZERO, format_amount, money_sum
from .amounts import at_currency_scale, check_amount

__all__ = ["LedgerBill", "Payment", "entries_at_scale"]


@dataclass(frozen=True, slots=True)
class LedgerBill:
    """A bill in an account's ledger: its principal (optionally per charge) and due date."""

    id: str
    due: date
    principal: Decimal
    charges: Mapping[str, Decimal] | None = None
    billing_month: date | None = None

    def __post_init__(self) -> None:
        check_amount(f"bill {self.id}: the principal", self.principal)
        if self.principal < 0:
            raise InputError(f"bill {self.id}: the principal cannot be negative ({self.principal})")
        if self.charges is not None:
            for name, amount in self.charges.items():
                check_amount(f"bill {self.id}: charge {name}", amount)
            if any(amount < 0 for amount in self.charges.values()):
                raise InputError(f"bill {self.id}: a charge amount cannot be negative")
            total = money_sum(self.charges.values())
            if total != self.principal:
                raise InputError(
                    f"bill {self.id}: the charges add up to {format_amount(total)}, "
                    f"not to the principal {format_amount(self.principal)}"
                )
            object.__setattr__(self, "charges", MappingProxyType(dict(self.charges)))

    def at_scale(self, currency: str) -> LedgerBill:
        """This bill with its principal and charges written at the scale of ``currency``; an
        :class:`~tariffcore.InputError` names each amount with a fraction of its minor unit."""
        charges = dict(self.charges or {})
        named = [(f"bill {self.id}: charge {name}", amount) for name, amount in charges.items()]
        principal, *amounts = at_currency_scale(
            [(f"bill {self.id}: the principal", self.principal), *named], currency
        )
        if self.charges is None:
            return replace(self, principal=principal)
        return replace(self, principal=principal, charges=dict(zip(charges, amounts, strict=True)))

    @classmethod
    def from_bill(
        cls, bill: Bill, due: date, *, id: str | None = None, billing_month: date | None = None
    ) -> LedgerBill:
        """A computed :class:`~tariffcore.Bill` as a ledger bill: its lines become the
        principal per charge (lines of the same charge are added up)."""
        charges: dict[str, Decimal] = {}
        for line in bill.lines:
            charges[line.charge] = MONEY_CONTEXT.add(charges.get(line.charge, ZERO), line.amount)
        return cls(id or due.isoformat(), due, bill.total, charges, billing_month)


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment received on ``paid_on``."""

    paid_on: date
    amount: Decimal
    id: str = ""

    def __post_init__(self) -> None:
        check_amount("a payment", self.amount)
        if self.amount <= 0:
            raise InputError(f"a payment must be positive, not {format_amount(self.amount)}")
        if not self.id:
            object.__setattr__(self, "id", f"paid {self.paid_on}")

    def at_scale(self, currency: str) -> Payment:
        """This payment with its amount written at the scale of ``currency``; an
        :class:`~tariffcore.InputError` when it holds a fraction of its minor unit."""
        (amount,) = at_currency_scale([(f"payment {self.id!r}: the amount", self.amount)], currency)
        return replace(self, amount=amount)


def entries_at_scale(
    bills: Sequence[tuple[LedgerBill, str]], payments: Sequence[Payment], currency: str | None
) -> tuple[list[LedgerBill], list[Payment]]:
    """The bills (each with the currency of its late-payment rules) and the payments (in
    ``currency``; as given when it is ``None``) with every amount at its currency's scale, or
    one :class:`~tariffcore.InputError` naming every amount with a fraction of the minor unit."""
    problems: list[str] = []
    scaled_bills, scaled_payments = [], []
    for bill, bill_currency in bills:
        try:
            scaled_bills.append(bill.at_scale(bill_currency))
        except InputError as exc:
            problems.append(exc.message)
    for payment in payments:
        try:
            scaled_payments.append(payment if currency is None else payment.at_scale(currency))
        except InputError as exc:
            problems.append(exc.message)
    if problems:
        raise InputError("; ".join(problems))
    return scaled_bills, scaled_payments
