"""Cell values as pandas and Arrow hand them over, turned into what a row of text would say.

pandas and Arrow give typed cells where a CSV file gives text: ``numpy.int64``, ``float64``
(with ``NaN`` for a missing value, which is why a count column with one gap turns into
floats), ``pandas.NA``, ``NaT``, ``Timestamp``. :func:`plain_value` turns each into the plain
Python value :func:`tariffcore.parse_row` reads, changing no figure:

* a missing value (``None``, ``NaN``, ``pandas.NA``, ``NaT``) is an empty cell;
* a float that is a whole number below 2**53 is that integer (``2.0`` → ``2``): every such
  float is exact, so nothing is guessed. Any other float is left as it is, and the row is
  refused by :func:`~tariffcore.parse_row` with a message naming the column, since a binary
  float cannot carry an exact decimal figure. In the ``account`` column a float stays a
  float, whole or not (:func:`plain_record`): an id is a name, and ids that went through
  floats (``10234.0``) are refused as :func:`~tariffcore.rows.account_id` says;
* a NumPy scalar is the Python number or flag it holds (a ``longdouble`` is read by the
  rules of floats), and a NumPy array in a cell the list it holds (refused, as a list is: a
  cell holds one value);
* a ``Timestamp`` or ``datetime`` is its calendar date (in its own time zone, if it has
  one); the time of day is not part of any bill.

Nothing here imports pandas, NumPy or Arrow: values are recognised by what they are.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["plain_account", "plain_record", "plain_value"]

#: Above this a float no longer holds every whole number exactly (2**53).
_EXACT_FLOAT = 2**53

_MISSING = frozenset({"NAType", "NaTType"})


def plain_value(value: Any) -> Any:
    """``value`` as :func:`tariffcore.parse_row` reads it (see the module's rules)."""
    if value is None or isinstance(value, (str, bool, int, Decimal)):
        return value
    kind = type(value)
    if kind.__name__ in _MISSING:
        return None
    if kind.__module__ == "numpy" and kind.__name__ == "datetime64":
        return None if str(value) == "NaT" else value.astype("datetime64[D]").item()
    if kind.__module__ == "numpy" and hasattr(value, "item"):
        if getattr(value, "ndim", 0):  # an array in a cell: a list of values, not one value
            return value.tolist()
        value = value.item()  # numpy.int64 → int, numpy.float64 → float, numpy.bool_ → bool
        if type(value).__module__ == "numpy":  # a longdouble, which no Python number holds
            return _longdouble(value)
        if not isinstance(value, float):
            return plain_value(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return int(value)
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return value


def _longdouble(value: Any) -> Any:
    """A NumPy ``longdouble`` read by the rules of floats: missing when NaN, the integer when
    whole and below 2**53, else itself, a binary float that reading refuses (a complex one
    too, as no figure)."""
    if value != value:  # NaN: missing, as a float's NaN is
        return None
    if not isinstance(value, numbers.Real):  # a complex one: no figure, as it is
        return value
    number: Any = value  # a NumPy scalar, which int() takes
    try:
        whole = int(number)
    except (OverflowError, ValueError):  # infinite
        return value
    return whole if whole == value and abs(whole) < _EXACT_FLOAT else value


def plain_record(record: Mapping[Any, Any]) -> dict[str, Any]:
    """Every cell of ``record`` through :func:`plain_value`, keyed by column name; the
    ``account`` cell through :func:`plain_account`."""
    return {
        str(key): plain_account(value) if key == "account" else plain_value(value)
        for key, value in record.items()
    }


def plain_account(value: Any) -> Any:
    """An ``account`` cell: :func:`plain_value`, but a float that is not missing stays a float
    even when whole, for the row to be refused rather than billed as the integer's id."""
    numpy = type(value).__module__ == "numpy" and hasattr(value, "item") and not getattr(value, "ndim", 0)
    number = value.item() if numpy else value
    if isinstance(number, float) and not math.isnan(number):
        return number
    return plain_value(value)
