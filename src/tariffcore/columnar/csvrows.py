"""Rows of a CSV of bills (``bill --format csv``) of a block of CSV rows, billed by columns.

:func:`csv_block` bills a block's kinds of account as :func:`~tariffcore.columnar.lean_block`
does and writes the row of every bill it covers from columns: the fixed cells of a kind (its
version's label, the charges not included, the account's class, meter and households) are
written once, by Python's :mod:`csv` writer with the cells :func:`~tariffcore.rows.csv_cells`
gives, and the figures (account, usage, amounts, total) are joined into them row by row. The
rows are the very rows :class:`~tariffcore.rows.CsvWriter` writes, byte for byte. Rows it
does not cover are returned by position, for the scalar engine.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from .amounts import money_texts
from .arrays import ints, text
from .jsonlines import KindBillOf, KindPlans, bill_kinds
from .kinds import Layout
from .plan import Computed, KindPlan

__all__ = ["CsvTemplates", "csv_block", "csv_template"]

#: Where a figure goes in a kind's row: the unit separator around its number (a fixed cell
#: holding that character leaves the kind to the engine).
_MARK = "\x1f"
_MARKS = re.compile(_MARK + "([0-9]+)" + _MARK)
_ACCOUNT, _USAGE, _TOTAL, _LINES = 0, 1, 2, 3
_JOIN = pc.get_function("binary_join_element_wise")
_EMPTY = text("")


def _mark(number: int) -> str:
    return f"{_MARK}{number}{_MARK}"


def csv_template(plan: KindPlan, charges: Sequence[str]) -> list[str | int] | None:
    """The row of a bill of ``plan``'s kind in a CSV of bills with a column per charge of
    ``charges``, as texts and the numbers of its figures between them: 0 the account, 1 the
    usage, 2 the total, 3 + n the amount of the kind's line n. ``None`` when a fixed cell
    holds the character figures are marked with."""
    facts = plan.bill.facts
    ids = [entry.id for entry, _ in plan.kernels]
    fixed = [facts.label, *ids, *facts.not_included, facts.use_class or ""]
    if any(_MARK in cell for cell in fixed):
        return None
    # As rows.charge_cells: a charge with a column there, any other as charge=amount.
    amounts: dict[str, str | None] = dict.fromkeys(charges)
    other = []
    for line, charge in enumerate(ids):
        if charge in amounts:
            amounts[charge] = _mark(_LINES + line)
        else:
            other.append(f"{charge}={_mark(_LINES + line)}")
    cells = [
        _mark(_ACCOUNT),
        facts.label,
        _mark(_USAGE),
        *(amount if amount is not None else "" for amount in amounts.values()),
        ";".join(other),
        _mark(_TOTAL),
        ";".join(facts.not_included),
        "",
        "",
        facts.use_class or "",
        "" if facts.meter_mm is None else str(facts.meter_mm),
        "" if facts.households is None else str(facts.households),
    ]
    written = io.StringIO()
    csv.writer(written, lineterminator="\n").writerow(cells)
    parts = _MARKS.split(written.getvalue())
    return [part if at % 2 == 0 else int(part) for at, part in enumerate(parts)]


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
        elif piece == _ACCOUNT:
            pieces.append(account)
        elif piece == _USAGE:
            pieces.append(usage)
        else:
            values = np.broadcast_to(
                np.asarray(computed.total if piece == _TOTAL else computed.amounts[piece - _LINES]),
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
