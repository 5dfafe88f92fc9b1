"""What a block of CSV rows gives when its sides bill it by columns: each side's bills
(:class:`Side`), what the rows show (:class:`Found`), the rows the record path compares for the
summaries' sake (:func:`moved`), the summaries' sums (:func:`add_sums`) and the CSV rows
(:func:`csv_lines`). See :mod:`tariffcore.regression.fastcompare`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from ..money import MONEY_CONTEXT
from .summary import ChargeTotals, ClassTotals, CompareSummary

__all__ = ["Found", "Side", "add_sums", "bill_side", "csv_lines", "found_of", "moved"]

#: The largest amount in minor units a change per cent is worked out for by columns: the
#: product with 10,000 stays within ``int64``.
LARGEST = 10**14

#: Text a CSV cell holds as it is (no quotes), and a use class holds without stripping.
PLAIN_TEXT = r"^[A-Za-z0-9_.:/@+-]+$"


class Side:
    """What a side bills one block by columns: per row, whether it did, its total and each
    charge's amount (minor units), its version's label and its account's class and meter."""

    def __init__(self, count: int) -> None:
        import numpy as np

        self.ok = np.zeros(count, dtype=bool)
        self.total = np.zeros(count, dtype=np.int64)
        self.digits = -1
        self.kind = np.full(count, -1, dtype=np.int64)
        self.facts: list[Any] = []
        self.amounts: dict[str, Any] = {}
        self.present: dict[str, Any] = {}
        self.usage: Any = None
        self.usage_text: Any = None
        self.scale = 0


class Found:
    """What the rows every side bills by columns show (see :func:`found_of`)."""

    __slots__ = ("ok", "use_class", "meter", "digits", "classes", "changes")

    def __init__(
        self, ok: Any, use_class: Any, meter: Any, digits: list[int], classes: Any, changes: list[Any]
    ) -> None:
        self.ok = ok
        self.use_class = use_class
        self.meter = meter
        self.digits = digits
        self.classes = classes
        #: Per candidate (by its index; none for the old side), its :func:`changes`.
        self.changes = changes


def bill_side(
    table: Any,
    layout: Any,
    kind_bill: Any,
    plans: Any,
    known: frozenset[str],
    digits: list[int | None],
    index: int,
) -> Side:
    """The block ``table`` billed by columns by one side (``kind_bill`` and ``plans`` its own):
    the rows of kinds whose charges all have a column (``known``) and whose currency has the
    scale of the side's first (``digits[index]``, set by the first)."""
    import numpy as np

    from ..columnar import bill_kinds

    figures, done, _ = bill_kinds(table, layout, kind_bill, plans)
    side = Side(table.num_rows)
    side.usage_text = figures.usage_text
    side.usage = np.zeros(table.num_rows, dtype=np.int64)
    scales = [usage.scale for _, _, _, usage in done]
    side.scale = max(scales, default=0)
    for rows, plan, computed, usage in done:
        facts = plan.bill.facts
        charges = [entry.id for entry, _ in plan.kernels]
        if facts is None or any(c not in known for c in charges):
            continue  # a line without a column: the record path
        if digits[index] is None:
            digits[index] = plan.digits
        if plan.digits != digits[index] or len(set(charges)) != len(charges):
            continue
        side.digits = plan.digits
        side.ok[rows] = True
        side.kind[rows] = len(side.facts)
        side.facts.append(facts)
        side.total[rows] = np.asarray(computed.total, dtype=np.int64)
        side.usage[rows] = usage.array() * 10 ** (side.scale - usage.scale)
        for charge, minor in zip(charges, computed.amounts):
            if charge not in side.amounts:
                side.amounts[charge] = np.zeros(table.num_rows, dtype=np.int64)
                side.present[charge] = np.zeros(table.num_rows, dtype=bool)
            side.amounts[charge][rows] = np.asarray(minor, dtype=np.int64)
            side.present[charge][rows] = True
    return side


def found_of(header: tuple[str, ...], table: Any, sides: list[Side]) -> Found:
    """Which rows every side billed by columns and the record path would write as they are,
    and what they show: their class (as the row gives it, else the account's) and meter
    (as the old bill has it)."""
    import numpy as np
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    from ..columnar import booleans, strings

    count = table.num_rows
    ok = np.logical_and.reduce([side.ok for side in sides])
    finest = max(side.digits for side in sides)
    for side in sides:
        ok &= np.abs(side.total) < LARGEST // 10 ** (finest - side.digits)  # at the finest scale
        if not all(plain(facts.label) for facts in side.facts):
            ok[:] = False
    old = sides[0]
    classes = cells_of(table, header, "use_class", count)
    given = filled(classes)
    ok &= booleans(pc.match_substring_regex(classes, PLAIN_TEXT)) | ~given
    names = [facts.use_class or "" for facts in old.facts]
    for at, name in enumerate(names):
        if name and not plain(name):  # the account's class, where the row gives none
            ok &= ~((old.kind == at) & ~given)
    kind = np.where(ok, old.kind, 0)
    own = np.array(classes.to_pylist(), dtype=object)
    use_class = np.where(given, own, np.array(names or [""], dtype=object)[kind])
    meters = ["" if facts.meter_mm is None else str(facts.meter_mm) for facts in old.facts]
    meter = np.array(meters or [""], dtype=object)[kind]
    digits = [side.digits for side in sides]
    made = [None, *(changes(old, new, digits[0], new.digits) for new in sides[1:])]
    return Found(ok, use_class, meter, digits, strings(use_class.tolist()), made)


