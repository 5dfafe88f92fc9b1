"""Ruleset files in other formats: loaders chosen by file-name suffix.

tariffcore reads its own YAML format itself. A plug-in may teach it another format by returning
a :class:`RulesetLoader` from the ``tariffcore_ruleset_loaders`` hook: every file below a
ruleset directory whose name ends in one of the loader's ``suffixes`` is handed to
:meth:`RulesetLoader.load`, which translates it into tariffcore's own ruleset format — plain
data, as a version file would hold it, with the line and column each part was read from. From
there the file is validated, compiled, selected, billed, compared and listed like any YAML
version, and its problems point into the file as its author wrote it.

A loader never raises for a bad file: it returns the file's problems, and the file's ruleset is
reported broken while every other file loads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import Problem

__all__ = ["Loaded", "RulesetLoader", "VersionDocument"]


@dataclass(frozen=True)
class VersionDocument:
    """One version translated into tariffcore's ruleset format.

    ``data`` is what a YAML version file would hold (``ruleset``, ``version``, ``effective``,
    ``charges``, …); ``positions`` maps a path in ``data`` (a tuple of keys and indexes) to the
    ``(line, column)``, 1-based, of the file it was read from. A path without a position takes
    its nearest ancestor's, so a loader gives at least ``()`` and the parts it can place.
    """

    data: Mapping[str, Any]
    positions: Mapping[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Loaded:
    """What a loader read from one file.

    ``ruleset`` is the id the file belongs to, also when it is broken (its problems are then
    reported under it). ``problems`` make the file unusable: its ruleset is reported broken.
    ``notes`` are reported by ``tariffcore validate`` without stopping the file from loading:
    a part that cannot be used (severity ``error``) or something worth knowing (``warning``).
    """

    ruleset: str = ""
    versions: tuple[VersionDocument, ...] = ()
    problems: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()


class RulesetLoader(ABC):
    """Reads ruleset files of one format. Subclasses set ``name`` and ``suffixes``.

    ``suffixes`` are file-name endings, with their dot (``(".owrs",)``), compared without
    regard to case; ``.yaml`` and ``.yml`` are tariffcore's own and cannot be claimed.
    """

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    @abstractmethod
    def load(self, text: str, path: str) -> Loaded:
        """Translate the file ``path`` (its ``text``, read as UTF-8) into versions; report what
        is wrong as problems located in ``path`` rather than raising."""
