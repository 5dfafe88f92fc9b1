"""Billing at city scale: rows stream in, one result per row streams out, in input order.

A :class:`BatchEngine` holds a catalog compiled once and bills input chunks
(:mod:`tariffcore.rows.chunks`) or CSV text straight into JSON lines. Each row yields exactly one
result: a bill, or an error row when the row cannot be read or billed; the run goes on either
way.

Real cities repeat the same (use class, meter, households, whole-m³ usage, month) many times,
so results are cached. Every row, whichever way it comes, is keyed by
:mod:`tariffcore.batch.keys`, looked up with :meth:`ResultCache.get
<tariffcore.batch.ResultCache>` and, when the cache lacks it, billed and kept by
:meth:`BatchEngine._miss`: chunks row by row in :meth:`BatchEngine._each`, CSV text in the same
steps written out in :meth:`BatchEngine.csv_to_jsonl`, where a repeated row costs one key and
one look-up. A result is kept in one of two forms, each in a cache of its own: as its JSON text
(:data:`~tariffcore.batch.AS_JSON`, for JSON-lines output, where a repeat is only a join of bytes) or as the
bill or error itself (:data:`AS_OBJECT`, for every other use).

An engine pickles (as the recipe to rebuild it: ruleset paths and options), which is what
lets ``--jobs N`` (:mod:`tariffcore.batch.workers`) and Dask (:mod:`tariffcore.batch.partitions`)
ship it to other processes; each process compiles the catalog once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any, TypeVar

from ..bill import Account, Bill, BillFigures, Reading
from ..engine import Catalog, load_catalog
from ..errors import BillingError, InputError, InternalError, PluginError, row_result
from ..rows import EXPLAIN_LEVELS, Chunk, Payload, Progress, error_account, missing_columns, parse_row
from .cache import DEFAULT_CACHE_SIZE, CacheStats, ResultCache
from .forms import (
    AS_FIGURES,
    AS_OBJECT,
    Figured,
    Form,
    Printed,
    Result,
    account_json,
    csv_form,
    json_form,
)
from .keys import RECORD_KEYS, CsvKeys, RowKeys, Uncacheable, parsed_key
from .lean import LeanRows
from .outcome import BilledOutcome, FailedOutcome, Outcome, outcome

__all__ = ["BatchEngine", "CatalogRecipe", "Outcome", "column_text"]

V = TypeVar("V")


@dataclass(frozen=True)
class CatalogRecipe:
    """How to load a catalog again in another process: ruleset paths and plug-in discovery.

    A catalog holds compiled functions, which do not pickle; the recipe does, and every
    process loads (and compiles) the catalog once from it.
    """

    paths: tuple[str, ...] = ()
    entry_points: bool = True
    #: Only these rulesets (see :func:`~tariffcore.engine.load_catalog`); ``None``: all.
    only: tuple[str, ...] | None = None

    def load(self) -> Catalog:
        """The catalog of this recipe, loaded once per process."""
        found = _CATALOGS.get(self)
        if found is None:
            found = _CATALOGS[self] = load_catalog(self.paths, entry_points=self.entry_points, only=self.only)
        return found


_CATALOGS: dict[CatalogRecipe, Catalog] = {}


def column_text(values: Any, at: int | None) -> str:
    """The text of column ``at`` of a CSV row (empty when there is none)."""
    if at is None or not isinstance(values, (list, tuple)) or at >= len(values):
        return ""
    return str(values[at]).strip()


# Where a cache's keys come from: a CSV header, records, or parsed accounts and readings.
_RECORDS = "records"
_PARSED = "parsed"


# --------------------------------------------------------------------------- the engine


class BatchEngine:
    """Bills rows and chunks of rows with a catalog compiled once and a bounded result cache.

    ``ruleset`` (``id`` or ``id@version``) bills the rows that carry no ``ruleset`` column of
    their own. ``charges`` bills only those charge ids (see :meth:`tariffcore.Ruleset.bill`).
    ``explain`` says how much of each bill line its JSON lines explain (``full``, the
    default, or ``lean``: see :data:`~tariffcore.rows.EXPLAIN_LEVELS`); lean JSON lines of CSV
    text are written by lean bills (:class:`~tariffcore.batch.lean.LeanRows`) wherever they
    cover the row. Build it with :meth:`load` to be able to pickle it (for ``--jobs`` and Dask).
    """

    def __init__(
        self,
        catalog: Catalog,
        ruleset: str | None = None,
        *,
        recipe: CatalogRecipe | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        charges: Iterable[str] | None = None,
        explain: str = "full",
    ) -> None:
        if explain not in EXPLAIN_LEVELS:
            raise ValueError(f"unknown explanation level {explain!r} (one of {', '.join(EXPLAIN_LEVELS)})")
        self.explain = explain
        self.json: Form[Printed] = json_form(explain)
        self.catalog = catalog
        self.charges = tuple(charges) if charges is not None else None
        self.ruleset = ruleset or None
        self.recipe = recipe
        self.cache_size = cache_size
        self.stats = CacheStats()
        self._caches: dict[tuple[Hashable, str], ResultCache[Any]] = {}
        self._lean: dict[tuple[str, ...], LeanRows] = {}  # by header
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
        explain: str = "full",
        only: Iterable[str] | None = None,
    ) -> BatchEngine:
        """An engine over the installed rulesets plus ``paths`` (only the rulesets ``only``
        when given: a row naming another is an error row); it can be pickled."""
        recipe = CatalogRecipe(
            tuple(str(p) for p in paths), entry_points, None if only is None else tuple(only)
        )
        return cls(
            recipe.load(), ruleset, recipe=recipe, cache_size=cache_size, charges=charges, explain=explain
        )

    def __reduce__(self) -> tuple[Callable[..., BatchEngine], tuple[Any, ...]]:
        if self.recipe is None:
            raise TypeError(
                "a BatchEngine built from a Catalog object cannot be pickled; "
                "build it with BatchEngine.load(...)"
            )
        return _rebuild, (self.recipe, self.ruleset, self.cache_size, self.charges, self.explain)

    # -- one account

    def bill(self, account: Account, reading: Reading, ruleset: str | None = None) -> Result:
        """Bill one parsed account (cached); a row that cannot be billed returns its error."""
        reference = ruleset or self.ruleset
        try:
            key = parsed_key(reference, account, reading)
        except Uncacheable:
            return self._bill(reference, account, reading)
        cache = self._cache(_PARSED, AS_OBJECT)
        result = cache.get(key)
        if result is None:
            self.stats.misses += 1
            result = self._bill(reference, account, reading)
            cache.put(key, result)
            return result
        self.stats.hits += 1
        return _with_account(result, account.id)

    def _bill(self, reference: str | None, account: Account, reading: Reading) -> Result:
        """:meth:`Catalog.bill`, every per-row failure turned into a :class:`BillingError` (a
        bug in tariffcore into an :class:`~tariffcore.InternalError` naming the account)."""
        result = row_result(
            reference, lambda ref: self.catalog.bill(ref, account, reading, self.charges), account.id
        )
        return _bare(result) if isinstance(result, BillingError) else result

    def _from_fields(self, record: Mapping[str, Any]) -> Result:
        try:
            account, reading = parse_row(record)
        except BillingError as exc:
            return _bare(exc)
        except RecursionError:
            return InputError("a field nests lists or objects too deeply to be read")
        except Exception as exc:  # a bug in reading the row: its error row, the run goes on
            return InternalError.of(exc, _account_of(record))
        reference = str(record.get("ruleset") or "").strip() or self.ruleset
        return self._bill(reference, account, reading)

    def _cache(self, source: Hashable, form: Form[V]) -> ResultCache[V]:
        """The cache of results in ``form`` under the keys of ``source`` (a CSV header,
        records, or parsed accounts): keys from different sources never meet."""
        cache = self._caches.get((source, form.name))
        if cache is None:
            cache = self._caches[source, form.name] = ResultCache(self.cache_size, self.stats, form.weigh)
        return cache

    # -- rows

    def _miss(
        self,
        cache: ResultCache[V],
        form: Form[V],
        keys: RowKeys,
        key: Hashable | None,
        row: Any,
        account: str = "",
    ) -> V:
        """The result of a row the cache does not have, in ``form``; kept under ``key``. A
        lean bill computes it where the form takes one and one covers the row (``account``
        is the row's account id; none: the engine bills the row). A bug in tariffcore is the
        row's :class:`~tariffcore.InternalError` row, and the run goes on; it names the row's
        account, so it is not kept for other rows."""
        try:
            value = self._lean_value(form, keys, row, account) if form.lean and account else None
            if value is None:
                result = self._from_fields(keys.fields(row))
                value = form.make(result)
                if isinstance(result, InternalError):
                    return value
        except PluginError:
            raise  # a plug-in that breaks its contract stops the run, naming it
        except Exception as exc:  # a bug in billing or writing the row: its error row
            return form.make(InternalError.of(exc, _account_of(keys.fields(row))))
        if key is not None:
            cache.put(key, value)
        return value

    def _lean_value(self, form: Form[V], keys: RowKeys, row: Any, account: str) -> Any:
        """What the lean bill of ``row`` gives in ``form``, or ``None`` when none covers it."""
        text = keys.text(row)
        if text is None:
            return None
        header, values = text
        lean = self._lean.get(header)
        if lean is None:
            if len(self._lean) >= 4:  # records of many shapes: start again from none (memory)
                self._lean.clear()
            lean = self._lean[header] = LeanRows(self, header)
        if form.lean == "figures":
            return lean.figures(values, account)
        if form.lean == "csv":
            row = lean.csv(values, form.columns)
            return None if row is None else (False, row)
        line = lean(values)
        return None if line is None else (False, line)

    def _each(
        self, header: tuple[str, ...] | None, rows: Iterable[tuple[int, Payload]], form: Form[V]
    ) -> Iterator[tuple[int, str, V]]:
        """``(row number, account, result in form)`` for every row of a chunk, in order.
        ``header`` is the CSV header of ``rows`` (``None``: rows are records). A repeated
        row's result is the cached one: a bill in it may carry the account id of the row that
        first computed it."""
        keys: RowKeys = RECORD_KEYS
        if header is not None:
            missing = missing_columns(header)
            if missing:  # no row under this header can be billed
                error = form.make(InputError(f"the input has no column {', '.join(missing)}"))
                at = header.index("account") if "account" in header else None
                width = len(header)
                for number, payload in rows:  # a row wider than the header names no account
                    wide = isinstance(payload, (list, tuple)) and len(payload) > width
                    yield number, "" if wide else column_text(payload, at), error
                return
            keys = CsvKeys(header)
        cache = self._cache(_RECORDS if header is None else header, form)
        get, key_of, make = cache.get, keys.key, form.make
        hits = misses = 0
        try:
            for number, payload in rows:
                if isinstance(payload, BillingError):  # a row that could not be read
                    yield number, error_account(payload), make(payload)
                    continue
                account, key = key_of(payload)
                value = get(key) if key is not None else None
                if value is None:
                    misses += 1
                    value = self._miss(cache, form, keys, key, payload, account)
                else:
                    hits += 1
                yield number, account, value
        finally:
            self.stats.hits += hits
            self.stats.misses += misses

    def jsonl(self, chunk: Chunk) -> tuple[bytes, int, int]:
        """The JSON lines of ``chunk`` (UTF-8), the number of rows and of error rows."""
        parts: list[bytes] = []
        rows, failed = self._write(chunk.header, chunk.rows, parts.append)
        return b"".join(parts), rows, failed

    def _write(
        self,
        header: tuple[str, ...] | None,
        rows: Iterable[tuple[int, Payload]],
        write: Callable[[bytes], object],
    ) -> tuple[int, int]:
        """Write the JSON lines of ``rows`` with ``write``, a few dozen at a time; return
        (rows, error rows)."""
        parts: list[bytes] = []
        count = failed = 0
        for _, account, (error_row, text) in self._each(header, rows, self.json):
            count += 1
            failed += error_row
            parts.append(account_json(account) + text)
            if len(parts) >= 64:
                write(b"".join(parts))
                parts.clear()
        write(b"".join(parts))
        return count, failed

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

        The hot path of ``tariffcore bill``: the output of :meth:`jsonl`, with the same keys,
        cache and results, without building chunks (see :func:`~tariffcore.batch.text.csv_to_jsonl`).
        With ``header``, ``lines`` start after it, at line ``offset + 1``. ``position`` tells
        the progress bar how far the input is read.
        """
        from .text import csv_to_jsonl

        return csv_to_jsonl(self, lines, out, header, offset, progress, position)

    def csv_to_csv(
        self,
        lines: Iterable[str],
        out: IO[bytes],
        columns: Sequence[str],
        *,
        header: tuple[str, ...] | None = None,
        offset: int = 0,
        progress: Progress | None = None,
        position: Callable[[], int] | None = None,
    ) -> tuple[int, int]:
        """Bill CSV text ``lines`` straight into ``out`` as the rows of a CSV of bills with a
        column per charge of ``columns`` (UTF-8, no header: the rows
        :class:`~tariffcore.rows.CsvWriter` writes after its own); return (rows, error rows).
        The loop of :meth:`csv_to_jsonl`, rows written by lean bills where they cover them."""
        from .text import csv_to_jsonl

        form = csv_form(columns)
        return csv_to_jsonl(self, lines, out, header, offset, progress, position, form)

    def figures(self, chunk: Chunk, own_ids: bool = True) -> list[tuple[int, str, Figured]]:
        """``(row number, account, result)`` of every row: a billed row computed by a lean
        bill gives its :class:`~tariffcore.BillFigures` (what a CSV row, a table or a
        comparison reads of a bill, the same figures as the :class:`~tariffcore.Bill`), any
        other row its bill or error, as :meth:`results` (``own_ids`` as there)."""
        found: list[tuple[int, str, Figured]] = []
        for number, account, result in self._each(chunk.header, chunk.rows, AS_FIGURES):
            found.append((number, account, _with_account(result, account) if own_ids else result))
        return found

    def results(self, chunk: Chunk, own_ids: bool = True) -> list[BilledOutcome | FailedOutcome]:
        """Every row's outcome, bills carrying their own account ids (with ``own_ids=False``, a
        repeated row's bill may carry the id of the row that computed it, which saves a copy
        when only its lines and total matter). ``outcome.failed`` narrows ``outcome.result``
        to a :class:`~tariffcore.BillingError` or a :class:`~tariffcore.Bill`."""
        found: list[BilledOutcome | FailedOutcome] = []
        for number, account, result in self._each(chunk.header, chunk.rows, AS_OBJECT):
            if own_ids:
                result = _with_account(result, account)
            found.append(outcome(number, account, result))
        return found


def _account_of(record: Mapping[str, Any]) -> str:
    """The account id a row gives, for an error that names it."""
    value = record.get("account")
    return value.strip() if isinstance(value, str) else "" if value is None else repr(value)[:100]


_BILL_FIELDS = tuple(f.name for f in fields(Bill))
_set = object.__setattr__


R = TypeVar("R", Result, Figured)


def _with_account(result: R, account: str) -> R:
    """``result`` for the account ``account``: a cached bill (or its figures) is copied with
    that id.

    The copy takes every field as it is but the id (which no check of a bill involves), so it
    skips the checks :class:`Bill` made when it was built: a repeated row costs a few
    attribute copies instead of a :func:`dataclasses.replace`.
    """
    if isinstance(result, BillFigures):
        return result if result.account == account else result.with_account(account)
    if not isinstance(result, Bill) or result.account == account:
        return result
    copy = object.__new__(Bill)
    for name in _BILL_FIELDS:
        _set(copy, name, getattr(result, name))
    _set(copy, "account", account)
    return copy


def _bare(error: BillingError) -> BillingError:
    """``error`` without its traceback and chained exceptions: an error row needs its code and
    message, and a cached error must not keep the frames of the bill that raised it alive."""
    error.__traceback__ = None
    error.__context__ = None
    error.__cause__ = None
    return error


def _rebuild(
    recipe: CatalogRecipe,
    ruleset: str | None,
    cache_size: int,
    charges: tuple[str, ...] | None = None,
    explain: str = "full",
) -> BatchEngine:
    return BatchEngine(
        recipe.load(), ruleset, recipe=recipe, cache_size=cache_size, charges=charges, explain=explain
    )
