"""Reading JSON lines: one object per line, every number exact.

Every input that may come as JSON lines (bill inputs, histories, ledgers) is read here, so a
number is a :class:`~decimal.Decimal` (or an ``int``) from the moment it is read, never a
float, and a line that cannot be read stays in place as an error with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from ..errors import InputError

__all__ = ["json_lines"]


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    """``(line number, object)`` for every non-blank line of ``lines``, in order.

    Numbers with a fraction or an exponent are read as :class:`~decimal.Decimal`. A line that
    is not valid JSON, or holds something other than an object, yields an
    :class:`~tariffcore.InputError` in its place that says why (``not valid JSON: …`` or
    ``not a JSON object``); the line number is the pair's first item, for the caller to show
    as it shows its other errors.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            yield number, InputError(f"not valid JSON: {exc.msg}")
            continue
        if not isinstance(record, dict):
            yield number, InputError("not a JSON object")
            continue
        yield number, record
