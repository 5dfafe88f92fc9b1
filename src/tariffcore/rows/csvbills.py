"""The cells and rows of a CSV of bills (``bill --format csv``), as :class:`~tariffcore.rows.CsvWriter`
writes them: a row's cells, a row after its account's cell, and a row's template, the fixed
texts of a kind of bill with the places of its figures (what rows written from lean bills and
from columns are joined from)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence

from ..bill import Bill, BillFigures
from ..errors import BillingError
from ..money import format_amount, format_money

__all__ = [
    "ACCOUNT_COLUMNS",
    "CSV_ACCOUNT",
    "CSV_LEADING",
    "CSV_LINES",
    "CSV_MARK",
    "CSV_TOTAL",
    "CSV_TRAILING",
    "CSV_USAGE",
    "SAFE_CELL",
    "account_cells",
    "charge_cells",
    "csv_account",
    "csv_cells",
    "csv_line",
    "csv_rest",
    "csv_template",
]


#: The account's columns at the end of a CSV or Parquet row (after the error columns, so that
#: older readers that go by position still find theirs).
ACCOUNT_COLUMNS = ("use_class", "meter_mm", "household_units")
#: The columns of a CSV row of bills before the charges' own columns, and after them (the
#: :data:`ACCOUNT_COLUMNS` follow).
CSV_LEADING = ("account", "ruleset", "usage_m3")
CSV_TRAILING = ("other_charges", "total", "not_included", "error_code", "error_message")


def account_cells(bill: Bill | BillFigures) -> list[str | None]:
    """The values of :data:`ACCOUNT_COLUMNS` for ``bill`` (``None`` where it has none)."""
    return [
        bill.use_class,
        None if bill.meter_mm is None else str(bill.meter_mm),
        None if bill.household_units is None else str(bill.household_units),
    ]


def charge_cells(bill: Bill | BillFigures, charges: Sequence[str]) -> tuple[list[str | None], list[str]]:
    """The bill's amount under each of ``charges`` (``None`` where it has no such line), and
    its other lines as ``charge=amount``: the charge columns of the CSV and Parquet outputs."""
    amounts: dict[str, str | None] = dict.fromkeys(charges)
    other = []
    for line in bill.lines:
        amount = format_money(line.amount, bill.currency)
        if line.charge in amounts:
            amounts[line.charge] = amount
        else:
            other.append(f"{line.charge}={amount}")
    return list(amounts.values()), other


def csv_cells(account: str, result: Bill | BillFigures | BillingError, charges: Sequence[str]) -> list[str]:
    """The cells of ``result``'s row of a CSV of bills (:data:`CSV_LEADING`, a column per
    charge of ``charges``, :data:`CSV_TRAILING`, :data:`ACCOUNT_COLUMNS`); a bill's figures
    give the same row as the bill."""
    if isinstance(result, BillingError):
        return [
            account,
            "",
            "",
            *([""] * len(charges)),
            "",
            "",
            "",
            result.code,
            result.message,
            *([""] * len(ACCOUNT_COLUMNS)),
        ]
    amounts, other = charge_cells(result, charges)
    return [
        account,
        result.label,
        format_amount(result.usage_m3),
        *(amount if amount is not None else "" for amount in amounts),
        ";".join(other),
        format_amount(result.total),
        ";".join(n.charge for n in result.not_included),
        "",
        "",
        *(cell if cell is not None else "" for cell in account_cells(result)),
    ]


class _Line:
    """What a :func:`csv.writer` writes: one row, in one call."""

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def csv_line(cells: Sequence[str]) -> str:
    """``cells`` as one row of a CSV of bills, as :class:`CsvWriter` writes it (its line end
    included)."""
    line = _Line()
    csv.writer(line, lineterminator="\n").writerow(cells)
    return line.text


def csv_account(account: str) -> str:
    """The account's cell at the start of a CSV row of bills, as :class:`CsvWriter` writes it:
    ``csv_account(account) + csv_rest(result, charges)`` is the row."""
    if account and SAFE_CELL.match(account):
        return account
    return csv_line([account, ""])[:-2]  # an empty cell alone on a row would be written ""


def csv_rest(result: Bill | BillFigures | BillingError, charges: Sequence[str]) -> str:
    """The CSV row of bills of ``result`` after its account's cell (from the comma on)."""
    return "," + csv_line(csv_cells("", result, charges)[1:])


#: A cell :func:`csv.writer` writes as it is (no delimiter, quote or line end in it).
SAFE_CELL = re.compile(r"[A-Za-z0-9 ._:/#+-]*\Z")
#: Where a figure goes in a row template (see :func:`csv_template`): the unit separator
#: around its number. A fixed cell holding that character has no template.
CSV_MARK = "\x1f"
_MARKS = re.compile(CSV_MARK + "([0-9]+)" + CSV_MARK)
#: The figures of a row template, by number: the account, the usage, the total, then the
#: amount of each line (:data:`CSV_LINES` + its index).
CSV_ACCOUNT, CSV_USAGE, CSV_TOTAL, CSV_LINES = 0, 1, 2, 3


def csv_template(
    label: str,
    lines: Sequence[str],
    not_included: Sequence[str],
    account: tuple[str | None, int | None, int | None],
    charges: Sequence[str],
) -> list[str | int] | None:
    """The CSV row of a bill of the version ``label`` whose lines are of the charges
    ``lines`` (in order), with the charges ``not_included`` and the account's ``(use class,
    meter, households)``, in a CSV of bills with a column per charge of ``charges``: the
    texts of the row and, between them, the numbers of its figures (:data:`CSV_ACCOUNT`,
    :data:`CSV_USAGE`, :data:`CSV_TOTAL`, :data:`CSV_LINES` + a line's index), the fixed
    cells written as :class:`CsvWriter` writes them. ``None`` when a fixed cell holds
    :data:`CSV_MARK`."""
    use_class, meter_mm, households = account
    if any(CSV_MARK in cell for cell in (label, *lines, *not_included, use_class or "")):
        return None

    def mark(number: int) -> str:
        return f"{CSV_MARK}{number}{CSV_MARK}"

    amounts: dict[str, str | None] = dict.fromkeys(charges)
    other = []
    for line, charge in enumerate(lines):  # as charge_cells: a charge's column, else charge=amount
        if charge in amounts:
            amounts[charge] = mark(CSV_LINES + line)
        else:
            other.append(f"{charge}={mark(CSV_LINES + line)}")
    cells = [
        mark(CSV_ACCOUNT),
        label,
        mark(CSV_USAGE),
        *(amount if amount is not None else "" for amount in amounts.values()),
        ";".join(other),
        mark(CSV_TOTAL),
        ";".join(not_included),
        "",
        "",
        use_class or "",
        "" if meter_mm is None else str(meter_mm),
        "" if households is None else str(households),
    ]
    parts = _MARKS.split(csv_line(cells))
    return [part if at % 2 == 0 else int(part) for at, part in enumerate(parts)]
