"""``tariffcore compare READINGS --ruleset ID@A --against ID@B [--against ID@C …]``: the same
accounts under the old ordinance and one or several candidates (versions of one city, or other
cities).

Per account: each bill's amount per charge, its total and the change (one row per input row;
rows a side cannot bill keep their error), as CSV, JSON lines, Parquet or SQLite. Then, per
candidate, revenue by use class, by charge, by use class × charge, by usage band and by meter
size, percentiles of the change and the accounts hit hardest, as text, JSON (``--summary``) and
a self-contained HTML report with charts (``--report``). Exit status 1 when any row could not
be billed by every side.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ..batch import BACKENDS, run_chunks, use_fast
from ..engine import charge_ids
from ..regression import (
    DEFAULT_BANDS,
    CompareSummary,
    Comparison,
    ScenarioColumns,
    SqliteComparisonWriter,
    UsageCurves,
    compare_by_columns,
    compare_chunk,
    compare_csv_file,
    side_names,
)
from ..rows import ParquetRowsWriter, check_csv_file, compact_json, input_format, read_chunks
from ..version import __version__
from ._common import Subparsers, catalog_options
from ._conventions import (
    UsageError,
    check_input,
    output_format,
    progress_for,
    stdin_file,
    summary_line,
    to_file,
)
from ._files import Outputs
from .bill import _count, batch_options, open_engine

#: What ``compare`` writes per account (``none``: the summary only).
FORMATS = ("csv", "jsonl", "parquet", "sqlite", "none")


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "compare",
        help="bill the same accounts under an ordinance and one or more candidates",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub.add_argument("readings", help="CSV, JSON lines or Parquet, as for 'bill'; '-' reads standard input")
    sub.add_argument("--ruleset", required=True, help="the old ordinance: id or id@version")
    sub.add_argument(
        "--against",
        required=True,
        action="append",
        metavar="ID[@VERSION]",
        help="a candidate ordinance; repeat it to compare several at once (their columns are "
        "then new1_…, new2_…)",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="per-account output: default from the --output file's extension (.csv, .jsonl/.json, "
        ".parquet, .sqlite/.db), else csv; none: the summary only",
    )
    sub.add_argument("--input-format", choices=("csv", "jsonl", "parquet"), default=None)
    sub.add_argument("--output", "-o", help="per-account output file (default: standard output)")
    sub.add_argument("--summary", metavar="FILE", help="write the summary as JSON to FILE")
    sub.add_argument("--report", metavar="FILE", help="write the HTML report to FILE")
    sub.add_argument(
        "--hardest",
        type=_count(0),
        default=20,
        metavar="N",
        help="how many accounts hit hardest to list (default 20)",
    )
    sub.add_argument(
        "--usage-bands",
        metavar="M3,M3,…",
        type=_bands,
        default=DEFAULT_BANDS,
        help="upper edges of the usage bands revenue is summed by (default "
        + ",".join(str(edge) for edge in DEFAULT_BANDS)
        + "; a band runs above its lower edge up to and including its upper one)",
    )
    sub.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="how CSV input is compared into CSV or a summary alone: fast bills by columns (the "
        "optional tariffcore[fast]), python row by row; auto (default) is fast when it is "
        "installed, the input a file of 1 MiB or more and the run in one process. The output "
        "and the summary are the same either way",
    )
    batch_options(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


def _bands(text: str) -> tuple[Decimal, ...]:
    """An argparse type: rising positive numbers of m³, separated by commas."""
    try:
        edges = tuple(Decimal(part.strip()) for part in text.split(",") if part.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of numbers of m³") from None
    if not edges or any(not edge.is_finite() or edge <= 0 for edge in edges):
        raise argparse.ArgumentTypeError(f"{text!r}: give positive numbers of m³, e.g. 10,20,30")
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise argparse.ArgumentTypeError(f"{text!r}: the edges must rise")
    return edges


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fmt = output_format(args.format, args.output, formats=FORMATS, default="csv")
    if fmt == "none" and to_file(args.output):
        raise UsageError("--format none writes no per-account output; leave --output out")
    references = [args.ruleset, *args.against]
    engines = tuple(open_engine(args, reference) for reference in references)
    charges: list[str] = []
    for engine, reference in zip(engines, references):
        charges += [charge for charge in charge_ids(engine.catalog, reference) if charge not in charges]
    if engines[0].charges is not None:  # --charges: only those are billed, and have columns
        charges = [charge for charge in charges if charge in engines[0].charges]
    columns = ScenarioColumns(charges, len(args.against))
    check_input(args.readings)
    source = args.readings
    size = os.path.getsize(source) if source != "-" and os.path.isfile(source) else None
    fast = use_fast(args.backend, size)  # before any work: a clear error without the extra
    kind = input_format(source, args.input_format) if source != "-" else args.input_format or "csv"
    fast = fast and args.jobs <= 1 and fmt in ("csv", "none") and not args.report and kind == "csv"
    if args.readings == "-" and args.input_format == "parquet":
        with stdin_file(".parquet") as copy:  # Parquet is read from a file
            return _run(args, engines, columns, fmt, str(copy), started)
    return _run(args, engines, columns, fmt, args.readings, started, fast)


def _writer(
    fmt: str,
    args: argparse.Namespace,
    columns: ScenarioColumns,
    stack: contextlib.ExitStack,
    outputs: Outputs,
) -> Callable[[Comparison], None] | None:
    """What writes one comparison in ``fmt`` (``None`` for ``none``), into ``outputs``."""
    if fmt == "none":
        return None
    if fmt == "parquet":
        parquet = ParquetRowsWriter(outputs.path(args.output), columns.columns)
        stack.callback(parquet.close)
        return lambda item: parquet.write(columns.values(item))
    if fmt == "sqlite":
        meta = {
            "command": "compare",
            "old": args.ruleset,
            **dict(zip(columns.candidates, args.against)),
            "tariffcore": __version__,
        }
        # the database is written aside and moved into place by its writer
        database = SqliteComparisonWriter(outputs.database(args.output), columns, meta)
        stack.push(lambda kind, *_: database.discard() if kind is not None else database.close())
        return database.write
    stream = stack.enter_context(outputs.stream(args.output))
    if fmt == "csv":
        table = csv.writer(stream, lineterminator="\n")
        table.writerow(columns.names)

        def csv_row(item: Comparison) -> None:
            table.writerow(columns.csv_row(item))

        return csv_row

    def json_line(item: Comparison) -> None:
        stream.write(compact_json(columns.to_dict(item)) + "\n")

    return json_line


def _run(
    args: argparse.Namespace,
    engines: tuple[Any, ...],
    columns: ScenarioColumns,
    fmt: str,
    source: str,
    started: float,
    fast: bool = False,
) -> int:
    stdin = source == "-"
    if source != "-" and input_format(source, args.input_format) == "csv":
        check_csv_file(source)  # a column named twice: refused before anything is written
    progress = progress_for(args, stdin)
    chunks = read_chunks(source, args.input_format, progress=progress)
    summaries = [
        CompareSummary(args.ruleset, label, hardest=args.hardest, index=index, bands=args.usage_bands)
        for index, label in enumerate(args.against, start=1)
    ]
    curves = UsageCurves([args.ruleset, *args.against]) if args.report else None
    rows = billed = 0
    # Every output is written aside and put in place once the whole run has succeeded.
    with Outputs([args.readings]) as outputs:
        summary_file = outputs.text(args.summary, "--summary") if args.summary else None
        report_file = outputs.text(args.report, "--report") if args.report else None
        with contextlib.ExitStack() as stack:
            if fast:  # a CSV compared into CSV or the summary alone
                rows, billed = _by_columns(
                    args, engines, columns, source, summaries, fmt, stack, outputs, progress
                )
            else:
                write = _writer(fmt, args, columns, stack, outputs)
                for items in run_chunks(engines, chunks, compare_chunk, args.jobs):
                    for item in items:
                        rows += 1
                        billed += item.both
                        for summary in summaries:
                            summary.add(item)
                        if curves is not None:
                            curves.add(item)
                        if write is not None:
                            write(item)
        progress.finish()
        if summary_file is not None:
            summary_file.write(
                json.dumps(_summary(args, summaries, rows), ensure_ascii=False, indent=2) + "\n"
            )
        if report_file is not None:
            from ..regression import html_report

            report_file.write(html_report(summaries, curves=curves))
        outputs.commit()
    if fmt == "none":
        sys.stdout.write("\n".join(summary.text() for summary in summaries))
    elif not args.quiet:
        sys.stderr.write("\n".join(summary.text() for summary in summaries))
    summary_line(
        args,
        rows=rows,
        bills=billed,
        errors=rows - billed,
        started=started,
        bills_word="billed by every side",
    )
    return 1 if billed < rows else 0


def _by_columns(
    args: argparse.Namespace,
    engines: tuple[Any, ...],
    columns: ScenarioColumns,
    source: str,
    summaries: list[CompareSummary],
    fmt: str,
    stack: contextlib.ExitStack,
    outputs: Outputs,
    progress: Any,
) -> tuple[int, int]:
    """Compare by columns (CSV or no per-account output); (rows, rows billed by every side).
    A file is read by Arrow, standard input by Python's reader."""
    write = None
    if fmt == "csv":
        stream = stack.enter_context(outputs.stream(args.output))
        csv.writer(stream, lineterminator="\n").writerow(columns.names)
        write = stream.write
    if source != "-":
        done = compare_csv_file(engines, source, columns, summaries, write, progress)
        if done is not None:
            return done
    chunks = read_chunks(source, args.input_format, progress=progress)
    return compare_by_columns(engines, chunks, columns, summaries, write)


def _summary(args: argparse.Namespace, summaries: list[CompareSummary], rows: int) -> dict[str, Any]:
    """The JSON summary: one candidate's, or ``{"old", "rows", "candidates": {side: …}}``."""
    if len(summaries) == 1:
        return summaries[0].to_dict()
    return {
        "old": args.ruleset,
        "rows": rows,
        "candidates": {
            side: summary.to_dict() for side, summary in zip(side_names(len(summaries))[1:], summaries)
        },
    }
