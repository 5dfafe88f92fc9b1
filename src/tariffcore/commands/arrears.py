"""``tariffcore arrears``: late-payment surcharges of one bill, or statements from a ledger.

One bill::

    tariffcore arrears --ruleset kr/example --principal 52000 --due 2025-01-31 --as-of 2025-02-10

A ledger of bills and payments (see :mod:`tariffcore.accounts.ledger` for its columns), one statement
per account, in order of each account's first row; an account with a bad row becomes one
error result naming every bad line::

    tariffcore arrears examples/ledger.csv --ruleset kr/example --as-of 2025-06-30 --format table
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from datetime import date
from decimal import Decimal
from typing import IO, Any

from ..accounts import (
    ALLOCATION_NAMES,
    AccountLedger,
    ArrearsResult,
    Statement,
    arrears_currency,
    arrears_result_to_dict,
    compute_arrears,
    group_ledger,
    parse_charges,
    principal_at_scale,
    read_ledger,
    statement_to_dict,
)
from ..engine import Catalog
from ..errors import BillingError, InputError, TariffcoreError
from ..money import D, format_amount
from ..rows import compact_json, parse_date, parse_month, stdin_text
from ._common import Subparsers, catalog_options, open_catalog, output
from ._conventions import UsageError, check_input, output_format


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "arrears",
        help="late-payment surcharges of one bill, or statements from a ledger",
        description="With --principal and --due: what one unpaid bill owes on --as-of. With "
        "LEDGER: a statement per account of its bills, payments and surcharges as of --as-of.",
    )
    sub.add_argument(
        "ledger", nargs="?", help="ledger of bills and payments (CSV or .jsonl); '-' reads stdin"
    )
    sub.add_argument("--ruleset", help="ruleset id, or id@version to pin one set of late-payment rules")
    sub.add_argument("--as-of", required=True, help="the date to compute on (YYYY-MM-DD)")
    sub.add_argument(
        "--principal", help="one bill: the unpaid amount, or per charge: water=30000,sewer=17000"
    )
    sub.add_argument("--due", help="one bill: its due date (YYYY-MM-DD)")
    sub.add_argument("--billing-month", help="one bill: its billing month (YYYY-MM), for rules dated by it")
    sub.add_argument(
        "--allocation",
        choices=sorted(ALLOCATION_NAMES),
        help="apply payments to a bill's surcharges or principal first, when the "
        "ruleset does not say (or to override it)",
    )
    sub.add_argument(
        "--format",
        choices=("json", "jsonl", "csv", "table"),
        default=None,
        help="one bill: json or table; ledger: jsonl, csv or table; default: from the --output "
        "file's extension (.json, .jsonl, .csv), else json for one bill and jsonl for a ledger",
    )
    sub.add_argument(
        "--input-format",
        choices=("csv", "jsonl"),
        default=None,
        help="default: from the file name (.jsonl/.ndjson/.json are JSON lines)",
    )
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    catalog_options(sub)
    sub.set_defaults(run=run)


def _date(name: str, text: str) -> Any:
    try:
        return parse_date(text)
    except InputError as exc:
        raise TariffcoreError(f"--{name}: {exc.message}") from None


def run(args: argparse.Namespace) -> int:
    as_of = _date("as-of", args.as_of)
    allocation = ALLOCATION_NAMES[args.allocation] if args.allocation else None
    if args.ledger is None:
        return _one_bill(args, as_of)
    if args.principal or args.due or args.billing_month:
        raise UsageError("give either a LEDGER or --principal/--due, not both")
    if args.format == "json":
        raise UsageError("a ledger is written as jsonl, csv or table")
    fmt = output_format(args.format, args.output, formats=("jsonl", "csv", "table"), default="jsonl")
    catalog = open_catalog(args)
    if args.ruleset:
        catalog.resolve(args.ruleset.partition("@")[0])  # fail early on a bad --ruleset
    stdin = args.ledger == "-"
    check_input(args.ledger, "ledger file")
    rows = (
        read_ledger(stdin_text(), args.input_format or "csv")
        if stdin
        else read_ledger(args.ledger, args.input_format)
    )
    failed = 0
    with output(args.output, [args.ledger]) as stream:
        writer = _Writer(fmt, stream)
        for group in group_ledger(rows):
            result = group.statement(catalog, args.ruleset, as_of, allocation)
            if isinstance(result, BillingError):
                failed += 1
            writer.write(group, result)
        writer.close()
    return 1 if failed else 0


def _one_bill(args: argparse.Namespace, as_of: Any) -> int:
    if not (args.principal and args.due):
        raise TariffcoreError("give a LEDGER, or --principal and --due for one bill")
    if not args.ruleset:
        raise TariffcoreError("--ruleset is required")
    if args.format == "csv":
        raise UsageError("one bill is written as json or table")
    fmt = output_format(args.format, args.output, formats=("json", "jsonl", "table"), default="json")
    due = _date("due", args.due)
    try:
        month = parse_month(args.billing_month) if args.billing_month else None
        principal: Any = parse_charges(args.principal) if "=" in args.principal else D(args.principal.strip())
    except (InputError, TypeError, ValueError) as exc:
        raise TariffcoreError(f"--principal/--billing-month: {exc}") from None
    if not isinstance(principal, dict) and principal < 0:
        raise TariffcoreError("--principal cannot be negative")
    catalog = open_catalog(args)
    principal = _at_scale(catalog, args.ruleset, principal, due, month)
    try:
        result = compute_arrears(
            catalog, args.ruleset, principal=principal, due=due, as_of=as_of, billing_month=month
        )
    except BillingError as exc:
        if fmt == "table":
            print(f"error {exc.code}: {exc.message}", file=sys.stderr)
        else:
            print(
                json.dumps(
                    {"ruleset": args.ruleset, "error": {"code": exc.code, "message": exc.message}},
                    ensure_ascii=False,
                )
            )
        return 1
    with output(args.output) as stream:
        if fmt == "table":
            stream.write(_result_table(result))
        else:
            data = arrears_result_to_dict(result)
            text = json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else compact_json(data)
            stream.write(text + "\n")
    return 0


def _at_scale(
    catalog: Catalog, ruleset: str, principal: Decimal | dict[str, Decimal], due: date, month: date | None
) -> Decimal | dict[str, Decimal]:
    """``--principal`` written at the scale of the currency of the late-payment rules that judge
    the bill; an amount no ledger holds or with a fraction of the minor unit (``52000.5`` won) is
    a bad value of the option. When no rules judge the bill, it is left to
    :func:`~tariffcore.compute_arrears` to say why, as the command's error result."""
    try:
        currency = arrears_currency(catalog, ruleset, due, month)
    except BillingError:
        return principal
    try:
        return principal_at_scale(principal, currency)
    except InputError as exc:
        raise TariffcoreError(f"--principal: {exc.message}") from None


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Korean (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


def _result_table(result: ArrearsResult) -> str:
    rows = [("principal", format_amount(result.principal), "")]
    for s in result.surcharges:
        rounding = f"; {s.rounding}" if s.rounding else ""
        rows.append(
            (f"{s.label} ({s.rule})", format_amount(s.amount), f"{s.formula}; {s.start}..{s.end}{rounding}")
        )
    rows.append(("total due", format_amount(result.total_due), ""))
    first = max(_width(r[0]) for r in rows)
    second = max(_width(r[1]) for r in rows)
    head = f"{result.ruleset}: due {result.due}, as of {result.as_of} ({result.days_late} day(s) late)\n"
    lines = [f"  {_pad(a, first)}  {_pad(b, second, right=True)}  {c}".rstrip() for a, b, c in rows]
    if result.past_limitation:
        lines.append(f"  past the limitation period (ended {result.limitation_ends})")
    return head + "\n".join(lines) + "\n"


_CSV_COLUMNS = [
    "account",
    "ruleset",
    "as_of",
    "bills",
    "principal",
    "surcharges",
    "paid",
    "credit",
    "outstanding",
    "past_limitation",
    "error_code",
    "error_message",
]


class _Writer:
    """One result per account: a statement or an error, as jsonl, csv or table."""

    def __init__(self, fmt: str, stream: IO[str]) -> None:
        self.fmt = fmt
        self.stream = stream
        self.rows: list[list[str]] = []
        self.errors = 0
        self.csv = csv.writer(stream, lineterminator="\n") if fmt == "csv" else None
        if self.csv is not None:
            self.csv.writerow(_CSV_COLUMNS)

    def write(self, group: AccountLedger, result: Statement | BillingError) -> None:
        if isinstance(result, BillingError):
            self.errors += 1
            if self.fmt == "jsonl":
                data = {
                    "account": group.account,
                    "line": group.line,
                    "error": {"code": result.code, "message": result.message},
                }
                self.stream.write(compact_json(data) + "\n")
            elif self.csv is not None:
                self.csv.writerow(
                    [group.account, "", "", "", "", "", "", "", "", "", result.code, result.message]
                )
            else:
                self.rows.append(
                    [group.account or f"(line {group.line})", f"error {result.code}: {result.message}"]
                )
            return
        past = [b for b in result.bills if b.past_limitation]
        unknown = any(b.past_limitation is None for b in result.bills)
        flag = "" if unknown and not past else str(len(past))
        if self.fmt == "jsonl":
            self.stream.write(compact_json(statement_to_dict(result)) + "\n")
            return
        cells = [
            result.account,
            result.ruleset,
            result.as_of.isoformat(),
            str(len(result.bills)),
            format_amount(result.principal),
            format_amount(result.surcharges),
            format_amount(result.paid),
            format_amount(result.credit),
            format_amount(result.outstanding),
            flag,
        ]
        if self.csv is not None:
            self.csv.writerow([*cells, "", ""])
        else:
            self.rows.append(cells)

    def close(self) -> None:
        if self.fmt != "table":
            return
        header = [
            "account",
            "ruleset",
            "as_of",
            "bills",
            "principal",
            "surcharges",
            "paid",
            "credit",
            "outstanding",
            "past_limitation",
        ]
        numeric = set(range(3, 10))
        full = [header] + [row for row in self.rows if len(row) > 2]
        widths = [max(_width(row[i]) for row in full) for i in range(len(header))]

        def render(row: list[str]) -> str:
            if len(row) == 2:
                return f"{_pad(row[0], widths[0])}  {row[1]}"
            return "  ".join(_pad(c, widths[i], right=i in numeric) for i, c in enumerate(row)).rstrip()

        self.stream.write(render(header) + "\n")
        for row in self.rows:
            self.stream.write(render(row) + "\n")
        done = len(self.rows) - self.errors
        self.stream.write(f"\n{done} statement(s), {self.errors} error(s)\n")
