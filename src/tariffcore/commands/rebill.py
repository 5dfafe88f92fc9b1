"""``tariffcore rebill HISTORY --ruleset ID``: recompute issued bills and report every difference.

The exit status is 0 when every bill matches to the won, 1 when any bill differs or cannot be
recomputed (so it can gate an ordinance change in CI), 2 when the run cannot start. The file
format is described in :mod:`tariffcore.regression.rebill`.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from ..batch import run_chunks
from ..regression import RebillSummary, check_chunk, describe
from ..rows import Progress, compact_json, read_chunks
from ._common import Subparsers, catalog_options
from ._files import Outputs
from .bill import batch_options, open_engine


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "rebill",
        help="recompute issued bills under the version in force; report differences",
        description="Recompute every issued bill of HISTORY (bill inputs plus issued_<charge> "
        "and issued_total columns) and report every difference per line, with its rule and "
        "version. Exit status 1 on any mismatch or error row.",
    )
    sub.add_argument("history", help="CSV, JSON lines or Parquet of issued bills")
    sub.add_argument(
        "--ruleset", required=True, help="ruleset id (the version in force per bill) or id@version (pinned)"
    )
    sub.add_argument(
        "--format",
        choices=("text", "jsonl", "csv"),
        default="text",
        help="text: differences and a summary; jsonl: one result per history row; "
        "csv: one row per difference",
    )
    sub.add_argument("--input-format", choices=("csv", "jsonl", "parquet"), default=None)
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    sub.add_argument("--summary", metavar="FILE", help="also write the summary as JSON to FILE")
    batch_options(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    engine = open_engine(args, args.ruleset)
    if not Path(args.history).is_file():
        raise OSError(f"no such history file: {args.history}")
    progress = Progress() if Progress.wanted(args.progress) else None
    chunks = read_chunks(args.history, args.input_format, progress=progress)
    summary = RebillSummary()
    with Outputs([args.history]) as outputs, outputs.stream(args.output) as stream:
        summary_file = outputs.text(args.summary, "--summary") if args.summary else None
        table = None
        if args.format == "csv":
            table = csv.writer(stream, lineterminator="\n")
            table.writerow(
                [
                    "row",
                    "account",
                    "billing_month",
                    "status",
                    "charge",
                    "issued",
                    "recomputed",
                    "difference",
                    "rule",
                    "version",
                    "error_code",
                    "error_message",
                ]
            )
        for checks in run_chunks(engine, chunks, check_chunk, args.jobs):
            for check in checks:
                summary.add(check)
                if args.format == "jsonl":
                    stream.write(compact_json(check.to_dict()) + "\n")
                elif table is not None:
                    if check.error is not None:
                        table.writerow(
                            [
                                check.number,
                                check.account,
                                check.month,
                                check.status,
                                "",
                                "",
                                "",
                                "",
                                "",
                                "",
                                check.error.code,
                                check.error.message,
                            ]
                        )
                    for d in check.differences:
                        data = d.to_dict()
                        table.writerow(
                            [
                                check.number,
                                check.account,
                                check.month,
                                check.status,
                                d.charge,
                                data["issued"] or "",
                                data["recomputed"] or "",
                                data["difference"] or "",
                                d.rule or "",
                                d.version or "",
                                "",
                                "",
                            ]
                        )
                elif check.status != "match":
                    for text in describe(check):
                        stream.write(text + "\n")
        if args.format == "text":
            if summary.mismatches or summary.errors:
                stream.write("\n")
            stream.write(summary.text())
        if summary_file is not None:
            summary_file.write(json.dumps(summary.to_dict(), indent=2) + "\n")
        outputs.commit()
    if progress is not None:
        progress.finish()
    if args.format != "text":
        sys.stderr.write(summary.text())
    return 0 if summary.clean else 1
