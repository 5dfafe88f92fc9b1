"""Reading a ledger of bills and payments (CSV or JSON lines), grouped by account.

One row is one bill or one payment. Columns:

``account``
    the account id (required): text, or an integer written without a fraction or an
    exponent (see :func:`tariffcore.rows.account_id`);
``entry``
    ``bill`` or ``payment`` (required);
``date``
    a bill's due date, or the day a payment was made (``YYYY-MM-DD``, required);
``amount``
    a bill's principal, or the amount paid (an exact decimal, with no fraction of the minor
    unit of the currency of the account's late-payment rules: the statement checks it, once
    the ruleset is known); a bill may leave it empty when ``charges`` is given;
``charges``
    optional, bills only: the principal per charge, ``water=30000;sewer=17000;levy=5000``,
    for rules that treat charges differently (it must add up to ``amount`` when both are given);
``billing_month``
    optional, bills only (``YYYY-MM``): for rules dated by billing month;
``id``
    optional: a bill's (or payment's) reference; a bill defaults to its due date;
``ruleset``
    optional: the ruleset of this account (every row of an account must agree), overriding
    the run's ``--ruleset``.

Rows of one account need not be contiguous nor in date order. A row that cannot be read
keeps its line number and its error; :func:`group_ledger` turns an account with such a row
into an error result of its own, since its statement would be incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..engine import Catalog
from ..errors import BillingError, InputError, row_result
from ..money import D
from ..rows import (
    JSONL_SUFFIXES,
    account_id,
    csv_reader,
    error_account,
    field_text,
    header_record,
    json_lines,
    parse_date,
    parse_month,
    records,
)
from .entries import LedgerBill, Payment
from .statements import Allocation, Statement, account_statement

__all__ = [
    "AccountLedger",
    "LEDGER_COLUMNS",
    "LedgerRow",
    "group_ledger",
    "ledger_rows",
    "parse_charges",
    "parse_ledger_row",
    "read_ledger",
]

#: The columns a ledger may have; any other column is an error (a typo would lose data).
LEDGER_COLUMNS = ("account", "entry", "date", "amount", "charges", "billing_month", "id", "ruleset")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One ledger row: its line, account and ruleset, and a bill, a payment or an error."""

    number: int
    account: str
    ruleset: str | None
    entry: LedgerBill | Payment | None
    error: BillingError | None


@dataclass
class AccountLedger:
    """Every row of one account, or the errors that stop it from having a statement."""

    account: str
    line: int
    ruleset: str | None = None
    bills: list[LedgerBill] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    errors: list[tuple[int, BillingError]] = field(default_factory=list)

    def error(self) -> BillingError | None:
        """One error naming every bad line of the account, or ``None``."""
        if not self.errors:
            return None
        text = "; ".join(f"line {number}: {error.message}" for number, error in self.errors)
        return BillingError(text, code=self.errors[0][1].code)

    def statement(
        self, catalog: Catalog, default: str | None, as_of: date, allocation: Allocation | None = None
    ) -> Statement | BillingError:
        """The account's statement as of ``as_of`` under the late-payment rules of its ruleset
        (``default`` where its rows name none; ``id@version`` pins a version), or the error
        result that stands for it: the account's bad rows, or why its ruleset cannot compute it.
        """
        error = self.error()
        if error is not None:
            return error

        def work(reference: str) -> Statement:
            ruleset, pinned = catalog.resolve_arrears(reference)
            return account_statement(
                ruleset,
                self.bills,
                self.payments,
                as_of=as_of,
                account=self.account,
                allocation=allocation,
                version=pinned,
            )

        return row_result(self.ruleset or default, work, self.account)


def parse_ledger_row(fields: Mapping[str, Any], number: int = 0) -> LedgerBill | Payment:
    """One row's fields (strings or JSON values) as a bill or a payment."""
    unknown = sorted(str(k) for k in fields if k not in LEDGER_COLUMNS)
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)} (a ledger has {', '.join(LEDGER_COLUMNS)})")
    entry = field_text(fields.get("entry")).lower()
    if entry not in ("bill", "payment"):
        raise InputError(f"entry must be 'bill' or 'payment', not {field_text(fields.get('entry'))!r}")
    day_text = field_text(fields.get("date"))
    if not day_text:
        raise InputError("date is empty")
    try:
        day = parse_date(day_text)
    except InputError as exc:
        raise InputError(f"date: {exc.message}") from None
    amount_text = fields.get("amount")
    amount: Decimal | None = None
    if field_text(amount_text):
        try:
            amount = D(amount_text if isinstance(amount_text, (int, Decimal)) else field_text(amount_text))
        except (TypeError, ValueError) as exc:
            raise InputError(f"amount: {exc}") from None
    reference = field_text(fields.get("id"))
    if entry == "payment":
        for name in ("charges", "billing_month"):
            if field_text(fields.get(name)):
                raise InputError(f"{name} is for bills, not payments")
        if amount is None:
            raise InputError("a payment needs an amount")
        return Payment(day, amount, reference or f"paid {day} (line {number})")
    charges = parse_charges(field_text(fields.get("charges"))) if field_text(fields.get("charges")) else None
    if amount is None:
        if charges is None:
            raise InputError("a bill needs an amount or charges")
        amount = sum(charges.values(), Decimal(0))
    month_text = field_text(fields.get("billing_month"))
    try:
        month: date | None = parse_month(month_text) if month_text else None
    except InputError as exc:
        raise InputError(f"billing_month: {exc.message}") from None
    return LedgerBill(reference or day.isoformat(), day, amount, charges, month)


