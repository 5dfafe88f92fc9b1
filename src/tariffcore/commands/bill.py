"""``tariffcore bill INPUT --ruleset ID``: one result per input row, in input order.

Rows stream through :class:`tariffcore.batch.engine.BatchEngine`: memory stays flat however long the
input, repeated rows are billed once, ``--jobs N`` spreads the work over N processes (the
output order never changes), and a progress bar is drawn on a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..batch import (
    BatchEngine,
    csv_file_to_jsonl,
    jsonl_parallel,
    jsonl_work,
    results_work,
    run_chunks,
)
from ..engine import charge_ids
from ..errors import TariffcoreError
from ..rows import Progress, input_format, read_chunks, writer_for
from ._common import Subparsers, catalog_options, output


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser("bill", help="bill every row of a CSV, JSON-lines or Parquet file")
    sub.add_argument("input", help="CSV with a header, JSON lines (.jsonl) or Parquet; '-' reads stdin")
    sub.add_argument("--ruleset", help="ruleset id (or id@version) for rows without a 'ruleset' column")
    sub.add_argument(
        "--format",
        choices=("jsonl", "csv", "table", "parquet"),
        default="jsonl",
        help="parquet needs --output and the optional pyarrow",
    )
    sub.add_argument(
        "--input-format",
        choices=("csv", "jsonl", "parquet"),
        default=None,
        help="default: from the file name (.jsonl/.ndjson/.json are JSON lines, "
        ".parquet Parquet, anything else CSV)",
    )
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    batch_options(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below {minimum}")
        return value

    return parse


def batch_options(sub: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--progress``, ``--cache-mib`` and ``--charges``, shared by the batch commands."""
    charges_option(sub)
    sub.add_argument(
        "--jobs",
        "-j",
        type=_count(1),
        default=1,
        metavar="N",
        help="bill on N processes (output order is unchanged; default 1)",
    )
    sub.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bar on standard error (auto: when it is a terminal)",
    )
    sub.add_argument(
        "--cache-mib",
        type=_count(0),
        default=None,
        metavar="MIB",
        help="memory for the results of repeated rows (default 24)",
    )


def charges_option(sub: argparse.ArgumentParser) -> None:
    """``--charges water,sewer``: bill only these charges."""
    sub.add_argument(
        "--charges",
        metavar="IDS",
        help="bill only these charges (ids separated by ','); the others are not computed and "
        "each bill lists them as not requested",
    )


def requested(args: argparse.Namespace) -> list[str] | None:
    """The charge ids of ``--charges``, or ``None`` for every charge."""
    text = getattr(args, "charges", None)
    if text is None:
        return None
    ids = [part.strip() for part in text.split(",")]
    if not all(ids):
        raise TariffcoreError(f"--charges {text!r}: give charge ids separated by ','")
    return ids


def open_engine(args: argparse.Namespace, ruleset: str | None) -> BatchEngine:
    """The batch engine for the command's ``--rulesets-dir``, ``--cache-mib`` and ``--charges``;
    with a ``--ruleset``, a charge id it does not know stops the run (exit status 2)."""
    options: dict[str, Any] = {} if args.cache_mib is None else {"cache_size": args.cache_mib << 20}
    charges = requested(args)
    engine = BatchEngine.load(ruleset, getattr(args, "rulesets_dir", []), charges=charges, **options)
    if charges is not None and ruleset is not None:
        found, _ = engine.catalog.resolve(ruleset)
        unknown = [c for c in charges if c not in found.charge_ids]
        if unknown:
            raise TariffcoreError(
                f"--charges: {ruleset} has no charge {', '.join(map(repr, unknown))}; "
                f"its charges: {', '.join(found.charge_ids)}"
            )
    return engine


def run(args: argparse.Namespace) -> int:
    engine = open_engine(args, args.ruleset)
    columns = charge_ids(engine.catalog, args.ruleset)
    if engine.charges is not None:
        columns = [c for c in columns if c in engine.charges]
    stdin = args.input == "-"
    if not stdin and not Path(args.input).is_file():
        raise OSError(f"no such input file: {args.input}")
    if args.format == "parquet" and (args.output is None or args.output == "-"):
        raise OSError("--format parquet needs --output FILE")
    kind = input_format(args.input, args.input_format)
    if stdin and kind == "parquet":
        raise OSError("Parquet input must be a file, not standard input")
    progress = Progress() if not stdin and Progress.wanted(args.progress) else None
    chunks = read_chunks(
        args.input, args.input_format if not stdin else (args.input_format or "csv"), progress=progress
    )
    failed = 0
    if args.format == "jsonl":
        with output(args.output) as stream:
            binary = getattr(stream, "buffer", None)
            if binary is not None:
                stream.flush()
            split = None
            if args.jobs > 1 and binary is not None and not stdin and kind == "csv":
                split = jsonl_parallel(engine, args.input, binary, args.jobs, progress)
            if split is not None:
                failed = split
            elif args.jobs <= 1 and binary is not None and kind == "csv":
                if stdin:
                    _, failed = engine.csv_to_jsonl(sys.stdin, binary)
                else:
                    _, failed = csv_file_to_jsonl(engine, args.input, binary, progress)
            else:
                for data, _, errors in run_chunks(engine, chunks, jsonl_work, args.jobs):
                    if binary is not None:
                        binary.write(data)
                    else:
                        stream.write(data.decode())
                    failed += errors
            if binary is not None:
                binary.flush()
    else:
        if args.format == "parquet":
            from ..rows import ParquetBillWriter

            writer = ParquetBillWriter(args.output, columns)
            failed = _write(writer, run_chunks(engine, chunks, results_work, args.jobs))
        else:
            with output(args.output) as stream:
                failed = _write(
                    writer_for(args.format, stream, columns),
                    run_chunks(engine, chunks, results_work, args.jobs),
                )
    if progress is not None:
        progress.finish()
    return 1 if failed else 0


def _write(writer: object, batches: object) -> int:
    failed = 0
    for outcomes in batches:  # type: ignore[attr-defined]
        for outcome in outcomes:
            failed += outcome.failed
            writer.write(outcome.account, outcome.result)  # type: ignore[attr-defined]
    writer.close()  # type: ignore[attr-defined]
    return failed
