"""``tariffcore compare READINGS --ruleset ID@A --against ID@B``: the same accounts under two
ordinances (two versions of one city, or two cities).

Per account: the old and the new bill's total and the change, one result per input row (rows
either side cannot bill keep their error). Then revenue by use class, percentiles of the
change and the accounts hit hardest, as text, JSON (``--summary``) and a self-contained HTML
report (``--report``). Exit status 1 when any row could not be billed by both.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from ..batch import run_chunks
from ..regression import CompareSummary, Comparison, compare_chunk
from ..rows import Progress, compact_json, read_chunks
from ._common import Subparsers, catalog_options
from ._files import Outputs
from .bill import batch_options, open_engine


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "compare",
        help="bill the same accounts under two ordinances",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub.add_argument("readings", help="CSV, JSON lines or Parquet, as for 'bill'")
    sub.add_argument("--ruleset", required=True, help="the old ordinance: id or id@version")
    sub.add_argument("--against", required=True, help="the new ordinance: id or id@version")
    sub.add_argument(
        "--format",
        choices=("csv", "jsonl", "none"),
        default="csv",
        help="per-account output (default csv; none: summary only)",
    )
    sub.add_argument("--input-format", choices=("csv", "jsonl", "parquet"), default=None)
    sub.add_argument("--output", "-o", help="per-account output file (default: standard output)")
    sub.add_argument("--summary", metavar="FILE", help="write the summary as JSON to FILE")
    sub.add_argument("--report", metavar="FILE", help="write the HTML report to FILE")
    sub.add_argument(
        "--hardest",
        type=int,
        default=20,
        metavar="N",
        help="how many accounts hit hardest to list (default 20)",
    )
    batch_options(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    old = open_engine(args, args.ruleset)
    new = open_engine(args, args.against)
    if not Path(args.readings).is_file():
        raise OSError(f"no such input file: {args.readings}")
    progress = Progress() if Progress.wanted(args.progress) else None
    chunks = read_chunks(args.readings, args.input_format, progress=progress)
    summary = CompareSummary(args.ruleset, args.against, hardest=args.hardest)
    with (
        Outputs([args.readings]) as outputs,
        outputs.stream(args.output if args.format != "none" else None) as stream,
    ):
        summary_file = outputs.text(args.summary, "--summary") if args.summary else None
        report_file = outputs.text(args.report, "--report") if args.report else None
        table = csv.writer(stream, lineterminator="\n") if args.format == "csv" else None
        header = table is not None
        for items in run_chunks((old, new), chunks, compare_chunk, args.jobs):
            if header and table is not None:  # once the input is known to be comparable
                table.writerow(Comparison.COLUMNS)
                header = False
            for item in items:
                summary.add(item)
                if table is not None:
                    table.writerow(item.row())
                elif args.format == "jsonl":
                    stream.write(compact_json(item.to_dict()) + "\n")
        if header and table is not None:  # an input without rows
            table.writerow(Comparison.COLUMNS)
        if summary_file is not None:
            summary_file.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
        if report_file is not None:
            from ..regression import html_report

            report_file.write(html_report(summary))
        outputs.commit()
    if progress is not None:
        progress.finish()
    target = sys.stdout if args.format == "none" else sys.stderr
    target.write(summary.text())
    return 1 if summary.error_rows else 0
