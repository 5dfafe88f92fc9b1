"""The batch engine's memory of repeated rows: exact keys and a cache bounded in bytes.

A bill depends on everything in its input row except the account id. :func:`freeze` turns a
row (or a parsed account and reading, field by field) into a key that two rows share only when
they bill *and print* the same way; :class:`ResultCache` keeps results under such keys within
a fixed budget, so memory is the same whether a run has half a million rows or fifty million.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any

from ..bill import Account, Reading

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "ENTRY_WEIGHT",
    "OBJECT_WEIGHT",
    "CacheStats",
    "ResultCache",
    "Uncacheable",
    "freeze",
    "parsed_key",
]

#: Bytes of results the cache holds at most (see :class:`ResultCache`).
DEFAULT_CACHE_SIZE = 24 << 20
#: What a cache entry weighs besides its JSON text: key tuple, dict slot, value tuple.
ENTRY_WEIGHT = 400
#: What a result kept as objects (a Bill and its lines) weighs, roughly.
OBJECT_WEIGHT = 6000


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


class Uncacheable(Exception):
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
        return (
            type(value).__qualname__,
            tuple((f.name, freeze(getattr(value, f.name))) for f in fields(value)),
        )
    try:
        hash(value)
    except TypeError:
        raise Uncacheable from None
    return (type(value).__qualname__, value)


def parsed_key(ruleset: str | None, account: Account, reading: Reading) -> Any:
    """The cache key of a parsed account and reading: every field but the account id."""
    return (
        ruleset,
        tuple((f.name, freeze(getattr(account, f.name))) for f in fields(account) if f.name != "id"),
        freeze(reading),
    )