def moved(
    summaries: Sequence[CompareSummary], found: Found, sides: list[Side], covered: Any, numbers: Any
) -> Any:
    """The rows of ``covered`` the record path compares for the summaries' sake (see
    :mod:`tariffcore.regression.fastcompare`)."""
    import numpy as np

    taken: set[int] = set()
    if not len(covered):
        return np.zeros(0, dtype=np.int64)
    old = sides[0]
    for summary in summaries:
        new = sides[summary.index]
        change, pct, _ = found.changes[summary.index]
        if not summary.currency:
            taken.add(int(covered[0]))
        nil = (pct[covered] == 0) & (old.total[covered] != 0)
        if nil.any() and not any(value == 0 for value in summary.percents):
            taken.add(int(covered[np.argmax(nil)]))  # 0.00 or -0.00: counted as the first met
        if summary.hardest > 0:
            order = np.lexsort((numbers[covered], -change[covered]))
            taken.update(covered[order[: summary.hardest]].tolist())
        for charge in {*old.present, *new.present}:
            has = np.zeros(len(found.ok), dtype=bool)
            for side in (old, new):
                if charge in side.present:
                    has |= side.present[charge]
            rows = covered[has[covered]]
            if not len(rows):
                continue
            classes = found.use_class[rows]
            for cls in dict.fromkeys(classes.tolist()):
                key = cls or "-"
                if charge not in summary.class_charges.get(key, {}):
                    taken.add(int(rows[np.argmax(classes == cls)]))
    return np.array(sorted(taken), dtype=np.int64)


def add_sums(summaries: Sequence[CompareSummary], found: Found, sides: list[Side], keep: Any) -> None:
    """Add the rows ``keep`` to every summary, by columns."""
    import numpy as np

    if not len(keep):
        return
    old = sides[0]
    classes = np.array([cls or "-" for cls in found.use_class[keep].tolist()], dtype=object)
    meters = np.array([m or "-" for m in found.meter[keep].tolist()], dtype=object)
    for summary in summaries:
        new = sides[summary.index]
        old_digits, new_digits = found.digits[0], found.digits[summary.index]
        band = bands_of(old.usage[keep], old.scale, summary)
        for groups, keys in (
            (summary.classes, classes),
            (summary.usage_bands, band),
            (summary.meters, meters),
        ):
            for key, at in grouped(keys):
                totals = groups.setdefault(key, ClassTotals())
                totals.accounts += len(at)
                totals.billed += len(at)
                totals.old = MONEY_CONTEXT.add(totals.old, exact_sum(old.total[keep][at], old_digits))
                totals.new = MONEY_CONTEXT.add(totals.new, exact_sum(new.total[keep][at], new_digits))
        for key, at in grouped(classes):
            rows = keep[at]
            by_class = summary.class_charges.setdefault(key, {})
            for side, digits, is_old in ((old, old_digits, True), (new, new_digits, False)):
                for charge in side.amounts:
                    present = side.present[charge][rows]
                    if not present.any():
                        continue
                    amount = exact_sum(side.amounts[charge][rows][present], digits)
                    for entry in (summary.charges[charge], by_class[charge]):
                        add_charge(entry, is_old, int(present.sum()), amount)
        unmatched(summary, old, new, keep)
        change, pct, zero = found.changes[summary.index]
        places = max(old_digits, new_digits)
        values, counted = np.unique(change[keep], return_counts=True)
        for value, count in zip(values.tolist(), counted.tolist()):
            summary.changes[decimal_of(value, places)] += count
        known = old.total[keep] != 0
        codes = np.where(zero[keep], 0, pct[keep])[known]
        values, counted = np.unique(codes, return_counts=True)
        for value, count in zip(values.tolist(), counted.tolist()):
            summary.percents[decimal_of(value, 2)] += count
        summary.rows += len(keep)


