"""The HTTP service: routes, the catalog it serves, and reloading it.

Every response is JSON. Amounts are decimal strings in every response, exactly as in the
JSON-lines output of ``tariffcore bill``, which ``POST /bill`` reuses line for line: the rows
go through :class:`tariffcore.BatchEngine` (its cache of repeated rows included) and come back
as the very objects the command writes, error rows included, in order.

The catalog is loaded once, when the app starts, from the installed plug-ins and the
directories in :class:`~tariffcore.service.Settings`; ``POST /reload`` (or ``SIGHUP``) loads it
again and swaps it in only once it has loaded, so requests never see half a catalog. Nothing a
request says is ever used as a path: a request names rulesets by id only.

One process bills one request at a time (billing is pure Python computation; threads would
not add speed): run several processes behind one port for more.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import io
import logging
import signal
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..accounts import (
    account_statement,
    arrears_result_to_dict,
    compute_arrears,
    group_ledger,
    read_ledger,
    statement_to_dict,
)
from ..batch import BatchEngine
from ..engine import Catalog, listing, load_catalog
from ..errors import BillingError, InputError, RulesetError, TariffcoreError, UnknownRulesetError, row_result
from ..money import D, format_amount
from ..rows import (
    Chunk,
    Payload,
    bill_to_dict,
    compact_json,
    explain_bill,
    parse_date,
    parse_month,
)
from .limits import ServiceError, read_json
from .openapi import openapi_document
from .settings import Settings
from .status import status_of

__all__ = ["ServiceState", "create_app"]

log = logging.getLogger("tariffcore.service")

#: Rulesets (references) whose batch engine, with its cache of repeated rows, is kept at once.
ENGINES = 8

_ALLOCATION = {"surcharges-first": "surcharges_first", "principal-first": "principal_first"}


def _response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = data if isinstance(data, bytes) else compact_json(data).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    return _response({**extra, "error": {"code": code, "message": message}}, status_of(code), headers)


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


class ServiceState:
    """The catalog being served, the batch engines over it, and reloading."""

    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.catalog = catalog if catalog is not None else self._load()
        self.loaded_at = datetime.now(UTC)
        self.reloads = 0
        self._engines: OrderedDict[str | None, BatchEngine] = OrderedDict()
        self._listing: list[dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    def _load(self) -> Catalog:
        return load_catalog(self.settings.rulesets_dirs, entry_points=self.settings.entry_points)

    def engine(self, ruleset: str | None) -> BatchEngine:
        """The batch engine billing rows under ``ruleset`` by default (kept for its cache)."""
        found = self._engines.get(ruleset)
        if found is not None:
            self._engines.move_to_end(ruleset)
            return found
        budget = max((self.settings.cache_mib << 20) // ENGINES, 1)
        found = BatchEngine(self.catalog, ruleset, cache_size=budget)  # resolves ``ruleset``
        self._engines[ruleset] = found
        if len(self._engines) > ENGINES:
            self._engines.popitem(last=False)
        return found

    def listing(self) -> list[dict[str, Any]]:
        """Every ruleset as ``tariffcore rulesets --format json`` lists it (computed once)."""
        if self._listing is None:
            self._listing = listing(self.catalog)
        return self._listing

    async def reload(self) -> None:
        """Load the catalog again (in a worker thread) and swap it in; on failure keep the old one."""
        async with self._lock:
            catalog = await anyio.to_thread.run_sync(self._load)
            self.catalog = catalog
            self._engines.clear()
            self._listing = None
            self.loaded_at = datetime.now(UTC)
            self.reloads += 1

    def summary(self) -> dict[str, Any]:
        return {
            "rulesets": len(self.catalog.rulesets),
            "broken": {
                key or "(unknown id)": [str(p) for p in problems]
                for key, problems in self.catalog.problems.items()
            },
            "loaded_at": self.loaded_at.isoformat(timespec="seconds"),
            "reloads": self.reloads,
        }


# --------------------------------------------------------------------------- request bodies


def _object(data: Any, what: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServiceError("invalid_request", f"{what} must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ServiceError(
            "invalid_request",
            f"{what} has unknown field(s) {', '.join(unknown)} (it may have {', '.join(allowed)})",
        )
    return data


def _text(data: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError("invalid_request", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ServiceError("invalid_request", f"{name} must be a string")
    return value.strip()


def _rows(data: Mapping[str, Any], name: str, limit: int) -> list[Any]:
    rows = data.get(name)
    if not isinstance(rows, list):
        raise ServiceError("invalid_request", f"{name} must be a list of JSON objects")
    if len(rows) > limit:
        raise ServiceError(
            "too_many_rows", f"{len(rows)} {name} are more than this service's limit of {limit} per request"
        )
    return rows


def _charges(data: Mapping[str, Any]) -> None:
    charges = data.get("charges")
    if charges is None:
        return
    if not isinstance(charges, list) or not all(isinstance(c, str) for c in charges):
        raise ServiceError("invalid_request", "charges must be a list of charge ids, or null")
    raise ServiceError(
        "not_implemented",
        "billing a chosen subset of charges is not supported yet; "
        "leave charges out (or null) to bill every charge",
    )


def _chunk(rows: list[Any]) -> Chunk:
    payloads: list[tuple[int, Payload]] = [
        (number, row if isinstance(row, dict) else InputError(f"row {number} is not a JSON object"))
        for number, row in enumerate(rows, start=1)
    ]
    return Chunk(None, payloads)


def _known(state: ServiceState, reference: str) -> None:
    """Refuse the whole request when its ruleset is unknown or broken (as ``--ruleset`` is)."""
    try:
        state.catalog.resolve(reference)
    except UnknownRulesetError as exc:
        raise ServiceError("unknown_ruleset", str(exc)) from None
    except RulesetError as exc:
        raise ServiceError("broken_ruleset", f"ruleset {reference} is broken: {exc}") from None


def _request_ruleset(state: ServiceState, reference: str | None) -> BatchEngine:
    """The engine of the request's ruleset; an unknown or broken one answers the request."""
    if reference is not None:
        _known(state, reference)
    return state.engine(reference)


