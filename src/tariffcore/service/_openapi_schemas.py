"""The schemas of the service's OpenAPI document: every body a route takes or answers with.

Amounts are exact decimals, written as text in every response; a request may give one as a
string or as a JSON number, which is read from its own text.
"""

from __future__ import annotations

from typing import Any

from ..accounts import ALLOCATION_NAMES
from .settings import DEFAULT_MAX_ROWS
from .status import BILLING_STATUS, SERVICE_STATUS

__all__ = ["component_schemas", "ref"]

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


def ref(name: str) -> dict[str, str]:
    """A reference to the schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def component_schemas() -> dict[str, Any]:
    """The schemas of ``components``, by name."""
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
            "lines": {"type": "array", "items": ref("BillLine")},
            "total": _DECIMAL,
            "not_included": {"type": "array", "items": {"type": "object", "required": ["charge", "reason"]}},
            "not_requested": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The charges left out because the request asked for others "
                "(only when charges was given and left some out).",
            },
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
        "properties": {"account": {"type": "string"}, "error": ref("Error")},
    }
    row = {
        "type": "object",
        "additionalProperties": True,
        "description": "One input row, with the columns of the CSV and JSON-lines input: account, "
        "use_class, meter_mm, household_units, usage_m3 (or previous_read and "
        "current_read), billing_month, period_start, period_end, due_date, months, "
        "reductions, estimated, ruleset, and any attribute a rule asks for. It is read as one "
        "line of JSON lines is: a row that gives a field twice is its error row.",
        "properties": {
            "account": {
                "type": ["string", "integer"],
                "description": "The account id: a string, or an integer written without a fraction "
                "or an exponent (10234; 10234.0 is refused).",
            },
            "use_class": {"type": "string"},
            "usage_m3": _NUMBER_IN,
            "ruleset": {"type": "string"},
        },
    }
    charges = {
        "type": ["array", "null"],
        "items": {"type": "string"},
        "minItems": 1,
        "description": "The charge ids to bill (null or absent: every charge), as `--charges` "
        "does; the others are not computed, so their unknown values cannot fail a row, and "
        "each bill lists them under not_requested. With a ruleset, an id it does not have "
        "answers 422 unknown_charge; a row of another ruleset that lacks one becomes an error "
        "row (unknown_charge).",
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
            "versions": {"type": "array", "items": ref("RulesetVersion")},
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
        "ErrorBody": {"type": "object", "required": ["error"], "properties": {"error": ref("Error")}},
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
                "rows": {"type": "array", "items": ref("Row"), "maxItems": DEFAULT_MAX_ROWS},
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
                    "items": {"oneOf": [ref("Bill"), ref("ErrorRow")]},
                },
            },
        },
        "ExplainRequest": {
            "type": "object",
            "required": ["row"],
            "additionalProperties": False,
            "properties": {"ruleset": {"type": ["string", "null"]}, "row": ref("Row"), "charges": charges},
        },
        "ExplainResponse": {
            "type": "object",
            "required": ["result", "explanation"],
            "properties": {
                "result": ref("Bill"),
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
                "allocation": {"enum": [*ALLOCATION_NAMES, None]},
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
                                "properties": {"error": ref("Error")},
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
                "rulesets": {"type": "array", "items": ref("Ruleset")},
                "broken": {"type": "object"},
            },
        },
        "CatalogSummary": summary,
    }
