"""Reading JSON lines: one object per line, every number exact.

Every input that may come as JSON lines (bill inputs, histories, ledgers) is read here, and so
are the request bodies of the HTTP service (:func:`exact_json`), so a number is a
:class:`~decimal.Decimal` (or an ``int``) from the moment it is read, never a float, a field
given twice is never settled by keeping one of its values, and a line that cannot be read
stays in place as an error with its line number.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from ..errors import InputError

__all__ = ["Twice", "TwiceError", "exact_json", "json_lines", "record_error", "reworded", "twice_in"]


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
            record, twice = exact_json(line)
        except json.JSONDecodeError as exc:
            yield number, InputError(f"not valid JSON: {exc.msg}")
            continue
        except RecursionError:
            yield number, InputError("JSON nested too deeply to be read")
            continue
        except ValueError as exc:  # what json.loads itself refuses beyond its grammar
            yield number, InputError(f"not valid JSON: {exc}")
            continue
        error = record_error(record, twice, "\\u" in line)
        yield number, record if error is None else error


def exact_json(
    text: str | bytes | bytearray, constant: Callable[[str], Any] | None = None
) -> tuple[Any, str | None]:
    """``text`` read as JSON, exactly, and the first field an object in it gives twice
    (``None``: none does).

    A number with a fraction or an exponent is a :class:`~decimal.Decimal` of its own text; an
    integer is an ``int`` (one longer than 100 digits a ``Decimal``, which the column reading
    it refuses as too long). An object that gives a field twice is read as a :class:`Twice` in
    its place, so that reading goes on and the caller can tell which part of the text it is in:
    JSON itself would keep the last value, silently. ``constant`` reads ``NaN`` and
    ``Infinity`` (by default as floats, which every column refuses); it may raise
    :class:`ValueError` to refuse them. Text that is not JSON raises what :func:`json.loads`
    raises (a :class:`ValueError`, or :class:`RecursionError` when nested too deeply).
    """
    if isinstance(text, str):
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    elif isinstance(text, (bytes, bytearray)):  # as json.loads reads them
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    else:
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {type(text).__name__}")
    readers = getattr(_READERS, "made", None)
    if readers is None:
        readers = _READERS.made = {}
    reader = readers.get(id(constant))
    if reader is None or reader.constant is not constant or reader.busy:
        if reader is not None and reader.busy:  # called again from ``constant``: a reader of its own
            return _Reader(constant).read(text)
        if len(readers) >= 8:  # a caller making a new ``constant`` each time: keep few
            readers.clear()
        reader = readers[id(constant)] = _Reader(constant)  # it holds ``constant``: the id stays its
    return reader.read(text)


class _Reader:
    """One decoder of :func:`exact_json` for a ``constant``, made once (per thread): making
    one costs as much as reading a short line."""

    def __init__(self, constant: Callable[[str], Any] | None) -> None:
        self.constant = constant
        self.busy = False
        self.found: list[str] = []
        self.decoder = json.JSONDecoder(
            parse_float=Decimal, parse_int=_integer, parse_constant=constant, object_pairs_hook=self.fields
        )

    def fields(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        record = dict(pairs)
        if len(record) == len(pairs):
            return record
        twice = Twice(record, _first_twice(pairs))
        self.found.append(twice.field)
        return twice

    def read(self, text: str) -> tuple[Any, str | None]:
        found = self.found
        found.clear()
        self.busy = True
        try:
            value = self.decoder.decode(text)
        finally:
            self.busy = False
        return value, (found[0] if found else None)


#: The readers of :func:`exact_json` of this thread, by ``constant``.
_READERS = threading.local()


class Twice(dict[str, Any]):
    """An object that gives a field twice, as :func:`exact_json` reads it: its fields (each
    with the last of its values) and :attr:`field`, the first field given twice. Nothing bills
    it: a reader turns it, or what holds it, into an error naming the field."""

    __slots__ = ("field",)

    def __init__(self, fields: dict[str, Any], field: str) -> None:
        super().__init__(fields)
        self.field = field


class TwiceError(InputError):
    """A record that gives a field twice: it is not billed, but what it gives is kept
    (``fields``, each field with the last of its values), so that a reader can still tell whose
    record it is: a ledger's bill must make its account's statement an error, not vanish from
    it. (``fields`` is ``None`` once the error has crossed to another process.)"""

    def __init__(self, message: str, fields: Any = None) -> None:
        super().__init__(message)
        self.fields = fields if isinstance(fields, dict) else None


def reworded(error: InputError, message: str) -> InputError:
    """``error`` said as ``message`` (naming the line or row it is of), whose record it is
    still known when it was (a :class:`TwiceError`)."""
    if isinstance(error, TwiceError):
        return TwiceError(message, error.fields)
    return InputError(message)


def _first_twice(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no field is given twice")  # pragma: no cover - only called when one is


def twice_in(value: Any) -> str | None:
    """The first field given twice by an object in ``value`` (``value`` itself, or one in a list
    or object within it), in the order :func:`exact_json` finds them: an inner object before
    the one that holds it. ``None``: no object in ``value`` gives a field twice."""
    if isinstance(value, dict):
        for item in value.values():
            inner = twice_in(item)
            if inner is not None:
                return inner
        return value.field if isinstance(value, Twice) else None
    if isinstance(value, list):
        for item in value:
            inner = twice_in(item)
            if inner is not None:
                return inner
    return None


def record_error(value: Any, twice: str | None, escaped: bool = True) -> InputError | None:
    """Why ``value``, read by :func:`exact_json` as one line of JSON lines (or one row of a
    request), is not a record to bill, or ``None`` when it is one: it gives the field ``twice``
    somewhere (as :func:`exact_json` or :func:`twice_in` found), it is not an object, or a
    string in it holds a lone surrogate (looked for only when the text it was read from holds
    an escape, ``escaped``)."""
    if twice is not None:
        return TwiceError(f"an object that gives the field {twice!r} twice", value)
    if not isinstance(value, dict):
        return InputError("not a JSON object")
    if escaped and _lone_surrogate(value):
        return InputError("a string holding a lone surrogate (\\ud800 … \\udfff), which is not text")
    return None


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
