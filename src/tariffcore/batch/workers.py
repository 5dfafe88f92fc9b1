"""Running the batch engine on several processes, output in input order.

:func:`run_chunks` hands chunks to the workers of a :class:`~tariffcore.batch.pool.WorkerPool`
(at most 2 × jobs in flight, so memory stays flat); :func:`jsonl_parallel` cuts a CSV file into
byte ranges on line boundaries, and each worker bills a range into JSON lines that come back
through a pipe and are written in order, so the output is byte for byte the one-process output.
No temporary file is written, and no worker can outlive the run or hang it (see
:mod:`tariffcore.batch.pool`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..rows import Chunk, Progress, check_header, csv_reader, open_text, records
from .engine import BatchEngine
from .forms import Figured
from .outcome import BilledOutcome, FailedOutcome

__all__ = [
    "bill_csv_part",
    "bill_csv_range",
    "csv_file_to_csv",
    "csv_file_to_jsonl",
    "csv_parts",
    "jsonl_parallel",
    "figures_work",
    "jsonl_work",
    "results_work",
    "run_chunks",
]

#: The most input bytes one worker bills at a time with :func:`jsonl_parallel`: what a part
#: holds in memory (its JSON lines, some ten times as long) stays small.
PART_BYTES = 1 << 20


def run_chunks(
    engine: Any, chunks: Iterable[Chunk], work: Callable[[Any, Chunk], Any], jobs: int = 1
) -> Iterator[Any]:
    """``work(engine, chunk)`` for every chunk, in order, on ``jobs`` processes.

    With several jobs, at most ``2 × jobs`` chunks are in flight, so a slow writer or a long
    input never piles up in memory.
    """
    if jobs <= 1:
        for chunk in chunks:
            yield work(engine, chunk)
        return
    from .pool import WorkerPool  # with multiprocessing: read when work is spread

    with WorkerPool(jobs, engine) as pool:
        yield from pool.map(work, chunks)


def csv_file_to_jsonl(
    engine: BatchEngine, source: str | Path, out: IO[bytes], progress: Progress | None = None
) -> tuple[int, int]:
    """Bill the CSV file ``source`` into ``out`` as JSON lines, streaming; (rows, error rows)."""
    with open_text(Path(source), progress) as (text, position):
        return engine.csv_to_jsonl(text, out, progress=progress, position=position)


def csv_file_to_csv(
    engine: BatchEngine,
    source: str | Path,
    out: IO[bytes],
    columns: Sequence[str],
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Bill the CSV file ``source`` into ``out`` as the rows of a CSV of bills with a column
    per charge of ``columns`` (no header), streaming; (rows, error rows)."""
    with open_text(Path(source), progress) as (text, position):
        return engine.csv_to_csv(text, out, columns, progress=progress, position=position)


