"""Reading the fields of a request body: objects with known fields, text, rows, dates and
exact amounts. A body the service cannot use is a :class:`~.limits.ServiceError` (the whole
request fails) or an :class:`~tariffcore.InputError` (what the route answers for one value).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import InputError
from ..money import D, format_amount
from ..rows import Chunk, Payload, parse_date, record_error, reworded
from .limits import ServiceError

__all__ = [
    "charges_field",
    "date_field",
    "json_object",
    "principal_amounts",
    "row_chunk",
    "row_record",
    "row_list",
    "text_field",
]


def json_object(data: Any, what: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    """``data``, a JSON object with no fields but ``allowed``."""
    if not isinstance(data, dict):
        raise ServiceError("invalid_request", f"{what} must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ServiceError(
            "invalid_request",
            f"{what} has unknown field(s) {', '.join(unknown)} (it may have {', '.join(allowed)})",
        )
    return data


def text_field(data: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    """The text of the field ``name`` (``None``: absent or blank), stripped."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError("invalid_request", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ServiceError("invalid_request", f"{name} must be a string")
    return value.strip()


def row_list(data: Mapping[str, Any], name: str, limit: int) -> list[Any]:
    """The list of rows ``name``, no longer than ``limit``."""
    rows = data.get(name)
    if not isinstance(rows, list):
        raise ServiceError("invalid_request", f"{name} must be a list of JSON objects")
    if len(rows) > limit:
        raise ServiceError(
            "too_many_rows", f"{len(rows)} {name} are more than this service's limit of {limit} per request"
        )
    return rows


def charges_field(data: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The charge ids the request asks to bill (``null`` or absent: every charge), each once,
    in the order given."""
    charges = data.get("charges")
    if charges is None:
        return None
    if not isinstance(charges, list) or not all(isinstance(c, str) and c.strip() for c in charges):
        raise ServiceError("invalid_request", "charges must be a list of charge ids, or null")
    if not charges:
        raise ServiceError("invalid_request", "charges must name at least one charge id (null: every charge)")
    return tuple(dict.fromkeys(c.strip() for c in charges))


def row_chunk(rows: list[Any]) -> Chunk:
    """``rows`` as a chunk of input for the batch engine: a row that is no object to bill is
    its error, naming the row (``row 2 is not a JSON object``)."""
    payloads: list[tuple[int, Payload]] = []
    for number, row in enumerate(rows, start=1):
        record = row_record(row)
        if not isinstance(record, dict):
            record = reworded(record, f"row {number} is {record.message}")
        payloads.append((number, record))
    return Chunk(None, payloads)


def row_record(row: Any) -> dict[str, Any] | InputError:
    """``row`` as a JSON line holding it is read: the object, or why it is none (``row`` is
    already that error when the body's reading found one: see :mod:`.limits`)."""
    if isinstance(row, (dict, InputError)):
        return row
    error = record_error(row, None)
    assert error is not None  # only an object is a record
    return error


def date_field(data: Mapping[str, Any], name: str) -> date:
    """The date the required field ``name`` gives (``YYYY-MM-DD``)."""
    text = text_field(data, name, required=True)
    assert text is not None
    try:
        return parse_date(text)
    except InputError as exc:
        raise InputError(f"{name}: {exc.message}") from None


def principal_amounts(value: Any) -> Decimal | dict[str, Decimal]:
    """One amount, or amounts per charge; strings or JSON numbers, never negative."""
    if value is None:
        raise InputError("principal is required")
    if isinstance(value, dict):
        amounts = {str(charge): _amount(f"principal {charge}", amount) for charge, amount in value.items()}
        if not amounts:
            raise InputError("principal has no charge amounts")
        return amounts
    return _amount("principal", value)


def _amount(name: str, value: Any) -> Decimal:
    try:
        amount = D(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a decimal amount: {exc}") from None
    if amount < 0:
        raise InputError(f"{name} cannot be negative ({format_amount(amount)})")
    return amount
