"""Billing at city scale: rows stream in, one result per row streams out, in input order.

A :class:`BatchEngine` holds a catalog compiled once and bills input *chunks* (a few thousand
rows read from CSV, JSON lines or Parquet). Each row yields exactly one result: a bill, or an
error row when the row cannot be read or billed; the run goes on either way.

Repeated work is cached. A bill depends on everything in its row except the account id, and
real cities repeat the same (use class, meter, households, whole-m³ usage, month) many times,
so the engine keeps, per distinct row, the computed result *and* its serialised JSON fragment;
a repeat costs a dictionary look-up and one string join. The key is the whole row minus its
``account`` value (for rows read from files) or every field of the parsed
:class:`~tariffcore.Account` except ``id`` plus every field of the
:class:`~tariffcore.Reading` (for the Python API), so a field added to either is covered
without touching this module. The cache is bounded (it is emptied when full), so memory stays
flat however long the input is.

An engine pickles (as the recipe to rebuild it: ruleset paths and options), which is what
lets ``--jobs N`` and Dask ship it to other processes; each process compiles the catalog once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time
from collections import deque
from functools import partial
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from .bill import Account, Bill, Reading
from .catalog import Catalog, load_catalog
from .errors import BillingError, InputError, RulesetError, UnknownRulesetError
from .inputs import parse_row
from .output import bill_to_dict, error_to_dict

__all__ = [
    "BatchEngine",
    "CatalogRecipe",
    "Chunk",
    "Outcome",
    "Progress",
    "read_chunks",
]

#: Rows per chunk: the unit of work handed to a worker process or a Dask task.
CHUNK_ROWS = 2048
#: Bytes of results the cache holds at most (see :class:`ResultCache`).
DEFAULT_CACHE_SIZE = 16 << 20
#: What a cache entry weighs besides its JSON text: key tuple, dict slot, value tuple.
ENTRY_WEIGHT = 400
#: What a result kept as objects (a Bill and its lines) weighs, roughly.
OBJECT_WEIGHT = 6000
def missing_columns(header: Sequence[str]) -> list[str]:
    """The columns a CSV header lacks to bill any row (as :func:`tariffcore.read_rows` says):
    ``account``, ``use_class``, and ``usage_m3`` or the meter reads."""
    missing = [name for name in ("account", "use_class") if name not in header]
    if "usage_m3" not in header and not {"previous_read", "current_read"} <= set(header):
        missing.append("usage_m3 (or previous_read and current_read)")
    return missing

Result = Bill | BillingError
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


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one input row: its number, account id and bill or error."""

    number: int
    account: str
    result: Result

    @property
    def failed(self) -> bool:
        return isinstance(self.result, BillingError)


@dataclass(frozen=True)
class CatalogRecipe:
    """How to load a catalog again in another process: ruleset paths and plug-in discovery.

    A catalog holds compiled functions, which do not pickle; the recipe does, and every
    process loads (and compiles) the catalog once from it.
    """

    paths: tuple[str, ...] = ()
    entry_points: bool = True

    def load(self) -> Catalog:
        """The catalog of this recipe, loaded once per process."""
        found = _CATALOGS.get(self)
        if found is None:
            found = _CATALOGS[self] = load_catalog(self.paths, entry_points=self.entry_points)
        return found


_CATALOGS: dict[CatalogRecipe, Catalog] = {}


@dataclass
class CacheStats:
    """Hits and misses of the result cache (for tests, benchmarks and ``--stats``)."""

    hits: int = 0
    misses: int = 0
    clears: int = 0  # times the young generation was retired


