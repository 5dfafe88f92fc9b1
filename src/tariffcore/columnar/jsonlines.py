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

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from .amounts import decimal_texts, money_texts
from .arrays import ints, text
from .column import DecimalColumn, Ops
from .explain import full_fields, full_varying
from .kinds import Layout, RowFigures, group_kinds, read_figures
from .plan import Computed, KindBill, KindPlan, Texts

__all__ = ["Billed", "KindBills", "KindPlans", "Window", "bill_kinds", "lean_block"]

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
    """A block billed by columns: its lines, window by window (:meth:`windows`), and the
    ``fallback`` positions, for the scalar engine."""

    __slots__ = ("rows", "variants", "fallback", "table", "layout", "figures", "texts", "covered")

    def __init__(
        self,
        rows: int,
        variants: list[Variant],
        fallback: Any,
        table: Any,
        layout: Layout,
        figures: Any,
        texts: Texts,
    ) -> None:
        self.rows = rows
        self.variants = variants
        self.fallback = fallback
        self.table = table
        self.layout = layout
        self.figures = figures
        self.texts = texts
        self.covered = sum(len(v.positions) for v in variants)

    def windows(self, size: int = 65536) -> Iterator[tuple[Any, Window]]:
        """``(positions, lines)`` of the covered rows among every ``size`` rows of the block,
        the positions in input order; :meth:`Window.lines` puts the lines in that order (work
        a caller may do on another thread)."""
        if not self.variants:
            return
        # Each variant's figures as text, once: a window then joins slices of them.
        order = np.concatenate([v.positions for v in self.variants])
        where = ints(order)
        figures = self.figures
        sources = {
            "account": self.table.column(self.layout.account),
            "usage": figures.usage_text,
            "previous": figures.previous,
            "current": figures.current,
        }
        taken: dict[str, Any] = {}

        def column(name: str) -> Any:
            found = taken.get(name)
            if found is None:
                found = taken[name] = sources[name].take(where)
            return found

        start = 0
        for variant in self.variants:
            variant.prepare(column, start)
            start += len(variant.positions)
        edges = np.arange(0, self.rows + size, size)
        cuts = [np.searchsorted(v.positions, edges).tolist() for v in self.variants]
        for number in range(len(edges) - 1):
            found = []
            for variant, cut in zip(self.variants, cuts):
                a, b = cut[number], cut[number + 1]
                if b > a:
                    found.append((variant.positions[a:b], variant.render(a, b)))
            if not found:
                continue
            if len(found) == 1:
                yield found[0][0], Window([found[0][1]], None)
                continue
            positions = np.concatenate([p for p, _ in found])
            order = np.argsort(positions, kind="stable")
            yield positions[order], Window([lines for _, lines in found], order)
        for variant in self.variants:
            variant.columns = []


class Window:
    """The lines of a window's rows, a text array for each variant, and the ``order`` that
    puts them in input order (``None``: one variant, in order already)."""

    __slots__ = ("parts", "order")

    def __init__(self, parts: list[Any], order: Any) -> None:
        self.parts = parts
        self.order = order

    def lines(self) -> Any:
        """The lines as one Arrow text array, in input order."""
        if self.order is None:
            return self.parts[0]
        return pa.concat_arrays(self.parts).take(ints(self.order))


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


def lean_block(
    table: Any, layout: Layout, kind_bill: KindBillOf, plans: KindPlans, explain: str = "lean"
) -> Billed:
    """The JSON lines of ``table``'s rows, each line explained as ``explain`` says (``lean``
    or ``full``; see the module)."""
    figures, done, back = bill_kinds(table, layout, kind_bill, plans)
    variants: list[Variant] = []
    for rows, plan, computed, _ in done:
        variants += _variants(rows, plan, computed, figures, plans.texts, explain == "full")
    return Billed(table.num_rows, variants, back, table, layout, figures, plans.texts)


