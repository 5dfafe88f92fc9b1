"""The routes of the service: health, the rulesets, billing, explaining, late payments and
reloading.

``POST /bill`` reuses the JSON-lines output of ``tariffcore bill`` line for line: the rows go
through :class:`tariffcore.BatchEngine` (its cache of repeated rows included) and come back as
the very objects the command writes, error rows included, in order. Nothing a request says is
ever used as a path: a request names rulesets by id only.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..accounts import (
    ALLOCATION_NAMES,
    arrears_result_to_dict,
    compute_arrears,
    group_ledger,
    ledger_rows,
    statement_to_dict,
)
from ..batch import BatchEngine
from ..errors import BillingError, RulesetError, TariffcoreError, UnknownRulesetError, row_result
from ..rows import bill_to_dict, explain_bill, parse_month
from ._bodies import (
    charges_field,
    date_field,
    json_object,
    principal_amounts,
    row_chunk,
    row_list,
    row_record,
    text_field,
)
from ._responses import error_response, json_response, plain
from ._state import ServiceState
from .limits import ServiceError, read_json
from .openapi import openapi_document

__all__ = ["routes"]

log = logging.getLogger("tariffcore.service")


def _known(state: ServiceState, reference: str) -> None:
    """Refuse the whole request when its ruleset is unknown or broken (as ``--ruleset`` is)."""
    try:
        state.catalog.resolve(reference)
    except UnknownRulesetError as exc:
        raise ServiceError("unknown_ruleset", str(exc)) from None
    except RulesetError as exc:
        raise ServiceError("broken_ruleset", f"ruleset {reference} is broken: {exc}") from None


def _request_ruleset(
    state: ServiceState, reference: str | None, charges: tuple[str, ...] | None = None
) -> BatchEngine:
    """The engine of the request's ruleset, billing only ``charges`` when given; an unknown or
    broken ruleset, or a charge it does not have, answers the request (as ``--ruleset`` and
    ``--charges`` do). Rows naming another ruleset are checked row by row: such a row becomes
    an error row (``unknown_charge``)."""
    if reference is not None:
        _known(state, reference)
        if charges is not None:
            found, _ = state.catalog.resolve(reference)
            unknown = [charge for charge in charges if charge not in found.charge_ids]
            if unknown:
                raise ServiceError(
                    "unknown_charge",
                    f"{reference} has no charge {', '.join(map(repr, unknown))}; "
                    f"its charges: {', '.join(found.charge_ids)}",
                )
    return state.engine(reference, charges)


def routes(state: ServiceState) -> list[Route]:
    """Every route of the service, over ``state``."""
    settings = state.settings

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", **state.summary()})

    async def rulesets(request: Request) -> Response:
        return json_response({"rulesets": state.listing(), "broken": state.summary()["broken"]})

    async def ruleset(request: Request) -> Response:
        ruleset_id, _, pinned = request.path_params["reference"].partition("@")
        asked = request.query_params.get("version")
        if asked and pinned and asked != pinned:
            raise ServiceError("invalid_request", f"two versions asked for: @{pinned} and ?version={asked}")
        version = asked or pinned or None
        reference = f"{ruleset_id}@{version}" if version else ruleset_id
        _known(state, reference)
        found, chosen = state.catalog.resolve(reference)
        entry = next(item for item in state.listing() if item["id"] == found.id)
        if chosen is None:
            return json_response(entry)
        start, end = found.in_force(chosen)
        resolved = {
            "version": chosen.version,
            "label": chosen.label,
            "from": start.isoformat(),
            "until": end.isoformat() if end else None,
            "data": plain(chosen.data),
        }
        return json_response({**entry, "resolved": resolved})

    async def bill(request: Request) -> Response:
        data = json_object(
            await read_json(request, settings.max_body_bytes), "the body", ("ruleset", "rows", "charges")
        )
        reference = text_field(data, "ruleset")
        rows = row_list(data, "rows", settings.max_rows)
        engine = _request_ruleset(state, reference, charges_field(data))
        lines, count, failed = engine.jsonl(row_chunk(rows))
        results = b",".join(lines.split(b"\n")[:count])
        body = b'{"rows":%d,"error_rows":%d,"results":[%s]}' % (count, failed, results)
        return json_response(body)

    async def explain(request: Request) -> Response:
        data = json_object(
            await read_json(request, settings.max_body_bytes), "the body", ("ruleset", "row", "charges")
        )
        reference = text_field(data, "ruleset")
        if "row" not in data:
            raise ServiceError("invalid_request", "row is required: one input row as a JSON object")
        engine = _request_ruleset(state, reference, charges_field(data))
        outcome = engine.results(row_chunk([data["row"]]))[0]
        result = outcome.result
        if isinstance(result, BillingError):
            return error_response(result.code, result.message, account=outcome.account)
        return json_response({"result": bill_to_dict(result), "explanation": explain_bill(result)})

    async def arrears(request: Request) -> Response:
        data = await read_json(request, settings.max_body_bytes)
        if isinstance(data, dict) and "ledger" in data:
            return _ledger(json_object(data, "the body", ("ruleset", "as_of", "ledger", "allocation")))
        data = json_object(data, "the body", ("ruleset", "principal", "due", "as_of", "billing_month"))
        reference = text_field(data, "ruleset", required=True)
        assert reference is not None
        try:
            as_of = date_field(data, "as_of")
            due = date_field(data, "due")
            month_text = text_field(data, "billing_month")
            month = parse_month(month_text) if month_text else None
            principal = principal_amounts(data.get("principal"))
        except BillingError as exc:
            return error_response(exc.code, exc.message, ruleset=reference)
        result = row_result(
            reference,
            lambda ref: compute_arrears(
                state.catalog, ref, principal=principal, due=due, as_of=as_of, billing_month=month
            ),
        )
        if isinstance(result, BillingError):
            return error_response(result.code, result.message, ruleset=reference)
        return json_response(arrears_result_to_dict(result))

    def _ledger(data: dict[str, Any]) -> Response:
        default = text_field(data, "ruleset")
        rows = row_list(data, "ledger", settings.max_rows)
        allocation_text = text_field(data, "allocation")
        if allocation_text is not None and allocation_text not in ALLOCATION_NAMES:
            raise ServiceError("invalid_request", f"allocation must be one of {', '.join(ALLOCATION_NAMES)}")
        allocation = ALLOCATION_NAMES[allocation_text] if allocation_text else None
        try:
            as_of = date_field(data, "as_of")
        except BillingError as exc:
            return error_response(exc.code, exc.message)
        if default:
            _known(state, default.partition("@")[0])
        # The entries were read as the JSON lines of a ledger file are (see .limits), so the
        # ledger reader of ``tariffcore arrears`` reads, groups and reports them as it would
        # that file's lines.
        entries = ledger_rows((number, row_record(row)) for number, row in enumerate(rows, start=1))
        results = []
        for group in group_ledger(entries):
            outcome = group.statement(state.catalog, default, as_of, allocation)
            if isinstance(outcome, BillingError):
                results.append(
                    {
                        "account": group.account,
                        "line": group.line,
                        "error": {"code": outcome.code, "message": outcome.message},
                    }
                )
            else:
                results.append(statement_to_dict(outcome))
        failed = sum(1 for item in results if "error" in item)
        return json_response({"accounts": len(results), "error_accounts": failed, "results": results})

    async def reload(request: Request) -> Response:
        try:
            await state.reload()
        except (TariffcoreError, OSError, ImportError) as exc:
            log.exception("reloading the catalog failed; the previous one is still served")
            raise ServiceError(
                "reload_failed",
                f"the catalog could not be reloaded ({exc}); the previous one is still served",
            ) from None
        return json_response(state.summary())

    async def openapi(request: Request) -> Response:
        return json_response(openapi_document())

    return [
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/rulesets", rulesets, methods=["GET"]),
        Route("/rulesets/{reference:path}", ruleset, methods=["GET"]),
        Route("/bill", bill, methods=["POST"]),
        Route("/explain", explain, methods=["POST"]),
        Route("/arrears", arrears, methods=["POST"]),
        Route("/reload", reload, methods=["POST"]),
    ]