class ResultCache:
    """A map of results bounded in bytes, in two generations (a cheap approximation of LRU).

    New entries go to the young generation; when its entries weigh half the budget it becomes
    the old one and the previous old one is dropped. A hit in the old generation moves the
    entry back to the young one, so rows that keep repeating stay while one-off rows pass
    through. An entry weighs its JSON text plus a fixed allowance for its key and slot (or a
    larger fixed weight for a result kept as objects). The whole never weighs more than the
    budget, whatever the mix of rows, so memory stays flat however long the input.
    """

    __slots__ = ("half", "young", "old", "weight", "stats")

    def __init__(self, budget: int, stats: CacheStats) -> None:
        self.half = max(budget // 2, 1)
        self.young: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}
        self.weight = 0  # of the young generation
        self.stats = stats

    def get(self, key: Any) -> Any:
        hit = self.young.get(key)
        if hit is None:
            hit = self.old.get(key)
            if hit is not None:
                self.put(key, hit)
        return hit

    def put(self, key: Any, value: tuple[Any, bytes | None]) -> None:
        cost = ENTRY_WEIGHT + (len(value[1]) if value[1] is not None else OBJECT_WEIGHT)
        if self.weight + cost > self.half:
            self.retire()
        self.weight += cost
        self.young[key] = value

    def retire(self) -> None:
        """The young generation becomes the old one; the old one is dropped."""
        self.old = self.young
        self.young = {}
        self.weight = 0
        self.stats.clears += 1

    def __len__(self) -> int:
        return len(self.young) + len(self.old)


# --------------------------------------------------------------------------- cache keys


class _Uncacheable(Exception):
    """A value the key cannot hold exactly: the row is billed without the cache."""


_SCALARS = (bool, int, Decimal, float, type(None))


