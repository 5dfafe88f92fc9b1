"""Rounding a column as a ruleset declares it, amounts in minor units, and figures as text.

:func:`minor_units` does what the engine does to a line's unrounded amount: the declared
rounding (:class:`~tariffcore.money.Rounding`: to a multiple of its unit, by its method) as
integer division with that method's exact semantics, then the amount at the currency's scale
(:func:`~tariffcore.money.at_scale`); a row left with a fraction of the minor unit is marked,
as the engine makes it an error row. :func:`money_texts` and :func:`decimal_texts` write
figures as :func:`~tariffcore.money.format_amount` writes the same :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from ..money import Rounding
from .arrays import ints, strings
from .column import INT64_MAX, DecimalColumn, scaled

__all__ = ["decimal_texts", "minor_units", "money_texts", "round_steps"]

_POWERS = [10**k for k in range(19)]


def round_steps(values: Any, unit: int, method: str) -> Any:
    """``values / unit`` rounded to a whole number by ``method`` (the rounding methods of
    :data:`~tariffcore.money.ROUNDING_METHODS`, as :mod:`decimal` rounds), for ``unit > 0``."""
    negative = values < 0
    magnitude = np.abs(values)
    steps, rest = np.divmod(magnitude, unit)
    if method == "truncate":  # toward zero
        up = np.zeros(len(values), dtype=bool)
    elif method == "up":  # away from zero
        up = rest > 0
    elif method == "floor":
        up = negative & (rest > 0)
    elif method == "ceiling":
        up = ~negative & (rest > 0)
    elif method == "half_up":  # half away from zero
        up = rest >= unit - rest
    elif method == "half_even":
        twice = rest - (unit - rest)  # 2·rest − unit without overflow
        up = (twice > 0) | ((twice == 0) & (steps % 2 == 1))
    else:
        raise ValueError(f"unknown rounding method {method!r}")
    steps = steps + up
    return np.where(negative, -steps, steps)


def minor_units(amount: DecimalColumn, rounding: Rounding | None, digits: int) -> tuple[Any, Any]:
    """``(amounts in minor units, rows the engine would not bill so)``: ``amount`` rounded by
    ``rounding`` (when given) and written in a currency of ``digits`` minor digits; a row
    whose rounded amount holds a fraction of the minor unit is marked."""
    ops = amount.ops
    scale = amount.scale
    values: Any
    if rounding is not None:
        unit, unit_scale, _ = scaled(rounding.unit)
        scale = max(scale, unit_scale)
        if scale > 18:
            return np.zeros(ops.rows, dtype=np.int64), np.ones(ops.rows, dtype=bool)
        step = unit * _POWERS[scale - unit_scale]
        values = DecimalColumn(ops, amount.values_at(scale), scale, 0).array()
        if step > INT64_MAX:
            return np.zeros(ops.rows, dtype=np.int64), np.ones(ops.rows, dtype=bool)
        steps = round_steps(values, step, rounding.method)
        values = ops.multiply(ops.fit(steps, INT64_MAX // step), step)
    else:
        values = amount.array()
    if scale >= digits:
        drop = _POWERS[scale - digits]
        if drop == 1:
            return values, np.zeros(ops.rows, dtype=bool)
        return values // drop, values % drop != 0
    return ops.multiply(values, _POWERS[digits - scale]), np.zeros(ops.rows, dtype=bool)


def _as_decimal(values: Any, scale: int) -> Any:
    """``int64`` values as an Arrow ``decimal128(38, scale)`` array of the same digits."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    words = np.empty(2 * len(values), dtype=np.uint64)
    words[0::2] = values.view(np.uint64)
    words[1::2] = (values >> 63).view(np.uint64)
    return pa.Array.from_buffers(pa.decimal128(38, scale), len(values), [None, pa.py_buffer(words)])


def money_texts(values: Any, digits: int) -> Any:
    """Amounts in minor units as text at the currency's scale (``17000``, ``12.50``)."""
    if digits == 0:
        return pc.cast(ints(values), pa.string())
    return pc.cast(_as_decimal(values, digits), pa.string())


def decimal_texts(values: Any, scale: int, exponents: Any) -> Any:
    """Decimals (``values / 10 ** scale``, each with its Decimal exponent) as
    :func:`~tariffcore.money.format_amount` writes them: as many decimals as the exponent says
    (none for an exponent of 0 or more)."""
    exponents = np.asarray(exponents)
    places = np.maximum(-exponents.astype(np.int64), 0) if exponents.ndim else None
    if places is None:
        uniform = max(-int(exponents), 0)
        return _texts_at(values, scale, uniform)
    found = np.unique(places)
    if len(found) == 1:
        return _texts_at(values, scale, int(found[0]))
    out = np.empty(len(values), dtype=object)
    for count in found:
        rows = np.flatnonzero(places == count)
        out[rows] = _texts_at(values[rows], scale, int(count)).to_pylist()
    return strings(out.tolist())


def _texts_at(values: Any, scale: int, places: int) -> Any:
    """``values / 10 ** scale`` written with ``places`` decimals (``places <= scale``: the
    digits dropped are zeros; ``places > scale``: zeros are written after them, as 38-digit
    decimals, since the values times ``10 ** (places - scale)`` may be past ``int64``)."""
    if places < scale:
        values = values // _POWERS[scale - places]
    elif places > scale:
        return pc.cast(pc.cast(_as_decimal(values, scale), pa.decimal128(38, places)), pa.string())
    if places == 0:
        return pc.cast(ints(values), pa.string())
    return pc.cast(_as_decimal(values, places), pa.string())
