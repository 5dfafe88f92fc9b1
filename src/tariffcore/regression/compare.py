"""Comparing two ordinances on the same accounts: what each bills, and what changes.

Every input row is billed twice, under ``A`` and under ``B`` (two versions of one ruleset, or
two cities), giving one :class:`Comparison` per row, in input order. A row either side cannot
bill keeps its error and is counted, never dropped. :class:`CompareSummary` gathers revenue
by use class, the distribution of changes (percentiles) and the accounts hit hardest; see
:mod:`tariffcore.regression.report` for the HTML report.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..batch import BatchEngine, column_text
from ..bill import Bill
from ..errors import BillingError, TariffcoreError
from ..money import MONEY_CONTEXT, exact_difference, format_amount
from ..rows import Chunk

__all__ = ["CompareSummary", "Comparison", "compare_chunk", "percent", "ranked", "refuse_ruleset_column"]

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to 0.01 % (half up); ``None`` when ``whole`` is 0."""
    if whole == 0:
        return None
    return MONEY_CONTEXT.divide(MONEY_CONTEXT.multiply(part, _HUNDRED), whole).quantize(
        _CENT, rounding=ROUND_HALF_UP, context=MONEY_CONTEXT
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """One account billed under both ordinances (either result may be an error)."""

    number: int
    account: str
    use_class: str
    usage_m3: str
    old: Bill | BillingError
    new: Bill | BillingError

    @property
    def both(self) -> bool:
        return isinstance(self.old, Bill) and isinstance(self.new, Bill)

    @property
    def change(self) -> Decimal | None:
        if isinstance(self.old, Bill) and isinstance(self.new, Bill):
            return exact_difference(self.new.total, self.old.total)
        return None

    @property
    def change_percent(self) -> Decimal | None:
        change = self.change
        if change is None:
            return None
        assert isinstance(self.old, Bill)
        return percent(change, self.old.total)

    COLUMNS = (
        "row",
        "account",
        "use_class",
        "usage_m3",
        "old_ruleset",
        "old_total",
        "new_ruleset",
        "new_total",
        "change",
        "change_percent",
        "old_lines",
        "new_lines",
        "old_error",
        "new_error",
    )

    def row(self) -> list[str]:
        """The values of :attr:`COLUMNS` (amounts as exact decimal strings; the lines of each
        bill as ``charge=amount`` pairs separated by ``;``)."""

        def side(result: Bill | BillingError) -> tuple[str, str, str, str]:
            if isinstance(result, Bill):
                lines = ";".join(f"{line.charge}={format_amount(line.amount)}" for line in result.lines)
                return result.label, format_amount(result.total), lines, ""
            return "", "", "", f"{result.code}: {result.message}"

        old_label, old_total, old_lines, old_error = side(self.old)
        new_label, new_total, new_lines, new_error = side(self.new)
        change = self.change
        pct = self.change_percent
        return [
            str(self.number),
            self.account,
            self.use_class,
            self.usage_m3,
            old_label,
            old_total,
            new_label,
            new_total,
            "" if change is None else format_amount(change),
            "" if pct is None else format_amount(pct),
            old_lines,
            new_lines,
            old_error,
            new_error,
        ]

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data; each bill's lines as ``{charge: amount}``."""
        data: dict[str, Any] = {
            name: (value if value != "" else None) for name, value in zip(self.COLUMNS, self.row())
        }
        data["row"] = self.number
        for name, result in (("old_lines", self.old), ("new_lines", self.new)):
            data[name] = (
                {line.charge: format_amount(line.amount) for line in result.lines}
                if isinstance(result, Bill)
                else None
            )
        return data


def compare_chunk(engines: tuple[BatchEngine, BatchEngine], chunk: Chunk) -> list[Comparison]:
    """Bill every row of ``chunk`` under both engines: one :class:`Comparison` per row.

    Every row is billed under the two rulesets compared, so an input that names a ruleset of
    its own (a ``ruleset`` column, or key of a JSON record) is refused: its rows would be
    billed under that ruleset on both sides and mixed into the totals.
    """
    old_engine, new_engine = engines
    refuse_ruleset_column(chunk, old_engine.ruleset, new_engine.ruleset)
    header = chunk.header or ()
    at = {name: header.index(name) for name in ("use_class", "usage_m3") if name in header}
    found = []
    for (_, payload), old, new in zip(
        chunk.rows, old_engine.results(chunk, own_ids=False), new_engine.results(chunk, own_ids=False)
    ):
        use_class = usage = ""
        if isinstance(payload, BillingError):
            pass
        elif chunk.header is not None:
            use_class = column_text(payload, at.get("use_class"))
            usage = column_text(payload, at.get("usage_m3"))
        elif isinstance(payload, Mapping):
            use_class = str(payload.get("use_class") or "").strip()
            usage = str(payload.get("usage_m3") or "").strip()
        if not usage and isinstance(old.result, Bill):  # given in another unit: as billed
            usage = format_amount(old.result.usage_m3)
        found.append(Comparison(old.number, old.account, use_class, usage, old.result, new.result))
    return found


def refuse_ruleset_column(chunk: Chunk, old: str | None, new: str | None) -> None:
    """Raise a :class:`~tariffcore.TariffcoreError` when ``chunk`` names rulesets of its own."""
    where = None
    if chunk.header is not None:
        if "ruleset" in chunk.header:
            where = "has a 'ruleset' column"
    else:
        for number, payload in chunk.rows:
            if isinstance(payload, Mapping) and "ruleset" in payload:
                where = f"has a 'ruleset' field (line {number})"
                break
    if where is not None:
        raise TariffcoreError(
            f"the input {where}: compare bills every row under {old} and under {new}, so a "
            "ruleset of the row's own would be mixed into both totals; remove the column"
        )


@dataclass
class ClassTotals:
    """Revenue of one use class under both ordinances (accounts billed by both only)."""

    accounts: int = 0
    billed: int = 0
    errors: int = 0
    old: Decimal = Decimal(0)
    new: Decimal = Decimal(0)

    @property
    def change(self) -> Decimal:
        return exact_difference(self.new, self.old)

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


PERCENTILES = (0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 100)


@dataclass
class CompareSummary:
    """Totals by use class, the distribution of changes and the accounts hit hardest."""

    old_label: str
    new_label: str
    hardest: int = 20
    rows: int = 0
    classes: dict[str, ClassTotals] = field(default_factory=dict)
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

    def add(self, item: Comparison) -> None:
        self.rows += 1
        totals = self.classes.setdefault(item.use_class or "-", ClassTotals())
        totals.accounts += 1
        if not item.both:
            totals.errors += 1
            for side, result in (("old", item.old), ("new", item.new)):
                if isinstance(result, BillingError):
                    key = f"{side}: {result.code}"
                    self.errors[key] = self.errors.get(key, 0) + 1
            return
        assert isinstance(item.old, Bill) and isinstance(item.new, Bill)
        old_charges = {line.charge for line in item.old.lines}
        new_charges = {line.charge for line in item.new.lines}
        for side, bill, other in (("old", item.old, new_charges), ("new", item.new, old_charges)):
            for missing in bill.not_included:
                if missing.charge in other:
                    key = f"{side}: {missing.charge}"
                    self.unmatched[key] = self.unmatched.get(key, 0) + 1
        totals.billed += 1
        self.currency = self.currency or item.new.currency
        totals.old = MONEY_CONTEXT.add(totals.old, item.old.total)
        totals.new = MONEY_CONTEXT.add(totals.new, item.new.total)
        change = exact_difference(item.new.total, item.old.total)
        self.changes[change] += 1
        pct = percent(change, item.old.total)
        if pct is not None:
            self.percents[pct] += 1
        entry = (change, -item.number, item)
        if len(self._top) < self.hardest:
            heapq.heappush(self._top, entry)
        elif entry[:2] > self._top[0][:2]:
            heapq.heapreplace(self._top, entry)

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_label,
            "new": self.new_label,
            "rows": self.rows,
            "billed_by_both": self.billed,
            "error_rows": self.error_rows,
            "errors": dict(sorted(self.errors.items())),
            "not_included_on_one_side": dict(sorted(self.unmatched.items())),
            "by_use_class": {k: self.classes[k].to_dict() for k in sorted(self.classes)},
            "total": self.totals().to_dict(),
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
        width = max([12, *map(len, data["by_use_class"])])
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
