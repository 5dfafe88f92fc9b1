"""Accounts over time: ledgers of bills and payments, statements as of a date, and what one
unpaid bill owes.
"""

from __future__ import annotations

from .amounts import MAX_AMOUNT_DIGITS, MAX_AMOUNT_PLACES, at_currency_scale, check_amount
from .arrears_due import (
    ArrearsResult,
    arrears_currency,
    compute_arrears,
    principal_at_scale,
)
from .entries import LedgerBill, Payment
from .ledger import (
    LEDGER_COLUMNS,
    AccountLedger,
    LedgerRow,
    group_ledger,
    ledger_rows,
    parse_charges,
    parse_ledger_row,
    read_ledger,
)
from .serialise import (
    arrears_result_to_dict,
    statement_to_dict,
    surcharge_to_dict,
)
from .statements import (
    ALLOCATION_NAMES,
    ALLOCATIONS,
    Allocation,
    Applied,
    BillStatement,
    Statement,
    SurchargeLine,
    account_statement,
)

__all__ = [
    "ALLOCATIONS",
    "MAX_AMOUNT_DIGITS",
    "MAX_AMOUNT_PLACES",
    "at_currency_scale",
    "check_amount",
    "ALLOCATION_NAMES",
    "AccountLedger",
    "Allocation",
    "Applied",
    "ArrearsResult",
    "BillStatement",
    "LEDGER_COLUMNS",
    "LedgerBill",
    "LedgerRow",
    "Payment",
    "Statement",
    "SurchargeLine",
    "account_statement",
    "arrears_currency",
    "arrears_result_to_dict",
    "compute_arrears",
    "group_ledger",
    "ledger_rows",
    "parse_charges",
    "parse_ledger_row",
    "principal_at_scale",
    "read_ledger",
    "statement_to_dict",
    "surcharge_to_dict",
]
