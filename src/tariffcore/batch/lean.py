"""Lean JSON lines from CSV rows: a row parser specialised to the header, and a lean bill per
kind of account.

A row's columns fall in two groups: its usage (``usage_m3``, the meter reads) and everything
else (the use class, meter, households, dates, ruleset). Rows that share everything else share
a :class:`~tariffcore.engine.LeanBill`, made once from the first such row by the engine's own
reader and version selection (:func:`~tariffcore.rows.parse_row`,
:func:`~tariffcore.engine.lean_bill`); each row then costs reading its usage and computing
its bill from it. A row whose usage is not plain figures (a sign, an exponent, blanks, a
roll-over, a replaced meter, another unit), or whose bill the lean bill leaves to the engine,
gets ``None``: the engine bills it as any other row, error rows included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from ..bill import BillFigures
from ..charges import LeanFallback
from ..engine import LeanBill, Room, lean_bill
from ..meter import READ_COLUMNS
from ..money import MONEY_CONTEXT, format_amount
from ..rows import parse_row, reads_text
from ..units import USAGE_COLUMNS

if TYPE_CHECKING:
    from .engine import BatchEngine

__all__ = ["FullLines", "LeanRows"]

#: A figure read as it is written: digits, at most 12 before a point and 6 after it.
_PLAIN = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?\Z").match


def _plain(text: str) -> bool:
    """Whether ``text`` is a figure as :data:`_PLAIN` reads it (whole ones looked at quickly)."""
    if text.isdigit() and text.isascii():
        return len(text) <= 12
    return _PLAIN(text) is not None


def _unpadded(text: str) -> bool:
    """Whether a figure ``text`` (:func:`_plain`) has no zero before its first digit but the
    one before a point: :func:`~tariffcore.money.format_amount` writes its decimal as it is."""
    return text[0] != "0" or len(text) == 1 or text[1] == "."


def _written(text: str, value: Decimal) -> str:
    """``value``, read from the figure ``text`` (:func:`_plain`), as
    :func:`~tariffcore.money.format_amount` writes it: ``text`` itself when it is unpadded."""
    return text if _unpadded(text) else format_amount(value)


#: Kinds of account kept at once (a run with more starts again from none).
_MOST = 4096
#: The bytes of lines the lean bills of a run keep, to write again for a usage seen before.
_ROOM = 4 << 20
#: The bytes of fully explained lines kept (about 1.5 kB each): more than for lean lines,
#: for a line the engine writes costs some 20 times one written again.
_FULL_ROOM = 16 << 20
_UNSEEN = object()
T = TypeVar("T")
_subtract = MONEY_CONTEXT.subtract


class LeanRows:
    """Lean JSON lines of the CSV rows under ``header``, billed by ``engine`` (see the module)."""

    __slots__ = ("engine", "header", "kind_of", "kinds", "usage_at", "reads_at", "blank_at", "room")

    def __init__(self, engine: BatchEngine, header: Sequence[str]) -> None:
        self.engine = engine
        self.header = tuple(header)
        at = {name: index for index, name in enumerate(header)}  # the last of a repeated name, as dict(zip())
        usage = {*USAGE_COLUMNS, *READ_COLUMNS}
        self.usage_at = at.get("usage_m3")
        self.reads_at = (
            (at["previous_read"], at["current_read"])
            if "previous_read" in at and "current_read" in at
            else None
        )
        # Other ways to give the usage: a row that uses one is billed by the engine.
        self.blank_at = tuple(
            at[name]
            for name in (*USAGE_COLUMNS, *READ_COLUMNS)
            if name in at and name not in ("usage_m3", "previous_read", "current_read")
        )
        if "previous_read" in at and self.reads_at is None:
            self.blank_at += (at["previous_read"],)
        if "current_read" in at and self.reads_at is None:
            self.blank_at += (at["current_read"],)
        rest = [index for index, name in enumerate(header) if name != "account" and name not in usage]
        self.kind_of: Callable[[Sequence[str]], Hashable] = itemgetter(*rest) if rest else (lambda values: ())
        self.kinds: dict[Hashable, Any] = {}
        #: What the lean bills of these kinds may keep of their lines, together.
        self.room = Room(_ROOM)

    def __call__(self, values: Sequence[str]) -> bytes | None:
        """The JSON line of a row as wide as the header, after its account (UTF-8), or
        ``None`` for a row the engine bills itself."""
        kind = self.kind_of(values)
        found = self.kinds.get(kind, _UNSEEN)
        bill: LeanBill | None = self._kind(values, kind) if found is _UNSEEN else found
        if bill is None:
            return None
        for index in self.blank_at:
            if values[index] and not values[index].isspace():
                return None
        reads_at = self.reads_at
        try:
            if reads_at is not None:
                first = values[reads_at[0]]
                last = values[reads_at[1]]
                if first or last:
                    if self.usage_at is not None and values[self.usage_at]:
                        return None
                    # Whole reads without leading zeros (the common case) and unpadded reads
                    # with a fraction (read to the litre) are written as given.
                    if (
                        first.isdigit()
                        and last.isdigit()
                        and first.isascii()
                        and last.isascii()
                        and len(first) <= 12
                        and len(last) <= 12
                        and (first[0] != "0" or len(first) == 1)
                        and (last[0] != "0" or len(last) == 1)
                    ) or (
                        _PLAIN(first) is not None
                        and _PLAIN(last) is not None
                        and _unpadded(first)
                        and _unpadded(last)
                    ):
                        previous = Decimal(first)
                        current = Decimal(last)
                        if current < previous:  # a roll-over or an error: the engine says which
                            return None
                        usage = _subtract(current, previous)
                        reads = ',"reads":{"previous":"' + first + '","current":"' + last + '"}'
                        return bill.render(usage, reads.encode())
            read = self._usage(values)
            return None if read is None else bill.render(*read)
        except (LeanFallback, ArithmeticError):
            return None

    def figures(self, values: Sequence[str], account: str) -> BillFigures | None:
        """The figures of the bill of a row as wide as the header, for ``account``, or
        ``None`` for a row the engine bills itself."""
        return self._lean(values, lambda bill, usage: bill.figures(usage, account))

    def csv(self, values: Sequence[str], columns: tuple[str, ...]) -> bytes | None:
        """The row of the bill of a row as wide as the header in a CSV of bills with a column
        per charge of ``columns``, after the account's cell (UTF-8), or ``None`` for a row
        the engine bills itself."""
        return self._lean(values, lambda bill, usage: bill.csv_row(usage, columns))

    def _lean(self, values: Sequence[str], made: Callable[[LeanBill, Decimal], T]) -> T | None:
        """``made(lean bill, usage)`` of a row, or ``None`` for a row the engine bills itself
        (no lean bill covers its kind, its usage is not plain, or the lean bill leaves it)."""
        kind = self.kind_of(values)
        found = self.kinds.get(kind, _UNSEEN)
        bill: LeanBill | None = self._kind(values, kind) if found is _UNSEEN else found
        if bill is None:
            return None
        try:
            usage = self._usage(values)
            return None if usage is None else made(bill, usage[0])
        except (LeanFallback, ArithmeticError):
            return None

    def _usage(self, values: Sequence[str]) -> tuple[Decimal, bytes] | None:
        """The usage of a row and its meter reads as :func:`~tariffcore.rows.reads_text`
        writes them (empty for none); ``None`` when the engine must read them."""
        for index in self.blank_at:
            if values[index] and not values[index].isspace():
                return None
        usage_text = values[self.usage_at] if self.usage_at is not None else ""
        if self.reads_at is not None:
            first, last = values[self.reads_at[0]], values[self.reads_at[1]]
            if first or last:
                if usage_text or not (_plain(first) and _plain(last)):
                    return None
                previous = Decimal(first)
                current = Decimal(last)
                if current < previous:  # a roll-over or an error: the engine says which
                    return None
                usage = _subtract(current, previous)
                return usage, reads_text(_written(first, previous), _written(last, current)).encode()
        return (Decimal(usage_text), b"") if _plain(usage_text) else None

    def _kind(self, values: Sequence[str], kind: Hashable) -> LeanBill | None:
        """The lean bill of the accounts like the row ``values``: read and planned by the
        engine's own code, the usage aside; ``None`` when the engine must bill them."""
        if len(self.kinds) >= _MOST:
            self.kinds.clear()
            self.room = Room(_ROOM)
        fields = dict(zip(self.header, values))
        for name in (*USAGE_COLUMNS, *READ_COLUMNS):
            fields.pop(name, None)
        fields["usage_m3"] = "0"
        engine = self.engine
        found: LeanBill | None = None
        try:
            account, reading = parse_row(fields)
            reference = str(fields.get("ruleset") or "").strip() or engine.ruleset
            if reference is not None:
                ruleset, pinned = engine.catalog.resolve(reference)
                found = lean_bill(ruleset, pinned, account, reading, engine.charges)
                if found is not None:
                    found.room = self.room
        except Exception:  # noqa: BLE001 - the engine bills such rows, and reports them
            # A row the engine cannot read or bill (a TariffcoreError), or whose billing fails
            # in a way nobody foresaw: the engine bills the rows of this kind one by one and
            # makes each the error row it is (an internal error names the row), as without
            # lean bills. Raised here, the failure would stop the whole run.
            found = None
        self.kinds[kind] = found
        return found


