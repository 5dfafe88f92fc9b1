"""The summary of a comparison: one candidate ordinance against the old one.

Revenue by use class, by charge, by use class × charge, by usage band and by meter size; the
distribution of the change per bill (percentiles); the accounts hit hardest; the error rows by
side and code. Revenue is summed over the accounts billed by both, so the old and new columns
cover the same accounts. Every figure is an exact decimal.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..bill import Bill, Billed, BillFigures
from ..errors import BillingError
from ..money import MONEY_CONTEXT, format_amount
from .compare import Comparison, percent

__all__ = [
    "DEFAULT_BANDS",
    "PERCENTILES",
    "ChargeTotals",
    "ClassTotals",
    "CompareSummary",
    "band_labels",
    "ranked",
    "summarise",
    "usage_band",
]

#: The upper edges (m³) of the usage bands revenue is summed by, unless told otherwise.
DEFAULT_BANDS: tuple[Decimal, ...] = tuple(Decimal(edge) for edge in (10, 20, 30, 50, 100, 300, 1000))
#: The band of a row whose usage is not known (it could not be read).
UNKNOWN_USAGE = "unknown"
PERCENTILES = (0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 100)


def band_labels(edges: Sequence[Decimal]) -> list[str]:
    """The band names for ``edges``: ``0-10``, ``10-20``, …, ``1000+``. A band holds the usage
    above its lower edge up to and including its upper edge, as tiers are written (the first
    band starts at 0, inclusive)."""
    labels, low = [], Decimal(0)
    for edge in edges:
        labels.append(f"{format_amount(low)}-{format_amount(edge)}")
        low = edge
    return [*labels, f"{format_amount(low)}+"]


def usage_band(usage: Decimal | None, edges: Sequence[Decimal], labels: Sequence[str]) -> str:
    """The band ``usage`` falls in (see :func:`band_labels`)."""
    if usage is None:
        return UNKNOWN_USAGE
    for edge, label in zip(edges, labels):
        if usage <= edge:
            return label
    return labels[-1]


@dataclass
class ClassTotals:
    """Revenue of a group of accounts (a use class, a usage band, a meter size) under both
    ordinances (accounts billed by both only)."""

    accounts: int = 0
    billed: int = 0
    errors: int = 0
    old: Decimal = Decimal(0)
    new: Decimal = Decimal(0)

    @property
    def change(self) -> Decimal:
        return MONEY_CONTEXT.subtract(self.new, self.old)

    def to_dict(self) -> dict[str, Any]:
        pct = percent(self.change, self.old)
        return {
            "accounts": self.accounts,
            "billed_by_both": self.billed,
            "error_rows": self.errors,
            "old_revenue": format_amount(self.old),
            "new_revenue": format_amount(self.new),
            "change": format_amount(self.change),
            "change_percent": None if pct is None else format_amount(pct),
        }


@dataclass
class ChargeTotals:
    """Revenue of one charge under both ordinances, and how many bills have a line of it."""

    old_bills: int = 0
    new_bills: int = 0
    old: Decimal = Decimal(0)
    new: Decimal = Decimal(0)

    def to_dict(self) -> dict[str, Any]:
        change = MONEY_CONTEXT.subtract(self.new, self.old)
        pct = percent(change, self.old)
        return {
            "old_bills": self.old_bills,
            "new_bills": self.new_bills,
            "old_revenue": format_amount(self.old),
            "new_revenue": format_amount(self.new),
            "change": format_amount(change),
            "change_percent": None if pct is None else format_amount(pct),
        }


def _add_lines(
    totals: dict[str, ChargeTotals], more: dict[str, ChargeTotals], old: Billed, new: Billed
) -> None:
    """Add the lines of ``old`` and ``new`` to both ``totals`` and ``more``, by charge."""
    add = MONEY_CONTEXT.add
    for bill, is_old in ((old, True), (new, False)):
        for line in bill.lines:
            for found in (totals, more):
                entry = found.get(line.charge)
                if entry is None:
                    entry = found[line.charge] = ChargeTotals()
                if is_old:
                    entry.old_bills += 1
                    entry.old = add(entry.old, line.amount)
                else:
                    entry.new_bills += 1
                    entry.new = add(entry.new, line.amount)


def _sorted_totals(groups: dict[str, ClassTotals], order: Sequence[str] | None = None) -> dict[str, Any]:
    keys = [key for key in order if key in groups] if order is not None else sorted(groups)
    return {key: groups[key].to_dict() for key in keys}


@dataclass
class CompareSummary:
    """One candidate (the ``index``-th result of each :class:`Comparison`, 1 for the first)
    against the old ordinance: totals by group, the distribution of changes and the accounts
    hit hardest."""

    old_label: str
    new_label: str
    hardest: int = 20
    index: int = 1
    bands: tuple[Decimal, ...] = DEFAULT_BANDS
    rows: int = 0
    classes: dict[str, ClassTotals] = field(default_factory=dict)
    charges: dict[str, ChargeTotals] = field(default_factory=dict)
    class_charges: dict[str, dict[str, ChargeTotals]] = field(default_factory=dict)
    usage_bands: dict[str, ClassTotals] = field(default_factory=dict)
    meters: dict[str, ClassTotals] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # "old: code" → rows
    # "new: sewer" → bills billed by both whose new (or old) bill leaves that charge out while
    # the other bill has it: their totals do not compare like with like
    unmatched: dict[str, int] = field(default_factory=dict)
    # changes repeat (so do the rows behind them): counting them keeps memory flat
    changes: Counter[Decimal] = field(default_factory=Counter)
    percents: Counter[Decimal] = field(default_factory=Counter)
    _top: list[tuple[Decimal, int, Comparison]] = field(default_factory=list)
    #: The currency of the bills compared (of the first billed by both), for headings.
    currency: str = ""

    def __post_init__(self) -> None:
        self._band_labels = band_labels(self.bands)

    def add(self, item: Comparison) -> None:
        self.rows += 1
        old, new = item.results[0], item.results[self.index]
        cls = item.use_class or "-"
        groups = (
            self.classes.setdefault(cls, ClassTotals()),
            self.usage_bands.setdefault(usage_band(item.usage, self.bands, self._band_labels), ClassTotals()),
            self.meters.setdefault("-" if item.meter_mm is None else str(item.meter_mm), ClassTotals()),
        )
        for totals in groups:
            totals.accounts += 1
        if not (isinstance(old, (Bill, BillFigures)) and isinstance(new, (Bill, BillFigures))):
            for totals in groups:
                totals.errors += 1
            for side, result in (("old", old), ("new", new)):
                if isinstance(result, BillingError):
                    key = f"{side}: {result.code}"
                    self.errors[key] = self.errors.get(key, 0) + 1
            return
        if old.not_included or new.not_included:
            old_charges = {line.charge for line in old.lines}
            new_charges = {line.charge for line in new.lines}
            for side, bill, other in (("old", old, new_charges), ("new", new, old_charges)):
                for missing in bill.not_included:
                    if missing.charge in other:
                        key = f"{side}: {missing.charge}"
                        self.unmatched[key] = self.unmatched.get(key, 0) + 1
        self.currency = self.currency or new.currency
        add = MONEY_CONTEXT.add
        for totals in groups:
            totals.billed += 1
            totals.old = add(totals.old, old.total)
            totals.new = add(totals.new, new.total)
        by_class = self.class_charges.get(cls)
        if by_class is None:
            by_class = self.class_charges[cls] = {}
        _add_lines(self.charges, by_class, old, new)
        change = MONEY_CONTEXT.subtract(new.total, old.total)
        self.changes[change] += 1
        pct = percent(change, old.total)
        if pct is not None:
            self.percents[pct] += 1
        rank = (change, -item.number)  # the largest rise first; the earlier row on a tie
        if self.hardest <= 0:
            return
        if len(self._top) < self.hardest:
            heapq.heappush(self._top, (*rank, item.pair(self.index)))
        elif rank > self._top[0][:2]:
            heapq.heapreplace(self._top, (*rank, item.pair(self.index)))

    @property
    def error_rows(self) -> int:
        return sum(t.errors for t in self.classes.values())

    @property
    def billed(self) -> int:
        return sum(t.billed for t in self.classes.values())

    def hardest_hit(self) -> list[Comparison]:
        """The accounts whose bill rises most, largest rise first."""
        return [entry[2] for entry in sorted(self._top, key=lambda e: (e[0], e[1]), reverse=True)]

    def distribution(self, values: Counter[Decimal]) -> dict[str, str]:
        """Percentiles (nearest rank) of the counted ``values``."""
        count = sum(values.values())
        if not count:
            return {}
        return {
            f"p{p}": format_amount(ranked(values, max(1, -(-p * count // 100)))) for p in PERCENTILES
        }  # rank ceil(p/100 × n), at least 1

    def totals(self) -> ClassTotals:
        whole = ClassTotals()
        for t in self.classes.values():
            whole.accounts += t.accounts
            whole.billed += t.billed
            whole.errors += t.errors
            whole.old = MONEY_CONTEXT.add(whole.old, t.old)
            whole.new = MONEY_CONTEXT.add(whole.new, t.new)
        return whole

    def meter_order(self) -> list[str]:
        """Meter sizes in order of size, then accounts without one."""
        return sorted(self.meters, key=lambda key: (not key.isdigit(), int(key) if key.isdigit() else 0, key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_label,
            "new": self.new_label,
            "rows": self.rows,
            "billed_by_both": self.billed,
            "error_rows": self.error_rows,
            "errors": dict(sorted(self.errors.items())),
            "not_included_on_one_side": dict(sorted(self.unmatched.items())),
            "by_use_class": _sorted_totals(self.classes),
            "total": self.totals().to_dict(),
            "by_charge": {key: value.to_dict() for key, value in self.charges.items()},
            "by_use_class_and_charge": {
                cls: {key: value.to_dict() for key, value in self.class_charges[cls].items()}
                for cls in sorted(self.class_charges)
            },
            "usage_bands_m3": [format_amount(edge) for edge in self.bands],
            "by_usage_band": _sorted_totals(self.usage_bands, [*self._band_labels, UNKNOWN_USAGE]),
            "by_meter_size": _sorted_totals(self.meters, self.meter_order()),
            "change_percentiles": self.distribution(self.changes),
            "change_percent_percentiles": self.distribution(self.percents),
            "hardest_hit": [item.to_dict() for item in self.hardest_hit()],
        }

    def text(self) -> str:
        data = self.to_dict()
        out = [
            f"{self.old_label} → {self.new_label}: {self.rows} account(s), "
            f"{self.billed} billed by both, {self.error_rows} error row(s)"
        ]
        width = max([12, *map(len, data["by_use_class"]), *map(len, data["by_charge"])])
        out.append(
            f"\n{'use class':<{width}} {'accounts':>9} {'billed':>8} {'errors':>7} "
            f"{'old revenue':>16} {'new revenue':>16} {'change %':>9}"
        )
        for name, t in [*data["by_use_class"].items(), ("total", data["total"])]:
            out.append(
                f"{name:<{width}} {t['accounts']:>9} {t['billed_by_both']:>8} "
                f"{t['error_rows']:>7} {t['old_revenue']:>16} {t['new_revenue']:>16} "
                f"{t['change_percent'] or '-':>9}"
            )
        if data["by_charge"]:
            out.append(f"\n{'charge':<{width}} {'old revenue':>16} {'new revenue':>16} {'change %':>9}")
            for name, c in data["by_charge"].items():
                out.append(
                    f"{name:<{width}} {c['old_revenue']:>16} {c['new_revenue']:>16} "
                    f"{c['change_percent'] or '-':>9}"
                )
        if data["change_percentiles"]:
            unit = self.currency or "amount"
            out.append(
                f"\nchange per bill ({unit}): "
                + ", ".join(f"{k} {v}" for k, v in data["change_percentiles"].items())
            )
            out.append(
                f"change per bill (%):{' ' * len(unit)}"
                + ", ".join(f"{k} {v}" for k, v in data["change_percent_percentiles"].items())
            )
        for key, count in data["errors"].items():
            out.append(f"error rows {key}: {count}")
        for key, count in data["not_included_on_one_side"].items():
            side, charge = key.split(": ", 1)
            label = self.old_label if side == "old" else self.new_label
            out.append(
                f"warning: {label} does not include {charge}, which the other side bills, "
                f"on {count} bill(s): those totals compare different sets of charges"
            )
        return "\n".join(out) + "\n"


def ranked(values: Counter[Decimal], rank: int) -> Decimal:
    """The ``rank``-th smallest value (1-based) of the counted ``values``."""
    seen = 0
    for value in sorted(values):
        seen += values[value]
        if seen >= rank:
            return value
    raise IndexError(f"rank {rank} is beyond the {seen} values")


def summarise(items: Iterable[Comparison], old: str, new: str) -> CompareSummary:
    summary = CompareSummary(old, new)
    for item in items:
        summary.add(item)
    return summary
