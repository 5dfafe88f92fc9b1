"""The full explanation of a line (``--explain full``), written from columns.

A fully explained JSON line adds to a lean one its ``rounding``, ``unrounded`` amount and
``source`` ids, its tier ``slices`` and its ``notes`` (see
:func:`~tariffcore.rows.line_to_dict`). Which slices and notes a row has is part of what
makes a variant (:mod:`tariffcore.columnar.jsonlines`); within one, the fixed texts are
written once and the figures (the unrounded amount, each slice's quantity, amount and, for a
mixed-use allowance, its upper bound) are columns, written as
:func:`~tariffcore.money.format_amount` writes the same decimals, exponents included.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from ..charges import KernelLine
from ..rows import compact_json
from .amounts import decimal_texts
from .column import DecimalColumn

__all__ = ["full_fields", "full_varying"]


def _text(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def full_varying(lines: list[KernelLine], rows: int) -> list[Any]:
    """What splits a kind's rows into variants when lines are explained in full: which tier
    slices each row's lines have, and which notes."""
    found: list[Any] = []
    for line in lines:
        for piece in line.slices:
            present = np.broadcast_to(np.asarray(piece.present, dtype=bool), (rows,))
            if present.any() and not present.all():
                found.append(present.astype(np.int64))
        index = line.notes.index
        if not isinstance(index, (int, np.integer)):
            found.append(np.broadcast_to(np.asarray(index, dtype=np.int64), (rows,)))
    return found


def _decimal(value: Any, members: Any) -> Any:
    """A figure of the rows ``members`` as a template piece: a text when it is the same on
    every one of them, else a slot of values (see :func:`decimal_slot`)."""
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return '"' + _text(value) + '"'
    assert isinstance(value, DecimalColumn)
    values = value.values if isinstance(value.values, int) else np.asarray(value.values)[members]
    exponents = value.exponent if isinstance(value.exponent, int) else np.asarray(value.exponent)[members]
    if isinstance(values, int) and isinstance(exponents, int):
        written = decimal_texts(np.array([values], dtype=np.int64), value.scale, exponents)[0].as_py()
        return '"' + written + '"'
    values = np.broadcast_to(np.asarray(values, dtype=np.int64), (len(members),))
    return ('"', ("decimal", values, value.scale, exponents), '"')


def full_fields(entry: Any, line: KernelLine, members: Any, at: int) -> list[Any]:
    """The template pieces a fully explained line adds before its closing brace, for the rows
    ``members`` of a kind (``at`` one of them: their slices and notes are the same)."""
    rounding = entry.rounding
    pieces: list[Any] = [
        f',"rounding":{compact_json(rounding.describe() if rounding is not None else None)},"unrounded":',
    ]
    pieces += _flat(_decimal(line.amount, members))
    pieces.append(f',"source":{compact_json([source.id for source in entry.sources])}')
    slices = [piece for piece in line.slices if _at(piece.present, at)]
    if slices:
        pieces.append(',"slices":[')
        for number, piece in enumerate(slices):
            pieces.append(
                ("," if number else "")
                + f'{{"tier":{piece.tier},"use_class":{compact_json(piece.use_class)},'
                + f'"above":"{_text(piece.lower)}","upto":'
            )
            pieces += _flat(_decimal(piece.upper, members))
            pieces.append(',"quantity":')
            pieces += _flat(_decimal(piece.quantity, members))
            pieces.append(f',"rate":"{_text(piece.rate)}","amount":')
            pieces += _flat(_decimal(piece.amount, members))
            pieces.append("}")
        pieces.append("]")
    notes = line.notes
    index = notes.index if isinstance(notes.index, (int, np.integer)) else np.asarray(notes.index)[at]
    chosen = notes.options[int(index)]
    if chosen:
        pieces.append(f',"notes":{compact_json(list(chosen))}')
    return pieces


def _at(mask: Any, at: int) -> bool:
    """Whether ``mask`` (one boolean, or one per row) holds on row ``at``."""
    values = np.asarray(mask, dtype=bool)
    return bool(values) if not values.ndim else bool(values[at])


def _flat(piece: Any) -> list[Any]:
    return list(piece) if isinstance(piece, tuple) and piece and piece[0] == '"' else [piece]
