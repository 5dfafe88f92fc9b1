"""Bills as typed Arrow columns, made from columns: what :mod:`tariffcore.rows.parquet` writes.

:func:`kind_table` turns the bills of one kind of account, computed by columns
(:class:`~tariffcore.columnar.plan.Computed`), into an Arrow table of the schema of
:class:`~tariffcore.rows.BillColumns` with ``detail``: the same columns, types and values as
the Parquet output of the scalar engine (``decimal128(38, 6)`` amounts, ``date32`` dates, each
bill's lines as structs with their tier slices, sources and notes), without building a bill.
A figure that ``decimal128(38, 6)`` cannot hold exactly marks its row, for the scalar engine
(which stops the run with its error, as it always has).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from ..charges import KernelLine, KernelSlice, Pick
from .arrays import ints, strings
from .column import INT64_MAX, DecimalColumn, scaled
from .plan import Computed, KindPlan

__all__ = ["kind_table"]

_SCALE = 6  # AMOUNT_SCALE of tariffcore.rows
_POWERS = [10**k for k in range(19)]
_EPOCH = date(1970, 1, 1)


def _validity(valid: Any) -> Any:
    if valid is None or bool(np.all(valid)):
        return None
    return pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))


class _Decimals:
    """Decimals written as ``decimal128(38, 6)``; rows that cannot be are marked ``bad``."""

    def __init__(self, rows: int, kind: Any) -> None:
        self.rows = rows
        self.kind = kind
        self.bad = np.zeros(rows, dtype=bool)

    def values(self, values: Any, scale: int, valid: Any = None) -> Any:
        values = np.broadcast_to(np.asarray(values, dtype=np.int64), (self.rows,))
        if scale > _SCALE:
            drop = _POWERS[scale - _SCALE]
            self.bad |= values % drop != 0
            values = values // drop
        elif scale < _SCALE:
            factor = _POWERS[_SCALE - scale]
            over = np.abs(values) > INT64_MAX // factor
            self.bad |= over
            values = np.where(over, 0, values) * factor
        if valid is not None:
            values = np.where(valid, values, 0)
        words = np.empty(2 * self.rows, dtype=np.uint64)
        words[0::2] = values.view(np.uint64)
        words[1::2] = (values >> 63).view(np.uint64)
        return pa.Array.from_buffers(self.kind, self.rows, [_validity(valid), pa.py_buffer(words)])

    def column(self, column: Any) -> Any:
        assert isinstance(column, DecimalColumn)
        return self.values(column.array(), column.scale)

    def const(self, value: Decimal | None) -> Any:
        if value is None:
            return self.values(0, 0, np.zeros(self.rows, dtype=bool))
        number, scale, _ = scaled(value)
        if scale > 18 or abs(number) > INT64_MAX:
            self.bad[:] = True
            return self.values(0, 0)
        return self.values(number, scale)

    def pick(self, pick: Pick[Decimal | None]) -> Any:
        index = np.broadcast_to(np.asarray(pick.index, dtype=np.int64), (self.rows,))
        found = [self.const(option) for option in pick.options]
        if len(found) == 1:
            return found[0]
        joined = pa.concat_arrays(found)
        return joined.take(ints(index * self.rows + np.arange(self.rows)))

    def any(self, value: Any) -> Any:
        return self.column(value) if isinstance(value, DecimalColumn) else self.const(value)


def _texts(rows: int, options: Sequence[str | None], index: Any = 0) -> Any:
    """Texts picked row by row from ``options`` (``None`` a null)."""
    table = strings([o if o is not None else "" for o in options])
    valid = [o is not None for o in options]
    if not all(valid):
        table = pa.Array.from_buffers(
            pa.string(), len(options), [_validity(np.array(valid))] + table.buffers()[1:]
        )
    return table.take(ints(np.broadcast_to(np.asarray(index, dtype=np.int64), (rows,))))


def _lists(rows: int, options: Sequence[Sequence[str]], index: Any = 0) -> Any:
    """Lists of texts picked row by row from ``options``."""
    index = np.broadcast_to(np.asarray(index, dtype=np.int64), (rows,))
    sizes = np.array([len(o) for o in options], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    counts = sizes[index]
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
    flat = strings([text for option in options for text in option])
    first = np.repeat(starts[index], counts)
    within = np.arange(int(offsets[-1])) - np.repeat(offsets[:-1].astype(np.int64), counts)
    values = flat.take(ints(first + within))
    return pa.ListArray.from_arrays(_offsets(offsets), values, type=pa.list_(pa.string()))


def _offsets(offsets: Any) -> Any:
    data = np.ascontiguousarray(offsets, dtype=np.int32)
    return pa.Array.from_buffers(pa.int32(), len(data), [None, pa.py_buffer(data)])


def _ints32(rows: int, value: int | None) -> Any:
    data = np.full(rows, value or 0, dtype=np.int32)
    valid = None if value is not None else np.zeros(rows, dtype=bool)
    return pa.Array.from_buffers(pa.int32(), rows, [_validity(valid), pa.py_buffer(data)])


def _dates(rows: int, value: date | None) -> Any:
    days = (value - _EPOCH).days if value is not None else 0
    valid = None if value is not None else np.zeros(rows, dtype=bool)
    return pa.Array.from_buffers(
        pa.date32(), rows, [_validity(valid), pa.py_buffer(np.full(rows, days, np.int32))]
    )


def _bools(rows: int, value: bool) -> Any:
    bits = np.packbits(np.full(rows, value, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), rows, [None, pa.py_buffer(bits)])


def _interleave(arrays: list[Any], rows: int) -> Any:
    """Arrays of the lines of each row, one per line slot, as one array in row order."""
    if len(arrays) == 1:
        return arrays[0]
    count = len(arrays)
    order = (np.arange(rows)[:, None] + np.arange(count)[None, :] * rows).ravel()
    return pa.concat_arrays(arrays).take(ints(order))


def _slices(rows: int, slices: Sequence[KernelSlice], piece: Any, money: _Decimals) -> Any:
    """Each row's tier slices, in the kernel's order, as a list of ``piece`` structs."""
    list_type = pa.list_(piece)
    if not slices:
        return pa.ListArray.from_arrays(_offsets(np.zeros(rows + 1)), pa.nulls(0, piece), type=list_type)
    present = np.stack([np.broadcast_to(np.asarray(s.present, dtype=bool), (rows,)) for s in slices], axis=1)
    row, which = np.nonzero(present)
    offsets = np.concatenate(([0], np.cumsum(present.sum(axis=1)))).astype(np.int32)
    pick = ints(which * rows + row)
    fields: dict[str, Any] = {
        "tier": pa.concat_arrays([_ints32(rows, s.tier) for s in slices]),
        "use_class": pa.concat_arrays([_texts(rows, [s.use_class]) for s in slices]),
        "above": pa.concat_arrays([money.const(s.lower) for s in slices]),
        "upto": pa.concat_arrays([money.any(s.upper) for s in slices]),
        "quantity": pa.concat_arrays([money.column(s.quantity) for s in slices]),
        "rate": pa.concat_arrays([money.const(s.rate) for s in slices]),
        "amount": pa.concat_arrays([money.column(s.amount) for s in slices]),
        "version": pa.concat_arrays([_texts(rows, [None]) for _ in slices]),
    }
    values = pa.StructArray.from_arrays([fields[f.name].take(pick) for f in piece], fields=list(piece))
    return pa.ListArray.from_arrays(_offsets(offsets), values, type=list_type)


def kind_table(
    schema: Any,
    charges: Sequence[str],
    plan: KindPlan,
    computed: Computed,
    usage: DecimalColumn,
    accounts: Any,
) -> tuple[Any, Any]:
    """``(table, rows marked)``: the bills of one kind as an Arrow table of ``schema`` (see
    the module), and the rows whose figures ``decimal128(38, 6)`` cannot hold."""
    rows = len(accounts)
    facts = plan.bill.facts
    assert facts is not None
    amount_type = schema.field("total").type
    money = _Decimals(rows, amount_type)
    line_type = schema.field("lines").type.value_type
    digits = plan.digits
    reading = facts.reading
    lines: list[KernelLine] = computed.lines
    entries = [entry for entry, _ in plan.kernels]
    by_line: dict[str, list[Any]] = {f.name: [] for f in line_type}
    version = facts.label.rpartition("@")[2]
    for entry, line, minor in zip(entries, lines, computed.amounts):
        rounding = entry.rounding
        unrounded = line.amount
        assert isinstance(unrounded, DecimalColumn)
        quantity = line.quantity
        by_line["charge"].append(_texts(rows, [entry.id]))
        by_line["label"].append(_texts(rows, [entry.label]))
        by_line["amount"].append(money.values(minor, digits))
        by_line["quantity"].append(money.any(quantity))
        by_line["unit"].append(_texts(rows, [line.unit]))
        by_line["unit_price"].append(money.pick(line.unit_price))
        named = [f"{entry.id}.{r}" if r else entry.id for r in line.rule.options]
        by_line["rule"].append(_texts(rows, named, line.rule.index))
        by_line["version"].append(_texts(rows, [version]))
        by_line["rounding"].append(_texts(rows, [rounding.describe() if rounding is not None else None]))
        by_line["unrounded"].append(money.column(unrounded))
        by_line["source"].append(_lists(rows, [[s.id for s in entry.sources]]))
        by_line["slices"].append(_slices(rows, line.slices, line_type.field("slices").type.value_type, money))
        by_line["notes"].append(_lists(rows, line.notes.options, line.notes.index))
        part = line_type.field("parts").type
        by_line["parts"].append(
            pa.ListArray.from_arrays(_offsets(np.zeros(rows + 1)), pa.nulls(0, part.value_type), type=part)
        )
    count = len(lines)
    values = pa.StructArray.from_arrays(
        [_interleave(by_line[f.name], rows) for f in line_type], fields=list(line_type)
    )
    line_list = pa.ListArray.from_arrays(
        _offsets(np.arange(rows + 1) * count), values, type=schema.field("lines").type
    )
    columns: dict[str, Any] = {
        "account": accounts,
        "ruleset": _texts(rows, [facts.label]),
        "currency": _texts(rows, [facts.currency]),
        "usage_m3": money.column(usage),
        "billing_month": _dates(rows, reading.billing_month),
        "period_start": _dates(rows, reading.period_start),
        "period_end": _dates(rows, reading.period_end),
        "due_date": _dates(rows, reading.due_date),
        "estimated": _bools(rows, reading.estimated),
        "total": money.values(computed.total, digits),
        "lines": line_list,
        "not_included": _lists(rows, [facts.not_included]),
        "error_code": _texts(rows, [None]),
        "error_message": _texts(rows, [None]),
        "use_class": _texts(rows, [facts.use_class]),
        "meter_mm": _ints32(rows, facts.meter_mm),
        "household_units": _ints32(rows, facts.households),
    }
    by_charge = {entry.id: minor for entry, minor in zip(entries, computed.amounts)}
    other_type = schema.field("other_charges").type
    others = [(entry.id, minor) for entry, minor in zip(entries, computed.amounts) if entry.id not in charges]
    for charge in charges:
        found = by_charge.get(charge)
        columns[charge] = money.values(found, digits) if found is not None else money.const(None)
    if others:
        structs = [
            pa.StructArray.from_arrays(
                [_texts(rows, [charge]), money.values(minor, digits)], fields=list(other_type.value_type)
            )
            for charge, minor in others
        ]
        offsets = np.arange(rows + 1) * len(others)
        columns["other_charges"] = pa.ListArray.from_arrays(
            _offsets(offsets), _interleave(structs, rows), type=other_type
        )
    else:
        columns["other_charges"] = pa.ListArray.from_arrays(
            _offsets(np.zeros(rows + 1)), pa.nulls(0, other_type.value_type), type=other_type
        )
    table = pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)
    return table, money.bad
