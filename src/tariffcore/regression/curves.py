"""The bill against usage, per use class, under the old ordinance and each candidate: what the
comparison's HTML report draws.

For each use class, the accounts billed by every side are grouped by whole m³ of usage (the
usage rounded down); a point is the mean bill of a group under one side. Accounts of a class
differ in meter size and households, so a point is the mean of what the class's accounts at
that usage pay, not one account's tariff curve. The chart stops at the class's 99th percentile
of usage (the few largest users would squash the rest), and a class with many distinct usages
is drawn in at most :data:`POINTS` points (groups merged in equal ranges of usage, means
weighted by accounts). Memory is one entry per (class, whole m³), whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from ..bill import Bill, BillFigures
from ..charts import Series, line_chart
from ..money import MONEY_CONTEXT
from .compare import Comparison

__all__ = ["POINTS", "UsageCurves"]

#: The most points drawn per line.
POINTS = 120
_ONE = Decimal(1)


@dataclass
class UsageCurves:
    """Sums of bills by use class and whole m³, one sum per side (``labels``: the old
    ordinance first, then each candidate)."""

    labels: Sequence[str]
    # use class → whole m³ → [accounts, sum of bills of each side]
    groups: dict[str, dict[Decimal, list[Decimal]]] = field(default_factory=dict)
    currency: str = ""

    def add(self, item: Comparison) -> None:
        bills = item.results
        if not all(isinstance(bill, (Bill, BillFigures)) for bill in bills):
            return
        first = bills[0]
        assert isinstance(first, (Bill, BillFigures))
        self.currency = self.currency or first.currency
        usage = first.usage_m3.to_integral_value(rounding=ROUND_FLOOR)
        entry = self.groups.setdefault(item.use_class or "-", {}).get(usage)
        if entry is None:
            entry = self.groups[item.use_class or "-"][usage] = [Decimal(0)] * (len(bills) + 1)
        entry[0] += 1
        for index, bill in enumerate(bills, start=1):
            assert isinstance(bill, (Bill, BillFigures))
            entry[index] = MONEY_CONTEXT.add(entry[index], bill.total)

    def points(self, cls: str) -> list[tuple[Decimal, list[Decimal]]]:
        """``(usage, mean bill of each side)`` of ``cls``, in usage order, up to its 99th
        percentile of usage, in at most :data:`POINTS` points."""
        found = sorted(self.groups.get(cls, {}).items())
        accounts = sum(entry[0] for _, entry in found)
        if not accounts:
            return []
        rank, seen, cut = -(-99 * accounts // 100), Decimal(0), found[-1][0]
        for usage, entry in found:
            seen += entry[0]
            if seen >= rank:
                cut = usage
                break
        kept = [(usage, entry) for usage, entry in found if usage <= cut]
        if len(kept) > POINTS:
            width = max(MONEY_CONTEXT.divide(cut - kept[0][0] + _ONE, Decimal(POINTS)), _ONE)
            merged: dict[Decimal, list[Decimal]] = {}
            for usage, entry in kept:
                start = kept[0][0] + ((usage - kept[0][0]) / width).to_integral_value(ROUND_FLOOR) * width
                into = merged.setdefault(start, [Decimal(0)] * len(entry))
                for index, value in enumerate(entry):
                    into[index] = MONEY_CONTEXT.add(into[index], value)
            kept = sorted(merged.items())
        return [
            (usage, [MONEY_CONTEXT.divide(total, entry[0]) for total in entry[1:]]) for usage, entry in kept
        ]

    def chart(self, cls: str) -> str:
        """The SVG chart of ``cls``: one line per side ("" when no account of it was billed by
        every side)."""
        points = self.points(cls)
        if not points:
            return ""
        series = [
            Series(label, [(usage, means[index]) for usage, means in points])
            for index, label in enumerate(self.labels)
        ]
        return line_chart(
            series,
            title=f"{cls}: mean bill against usage",
            x_label="usage (m³, whole)",
            y_label=f"mean bill ({self.currency or 'amount'})",
        )
