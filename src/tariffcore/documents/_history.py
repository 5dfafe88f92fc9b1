"""Usage history for notices: the m³ each account used in earlier billing months.

A history file is CSV with a header, or JSON lines, with at least ``account``,
``billing_month`` (``YYYY-MM`` or a date in the month) and ``usage_m3``; other columns are
ignored, so the JSON lines of earlier ``tariffcore bill`` runs, put together, are a history
file as they are (their error rows, which carry no usage, are skipped). ``-`` reads standard
input (JSON lines when it starts with an object, CSV otherwise). A month given twice
for one account with different usages is an error: a notice will not pick one.
"""

from __future__ import annotations

import io
from collections.abc import Container, Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..rows import check_header, csv_reader, input_format, json_lines, parse_month, records, stdin_text

__all__ = ["History", "month_key", "read_history"]

#: Account id → first day of a billing month → usage in m³.
History = dict[str, dict[date, Decimal]]


def month_key(value: Any, where: str) -> date:
    """The first day of the month ``value`` names (``2025-03``, ``2025-03-15`` or a date)."""
    if isinstance(value, date):
        return value.replace(day=1)
    try:
        return parse_month(str(value))
    except InputError:
        raise InputError(f"{where}: billing_month {value!r} is not a month (YYYY-MM)") from None


def _records(path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if str(path) == "-":  # standard input: JSON lines when it starts with an object, else CSV
        text = stdin_text().read()
        kind = "jsonl" if text.lstrip().startswith("{") else "csv"
        yield from _stream_records(io.StringIO(text, newline=""), "standard input", kind)
        return
    with path.open(encoding="utf-8-sig", newline="") as stream:
        yield from _stream_records(stream, str(path), input_format(str(path), None))


def _stream_records(stream: IO[str], name: str, kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if kind == "jsonl":
        for number, record in json_lines(stream):
            where = f"{name}: line {number}"
            if isinstance(record, InputError):
                raise InputError(f"{where} is {record.message}")
            yield where, record
        return
    found = records(csv_reader(stream))
    first = next(found, None)
    header = check_header(first[1], name) if first is not None and isinstance(first[1], list) else ()
    missing = [c for c in ("account", "billing_month", "usage_m3") if c not in header]
    if missing:
        raise InputError(
            f"{name}: a usage history needs the columns account, billing_month "
            f"and usage_m3 (missing: {', '.join(missing)})"
        )
    for number, values in found:
        if isinstance(values, InputError):
            raise InputError(f"{name}: {values.message}")
        yield f"{name}: line {number}", dict(zip(header, values))


def read_history(path: str | Path, accounts: Container[str] | None = None) -> History:
    """The usage history in ``path``, for ``accounts`` only when given."""
    found: History = {}
    for where, record in _records(Path(path)):
        if "error" in record:
            continue
        account = str(record.get("account") or "").strip()
        if not account:
            raise InputError(f"{where}: no account")
        if accounts is not None and account not in accounts:
            continue
        month = record.get("billing_month")
        if month in (None, ""):
            raise InputError(f"{where}: no billing_month for account {account}")
        key = month_key(month, where)
        raw = record.get("usage_m3")
        try:
            usage = (
                Decimal(str(raw).strip()) if raw is not None and not isinstance(raw, (bool, float)) else None
            )
        except ArithmeticError:
            usage = None
        if usage is None or not usage.is_finite() or usage < 0:
            raise InputError(f"{where}: usage_m3 {raw!r} is not a number of m³")
        months = found.setdefault(account, {})
        if key in months and months[key] != usage:
            raise InputError(
                f"{where}: account {account} {key:%Y-%m} is given twice, with "
                f"{months[key]:f} and {usage:f} m³"
            )
        months[key] = usage
    return found