def csv_lines(
    charges: Sequence[str], found: Found, sides: list[Side], keep: Any, numbers: Any, table: Any
) -> Any:
    """The CSV rows of the rows ``keep`` (numbered ``numbers``), each with its line break, as
    Arrow text joined from the columns: the cells :meth:`ScenarioColumns.csv_row` gives."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..columnar import bools, ints, money_texts, strings, text

    take = ints(keep)
    empty = text("")
    old = sides[0]
    cells: list[Any] = [
        pc.cast(ints(numbers[keep]), pa.string()),
        table.column(table.column_names.index("account")).take(take),
        found.classes.take(take),
        strings(found.meter[keep].tolist()),
        old.usage_text.take(take),
    ]
    for side in sides:
        labels = np.array([facts.label for facts in side.facts], dtype=object)[side.kind[keep]]
        cells.append(strings(labels.tolist()))
    for charge in charges:
        for side, digits in zip(sides, found.digits):
            if charge not in side.amounts:
                cells.append(empty)
                continue
            amounts = money_texts(side.amounts[charge][keep], digits)
            cells.append(pc.if_else(bools(side.present[charge][keep]), amounts, empty))
    cells += [empty for _ in sides]  # other charges: none
    cells += [money_texts(side.total[keep], digits) for side, digits in zip(sides, found.digits)]
    for index in range(1, len(sides)):
        change, pct, zero = found.changes[index]
        places = max(found.digits[0], found.digits[index])
        cells.append(money_texts(change[keep], places))
        known = old.total[keep] != 0
        rates = pc.if_else(bools(zero[keep]), text("-0.00"), money_texts(pct[keep], 2))
        cells.append(pc.if_else(bools(known), rates, empty))
    cells += [empty, empty] * len(sides)
    cells[-1] = text("\n")  # the last cell is empty: the line's end in its place
    return pc.binary_join_element_wise(*cells, text(","))


def cells_of(table: Any, header: tuple[str, ...], name: str, count: int) -> Any:
    """The cells of column ``name`` (empty where the header has none)."""
    from ..columnar import strings

    if name not in header:
        return strings([""] * count)
    return table.column(header.index(name))


def filled(cells: Any) -> Any:
    """Where text ``cells`` are not empty."""
    import numpy as np
    import pyarrow.compute as pc

    from ..columnar import numbers

    return numbers(pc.binary_length(cells), np.int32) > 0


def plain(text: str) -> bool:
    return bool(text) and all(c.isascii() and (c.isalnum() or c in "_.:/@+-") for c in text)


def changes(old: Side, new: Side, old_digits: int, new_digits: int) -> tuple[Any, Any, Any]:
    """Per row: the change of the total (minor units at the finer scale), that in hundredths
    of a per cent of the old total (half up), and where that per cent is a zero below 0."""
    import numpy as np

    places = max(old_digits, new_digits)
    before = old.total * 10 ** (places - old_digits)
    after = new.total * 10 ** (places - new_digits)
    change = after - before
    whole = np.where(before == 0, 1, before)
    top, bottom = np.abs(change) * 10000, np.abs(whole)
    hundredths = (2 * top + bottom) // (2 * bottom)
    negative = (change < 0) ^ (whole < 0)
    pct = np.where(negative, -hundredths, hundredths)
    return change, pct, negative & (hundredths == 0)


def bands_of(usage: Any, scale: int, summary: CompareSummary) -> Any:
    """The usage band of each usage (``value / 10 ** scale``)."""
    import numpy as np

    labels = summary._band_labels
    edges = [
        min(int(edge.scaleb(scale, MONEY_CONTEXT).to_integral_value(rounding=ROUND_FLOOR)), 1 << 62)
        for edge in summary.bands
    ]
    at = np.searchsorted(np.array(edges, dtype=np.int64), usage, side="left")  # usage <= edge
    return np.array(labels, dtype=object)[at]


def grouped(keys: Any) -> Iterator[tuple[str, Any]]:
    """``(key, positions)`` of each distinct key, in order of first appearance."""
    import numpy as np

    values, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    for code in np.argsort(first, kind="stable"):
        yield values[code], np.flatnonzero(inverse.ravel() == code)


def exact_sum(values: Any, digits: int) -> Decimal:
    """The exact sum of amounts in minor units, as a Decimal at the currency's scale."""
    import numpy as np

    if len(values) and int(np.abs(values).max()) * len(values) < 1 << 62:
        total = int(values.sum())
    else:
        total = sum(int(value) for value in values.tolist())
    return decimal_of(total, digits)


def decimal_of(value: int, places: int) -> Decimal:
    """``value / 10 ** places`` as a Decimal with ``places`` decimals (``-0`` for none)."""
    return Decimal((1 if value < 0 else 0, tuple(int(d) for d in str(abs(value))), -places))


def unmatched(summary: CompareSummary, old: Side, new: Side, keep: Any) -> None:
    """Count the bills of ``keep`` that leave out a charge the other side bills."""
    import numpy as np

    for name, side, other in (("old", old, new), ("new", new, old)):
        kinds = side.kind[keep]
        for at, facts in enumerate(side.facts):
            if not facts.not_included:
                continue
            mine = kinds == at
            for charge in facts.not_included:
                if charge in other.present:
                    count = int(np.count_nonzero(mine & other.present[charge][keep]))
                    if count:
                        key = f"{name}: {charge}"
                        summary.unmatched[key] = summary.unmatched.get(key, 0) + count


def add_charge(entry: ChargeTotals, is_old: bool, bills: int, amount: Decimal) -> None:
    if is_old:
        entry.old_bills += bills
        entry.old = MONEY_CONTEXT.add(entry.old, amount)
    else:
        entry.new_bills += bills
        entry.new = MONEY_CONTEXT.add(entry.new, amount)
