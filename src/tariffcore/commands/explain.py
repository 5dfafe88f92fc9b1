"""``tariffcore explain``: one account's bill, every line with its tiers, rates, rounding
and sources."""

from __future__ import annotations

import argparse
import json
import re
import sys

from ..errors import BillingError
from ..rows import bill_to_dict, error_to_dict, explain_bill, parse_row, read_rows, stdin_text
from ._common import Subparsers, bill_one, catalog_options, open_catalog
from ._conventions import UsageError, check_input
from .bill import charges_option, requested


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "explain",
        help="explain one account's bill line by line",
        description="Explain one bill: from INPUT with --account, or from the options below.",
    )
    sub.add_argument(
        "input",
        nargs="?",
        help="input file holding the account (with --account); '-' reads standard input (CSV, or "
        "as --input-format says)",
    )
    sub.add_argument("--input-format", choices=("csv", "jsonl"), default=None)
    sub.add_argument("--account", help="account id (to find in INPUT, or to print)")
    sub.add_argument("--ruleset", help="ruleset id or id@version")
    sub.add_argument("--use-class")
    sub.add_argument("--meter-mm")
    sub.add_argument("--households", dest="household_units")
    sub.add_argument("--usage", help="usage in m³")
    sub.add_argument("--billing-month", help="YYYY-MM")
    sub.add_argument("--period-start")
    sub.add_argument("--period-end")
    sub.add_argument("--due-date")
    sub.add_argument("--months", help="months the bill covers (default: the ruleset's billing cycle)")
    sub.add_argument("--reductions", help="reduction ids separated by ';'")
    sub.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra account attribute a rule asks for (repeatable)",
    )
    sub.add_argument("--format", choices=("text", "json"), default="text")
    charges_option(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    catalog = open_catalog(args)
    if args.input:
        if not args.account:
            raise UsageError("explain INPUT needs --account ID")
        check_input(args.input)
        source = stdin_text() if args.input == "-" else args.input
        for row in read_rows(source, args.input_format):
            if row.account == args.account:
                break
        else:
            raise UsageError(f"account {args.account!r} is not in {args.input}")
        if row.error is not None:
            print(f"account {row.account}: error {row.error.code}: {row.error.message}")
            return 1
        assert row.parsed is not None
        account, reading = row.parsed
        reference = row.ruleset or args.ruleset
    else:
        fields: dict[str, object] = {
            "account": args.account or "-",
            "use_class": args.use_class,
            "meter_mm": args.meter_mm,
            "household_units": args.household_units,
            "usage_m3": args.usage,
            "billing_month": args.billing_month,
            "period_start": args.period_start,
            "period_end": args.period_end,
            "due_date": args.due_date,
            "reductions": args.reductions,
            "months": args.months,
        }
        for item in args.set:
            name, _, value = item.partition("=")
            fields[name.strip()] = value
        try:
            account, reading = parse_row(fields)
        except BillingError as exc:  # the options are the row: a usage error
            print(f"error {exc.code}: {_in_option_words(exc.message)}", file=sys.stderr)
            return 2
        reference = args.ruleset
    if not reference:
        raise UsageError("give --ruleset ID (or a row with a 'ruleset' column)")
    result = bill_one(catalog, reference, account, reading, requested(args))
    if isinstance(result, BillingError):
        if args.format == "json":
            print(json.dumps(error_to_dict(account.id, result), ensure_ascii=False, indent=2))
        else:
            print(f"account {account.id}: error {result.code}: {result.message}")
        return 1
    if args.format == "json":
        print(json.dumps(bill_to_dict(result), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(explain_bill(result))
    return 0


#: The input columns explain's options stand for, as its messages should name them.
_OPTIONS = {
    "use_class": "--use-class",
    "usage_m3": "--usage",
    "meter_mm": "--meter-mm",
    "household_units": "--households",
    "billing_month": "--billing-month",
    "period_start": "--period-start",
    "period_end": "--period-end",
    "due_date": "--due-date",
    "reductions": "--reductions",
    "months": "--months",
}


def _in_option_words(message: str) -> str:
    """An input error about a column, reworded for the option that gave it."""
    return re.sub(r"\b(" + "|".join(_OPTIONS) + r")\b", lambda m: _OPTIONS[m.group(1)], message)
