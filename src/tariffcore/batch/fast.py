"""The fast backend: CSV text billed by columns (:mod:`tariffcore.columnar`), the rows it
does not cover billed by the engine, all in input order.

The batch engine bills CSV text row by row (:meth:`BatchEngine.csv_to_jsonl`), through lean
bills where they cover a row and the scalar engine elsewhere. With the fast backend (the
optional ``tariffcore[fast]``: numpy and pyarrow), the text is read in blocks of columns
instead; every kind of account whose lean bill has a kernel for each of its charges is billed
a column at a time, and its lines are written from columns. Every other row goes through
:meth:`BatchEngine.csv_to_jsonl` as it would without the backend: rows of a kind without
kernels, rows a kernel leaves (an unknown rate reached, a figure past ``int64``, a fraction of
the minor unit), rows whose text is not plain (``20.0`` is billed by columns, `` 20`` and
``020`` are not), and whole blocks Arrow and Python's :mod:`csv` might read differently (a
quote character, a row as wide as the header or not). Their lines are put back where their
rows were. The output is the same, byte for byte, as without the backend.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from ..errors import TariffcoreError
from ..meter import READ_COLUMNS
from ..rows import Progress, missing_columns
from ..units import USAGE_COLUMNS
from .lean import LeanRows

if TYPE_CHECKING:
    from ..columnar import Window
    from .engine import BatchEngine

__all__ = [
    "AUTO_BYTES",
    "BACKENDS",
    "FAST_MISSING",
    "fast_available",
    "fast_csv_file_to_jsonl",
    "fast_csv_to_jsonl",
    "require_fast",
    "use_fast",
]

#: The backends of a batch run: ``auto`` (the fast one where it is installed and covers the
#: job), ``python`` (pure Python) and ``fast``.
BACKENDS = ("auto", "python", "fast")
FAST_MISSING = (
    "the fast backend needs numpy and pyarrow, which are not installed: pip install 'tariffcore[fast]'"
)
_UNSEEN = object()
T = TypeVar("T")


def fast_available() -> bool:
    """Whether numpy and pyarrow are installed (without importing them)."""
    return all(importlib.util.find_spec(name) is not None for name in ("numpy", "pyarrow"))


def require_fast() -> None:
    """Raise a clear error when the fast backend is asked for without its extra."""
    if not fast_available():
        raise TariffcoreError(FAST_MISSING)


#: The smallest input ``auto`` bills by columns: below it, importing numpy and pyarrow costs
#: more than billing the rows in pure Python.
AUTO_BYTES = 1 << 20


def use_fast(backend: str, size: int | None = None) -> bool:
    """Whether a run asking for ``backend`` (one of :data:`BACKENDS`) bills by columns: always
    for ``fast`` (a clear error without the extra), never for ``python``; for ``auto``, when
    numpy and pyarrow are installed and the input is a file of ``size`` bytes, at least
    :data:`AUTO_BYTES` (standard input, of unknown size, is billed in pure Python)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (one of {', '.join(BACKENDS)})")
    if backend == "fast":
        require_fast()
        return True
    return backend == "auto" and size is not None and size >= AUTO_BYTES and fast_available()


def kind_bills(lean: LeanRows) -> Callable[[list[str]], Any]:
    """The lean bill of the rows like a row (given as its values), made once per kind of
    account by ``lean`` (``None`` when the engine bills such rows)."""

    def kind_bill(values: list[str]) -> Any:
        key = lean.kind_of(values)
        found = lean.kinds.get(key, _UNSEEN)
        return lean._kind(values, key) if found is _UNSEEN else found

    return kind_bill


def fast_csv_file_to_jsonl(
    engine: BatchEngine, source: str | Path, out: IO[bytes], progress: Progress | None = None
) -> tuple[int, int]:
    """:func:`fast_csv_to_jsonl` of the CSV file ``source``."""
    with open(source, "rb") as stream:
        if progress is not None:
            progress.total = os.path.getsize(source)
            progress.unit = "bytes"
        return fast_csv_to_jsonl(engine, stream, out, progress, stream.tell)


