"""The keys of the batch engine's cache: what two rows must share to share a bill.

A bill depends on everything in its input row except the account id. The key of a row is
therefore the whole row minus its ``account`` value: for a CSV row, its other values (under
one header: see :class:`CsvKeys`); for a record read from JSON lines or
Parquet, every other field (:class:`RecordKeys`: its name and text, sorted by name, where every
field is text; else with its type, through :func:`freeze`); for an
account and reading given through the Python API, every field of the
:class:`~tariffcore.Account` except ``id`` and every field of the :class:`~tariffcore.Reading`
(:func:`parsed_key`), read with :func:`dataclasses.fields`, so a field added to either is part
of the key without any change here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from ..bill import Account, Reading
from ..errors import InputError
from ..rows import account_id

__all__ = [
    "RECORD_KEYS",
    "TEXTUAL",
    "CsvKeys",
    "RecordKeys",
    "RowKeys",
    "Uncacheable",
    "freeze",
    "parsed_key",
]


class Uncacheable(Exception):
    """A value the key cannot hold exactly: the row is billed without the cache."""


_SCALARS = (bool, int, Decimal, float, type(None))
#: Values a record's field may hold to be read as its text (see :meth:`RowKeys.text`): with
#: ``bool`` (an ``int``) and ``datetime`` (a ``date``).
TEXTUAL = (str, int, Decimal, date)


def freeze(value: Any) -> Any:
    """A hashable key that equals another only for values that bill the same way.

    Numbers keep their type and exact text (``10`` and ``10.0`` print differently on a bill,
    ``True`` is not ``1``); mappings, sequences and dataclasses are walked field by field.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, _SCALARS):
        return (type(value).__name__, str(value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [freeze(item) for item in value]
        if isinstance(value, (set, frozenset)):
            items.sort(key=repr)
        return (type(value).__name__, tuple(items))
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__qualname__,
            tuple((f.name, freeze(getattr(value, f.name))) for f in fields(value)),
        )
    try:
        hash(value)
    except TypeError:
        raise Uncacheable from None
    return (type(value).__qualname__, value)


def parsed_key(ruleset: str | None, account: Account, reading: Reading) -> Any:
    """The cache key of a parsed account and reading: every field but the account id."""
    return (
        ruleset,
        tuple((f.name, freeze(getattr(account, f.name))) for f in fields(account) if f.name != "id"),
        freeze(reading),
    )


class RowKeys:
    """How the rows of one input are keyed and read: :meth:`key` gives a row's account id and
    cache key (``None``: the row is billed without the cache), :meth:`fields` the row as the
    named fields :func:`~tariffcore.rows.parse_row` reads."""

    __slots__ = ()

    def key(self, row: Any) -> tuple[str, Hashable | None]:
        raise NotImplementedError

    def fields(self, row: Any) -> Mapping[str, Any]:
        raise NotImplementedError

    def text(self, row: Any) -> tuple[tuple[str, ...], Sequence[str]] | None:
        """The row as text under a header, as a lean bill reads it: ``(header, values)``, or
        ``None`` when its values are not all text, whole numbers, flags, decimals, dates or
        nulls (which :func:`~tariffcore.rows.parse_row` reads as their text)."""
        raise NotImplementedError


class CsvKeys(RowKeys):
    """CSV rows under one header (which has an ``account`` column and at least two others):
    the key is the row's other values, a short row padded with empty values; a value past the
    header's end, which no bill reads, is left out. A key is good under this header only:
    values under another header are another key space.

    :attr:`values_key` is the key of a row as wide as the header, a C-level getter, for the
    loop that reads CSV text row by row (:meth:`BatchEngine.csv_to_jsonl`).
    """

    __slots__ = ("header", "where", "width", "values_key")

    def __init__(self, header: tuple[str, ...]) -> None:
        self.header = header
        self.where = header.index("account")
        self.width = len(header)
        others = [index for index in range(self.width) if index != self.where]
        if len(others) < 2:  # itemgetter of one index gives a value, not a tuple
            raise ValueError(f"a CSV header needs an account and two other columns, not {header}")
        self.values_key: Callable[[Sequence[str]], tuple[str, ...]] = itemgetter(*others)

    def key(self, row: Sequence[str]) -> tuple[str, tuple[str, ...] | None]:
        if len(row) < self.width:
            row = self._padded(row)
        account = row[self.where].strip()
        return account, self.values_key(row) if account else None

    def fields(self, row: Sequence[str]) -> Mapping[str, Any]:
        return dict(zip(self.header, row if len(row) >= self.width else self._padded(row)))

    def text(self, row: Sequence[str]) -> tuple[tuple[str, ...], Sequence[str]] | None:
        return self.header, row if len(row) >= self.width else self._padded(row)

    def _padded(self, row: Sequence[str]) -> list[str]:
        return [*row, *([""] * (self.width - len(row)))]


class RecordKeys(RowKeys):
    """Records (JSON lines, Parquet): the key is every field but ``account``, as they are
    (sorted by name) where every one is text, else through :func:`freeze`; a record holding a
    value :func:`freeze` cannot key is not cached."""

    __slots__ = ()

    def key(self, row: Mapping[str, Any]) -> tuple[str, Hashable | None]:
        """The row's account id (:func:`~tariffcore.rows.account_id`) and key; a row whose
        ``account`` is no id (a list, ``true``, ``10234.0``) has neither: it is not cached, and
        the engine makes it the error row that says why (it must not share the bill of a row
        alike but for its account)."""
        try:
            account = account_id(row.get("account"))
        except InputError:
            return "", None
        if not account:
            return "", None
        rest = [item for item in row.items() if item[0] != "account"]
        if all(type(value) is str for _, value in rest):  # text fields (the common record)
            rest.sort()  # in any order: the names differ, so the values are never compared
            return account, ("text", tuple(rest))
        try:
            return account, freeze(dict(rest))
        except (Uncacheable, RecursionError):  # a value too deep to key: billed uncached
            return account, None

    def fields(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        return row

    def text(self, row: Mapping[str, Any]) -> tuple[tuple[str, ...], Sequence[str]] | None:
        values: list[str] = []
        for value in row.values():
            if value is None:
                values.append("")
            elif isinstance(value, TEXTUAL):  # as parse_row reads it: its text
                values.append(str(value).strip())
            else:  # a float, a list…: the engine reads the record as it is
                return None
        ruleset = row.get("ruleset")
        if ruleset is not None and not isinstance(ruleset, str):  # read as `value or ""`
            return None
        return tuple(row), values


#: The keys of every record input (records carry their field names, so one serves them all).
RECORD_KEYS = RecordKeys()
