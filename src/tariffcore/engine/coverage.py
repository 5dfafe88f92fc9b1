"""What the bundled data can bill, month by month and charge by charge.

For each month from the first version in force to the end of the year of the last version's
start, and each charge id of the ruleset, the version in force on the month's first day (each
version judged by its own kind of date) says one of:

``billable``
    the version has the charge and none of its values is ``unknown``: every use class, tier
    and meter size can be billed;
``partly``
    some values are ``unknown`` (a use class, a higher tier, a meter size) and some are known:
    some bills can be made, others fail with ``unknown_value``;
``unknown``
    the charge is written but every value of it is ``unknown``: no bill of it can be made;
``not included``
    the version lists the charge under ``not_included`` (the data lacks it entirely): bills
    leave it out and say so;
``none``
    the version has no such charge, or no version is in force that month.

Consecutive months with the same status for every charge are one row (a *run*).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from ..format import UNKNOWN
from .requested import charge_ids
from .ruleset import Ruleset
from .version import CompiledVersion

__all__ = ["STATUSES", "CoverageRun", "coverage", "coverage_text"]

#: The statuses of a charge in a month, and the mark a grid shows for each.
STATUSES: Mapping[str, str] = {
    "billable": "●",
    "partly": "◐",
    "unknown": "○",
    "not included": "–",
    "none": "·",
}


@dataclass(frozen=True, slots=True)
class CoverageRun:
    """Months ``first``..``last`` (first days of months) under ``version`` (``None``: no
    version in force), with the status of each charge."""

    first: date
    last: date
    version: str | None
    statuses: Mapping[str, str]


def _values(value: Any) -> Iterator[bool]:
    """For every figure of a charge's data: whether it is known (True) or ``unknown``."""
    if value == UNKNOWN:
        yield False
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("label", "source", "type", "note", "basis", "applies_to", "rounding"):
                yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif value is not None and not isinstance(value, (str, bool)):
        yield True


def charge_status(version: CompiledVersion | None, charge_id: str) -> str:
    """The status of ``charge_id`` under ``version`` (see the module's documentation)."""
    if version is None:
        return "none"
    if any(missing.charge == charge_id for missing in version.not_included):
        return "not included"
    data = (version.data.get("charges") or {}).get(charge_id)
    if version.charge(charge_id) is None or data is None:
        return "none"
    known = list(_values(data))
    if all(known):
        return "billable"
    return "partly" if any(known) else "unknown"


def _in_force(ruleset: Ruleset, day: date) -> CompiledVersion | None:
    found = None
    for version in ruleset.versions:
        first, last = ruleset.in_force(version)
        if first is not None and first <= day and (last is None or day <= last):
            found = version
    return found


def coverage(ruleset: Ruleset, until: date | None = None) -> list[CoverageRun]:
    """The runs of months of ``ruleset`` (see the module's documentation), up to ``until``
    (default: December of the year the last version takes effect)."""
    if not ruleset.versions:
        return []
    ids = charge_ids(ruleset.versions)
    start = ruleset.in_force(ruleset.versions[0])[0]
    month = date(start.year, start.month, 1)
    end = until or date(ruleset.versions[-1].spec.effective.from_.year, 12, 1)
    runs: list[CoverageRun] = []
    while month <= end:
        version = _in_force(ruleset, month)
        statuses = {charge: charge_status(version, charge) for charge in ids}
        label = version.version if version is not None else None
        if runs and runs[-1].version == label and runs[-1].statuses == statuses:
            previous = runs[-1]
            runs[-1] = CoverageRun(previous.first, month, label, statuses)
        else:
            runs.append(CoverageRun(month, month, label, statuses))
        month += relativedelta(months=1)
    return runs


def coverage_text(ruleset: Ruleset, until: date | None = None, markdown: bool = False) -> str:
    """The coverage of ``ruleset`` as a table: a row per run of months, a column per charge."""
    runs = coverage(ruleset, until)
    ids = charge_ids(ruleset.versions)
    head = ["months", "version", *ids]
    rows = [
        [
            f"{run.first:%Y-%m}" + (f"..{run.last:%Y-%m}" if run.last != run.first else ""),
            run.version or "–",
            *(f"{STATUSES[run.statuses[c]]} {run.statuses[c]}" for c in ids),
        ]
        for run in runs
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    out = [f"{ruleset.id}  {ruleset.title}"]
    for row in [head, *rows]:
        out.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(out) + "\n"
