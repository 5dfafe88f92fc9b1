"""What the service serves: the catalog, the batch engines over it, and reloading it.

The catalog is loaded once, when the app starts; reloading loads it again and swaps it in only
once it has loaded, so requests never see half a catalog.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread

from ..batch import BatchEngine
from ..engine import Catalog, listing, load_catalog
from .settings import Settings

__all__ = ["ENGINES", "ServiceState"]

#: Rulesets (references, with the charges asked for) whose batch engine, with its cache of
#: repeated rows, is kept at once.
ENGINES = 8


class ServiceState:
    """The catalog being served, the batch engines over it, and reloading."""

    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.catalog = catalog if catalog is not None else self._load()
        self.loaded_at = datetime.now(UTC)
        self.reloads = 0
        self._engines: OrderedDict[tuple[str | None, tuple[str, ...] | None], BatchEngine] = OrderedDict()
        self._listing: list[dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    def _load(self) -> Catalog:
        return load_catalog(self.settings.rulesets_dirs, entry_points=self.settings.entry_points)

    def engine(self, ruleset: str | None, charges: tuple[str, ...] | None = None) -> BatchEngine:
        """The batch engine billing rows under ``ruleset`` by default, only ``charges`` when
        given (kept for its cache)."""
        key = (ruleset, charges)
        found = self._engines.get(key)
        if found is not None:
            self._engines.move_to_end(key)
            return found
        budget = max((self.settings.cache_mib << 20) // ENGINES, 1)
        found = BatchEngine(self.catalog, ruleset, cache_size=budget, charges=charges)  # resolves ``ruleset``
        self._engines[key] = found
        if len(self._engines) > ENGINES:
            self._engines.popitem(last=False)
        return found

    def listing(self) -> list[dict[str, Any]]:
        """Every ruleset as ``tariffcore rulesets --format json`` lists it (computed once)."""
        if self._listing is None:
            self._listing = listing(self.catalog)
        return self._listing

    async def reload(self) -> None:
        """Load the catalog again (in a worker thread) and swap it in; on failure keep the old one."""
        async with self._lock:
            catalog = await anyio.to_thread.run_sync(self._load)
            self.catalog = catalog
            self._engines.clear()
            self._listing = None
            self.loaded_at = datetime.now(UTC)
            self.reloads += 1

    def summary(self) -> dict[str, Any]:
        return {
            "rulesets": len(self.catalog.rulesets),
            "broken": {
                key or "(unknown id)": [str(p) for p in problems]
                for key, problems in self.catalog.problems.items()
            },
            "loaded_at": self.loaded_at.isoformat(timespec="seconds"),
            "reloads": self.reloads,
        }
