"""``tariffcore report RUN``: the month's report of a billing run (the output of ``bill``).

Revenue by use class × charge, by meter size and by ruleset version, the bills and error rows
(by code, with the most frequent messages), the reductions granted, the charges left out and
how bill totals are distributed; as a table, CSV, JSON or a self-contained HTML page with
charts. The run is read as a stream: memory stays flat however many rows it has.
"""

from __future__ import annotations

import argparse

from ..documents import Report, report_csv, report_html, report_json, report_table, run_report
from ._common import Subparsers, output
from ._conventions import output_format, stdin_file


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "report",
        help="the month's report of a billing run",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub.add_argument(
        "source",
        metavar="RUN",
        help="the output of 'bill': JSON lines, CSV or Parquet; '-' reads standard input (JSON "
        "lines, or as --input-format says)",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: from the --output file's extension (.csv, .json, .html), else table",
    )
    sub.add_argument(
        "--input-format",
        choices=("jsonl", "csv", "parquet"),
        default=None,
        help="default: from the file name (.jsonl/.ndjson/.json are JSON lines, "
        ".parquet Parquet, anything else CSV)",
    )
    sub.add_argument("--title", help="the report's title (default: from the file name)")
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    sub.set_defaults(run=run)


#: What ``report`` writes.
FORMATS = ("table", "csv", "json", "html")


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args.format, args.output, formats=FORMATS, default="table")
    if args.source == "-" and args.input_format == "parquet":
        with stdin_file(".parquet") as copy:  # Parquet is read from a file
            return _write(args, fmt, run_report(copy, format="parquet"))
    return _write(args, fmt, run_report(args.source, format=args.input_format))


def _write(args: argparse.Namespace, fmt: str, report: Report) -> int:
    with output(args.output, [args.source]) as stream:
        if fmt == "csv":
            report_csv(report, stream)
        elif fmt == "json":
            stream.write(report_json(report))
        elif fmt == "html":
            stream.write(report_html(report, args.title))
        else:
            stream.write(report_table(report, args.title))
    return 0
