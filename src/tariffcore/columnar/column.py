"""Exact decimal columns over scaled integers: the :class:`~tariffcore.charges.Column` and
:class:`~tariffcore.charges.KernelOps` that kernels compute with.

A :class:`DecimalColumn` holds, for each row, the integer ``value`` of a decimal scaled by
``10 ** scale`` (one scale for the column) and the :class:`~decimal.Decimal` exponent the
money context would give that figure (``20.0`` has exponent -1, ``15400.0`` too), so a figure
is written exactly as the compiled function writes it. ``+``, ``-`` and ``*`` follow
:class:`~decimal.Decimal` arithmetic (``prec=60``, which no bill comes near, so every operation
is exact): the sum's exponent is the smaller, the product's the sum of the two.

Values are ``int64``. Before every operation the operands' bounds are checked: a row whose
result would not fit is marked in :attr:`Ops.bad` (its value set to zero), and the batch
engine bills it with the scalar engine instead, which has no such limit. A constant is kept
as a Python int until it meets a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

__all__ = ["INT64_MAX", "DecimalColumn", "Ops", "scaled"]

INT64_MAX = (1 << 63) - 1
_POWERS = [10**k for k in range(19)]

Values = Any  # an int64 array, or a Python int on every row
Exponents = Any  # an int16 array, or a Python int on every row


def scaled(value: Decimal) -> tuple[int, int, int]:
    """``(integer, scale, exponent)`` of ``value``: ``value == integer / 10 ** scale``, and
    ``exponent`` is the Decimal's own (``Decimal("1.50")`` is ``(150, 2, -2)``)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {value}")
    number = int("".join(map(str, digits))) if digits else 0
    if sign:
        number = -number
    if exponent >= 0:
        return number * 10**exponent, 0, exponent
    return number, -exponent, exponent


