"""Lean JSON lines of a block of CSV rows, billed by columns.

:func:`lean_block` reads a block's figures (:func:`~tariffcore.columnar.kinds.read_figures`),
groups its rows by kind of account, bills each kind with its :class:`KindPlan` and writes the
lines of every row it covers with a handful of Arrow string operations: each piece of a line
(the fixed text of its version and account, the figures) is a column, and the pieces are
joined row by row. The text is the very text of the lean bills
(:class:`~tariffcore.rows.BillTemplate`, :class:`~tariffcore.rows.LineTemplate`), byte for
byte. Rows it does not cover are returned by position, for the scalar engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from .amounts import money_texts
from .arrays import bools, ints, strings, text
from .column import DecimalColumn, Ops
from .kinds import Layout, RowFigures, group_kinds, read_figures
from .plan import Computed, KindBill, KindPlan, Texts

__all__ = ["Billed", "KindBills", "KindPlans", "bill_kinds", "lean_block"]

#: The lean bill of the rows like a row (given as its values), or ``None``.
KindBillOf = Callable[[list[str]], "KindBill | None"]


class KindPlans:
    """The plans made so far, by lean bill, with the texts their numbers stand for."""

    __slots__ = ("texts", "plans")

    def __init__(self) -> None:
        self.texts = Texts()
        self.plans: dict[int, tuple[KindBill, KindPlan | None]] = {}

    def plan(self, bill: KindBill | None) -> KindPlan | None:
        if bill is None:
            return None
        found = self.plans.get(id(bill))
        if found is not None and found[0] is bill:
            return found[1]
        plan: KindPlan | None = KindPlan(bill, self.texts)
        if plan is not None and not plan.covered:
            plan = None
        if len(self.plans) > 4096:
            self.plans.clear()
        self.plans[id(bill)] = (bill, plan)  # the bill kept, so its id is not reused
        return plan


class Billed:
    """A block billed by columns: ``lines`` (one text per covered row, in input order) at
    ``covered`` positions, and the ``fallback`` positions, for the scalar engine."""

    __slots__ = ("covered", "lines", "fallback")

    def __init__(self, covered: Any, lines: Any, fallback: Any) -> None:
        self.covered = covered
        self.lines = lines
        self.fallback = fallback


def _usage(figures: RowFigures, rows: Any) -> DecimalColumn:
    usage = figures.usage
    places = usage.places[rows]
    exponent: Any = -int(places[0]) if len(places) and (places == places[0]).all() else -places
    return DecimalColumn(Ops(len(rows)), usage.values[rows], usage.scale, exponent)


#: The bills of one kind of account: its rows, plan, computed bills and usage column.
KindBills = tuple[Any, KindPlan, Computed, DecimalColumn]
#: A check of a kind's computed bills: the rows it cannot write (``None``: every row fits).
Check = Callable[[KindBills], Any]


def bill_kinds(
    table: Any, layout: Layout, kind_bill: KindBillOf, plans: KindPlans, check: Check | None = None
) -> tuple[RowFigures, list[KindBills], Any]:
    """``(figures, the bills of each kind, the rows left to the scalar engine)`` of a block:
    each kind billed by its plan, without the rows its kernels (or ``check``) leave."""
    figures = read_figures(table, layout)
    _, order, starts = group_kinds(table, layout)
    width = table.num_columns
    fallback: list[Any] = []
    done: list[KindBills] = []
    for kind in range(len(starts) - 1):
        rows = order[starts[kind] : starts[kind + 1]]
        first = int(rows[0])
        values = [table.column(i)[first].as_py() for i in range(width)]
        plan = plans.plan(kind_bill(values))
        if plan is None:
            fallback.append(rows)
            continue
        ok = figures.ok[rows]
        if not ok.all():
            fallback.append(rows[~ok])
            rows = rows[ok]
        while len(rows):  # billed again without the rows left: every array fits the rest
            usage = _usage(figures, rows)
            computed = plan.compute(usage, plans.texts)
            left = computed.fallback
            if not left.any() and check is not None:
                found = check((rows, plan, computed, usage))
                left = found if found is not None else left
            if not left.any():
                done.append((rows, plan, computed, usage))
                break
            fallback.append(rows[left])
            rows = rows[~left]
    back = np.sort(np.concatenate(fallback)) if fallback else np.zeros(0, dtype=np.int64)
    return figures, done, back


def lean_block(table: Any, layout: Layout, kind_bill: KindBillOf, plans: KindPlans) -> Billed:
    """The lean JSON lines of ``table``'s rows (see the module)."""
    figures, done, back = bill_kinds(table, layout, kind_bill, plans)
    shapes: dict[int, list[tuple[Any, KindPlan, Computed]]] = {}
    for rows, plan, computed, _ in done:
        shapes.setdefault(len(plan.lines), []).append((rows, plan, computed))
    parts = [_render(table, layout, figures, group, plans.texts) for group in shapes.values()]
    if not parts:
        return Billed(np.zeros(0, dtype=np.int64), strings([]), back)
    if len(parts) == 1:
        return Billed(parts[0][0], parts[0][1], back)
    positions = np.concatenate([p for p, _ in parts])
    lines = pa.concat_arrays([line for _, line in parts])
    order = np.argsort(positions, kind="stable")
    return Billed(positions[order], lines.take(ints(order)), back)


