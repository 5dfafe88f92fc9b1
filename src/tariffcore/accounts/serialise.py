"""Statements and arrears results as JSON-ready data (amounts as exact decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..arrears import (
    Surcharge,
)
from ..money import format_amount, plain
from .arrears_due import ArrearsResult
from .statements import Statement

__all__ = [
    "arrears_result_to_dict",
    "statement_to_dict",
    "surcharge_to_dict",
]


def _amount(value: Decimal) -> str:
    return format_amount(plain(value))


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
        bills.append(
            {
                "bill": bill.id,
                "due": bill.due.isoformat(),
                "billing_month": bill.billing_month.strftime("%Y-%m") if bill.billing_month else None,
                "version": line.version,
                "principal": _amount(bill.principal),
                "charges": {k: _amount(v) for k, v in bill.charges.items()} if bill.charges else None,
                "principal_paid": _amount(line.principal_paid),
                "days_late": line.days_late,
                "surcharges": [
                    {
                        **surcharge_to_dict(s.surcharge),
                        "paid": _amount(s.paid),
                        "outstanding": _amount(s.outstanding),
                    }
                    for s in line.surcharges
                ],
                "payments": [
                    {
                        "payment": a.payment,
                        "date": a.paid_on.isoformat(),
                        "amount": _amount(a.amount),
                        "to": a.to,
                    }
                    for a in line.applied
                ],
                "outstanding": _amount(line.outstanding),
                "limitation_ends": line.limitation_ends.isoformat() if line.limitation_ends else None,
                "past_limitation": line.past_limitation,
            }
        )
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
        "payments": [
            {"payment": p.id, "date": p.paid_on.isoformat(), "amount": _amount(p.amount)}
            for p in statement.payments
        ],
        "later_payments": [
            {"payment": p.id, "date": p.paid_on.isoformat(), "amount": _amount(p.amount)}
            for p in statement.later_payments
        ],
    }
