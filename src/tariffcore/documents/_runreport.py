"""The month's report of a billing run: what management reads after ``tariffcore bill``.

:class:`Report` adds up the rows of a run in one pass: revenue by use class × charge, by
meter size and by ruleset version, the bills and the error rows (by code, with the most
frequent messages), the reductions granted, the charges left out, and how bill totals are
distributed. Everything it keeps is bounded by the rulesets (classes, charges, sizes,
versions, codes) or by a fixed limit (messages, bins), never by the number of rows.

Every sum is exact: the amounts are Decimals read from the run's text, and each row's lines
are checked to add up to its total, so the figures reconcile: the use classes, the meter
sizes, the versions and the class × charge cells each add up to the run's total.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import IO, Any

from ..batch import Outcome
from ..bill import Bill
from ..errors import BillingError, InputError
from ._runcounts import DEFAULT_BUDGET, counted_rows
from ._runrow import NO_METER, NOT_RECORDED, REDUCTION_SUFFIX, RunRow, result_row

__all__ = ["MESSAGE_LIMIT", "Report", "run_report"]

#: Distinct error messages counted one by one; rows with messages first seen after this many
#: are counted together as "other messages".
MESSAGE_LIMIT = 10_000
#: Error messages listed in a report.
TOP_MESSAGES = 10

_ZERO = Decimal(0)
# Bins of bill totals: 0, 1, 1.5, 2, 3, 5, 7, 10, 15, … (six to a power of ten), up to 10^18.
_EDGES = [_ZERO] + [Decimal(m).scaleb(power) for power in range(19) for m in ("1", "1.5", "2", "3", "5", "7")]


def _text(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


class Report:
    """The figures of one billing run. Build it with :func:`run_report`, or add results to an
    empty one with :meth:`add` (rows repeated ``count`` times at once)."""

    def __init__(self, source: str | None = None) -> None:
        #: Where the rows came from (a file name), for titles.
        self.source = source
        self.rows = 0
        self.bills = 0
        self.error_rows = 0
        self.estimated = 0
        self.total = _ZERO
        self.usage = _ZERO
        self.currency: str | None = None
        self.other_messages = 0
        self._cells: dict[tuple[str, str], list[Any]] = {}
        self._classes: dict[str, list[Any]] = {}
        self._meters: dict[str, list[Any]] = {}
        self._versions: dict[str, list[Any]] = {}
        self._rank: dict[str, list[int]] = {}  # charge → [sum of places on bills, lines]
        self._errors: Counter[str] = Counter()
        self._messages: Counter[tuple[str, str]] = Counter()
        self._reductions: dict[tuple[str, str], list[Any]] = {}
        self._not_included: Counter[str] = Counter()
        self._bins: dict[int, list[Any]] = {}

    # -- adding

    def add(self, row: RunRow | Bill | BillingError | Outcome | Mapping[str, Any], count: int = 1) -> None:
        """Add one result (a :class:`RunRow`, a bill, an error, an outcome or a JSON record)
        standing for ``count`` rows."""
        if not isinstance(row, RunRow):
            row = result_row(row)
        self.rows += count
        if row.error is not None:
            code, message = row.error
            self.error_rows += count
            self._errors[code] += count
            if row.error in self._messages or len(self._messages) < MESSAGE_LIMIT:
                self._messages[row.error] += count
            else:
                self.other_messages += count
            return
        if row.currency is not None:
            if self.currency is None:
                self.currency = row.currency
            elif row.currency != self.currency:
                raise InputError(
                    f"the run mixes currencies ({self.currency} and {row.currency}): "
                    "report each currency's bills on their own"
                )
        self.bills += count
        total = row.total * count
        self.total += total
        self.usage += row.usage * count
        self.estimated += count if row.estimated else 0
        for key, into in (
            (row.use_class, self._classes),
            (row.meter, self._meters),
            (row.ruleset, self._versions),
        ):
            found = into.get(key)
            if found is None:
                into[key] = [count, total, row.usage * count]
            else:
                found[0] += count
                found[1] += total
                found[2] += row.usage * count
        for position, (charge, amount, rule) in enumerate(row.lines):
            rank = self._rank.get(charge)
            if rank is None:
                self._rank[charge] = [position * count, count]
            else:
                rank[0] += position * count
                rank[1] += count
            cell = self._cells.get((row.use_class, charge))
            if cell is None:
                self._cells[row.use_class, charge] = [count, amount * count]
            else:
                cell[0] += count
                cell[1] += amount * count
            if charge.endswith(REDUCTION_SUFFIX):
                reduced = charge[: -len(REDUCTION_SUFFIX)]
                granted = rule.partition(".")[2] if rule and rule.startswith(charge + ".") else ""
                slot = self._reductions.get((reduced, granted))
                if slot is None:
                    self._reductions[reduced, granted] = [count, amount * count]
                else:
                    slot[0] += count
                    slot[1] += amount * count
        for charge in row.not_included:
            self._not_included[charge] += count
        index = bisect_right(_EDGES, row.total) - 1
        slot = self._bins.get(index)
        if slot is None:
            self._bins[index] = [count, total]
        else:
            slot[0] += count
            slot[1] += total

    def update(self, results: Iterable[RunRow | Bill | BillingError | Outcome | Mapping[str, Any]]) -> None:
        """Add every result of ``results``, one row each."""
        for result in results:
            self.add(result)

    # -- reading

    def charges(self) -> list[str]:
        """The charges billed in the run, in the order bills list them: by their mean place on
        the bills (reductions come last), then by name."""
        return sorted(self._rank, key=self._order)

    def _order(self, charge: str) -> tuple[bool, Fraction, str]:
        places, lines = self._rank.get(charge, (0, 1))
        return (charge.endswith(REDUCTION_SUFFIX), Fraction(places, lines), charge)

    def use_classes(self) -> list[str]:
        """The use classes of the run, by revenue (largest first), then by name."""
        return sorted(self._classes, key=lambda c: (-self._classes[c][1], c))

    def cell(self, use_class: str, charge: str) -> tuple[int, Decimal]:
        """(lines, amount) of ``charge`` on the bills of ``use_class``."""
        found = self._cells.get((use_class, charge))
        return (found[0], found[1]) if found is not None else (0, _ZERO)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (amounts as exact decimal strings)."""
        charges = self.charges()
        by_charge: dict[str, dict[str, Any]] = {}
        for charge in charges:
            lines = sum(self.cell(c, charge)[0] for c in self._classes)
            amount = sum((self.cell(c, charge)[1] for c in self._classes), _ZERO)
            by_charge[charge] = {"lines": lines, "amount": _text(amount)}
        classes = {}
        for name in self.use_classes():
            bills, total, usage = self._classes[name]
            classes[name] = {
                "bills": bills,
                "usage_m3": _text(usage),
                "total": _text(total),
                "charges": {
                    charge: {"lines": self.cell(name, charge)[0], "amount": _text(self.cell(name, charge)[1])}
                    for charge in charges
                    if self.cell(name, charge)[0]
                },
            }
        messages = sorted(self._messages.items(), key=lambda item: (-item[1], item[0]))
        return {
            "source": self.source,
            "currency": self.currency,
            "rows": self.rows,
            "bills": self.bills,
            "error_rows": self.error_rows,
            "estimated_bills": self.estimated,
            "usage_m3": _text(self.usage),
            "total": _text(self.total),
            "by_charge": by_charge,
            "by_use_class": classes,
            "by_meter_mm": {
                key: self._group(self._meters[key]) for key in sorted(self._meters, key=_meter_order)
            },
            "by_ruleset_version": {key: self._group(self._versions[key]) for key in sorted(self._versions)},
            "errors": dict(sorted(self._errors.items(), key=lambda item: (-item[1], item[0]))),
            "top_error_messages": [
                {"code": code, "message": message, "rows": rows}
                for (code, message), rows in messages[:TOP_MESSAGES]
            ],
            "other_error_messages": {
                "distinct": max(len(messages) - TOP_MESSAGES, 0),
                "rows": sum(rows for _, rows in messages[TOP_MESSAGES:]) + self.other_messages,
                "untracked_rows": self.other_messages,
            },
            "reductions": [
                {"charge": charge, "reduction": granted or None, "lines": slot[0], "amount": _text(slot[1])}
                for (charge, granted), slot in sorted(
                    self._reductions.items(),
                    key=lambda item: (self._order(item[0][0] + REDUCTION_SUFFIX), item[0]),
                )
            ],
            "not_included": dict(sorted(self._not_included.items(), key=lambda item: (-item[1], item[0]))),
            "bill_totals": self._distribution(),
        }

    def to_table(self, title: str | None = None) -> str:
        """The report as aligned text tables (see :func:`report_table`)."""
        from ._runreport_views import report_table

        return report_table(self, title)

    def to_html(self, title: str | None = None) -> str:
        """The report as a self-contained HTML page with charts (see :func:`report_html`)."""
        from ._runreport_views import report_html

        return report_html(self, title)

    @staticmethod
    def _group(slot: list[Any]) -> dict[str, Any]:
        return {"bills": slot[0], "usage_m3": _text(slot[2]), "total": _text(slot[1])}

    def _distribution(self) -> list[dict[str, Any]]:
        """The bins of bill totals from the lowest to the highest one used (empty ones between
        them included, so a chart of them has no gaps)."""
        if not self._bins:
            return []
        low, high = min(self._bins), max(self._bins)
        out = []
        for index in range(low, high + 1):
            bills, total = self._bins.get(index, (0, _ZERO))
            out.append(
                {
                    "from": None if index < 0 else _text(_EDGES[index]),
                    "below": _text(_EDGES[index + 1])
                    if 0 <= index + 1 < len(_EDGES)
                    else ("0" if index < 0 else None),
                    "bills": bills,
                    "total": _text(total),
                }
            )
        return out


