"""The timeline tariff versions and late-payment rules share: spans, choosing, copying."""

from __future__ import annotations

import copy
from datetime import date
from types import SimpleNamespace
from typing import Any

from tariffcore.format import Span, Timeline


def _version(label: str, start: date | str, until: date | None = None, basis: str = "due_date") -> Any:
    effective = SimpleNamespace(from_=start, until=until, basis=basis)
    return SimpleNamespace(spec=SimpleNamespace(version=label, effective=effective), path=f"{label}.yaml")


A = _version("a", date(2020, 1, 1))
B = _version("b", date(2021, 1, 1), until=date(2021, 6, 30))
C = _version("c", date(2022, 1, 1))
UNDATED = _version("u", "unknown", basis="")


def test_a_version_is_in_force_until_its_own_end_or_the_day_before_the_next() -> None:
    line = Timeline.sorted([C, UNDATED, B, A])
    assert line.versions == (A, B, C)  # the undated one is on no timeline
    assert line.spans == (
        Span(date(2020, 1, 1), date(2020, 12, 31)),
        Span(date(2021, 1, 1), date(2021, 6, 30)),  # its own end, before the next begins
        Span(date(2022, 1, 1), None),
    )
    assert line.describe() == (
        "a: 2020-01-01..2020-12-31 by due date; b: 2021-01-01..2021-06-30 by due date; "
        "c: 2022-01-01.. by due date"
    )


def test_pick_takes_the_last_version_whose_span_holds_its_anchor() -> None:
    line = Timeline([A, B, C])
    assert line.pick(lambda version: date(2021, 3, 1)) is B
    assert line.pick(lambda version: date(2021, 9, 1)) is None  # after b's end, before c
    # Each version may be dated by its own anchor; one it cannot date is skipped.
    assert line.pick(lambda version: None if version is C else date(2020, 5, 1)) is A


def test_segments_cut_a_period_by_the_versions_in_force() -> None:
    found, gaps = Timeline([A, B, C]).segments(date(2021, 6, 1), date(2022, 1, 10))
    assert [(s.item, s.start, s.end) for s in found] == [
        (B, date(2021, 6, 1), date(2021, 6, 30)),
        (C, date(2022, 1, 1), date(2022, 1, 10)),
    ]
    assert gaps == [(date(2021, 7, 1), date(2021, 12, 31))]


def test_a_copy_knows_where_its_own_versions_stand() -> None:
    line = Timeline([A, B, C])
    twin = copy.deepcopy(line)
    assert twin.versions[1] is not B
    assert [twin.place(v) for v in twin.versions] == [0, 1, 2]
    assert twin.span(twin.versions[1]) == Span(date(2021, 1, 1), date(2021, 6, 30))