class Ops:
    """The operations a kernel is handed for ``rows`` rows; :attr:`bad` marks the rows whose
    figures outgrew ``int64`` (see the module)."""

    __slots__ = ("rows", "bad")

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.bad = np.zeros(rows, dtype=bool)

    # -- the KernelOps protocol

    def const(self, value: Decimal) -> DecimalColumn:
        number, scale, exponent = scaled(value)
        while scale and number % 10 == 0:  # the exponent keeps how it is written
            number //= 10
            scale -= 1
        if scale > 18:
            self.bad[:] = True
            return DecimalColumn(self, 0, 0, exponent)
        return DecimalColumn(self, number, scale, exponent)

    def where(self, mask: Any, then: Any, otherwise: Any) -> DecimalColumn:
        a, b = self.column(then), self.column(otherwise)
        scale = max(a.scale, b.scale)
        first, second = a.values_at(scale), b.values_at(scale)
        mask = self.mask(mask)
        values = np.where(mask, first, second)
        if isinstance(a.exponent, int) and isinstance(b.exponent, int) and a.exponent == b.exponent:
            exponent: Exponents = a.exponent
        else:
            exponent = np.asarray(np.where(mask, a.exponent, b.exponent), dtype=np.int16)
        return DecimalColumn(self, values, scale, exponent)

    def every(self, value: bool) -> Any:
        return np.full(self.rows, value, dtype=bool)

    def index(self, cases: Sequence[tuple[Any, int]], default: int) -> Any:
        if not cases:
            return default
        return np.select([self.mask(m) for m, _ in cases], [k for _, k in cases], default).astype(np.int16)

    # -- helpers

    def mask(self, mask: Any) -> Any:
        """``mask`` as an array of booleans, one per row."""
        if isinstance(mask, (bool, np.bool_)):
            return np.full(self.rows, bool(mask), dtype=bool)
        return mask

    def column(self, value: Any) -> DecimalColumn:
        return value if isinstance(value, DecimalColumn) else self.const(value)

    def fit(self, values: Any, limit: int) -> Any:
        """``values`` with the rows whose magnitude is over ``limit`` marked bad and zeroed."""
        if isinstance(values, int):
            if abs(values) > limit:
                self.bad[:] = True
                return 0
            return values
        if limit >= INT64_MAX or not len(values):
            return values
        top, bottom = int(values.max()), int(values.min())
        if top <= limit and bottom >= -limit:
            return values
        over = (values > limit) | (values < -limit)
        self.bad |= over
        return np.where(over, 0, values)

    def multiply(self, a: Values, b: Values) -> Values:
        """``a × b``, rows that would overflow marked bad."""
        if isinstance(a, int) and isinstance(b, int):
            return a * b
        if isinstance(b, int):
            a, b = b, a
        if isinstance(a, int):  # a constant times a column
            if a == 0:
                return np.zeros(self.rows, dtype=np.int64)
            if abs(a) > INT64_MAX:
                self.bad[:] = True
                return np.zeros(self.rows, dtype=np.int64)
            return self.fit(b, INT64_MAX // abs(a)) * a
        limit = INT64_MAX // np.maximum(np.abs(b), 1)
        over = np.abs(a) > limit
        if over.any():
            self.bad |= over
            a = np.where(over, 0, a)
        return a * b

    def add(self, a: Values, b: Values) -> Values:
        """``a + b``, rows that would overflow marked bad."""
        if isinstance(a, int) and isinstance(b, int):
            return a + b
        if isinstance(a, int):
            a, b = b, a
        if isinstance(b, int):
            a = self.fit(a, INT64_MAX - abs(b))
            return a + b
        if len(a) and int(np.abs(a).max()) + int(np.abs(b).max()) > INT64_MAX:
            over = ((a > 0) & (b > INT64_MAX - a)) | ((a < 0) & (b < -INT64_MAX - a))
            self.bad |= over
            a = np.where(over, 0, a)
            b = np.where(over, 0, b)
        return a + b


def _exponent_min(a: Exponents, b: Exponents) -> Exponents:
    if isinstance(a, int) and isinstance(b, int):
        return min(a, b)
    return np.minimum(a, b).astype(np.int16)


def _exponent_sum(a: Exponents, b: Exponents) -> Exponents:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return (np.asarray(a, dtype=np.int16) + np.asarray(b, dtype=np.int16)).astype(np.int16)


class DecimalColumn:
    """A decimal per row: ``value / 10 ** scale`` with its Decimal ``exponent`` (see the module)."""

    __slots__ = ("ops", "values", "scale", "exponent")

    def __init__(self, ops: Ops, values: Values, scale: int, exponent: Exponents) -> None:
        self.ops = ops
        self.values = values
        self.scale = scale
        self.exponent = exponent

    def values_at(self, scale: int) -> Values:
        """The values scaled by ``10 ** scale`` (at least this column's scale)."""
        if scale == self.scale:
            return self.values
        return self.ops.multiply(self.values, _POWERS[scale - self.scale])

    def array(self) -> Any:
        """The values as an ``int64`` array, one per row."""
        values = self.values
        if isinstance(values, int):
            values = self.ops.fit(values, INT64_MAX)
            return np.full(self.ops.rows, values, dtype=np.int64)
        return values

    def exponents(self) -> Any:
        """The exponents as an ``int16`` array, one per row."""
        if isinstance(self.exponent, int):
            return np.full(self.ops.rows, self.exponent, dtype=np.int16)
        return self.exponent

    def _pair(self, other: Any) -> tuple[DecimalColumn, Values, Values, int]:
        column = self.ops.column(other)
        scale = max(self.scale, column.scale)
        return column, self.values_at(scale), column.values_at(scale), scale

    def __add__(self, other: Any) -> DecimalColumn:
        column, a, b, scale = self._pair(other)
        return DecimalColumn(
            self.ops, self.ops.add(a, b), scale, _exponent_min(self.exponent, column.exponent)
        )

    def __sub__(self, other: Any) -> DecimalColumn:
        column, a, b, scale = self._pair(other)
        return DecimalColumn(
            self.ops, self.ops.add(a, -b), scale, _exponent_min(self.exponent, column.exponent)
        )

    def __mul__(self, other: Any) -> DecimalColumn:
        column = self.ops.column(other)
        values = self.ops.multiply(self.values, column.values)
        scale = self.scale + column.scale
        if scale > 18:  # keep a product's scale within what int64 can write
            return self._rescaled(values, scale, _exponent_sum(self.exponent, column.exponent))
        return DecimalColumn(self.ops, values, scale, _exponent_sum(self.exponent, column.exponent))

    def _rescaled(self, values: Values, scale: int, exponent: Exponents) -> DecimalColumn:
        """A product whose scale grew past 18 digits: the rows it cannot keep exactly are bad."""
        drop = _POWERS[min(scale - 18, 18)] if scale - 18 <= 18 else None
        ops = self.ops
        if drop is None:
            ops.bad[:] = True
            return DecimalColumn(ops, 0, 18, exponent)
        if isinstance(values, int):
            if values % drop:
                ops.bad[:] = True
            return DecimalColumn(ops, values // drop, 18, exponent)
        inexact = values % drop != 0
        ops.bad |= inexact
        return DecimalColumn(ops, values // drop, 18, exponent)

    def _compare(self, other: Any) -> tuple[Values, Values]:
        _, a, b, _ = self._pair(other)
        return a, b

    def lt(self, other: Any) -> Any:
        a, b = self._compare(other)
        return a < b

    def le(self, other: Any) -> Any:
        a, b = self._compare(other)
        return a <= b

    def gt(self, other: Any) -> Any:
        a, b = self._compare(other)
        return a > b

    def ge(self, other: Any) -> Any:
        a, b = self._compare(other)
        return a >= b

    def eq(self, other: Any) -> Any:
        a, b = self._compare(other)
        return a == b
