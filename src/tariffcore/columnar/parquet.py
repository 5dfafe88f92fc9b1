"""Bills as typed Arrow columns, made from columns: what :mod:`tariffcore.rows.parquet` writes.

:class:`BlockColumns` gathers the bills of every kind of account of a block, computed by
columns (:class:`~tariffcore.columnar.plan.Computed`), and makes them one Arrow table of the
schema of :class:`~tariffcore.rows.BillColumns` with ``detail``: the same columns, types and
values as the Parquet output of the scalar engine (``decimal128(38, 6)`` amounts, ``date32``
dates, each bill's lines as structs: with ``explain="full"`` with their tier slices, sources
and notes, with ``lean`` only their figures), without building a bill. A figure that
``decimal128(38, 6)`` cannot hold exactly marks its row, for the scalar engine (which stops
the run with its error, as it always has).

Each kind adds plain numpy arrays, kept at four levels (bills, their lines, other charges and
tier slices), texts as numbers of a table of the texts seen so far. The block's arrays are
made once, in input order: the bills' arrays are reordered by one permutation, each nested
level by the positions that permutation gives its children, and every text column is one
``take`` from its small table (or one text's bytes repeated). A column with one value on every
row is filled rather than gathered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from ..charges import KernelSlice, Pick
from ..rows import EXPLAIN_LEVELS
from .arrays import TextTable, children, ints, list_offsets, validity
from .column import INT64_MAX, DecimalColumn, scaled
from .plan import Computed, KindPlan

__all__ = ["BlockColumns"]

_SCALE = 6  # AMOUNT_SCALE of tariffcore.rows
_POWERS = [10**k for k in range(19)]
_EPOCH = date(1970, 1, 1)
#: Constants as (value, integer, scale), by id: a kernel's constants are the same on every call.
_CONSTANTS: dict[int, tuple[Decimal, int, int]] = {}


class _Parts:
    """A column of one level, gathered kind by kind: arrays, or one value on ``size`` rows."""

    __slots__ = ("dtype", "parts")

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype
        self.parts: list[tuple[Any, int]] = []

    def taken(self, at: Any) -> Any:
        """The values at positions ``at``."""
        parts = self.parts
        if not any(isinstance(value, np.ndarray) and value.ndim for value, _ in parts):
            values = np.array([value for value, _ in parts], dtype=self.dtype)
            if len(values) and (values == values[0]).all():  # one value on every row
                return np.full(len(at), values[0], dtype=self.dtype)
            return np.repeat(values, [size for _, size in parts])[at]
        made = np.empty(sum(size for _, size in parts), dtype=self.dtype)
        start = 0
        for value, size in parts:
            made[start : start + size] = value
            start += size
        return made[at]


def _of(what: str, names: str) -> list[tuple[str, str]]:
    return [(name, what) for name in names.split()]


#: The columns of each level: (name, what) with what ``text``, ``list``, ``money``, ``int32``,
#: ``date``, ``bool`` or ``int`` (a position or size, used to reorder the level below).
_ROW = (
    _of("text", "ruleset currency use_class")
    + _of("money", "usage_m3 total")
    + _of("date", "billing_month period_start period_end due_date")
    + _of("bool", "estimated")
    + _of("list", "not_included")
    + _of("int32", "meter_mm household_units")
    + _of("int", "line_first line_count line_step other_first other_count other_step")
)
_LINE = (
    _of("text", "charge label unit rule version rounding")
    + _of("money", "amount quantity unit_price unrounded")
    + _of("list", "source notes")
    + _of("int", "slice_first slice_count")
)
#: A line of a lean table (``explain="lean"``): no rounding, unrounded amount, sources, notes or
#: tier slices.
_LEAN_LINE = _of("text", "charge label unit rule version") + _of("money", "amount quantity unit_price")
_OTHER = _of("text", "charge") + _of("money", "amount")
_SLICE = _of("int32", "tier") + _of("text", "use_class") + _of("money", "above upto quantity rate amount")
_DTYPES = {"text": np.int64, "list": np.int64, "int": np.int64, "money": np.int64, "int32": np.int32}
_DTYPES.update({"date": np.int32, "bool": bool})


class _Level:
    """The columns of one level of a block (values, and validity where a value may be null)."""

    __slots__ = ("columns", "valid", "size")

    def __init__(self, names: list[tuple[str, str]]) -> None:
        self.columns = {name: _Parts(_DTYPES[what]) for name, what in names}
        self.valid = {name: _Parts(bool) for name, what in names if what in ("money", "int32", "date")}
        self.size = 0

    def taken(self, name: str, at: Any) -> tuple[Any, Any]:
        """The values of column ``name`` at positions ``at``, and their validity (or ``None``)."""
        values = self.columns[name].taken(at)
        valid = self.valid[name].taken(at) if name in self.valid else None
        return values, valid


class _Kind:
    """The columns of one kind of account, before its rows are known to fit."""

    __slots__ = ("rows", "bad", "adds", "pieces")

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.bad = np.zeros(rows, dtype=bool)
        self.adds: list[tuple[str, str, Any, Any, int]] = []
        self.pieces = 0  # the block's tier slices so far, with this kind's

    def put(self, level: str, name: str, value: Any, valid: Any = True, size: int | None = None) -> None:
        self.adds.append((level, name, value, valid, self.rows if size is None else size))

    # -- decimal128(38, 6) values, rows that cannot be one marked bad

    def values(self, values: Any, scale: int) -> Any:
        if isinstance(values, (int, np.integer)):  # one value on every row
            value = int(values)
            if scale > _SCALE:
                drop = _POWERS[scale - _SCALE]
                if value % drop:
                    self.bad[:] = True
                return value // drop
            factor = _POWERS[_SCALE - scale]
            if abs(value) > INT64_MAX // factor:
                self.bad[:] = True
                return 0
            return value * factor
        values = np.asarray(values, dtype=np.int64)
        if scale > _SCALE:
            drop = _POWERS[scale - _SCALE]
            self.bad |= values % drop != 0
            values = values // drop
        elif scale < _SCALE:
            factor = _POWERS[_SCALE - scale]
            over = np.abs(values) > INT64_MAX // factor
            self.bad |= over
            values = np.where(over, 0, values) * factor
        return values

    def const(self, value: Decimal | None) -> tuple[Any, bool]:
        if value is None:
            return self.values(0, 0), False
        found = _CONSTANTS.get(id(value))
        if found is None or found[0] is not value:
            if len(_CONSTANTS) > 4096:
                _CONSTANTS.clear()
            found = _CONSTANTS[id(value)] = (value, *scaled(value)[:2])  # the value kept: its id stays
        _, number, scale = found
        if scale > 18 or abs(number) > INT64_MAX:
            self.bad[:] = True
            return self.values(0, 0), True
        return self.values(number, scale), True

    def column(self, column: Any) -> tuple[Any, bool]:
        assert isinstance(column, DecimalColumn)
        return self.values(column.array(), column.scale), True

    def any(self, value: Any) -> tuple[Any, bool]:
        return self.column(value) if isinstance(value, DecimalColumn) else self.const(value)

    def pick(self, pick: Pick[Decimal | None]) -> tuple[Any, Any]:
        found = [self.const(option) for option in pick.options]
        if len(found) == 1:
            return found[0]
        index = np.asarray(pick.index, dtype=np.int64)
        values = np.array([value for value, _ in found], dtype=np.int64)
        return values[index], np.array([valid for _, valid in found], dtype=bool)[index]

    def slices(self, slices: Sequence[KernelSlice], texts: TextTable) -> tuple[Any, Any]:
        """Each row's tier slices, in the kernel's order; (first slice, slices) of each row."""
        rows = self.rows
        if not slices:
            return 0, 0
        present = np.stack([np.broadcast_to(np.asarray(s.present, dtype=bool), (rows,)) for s in slices])
        which, row = np.nonzero(present.T)[::-1]
        counts = present.sum(axis=0)
        first = self.pieces + np.cumsum(counts) - counts
        at = which * rows + row
        size = len(at)
        found: dict[str, list[Any]] = {name: [] for name, _ in _SLICE}
        for s in slices:
            found["tier"].append((s.tier or 0, s.tier is not None))
            found["use_class"].append((texts.number(s.use_class), True))
            found["above"].append(self.const(s.lower))
            found["upto"].append(self.any(s.upper))
            found["quantity"].append(self.column(s.quantity))
            found["rate"].append(self.const(s.rate))
            found["amount"].append(self.column(s.amount))
        for name, pairs in found.items():
            self.put(
                "slice",
                name,
                _picked([v for v, _ in pairs], which, at, rows),
                _picked([ok for _, ok in pairs], which, at, rows),
                size,
            )
        self.pieces += size
        return first, counts


def _picked(values: list[Any], which: Any, at: Any, rows: int) -> Any:
    """The values of slices ``which`` (one value or ``rows`` values each), at positions ``at``
    of their values one after another."""
    if not any(isinstance(value, np.ndarray) and value.ndim for value in values):
        first = values[0]
        if all(value is first for value in values):
            return first
        return np.array(values)[which]
    return np.concatenate([np.broadcast_to(value, (rows,)) for value in values])[at]


class BlockColumns:
    """The bills of a block's kinds of account, as one Arrow table (see the module)."""

    __slots__ = ("schema", "charges", "lean", "lines", "specs", "texts", "positions", "levels")

    def __init__(self, schema: Any, charges: Sequence[str], explain: str = "full") -> None:
        if explain not in EXPLAIN_LEVELS:
            raise ValueError(f"unknown explanation level {explain!r} (one of {', '.join(EXPLAIN_LEVELS)})")
        self.schema = schema
        self.charges = list(charges)
        self.lean = explain == "lean"  # each line's figures only, as the schema's lines have
        #: Whether the schema has the bills' lines (a table of amounts only has not: the
        #: lines are not made, and only their amounts need to fit).
        self.lines = "lines" in schema.names
        self.specs = {"line": _LEAN_LINE if self.lean else _LINE, "other": _OTHER, "slice": _SLICE}
        self.texts = TextTable()
        self.clear()

    def clear(self) -> None:
        self.positions: list[Any] = []
        row = _ROW + [(charge, "money") for charge in self.charges]
        self.levels = {"row": _Level(row), "line": _Level(self.specs["line"]), "other": _Level(_OTHER)}
        self.levels["slice"] = _Level(_SLICE)

    def add(self, at: Any, plan: KindPlan, computed: Computed, usage: DecimalColumn) -> Any:
        """Add the bills of one kind (on the block's rows ``at``); the rows ``decimal128(38, 6)``
        cannot hold, or ``None`` when every row fits (and the bills are added)."""
        rows = len(at)
        kind = _Kind(rows)
        levels = self.levels
        kind.pieces = levels["slice"].size
        texts = self.texts
        facts = plan.bill.facts
        assert facts is not None
        digits = plan.digits
        reading = facts.reading
        entries = [entry for entry, _ in plan.kernels]
        version = facts.label.rpartition("@")[2]
        put = kind.put
        for entry, line, minor in zip(entries, computed.lines if self.lines else (), computed.amounts):
            rounding = entry.rounding
            unrounded = line.amount
            assert isinstance(unrounded, DecimalColumn)
            put("line", "charge", texts.number(entry.id))
            put("line", "label", texts.number(entry.label))
            put("line", "amount", kind.values(minor, digits))
            put("line", "quantity", *kind.any(line.quantity))
            put("line", "unit", texts.number(line.unit))
            put("line", "unit_price", *kind.pick(line.unit_price))
            named = [texts.number(f"{entry.id}.{r}" if r else entry.id) for r in line.rule.options]
            put("line", "rule", np.array(named, dtype=np.int64)[np.asarray(line.rule.index)])
            put("line", "version", texts.number(version))
            if self.lean:
                continue
            put("line", "rounding", texts.number(rounding.describe() if rounding is not None else None))
            put("line", "unrounded", *kind.column(unrounded))
            put("line", "source", texts.list_number([s.id for s in entry.sources]))
            first, count = kind.slices(line.slices, texts)
            put("line", "slice_first", first)
            put("line", "slice_count", count)
            notes = [texts.list_number(option) for option in line.notes.options]
            put("line", "notes", np.array(notes, dtype=np.int64)[np.asarray(line.notes.index)])
        lines = len(computed.lines) if self.lines else 0
        mine = np.arange(rows)
        put("row", "line_first", levels["line"].size + mine)
        put("row", "line_count", lines)
        put("row", "line_step", rows)
        for name, value in (("ruleset", facts.label), ("currency", facts.currency)):
            put("row", name, texts.number(value))
        put("row", "use_class", texts.number(facts.use_class))
        put("row", "usage_m3", *kind.column(usage))
        for name in ("billing_month", "period_start", "period_end", "due_date"):
            day = getattr(reading, name)
            put("row", name, (day - _EPOCH).days if day is not None else 0, day is not None)
        put("row", "estimated", bool(reading.estimated))
        put("row", "total", kind.values(computed.total, digits))
        put("row", "not_included", texts.list_number(facts.not_included))
        put("row", "meter_mm", facts.meter_mm or 0, facts.meter_mm is not None)
        put("row", "household_units", facts.households or 0, facts.households is not None)
        by_charge = {entry.id: minor for entry, minor in zip(entries, computed.amounts)}
        for charge in self.charges:
            found = by_charge.get(charge)
            put("row", charge, *(kind.values(found, digits), True) if found is not None else kind.const(None))
        others = [
            (entry.id, minor)
            for entry, minor in zip(entries, computed.amounts)
            if entry.id not in self.charges
        ]
        for charge, minor in others:
            put("other", "charge", texts.number(charge))
            put("other", "amount", kind.values(minor, digits))
        put("row", "other_first", levels["other"].size + mine)
        put("row", "other_count", len(others))
        put("row", "other_step", rows)
        if kind.bad.any():
            return kind.bad
        for level, name, value, valid, size in kind.adds:
            found = levels[level]
            found.columns[name].parts.append((value, size))
            if name in found.valid:
                found.valid[name].parts.append((valid, size))
        levels["line"].size += rows * lines
        levels["other"].size += rows * len(others)
        levels["slice"].size = kind.pieces
        levels["row"].size += rows
        self.positions.append(at)
        return None

    def table(self, accounts: Any) -> tuple[Any, Any]:
        """``(table, positions)``: the bills added since the last call, in the order of their
        positions in the block (``accounts`` the block's account column), then cleared."""
        levels = self.levels
        if not self.positions:
            self.clear()
            return None, np.zeros(0, dtype=np.int64)
        positions = np.concatenate(self.positions)
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
        schema = self.schema
        row = levels["row"]
        columns = self._columns(row, _ROW + [(c, "money") for c in self.charges], order)
        columns["account"] = accounts.take(ints(positions))
        columns["error_code"] = columns["error_message"] = pa.nulls(len(order), pa.string())
        for name, level in (("lines", "line"), ("other_charges", "other")):
            if name not in schema.names:
                continue
            kind_type = schema.field(name).type
            (first, _), (count, _), (step, _) = (
                row.taken(f"{level}_{w}", order) for w in ("first", "count", "step")
            )
            nth = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
            at = np.repeat(first, count) + nth * np.repeat(step, count)
            values = self._struct(level, at, kind_type.value_type)
            columns[name] = pa.ListArray.from_arrays(list_offsets(count), values, type=kind_type)
        self.clear()
        return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema), positions

    def _struct(self, level: str, at: Any, struct: Any) -> Any:
        """The structs of ``level`` at positions ``at``, of type ``struct``."""
        found = self.levels[level]
        columns = self._columns(found, self.specs[level], at)
        size = len(at)
        if level == "line" and not self.lean:
            first, _ = found.taken("slice_first", at)
            count, _ = found.taken("slice_count", at)
            piece = struct.field("slices").type
            columns["slices"] = pa.ListArray.from_arrays(
                list_offsets(count),
                self._struct("slice", children(first, count), piece.value_type),
                type=piece,
            )
            part = struct.field("parts").type
            columns["parts"] = pa.ListArray.from_arrays(
                list_offsets(np.zeros(size, dtype=np.int64)), pa.nulls(0, part.value_type), type=part
            )
        if level == "slice":
            columns["version"] = pa.nulls(size, pa.string())
        return pa.StructArray.from_arrays([columns[f.name] for f in struct], fields=list(struct))

    def _columns(self, level: _Level, names: list[tuple[str, str]], at: Any) -> dict[str, Any]:
        """The Arrow columns of ``level`` at positions ``at`` (not the positions and sizes)."""
        amount = self.schema.field("total").type
        columns: dict[str, Any] = {}
        for name, what in names:
            if what == "int":
                continue
            values, valid = level.taken(name, at)
            size = len(values)
            if what == "text":
                columns[name] = self.texts.array(values)
            elif what == "list":
                columns[name] = self.texts.list_array(values)
            elif what == "bool":
                bits = np.packbits(values, bitorder="little")
                columns[name] = pa.Array.from_buffers(pa.bool_(), size, [None, pa.py_buffer(bits)])
            elif what == "money":
                if not valid.all():
                    values = np.where(valid, values, 0)
                words = np.empty(2 * size, dtype=np.uint64)
                words[0::2] = values.view(np.uint64)
                words[1::2] = (values >> 63).view(np.uint64)
                columns[name] = pa.Array.from_buffers(amount, size, [validity(valid), pa.py_buffer(words)])
            else:
                kind = pa.int32() if what == "int32" else pa.date32()
                data = np.ascontiguousarray(values, dtype=np.int32)
                columns[name] = pa.Array.from_buffers(kind, size, [validity(valid), pa.py_buffer(data)])
        return columns