# --------------------------------------------------------------------------- routes


def _routes(state: ServiceState) -> list[Route]:
    settings = state.settings

    async def health(request: Request) -> Response:
        return _response({"status": "ok", **state.summary()})

    async def rulesets(request: Request) -> Response:
        return _response({"rulesets": state.listing(), "broken": state.summary()["broken"]})

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
            return _response(entry)
        start, end = found.in_force(chosen)
        resolved = {
            "version": chosen.version,
            "label": chosen.label,
            "from": start.isoformat(),
            "until": end.isoformat() if end else None,
            "data": plain(chosen.data),
        }
        return _response({**entry, "resolved": resolved})

    async def bill(request: Request) -> Response:
        data = _object(
            await read_json(request, settings.max_body_bytes), "the body", ("ruleset", "rows", "charges")
        )
        reference = _text(data, "ruleset")
        rows = _rows(data, "rows", settings.max_rows)
        _charges(data)
        engine = _request_ruleset(state, reference)
        lines, count, failed = engine.jsonl(_chunk(rows))
        results = b",".join(lines.split(b"\n")[:count])
        body = b'{"rows":%d,"error_rows":%d,"results":[%s]}' % (count, failed, results)
        return _response(body)

    async def explain(request: Request) -> Response:
        data = _object(
            await read_json(request, settings.max_body_bytes), "the body", ("ruleset", "row", "charges")
        )
        reference = _text(data, "ruleset")
        if "row" not in data:
            raise ServiceError("invalid_request", "row is required: one input row as a JSON object")
        _charges(data)
        engine = _request_ruleset(state, reference)
        outcome = engine.results(_chunk([data["row"]]))[0]
        result = outcome.result
        if isinstance(result, BillingError):
            return _error(result.code, result.message, account=outcome.account)
        return _response({"result": bill_to_dict(result), "explanation": explain_bill(result)})

    async def arrears(request: Request) -> Response:
        data = await read_json(request, settings.max_body_bytes)
        if isinstance(data, dict) and "ledger" in data:
            return _ledger(_object(data, "the body", ("ruleset", "as_of", "ledger", "allocation")))
        data = _object(data, "the body", ("ruleset", "principal", "due", "as_of", "billing_month"))
        reference = _text(data, "ruleset", required=True)
        assert reference is not None
        try:
            as_of = _day(data, "as_of")
            due = _day(data, "due")
            month_text = _text(data, "billing_month")
            month = parse_month(month_text) if month_text else None
            principal = _principal(data.get("principal"))
        except BillingError as exc:
            return _error(exc.code, exc.message, ruleset=reference)
        result = row_result(
            reference,
            lambda ref: compute_arrears(
                state.catalog, ref, principal=principal, due=due, as_of=as_of, billing_month=month
            ),
        )
        if isinstance(result, BillingError):
            return _error(result.code, result.message, ruleset=reference)
        return _response(arrears_result_to_dict(result))

    def _ledger(data: dict[str, Any]) -> Response:
        default = _text(data, "ruleset")
        rows = _rows(data, "ledger", settings.max_rows)
        allocation_text = _text(data, "allocation")
        if allocation_text is not None and allocation_text not in _ALLOCATION:
            raise ServiceError("invalid_request", f"allocation must be one of {', '.join(_ALLOCATION)}")
        allocation: Any = _ALLOCATION[allocation_text] if allocation_text else None
        try:
            as_of = _day(data, "as_of")
        except BillingError as exc:
            return _error(exc.code, exc.message)
        if default:
            _known(state, default.partition("@")[0])
        # The rows become JSON lines for the ledger reader of ``tariffcore arrears``, so that
        # they are read, grouped and reported exactly as a ledger file is.
        text = "".join(compact_json(plain(row)) + "\n" for row in rows)
        results = []
        for group in group_ledger(read_ledger(io.StringIO(text), "jsonl")):
            error = group.error()
            if error is None:

                def work(reference: str, group: Any = group) -> Any:
                    found, pinned = state.catalog.resolve_arrears(reference)
                    return account_statement(
                        found,
                        group.bills,
                        group.payments,
                        as_of=as_of,
                        account=group.account,
                        allocation=allocation,
                        version=pinned,
                    )

                outcome = row_result(group.ruleset or default, work)
            else:
                outcome = error
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
        return _response({"accounts": len(results), "error_accounts": failed, "results": results})

    async def reload(request: Request) -> Response:
        try:
            await state.reload()
        except (TariffcoreError, OSError, ImportError) as exc:
            log.exception("reloading the catalog failed; the previous one is still served")
            raise ServiceError(
                "reload_failed",
                f"the catalog could not be reloaded ({exc}); the previous one is still served",
            ) from None
        return _response(state.summary())

    async def openapi(request: Request) -> Response:
        return _response(openapi_document())

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


