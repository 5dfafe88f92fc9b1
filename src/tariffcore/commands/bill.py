"""``tariffcore bill INPUT --ruleset ID``: one result per input row, in input order.

Rows stream through :class:`tariffcore.batch.engine.BatchEngine`: memory stays flat however long the
input, repeated rows are billed once, ``--jobs N`` spreads the work over N processes (the
output order never changes), and a progress bar is drawn on a terminal.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from ..batch import (
    BACKENDS,
    BatchEngine,
    Figured,
    csv_file_to_csv,
    csv_file_to_jsonl,
    fast_csv_file_to_csv,
    fast_csv_file_to_jsonl,
    fast_csv_file_to_parquet,
    fast_parquet_file_to_jsonl,
    figures_work,
    job_cache_size,
    jsonl_parallel,
    jsonl_work,
    results_work,
    run_chunks,
    use_fast,
)
from ..engine import charge_ids
from ..errors import BillingError, TariffcoreError
from ..rows import (
    EXPLAIN_LEVELS,
    CsvWriter,
    check_csv_file,
    input_format,
    read_chunks,
    stdin_text,
    writer_for,
)
from ..version import __version__
from ._common import Subparsers, catalog_options, output, warn_problems
from ._conventions import (
    UsageError,
    check_input,
    csv_header,
    output_format,
    progress_for,
    quiet_option,
    stdin_file,
    summary_line,
)
from ._files import Outputs


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser("bill", help="bill every row of a CSV, JSON-lines or Parquet file")
    sub.add_argument(
        "input",
        help="CSV with a header, JSON lines (.jsonl) or Parquet; '-' reads standard input "
        "(CSV, or as --input-format says)",
    )
    sub.add_argument("--ruleset", help="ruleset id (or id@version) for rows without a 'ruleset' column")
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: from the --output file's extension (.jsonl/.json, .csv, .parquet, "
        ".sqlite/.db), else jsonl; parquet and sqlite need --output (parquet: the optional pyarrow)",
    )
    sub.add_argument(
        "--input-format",
        choices=("csv", "jsonl", "parquet"),
        default=None,
        help="default: from the file name (.jsonl/.ndjson/.json are JSON lines, "
        ".parquet Parquet, anything else CSV)",
    )
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    sub.add_argument(
        "--explain",
        choices=EXPLAIN_LEVELS,
        default="lean",
        help="how much of each bill line JSON lines and Parquet explain: lean (default) gives "
        "each line's charge, label, amount, quantity, unit, unit price, rule and version; full "
        "adds its rounding, unrounded amount, sources, tier slices, notes and parts (what "
        "`tariffcore notice` needs)",
    )
    sub.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="how CSV input is billed into JSON lines: fast bills by columns (the optional "
        "tariffcore[fast]: numpy and pyarrow), python row by row; auto (default) is fast when "
        "it is installed, the input a file of 1 MiB or more and the run in one process. The "
        "output is the same, byte for byte, either way",
    )
    batch_options(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


#: What ``bill`` writes.
FORMATS = ("jsonl", "csv", "table", "parquet", "sqlite")


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
        help="memory for the results of repeated rows (default: as many MiB as the input file "
        "has, from 24 to 256; 24 for standard input)",
    )
    quiet_option(sub)


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


def open_engine(args: argparse.Namespace, ruleset: str | None, alone: bool = False) -> BatchEngine:
    """The batch engine for the command's ``--rulesets-dir``, ``--cache-mib`` and ``--charges``;
    with a ``--ruleset``, a charge id it does not know stops the run (exit status 2). With
    ``alone`` (no row names a ruleset of its own), only that ruleset is loaded. The problems of the files in ``--rulesets-dir`` are shown on
    standard error."""
    options: dict[str, Any] = {"explain": getattr(args, "explain", "full")}
    if args.cache_mib is not None:
        options["cache_size"] = args.cache_mib << 20
    else:
        source = getattr(args, "input", None) or getattr(args, "source", None)
        if isinstance(source, str) and source != "-" and os.path.isfile(source):
            options["cache_size"] = job_cache_size(os.path.getsize(source))
    charges = requested(args)
    paths = getattr(args, "rulesets_dir", [])
    engine = None
    if alone and ruleset is not None:
        try:
            engine = BatchEngine.load(
                ruleset, paths, charges=charges, only=(ruleset.partition("@")[0],), **options
            )
        except TariffcoreError:  # said again below, with every installed ruleset to suggest
            engine = None
    if engine is None:
        engine = BatchEngine.load(ruleset, paths, charges=charges, **options)
    warn_problems(engine.catalog, paths)
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
    started = time.monotonic()
    fmt = output_format(args.format, args.output, formats=FORMATS, default="jsonl")
    check_input(args.input)
    alone = (
        args.input != "-"
        and input_format(args.input, args.input_format) == "csv"
        and "ruleset" not in csv_header(args.input)
    )
    size = os.path.getsize(args.input) if args.input != "-" and os.path.isfile(args.input) else None
    fast = use_fast(args.backend, size)  # before any work: a clear error without the extra
    engine = open_engine(args, args.ruleset, alone)
    columns = charge_ids(engine.catalog, args.ruleset)
    if engine.charges is not None:
        columns = [c for c in columns if c in engine.charges]
    if args.input == "-" and args.input_format == "parquet":
        with stdin_file(".parquet") as copy:  # Parquet is read from a file
            return _run(args, engine, columns, fmt, str(copy), started, fast)
    return _run(args, engine, columns, fmt, args.input, started, fast)


def _run(
    args: argparse.Namespace,
    engine: BatchEngine,
    columns: list[str],
    fmt: str,
    source: str,
    started: float,
    fast: bool = False,
) -> int:
    stdin = source == "-"
    kind = input_format(source, args.input_format) if not stdin else (args.input_format or "csv")
    if args.ruleset is None and not stdin and kind == "csv" and "ruleset" not in csv_header(source):
        raise UsageError(f"give --ruleset ID: {args.input} has no 'ruleset' column")
    if source != "-" and kind == "csv":
        check_csv_file(source)  # a column named twice: refused before anything is written
    progress = progress_for(args, stdin)
    chunks = read_chunks(source, kind, progress=progress)
    rows = failed = 0
    if fmt == "jsonl":
        with output(args.output, [args.input]) as stream:
            binary = getattr(stream, "buffer", None)
            if binary is not None:
                stream.flush()
            split = None
            # Standard input is text as Python reads it (its encoding, its line endings, a BOM
            # kept), which the columns, read as bytes, could not match: it is billed row by row.
            by_columns = fast and args.jobs <= 1 and binary is not None and kind == "csv" and not stdin
            if args.jobs > 1 and binary is not None and not stdin and kind == "csv":
                split = jsonl_parallel(engine, source, binary, args.jobs, progress)
            if split is not None:
                rows, failed = progress.rows, split
            elif by_columns and binary is not None:
                rows, failed = fast_csv_file_to_jsonl(engine, source, binary, progress)
            elif (
                fast
                and args.jobs <= 1
                and binary is not None
                and kind == "parquet"
                and (done := fast_parquet_file_to_jsonl(engine, source, binary, progress)) is not None
            ):
                rows, failed = done
            elif args.jobs <= 1 and binary is not None and kind == "csv":
                if stdin:
                    rows, failed = engine.csv_to_jsonl(stdin_text(), binary)
                else:
                    rows, failed = csv_file_to_jsonl(engine, source, binary, progress)
            else:
                for data, count, errors in run_chunks(engine, chunks, jsonl_work, args.jobs):
                    if binary is not None:
                        binary.write(data)
                    else:
                        stream.write(data.decode())
                    rows += count
                    failed += errors
            if binary is not None:
                binary.flush()
    elif fmt in ("parquet", "sqlite"):
        results: Iterable[list[tuple[int, str, Figured]]]
        if fmt == "parquet" and engine.explain == "lean":  # lean lines: lean bills' figures
            results = run_chunks(engine, chunks, figures_work, args.jobs)
        else:  # each line's explanation: the bills
            results = (
                [(outcome.number, outcome.account, outcome.result) for outcome in outcomes]
                for outcomes in run_chunks(engine, chunks, results_work, args.jobs)
            )
        if fmt == "parquet":
            from ..rows import ParquetBillWriter

            with Outputs([args.input]) as outputs:
                target = outputs.path(args.output)
                done = None
                if fast and args.jobs <= 1 and kind == "csv" and not stdin:
                    done = fast_csv_file_to_parquet(engine, source, target, columns, progress)
                if done is not None:
                    rows, failed = done
                else:
                    writer = ParquetBillWriter(target, columns, explain=engine.explain)
                    rows, failed = _write(writer, results)
                outputs.commit()
        else:
            from ..rows import SqliteBillWriter

            run_table = {"command": "bill", "ruleset": args.ruleset or "", "tariffcore": __version__}
            # the database is written aside and moved into place by its writer
            database = Outputs([args.input]).database(args.output)
            rows, failed = _write(SqliteBillWriter(database, columns, run_table), results)
    else:  # CSV and tables read the figures of each bill: lean bills give them
        with output(args.output, [args.input]) as stream:
            done = None
            binary = getattr(stream, "buffer", None)
            by_columns = fast and args.jobs <= 1 and kind == "csv" and not stdin and fmt == "csv"
            if by_columns and binary is not None and _as_written(stream, args.output):
                stream.flush()
                done = fast_csv_file_to_csv(engine, source, binary, columns, progress)
                binary.flush()
            if done is not None:
                rows, failed = done
            elif fmt == "csv" and kind == "csv" and binary is not None and _as_written(stream, args.output):
                # CSV text straight into rows, lean bills writing them where they cover them
                first = io.StringIO()
                CsvWriter(first, columns)  # the header
                stream.flush()
                split = None
                if args.jobs > 1 and not stdin:
                    head = first.getvalue().encode()
                    split = jsonl_parallel(
                        engine, source, binary, args.jobs, progress, columns=columns, before=head
                    )
                if split is not None:
                    rows, failed = progress.rows, split
                else:  # one process (a file that cannot be cut in ranges too: faster so)
                    binary.write(first.getvalue().encode())
                    if stdin:
                        rows, failed = engine.csv_to_csv(stdin_text(), binary, columns)
                    else:
                        rows, failed = csv_file_to_csv(engine, source, binary, columns, progress)
                binary.flush()
            else:
                figures = run_chunks(engine, chunks, figures_work, args.jobs)
                rows, failed = _write(writer_for(fmt, stream, columns), figures)
    progress.finish()
    summary_line(args, rows=rows, bills=rows - failed, errors=failed, started=started)
    return 1 if failed else 0


def _as_written(stream: IO[str], path: str | None) -> bool:
    """Whether bytes written to the buffer of ``stream`` (the file ``path``, or standard
    output) are what its text would be: UTF-8, line ends not translated (an output file is
    written so; standard output translates them where lines end otherwise, as on Windows)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    return encoding in ("utf-8", "utf8") and (path not in (None, "-") or os.linesep == "\n")


def _write(writer: object, batches: Iterable[list[tuple[int, str, Figured]]]) -> tuple[int, int]:
    """Write every ``(row number, account, result)`` of ``batches`` with ``writer``: (rows,
    error rows). A writer that can discard what it wrote (a database) does so when the run
    fails."""
    rows = failed = 0
    try:
        for batch in batches:
            for _, account, result in batch:
                rows += 1
                failed += isinstance(result, BillingError)
                writer.write(account, result)  # type: ignore[attr-defined]
    except BaseException:
        discard = getattr(writer, "discard", None)
        if discard is not None:
            discard()
        raise
    writer.close()  # type: ignore[attr-defined]
    return rows, failed