class FullLines:
    """Fully explained JSON lines (``--explain full``) by kind of account and usage.

    A fully explained line is the engine's, as every other line of a run: a lean bill writes
    lean lines only. Where every charge of a kind of account has a kernel, the whole of each
    line, its explanation included, is a function of the kind and the usage (what the fast
    backend writes its lines from; a plug-in's kernel promises it), so what the engine writes
    between a row's account and its meter reads is kept, within :data:`_FULL_ROOM` bytes, and
    a row of the same kind and usage is written from it with its own account and reads. The
    first row of a kind is left to the engine alone (a file whose every row is a kind of its
    own costs no more than before); error rows, and lines that do not end with the row's reads
    as a lean line writes them, are not kept.
    """

    __slots__ = ("rows", "kept", "left", "seen", "usable")

    def __init__(self, rows: LeanRows) -> None:
        self.rows = rows
        self.kept: dict[tuple[Hashable, str], bytes] = {}
        self.left = _FULL_ROOM
        #: Kinds seen once, and whether the lines of a kind seen more often can be kept.
        self.seen: set[Hashable] = set()
        self.usable: dict[Hashable, bool] = {}

    def find(self, values: Sequence[str]) -> tuple[bytes | None, tuple[Hashable, str, bytes] | None]:
        """The line of a row after its account when a row of its kind and usage was billed
        before, else ``None`` and what :meth:`learn` keeps the engine's line under (``None``
        for a row whose line is not kept)."""
        rows = self.rows
        kind = rows.kind_of(values)
        usable = self.usable.get(kind)
        if usable is None:
            if kind not in self.seen:
                if len(self.seen) >= _MOST:
                    self.seen.clear()
                self.seen.add(kind)
                return None, None
            found = rows.kinds.get(kind, _UNSEEN)
            bill: LeanBill | None = rows._kind(values, kind) if found is _UNSEEN else found
            usable = bill is not None and all(kernel is not None for _, kernel in bill.kernels)
            if len(self.usable) >= _MOST:
                self.usable.clear()
            self.usable[kind] = usable
        if not usable:
            return None, None
        try:
            read = rows._usage(values)
        except ArithmeticError:
            return None, None
        if read is None:
            return None, None
        usage, reads = str(read[0]), read[1]
        body = self.kept.get((kind, usage))
        if body is not None:
            return body + reads + b"}\n", None
        return None, (kind, usage, reads)

    def learn(self, found: tuple[Hashable, str, bytes], line: bytes) -> None:
        """Keep what ``line`` (the engine's line of the row :meth:`find` gave ``found`` for,
        after its account) says between the account and the reads."""
        kind, usage, reads = found
        end = reads + b"}\n"
        if not line.endswith(end):
            return
        body = line[: len(line) - len(end)]
        size = len(body) + len(usage) + _weight(kind)
        if self.left >= size:
            self.left -= size
            self.kept[kind, usage] = body


def _weight(kind: Hashable) -> int:
    """About the bytes a kind of account takes as a key (the text of its columns)."""
    texts = kind if isinstance(kind, tuple) else (kind,)
    return 64 + sum(len(text) for text in texts if isinstance(text, str))
