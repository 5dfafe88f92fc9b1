"""The OpenAPI 3.1 description of the service (``GET /openapi.json``).

Written out rather than derived, so that it says what a client can rely on: every route,
every body, every error code and its status (from :mod:`tariffcore.service.status`). The test
suite checks the service's real responses against these schemas, which are written in
``_openapi_schemas``.
"""

from __future__ import annotations

from typing import Any

from ..version import __version__
from ._openapi_schemas import component_schemas, ref
from .settings import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS
from .status import BILLING_STATUS, SERVICE_STATUS

__all__ = ["openapi_document"]


def _errors(*codes: str) -> dict[str, Any]:
    """Responses for ``codes``, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        status = SERVICE_STATUS.get(code) or BILLING_STATUS[code]
        by_status.setdefault(status, []).append(code)
    return {
        str(status): {
            "description": "Error: " + ", ".join(sorted(found)),
            "content": {"application/json": {"schema": ref("ErrorBody")}},
        }
        for status, found in sorted(by_status.items())
    }


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": ref(schema)}}}}


def _body(*schemas: str) -> dict[str, Any]:
    schema = ref(schemas[0]) if len(schemas) == 1 else {"oneOf": [ref(s) for s in schemas]}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_READ = (
    "bad_json",
    "body_too_large",
    "unsupported_media_type",
    "invalid_request",
    "unauthorized",
    "internal_error",
)
_BILLING = tuple(sorted(code for code in BILLING_STATUS))


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tariffcore",
            "version": __version__,
            "description": "Exact municipal water and sewer charges, surcharges and arrears. Amounts "
            "are decimal strings in every response; in requests, a string or a JSON "
            "number, read from its text as an exact decimal. With a token configured, "
            "every route but /health needs `Authorization: Bearer TOKEN`. Bodies are "
            f"limited to {DEFAULT_MAX_BODY_BYTES} bytes and {DEFAULT_MAX_ROWS} rows "
            "by default (the service's own limits may differ).",
        },
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                code: {
                    "description": f"Error: {code} (status {SERVICE_STATUS[code]}), on any path: " + reason,
                    "content": {"application/json": {"schema": ref("ErrorBody")}},
                }
                for code, reason in (
                    ("not_found", "a path that is not a route"),
                    ("method_not_allowed", "a method the route does not take"),
                )
            },
        },
        "security": [{"bearer": []}, {}],
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness and the catalog served",
                    "security": [{}],
                    "responses": _ok("CatalogSummary", "The service is up."),
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1"}, **_errors("unauthorized")},
                }
            },
            "/rulesets": {
                "get": {
                    "summary": "Every ruleset, its versions, dates, charges and sources",
                    "responses": {**_ok("RulesetList", "The catalog."), **_errors("unauthorized")},
                }
            },
            "/rulesets/{reference}": {
                "get": {
                    "summary": "One ruleset; with a version, that version resolved",
                    "parameters": [
                        {
                            "name": "reference",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "A ruleset id (kr/example; its slash is part of the path), or "
                            "id@version for that version resolved.",
                        },
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "A version label: adds `resolved`, that version with its "
                            "`extends` chain merged.",
                        },
                    ],
                    "responses": {
                        **_ok("Ruleset", "The ruleset."),
                        **_errors("unknown_ruleset", "broken_ruleset", "invalid_request", "unauthorized"),
                    },
                }
            },
            "/bill": {
                "post": {
                    "summary": "Bill rows: one result per row, in order, as `tariffcore bill` writes them",
                    "description": "A row that cannot be read or billed is an error row in `results` "
                    "(the response is still 200); only a request that cannot be served "
                    "at all is an error response.",
                    "requestBody": _body("BillRequest"),
                    "responses": {
                        **_ok("BillResponse", "One result per row."),
                        **_errors(
                            *_READ, "too_many_rows", "unknown_ruleset", "broken_ruleset", "unknown_charge"
                        ),
                    },
                }
            },
            "/explain": {
                "post": {
                    "summary": "Bill one row and explain every line",
                    "requestBody": _body("ExplainRequest"),
                    "responses": {
                        **_ok("ExplainResponse", "The bill and its explanation."),
                        **_errors(*_READ, *_BILLING),
                    },
                }
            },
            "/arrears": {
                "post": {
                    "summary": "Late-payment surcharges of one bill, or statements from a ledger",
                    "requestBody": _body("ArrearsRequest", "LedgerRequest"),
                    "responses": {
                        "200": {
                            "description": "One bill's result, or one statement per account.",
                            "content": {
                                "application/json": {
                                    "schema": {"oneOf": [ref("ArrearsResult"), ref("LedgerResponse")]}
                                }
                            },
                        },
                        **_errors(*_READ, *_BILLING, "too_many_rows"),
                    },
                }
            },
            "/reload": {
                "post": {
                    "summary": "Load the catalog again (as SIGHUP does); the old one serves until it is loaded",
                    "responses": {
                        **_ok("CatalogSummary", "The catalog now served."),
                        **_errors("reload_failed", "unauthorized"),
                    },
                }
            },
        },
    }
