"""The batch engine's memory of repeated rows: a cache bounded in bytes.

:class:`ResultCache` keeps results under the keys of :mod:`tariffcore.batch.keys` within a
fixed budget, so memory is the same whether a run has half a million rows or fifty million.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "ENTRY_WEIGHT",
    "LARGEST_JOB_CACHE",
    "job_cache_size",
    "OBJECT_WEIGHT",
    "CacheStats",
    "ResultCache",
]

#: Bytes of results the cache holds at most (see :class:`ResultCache`), unless a job says more
#: (:func:`job_cache_size`).
DEFAULT_CACHE_SIZE = 24 << 20
#: The most a job's cache is given by default (see :func:`job_cache_size`).
LARGEST_JOB_CACHE = 256 << 20


def job_cache_size(input_bytes: int) -> int:
    """The cache budget for an input of ``input_bytes``: as many bytes as the input has, at
    least :data:`DEFAULT_CACHE_SIZE` and at most :data:`LARGEST_JOB_CACHE`. A result weighs
    a few dozen times its row, so in a city where about one row in 25 is new (and the rest
    repeat) the distinct results all fit, however many rows the city has; in one whose rows do
    not repeat the batch engine stops keeping results, so the budget is not used."""
    return min(max(input_bytes, DEFAULT_CACHE_SIZE), LARGEST_JOB_CACHE)


#: What a cache entry weighs besides its JSON text: key tuple, dict slot, value tuple.
ENTRY_WEIGHT = 400
#: What a result kept as objects (a Bill and its lines) weighs, roughly.
OBJECT_WEIGHT = 6000

V = TypeVar("V")


@dataclass
class CacheStats:
    """Hits and misses of the result cache (for tests, benchmarks and ``--stats``)."""

    hits: int = 0
    misses: int = 0
    clears: int = 0  # times the young generation was retired


class _Young(dict[Hashable, V]):
    """The young generation: a dict that looks in the old generation for a key it lacks."""

    __slots__ = ("cache",)

    def __init__(self, cache: ResultCache[V]) -> None:
        super().__init__()
        self.cache = cache

    def __missing__(self, key: Hashable) -> V | None:
        return self.cache.recall(key)


class ResultCache(Generic[V]):
    """A map of results bounded in bytes, in two generations (a cheap approximation of LRU).

    New entries go to the young generation; when its entries weigh half the budget it becomes
    the old one and the previous old one is dropped. A hit in the old generation moves the
    entry back to the young one, so rows that keep repeating stay while one-off rows pass
    through. An entry weighs ``weigh(value)`` (its JSON text, or a fixed weight for a result
    kept as objects) plus a fixed allowance for its key and slot. The whole never weighs more
    than the budget, whatever the mix of rows, so memory stays flat however long the input.
    """

    __slots__ = ("half", "young", "old", "weight", "weigh", "stats", "get")

    def __init__(self, budget: int, stats: CacheStats, weigh: Callable[[V], int]) -> None:
        self.half = max(budget // 2, 1)
        self.young: _Young[V] = _Young(self)
        self.old: dict[Hashable, V] = {}
        self.weight = 0  # of the young generation
        self.weigh = weigh
        self.stats = stats
        #: ``get(key)``: the value kept under ``key``, or ``None``. A look-up in the young
        #: generation is a plain dict look-up (this runs once per input row); a value found
        #: in the old generation moves back to the young one.
        self.get: Callable[[Hashable], V | None] = self.young.__getitem__

    def recall(self, key: Hashable) -> V | None:
        """The value kept under ``key`` in the old generation, moved back to the young one."""
        hit = self.old.get(key)
        if hit is not None:
            self.put(key, hit)
        return hit

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` under ``key`` in the young generation."""
        cost = ENTRY_WEIGHT + self.weigh(value)
        if self.weight + cost > self.half:
            self.retire()
        self.weight += cost
        self.young[key] = value

    def retire(self) -> None:
        """The young generation becomes the old one; the old one is dropped."""
        self.old = {}  # dropped first, so that it is not held while the young one is copied
        self.old = dict(self.young)
        self.young.clear()
        self.weight = 0
        self.stats.clears += 1

    def clear(self) -> None:
        """Drop every entry (rows that do not repeat have nothing to keep)."""
        self.old = {}
        self.young.clear()
        self.weight = 0

    def __len__(self) -> int:
        return len(self.young) + len(self.old)
