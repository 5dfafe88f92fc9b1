"""The OpenAPI 3.1 description of the service (``GET /openapi.json``).

Written out rather than derived, so that it says what a client can rely on: every route,
every body, every error code and its status (from :mod:`tariffcore.service.status`). The test
suite checks the service's real responses against these schemas.
"""

from __future__ import annotations

from typing import Any

from ..version import __version__
from .settings import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS
from .status import BILLING_STATUS, SERVICE_STATUS

__all__ = ["openapi_document"]

_DECIMAL = {
    "type": "string",
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "An exact decimal, as text (never a binary float).",
}
_NUMBER_IN = {
    "oneOf": [{"type": "string"}, {"type": "number"}],
    "description": "An exact decimal: a string, or a JSON number read from its own text "
    "(never through a binary float).",
}
_DATE = {"type": "string", "format": "date"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schemas() -> dict[str, Any]:
    error_codes = sorted({*BILLING_STATUS, *SERVICE_STATUS})
    error = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {
                "type": "string",
                "description": "Stable, for programs: "
                + ", ".join(error_codes)
                + " (or a plug-in's own billing error code).",
            },
            "message": {"type": "string", "description": "A sentence for people."},
        },
    }
    line = {
        "type": "object",
        "required": ["charge", "label", "amount", "rule", "version", "source"],
        "properties": {
            "charge": {"type": "string"},
            "label": {"type": "string"},
            "amount": _DECIMAL,
            "quantity": {"oneOf": [_DECIMAL, {"type": "null"}]},
            "unit": {"type": ["string", "null"]},
            "unit_price": {"oneOf": [_DECIMAL, {"type": "null"}]},
            "rule": {"type": "string"},
            "version": {"type": "string"},
            "rounding": {"type": ["string", "null"]},
            "unrounded": _DECIMAL,
            "source": {"type": "array", "items": {"type": "string"}},
            "slices": {"type": "array", "items": {"type": "object"}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "parts": {"type": "array", "items": {"type": "object"}},
        },
    }
    bill = {
        "type": "object",
        "description": "A bill, as one line of `tariffcore bill`'s JSON lines.",
        "required": [
            "account",
            "ruleset",
            "currency",
            "usage_m3",
            "estimated",
            "lines",
            "total",
            "not_included",
        ],
        "properties": {
            "account": {"type": "string"},
            "ruleset": {"type": "string"},
            "currency": {"type": "string"},
            "usage_m3": _DECIMAL,
            "estimated": {"type": "boolean"},
            "lines": {"type": "array", "items": _ref("BillLine")},
            "total": _DECIMAL,
            "not_included": {"type": "array", "items": {"type": "object", "required": ["charge", "reason"]}},
            "billing_month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
            "period_start": _DATE,
            "period_end": _DATE,
            "due_date": _DATE,
            "reads": {"type": "object"},
        },
    }
    error_row = {
        "type": "object",
        "required": ["account", "error"],
        "additionalProperties": False,
        "description": "A row that cannot be read or billed, as `tariffcore bill` writes it.",
        "properties": {"account": {"type": "string"}, "error": _ref("Error")},
    }
    row = {
        "type": "object",
        "additionalProperties": True,
        "description": "One input row, with the columns of the CSV and JSON-lines input: account, "
        "use_class, meter_mm, household_units, usage_m3 (or previous_read and "
        "current_read), billing_month, period_start, period_end, due_date, months, "
        "reductions, estimated, ruleset, and any attribute a rule asks for.",
        "properties": {
            "account": {"type": "string"},
            "use_class": {"type": "string"},
            "usage_m3": _NUMBER_IN,
            "ruleset": {"type": "string"},
        },
    }
    charges = {
        "type": ["array", "null"],
        "items": {"type": "string"},
        "description": "Reserved for billing a subset of the charges: only null (every "
        "charge) is supported now; a list answers 501 not_implemented.",
    }
    version = {
        "type": "object",
        "required": ["version", "from", "charges", "sources"],
        "properties": {
            "version": {"type": "string"},
            "title": {"type": "string"},
            "from": _DATE,
            "until": {"type": ["string", "null"]},
            "basis": {"type": "string"},
            "confidence": {"type": "string"},
            "charges": {"type": "array", "items": {"type": "string"}},
            "sources": {"type": "array", "items": {"type": "object"}},
        },
    }
    ruleset = {
        "type": "object",
        "required": ["id", "title", "versions", "arrears"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "versions": {"type": "array", "items": _ref("RulesetVersion")},
            "arrears": {"type": "array", "items": {"type": "object"}},
            "resolved": {
                "type": "object",
                "required": ["version", "label", "from", "until", "data"],
                "description": "With ?version= (or ID@VERSION): that version with its "
                "`extends` chain merged, as `tariffcore rulesets show` prints it.",
                "properties": {
                    "version": {"type": "string"},
                    "label": {"type": "string"},
                    "from": _DATE,
                    "until": {"type": ["string", "null"]},
                    "data": {"type": "object"},
                },
            },
        },
    }
    summary = {
        "type": "object",
        "required": ["rulesets", "broken", "loaded_at", "reloads"],
        "properties": {
            "status": {"const": "ok"},
            "rulesets": {"type": "integer"},
            "broken": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "loaded_at": {"type": "string", "format": "date-time"},
            "reloads": {"type": "integer"},
        },
    }
    return {
        "Error": error,
        "ErrorBody": {"type": "object", "required": ["error"], "properties": {"error": _ref("Error")}},
        "Row": row,
        "BillLine": line,
        "Bill": bill,
        "ErrorRow": error_row,
        "BillRequest": {
            "type": "object",
            "required": ["rows"],
            "additionalProperties": False,
            "properties": {
                "ruleset": {
                    "type": ["string", "null"],
                    "description": "id or id@version, for rows without a ruleset of their own",
                },
                "rows": {"type": "array", "items": _ref("Row"), "maxItems": DEFAULT_MAX_ROWS},
                "charges": charges,
            },
        },
        "BillResponse": {
            "type": "object",
            "required": ["rows", "error_rows", "results"],
            "properties": {
                "rows": {"type": "integer"},
                "error_rows": {"type": "integer"},
                "results": {
                    "type": "array",
                    "description": "One per row, in order.",
                    "items": {"oneOf": [_ref("Bill"), _ref("ErrorRow")]},
                },
            },
        },
        "ExplainRequest": {
            "type": "object",
            "required": ["row"],
            "additionalProperties": False,
            "properties": {"ruleset": {"type": ["string", "null"]}, "row": _ref("Row"), "charges": charges},
        },
        "ExplainResponse": {
            "type": "object",
            "required": ["result", "explanation"],
            "properties": {
                "result": _ref("Bill"),
                "explanation": {
                    "type": "string",
                    "description": "The bill in words, as `tariffcore explain` prints it.",
                },
            },
        },
        "ArrearsRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ruleset", "principal", "due", "as_of"],
            "properties": {
                "ruleset": {"type": "string"},
                "principal": {"oneOf": [_NUMBER_IN, {"type": "object", "additionalProperties": _NUMBER_IN}]},
                "due": _DATE,
                "as_of": _DATE,
                "billing_month": {"type": "string"},
            },
        },
        "LedgerRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["as_of", "ledger"],
            "properties": {
                "ruleset": {"type": ["string", "null"]},
                "as_of": _DATE,
                "allocation": {"enum": ["surcharges-first", "principal-first", None]},
                "ledger": {
                    "type": "array",
                    "maxItems": DEFAULT_MAX_ROWS,
                    "items": {
                        "type": "object",
                        "description": "A ledger row: account, entry "
                        "(bill or payment), date, amount, charges, billing_month, id, ruleset.",
                    },
                },
            },
        },
        "ArrearsResult": {
            "type": "object",
            "required": ["ruleset", "principal", "due", "as_of", "days_late", "surcharges", "total_due"],
            "properties": {
                "ruleset": {"type": "string"},
                "principal": _DECIMAL,
                "due": _DATE,
                "as_of": _DATE,
                "days_late": {"type": "integer"},
                "surcharges": {"type": "array", "items": {"type": "object"}},
                "total_due": _DECIMAL,
                "past_limitation": {"type": ["boolean", "null"]},
            },
        },
        "LedgerResponse": {
            "type": "object",
            "required": ["accounts", "error_accounts", "results"],
            "properties": {
                "accounts": {"type": "integer"},
                "error_accounts": {"type": "integer"},
                "results": {
                    "type": "array",
                    "items": {
                        "oneOf": [
                            {"type": "object", "required": ["account", "bills", "outstanding"]},
                            {
                                "type": "object",
                                "required": ["account", "line", "error"],
                                "properties": {"error": _ref("Error")},
                            },
                        ]
                    },
                },
            },
        },
        "RulesetVersion": version,
        "Ruleset": ruleset,
        "RulesetList": {
            "type": "object",
            "required": ["rulesets", "broken"],
            "properties": {
                "rulesets": {"type": "array", "items": _ref("Ruleset")},
                "broken": {"type": "object"},
            },
        },
        "CatalogSummary": summary,
    }


def _errors(*codes: str) -> dict[str, Any]:
    """Responses for ``codes``, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        status = SERVICE_STATUS.get(code) or BILLING_STATUS[code]
        by_status.setdefault(status, []).append(code)
    return {
        str(status): {
            "description": "Error: " + ", ".join(sorted(found)),
            "content": {"application/json": {"schema": _ref("ErrorBody")}},
        }
        for status, found in sorted(by_status.items())
    }


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}}


def _body(*schemas: str) -> dict[str, Any]:
    schema = _ref(schemas[0]) if len(schemas) == 1 else {"oneOf": [_ref(s) for s in schemas]}
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
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                code: {
                    "description": f"Error: {code} (status {SERVICE_STATUS[code]}), on any path: " + reason,
                    "content": {"application/json": {"schema": _ref("ErrorBody")}},
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
                            *_READ, "too_many_rows", "unknown_ruleset", "broken_ruleset", "not_implemented"
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
                        **_errors(*_READ, *_BILLING, "not_implemented"),
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
                                    "schema": {"oneOf": [_ref("ArrearsResult"), _ref("LedgerResponse")]}
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
