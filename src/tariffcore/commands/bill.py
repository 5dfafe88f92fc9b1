"""``tariffcore bill INPUT --ruleset ID``: one result per input row, in input order."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..bill import Bill
from ..errors import BillingError
from ..inputs import read_rows
from ..output import writer_for
from ._common import Subparsers, bill_one, catalog_options, charge_columns, open_catalog, output


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser("bill", help="bill every row of a CSV or JSON-lines file")
    sub.add_argument("input", help="CSV with a header, or JSON lines (.jsonl); '-' reads stdin")
    sub.add_argument("--ruleset", help="ruleset id (or id@version) for rows without a 'ruleset' column")
    sub.add_argument("--format", choices=("jsonl", "csv", "table"), default="jsonl")
    sub.add_argument("--input-format", choices=("csv", "jsonl"), default=None,
                     help="default: from the file name (.jsonl/.ndjson/.json are JSON lines)")
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    catalog_options(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    catalog = open_catalog(args)
    columns = charge_columns(catalog, args.ruleset)  # also fails early on a bad --ruleset
    stdin = args.input == "-"
    if not stdin and not Path(args.input).is_file():
        raise OSError(f"no such input file: {args.input}")
    rows = read_rows(sys.stdin, args.input_format or "csv") if stdin else read_rows(args.input, args.input_format)
    failed = 0
    with output(args.output) as stream:
        writer = writer_for(args.format, stream, columns)
        for row in rows:
            result: Bill | BillingError
            if row.error is not None:
                result = row.error
            else:
                assert row.parsed is not None
                result = bill_one(catalog, row.ruleset or args.ruleset, *row.parsed)
            if isinstance(result, BillingError):
                failed += 1
            writer.write(row.account, result)
        writer.close()
    return 1 if failed else 0
