"""The entries of an account's ledger: bills and payments, each checked when it is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from ..bill import Bill
from ..errors import InputError
from ..money import MONEY_CONTEXT, ZERO, format_amount, money_sum
from .amounts import check_amount

__all__ = ["LedgerBill", "Payment"]


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
