"""The layout of a CSV header for the columnar backend, and rows grouped by kind of account.

A row's columns fall in two groups, as for lean bills (:class:`tariffcore.batch.LeanRows`):
its account and usage (``usage_m3``, the meter reads) and everything else. Rows that share
everything else are one *kind* of account and are billed by one lean bill, whose kernels
compute the whole group at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from .amounts import decimal_texts
from .arrays import booleans, bools, numbers
from .csvread import Usage, per_row, read_usage, text_bytes

__all__ = ["Layout", "RowFigures", "group_kinds", "read_figures"]

#: The bytes of an account id written as it is in JSON (nothing to escape; a space inside).
_SAFE = np.zeros(256, dtype=bool)
for _byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ._:/#+-":
    _SAFE[_byte] = True


def _plain_accounts(column: Any) -> Any:
    """Where an account id is written as JSON writes it, with nothing to strip around it."""
    letters = booleans(pc.ascii_is_alnum(column))  # letters and digits only, not empty
    if letters.all():
        return letters
    data, starts, lengths = text_bytes(column)
    ok = (lengths > 0) & (per_row(~_SAFE[data], starts, lengths) == 0)
    if len(data):
        top = len(data) - 1
        ok &= data[np.minimum(starts, top)] != 32
        ok &= data[np.clip(starts + lengths - 1, 0, top)] != 32
    return ok


@dataclass(frozen=True)
class Layout:
    """Where a header holds what: the account, the usage, the meter reads, the other ways of
    giving a usage (rows that use one go to the scalar engine) and the kind columns."""

    header: tuple[str, ...]
    account: int
    usage: int | None
    reads: tuple[int, int] | None
    blank: tuple[int, ...]
    kind: tuple[int, ...]

    @classmethod
    def of(
        cls, header: Sequence[str], usage_columns: Sequence[str], read_columns: Sequence[str]
    ) -> Layout | None:
        """The layout of ``header``, or ``None`` when it has no account column or repeats a name."""
        names = tuple(header)
        if len(set(names)) != len(names) or "account" not in names:
            return None
        at = {name: index for index, name in enumerate(names)}
        reads = (
            (at["previous_read"], at["current_read"])
            if "previous_read" in at and "current_read" in at
            else None
        )
        given = {"usage_m3", *(("previous_read", "current_read") if reads else ())}
        blank = tuple(at[n] for n in (*usage_columns, *read_columns) if n in at and n not in given)
        every = {*usage_columns, *read_columns}
        kind = tuple(i for i, n in enumerate(names) if n != "account" and n not in every)
        return cls(names, at["account"], at.get("usage_m3"), reads, blank, kind)


@dataclass
class RowFigures:
    """What a block's rows give for their bills: ``ok`` where the columnar backend can bill
    the row (a plain account, a plain usage or plain reads, nothing else given), the usage
    and its text, the meter reads' text (``None`` where the rows give none) and ``via_reads``
    where the usage comes from the reads."""

    ok: Any
    usage: Usage
    usage_text: Any
    via_reads: Any
    previous: Any
    current: Any


def _empty(column: Any) -> Any:
    return text_bytes(column)[2] == 0


def read_figures(table: Any, layout: Layout) -> RowFigures:
    """The figures of a block's rows under ``layout`` (see :class:`RowFigures`)."""
    count = table.num_rows
    ok = _plain_accounts(table.column(layout.account))
    for index in layout.blank:
        ok &= _empty(table.column(index))
    given = table.column(layout.usage) if layout.usage is not None else None
    via_reads = np.zeros(count, dtype=bool)
    previous = current = None
    if layout.reads is not None:
        previous, current = table.column(layout.reads[0]), table.column(layout.reads[1])
        via_reads = ~(_empty(previous) & _empty(current))
        if given is not None:
            ok &= ~via_reads | _empty(given)
    if not via_reads.any() or previous is None or current is None:
        if given is None:  # no usage at all: the engine says so
            return RowFigures(ok & False, read_usage(_blank(count)), _blank(count), via_reads, None, None)
        usage = read_usage(given)
        return RowFigures(ok & usage.ok, usage, given, via_reads, previous, current)
    first, last = read_usage(previous), read_usage(current)
    scale = max(first.scale, last.scale)
    difference = last.values * 10 ** (scale - last.scale) - first.values * 10 ** (scale - first.scale)
    places = np.maximum(first.places, last.places)  # the exponent of a Decimal difference
    reads_ok = first.ok & last.ok & (difference >= 0)  # a roll-over or an error: the engine says which
    made = decimal_texts(difference, scale, -places.astype(np.int64))
    if via_reads.all():
        return RowFigures(
            ok & reads_ok, Usage(reads_ok, difference, places, scale), made, via_reads, previous, current
        )
    usage = read_usage(given) if given is not None else read_usage(_blank(count))
    top = max(scale, usage.scale)
    values = np.where(via_reads, difference * 10 ** (top - scale), usage.values * 10 ** (top - usage.scale))
    merged = Usage(
        np.where(via_reads, reads_ok, usage.ok),
        values,
        np.where(via_reads, places, usage.places).astype(np.int16),
        top,
    )
    texts = pc.if_else(bools(via_reads), made, given if given is not None else _blank(count))
    return RowFigures(ok & merged.ok, merged, texts, via_reads, previous, current)


def _blank(count: int) -> Any:
    """A text column of ``count`` empty texts."""
    offsets = np.zeros(count + 1, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(b"")])


def group_kinds(table: Any, layout: Layout) -> tuple[Any, Any, list[int]]:
    """``(kind of each row, the rows ordered by kind, where each kind starts in that order)``:
    kinds numbered from 0 in order of first appearance."""
    count = table.num_rows
    code = np.zeros(count, dtype=np.int64)
    for index in layout.kind:
        encoded = pc.dictionary_encode(table.column(index))
        size = len(encoded.dictionary)
        code = code * size + numbers(encoded.indices, np.int32).astype(np.int64)
        if size and code.max(initial=0) > (1 << 40):
            _, code = np.unique(code, return_inverse=True)
            code = code.astype(np.int64)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    order_of = np.argsort(np.argsort(first))  # kinds numbered by first appearance
    kinds = order_of[inverse]
    rows = np.argsort(kinds, kind="stable")
    starts = np.searchsorted(kinds[rows], np.arange(len(first) + 1)).tolist()
    return kinds, rows, starts
