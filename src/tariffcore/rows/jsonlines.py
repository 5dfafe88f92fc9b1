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
    is not valid JSON (or nests too deeply, gives a field twice, holds a lone surrogate), or
    holds something other than an object, yields an
    :class:`~tariffcore.InputError` in its place that says why (``not valid JSON: …`` or
    ``not a JSON object``); the line number is the pair's first item, for the caller to show
    as it shows its other errors.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=Decimal, parse_int=_integer, object_pairs_hook=_object)
        except json.JSONDecodeError as exc:
            yield number, InputError(f"not valid JSON: {exc.msg}")
            continue
        except _Twice as exc:
            yield number, InputError(f"an object that gives the field {exc.args[0]!r} twice")
            continue
        except RecursionError:
            yield number, InputError("JSON nested too deeply to be read")
            continue
        except ValueError as exc:  # what json.loads itself refuses beyond its grammar
            yield number, InputError(f"not valid JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield number, InputError("not a JSON object")
            continue
        if "\\u" in line and _lone_surrogate(record):
            yield (
                number,
                InputError("a string holding a lone surrogate (\\ud800 … \\udfff), which is not text"),
            )
            continue
        yield number, record


class _Twice(Exception):
    """An object gives a field twice (JSON would keep the last, silently)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Twice(key)
            seen.add(key)
    return record


#: Integers longer than this are kept as a Decimal (exact; Python converts at most 4,300
#: digits to an int): the column that reads them refuses them as too long.
_LONGEST_INT = 100


def _integer(text: str) -> int | Decimal:
    return int(text) if len(text) <= _LONGEST_INT else Decimal(text)


def _lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in ``value`` holds a lone surrogate (an escape JSON allows
    and text cannot hold)."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(item) for item in value)
    return False
