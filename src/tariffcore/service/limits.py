"""Reading a request body within limits, as exact JSON.

The body is read in pieces and refused as soon as it passes the size limit (or at once when
``Content-Length`` says it will), so a client cannot make the service hold more than the limit.
JSON is parsed by the reader of the JSON-lines input of ``tariffcore bill``
(:func:`~tariffcore.rows.exact_json`): a number with a fraction or an exponent becomes a
:class:`~decimal.Decimal` from its own text, never a binary float; ``NaN`` and ``Infinity``,
which are not JSON, are refused. Each input row (an item of ``rows`` or ``ledger``, or the
``row`` of ``POST /explain``) is read as one line of JSON lines is: a row that gives a field
twice, or holds a lone surrogate, is replaced by its :class:`~tariffcore.InputError`, for the
route to answer as that row's error. A field given twice anywhere else in the body refuses
the request (``bad_json``, naming the field): JSON would keep the last value silently.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from ..rows import Twice, exact_json, record_error, twice_in
from .status import status_of

__all__ = ["ServiceError", "parse_json", "read_json"]


class ServiceError(Exception):
    """A request the service answers with an error: ``{"error": {"code", "message"}}``."""

    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status_of(code)
        self.headers = headers or {}


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """``body`` as JSON with exact numbers and its rows read (see the module), or a
    :class:`ServiceError` (``bad_json``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceError("bad_json", f"the body is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise ServiceError("bad_json", "the body is empty; send a JSON object")
    try:
        data, twice = exact_json(text, _constant)
    except json.JSONDecodeError as exc:
        raise ServiceError(
            "bad_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        # NaN/Infinity, or nesting too deep to read.
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ServiceError("bad_json", f"the body cannot be read as JSON: {reason}") from None
    escaped = "\\u" in text
    if twice is not None or escaped:  # else every row is what it was read as
        _read_rows(data, twice is not None, escaped)
    return data


#: The fields of a body that hold input rows: a list of them, or (``row``) one.
_ROW_LISTS = ("rows", "ledger")
_ONE_ROW = "row"


def _read_rows(data: Any, twice: bool, escaped: bool) -> None:
    """Read the rows in ``data`` as lines of JSON lines are (see the module), in place: a row
    with a field given ``twice`` or a lone surrogate (``escaped``: the body holds an escape)
    becomes its error; a field given twice outside the rows refuses the request."""
    if not isinstance(data, dict):
        _refuse_twice(data, None)
        return
    if isinstance(data, Twice):
        raise ServiceError("bad_json", f"the body gives the field {data.field!r} twice")
    for name, value in list(data.items()):
        if name in _ROW_LISTS and isinstance(value, list):
            value[:] = [_row(item, twice, escaped) for item in value]
        elif name == _ONE_ROW:
            data[name] = _row(value, twice, escaped)
        elif twice:
            _refuse_twice(value, name)


def _row(row: Any, twice: bool, escaped: bool) -> Any:
    """``row``, or the error that a JSON line holding it would be."""
    error = record_error(row, twice_in(row) if twice else None, escaped)
    return row if error is None else error


def _refuse_twice(value: Any, name: str | None) -> None:
    """Refuse the request when an object in ``value`` (the body's field ``name``) gives a field
    twice."""
    field = twice_in(value)
    if field is not None:
        where = f", in {name}" if name is not None else ""
        raise ServiceError("bad_json", f"the body gives the field {field!r} twice{where}")


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


async def read_json(request: Request, limit: int) -> Any:
    """The JSON body of ``request``, at most ``limit`` bytes long."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json(content_type):
        raise ServiceError(
            "unsupported_media_type",
            f"the body must be JSON (Content-Type: application/json), not {content_type}",
        )
    too_large = f"the body is larger than this service's limit of {limit} bytes"
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise ServiceError("body_too_large", too_large)
    pieces: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size > limit:
            raise ServiceError("body_too_large", too_large)
        pieces.append(piece)
    return parse_json(b"".join(pieces))