def freeze(value: Any) -> Any:
    """A hashable key that equals another only for values that bill the same way.

    Numbers keep their type and exact text (``10`` and ``10.0`` print differently on a bill,
    ``True`` is not ``1``); mappings, sequences and dataclasses are walked field by field.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, _SCALARS):
        return (type(value).__name__, str(value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [freeze(item) for item in value]
        if isinstance(value, (set, frozenset)):
            items.sort(key=repr)
        return (type(value).__name__, tuple(items))
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__,
                tuple((f.name, freeze(getattr(value, f.name))) for f in fields(value)))
    try:
        hash(value)
    except TypeError:
        raise _Uncacheable from None
    return (type(value).__qualname__, value)


def parsed_key(ruleset: str | None, account: Account, reading: Reading) -> Any:
    """The cache key of a parsed account and reading: every field but the account id."""
    return (
        ruleset,
        tuple((f.name, freeze(getattr(account, f.name))) for f in fields(account) if f.name != "id"),
        freeze(reading),
    )


# --------------------------------------------------------------------------- the engine


_SAFE_ID = re.compile(r"[A-Za-z0-9 ._:/#+-]*\Z")
_PREFIX = '{"account":"",'


def _json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _account_json(account: str) -> bytes:
    if _SAFE_ID.match(account):
        return b'{"account":"' + account.encode() + b'",'
    return ('{"account":' + _json_text(account) + ",").encode()


def fragment(result: Result) -> bytes:
    """The JSON line of ``result`` after its account, in UTF-8: what every bill with this input
    shares (kept encoded, so a repeat is only a join of bytes)."""
    data = bill_to_dict(result) if isinstance(result, Bill) else error_to_dict("", result)
    data["account"] = ""
    text = _json_text(data)
    assert text.startswith(_PREFIX)
    return (text[len(_PREFIX):] + "\n").encode()


class BatchEngine:
    """Bills rows and chunks of rows with a catalog compiled once and a bounded result cache.

    ``ruleset`` (``id`` or ``id@version``) bills the rows that carry no ``ruleset`` column of
    their own. Build it with :meth:`load` to be able to pickle it (for ``--jobs`` and Dask).
    """

    def __init__(self, catalog: Catalog, ruleset: str | None = None, *,
                 recipe: CatalogRecipe | None = None,
                 cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self.catalog = catalog
        self.ruleset = ruleset or None
        self.recipe = recipe
        self.cache_size = cache_size
        self.stats = CacheStats()
        self._caches: dict[Any, ResultCache] = {}
        if self.ruleset is not None:
            catalog.resolve(self.ruleset)  # a bad --ruleset fails the run, not every row

    @classmethod
    def load(cls, ruleset: str | None = None, paths: Iterable[str | Path] = (), *,
             entry_points: bool = True, cache_size: int = DEFAULT_CACHE_SIZE) -> BatchEngine:
        """An engine over the installed rulesets plus ``paths``; it can be pickled."""
        recipe = CatalogRecipe(tuple(str(p) for p in paths), entry_points)
        return cls(recipe.load(), ruleset, recipe=recipe, cache_size=cache_size)

    def __reduce__(self) -> tuple[Callable[..., BatchEngine], tuple[Any, ...]]:
        if self.recipe is None:
            raise TypeError("a BatchEngine built from a Catalog object cannot be pickled; "
                            "build it with BatchEngine.load(...)")
        return _rebuild, (self.recipe, self.ruleset, self.cache_size)

    # -- one account

    def bill(self, account: Account, reading: Reading, ruleset: str | None = None) -> Result:
        """Bill one parsed account (cached); a row that cannot be billed returns its error."""
        reference = ruleset or self.ruleset
        try:
            key = parsed_key(reference, account, reading)
        except _Uncacheable:
            return self._bill(reference, account, reading)
        cache = self._cache("parsed")
        hit = cache.get(key)
        if hit is None:
            self.stats.misses += 1
            result = self._bill(reference, account, reading)
            cache.put(key, (result, None))
            return result
        self.stats.hits += 1
        cached: Result = hit[0]
        if isinstance(cached, Bill) and cached.account != account.id:
            return replace(cached, account=account.id)
        return cached

    def _bill(self, reference: str | None, account: Account, reading: Reading) -> Result:
        """:meth:`Catalog.bill`, every per-row failure turned into a :class:`BillingError`."""
        if not reference:
            return BillingError("no ruleset: give --ruleset or a 'ruleset' column", code="no_ruleset")
        try:
            return self.catalog.bill(reference, account, reading)
        except BillingError as exc:
            return exc
        except UnknownRulesetError as exc:
            return BillingError(str(exc), code="unknown_ruleset")
        except RulesetError as exc:
            return BillingError(f"ruleset {reference} is broken: {exc}", code="broken_ruleset")

    def _from_fields(self, record: Mapping[str, Any]) -> Result:
        try:
            account, reading = parse_row(record)
        except BillingError as exc:
            return exc
        reference = str(record.get("ruleset") or "").strip() or self.ruleset
        return self._bill(reference, account, reading)

    def _cache(self, name: Any) -> ResultCache:
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = ResultCache(self.cache_size, self.stats)
        return cache

    # -- chunks of rows

    def outcomes(self, chunk: Chunk, text: bool = False) -> Iterator[tuple[int, str, Result | None, bytes | None]]:
        """``(row number, account, result, JSON fragment)`` for every row of ``chunk``.

        With ``text``, only the JSON fragment is kept for a bill (``result`` is then ``None``
        for bills, the error for error rows), which keeps the cache small; without it,
        ``fragment`` is ``None``. The result of a repeated row is the cached one: a bill in
        it may carry the account id of the row that first computed it (use :meth:`results`
        for bills with their own ids).
        """
        mode = "text" if text else "result"
        if chunk.header is None:
            cache = self._cache(("records", mode))
            rows: Iterable[tuple[int, str, Any, Callable[[], Mapping[str, Any]] | None]] = (
                self._record_keys(chunk.rows))
        else:
            missing = missing_columns(chunk.header)
            if missing:
                error = InputError(f"the input has no column {', '.join(missing)}")
                for number, _ in chunk.rows:
                    yield number, "", error, fragment(error) if text else None
                return
            # One cache per header, so the same values under other columns never meet.
            cache = self._cache(("csv", chunk.header, mode))
            rows = self._csv_keys(chunk.header, chunk.rows)
        stats = self.stats
        for number, account, key, fields_of in rows:
            if fields_of is None:  # a row that could not be read
                yield number, "", key, fragment(key) if text else None
                continue
            hit = cache.get(key) if key is not None else None
            if hit is None:
                stats.misses += 1
                result = self._from_fields(fields_of())
                if text:
                    hit = (result if isinstance(result, BillingError) else None, fragment(result))
                else:
                    hit = (result, None)
                if key is not None:
                    cache.put(key, hit)
            else:
                stats.hits += 1
            yield number, account, hit[0], hit[1]

    @staticmethod
    def _csv_keys(header: tuple[str, ...], rows: list[tuple[int, Payload]]) -> Iterator[
            tuple[int, str, Any, Callable[[], Mapping[str, Any]] | None]]:
        # The key is the row with its account value blanked: everything the bill depends on.
        where = header.index("account")
        width = len(header)
        for number, payload in rows:
            if isinstance(payload, BillingError):
                yield number, "", payload, None
                continue
            values = payload if isinstance(payload, list) else list(payload)
            if len(values) < width:
                values = [*values, *([""] * (width - len(values)))]
            written = values[where]
            account = written.strip()
            values[where] = ""
            key = tuple(values) if account else None
            values[where] = written
            yield number, account, key, partial(_zip_fields, header, values)

    @staticmethod
    def _record_keys(rows: list[tuple[int, Payload]]) -> Iterator[
            tuple[int, str, Any, Callable[[], Mapping[str, Any]] | None]]:
        for number, payload in rows:
            if isinstance(payload, BillingError):
                yield number, "", payload, None
                continue
            assert isinstance(payload, Mapping)
            account = str(payload.get("account") or "").strip()
            try:
                key = freeze({k: v for k, v in payload.items() if k != "account"}) if account else None
            except _Uncacheable:
                key = None
            yield number, account, key, partial(_same, payload)

    def jsonl(self, chunk: Chunk) -> tuple[bytes, int, int]:
        """The JSON lines of ``chunk`` (UTF-8), the number of rows and of error rows."""
        if chunk.header is not None and not missing_columns(chunk.header):
            return self._csv_jsonl(chunk.header, chunk.rows)
        parts = []
        failed = 0
        for _, account, error, tail in self.outcomes(chunk, text=True):
            if error is not None:
                failed += 1
            parts.append(_account_json(account) + tail)  # type: ignore[operator]
        return b"".join(parts), len(parts), failed

    def _csv_jsonl(self, header: tuple[str, ...], rows: list[tuple[int, Payload]]) -> tuple[bytes, int, int]:
        """:meth:`jsonl` for CSV rows in one loop: the hot path of ``tariffcore bill``.

        Same keys, cache and output as :meth:`outcomes`; a repeat costs a tuple, a look-up
        and a join.
        """
        cache = self._cache(("csv", header, "text"))
        where = header.index("account")
        width = len(header)
        safe = _SAFE_ID.match
        parts: list[bytes] = []
        append = parts.append
        failed = hits = 0
        for _, payload in rows:
            if isinstance(payload, BillingError):
                failed += 1
                append(b'{"account":"",' + fragment(payload))
                continue
            values = payload if isinstance(payload, list) else list(payload)
            if len(values) < width:
                values = [*values, *([""] * (width - len(values)))]
            written = values[where]
            account = written.strip()
            values[where] = ""
            key = tuple(values)
            values[where] = written
            hit = cache.get(key) if account else None
            if hit is None:
                self.stats.misses += 1
                result = self._from_fields(dict(zip(header, values)))
                hit = (result if isinstance(result, BillingError) else None, fragment(result))
                if account:
                    cache.put(key, hit)
            else:
                hits += 1
            if hit[0] is not None:
                failed += 1
            if account.isalnum() or safe(account):  # nothing JSON would escape
                append(b'{"account":"' + account.encode() + b'",' + hit[1])
            else:
                append(_account_json(account) + hit[1])
        self.stats.hits += hits
        return b"".join(parts), len(parts), failed

    def csv_to_jsonl(self, lines: Iterable[str], out: IO[bytes], *,
                     header: tuple[str, ...] | None = None, offset: int = 0,
                     progress: Progress | None = None,
                     position: Callable[[], int] | None = None) -> tuple[int, int]:
        """Bill CSV text ``lines`` straight into ``out`` as JSON lines; return (rows, error rows).

        The hot path of ``tariffcore bill``: the same keys, cache and output as :meth:`jsonl`
        without building chunks. With ``header``, ``lines`` start after it, at line
        ``offset + 1``. ``position`` tells the progress bar how far the input is read.
        """
        reader = csv.reader(lines)
        if header is None:
            try:
                header = tuple(next(reader))
            except StopIteration:
                return 0, 0
        rows = failed = 0
        missing = missing_columns(header)
        if missing:
            tail = fragment(InputError(f"the input has no column {', '.join(missing)}"))
            for values in reader:
                if values:
                    rows += 1
                    out.write(b'{"account":"",' + tail)
            return rows, rows
        cache = self._cache(("csv", header, "text"))
        stats = self.stats
        young, old, half = cache.young, cache.old, cache.half
        where = header.index("account")
        width = len(header)
        safe = _SAFE_ID.match
        parts: list[bytes] = []
        append = parts.append
        hits = misses = 0
        for values in reader:
            if not values:
                continue
            rows += 1
            count = len(values)
            if count != width:
                if count > width:
                    error = InputError(f"line {reader.line_num + offset} has more fields than "
                                       "the header")
                    failed += 1
                    append(b'{"account":"",' + fragment(error))
                    continue
                values += [""] * (width - count)
            written = values[where]
            account = written.strip()
            if not account:  # the error names no account: nothing to share
                misses += 1
                result = self._from_fields(dict(zip(header, values)))
                failed += isinstance(result, BillingError)
                append(b'{"account":"",' + fragment(result))
                continue
            values[where] = ""
            key = tuple(values)
            values[where] = written
            hit = young.get(key)
            if hit is None:
                hit = old.get(key)
                if hit is None:
                    misses += 1
                    result = self._from_fields(dict(zip(header, values)))
                    hit = (result if isinstance(result, BillingError) else None, fragment(result))
                else:
                    hits += 1
                cost = ENTRY_WEIGHT + len(hit[1])
                if cache.weight + cost > half:  # retire the young generation (see ResultCache)
                    cache.retire()
                    young, old = cache.young, cache.old
                cache.weight += cost
                young[key] = hit
            else:
                hits += 1
            if hit[0] is not None:
                failed += 1
            if account.isalnum() or safe(account):  # nothing JSON would escape
                append(b'{"account":"' + account.encode() + b'",')
            else:
                append(_account_json(account))
            append(hit[1])
            if len(parts) >= 128:  # ~64 rows: small writes reuse memory, no page faults
                out.write(b"".join(parts))
                parts.clear()
                if progress is not None and rows % 4096 < 64:
                    progress.advance(rows - progress.rows, position() if position is not None else 0)
        out.write(b"".join(parts))
        stats.hits += hits
        stats.misses += misses
        if progress is not None:
            progress.rows = rows
        return rows, failed

    def results(self, chunk: Chunk) -> list[Outcome]:
        """Every row's :class:`Outcome`, bills carrying their own account ids."""
        found = []
        for number, account, result, _ in self.outcomes(chunk):
            assert result is not None
            if isinstance(result, Bill) and result.account != account:
                result = replace(result, account=account)
            found.append(Outcome(number, account, result))
        return found


