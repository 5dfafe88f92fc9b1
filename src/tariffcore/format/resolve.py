"""What an entry of a version refers to, resolved one way for every kind of entry.

Charges, reductions and late-payment rules all cite the version's sources by id, may be
limited to some of its use classes, and round by a rule of their own, by ``none``, or (saying
nothing) by what the version or their section states. Problems are reported at a path inside
the version's data, for the loader to turn into ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, overload

from ..money import Rounding
from ..sources import SourceRef
from .messages import did_you_mean
from .model import RoundingSpec, Source

__all__ = ["Sources", "check_use_classes", "resolve_rounding"]

Path = tuple[str | int, ...]
Problems = list[tuple[Path, str]]


class Sources:
    """A version's sources by id, resolving the ids its entries cite."""

    def __init__(self, sources: Iterable[Source], problems: Problems) -> None:
        listed = list(sources)
        self.refs: dict[str, SourceRef] = {s.id: SourceRef(s.id, s.title, s.tag, s.url) for s in listed}
        if len(self.refs) != len(listed):
            problems.append((("sources",), "two sources have the same id"))

    def cite(self, cited: object, where: Path, problems: Problems) -> tuple[SourceRef, ...]:
        """The sources ``cited`` names (an id or a list of ids, as written; anything else is
        left to the entry's model); an id the version lacks is a problem at ``where``/source."""
        names = [cited] if isinstance(cited, str) else cited if isinstance(cited, (list, tuple)) else []
        refs = []
        for source_id in names:
            if not isinstance(source_id, str):
                continue
            found = self.refs.get(source_id)
            if found is not None:
                refs.append(found)
            else:
                problems.append(
                    (
                        (*where, "source"),
                        f"source {source_id!r} is not among this version's sources"
                        f"{did_you_mean(source_id, self.refs)}; sources: {', '.join(self.refs) or 'none'}",
                    )
                )
        return tuple(refs)


def check_use_classes(
    classes: object, where: Path, declared: Mapping[str, Any], problems: Problems
) -> frozenset[str] | None:
    """The use classes an entry's ``applies_to`` lists (``None``: all); one the version does
    not declare is a problem at its place in the list."""
    if not isinstance(classes, list):
        return None
    for index, cls in enumerate(classes):
        if isinstance(cls, str) and cls not in declared:
            problems.append(
                ((*where, "applies_to", index), f"unknown use class {cls!r}{did_you_mean(cls, declared)}")
            )
    return frozenset(str(cls) for cls in classes)


@overload
def resolve_rounding(
    own: RoundingSpec | Literal["none"] | None, otherwise: RoundingSpec | None
) -> Rounding | None: ...


@overload
def resolve_rounding(
    own: RoundingSpec | Literal["none"] | None, otherwise: Literal["charge"]
) -> Rounding | None | Literal["charge"]: ...


def resolve_rounding(own: RoundingSpec | Literal["none"] | None, otherwise: RoundingSpec | str | None) -> Any:
    """The rounding an entry gets: its own rule, none for ``none``, and when it says nothing,
    ``otherwise``: the version's or section's rule, or ``"charge"`` for a reduction, which
    takes the rounding of the line it reduces when it is billed."""
    if own == "none":
        return None
    chosen = own if own is not None else otherwise
    return chosen.to_rounding() if isinstance(chosen, RoundingSpec) else chosen