class Variant:
    """Rows of one kind whose lines share every fixed text: a template of texts and the
    figures of each row (account, usage, amounts, total, meter reads)."""

    __slots__ = ("positions", "template", "amounts", "total", "digits", "columns", "sliced")

    def __init__(
        self, positions: Any, template: list[Any], amounts: list[Any], total: Any, digits: int
    ) -> None:
        self.positions = positions
        self.template = template
        self.amounts = amounts
        self.total = total
        self.digits = digits
        self.columns: list[Any] = []
        self.sliced: list[int] = []

    def prepare(self, column: Callable[[str], Any], start: int) -> None:
        """The template's figures as text columns, for :meth:`render`: ``column(name)`` gives
        a text column of every variant's rows, this one's from ``start``."""
        count = len(self.positions)
        made: list[Any] = []
        for piece in self.template:
            if not isinstance(piece, tuple):
                made.append(piece)
            elif piece[0] == "total":
                made.append(money_texts(self.total, self.digits))
            elif piece[0] == "amount":
                made.append(money_texts(self.amounts[piece[1]], self.digits))
            elif piece[0] == "decimal":
                made.append(decimal_texts(piece[1], piece[2], piece[3]))
            else:
                made.append(column(piece[0]).slice(start, count))
        self.sliced = [at for at, piece in enumerate(made) if not isinstance(piece, pa.Scalar)]
        made.append(_EMPTY)  # the separator
        self.columns = made
        self.amounts = []
        self.total = None

    def render(self, a: int, b: int) -> Any:
        """The lines of this variant's rows ``a`` to ``b`` (after :meth:`prepare`)."""
        pieces = self.columns.copy()
        count = b - a
        for at in self.sliced:
            pieces[at] = pieces[at].slice(a, count)
        return _JOIN.call(pieces)


def _variants(
    rows: Any, plan: KindPlan, computed: Computed, figures: RowFigures, texts: Texts, full: bool = False
) -> list[Variant]:
    """The rows of one kind, split where their lines' fixed texts differ (a unit price on some
    rows only, meter reads on some rows only; explained in full, the slices and notes)."""
    varying = full_varying(computed.lines, len(rows)) if full else []
    varying += [t for t in computed.tails if not isinstance(t, (int, np.integer))]
    varying += [m for m in computed.middles if not isinstance(m, (int, np.integer))]
    reads = figures.via_reads[rows]
    if reads.any() and not reads.all():
        varying.append(reads.astype(np.int32))
    code = np.zeros(len(rows), dtype=np.int64)
    for values in varying:  # text numbers and flags: small, so their combination is one number
        values = np.asarray(values, dtype=np.int64)
        if int(code.max()) > 1 << 31:
            code = np.unique(code, return_inverse=True)[1].astype(np.int64).ravel()
        code = code * (int(values.max()) + 1) + values
    if varying and code.min() != code.max():
        _, inverse = np.unique(code, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(int(inverse.max()) + 2))
        groups = [order[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]
    else:
        groups = [np.arange(len(rows))]
    found = []
    for members in groups:
        at = int(members[0])

        def pick(value: Any, at: int = at) -> int:
            return int(value) if isinstance(value, (int, np.integer)) else int(value[at])

        amounts = [np.asarray(a)[members] for a in computed.amounts]
        total = np.asarray(computed.total)[members]
        items = texts.items
        template: list[Any] = [
            '{"account":"',
            ("account",),
            '",' + items[plan.head],
            ("usage",),
            items[plan.middle],
        ]
        for line, (head, middle, tail, usage) in enumerate(
            zip(computed.heads, computed.middles, computed.tails, computed.usage_quantity)
        ):
            template.append(("," if line else "") + items[head])
            values = amounts[line]
            if len(values) and values.min() == values.max():  # the same amount on every row
                template.append(money_texts(values[:1], plan.digits)[0].as_py())
            else:
                template.append(("amount", line))
            template.append(items[pick(middle)])
            if usage:
                template.append(("usage",))
            if full:  # the line's closing brace after its explanation
                template.append(items[pick(tail)][:-1])
                template += full_fields(plan.kernels[line][0], computed.lines[line], members, at)
                template.append("}")
            else:
                template.append(items[pick(tail)])
        template += ['],"total":"', ("total",), '",' + items[plan.tail]]
        if reads[at]:
            template += [',"reads":{"previous":"', ("previous",), '","current":"', ("current",), '"}']
        template.append("}\n")
        found.append(Variant(rows[members], _merged(template), amounts, total, plan.digits))
    return found


_EMPTY = text("")
_JOIN = pc.get_function("binary_join_element_wise")


def _merged(template: list[Any]) -> list[Any]:
    """``template`` with its neighbouring texts joined."""
    merged: list[Any] = []
    for piece in template:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return [text(piece) if isinstance(piece, str) else piece for piece in merged]
