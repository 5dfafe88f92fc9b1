"""Versions on a timeline: the days each is in force, choosing one, and versions that clash.

Tariff versions and late-payment rules are dated alike, by their header's ``effective``: a
version is in force from its first day to the last day it states (``until``) or the day
before the next version of its kind takes effect, whichever comes first. A version whose first
day is ``unknown`` is on no timeline: it is used only when named explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Generic, NamedTuple, Protocol, TypeVar

from ..errors import Problem, RulesetError
from ..periods import Segment, segments
from .model import VersionHeader
from .yamlio import load_yaml

__all__ = ["Dated", "Span", "Timeline", "clashes", "timeline_order"]

_DAY = timedelta(days=1)


class Dated(Protocol):
    """A loaded version of either kind: its header, and the file it was read from."""

    @property
    def spec(self) -> VersionHeader: ...

    @property
    def path(self) -> str: ...


V = TypeVar("V", bound=Dated)


class Span(NamedTuple):
    """The first and last day a version is in force (``end`` ``None``: open)."""

    start: date
    end: date | None

    def __str__(self) -> str:
        return f"{self.start}..{self.end if self.end is not None else ''}"


def timeline_order(version: Dated) -> tuple[bool, date, str]:
    """Sort key of versions in order of taking effect, those with no known first day last."""
    start = version.spec.effective.from_
    return (False, start, version.spec.version) if isinstance(start, date) else (True, date.min, "")


class Timeline(Generic[V]):
    """Versions of one kind, in order of taking effect, each with the days it is in force."""

    __slots__ = ("_pairs", "_place", "spans", "versions")

    def __init__(self, versions: Iterable[V]) -> None:
        """``versions`` in order of taking effect; one with no known first day is left out."""
        dated = [v for v in versions if isinstance(v.spec.effective.from_, date)]
        spans = []
        for index, version in enumerate(dated):
            effective = version.spec.effective
            start = effective.from_
            assert isinstance(start, date)
            end = effective.until
            if index + 1 < len(dated):
                following = dated[index + 1].spec.effective.from_
                assert isinstance(following, date)
                end = following - _DAY if end is None or end >= following else end
            spans.append(Span(start, end))
        self.versions: tuple[V, ...] = tuple(dated)
        self.spans: tuple[Span, ...] = tuple(spans)
        self._pairs = tuple(zip(self.versions, self.spans))
        self._place = {id(version): index for index, version in enumerate(self.versions)}

    def __reduce__(self) -> tuple[type[Timeline[V]], tuple[tuple[V, ...]]]:
        # Rebuilt from the versions: the places are kept by the identity of these objects.
        return type(self), (self.versions,)

    @classmethod
    def sorted(cls, versions: Iterable[V]) -> Timeline[V]:
        """The timeline of ``versions`` in any order."""
        return cls(sorted(versions, key=timeline_order))

    def __iter__(self) -> Iterator[tuple[V, Span]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self.versions)

    def place(self, version: V) -> int:
        """Where ``version`` stands, 0 for the first to take effect."""
        found = self._place.get(id(version))
        return found if found is not None else self.versions.index(version)

    def span(self, version: V) -> Span:
        """The days ``version`` is in force."""
        return self.spans[self.place(version)]

    def pick(self, anchor: Callable[[V], date | None]) -> V | None:
        """The last version whose span holds its ``anchor`` day (``None``: not dated by it).

        Every version is asked for its anchor, in order, so a day one of them cannot work out
        is an error even when a later version is chosen.
        """
        chosen = None
        for version, (start, end) in self._pairs:
            day = anchor(version)
            if day is not None and start <= day and (end is None or day <= end):
                chosen = version
        return chosen

    def segments(self, start: date, end: date) -> tuple[list[Segment[V]], list[tuple[date, date]]]:
        """The runs of days of ``start``..``end`` each version is in force, and the runs no
        version covers (see :func:`tariffcore.periods.segments`)."""
        return segments([(version, s, e) for version, (s, e) in self._pairs], start, end)

    def describe(self) -> str:
        """Every version with its span and kind of date, for an error that finds none in force."""
        return "; ".join(
            f"{version.spec.version}: {span} by {(version.spec.effective.basis or '').replace('_', ' ')}"
            for version, span in self._pairs
        )


def clashes(*kinds: Sequence[Dated]) -> list[Problem]:
    """Versions of one ruleset that cannot all be: two with one label, whatever their kind;
    and among the versions of one kind, two taking effect on the same day, or one said to be
    in force after the next takes effect. Each at the ``file:line`` that says so."""
    problems = []
    seen: dict[str, str] = {}
    for versions in kinds:
        for version in versions:
            label = version.spec.version
            if label in seen:
                problems.append(
                    _at(version.path, ("version",), f"version {label!r} is also defined in {seen[label]}")
                )
            seen[label] = version.path
    for versions in kinds:
        ordered = Timeline.sorted(versions).versions
        for first, second in zip(ordered, ordered[1:]):
            starts = second.spec.effective.from_
            if first.spec.effective.from_ == starts:
                problems.append(
                    _at(
                        second.path,
                        ("effective", "from"),
                        f"takes effect on {starts}, the same day as {first.path}",
                    )
                )
            until = first.spec.effective.until
            assert isinstance(starts, date)
            if until is not None and until >= starts:
                problems.append(
                    _at(
                        first.path,
                        ("effective", "until"),
                        f"in force until {until}, after {second.path} takes effect ({starts})",
                    )
                )
    return problems


def _at(path: str, where: tuple[str | int, ...], message: str) -> Problem:
    """A problem at the node ``where`` of the file ``path``: a version's label and dates are its
    own (never inherited through ``extends``), so its own file says them. The file is read
    again, as clashes are rare."""
    try:
        return load_yaml(Path(path).read_text(encoding="utf-8"), path, keep_going=True).problem(
            where, message
        )
    except (OSError, RulesetError):
        return Problem(path, 1, 1, message)
