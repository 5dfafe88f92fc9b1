"""Reading accounts and readings from CSV or JSON lines, one result per input row.

Every input row yields exactly one :class:`Row`, in input order: either the parsed
(:class:`~tariffcore.Account`, :class:`~tariffcore.Reading`) pair or the
:class:`~tariffcore.BillingError` that explains why the row cannot be billed. Numbers are read
as :class:`~decimal.Decimal` straight from their text (JSON numbers too); nothing is clamped,
rounded or guessed.

An account id is text, or an integer written without a fraction or an exponent (a JSON
integer, a cell of an integer column), kept as its digits: see :func:`account_id`.

Columns: ``account, use_class, meter_mm, household_units, usage_m3, billing_month,
period_start, period_end`` (the usage may be given in ``usage_ccf`` or ``usage_kgal``
instead, converted exactly to m³) and optionally ``due_date``, ``reductions`` (ids separated by
``;``) and ``ruleset`` (overrides the run's ruleset for that row). Any other column is kept in
``Account.attributes`` for rules that ask for it, and otherwise ignored.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from ..bill import Account, Reading
from ..errors import BillingError, InputError
from ..meter import READ_COLUMNS, usage_from_fields
from ..money import binary_float
from ..units import USAGE_COLUMNS
from .csvtext import csv_reader, header_record, records
from .dates import parse_date, parse_month
from .jsonlines import json_lines, reworded

__all__ = [
    "JSONL_SUFFIXES",
    "KNOWN_COLUMNS",
    "Row",
    "account_id",
    "error_account",
    "field_text",
    "jsonl_records",
    "missing_columns",
    "parse_row",
    "read_rows",
]

#: File name endings read as JSON lines (anything else is CSV, unless a format is given).
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")

#: Columns with a meaning of their own; any other column becomes an account attribute.
KNOWN_COLUMNS = frozenset(
    {
        "account",
        "use_class",
        "meter_mm",
        "household_units",
        "billing_month",
        "period_start",
        "period_end",
        "due_date",
        "months",
        "reductions",
        "ruleset",
        "estimated",
        *USAGE_COLUMNS,
        *READ_COLUMNS,
    }
)

_FLAGS = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
    "": False,
}

#: A whole number; ``2.0`` too, as pandas writes a count column that has a gap (exact all the same).
_WHOLE = re.compile(r"^\s*(\d+)(?:\.0+)?\s*$")


@dataclass(frozen=True, slots=True)
class Row:
    """One input row: where it was, its account id, and what it parsed to."""

    number: int
    account: str
    ruleset: str | None
    parsed: tuple[Account, Reading] | None
    error: BillingError | None


def field_text(value: Any) -> str:
    """A field's text, stripped (``""`` for none); a float is refused, as it cannot be exact."""
    if value is None:
        return ""
    if binary_float(value):
        raise InputError("a float cannot carry an exact figure")
    return str(value).strip()


def account_id(value: Any) -> str:
    """The account id a row's ``account`` field gives, stripped (``""`` for none).

    An id is a name, not a figure: text is taken as it is, and an integer (a JSON integer, a
    cell of an integer column, a whole decimal of a ``decimal128(n, 0)`` column) as its
    digits, ``10234``. Anything else is refused with an
    :class:`~tariffcore.InputError` that says what an id must be: a list or an object, which
    no one field holds; ``true`` or ``false``; and a number with a fraction or an exponent, or
    a float, even a whole one (``10234.0``, as a pipeline that turns ids into floats writes
    them): read as text it would bill an account that is not the one meant, and which one was
    meant is not for a billing engine to guess.
    """
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == 0:
        return str(value)  # a whole decimal, as a decimal128(n, 0) column holds ids: its digits
    raise InputError(
        "account must be a string, or an integer written without a fraction or an exponent "
        f"(such as 10234), not {_shown(value)}"
    )


