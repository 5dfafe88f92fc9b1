"""The service's JSON responses: a body, an error, and values made JSON-ready.

Amounts are decimal strings in every response, exactly as in the JSON-lines output of
``tariffcore bill``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from ..money import format_amount
from ..rows import compact_json, utf8
from .status import status_of

__all__ = ["error_response", "json_response", "plain"]


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """``data`` (or JSON text already made) as a JSON response."""
    body = data if isinstance(data, bytes) else utf8(compact_json(data))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def error_response(
    code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> Response:
    """The error ``code`` with ``message`` (and ``extra`` fields), at the status of its code."""
    return json_response({**extra, "error": {"code": code, "message": message}}, status_of(code), headers)


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: decimals as strings, dates in ISO form."""
    if isinstance(value, Decimal):
        return format_amount(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value
