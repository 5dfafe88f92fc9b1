"""The HTTP status of every error code the service answers with.

Two kinds of codes reach a client:

* the code of a :class:`~tariffcore.BillingError`, the same code an error row of ``tariffcore
  bill`` carries. In ``POST /bill`` such errors stay rows of a ``200`` response, one per input
  row, as in the command's output; ``POST /explain`` and ``POST /arrears``, which answer for one
  account or bill, answer with the code's status below;
* the codes of the service itself: a request it cannot read or will not serve.

This module imports nothing beyond the standard library, so the table can be read (and
documented, and tested) without the ``serve`` extra.
"""

from __future__ import annotations

__all__ = ["BILLING_STATUS", "SERVICE_STATUS", "status_of"]

#: Code of a billing error → HTTP status, when it answers a whole request.
BILLING_STATUS: dict[str, int] = {
    # The request is well formed, but this account or bill cannot be billed as given.
    "invalid_input": 422,
    "no_ruleset": 422,
    "no_version_in_force": 422,
    "unknown_value": 422,
    "not_applicable": 422,
    "unknown_use_class": 422,
    "unknown_reduction": 422,
    "reduction_not_applicable": 422,
    "reduction_conflict": 422,
    "billing_cycle": 422,
    "undeclared_rounding": 422,
    "unknown_charge": 422,
    "no_tariff": 422,
    "no_arrears": 422,
    "billing_error": 422,
    # The request names a ruleset (or version) the service does not have.
    "unknown_ruleset": 404,
    # The ruleset is installed but its files are broken: the service's fault, not the request's.
    "broken_ruleset": 500,
}

#: Code of the service's own errors → HTTP status.
SERVICE_STATUS: dict[str, int] = {
    "bad_json": 400,
    "unauthorized": 401,
    "not_found": 404,
    "method_not_allowed": 405,
    "body_too_large": 413,
    "too_many_rows": 413,
    "unsupported_media_type": 415,
    "invalid_request": 422,
    "reload_failed": 500,
    "internal_error": 500,
}


def status_of(code: str) -> int:
    """The HTTP status of ``code``; a billing error code not listed (a plug-in's own) is 422."""
    return SERVICE_STATUS.get(code) or BILLING_STATUS.get(code, 422)