class _Pieces:
    """The pieces of a column of lines: texts the same on every row are merged."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.pieces: list[Any] = []
        self.table: Any = None

    def text(self, value: str) -> None:
        if self.pieces and isinstance(self.pieces[-1], str):
            self.pieces[-1] += value
        else:
            self.pieces.append(value)

    def column(self, values: Any) -> None:
        self.pieces.append(values)

    def numbers(self, numbers: Any) -> None:
        """Texts by their numbers (an array, one per row)."""
        if numbers.min() == numbers.max():
            self.text(self.texts[int(numbers[0])])
            return
        if self.table is None:
            self.table = strings(self.texts)
        self.column(self.table.take(ints(numbers)))

    def join(self) -> Any:
        pieces = [text(p) if isinstance(p, str) else p for p in self.pieces]
        return pc.binary_join_element_wise(*pieces, text(""))


def _spread(values: list[Any], counts: list[int], dtype: Any) -> Any:
    """Per-kind values (an int, or an array of the kind's rows) as one array of every row."""
    return np.concatenate(
        [
            np.full(c, v, dtype=dtype) if isinstance(v, (int, np.integer)) else np.asarray(v, dtype=dtype)
            for v, c in zip(values, counts)
        ]
    )


def _render(
    table: Any, layout: Layout, figures: RowFigures, group: list[tuple[Any, KindPlan, Computed]], texts: Texts
) -> tuple[Any, Any]:
    """``(positions, lines)`` of the rows of kinds whose bills have the same number of lines."""
    rows = np.concatenate([r for r, _, _ in group])
    order = np.argsort(rows, kind="stable")
    positions = rows[order]
    counts = [len(r) for r, _, _ in group]
    where = ints(positions)
    pieces = _Pieces(texts.items)

    def kinds(pick: Callable[[KindPlan, Computed], Any], dtype: Any = np.int32) -> Any:
        return _spread([pick(plan, done) for _, plan, done in group], counts, dtype)[order]

    def lines(field: str, line: int, dtype: Any = np.int32) -> Any:
        return kinds(lambda _, done: getattr(done, field)[line], dtype)

    usage_text = figures.usage_text.take(where)
    pieces.text('{"account":"')
    pieces.column(table.column(layout.account).take(where))
    pieces.text('",')
    pieces.numbers(kinds(lambda plan, _: plan.head))
    pieces.column(usage_text)
    pieces.numbers(kinds(lambda plan, _: plan.middle))
    digits = group[0][1].digits
    for line in range(len(group[0][1].lines)):
        if line:
            pieces.text(",")
        pieces.numbers(lines("heads", line))
        if all(plan.digits == digits for _, plan, _ in group):
            amounts = lines("amounts", line, np.int64)
            pieces.column(money_texts(amounts, digits))
        else:
            pieces.column(_money_by_kind(group, order, line))
        pieces.numbers(lines("middles", line))
        quantity = lines("usage_quantity", line, bool)
        if quantity.all():
            pieces.column(usage_text)
        elif quantity.any():
            pieces.column(pc.if_else(bools(quantity), usage_text, text("")))
        pieces.numbers(lines("tails", line))
    pieces.text('],"total":"')
    if all(plan.digits == digits for _, plan, _ in group):
        pieces.column(money_texts(kinds(lambda plan, done: done.total, np.int64), digits))
    else:
        pieces.column(_money_by_kind(group, order, None))
    pieces.text('",')
    pieces.numbers(kinds(lambda plan, _: plan.tail))
    reads = figures.via_reads[positions]
    if reads.any() and figures.previous is not None and figures.current is not None:
        made = pc.binary_join_element_wise(
            text(',"reads":{"previous":"'),
            figures.previous.take(where),
            text('","current":"'),
            figures.current.take(where),
            text('"}'),
            text(""),
        )
        pieces.column(made if reads.all() else pc.if_else(bools(reads), made, text("")))
    pieces.text("}\n")
    return positions, pieces.join()


def _money_by_kind(group: list[tuple[Any, KindPlan, Computed]], order: Any, line: int | None) -> Any:
    """Amounts as text when the kinds of a group bill in currencies of different scales."""
    parts = []
    for _, plan, done in group:
        values = done.total if line is None else done.amounts[line]
        parts.append(money_texts(np.broadcast_to(values, (len(done.fallback),)), plan.digits))
    return pa.concat_arrays(parts).take(ints(order))