def _zip_fields(header: tuple[str, ...], values: Sequence[str]) -> Mapping[str, Any]:
    return dict(zip(header, values))


def _same(record: Mapping[str, Any]) -> Mapping[str, Any]:
    return record


def _rebuild(recipe: CatalogRecipe, ruleset: str | None, cache_size: int) -> BatchEngine:
    return BatchEngine(recipe.load(), ruleset, recipe=recipe, cache_size=cache_size)


# --------------------------------------------------------------------------- reading chunks


def _csv_chunks(stream: Iterable[str], size: int, header: tuple[str, ...] | None = None,
                offset: int = 0) -> Iterator[Chunk]:
    """Chunks of CSV rows; with ``header``, ``stream`` starts after it, at line ``offset + 1``."""
    reader = csv.reader(stream)
    if header is None:
        try:
            header = tuple(next(reader))
        except StopIteration:
            return
    width = len(header)
    rows: list[tuple[int, Payload]] = []
    for values in reader:
        if not values:
            continue
        number = reader.line_num + offset
        if len(values) > width:
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
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            rows.append((number, InputError(f"line {number} is not valid JSON: {exc.msg}")))
        else:
            if isinstance(record, dict):
                rows.append((number, record))
            else:
                rows.append((number, InputError(f"line {number} is not a JSON object")))
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
    parquet = pq.ParquetFile(path)
    number = 0
    for batch in parquet.iter_batches(batch_size=size):
        rows: list[tuple[int, Payload]] = []
        for record in batch.to_pylist():
            number += 1
            rows.append((number, record))
        position[0] = number
        yield Chunk(None, rows)