def _meter_order(key: str) -> tuple[int, int, str]:
    if key.isdigit():
        return (0, int(key), key)
    return (1 if key == NO_METER else 2 if key == NOT_RECORDED else 0, 0, key)


def run_report(
    results: str | PathLike[str] | IO[bytes] | Iterable[Any],
    *,
    format: str | None = None,
    budget: int = DEFAULT_BUDGET,
) -> Report:
    """The :class:`Report` of a billing run.

    ``results`` is the output of ``tariffcore bill`` (a path to its JSON lines, CSV or
    Parquet, ``-`` for standard input, or an open binary stream of JSON lines; ``format``
    overrides what the file name says), or the results themselves from Python: bills, billing
    errors, :class:`~tariffcore.Outcome` values of a :class:`~tariffcore.BatchEngine`, or
    records as :func:`~tariffcore.bill_to_dict` writes them.

    Files are read as a stream: memory stays flat however many rows the run has (``budget``
    bytes of distinct row texts are kept to count repeated rows without parsing them again).
    """
    if isinstance(results, (str, PathLike)) or hasattr(results, "read"):
        name = (
            "standard input"
            if str(results) == "-"
            else (str(results) if isinstance(results, (str, PathLike)) else None)
        )
        report = Report(Path(name).name if name and name != "standard input" else name)
        for row, count in counted_rows(results, format, budget=budget):  # type: ignore[arg-type]
            report.add(row, count)
        return report
    report = Report()
    report.update(results)  # type: ignore[arg-type]
    return report
