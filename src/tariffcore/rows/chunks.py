"""Reading input in chunks: CSV, JSON lines and Parquet, a few thousand rows at a time.

Only one chunk is held at a time, so reading does not grow with the input. A row that
cannot be read at all (a CSV line with more fields than the header, a line that is not JSON)
becomes a :class:`~tariffcore.BillingError` in its place, to be written as an error row.
A Parquet record's cells are read as :mod:`tariffcore.frames.values` says (a count column
written as floats by pandas bills; a fractional float is refused, naming its column).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import BillingError, InputError, TariffcoreError
from .csvtext import check_header, csv_reader, header_record, records, stdin_text
from .inputs import JSONL_SUFFIXES, jsonl_records
from .progress import Progress

__all__ = ["CHUNK_ROWS", "Chunk", "Payload", "input_format", "open_text", "read_chunks"]

#: Rows per chunk: the unit of work handed to a worker process or a Dask task.
CHUNK_ROWS = 2048

Payload = Sequence[str] | Mapping[str, Any] | BillingError


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of input rows: ``(row number, payload)`` pairs.

    A payload is the list of CSV values under ``header``, a mapping (a JSON-lines or Parquet
    record; ``header`` is then ``None``), or the :class:`BillingError` of a row that could not
    be read at all. Chunks are plain data, so they travel to worker processes as they are.
    """

    header: tuple[str, ...] | None
    rows: list[tuple[int, Payload]]


def _csv_chunks(
    stream: Iterable[str], size: int, header: tuple[str, ...] | None = None, offset: int = 0
) -> Iterator[Chunk]:
    """Chunks of CSV rows; with ``header``, ``stream`` starts after it, at line ``offset + 1``."""
    reader = csv_reader(stream)
    if header is None:
        header = header_record(reader)
        if header is None:
            return
    width = len(header)
    rows: list[tuple[int, Payload]] = []
    for number, values in records(reader, offset):
        if isinstance(values, InputError):
            rows.append((number, values))
        elif len(values) > width:
            rows.append((number, InputError(f"line {number} has more fields than the header")))
        else:
            rows.append((number, values))
        if len(rows) >= size:
            yield Chunk(header, rows)
            rows = []
    if rows:
        yield Chunk(header, rows)


def _jsonl_chunks(stream: IO[str], size: int) -> Iterator[Chunk]:
    rows: list[tuple[int, Payload]] = []
    for row in jsonl_records(stream):
        rows.append(row)
        if len(rows) >= size:
            yield Chunk(None, rows)
            rows = []
    if rows:
        yield Chunk(None, rows)


def _parquet_chunks(path: Path, size: int, position: list[int]) -> Iterator[Chunk]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("Parquet needs pyarrow: pip install 'tariffcore[parquet]'") from None
    import pyarrow

    from .cells import plain_record

    number = 0
    try:
        parquet = pq.ParquetFile(path)
        check_header(parquet.schema_arrow.names)
        batches = parquet.iter_batches(batch_size=size)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            rows: list[tuple[int, Payload]] = []
            for record in batch.to_pylist():
                number += 1
                rows.append((number, plain_record(record)))
            position[0] = number
            yield Chunk(None, rows)
    except pyarrow.ArrowException as exc:
        # A file that is not Parquet, or is cut short, cannot be read row by row at all.
        raise TariffcoreError(
            f"{path} is not a readable Parquet file (after {number} row(s)): {exc}"
        ) from None


@contextmanager
def open_text(path: Path, progress: Progress | None = None) -> Iterator[tuple[IO[str], Callable[[], int]]]:
    """The text of the file ``path`` (UTF-8, a leading BOM skipped) and how many of its bytes
    are read so far; with ``progress``, the file's size in bytes is its total."""
    with path.open("rb") as raw:
        if progress is not None:
            progress.total = path.stat().st_size
            progress.unit = "bytes"
        yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), raw.tell


def input_format(path: str, given: str | None) -> str:
    """``csv``, ``jsonl`` or ``parquet``: ``given``, else from the file name."""
    if given:
        return given
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "csv"


def read_chunks(
    source: str | Path | IO[str],
    format: str | None = None,
    *,
    size: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> Iterator[Chunk]:
    """Stream ``source`` (a path, ``-`` for standard input, or an open text stream) as chunks.

    Only one chunk is held at a time, so memory does not grow with the input.
    """
    if not isinstance(source, (str, Path)):
        kind = format or "csv"
        yield from (_csv_chunks if kind == "csv" else _jsonl_chunks)(source, size)
        return
    if str(source) == "-":
        yield from read_chunks(stdin_text(), format or "csv", size=size)
        return
    path = Path(source)
    kind = input_format(str(path), format)
    if kind == "parquet":
        position = [0]
        if progress is not None:
            import pyarrow
            import pyarrow.parquet as pq

            try:
                progress.total = pq.ParquetFile(path).metadata.num_rows
                progress.unit = "rows"
            except pyarrow.ArrowException:  # not Parquet: the reader says so, below
                pass
        for chunk in _parquet_chunks(path, size, position):
            yield chunk
            if progress is not None:
                progress.advance(len(chunk.rows), position[0])
        return
    if kind not in ("csv", "jsonl"):
        raise ValueError(f"unknown input format {kind!r} (csv, jsonl or parquet)")
    with open_text(path, progress) as (text, tell):
        reader = _csv_chunks if kind == "csv" else _jsonl_chunks
        for chunk in reader(text, size):
            yield chunk
            if progress is not None:
                progress.advance(len(chunk.rows), tell())
