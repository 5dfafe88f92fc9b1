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
import time

from ..batch import BatchEngine, run_chunks
from ..regression import RebillSummary, SqliteRebillWriter, check_chunk, describe
from ..rows import Progress, check_csv_file, compact_json, input_format, read_chunks
from ..version import __version__
from ._common import Subparsers, catalog_options
from ._conventions import check_input, output_format, progress_for, stdin_file, summary_line
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
    sub.add_argument("history", help="CSV, JSON lines or Parquet of issued bills; '-' reads standard input")
    sub.add_argument(
        "--ruleset", required=True, help="ruleset id (the version in force per bill) or id@version (pinned)"
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="text: differences and a summary; jsonl: one result per history row; "
        "csv: one row per difference; sqlite (needs --output): the tables checks and "
        "differences; default: from the --output file's extension, else text",
    )
    sub.add_argument("--input-format", choices=("csv", "jsonl", "parquet"), default=None)
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    sub.add_argument("--summary", metavar="FILE", help="also write the summary as JSON to FILE")
    batch_options(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


#: What ``rebill`` writes.
FORMATS = ("text", "jsonl", "csv", "sqlite")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    args.format = output_format(args.format, args.output, formats=FORMATS, default="text")
    engine = open_engine(args, args.ruleset)
    check_input(args.history, "history file")
    if args.history == "-" and args.input_format == "parquet":
        with stdin_file(".parquet") as copy:  # Parquet is read from a file
            return _run(args, engine, str(copy), started)
    return _run(args, engine, args.history, started)


def _run(args: argparse.Namespace, engine: BatchEngine, source: str, started: float) -> int:
    if source != "-" and input_format(source, args.input_format) == "csv":
        check_csv_file(source)  # a column named twice: refused before anything is written
    progress = progress_for(args, source == "-")
    chunks = read_chunks(source, args.input_format, progress=progress)
    summary = RebillSummary()
    # The output and the summary are written aside and put in place once the run has succeeded.
    with Outputs([args.history]) as outputs:
        summary_file = outputs.text(args.summary, "--summary") if args.summary else None
        if args.format == "sqlite":
            meta = {"command": "rebill", "ruleset": args.ruleset, "tariffcore": __version__}
            # the database is written aside and moved into place by its writer
            database = SqliteRebillWriter(outputs.database(args.output), meta)
            try:
                for checks in run_chunks(engine, chunks, check_chunk, args.jobs):
                    for check in checks:
                        summary.add(check)
                        database.write(check)
            except BaseException:
                database.discard()
                raise
            database.close()
        else:
            with outputs.stream(args.output) as stream:
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
    return _finish(args, summary, progress, started)


def _finish(args: argparse.Namespace, summary: RebillSummary, progress: Progress, started: float) -> int:
    progress.finish()
    if args.format != "text" and not args.quiet:
        sys.stderr.write(summary.text())
    summary_line(
        args,
        rows=summary.bills,
        bills=summary.matches + summary.mismatches,
        errors=summary.errors,
        started=started,
        bills_word="recomputed",
    )
    return 0 if summary.clean else 1