def fast_csv_to_jsonl(
    engine: BatchEngine,
    stream: IO[bytes],
    out: IO[bytes],
    progress: Progress | None = None,
    position: Callable[[], int] | None = None,
    *,
    block: int = 1 << 23,
    window: int = 1 << 13,
    columns: list[int] | None = None,
) -> tuple[int, int]:
    """Bill the CSV text of the binary ``stream`` into ``out`` as lean JSON lines, by columns
    where they cover a row (see the module); return (rows, error rows). The text is read in
    blocks of about ``block`` bytes and written ``window`` rows at a time; ``columns``, when
    given, gets the number of rows each block billed by columns."""
    from ..columnar import KindPlans, Layout, read_header

    first = stream.readline()
    header = read_header(first)
    layout = Layout.of(header, USAGE_COLUMNS, READ_COLUMNS) if header is not None else None
    if header is None or layout is None or missing_columns(header):
        text = io.TextIOWrapper(io.BufferedReader(_Rejoined(first, stream)), encoding="utf-8-sig", newline="")
        return engine.csv_to_jsonl(text, out, progress=progress, position=position)
    kind_bill = kind_bills(LeanRows(engine, header))
    plans = KindPlans()
    with Background(out) as background:
        return _blocks(
            engine,
            stream,
            header,
            layout,
            kind_bill,
            plans,
            background,
            block,
            window,
            columns,
            progress,
            position,
        )


def _blocks(
    engine: BatchEngine,
    stream: IO[bytes],
    header: tuple[str, ...],
    layout: Any,
    kind_bill: Callable[[list[str]], Any],
    plans: Any,
    out: Any,
    block: int,
    window: int,
    columns: list[int] | None,
    progress: Progress | None,
    position: Callable[[], int] | None,
) -> tuple[int, int]:
    """The blocks of ``stream`` billed into ``out`` (see :func:`fast_csv_to_jsonl`)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    from ..columnar import csv_blocks

    release = pa.default_memory_pool().release_unused
    rows = failed = 0
    # Each block with the position of the stream after it, taken where it is read.
    parts = (
        (part, position() if position is not None else 0) for part in csv_blocks(stream, header, 1, block)
    )
    for part, read in _read_ahead(parts):
        billed = 0
        if part.table is None:  # read by Python's csv, as without the backend
            lines = io.StringIO(part.data.decode("utf-8"), newline="")
            with io.BufferedWriter(_Queued(out), PIECE) as gathered:
                count, errors = engine.csv_to_jsonl(lines, gathered, header=header, offset=part.line)
        else:
            count, errors, billed = block_lines(
                engine, header, part.table, layout, kind_bill, plans, out, window
            )
        if columns is not None:
            columns.append(billed)
        rows += count
        failed += errors
        if progress is not None:
            progress.advance(rows - progress.rows, read)
        release()  # what billing the block left free in Arrow's pool, from the thread that used it
    if progress is not None:
        progress.rows = rows
    return rows, failed


def _read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The ``items``, each made on a thread of its own while the one before it is used (Arrow
    reads a block of CSV text without holding the interpreter). An error making one is raised
    where it would have been; left early, it waits for the item being made."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="tariffcore-reader") as pool:
        coming = pool.submit(next, items, _UNSEEN)
        while True:
            item = coming.result()
            if item is _UNSEEN:
                return
            coming = pool.submit(next, items, _UNSEEN)
            yield cast(T, item)


def block_lines(
    engine: BatchEngine,
    header: tuple[str, ...],
    table: Any,
    layout: Any,
    kind_bill: Callable[[list[str]], Any],
    plans: Any,
    out: Background,
    window: int,
    others_of: Callable[[list[int]], tuple[list[bytes], int]] | None = None,
) -> tuple[int, int, int]:
    """Bill a block of columns into ``out``; (rows, error rows, rows billed by columns). The
    lines of each window are put in input order, and written, on ``out``'s thread. The rows
    the columns leave are billed by the engine from their text, or by ``others_of`` (their
    positions in the block → their lines and error rows) when given."""
    from ..columnar import lean_block

    billed = lean_block(table, layout, kind_bill, plans, engine.explain)
    fallback = billed.fallback.tolist()
    failed = 0
    others: list[bytes] = []
    if fallback and others_of is not None:
        others, failed = others_of(fallback)
    elif fallback:
        columns = [table.column(i) for i in range(table.num_columns)]
        lines = [",".join(str(c[row].as_py()) for c in columns) + "\n" for row in fallback]
        buffer = io.BytesIO()
        _, failed = engine.csv_to_jsonl(lines, buffer, header=header)
        others = buffer.getvalue().splitlines(keepends=True)
    splice = _Splice(fallback, others)
    for positions, lines_of in billed.windows(window):
        out.call(functools.partial(splice.window, positions, lines_of))
    out.call(splice.rest)
    return table.num_rows, failed, billed.covered


class _Splice:
    """Writes a block's windows of lines, and before each line the lines of the fallback rows
    (``others``, the lines of the rows at ``fallback``) that come before it, window by
    window."""

    __slots__ = ("fallback", "others", "done")

    def __init__(self, fallback: list[int], others: list[bytes]) -> None:
        self.fallback = fallback
        self.others = others
        self.done = 0  # fallback rows written

    def window(self, covered: Any, lines: Window, write: Callable[[Any], None]) -> None:
        """Write the ``lines`` of the ``covered`` rows (in input order), and before each the
        fallback rows not written yet that come before it."""
        import numpy as np

        text = lines.lines()
        buffers = text.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(text) + 1, offset=4 * text.offset)
        view = memoryview(buffers[2]) if buffers[2] is not None else memoryview(b"")
        fallback, done = self.fallback, self.done
        last = int(covered[-1])
        at = 0
        while done < len(fallback) and fallback[done] < last:
            before = int(np.searchsorted(covered, fallback[done]))
            if before > at:
                write(view[offsets[at] : offsets[before]])
                at = before
            write(self.others[done])
            done += 1
        write(view[offsets[at] : offsets[len(text)]])
        self.done = done

    def rest(self, write: Callable[[Any], None]) -> None:
        """Write the fallback rows after the last window's."""
        for line in self.others[self.done :]:
            write(line)


