"""The HTTP status of every error code the service answers with.

Two kinds of codes reach a client:

* the code of a :class:`~tariffcore.BillingError`, the same code an error row of ``tariffcore
  bill`` carries. In ``POST /bill`` such errors stay rows of a ``200`` response, one per input
  row, as in the command's output; ``POST /explain`` and ``POST /arrears``, which answer for one
  account or bill, answer with the code's status. That status is the ``http_status`` of the
  code's class (:data:`tariffcore.errors.ERROR_CLASSES`): the classes are the one table, and
  :data:`BILLING_STATUS` is read from them;
* the codes of the service itself (:data:`SERVICE_CODES`): a request it cannot read or will not
  serve.

The documentation's table of codes is generated from the same two sources. This module imports
nothing beyond the standard library and :mod:`tariffcore.errors`, so the table can be read
(and documented, and tested) without the ``serve`` extra.
"""

from __future__ import annotations

from ..errors import ERROR_CLASSES, error_meaning

__all__ = ["BILLING_STATUS", "SERVICE_CODES", "SERVICE_STATUS", "billing_codes", "status_of"]

#: Code of a billing error → HTTP status, when it answers a whole request (from the classes).
BILLING_STATUS: dict[str, int] = {code: cls.http_status for code, cls in ERROR_CLASSES.items()}

#: Code of the service's own errors → (HTTP status, meaning).
SERVICE_CODES: dict[str, tuple[int, str]] = {
    "bad_json": (
        400,
        "The body is not UTF-8 JSON (or holds `NaN`, is nested too deeply, or gives a field twice "
        "outside its rows).",
    ),
    "unauthorized": (401, "A token is required and the request has not the right one."),
    "not_found": (404, "No such route."),
    "method_not_allowed": (405, "The route does not take this method."),
    "body_too_large": (413, "The body is over the size limit (refused as soon as it passes it)."),
    "too_many_rows": (413, "More rows (or ledger entries) than the per-request limit."),
    "unsupported_media_type": (415, "A `Content-Type` that is not JSON."),
    "invalid_request": (
        422,
        "The body is JSON of the wrong shape: not an object, a missing or unknown field, a field "
        "of the wrong type.",
    ),
    "reload_failed": (500, "The rulesets could not be reloaded; the previous ones are still served."),
}

#: Code of the service's own errors → HTTP status.
SERVICE_STATUS: dict[str, int] = {code: status for code, (status, _) in SERVICE_CODES.items()}


def billing_codes() -> list[tuple[str, str, int, str]]:
    """``(code, class name, HTTP status, meaning)`` of every billing error code, in the order
    of :data:`~tariffcore.errors.ERROR_CLASSES` (what the documentation's table lists)."""
    return [(code, cls.__name__, cls.http_status, error_meaning(cls)) for code, cls in ERROR_CLASSES.items()]


def status_of(code: str) -> int:
    """The HTTP status of ``code``; a billing error code not listed (a plug-in's own) is 422."""
    return SERVICE_STATUS.get(code) or BILLING_STATUS.get(code, 422)