def csv_parts(path: str | Path, parts: int) -> list[tuple[int, int, int]] | None:
    """Split a CSV file into at least ``parts`` byte ranges on line boundaries, after the
    header, none over :data:`PART_BYTES` unless a line is: ``(start, end, number of the first
    line)``. ``None`` when the file has a quote character (a quoted field may hold a line break,
    so a line boundary is not a row boundary) or a carriage return that ends a line by itself
    (a line is then not where a line feed is): such a file is billed in parsed chunks."""
    size = os.path.getsize(path)
    parts = max(parts, -(-size // PART_BYTES))
    with open(path, "rb") as stream:
        last = b""
        while True:
            block = stream.read(1 << 20)
            if not block:
                break
            if b'"' in block:
                return None
            if b"\r" in block:
                joined = last + block
                if joined.count(b"\r") != joined.count(b"\r\n") + joined.endswith(b"\r"):
                    return None
            last = block[-1:]
        if last == b"\r":  # the file ends with a carriage return alone
            return None
        stream.seek(0)
        _header_line(stream)
        bounds = [stream.tell()]
        for index in range(1, parts):
            stream.seek(max(size * index // parts, bounds[-1]))
            if stream.tell() > bounds[0]:
                stream.readline()
            bounds.append(max(stream.tell(), bounds[-1]))
        bounds.append(size)
        found = []
        stream.seek(0)
        lines = 1
        position = 0
        for start, end in zip(bounds, bounds[1:]):
            while position < start:  # count the line breaks before this part
                block = stream.read(min(1 << 20, start - position))
                lines += block.count(b"\n")
                position += len(block)
            found.append((start, end, lines))
        return [(start, end, first) for start, end, first in found if end > start]


def _header_line(stream: IO[bytes]) -> None:
    """Read past the header: the first line that is not blank (as the readers skip them; a
    leading byte order mark is no text)."""
    line = stream.readline().removeprefix(b"\xef\xbb\xbf")
    while line and not line.strip():
        line = stream.readline()


def _range_text(path: str, start: int, end: int) -> Iterator[str]:
    """The lines of ``path`` in the byte range [start, end), as the one-process reader reads
    them (UTF-8, line ends kept)."""
    with open(path, "rb") as stream:
        stream.seek(start)
        data = stream.read(end - start)
    yield from io.StringIO(data.decode("utf-8"), newline="")


def bill_csv_range(
    engine: BatchEngine,
    path: str,
    header: tuple[str, ...],
    start: int,
    end: int,
    first_line: int,
    columns: tuple[str, ...] | None = None,
) -> tuple[bytes, int, int]:
    """Bill the lines of ``path`` in the byte range [start, end): (JSON lines, rows, error
    rows); with ``columns``, the rows of a CSV of bills with a column per charge of them
    rather than JSON lines."""
    out = io.BytesIO()
    lines = _range_text(path, start, end)
    if columns is None:
        rows, failed = engine.csv_to_jsonl(lines, out, header=header, offset=first_line - 1)
    else:
        rows, failed = engine.csv_to_csv(lines, out, columns, header=header, offset=first_line - 1)
    return out.getvalue(), rows, failed


def bill_csv_part(
    engine: BatchEngine,
    path: str,
    header: tuple[str, ...],
    start: int,
    end: int,
    first_line: int,
    target: str,
) -> tuple[int, int]:
    """Bill the lines of ``path`` in the byte range [start, end) into the file ``target``
    (JSON lines); return (rows, error rows)."""
    data, rows, failed = bill_csv_range(engine, path, header, start, end, first_line)
    with open(target, "wb") as out:
        out.write(data)
    return rows, failed


def jsonl_parallel(
    engine: BatchEngine,
    source: str,
    stream: IO[bytes],
    jobs: int,
    progress: Progress | None = None,
    *,
    columns: Sequence[str] | None = None,
    before: bytes = b"",
) -> int | None:
    """Bill the CSV file ``source`` into ``stream`` as JSON lines on ``jobs`` processes (with
    ``columns``, as the rows of a CSV of bills with a column per charge of them, after
    ``before``, its header); return the number of error rows, or ``None``, with nothing
    written, when the file cannot be split (it then goes through :func:`run_chunks`).

    The file is cut into byte ranges on line boundaries; the workers bill the ranges, whose
    lines are written to ``stream`` in order, so the output is byte for byte the one-process
    output; at most 2 × jobs ranges are in flight, so memory stays flat.
    """
    parts = csv_parts(source, jobs * 4)
    if parts is None:
        return None
    with open(source, encoding="utf-8-sig", newline="") as text:
        first = next(records(csv_reader(text)), None)
    if first is None or not isinstance(first[1], list):
        return None  # no header, or one that cannot be read: the one-process reader says so
    header = check_header(first[1])
    if progress is not None:
        progress.total = os.path.getsize(source)
    failed = 0
    charges = None if columns is None else tuple(columns)
    tasks = [(str(source), header, start, end, first_line, charges) for start, end, first_line in parts]
    stream.write(before)
    from .pool import WorkerPool  # with multiprocessing: read when work is spread

    with WorkerPool(jobs, engine) as pool:
        for (_, end, _), (data, rows, errors) in zip(parts, pool.map(_bill_range, tasks)):
            failed += errors
            stream.write(data)
            if progress is not None:
                progress.advance(rows, end)
    return failed


def _bill_range(
    engine: BatchEngine, task: tuple[str, tuple[str, ...], int, int, int, tuple[str, ...] | None]
) -> tuple[bytes, int, int]:
    return bill_csv_range(engine, *task)


def jsonl_work(engine: BatchEngine, chunk: Chunk) -> tuple[bytes, int, int]:
    """Chunk → (JSON lines, rows, error rows): the work of ``bill --format jsonl``."""
    return engine.jsonl(chunk)


def results_work(engine: BatchEngine, chunk: Chunk) -> list[BilledOutcome | FailedOutcome]:
    """Chunk → outcomes with bills: the work of Parquet and SQLite output."""
    return engine.results(chunk)


def figures_work(engine: BatchEngine, chunk: Chunk) -> list[tuple[int, str, Figured]]:
    """Chunk → (row number, account, bill or its figures, or error): the work of CSV and
    table output."""
    return engine.figures(chunk)