class Background:
    """Writes to ``out`` on a thread of its own, so that writing a window of lines and billing
    the next one overlap. A window's lines are also put in input order there (:meth:`call`):
    Arrow copies them without holding the interpreter, while the billing thread joins the
    next window's. At most :data:`WAITING` items wait (what is written stays referenced until
    then). An error of the writer is raised in the billing thread."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=WAITING)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="tariffcore-writer", daemon=True)

    def __enter__(self) -> Background:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    if callable(item):
                        item(self._write)
                    else:
                        _write(self.out, item)
                except BaseException as error:  # raised again by the billing thread
                    self.error = error
            item = None  # what is written is let go before the next item comes

    def _write(self, data: Any) -> None:
        _write(self.out, data)

    def write(self, data: Any) -> None:
        """Write ``data`` (bytes or a memory view of bytes) after what was given before."""
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def call(self, task: Callable[[Callable[[Any], None]], None]) -> None:
        """Run ``task(write)`` on the writing thread, after what was given before; ``write``
        writes to ``out``."""
        if self.error is not None:
            raise self.error
        self.queue.put(task)


#: The most items waiting for the writing thread: with windows of 8,192 rows, about 12 MB of
#: lines explained in full, 7 MB of lean ones. Larger windows, or more of them waiting, took
#: more memory (up to 60 MiB more at the peak) for no time saved.
WAITING = 1

#: The most bytes handed to one ``write``: a window of lines (megabytes) written in one call
#: took about twice the system time of the same bytes in pieces.
PIECE = 1 << 20


def _write(out: IO[bytes], data: Any) -> None:
    """Write ``data`` (bytes or a memory view of bytes) to ``out`` in pieces of at most
    :data:`PIECE` bytes."""
    view = memoryview(data).cast("B")
    if len(view) <= PIECE:
        out.write(view)
        return
    for start in range(0, len(view), PIECE):
        out.write(view[start : start + PIECE])


class _Queued(io.RawIOBase):
    """The writing thread as a raw binary stream: under a buffer, for a writer that writes a
    few rows at a time, each buffer's worth waits for the thread once, not each few rows."""

    def __init__(self, out: Background) -> None:
        self.out = out

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.out.write(bytes(data))  # the buffer given is reused: a copy is queued
        return len(data)


class _Rejoined(io.RawIOBase):
    """A binary stream whose first line was read already, whole again."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self.first = first
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.first:
            size = min(len(buffer), len(self.first))
            buffer[:size] = self.first[:size]
            self.first = self.first[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
