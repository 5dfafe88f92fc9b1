"""Billing at city scale: rows stream in, one result per row streams out, in input order.

A :class:`BatchEngine` holds a catalog compiled once and bills input chunks
(:mod:`tariffcore.rows.chunks`) or CSV text straight into JSON lines. Each row yields exactly one
result: a bill, or an error row when the row cannot be read or billed; the run goes on either
way.

Repeated work is cached (:mod:`tariffcore.batch.cache`). A bill depends on everything in its row
except the account id, and real cities repeat the same (use class, meter, households, whole-m³
usage, month) many times, so the engine keeps, per distinct row, the computed result *and* its
JSON text; a repeat costs a dictionary look-up and a join of bytes. The key is the whole row
minus its ``account`` value (for rows read from files) or every field of the parsed
:class:`~tariffcore.Account` except ``id`` plus every field of the :class:`~tariffcore.Reading`
(for the Python API), so a field added to either is covered without touching this module.

An engine pickles (as the recipe to rebuild it: ruleset paths and options), which is what
lets ``--jobs N`` (:mod:`tariffcore.batch.workers`) and Dask (:mod:`tariffcore.batch.partitions`) ship it
to other processes; each process compiles the catalog once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO, Any

from ..bill import Account, Bill, Reading
from ..engine import Catalog, load_catalog
from ..errors import BillingError, InputError, row_result
from ..rows import (
    Chunk,
    Payload,
    Progress,
    bill_to_dict,
    compact_json,
    error_to_dict,
    missing_columns,
    parse_row,
)
from .cache import (
    DEFAULT_CACHE_SIZE,
    ENTRY_WEIGHT,
    CacheStats,
    ResultCache,
    Uncacheable,
    freeze,
    parsed_key,
)
from .outcome import BilledOutcome, FailedOutcome, Outcome, outcome

__all__ = ["BatchEngine", "CatalogRecipe", "Outcome", "column_text", "fragment"]

Result = Bill | BillingError


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


# --------------------------------------------------------------------------- the engine


_SAFE_ID = re.compile(r"[A-Za-z0-9 ._:/#+-]*\Z")
_PREFIX = '{"account":"",'


def _account_json(account: str) -> bytes:
    if _SAFE_ID.match(account):
        return b'{"account":"' + account.encode() + b'",'
    return ('{"account":' + compact_json(account) + ",").encode()


def column_text(values: Any, at: int | None) -> str:
    """The text of column ``at`` of a CSV row (empty when there is none)."""
    if at is None or not isinstance(values, (list, tuple)) or at >= len(values):
        return ""
    return str(values[at]).strip()


def fragment(result: Result) -> bytes:
    """The JSON line of ``result`` after its account, in UTF-8: what every bill with this input
    shares (kept encoded, so a repeat is only a join of bytes)."""
    data = bill_to_dict(result) if isinstance(result, Bill) else error_to_dict("", result)
    data["account"] = ""
    text = compact_json(data)
    assert text.startswith(_PREFIX)
    return (text[len(_PREFIX) :] + "\n").encode()


class BatchEngine:
    """Bills rows and chunks of rows with a catalog compiled once and a bounded result cache.

    ``ruleset`` (``id`` or ``id@version``) bills the rows that carry no ``ruleset`` column of
    their own. ``charges`` bills only those charge ids (see :meth:`tariffcore.Ruleset.bill`).
    Build it with :meth:`load` to be able to pickle it (for ``--jobs`` and Dask).
    """

    def __init__(
        self,
        catalog: Catalog,
        ruleset: str | None = None,
        *,
        recipe: CatalogRecipe | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        charges: Iterable[str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.charges = tuple(charges) if charges is not None else None
        self.ruleset = ruleset or None
        self.recipe = recipe
        self.cache_size = cache_size
        self.stats = CacheStats()
        self._caches: dict[Any, ResultCache] = {}
        if self.ruleset is not None:
            catalog.resolve(self.ruleset)  # a bad --ruleset fails the run, not every row

    @classmethod
    def load(
        cls,
        ruleset: str | None = None,
        paths: Iterable[str | Path] = (),
        *,
        entry_points: bool = True,
        cache_size: int = DEFAULT_CACHE_SIZE,
        charges: Iterable[str] | None = None,
    ) -> BatchEngine:
        """An engine over the installed rulesets plus ``paths``; it can be pickled."""
        recipe = CatalogRecipe(tuple(str(p) for p in paths), entry_points)
        return cls(recipe.load(), ruleset, recipe=recipe, cache_size=cache_size, charges=charges)

    def __reduce__(self) -> tuple[Callable[..., BatchEngine], tuple[Any, ...]]:
        if self.recipe is None:
            raise TypeError(
                "a BatchEngine built from a Catalog object cannot be pickled; "
                "build it with BatchEngine.load(...)"
            )
        return _rebuild, (self.recipe, self.ruleset, self.cache_size, self.charges)

    # -- one account

    def bill(self, account: Account, reading: Reading, ruleset: str | None = None) -> Result:
        """Bill one parsed account (cached); a row that cannot be billed returns its error."""
        reference = ruleset or self.ruleset
        try:
            key = parsed_key(reference, account, reading)
        except Uncacheable:
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
        result = row_result(reference, lambda ref: self.catalog.bill(ref, account, reading, self.charges))
        return _bare(result) if isinstance(result, BillingError) else result

    def _from_fields(self, record: Mapping[str, Any]) -> Result:
        try:
            account, reading = parse_row(record)
        except BillingError as exc:
            return _bare(exc)
        reference = str(record.get("ruleset") or "").strip() or self.ruleset
        return self._bill(reference, account, reading)

    def _cache(self, name: Any) -> ResultCache:
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = ResultCache(self.cache_size, self.stats)
        return cache

    # -- chunks of rows

    def outcomes(
        self, chunk: Chunk, text: bool = False
    ) -> Iterator[tuple[int, str, Result | None, bytes | None]]:
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
            rows: Iterable[tuple[int, str, Any, Callable[[], Mapping[str, Any]] | None]] = self._record_keys(
                chunk.rows
            )
        else:
            missing = missing_columns(chunk.header)
            if missing:
                error = InputError(f"the input has no column {', '.join(missing)}")
                at = chunk.header.index("account") if "account" in chunk.header else None
                for number, values in chunk.rows:
                    account = column_text(values, at)
                    yield number, account, error, fragment(error) if text else None
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
    def _csv_keys(
        header: tuple[str, ...], rows: list[tuple[int, Payload]]
    ) -> Iterator[tuple[int, str, Any, Callable[[], Mapping[str, Any]] | None]]:
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
    def _record_keys(
        rows: list[tuple[int, Payload]],
    ) -> Iterator[tuple[int, str, Any, Callable[[], Mapping[str, Any]] | None]]:
        for number, payload in rows:
            if isinstance(payload, BillingError):
                yield number, "", payload, None
                continue
            assert isinstance(payload, Mapping)
            account = str(payload.get("account") or "").strip()
            try:
                key = freeze({k: v for k, v in payload.items() if k != "account"}) if account else None
            except Uncacheable:
                key = None
            yield number, account, key, partial(_same, payload)

    def jsonl(self, chunk: Chunk) -> tuple[bytes, int, int]:
        """The JSON lines of ``chunk`` (UTF-8), the number of rows and of error rows."""
        parts = []
        failed = 0
        for _, account, error, tail in self.outcomes(chunk, text=True):
            if error is not None:
                failed += 1
            parts.append(_account_json(account) + tail)  # type: ignore[operator]
        return b"".join(parts), len(parts), failed

    def csv_to_jsonl(
        self,
        lines: Iterable[str],
        out: IO[bytes],
        *,
        header: tuple[str, ...] | None = None,
        offset: int = 0,
        progress: Progress | None = None,
        position: Callable[[], int] | None = None,
    ) -> tuple[int, int]:
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
            at = header.index("account") if "account" in header else None
            for values in reader:
                if values:
                    rows += 1
                    out.write(_account_json(column_text(values, at)) + tail)
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
                    error = InputError(f"line {reader.line_num + offset} has more fields than the header")
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

    def results(self, chunk: Chunk, own_ids: bool = True) -> list[BilledOutcome | FailedOutcome]:
        """Every row's outcome, bills carrying their own account ids (with ``own_ids=False``, a
        repeated row's bill may carry the id of the row that computed it, which saves a copy
        when only its lines and total matter). ``outcome.failed`` narrows ``outcome.result``
        to a :class:`~tariffcore.BillingError` or a :class:`~tariffcore.Bill`."""
        found: list[BilledOutcome | FailedOutcome] = []
        for number, account, result, _ in self.outcomes(chunk):
            assert result is not None
            if own_ids and isinstance(result, Bill) and result.account != account:
                result = replace(result, account=account)
            found.append(outcome(number, account, result))
        return found


def _bare(error: BillingError) -> BillingError:
    """``error`` without its traceback and chained exceptions: an error row needs its code and
    message, and a cached error must not keep the frames of the bill that raised it alive."""
    error.__traceback__ = None
    error.__context__ = None
    error.__cause__ = None
    return error


def _zip_fields(header: tuple[str, ...], values: Sequence[str]) -> Mapping[str, Any]:
    return dict(zip(header, values))


def _same(record: Mapping[str, Any]) -> Mapping[str, Any]:
    return record


def _rebuild(
    recipe: CatalogRecipe, ruleset: str | None, cache_size: int, charges: tuple[str, ...] | None = None
) -> BatchEngine:
    return BatchEngine(recipe.load(), ruleset, recipe=recipe, cache_size=cache_size, charges=charges)