def _records(stream: IO[str], kind: str) -> Iterator[tuple[int, Mapping[str, Any] | BillingError]]:
    if kind == "csv":
        reader = csv_reader(stream)
        header = header_record(reader, "the ledger")
        if header is None:
            return
        found = records(reader)
        width = len(header)
        missing = [name for name in ("account", "entry", "date") if name not in header]
        for number, values in found:
            if isinstance(values, InputError):
                yield number, values
            elif missing:
                yield number, InputError(f"the ledger has no column {', '.join(missing)}")
            elif len(values) > width:
                yield number, InputError(f"line {number} has more fields than the header")
            else:
                yield number, dict(zip(header, [*values, *([""] * (width - len(values)))]))
        return
    yield from json_lines(stream)


def read_ledger(source: str | Path | IO[str], format: str | None = None) -> Iterator[LedgerRow]:
    """Yield one :class:`LedgerRow` per row of a CSV or JSON-lines ledger, in order."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        kind = format or ("jsonl" if path.suffix.lower() in JSONL_SUFFIXES else "csv")
        with path.open(encoding="utf-8-sig", newline="") as stream:
            yield from read_ledger(stream, kind)
        return
    kind = format or "csv"
    if kind not in ("csv", "jsonl"):
        raise ValueError(f"unknown ledger format {kind!r} (csv or jsonl)")
    yield from ledger_rows(_records(source, kind))


def ledger_rows(records: Iterable[tuple[int, Mapping[str, Any] | BillingError]]) -> Iterator[LedgerRow]:
    """One :class:`LedgerRow` per ``(line number, record)``, in order: the records of a ledger
    file, or those a caller read as the JSON lines of one (the entries of a request to the
    HTTP service). A record that could not be read at all is given as its error."""
    for number, record in records:
        if isinstance(record, BillingError):  # its account's statement is then an error
            yield LedgerRow(number, error_account(record), None, None, record)
            continue
        ruleset = field_text(record.get("ruleset")) or None
        try:
            account = account_id(record.get("account"))
        except InputError as exc:
            yield LedgerRow(number, "", ruleset, None, exc)
            continue
        if not account:
            yield LedgerRow(number, "", ruleset, None, InputError("account is empty"))
            continue
        try:
            yield LedgerRow(number, account, ruleset, parse_ledger_row(record, number), None)
        except BillingError as exc:
            yield LedgerRow(number, account, ruleset, None, exc)


def group_ledger(rows: Iterable[LedgerRow]) -> list[AccountLedger]:
    """Rows grouped by account, in order of each account's first row.

    A row without an account becomes a group of its own (account ``""``) holding its error.
    Bills that share an id within an account get ``#2``, ``#3`` … appended.
    """
    groups: dict[str, AccountLedger] = {}
    result: list[AccountLedger] = []
    for row in rows:
        if not row.account:
            lone = AccountLedger("", row.number)
            lone.errors.append((row.number, row.error or InputError("account is empty")))
            result.append(lone)
            continue
        group = groups.get(row.account)
        if group is None:
            group = groups[row.account] = AccountLedger(row.account, row.number)
            result.append(group)
        if row.ruleset:
            if group.ruleset and group.ruleset != row.ruleset:
                group.errors.append(
                    (
                        row.number,
                        InputError(
                            f"ruleset {row.ruleset} differs from {group.ruleset} on an earlier row of the account"
                        ),
                    )
                )
            group.ruleset = group.ruleset or row.ruleset
        if row.error is not None:
            group.errors.append((row.number, row.error))
        elif isinstance(row.entry, Payment):
            group.payments.append(row.entry)
        elif isinstance(row.entry, LedgerBill):
            bill = row.entry
            taken = {b.id for b in group.bills}
            if bill.id in taken:
                suffix = 2
                while f"{bill.id}#{suffix}" in taken:
                    suffix += 1
                bill = LedgerBill(
                    f"{bill.id}#{suffix}", bill.due, bill.principal, bill.charges, bill.billing_month
                )
            group.bills.append(bill)
    return result


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
