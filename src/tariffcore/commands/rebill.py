"""``tariffcore rebill HISTORY --ruleset ID``: recompute issued bills and report every difference.

The exit status is 0 when every bill matches to the won, 1 when any bill differs or cannot be
recomputed (so it can gate an ordinance change in CI), 2 when the run cannot start. The file
format is described in :mod:`tariffcore.regression.rebill`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from typing import IO

from ..batch import BACKENDS, BatchEngine, run_chunks, use_fast
from ..regression import (
    Check,
    RebillSummary,
    SqliteRebillWriter,
    check_chunk,
    describe,
    rebill_by_columns,
    rebill_csv_file,
)
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
    sub.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="how CSV input is checked into text, CSV or JSON lines: fast recomputes by columns "
        "and counts the bills that match there (the optional tariffcore[fast]), python row by "
        "row; auto "
        "(default) is fast when it is installed, the input a file of 1 MiB or more and the "
        "run in one process. The output and the summary are the same either way",
    )
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
    source = args.history
    size = os.path.getsize(source) if source != "-" and os.path.isfile(source) else None
    fast = use_fast(args.backend, size)  # before any work: a clear error without the extra
    kind = input_format(source, args.input_format) if source != "-" else args.input_format or "csv"
    fast = fast and args.jobs <= 1 and args.format in ("text", "csv", "jsonl") and kind == "csv"
    if source == "-" and args.input_format == "parquet":
        with stdin_file(".parquet") as copy:  # Parquet is read from a file
            return _run(args, engine, str(copy), started)
    return _run(args, engine, source, started, fast)


#: The columns of ``--format csv``: a row per difference, or per error row.
CSV_COLUMNS = (
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
)


def _run(
    args: argparse.Namespace, engine: BatchEngine, source: str, started: float, fast: bool = False
) -> int:
    if source != "-" and input_format(source, args.input_format) == "csv":
        check_csv_file(source)  # a column named twice: refused before anything is written
    progress = progress_for(args, source == "-")
    summary = RebillSummary()
    # The output and the summary are written aside and put in place once the run has succeeded.
    with Outputs([args.history]) as outputs:
        summary_file = outputs.text(args.summary, "--summary") if args.summary else None
        if args.format == "sqlite":
            meta = {"command": "rebill", "ruleset": args.ruleset, "tariffcore": __version__}
            # the database is written aside and moved into place by its writer
            database = SqliteRebillWriter(outputs.database(args.output), meta)
            try:
                _check(args, engine, source, progress, summary, database.write, False)
            except BaseException:
                database.discard()
                raise
            database.close()
        else:
            with outputs.stream(args.output) as stream:
                emit = _writer(args.format, stream)
                lines = stream.write if args.format == "jsonl" else None
                _check(args, engine, source, progress, summary, emit, fast, lines)
                if args.format == "text":
                    if summary.mismatches or summary.errors:
                        stream.write("\n")
                    stream.write(summary.text())
        if summary_file is not None:
            summary_file.write(json.dumps(summary.to_dict(), indent=2) + "\n")
        outputs.commit()
    return _finish(args, summary, progress, started)


def _check(
    args: argparse.Namespace,
    engine: BatchEngine,
    source: str,
    progress: Progress,
    summary: RebillSummary,
    emit: Callable[[Check], object],
    fast: bool,
    lines: Callable[[str], object] | None = None,
) -> None:
    """Check every history row of ``source`` into ``summary``, each check handed to ``emit``
    in input order; by columns when ``fast`` (``emit`` then gets the rows checked record by
    record: a row that matches by columns writes nothing in text or CSV, and its JSON line
    through ``lines``)."""
    if fast:
        if source != "-" and rebill_csv_file(engine, source, summary, emit, progress, lines=lines):
            return
        chunks = read_chunks(source, args.input_format, progress=progress)
        rebill_by_columns(engine, chunks, summary, emit, lines=lines)
        return
    chunks = read_chunks(source, args.input_format, progress=progress)
    for checks in run_chunks(engine, chunks, check_chunk, args.jobs):
        for check in checks:
            summary.add(check)
            emit(check)


def _writer(fmt: str, stream: IO[str]) -> Callable[[Check], object]:
    """What writes one check to ``stream`` in ``fmt`` (text, jsonl or csv)."""
    if fmt == "jsonl":
        return lambda check: stream.write(compact_json(check.to_dict()) + "\n")
    if fmt == "text":

        def text(check: Check) -> None:
            if check.status != "match":
                for line in describe(check):
                    stream.write(line + "\n")

        return text
    table = csv.writer(stream, lineterminator="\n")
    table.writerow(CSV_COLUMNS)

    def row(check: Check) -> None:
        if check.error is not None:
            table.writerow(
                [check.number, check.account, check.month, check.status, *[""] * 6]
                + [check.error.code, check.error.message]
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

    return row


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