def input_format(path: str, given: str | None) -> str:
    """``csv``, ``jsonl`` or ``parquet``: ``given``, else from the file name."""
    if given:
        return given
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "csv"


def read_chunks(source: str | Path | IO[str], format: str | None = None, *,
                size: int = CHUNK_ROWS, progress: Progress | None = None) -> Iterator[Chunk]:
    """Stream ``source`` (a path, ``-`` for standard input, or an open text stream) as chunks.

    Only one chunk is held at a time, so memory does not grow with the input.
    """
    if not isinstance(source, (str, Path)):
        kind = format or "csv"
        yield from (_csv_chunks if kind == "csv" else _jsonl_chunks)(source, size)
        return
    if str(source) == "-":
        yield from read_chunks(sys.stdin, format or "csv", size=size)
        return
    path = Path(source)
    kind = input_format(str(path), format)
    if kind == "parquet":
        position = [0]
        if progress is not None:
            import pyarrow.parquet as pq

            progress.total = pq.ParquetFile(path).metadata.num_rows
            progress.unit = "rows"
        for chunk in _parquet_chunks(path, size, position):
            yield chunk
            if progress is not None:
                progress.advance(len(chunk.rows), position[0])
        return
    if kind not in ("csv", "jsonl"):
        raise ValueError(f"unknown input format {kind!r} (csv, jsonl or parquet)")
    with path.open("rb") as raw:
        if progress is not None:
            progress.total = path.stat().st_size
            progress.unit = "bytes"
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = _csv_chunks if kind == "csv" else _jsonl_chunks
        for chunk in reader(text, size):
            yield chunk
            if progress is not None:
                progress.advance(len(chunk.rows), raw.tell())


