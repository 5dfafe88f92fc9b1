"""Rows of a CSV of bills (``bill --format csv``) of a block of CSV rows, billed by columns.

:func:`csv_block` bills a block's kinds of account as :func:`~tariffcore.columnar.lean_block`
does and writes the row of every bill it covers from columns: the fixed cells of a kind (its
version's label, the charges not included, the account's class, meter and households) are
written once (:func:`tariffcore.rows.csv_template`), and the figures (account, usage,
amounts, total) are joined into them row by row. The rows are the very rows
:class:`~tariffcore.rows.CsvWriter` writes, byte for byte. Rows it does not cover are
returned by position, for the scalar engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from ..rows import CSV_ACCOUNT, CSV_LINES, CSV_TOTAL, CSV_USAGE
from ..rows import csv_template as rows_template
from .amounts import money_texts
from .arrays import ints, text
from .jsonlines import KindBillOf, KindPlans, bill_kinds
from .kinds import Layout
from .plan import Computed, KindPlan

__all__ = ["CsvTemplates", "csv_block", "csv_template"]

_JOIN = pc.get_function("binary_join_element_wise")
_EMPTY = text("")


def csv_template(plan: KindPlan, charges: Sequence[str]) -> list[str | int] | None:
    """The row of a bill of ``plan``'s kind in a CSV of bills with a column per charge of
    ``charges`` (see :func:`tariffcore.rows.csv_template`): texts, and the numbers of its
    figures between them."""
    facts = plan.bill.facts
    return rows_template(
        facts.label,
        [entry.id for entry, _ in plan.kernels],
        facts.not_included,
        (facts.use_class, facts.meter_mm, facts.households),
        charges,
    )


class CsvTemplates:
    """The row templates made so far, by kind plan (see :func:`csv_template`)."""

    __slots__ = ("charges", "made")

    def __init__(self, charges: Sequence[str]) -> None:
        self.charges = list(charges)
        self.made: dict[int, tuple[KindPlan, list[str | int] | None]] = {}

    def of(self, plan: KindPlan) -> list[str | int] | None:
        found = self.made.get(id(plan))
        if found is not None and found[0] is plan:
            return found[1]
        template = csv_template(plan, self.charges)
        if len(self.made) > 4096:
            self.made.clear()
        self.made[id(plan)] = (plan, template)  # the plan kept, so its id is not reused
        return template


def csv_block(
    table: Any, layout: Layout, kind_bill: KindBillOf, plans: KindPlans, templates: CsvTemplates
) -> tuple[Any, Any, Any]:
    """``(positions, rows, fallback)`` of a block: the CSV rows of the bills billed by columns
    (one text each, line end included) and their positions in the block, in no particular
    order, and the positions of the rows left to the scalar engine, in order."""
    figures, done, back = bill_kinds(table, layout, kind_bill, plans)
    account = table.column(layout.account)
    usage = figures.usage_text
    where: list[Any] = []
    made: list[Any] = []
    left = [back]
    for rows, plan, computed, _ in done:
        template = templates.of(plan)
        if template is None:
            left.append(rows)
            continue
        taken = ints(rows)
        where.append(rows)
        made.append(_rows(template, plan, computed, len(rows), account.take(taken), usage.take(taken)))
    fallback = np.sort(np.concatenate(left)) if len(left) > 1 else back
    if not made:
        return np.zeros(0, dtype=np.int64), None, fallback
    return np.concatenate(where), pa.concat_arrays([_whole(m) for m in made]), fallback


def _rows(
    template: list[str | int], plan: KindPlan, computed: Computed, count: int, account: Any, usage: Any
) -> Any:
    """The rows of one kind's ``count`` bills."""
    pieces: list[Any] = []
    for piece in template:
        if isinstance(piece, str):
            if piece:
                pieces.append(text(piece))
        elif piece == CSV_ACCOUNT:
            pieces.append(account)
        elif piece == CSV_USAGE:
            pieces.append(usage)
        else:
            values = np.broadcast_to(
                np.asarray(computed.total if piece == CSV_TOTAL else computed.amounts[piece - CSV_LINES]),
                (count,),
            )
            if count and values.min() == values.max():  # the same amount on every row
                pieces.append(money_texts(values[:1], plan.digits)[0])
            else:
                pieces.append(money_texts(values, plan.digits))
    pieces.append(_EMPTY)  # the separator
    return _JOIN.call(pieces)


def _whole(array: Any) -> Any:
    """``array`` as one array (a chunked one combined)."""
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