def _day(data: Mapping[str, Any], name: str) -> date:
    text = _text(data, name, required=True)
    assert text is not None
    try:
        return parse_date(text)
    except InputError as exc:
        raise InputError(f"{name}: {exc.message}") from None


def _principal(value: Any) -> Decimal | dict[str, Decimal]:
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


# --------------------------------------------------------------------------- the app


class BearerToken:
    """ASGI middleware: every request but ``GET /health`` carries ``Authorization: Bearer TOKEN``.

    The token is compared in constant time (:func:`hmac.compare_digest`).
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/health":
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    given = credentials.strip()
                break
        if not hmac.compare_digest(given, self.token):
            response = _error(
                "unauthorized",
                "this service needs 'Authorization: Bearer TOKEN'",
                {"WWW-Authenticate": 'Bearer realm="tariffcore"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None) -> Starlette:
    """The service as an ASGI app, with its catalog loaded now (``catalog`` to serve a given one)."""
    settings = settings or Settings()
    state = ServiceState(settings, catalog)

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        return _error(exc.code, exc.message, exc.headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return _error(
                "method_not_allowed", f"{request.method} is not allowed on {request.url.path}", exc.headers
            )
        if exc.status_code == 404:
            return _error("not_found", f"no such endpoint: {request.url.path} (see /openapi.json)")
        return _response(
            {"error": {"code": "invalid_request", "message": str(exc.detail)}}, exc.status_code, exc.headers
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return _error("internal_error", "the service failed on this request; its log says why")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = _on_sighup(state) if settings.reload_on_sighup else None
        try:
            yield
        finally:
            if stop is not None:
                stop()

    app = Starlette(
        routes=_routes(state),
        exception_handlers={ServiceError: service_error, HTTPException: http_error, Exception: unexpected},
        lifespan=lifespan,
    )
    app.state.service = state
    if settings.token is not None:
        app.add_middleware(BearerToken, token=settings.token)
    return app


def _on_sighup(state: ServiceState) -> Callable[[], None] | None:
    """Reload the catalog on ``SIGHUP``; ``None`` where signals cannot be caught (a thread that
    is not the main one, or a platform without ``SIGHUP``)."""
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is None:
        return None
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        try:
            await state.reload()
            log.warning("catalog reloaded on SIGHUP: %d ruleset(s)", len(state.catalog.rulesets))
        except Exception:
            log.exception("reloading the catalog on SIGHUP failed; the previous one is still served")

    def handler() -> None:
        task = loop.create_task(reload())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(hangup, handler)
    except (ValueError, RuntimeError, NotImplementedError):
        return None

    def stop() -> None:
        loop.remove_signal_handler(hangup)

    return stop
