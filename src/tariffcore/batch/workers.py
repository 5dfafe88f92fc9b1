"""Running the batch engine on several processes, output in input order.

:func:`run_chunks` hands chunks to a pool (at most 2 × jobs in flight, so memory stays flat);
:func:`jsonl_parallel` cuts a CSV file into byte ranges on line boundaries, bills each range
into a temporary file in a worker and copies the files to the output in order, so the output
is byte for byte the one-process output. Workers receive the engine pickled (its recipe) and
compile the rulesets once each.
"""

from __future__ import annotations

import csv
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..rows import Chunk, Progress, open_text
from .engine import BatchEngine
from .forms import Figured
from .outcome import BilledOutcome, FailedOutcome

__all__ = [
    "bill_csv_part",
    "csv_file_to_jsonl",
    "csv_parts",
    "jsonl_parallel",
    "figures_work",
    "jsonl_work",
    "results_work",
    "run_chunks",
]


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

    with _pool(jobs, engine) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_work_in_worker, (work, chunk)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def csv_file_to_jsonl(
    engine: BatchEngine, source: str | Path, out: IO[bytes], progress: Progress | None = None
) -> tuple[int, int]:
    """Bill the CSV file ``source`` into ``out`` as JSON lines, streaming; (rows, error rows)."""
    with open_text(Path(source), progress) as (text, position):
        return engine.csv_to_jsonl(text, out, progress=progress, position=position)


def csv_parts(path: str | Path, parts: int) -> list[tuple[int, int, int]] | None:
    """Split a CSV file into ``parts`` byte ranges on line boundaries, after the header:
    ``(start, end, number of the first line)``; ``None`` when the file has a quote character
    (a quoted field may hold a line break, so a line boundary is not a row boundary)."""
    size = os.path.getsize(path)
    with open(path, "rb") as stream:
        while True:
            block = stream.read(1 << 20)
            if not block:
                break
            if b'"' in block:
                return None
        stream.seek(0)
        stream.readline()
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

    def lines() -> Iterator[str]:
        with open(path, "rb") as stream:
            stream.seek(start)
            left = end - start
            while left > 0:
                line = stream.readline(left)
                if not line:
                    break
                left -= len(line)
                yield line.decode("utf-8")

    with open(target, "wb") as out:
        return engine.csv_to_jsonl(lines(), out, header=header, offset=first_line - 1)


def jsonl_parallel(
    engine: BatchEngine, source: str, stream: IO[bytes], jobs: int, progress: Progress | None = None
) -> int | None:
    """Bill the CSV file ``source`` into ``stream`` as JSON lines on ``jobs`` processes;
    return the number of error rows, or ``None`` when the file cannot be split (it then
    goes through :func:`run_chunks`).

    The file is cut into byte ranges on line boundaries; each worker bills its ranges into
    temporary files, which are copied to ``stream`` in order, so the output is byte for byte
    the one-process output and memory stays flat.
    """
    import tempfile

    parts = csv_parts(source, jobs * 4)
    if parts is None:
        return None
    with open(source, encoding="utf-8-sig", newline="") as text:
        header = tuple(next(csv.reader(text), []))
    if progress is not None:
        progress.total = os.path.getsize(source)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tariffcore-") as folder, _pool(jobs, engine) as pool:
        targets = [os.path.join(folder, f"part-{index}.jsonl") for index in range(len(parts))]
        answers = [
            pool.apply_async(_bill_part_in_worker, (str(source), header, start, end, first, target))
            for (start, end, first), target in zip(parts, targets)
        ]
        for (_, end, _), target, answer in zip(parts, targets, answers):
            rows, errors = answer.get()
            failed += errors
            _copy_file(target, stream)
            os.remove(target)
            if progress is not None:
                progress.advance(rows, end)
    return failed


def _copy_file(path: str, stream: IO[bytes]) -> None:
    """Append the file ``path`` to ``stream``, in the kernel when it can (``sendfile``)."""
    import shutil

    stream.flush()
    with open(path, "rb") as part:
        try:
            target = stream.fileno()
        except (AttributeError, OSError, ValueError):
            shutil.copyfileobj(part, stream, 1 << 20)
            return
        size = os.fstat(part.fileno()).st_size
        sent = 0
        try:
            while sent < size:
                done = os.sendfile(target, part.fileno(), sent, size - sent)
                if done == 0:
                    break
                sent += done
        except OSError:
            part.seek(sent)
            shutil.copyfileobj(part, stream, 1 << 20)


def _bill_part_in_worker(
    source: str, header: tuple[str, ...], start: int, end: int, first: int, target: str
) -> tuple[int, int]:
    return bill_csv_part(_WORKER["engine"], source, header, start, end, first, target)


def _pool(jobs: int, engine: Any) -> Any:
    """A pool of ``jobs`` workers holding ``engine``.

    Forked where that is safe (Linux, no other thread running), so workers start with the
    rulesets already compiled; spawned otherwise, receiving the engine pickled (its recipe).
    """
    import multiprocessing
    import sys
    import threading

    method = "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
    return multiprocessing.get_context(method).Pool(jobs, _init_worker, (engine,))


_WORKER: dict[str, Any] = {}


def _init_worker(engine: Any) -> None:
    _WORKER["engine"] = engine


def _work_in_worker(work: Callable[[Any, Chunk], Any], chunk: Chunk) -> Any:
    return work(_WORKER["engine"], chunk)


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
