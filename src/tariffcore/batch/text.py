"""CSV text straight into JSON lines, or a CSV of bills: the hot loop of ``tariffcore bill``.

The loop of :meth:`BatchEngine._each <tariffcore.batch.BatchEngine>`, written out for CSV text:
a repeated row costs its key and a look-up in the cache, a new row its lean bill
(:class:`~tariffcore.batch.LeanRows`) where one covers it, else the engine's own bill. Rows
that do not repeat are not kept (see :func:`_keep`). Lines are written in UTF-8 as they are
made, a few dozen rows at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Hashable, Iterable
from typing import IO, TYPE_CHECKING, Any

from ..errors import InputError, PluginError
from ..rows import (
    Progress,
    csv_account,
    csv_reader,
    header_record,
    missing_columns,
    records,
    unreadable,
    utf8,
)
from .cache import ResultCache
from .forms import AS_JSON, AS_LEAN_JSON, SAFE_ID, Form, Printed, account_json
from .keys import CsvKeys
from .lean import FullLines, LeanRows

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = ["csv_to_jsonl"]

#: Rows between two looks at how often the rows of CSV text repeat (see :func:`_keep`).
_WINDOW = 16384
#: Rows billed without the cache, once rows are seen not to repeat, before looking again.
_PAUSE = 1 << 20


def csv_to_jsonl(
    engine: BatchEngine,
    lines: Iterable[str],
    out: IO[bytes],
    header: tuple[str, ...] | None = None,
    offset: int = 0,
    progress: Progress | None = None,
    position: Callable[[], int] | None = None,
    form: Form[Printed] | None = None,
) -> tuple[int, int]:
    """Bill CSV text ``lines`` into ``out`` as JSON lines (see
    :meth:`BatchEngine.csv_to_jsonl <tariffcore.batch.BatchEngine.csv_to_jsonl>`), or, with
    a ``form`` of :func:`~tariffcore.batch.forms.csv_form`, as the rows of a CSV of bills
    (:meth:`BatchEngine.csv_to_csv <tariffcore.batch.BatchEngine.csv_to_csv>`)."""
    reader = csv_reader(lines)
    if header is None:
        header = header_record(reader)
        if header is None:
            return 0, 0
    form = engine.json if form is None else form
    as_csv = form.lean == "csv"
    if missing_columns(header):  # every row is the same error row, naming its account
        if as_csv:
            return _csv_rows(engine, header, records(reader, offset), out, form)
        return engine._write(header, records(reader, offset), out.write)
    keys = CsvKeys(header)
    cache = engine._cache(header, form)
    get, key_of, where, width = cache.get, keys.values_key, keys.where, keys.width
    lean: Callable[[list[str]], bytes | None] | None = None
    if as_csv:  # a row: its account's cell, then the rest of the row
        opening, closing, quoted = b"", b"", _csv_account
        rows_of, columns = LeanRows(engine, header), form.columns
        lean = lambda values: rows_of.csv(values, columns)  # noqa: E731
    else:  # a line: {"account":"…", then the rest of the line
        opening, closing, quoted = b'{"account":"', b'",', account_json
        lean = LeanRows(engine, header) if form is AS_LEAN_JSON else None
    full = FullLines(LeanRows(engine, header)) if form is AS_JSON else None
    safe = SAFE_ID.match
    parts: list[bytes] = []
    append = parts.append
    rows = failed = unread = misses = batch = 0
    caching, check_at, marks = True, _WINDOW, (0, 0)
    key: Hashable | None
    hit: Printed | None
    # A record the CSV module cannot read is its error row, and the loop goes on with the
    # next line.
    while True:
        try:
            for values in reader:
                if len(values) <= 1 and (not values or not values[0].strip()):  # a blank line
                    continue
                rows += 1
                batch += 1
                count = len(values)
                if count != width:
                    if count > width:  # a row that cannot be read
                        error = InputError(f"line {reader.line_num + offset} has more fields than the header")
                        unread += 1
                        append(opening + closing + form.make(error)[1])
                        continue
                    values += [""] * (width - count)
                account = values[where].strip()  # as CsvKeys.key, for a row of this reader
                if not account:  # an error row that names no account: not kept
                    key = hit = None
                elif caching:
                    key = key_of(values)
                    hit = get(key)
                else:  # rows that do not repeat: not kept, and a lean line stays text
                    text = _lean(lean, values)
                    if text is not None:
                        misses += 1
                        if account.isalnum() or safe(account):  # nothing to escape or quote
                            append(opening + account.encode() + closing + text)
                        else:
                            append(quoted(account) + text)
                        if batch >= 64:
                            batch = 0
                            caching, check_at, marks = _flush(
                                parts, out, cache, caching, rows, rows - unread - misses, check_at, marks
                            )
                            _advance(progress, position, rows)
                        continue
                    key = None
                    misses += 1
                    hit = _billed(engine, full, cache, form, keys, None, values)
                if hit is None:
                    misses += 1
                    text = _lean(lean, values) if account else None
                    if text is None:
                        hit = _billed(engine, full if account else None, cache, form, keys, key, values)
                    else:
                        hit = (False, text)
                        if key is not None:
                            cache.put(key, hit)
                error_row, encoded = hit
                if error_row:
                    failed += 1
                if account.isalnum() or safe(account):  # nothing to escape or quote
                    append(opening + account.encode() + closing)
                else:
                    append(quoted(account))
                append(encoded)
                if batch >= 64:  # small writes reuse memory, no page faults
                    batch = 0
                    caching, check_at, marks = _flush(
                        parts, out, cache, caching, rows, rows - unread - misses, check_at, marks
                    )
                    _advance(progress, position, rows)
            break
        except csv.Error as exc:
            rows += 1
            unread += 1
            append(opening + closing + form.make(unreadable(exc, reader.line_num + offset))[1])
    out.write(b"".join(parts))
    engine.stats.hits += rows - unread - misses
    engine.stats.misses += misses
    if progress is not None:
        progress.rows = rows
    return rows, failed + unread


def _csv_account(account: str) -> bytes:
    return utf8(csv_account(account))


def _csv_rows(
    engine: BatchEngine,
    header: tuple[str, ...],
    rows: Iterable[tuple[int, Any]],
    out: IO[bytes],
    form: Form[Printed],
) -> tuple[int, int]:
    """The CSV rows of ``rows`` under a header the engine cannot bill by (a column missing):
    each its error row, naming its account; (rows, error rows)."""
    count = failed = 0
    for _, account, (error, text) in engine._each(header, rows, form):
        out.write(_csv_account(account) + text)
        count += 1
        failed += error
    return count, failed


def _lean(lean: Callable[[list[str]], bytes | None] | None, values: list[str]) -> bytes | None:
    """The lean line of a row, or ``None`` for the engine to bill it (and to say what went
    wrong, should the lean bill fail)."""
    if lean is None:
        return None
    try:
        return lean(values)
    except PluginError:
        raise
    except Exception:  # the engine bills the row, and makes an error row of the failure
        return None


def _billed(
    engine: BatchEngine,
    full: FullLines | None,
    cache: ResultCache[Printed],
    form: Form[Printed],
    keys: CsvKeys,
    key: Hashable | None,
    values: list[str],
) -> Printed:
    """The engine's line of a row (kept in the cache under ``key``), or with ``full`` the
    fully explained line of a row of its kind and usage billed before (see
    :class:`~tariffcore.batch.lean.FullLines`)."""
    if full is None:
        return engine._miss(cache, form, keys, key, values)
    try:
        text, found = full.find(values)
    except PluginError:
        raise
    except Exception:  # the engine bills the row, and makes an error row of the failure
        text = found = None
    if text is not None:
        hit = (False, text)
        if key is not None:
            cache.put(key, hit)
        return hit
    hit = engine._miss(cache, form, keys, key, values)
    if found is not None and not hit[0]:
        full.learn(found, hit[1])
    return hit


def _flush(
    parts: list[bytes],
    out: IO[bytes],
    cache: ResultCache[Any],
    caching: bool,
    rows: int,
    hits: int,
    check_at: int,
    marks: tuple[int, int],
) -> tuple[bool, int, tuple[int, int]]:
    """Write what the last rows gave, and look at how often rows repeat when it is time."""
    out.write(b"".join(parts))
    parts.clear()
    if rows >= check_at:
        return _keep(cache, caching, rows, hits, marks)
    return caching, check_at, marks


def _advance(progress: Progress | None, position: Callable[[], int] | None, rows: int) -> None:
    if progress is not None and rows % 4096 < 64:
        progress.advance(rows - progress.rows, position() if position is not None else 0)


def _keep(
    cache: ResultCache[Any], caching: bool, rows: int, hits: int, marks: tuple[int, int]
) -> tuple[bool, int, tuple[int, int]]:
    """Whether to keep results from here on: not when fewer than one row in 16 of the last
    window was a repeat (the cache is then emptied, and rows are billed without it for a
    while before it is tried again); with the next row count to look at and the counts now."""
    if caching and (hits - marks[0]) * 16 < rows - marks[1]:
        cache.clear()
        return False, rows + _PAUSE, (hits, rows)
    return True, rows + _WINDOW, (hits, rows)
