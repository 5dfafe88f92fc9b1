"""Reading a request body within limits, as exact JSON.

The body is read in pieces and refused as soon as it passes the size limit (or at once when
``Content-Length`` says it will), so a client cannot make the service hold more than the limit.
JSON is parsed as the JSON-lines input of ``tariffcore bill`` is: a number with a fraction or
an exponent becomes a :class:`~decimal.Decimal` from its own text, never a binary float;
``NaN`` and ``Infinity``, which are not JSON, are refused.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.requests import Request

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
    """``body`` as JSON with exact numbers, or a :class:`ServiceError` (``bad_json``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceError("bad_json", f"the body is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise ServiceError("bad_json", "the body is empty; send a JSON object")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ServiceError(
            "bad_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        # NaN/Infinity, an integer of thousands of digits, or nesting too deep to read.
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ServiceError("bad_json", f"the body cannot be read as JSON: {reason}") from None


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