# --------------------------------------------------------------------------- running


def run_chunks(engine: Any, chunks: Iterable[Chunk], work: Callable[[Any, Chunk], Any],
               jobs: int = 1) -> Iterator[Any]:
    """``work(engine, chunk)`` for every chunk, in order, on ``jobs`` processes.

    With several jobs, at most ``2 × jobs`` chunks are in flight, so a slow writer or a long
    input never piles up in memory.
    """
    if jobs <= 1:
        for chunk in chunks:
            yield work(engine, chunk)
        return
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(jobs, _init_worker, (engine,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_work_in_worker, (work, chunk)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def csv_file_to_jsonl(engine: BatchEngine, source: str | Path, out: IO[bytes],
                      progress: Progress | None = None) -> tuple[int, int]:
    """Bill the CSV file ``source`` into ``out`` as JSON lines, streaming; (rows, error rows)."""
    path = Path(source)
    with path.open("rb") as raw:
        if progress is not None:
            progress.total = path.stat().st_size
            progress.unit = "bytes"
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return engine.csv_to_jsonl(text, out, progress=progress, position=raw.tell)


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


def bill_csv_part(engine: BatchEngine, path: str, header: tuple[str, ...], start: int, end: int,
                  first_line: int, target: str) -> tuple[int, int]:
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


def jsonl_parallel(engine: BatchEngine, source: str, stream: IO[bytes], jobs: int,
                   progress: Progress | None = None) -> int | None:
    """Bill the CSV file ``source`` into ``stream`` as JSON lines on ``jobs`` processes;
    return the number of error rows, or ``None`` when the file cannot be split (it then
    goes through :func:`run_chunks`).

    The file is cut into byte ranges on line boundaries; each worker bills its ranges into
    temporary files, which are copied to ``stream`` in order, so the output is byte for byte
    the one-process output and memory stays flat.
    """
    import multiprocessing
    import tempfile

    parts = csv_parts(source, jobs * 4)
    if parts is None:
        return None
    with open(source, encoding="utf-8-sig", newline="") as text:
        header = tuple(next(csv.reader(text), []))
    if progress is not None:
        progress.total = os.path.getsize(source)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tariffcore-") as folder, \
            multiprocessing.get_context("spawn").Pool(jobs, _init_worker, (engine,)) as pool:
        targets = [os.path.join(folder, f"part-{index}.jsonl") for index in range(len(parts))]
        answers = [pool.apply_async(_bill_part_in_worker,
                                    (str(source), header, start, end, first, target))
                   for (start, end, first), target in zip(parts, targets)]
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


def _bill_part_in_worker(source: str, header: tuple[str, ...], start: int, end: int,
                         first: int, target: str) -> tuple[int, int]:
    return bill_csv_part(_WORKER["engine"], source, header, start, end, first, target)


_WORKER: dict[str, Any] = {}


def _init_worker(engine: Any) -> None:
    _WORKER["engine"] = engine


def _work_in_worker(work: Callable[[Any, Chunk], Any], chunk: Chunk) -> Any:
    return work(_WORKER["engine"], chunk)


def jsonl_work(engine: BatchEngine, chunk: Chunk) -> tuple[bytes, int, int]:
    """Chunk → (JSON lines, rows, error rows): the work of ``bill --format jsonl``."""
    return engine.jsonl(chunk)


def results_work(engine: BatchEngine, chunk: Chunk) -> list[Outcome]:
    """Chunk → outcomes with bills: the work of every other output."""
    return engine.results(chunk)


# --------------------------------------------------------------------------- progress


@dataclass
class Progress:
    """A one-line progress bar on standard error, drawn only when it is a terminal."""

    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    total: int | None = None
    unit: str = "bytes"
    rows: int = 0
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    drawn: float = 0.0

    @staticmethod
    def wanted(setting: str = "auto") -> bool:
        """``auto``: only when standard error is a terminal; ``on`` / ``off`` as said."""
        if setting == "auto":
            return sys.stderr.isatty()
        return setting == "on"

    def advance(self, rows: int, done: int) -> None:
        self.rows += rows
        self.done = done
        now = time.monotonic()
        if now - self.drawn >= 0.2:
            self.drawn = now
            self.draw(now)

    def draw(self, now: float | None = None, end: str = "") -> None:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.rows / elapsed
        if self.total:
            share = min(self.done / self.total, 1)
            bar = "#" * int(share * 30)
            text = f"\r[{bar:<30}] {share:6.1%} {self.rows:,} rows {rate:,.0f} rows/s"
        else:
            text = f"\r{self.rows:,} rows {rate:,.0f} rows/s"
        self.stream.write(text + end)
        self.stream.flush()

    def finish(self) -> None:
        if self.total:
            self.done = self.total
        self.draw(end="\n")