def error_account(error: BillingError) -> str:
    """The account id of a record that could not be read, where it can still be told (a record
    that gives a field twice, :class:`~tariffcore.rows.TwiceError`); ``""`` otherwise."""
    fields = getattr(error, "fields", None)
    return _shown_account(fields) if isinstance(fields, Mapping) else ""


def _shown(value: Any) -> str:
    """``value`` as a message names it: a JSON kind of value, or its own text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (Decimal, float)):
        text = str(value)
        return text if len(text) <= 30 else f"{text[:15]}…{text[-5:]} ({len(text):,} characters)"
    return f"a {type(value).__name__} ({str(value)[:30]})"


def _text(name: str, value: Any) -> str:
    """:func:`field_text` of column ``name``; its error names the column. A list or an object
    (from JSON) is not a value of a column."""
    if isinstance(value, (dict, list, tuple)):
        raise InputError(
            f"{name} must be one value, not a {'list' if not isinstance(value, dict) else 'object'}"
        )
    try:
        return field_text(value)
    except InputError as exc:
        raise InputError(f"{name}: {exc.message} ({value!r}); give it as text") from None


#: The most digits a whole-number column may have (a meter size, a count of households or
#: months): far beyond any account, and far below what would stop a bill being exact.
MAX_WHOLE_DIGITS = 9


def _whole(name: str, value: Any) -> int | None:
    if binary_float(value):
        raise InputError(f"{name} must be a whole number, not {value!r}")
    text = _text(name, value)
    if not text:
        return None
    match = None if isinstance(value, bool) else _WHOLE.match(text)
    if match is None:
        shown = text if len(text) <= 30 else f"{text[:15]}…{text[-5:]} ({len(text):,} characters)"
        raise InputError(f"{name} must be a whole number, not {shown!r}")
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > MAX_WHOLE_DIGITS:
        raise InputError(
            f"{name} has {len(digits):,} digits: a whole number of at most {MAX_WHOLE_DIGITS} digits is expected"
        )
    return int(digits)


def parse_row(fields: Mapping[str, Any]) -> tuple[Account, Reading]:
    """Parse one row's fields (strings, or JSON values) into an account and a reading."""
    identity = account_id(fields.get("account"))
    if not identity:
        raise InputError("account is empty")
    use_class = _text("use_class", fields.get("use_class"))
    if not use_class:
        raise InputError("use_class is empty")
    usage, meter = usage_from_fields(fields)
    estimated = fields.get("estimated")
    if not isinstance(estimated, bool):
        flag = _FLAGS.get(_text("estimated", estimated).lower())
        if flag is None:
            raise InputError(f"estimated must be true or false, not {_text('estimated', estimated)!r}")
        estimated = flag
    reductions = tuple(
        part.strip() for part in _text("reductions", fields.get("reductions")).split(";") if part.strip()
    )
    attributes = {}
    for key, value in fields.items():
        if key not in KNOWN_COLUMNS and key is not None:
            text = _text(str(key), value)
            if text:
                attributes[str(key)] = text

    def day(name: str) -> Any:
        text = _text(name, fields.get(name))
        if not text:
            return None
        try:
            return parse_date(text)
        except InputError as exc:
            raise InputError(f"{name}: {exc}") from None

    month_text = _text("billing_month", fields.get("billing_month"))
    try:
        month = parse_month(month_text) if month_text else None
    except InputError as exc:
        raise InputError(f"billing_month: {exc}") from None
    account = Account(
        id=identity,
        use_class=use_class,
        meter_mm=_whole("meter_mm", fields.get("meter_mm")),
        household_units=_whole("household_units", fields.get("household_units")),
        reductions=reductions,
        attributes=MappingProxyType(attributes),
    )
    reading = Reading(
        usage_m3=usage,
        billing_month=month,
        period_start=day("period_start"),
        period_end=day("period_end"),
        due_date=day("due_date"),
        estimated=estimated,
        meter=meter,
        months=_whole("months", fields.get("months")),
    )
    return account, reading


def _shown_account(record: Mapping[str, Any]) -> str:
    """The account id an error row of ``record`` shows: ``""`` when the row gives none that is
    one (the row's error then says why)."""
    try:
        return account_id(record.get("account"))
    except InputError:
        return ""


def _rows(records: Iterable[tuple[int, Mapping[str, Any] | BillingError | _RowError]]) -> Iterator[Row]:
    for number, record in records:
        if isinstance(record, BillingError):
            yield Row(number, error_account(record), None, None, record)
            continue
        if isinstance(record, _RowError):
            yield Row(number, record.account, None, None, record.error)
            continue
        account = _shown_account(record)
        ruleset = str(record.get("ruleset") or "").strip() or None
        try:
            parsed = parse_row(record)
        except BillingError as exc:
            yield Row(number, account, ruleset, None, exc)
            continue
        yield Row(number, account, ruleset, parsed, None)


def missing_columns(header: Sequence[str]) -> list[str]:
    """The columns a CSV header lacks to bill any row: ``account``, ``use_class``, and
    ``usage_m3`` (or ``usage_ccf``, ``usage_kgal``) or the meter reads."""
    missing = [name for name in ("account", "use_class") if name not in header]
    if not any(column in header for column in USAGE_COLUMNS) and not {"previous_read", "current_read"} <= set(
        header
    ):
        missing.append("usage_m3 (or previous_read and current_read)")
    return missing


@dataclass(frozen=True, slots=True)
class _RowError:
    """A row that cannot be billed but whose account id is known."""

    account: str
    error: BillingError


def _csv_records(stream: IO[str]) -> Iterator[tuple[int, Mapping[str, Any] | BillingError | _RowError]]:
    reader = csv_reader(stream)
    header = header_record(reader)
    if header is None:
        return
    found = records(reader)
    missing = missing_columns(header)
    width = len(header)
    for number, values in found:
        if isinstance(values, InputError):
            yield number, values
            continue
        record = dict(zip(header, [*values, *([""] * (width - len(values)))]))
        if missing:
            error = InputError(f"the input has no column {', '.join(missing)}")
            yield number, _RowError(_shown_account(record), error)
        elif len(values) > width:
            yield number, InputError(f"line {number} has more fields than the header")
        else:
            yield number, record


def jsonl_records(stream: Iterable[str]) -> Iterator[tuple[int, Mapping[str, Any] | BillingError]]:
    """``(line number, object)`` per non-blank line of JSON lines (:func:`json_lines`); a line
    that is not a JSON object yields its :class:`InputError` instead, which names the line, as
    an error row shows no line number of its own."""
    for number, record in json_lines(stream):
        if isinstance(record, InputError):
            yield number, reworded(record, f"line {number} is {record.message}")
        else:
            yield number, record


def read_rows(source: str | Path | IO[str], format: str | None = None) -> Iterator[Row]:
    """Yield one :class:`Row` per input row of a CSV or JSON-lines file (or open text stream).

    ``format`` is ``csv`` or ``jsonl``; by default it follows the file name (``.jsonl``,
    ``.ndjson`` and ``.json`` are JSON lines, anything else CSV).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        kind = format or ("jsonl" if path.suffix.lower() in JSONL_SUFFIXES else "csv")
        with path.open(encoding="utf-8-sig", newline="") as stream:
            yield from read_rows(stream, kind)
        return
    kind = format or "csv"
    if kind == "csv":
        yield from _rows(_csv_records(source))
    elif kind == "jsonl":
        yield from _rows(jsonl_records(source))
    else:
        raise ValueError(f"unknown input format {kind!r} (csv or jsonl)")


def rows_from_text(text: str, format: str = "csv") -> list[Row]:
    """Parse rows from a string (tests and examples)."""
    return list(read_rows(io.StringIO(text), format))
